"""JT/T 808 registrations kept in the database, and an operator's deregistration reaching the running listener.

The protocol library (``devices/jt808.py``) has no database: its server calls a
:class:`~devices.jt808.RegistrationStore`. :class:`StoredRegistrations` is that store over the application's
:class:`~commandcenter.store.Store` (table ``jt808_registrations``): a terminal that registered before a restart
authenticates after it with its code, whether or not anything else about the process survived.

A replaced terminal box cannot register while the old registration stands (the standard's result 3), so an
admin ends it: ``commandcenter tracker deregister PHONE`` (:func:`deregister_terminal`) marks the row revoked
and appends the action to the audit chain in the same transaction. The running process may be another one (the
server, a console), so :class:`RevocationWatch` reads the revoked rows every few seconds and hands them to its
JT/T 808 servers (:meth:`~devices.jt808.Jt808Server.apply_revocations`): the old code stops working and its
sessions end, and the new box registers. A revocation names the code it ended, so one read late never ends the
newer registration that followed it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.store import Store, utcnow
from commandcenter.store.models import TerminalRegistration
from devices.jt808 import Jt808Server, TerminalRecord

log = logging.getLogger(__name__)

REVOCATION_POLL_S = 2.0
"""How soon an operator's deregistration from another process takes effect in the running listener."""

AuditAppend = Callable[[Session, str, str, str, dict[str, Any]], object]
"""Appends one record to the audit chain in the caller's transaction: (session, actor, action, subject, data)."""


class NotRegistered(LookupError):
    """The terminal holds no registration to end (never registered, logged out or already deregistered)."""


@dataclass(frozen=True, slots=True)
class RegistrationInfo:
    """One registration as an operator reads it (no code: only its hash is stored, and not shown)."""

    phone: str
    plate: str
    plate_colour: int
    maker_id: str
    model: str
    terminal_id: str
    peer: str
    registered_at: datetime
    revoked_at: datetime | None
    revoked_by: str

    def describe(self) -> str:
        what = ", ".join(f"{k} {v}" for k, v in (("plate", self.plate), ("maker", self.maker_id),
                                                  ("model", self.model), ("terminal id", self.terminal_id)) if v)
        state = (f"ended {self.revoked_at:%Y-%m-%d %H:%M:%S} UTC by {self.revoked_by}" if self.revoked_at
                 else "registered")
        return (f"{self.phone}: {state}; registered {self.registered_at:%Y-%m-%d %H:%M:%S} UTC from "
                f"{self.peer or '?'}" + (f"; {what}" if what else ""))


def _info(row: TerminalRegistration) -> RegistrationInfo:
    return RegistrationInfo(row.phone, row.plate, row.plate_colour, row.maker_id, row.model, row.terminal_id,
                            row.peer, row.registered_at, row.revoked_at, row.revoked_by)


