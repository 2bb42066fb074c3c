"""Seat sessions: how the server knows which person sits at the seat that sent a command.

A seat (``commandcenter run`` with ``[bus]``) logs its user in with the ordinary login (the password checked
against ``users`` by :class:`~commandcenter.enforcement.auth.AuthService`, audited, with its lockout). The seat
then holds a random session token; the database keeps only the token's SHA-256 with the user, the seat, when it
was made, when it expires and whether it was revoked. Every command the seat sends over the bus carries the
token, and the server resolves it here, in the database, to the user it will act as: a seat cannot claim a
user, it can only show a token that a login produced for it.

Unknown, expired, revoked, disabled-user and other-seat tokens are refused; :meth:`SeatSessions.authenticate`
records each refused attempt once in the audit chain (``seat.session.refused``), under the session's user when
the token is known, else under ``seat:<seat id>``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.auth import AuthService, UserInfo
from commandcenter.enforcement.tables import SeatSession as SeatSessionRow
from commandcenter.enforcement.tables import User
from commandcenter.store import Store, utcnow

# A shift and then some: a seat left logged in overnight has to log in again in the morning.
SESSION_LIFETIME = timedelta(hours=12)
REFUSED_ACTION = "seat.session.refused"
FORGET_AFTER = timedelta(days=30)  # an expired session's row is deleted at a later login, this long after


def token_digest(token: str) -> str:
    """What the database stores of a token (SHA-256 hex): enough to recognise it, useless to act with."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SeatSession:
    """A seat's open session, held by the seat only: ``token`` is never stored in plain text anywhere else."""

    token: str
    user: UserInfo
    seat_id: str
    expires_at: datetime

    @property
    def username(self) -> str:
        return self.user.username

    def __repr__(self) -> str:  # never print the token into a log
        return f"SeatSession(user={self.user.username!r}, seat_id={self.seat_id!r}, expires_at={self.expires_at})"