class StoredRegistrations:
    """:class:`~devices.jt808.RegistrationStore` over the store: reads on the caller's thread, writes queued
    on the store's single writer (the listener's selector thread never waits for the database)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: dict[str, TerminalRecord] = {}  # saves not yet taken by a writer job
        self._pending_lock = threading.Lock()

    def load(self) -> dict[str, TerminalRecord]:
        def query(session: Session) -> dict[str, TerminalRecord]:
            rows = session.scalars(select(TerminalRegistration).where(TerminalRegistration.revoked_at.is_(None)))
            return {r.phone: TerminalRecord(r.phone, r.code_sha256, r.plate, r.plate_colour, r.maker_id, r.model,
                                            r.terminal_id, r.peer) for r in rows}

        return self.store.read(query)

    def save(self, record: TerminalRecord) -> None:
        """Queue the registration; the saves queued while a writer job waits go in with it, in one transaction.

        A city's terminals come up together (a depot at dawn, every box after a server restart): 10,000
        registrations as 10,000 transactions kept the writer busy for a minute, and case work and the position
        fixes (whose acknowledgements wait for their commit) queued behind them. The order against a
        revocation holds: a save is in a job submitted before any job submitted after it.
        """
        with self._pending_lock:
            first = not self._pending
            self._pending[record.phone] = record
        if first:
            self._watch(self.store.submit(self._save_pending), "saving JT/T 808 registrations")

    def _save_pending(self, session: Session) -> int:
        with self._pending_lock:
            batch, self._pending = self._pending, {}
        phones = list(batch)
        rows: dict[str, TerminalRegistration] = {}
        for start in range(0, len(phones), 500):  # bounded IN lists (SQLite's variable limit)
            chunk = phones[start:start + 500]
            rows.update((r.phone, r) for r in session.scalars(
                select(TerminalRegistration).where(TerminalRegistration.phone.in_(chunk))))
        now = utcnow()
        for phone, record in batch.items():
            row = rows.get(phone) or TerminalRegistration(phone=phone)
            row.code_sha256 = record.code_sha256
            row.plate, row.plate_colour = record.plate[:32], record.plate_colour
            row.maker_id, row.model, row.terminal_id = record.maker_id[:16], record.model[:32], record.terminal_id[:32]
            row.peer = record.peer[:64]
            row.registered_at, row.revoked_at, row.revoked_by = now, None, ""
            session.add(row)
        return len(batch)

    def revoke(self, phone: str, code_sha256: str, reason: str) -> None:
        def job(session: Session) -> None:
            row = session.get(TerminalRegistration, phone)
            if row is not None and row.code_sha256 == code_sha256 and row.revoked_at is None:
                row.revoked_at, row.revoked_by = utcnow(), reason[:64]

        self._watch(self.store.submit(job), f"ending the registration of terminal {phone}")

    def revoked(self) -> dict[str, str]:
        """Phone → hash of the code whose registration ended (what :class:`RevocationWatch` hands on)."""
        query = select(TerminalRegistration.phone, TerminalRegistration.code_sha256).where(
            TerminalRegistration.revoked_at.is_not(None))
        return self.store.read(lambda s: {phone: digest for phone, digest in s.execute(query)})

    def all(self) -> list[RegistrationInfo]:
        """Every registration, current and ended, by phone number (``tracker registrations``)."""
        query = select(TerminalRegistration).order_by(TerminalRegistration.phone)
        return self.store.read(lambda s: [_info(r) for r in s.scalars(query)])

    @staticmethod
    def _watch(future: Future[None] | Future[int], what: str) -> None:
        def done(fut: Future[None] | Future[int]) -> None:
            exc = fut.exception()
            if exc is not None:  # the terminal keeps its code until a restart; then it registers again
                log.error("%s failed: %s", what, exc)

        future.add_done_callback(done)


def deregister_terminal(store: Store, audit: AuditAppend, phone: str, actor: str) -> RegistrationInfo:
    """End the terminal's registration as ``actor`` (already authorized), audited in the same transaction.

    Raises :class:`NotRegistered` (nothing written) when it holds none. The running listener notices within
    :data:`REVOCATION_POLL_S` seconds.
    """

    def job(session: Session) -> RegistrationInfo:
        row = session.get(TerminalRegistration, phone)
        if row is None or row.revoked_at is not None:
            why = "it never registered" if row is None else f"its registration already ended ({row.revoked_by})"
            raise NotRegistered(f"terminal {phone} holds no registration to end: {why}")
        row.revoked_at, row.revoked_by = utcnow(), actor[:64]
        info = _info(row)
        audit(session, actor, "jt808.deregister", f"terminal:{phone}",
              {"plate": row.plate, "maker": row.maker_id, "model": row.model, "terminal_id": row.terminal_id,
               "registered_at": row.registered_at.isoformat()})
        return info

    return store.write(job)


class RevocationWatch:
    """Every ``interval_s``, hands the ended registrations in the database to the running JT/T 808 servers."""

    def __init__(self, registrations: StoredRegistrations, interval_s: float = REVOCATION_POLL_S) -> None:
        self.registrations = registrations
        self.interval_s = interval_s
        self._servers: list[Jt808Server] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, server: Jt808Server) -> None:
        self._servers.append(server)

    def poll(self) -> list[str]:
        """One round: the phones deregistered in the running servers."""
        if not self._servers:
            return []
        revoked = self.registrations.revoked()
        return [phone for server in list(self._servers) for phone in server.apply_revocations(revoked)]

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="jt808-revocations", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                ended = self.poll()
            except Exception as exc:  # the database is away: try again next round
                log.warning("reading ended JT/T 808 registrations failed: %s", exc)
                continue
            for phone in ended:
                log.info("JT/T 808 terminal %s deregistered by an operator", phone)