class SessionRefused(Exception):
    """A token the server will not act on. ``reason``: unknown | expired | revoked | other_seat | disabled."""

    def __init__(self, message: str, *, reason: str, username: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.username = username  # the session's user when the token is known (expired, revoked …)


class SeatSessions:
    """Opens, resolves and closes seat sessions on one store (seat and server share the database)."""

    def __init__(self, store: Store, auth: AuthService, audit: AuditLog, *, lifetime: timedelta = SESSION_LIFETIME,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.auth = auth
        self.audit = audit
        self.lifetime = lifetime
        self.clock = clock

    # ------------------------------------------------------------------------------------------- the seat
    def submit_open(self, username: str, password: str, seat_id: str) -> Future[SeatSession]:
        """Log ``username`` in (AuthService: audited, lockout) and open a session of ``seat_id``; the future
        holds the session or raises AuthError, without blocking the caller (the login dialog's thread)."""
        outer: Future[SeatSession] = Future()

        def logged_in(login: Future[UserInfo]) -> None:
            exc = login.exception()
            if exc is not None:
                outer.set_exception(exc)
                return
            user = login.result()
            token = secrets.token_urlsafe(32)
            opened = self.store.submit(lambda s: self._open_job(s, user, token, seat_id))

            def stored(job: Future[SeatSession]) -> None:
                failure = job.exception()
                if failure is not None:
                    outer.set_exception(failure)
                else:
                    outer.set_result(job.result())

            opened.add_done_callback(stored)

        self.auth.submit_login(username, password).add_done_callback(logged_in)
        return outer

    def open(self, username: str, password: str, seat_id: str) -> SeatSession:
        """Blocking :meth:`submit_open` (tests, worker threads). Raises AuthError."""
        return self.submit_open(username, password, seat_id).result(60)

    def _open_job(self, session: Session, user: UserInfo, token: str, seat_id: str) -> SeatSession:
        now = self.clock()
        # sessions long over are of no use to anyone (their opening and closing stay in the audit chain)
        session.execute(delete(SeatSessionRow).where(SeatSessionRow.expires_at < now - FORGET_AFTER))
        row = SeatSessionRow(token_sha256=token_digest(token), username=user.username, seat_id=seat_id,
                             created_at=now, expires_at=now + self.lifetime, revoked_at=None)
        session.add(row)
        self.audit.append(session, user.username, "seat.session.open", f"seat:{seat_id}",
                          {"expires_at": row.expires_at})
        return SeatSession(token, user, seat_id, row.expires_at)

    def close(self, seat_session: SeatSession) -> None:
        """Log out: the token is revoked at once (the server refuses it from the next command on)."""
        self.revoke(seat_session.token, actor=seat_session.username)

    def revoke(self, token: str, *, actor: str) -> bool:
        """Revoke a token (logout, or an administrator ending a session); False when it was unknown."""
        return self.store.write(lambda session: self.revoke_in(session, token, actor))

    def revoke_in(self, session: Session, token: str, actor: str) -> bool:
        """:meth:`revoke` inside the caller's writer transaction."""
        row = session.scalars(select(SeatSessionRow).where(SeatSessionRow.token_sha256 == token_digest(token))).first()
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = self.clock()
            self.audit.append(session, actor, "seat.session.close", f"seat:{row.seat_id}", {"user": row.username})
        return True

    # ------------------------------------------------------------------------------------------- the server
    def resolve(self, token: str, seat_id: str) -> str:
        """The user ``token`` acts as, from the database; raises SessionRefused. Records nothing."""
        digest = token_digest(token)
        now = self.clock()

        def read(session: Session) -> tuple[str, str, datetime, datetime | None, bool] | None:
            row = session.execute(
                select(SeatSessionRow.username, SeatSessionRow.seat_id, SeatSessionRow.expires_at,
                       SeatSessionRow.revoked_at, User.disabled)
                .join(User, User.username == SeatSessionRow.username, isouter=True)
                .where(SeatSessionRow.token_sha256 == digest)).first()
            if row is None:
                return None
            return row[0], row[1], row[2], row[3], bool(row[4]) if row[4] is not None else True

        found = self.store.read(read)
        if found is None:
            raise SessionRefused(f"seat {seat_id}: unknown session token (not issued by a login here)",
                                 reason="unknown")
        username, owner_seat, expires_at, revoked_at, disabled = found
        if owner_seat != seat_id:
            raise SessionRefused(f"seat {seat_id}: the session token belongs to seat {owner_seat}",
                                 reason="other_seat", username=username)
        if revoked_at is not None:
            raise SessionRefused(f"seat {seat_id}: the session of {username} was closed at {revoked_at:%H:%M:%S}; "
                                 "log in again", reason="revoked", username=username)
        if expires_at <= now:
            raise SessionRefused(f"seat {seat_id}: the session of {username} expired at {expires_at:%Y-%m-%d %H:%M}"
                                 "; log in again", reason="expired", username=username)
        if disabled:
            raise SessionRefused(f"seat {seat_id}: user {username} is disabled (or no longer exists)",
                                 reason="disabled", username=username)
        return username

    def authenticate(self, token: str, seat_id: str, subject: str, attempt: Mapping[str, object]) -> str:
        """:meth:`resolve`, recording a refusal in the audit chain (``attempt`` says what was asked for)."""
        try:
            return self.resolve(token, seat_id)
        except SessionRefused as exc:
            actor = exc.username or f"seat:{seat_id}"
            data = {"reason": exc.reason, "seat": seat_id, **attempt}
            self.audit.record(actor, REFUSED_ACTION, subject, data).result(30)
            raise


class SeatLogin:
    """The login dialog's backend on a seat: the ordinary login (``submit_login``, as AuthService has it) which
    also opens the seat's session. :meth:`current` is what the seat's drone commander sends with each command.
    """

    def __init__(self, sessions: SeatSessions, seat_id: str) -> None:
        self.sessions = sessions
        self.seat_id = seat_id
        self._session: SeatSession | None = None

    def submit_login(self, username: str, password: str) -> Future[UserInfo]:
        """Check the password and open a session of this seat; the future holds the user or raises AuthError.
        A previous session of the seat is closed once the new one is open."""
        outer: Future[UserInfo] = Future()

        def opened(future: Future[SeatSession]) -> None:
            exc = future.exception()
            if exc is not None:
                outer.set_exception(exc)
                return
            previous, self._session = self._session, future.result()
            if previous is not None:  # queued behind nothing that waits for it: not waited for here
                self.sessions.store.submit(lambda s: self.sessions.revoke_in(s, previous.token, previous.username))
            outer.set_result(self._session.user)

        self.sessions.submit_open(username, password, self.seat_id).add_done_callback(opened)
        return outer

    def current(self) -> SeatSession | None:
        """The open session (None before the first login and after :meth:`logout`)."""
        return self._session

    def logout(self) -> None:
        """Close the session (at exit, or when the user leaves the seat): its token is refused from now on."""
        previous, self._session = self._session, None
        if previous is not None:
            self.sessions.close(previous)
