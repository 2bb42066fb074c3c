"""Users and logins: Argon2id password hashes, lockout after repeated failures, every attempt audited.

A login runs entirely as one writer job (``AuthService.submit_login``): reading the user, verifying the hash,
updating the failure counter and appending the audit record happen in one transaction, so two simultaneous
wrong passwords cannot both slip under the lockout threshold. Argon2 verification takes tens of
milliseconds on purpose; it runs on the writer thread, never on the GUI thread.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import hashlib
import hmac
import os
import re
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.permissions import (
    PERSON_ROLES,
    ROLE_ZH,
    SYSTEM_ACTORS,
    Authorizer,
    PermissionDenied,
    users_changed,
)
from commandcenter.enforcement.tables import User
from commandcenter.store import Store, default_url, utcnow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

# One hasher for the process: argon2-cffi's defaults are the RFC 9106 low-memory profile (Argon2id).
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a failed login takes the same time either way (made at
    the first such login: hashing costs tens of milliseconds, which no start-up should pay)."""
    return _hasher.hash("not-a-real-password")


class AuthError(Exception):
    """A refused login or user-management request, with a message fit for the user."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code  # bad_credentials | locked | disabled | invalid | exists | not_found


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as plain data (never the hash)."""

    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def role_zh(self) -> str:
        return ROLE_ZH.get(self.role, self.role)


def _info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, u.display_name, u.role, u.disabled, u.failed_attempts, u.locked_until,
                    u.last_login_at)


def hash_password(password: str) -> str:
    """An Argon2id hash string (salt and parameters included)."""
    return _hasher.hash(password)


def _check_new_user(username: str, role: str, password: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", username):
        raise AuthError(f"invalid username {username!r}: letters, digits, '-', '_', '.' only, at most 64",
                        code="invalid")
    if username in SYSTEM_ACTORS or username.startswith("cli:"):
        raise AuthError(f"username {username!r} is reserved for the application itself", code="invalid")
    if role not in PERSON_ROLES:
        raise AuthError(f"unknown role {role!r}; expected one of {list(PERSON_ROLES)}", code="invalid")
    _check_password(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters", code="invalid")


class AuthService:
    """User management and login. Every change and every login attempt goes into the audit chain."""

    def __init__(self, store: Store, audit: AuditLog, *,
                 authorize: Callable[[str, str], None] | None = None) -> None:
        self.store = store
        self.audit = audit
        self.authorize = authorize  # for user.manage; None = trusted caller (the CLI, demo set-up)

    def _require_manage(self, actor: str) -> None:
        if self.authorize is not None:
            self.authorize(actor, "user.manage")

    # ------------------------------------------------------------------------------------------- login
    def submit_login(self, username: str, password: str) -> Future[UserInfo]:
        """Check the credentials on the writer thread; the future holds the user or raises AuthError.

        The writer job *returns* a refusal instead of raising it, so the failure counter and the audit record
        of a failed attempt commit; the refusal is raised on the future handed back here.
        """
        outer: Future[UserInfo] = Future()

        def done(inner: Future[UserInfo | AuthError]) -> None:
            exc = inner.exception()
            if exc is not None:
                outer.set_exception(exc)
                return
            value = inner.result()
            if isinstance(value, AuthError):
                outer.set_exception(value)
            else:
                outer.set_result(value)

        self.store.submit(lambda s: self._login_job(s, username, password)).add_done_callback(done)
        return outer

    def login(self, username: str, password: str) -> UserInfo:
        """Blocking login (CLI, tests, worker threads). Raises AuthError."""
        return self.submit_login(username, password).result(60)

    def _login_job(self, session: Session, username: str, password: str) -> UserInfo | AuthError:
        now = utcnow()
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            username = username if len(username) <= 64 else username[:63] + "…"  # typed input: fit the column
        subject = f"user:{username}"
        if user is None:
            try:
                _hasher.verify(_dummy_hash(), password)
            except VerificationError:
                pass
            self.audit.append(session, username, "login.failure", subject, {"reason": "unknown user"})
            return AuthError("wrong username or password", code="bad_credentials")
        if user.disabled:
            self.audit.append(session, username, "login.failure", subject, {"reason": "disabled"})
            return AuthError(f"user {username!r} is disabled", code="disabled")
        if user.locked_until is not None and user.locked_until > now:
            self.audit.append(session, username, "login.failure", subject,
                              {"reason": "locked", "locked_until": user.locked_until})
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            return AuthError(f"user {username!r} is locked after {MAX_FAILURES} failed logins; "
                            f"try again in {minutes} min", code="locked")
        if user.locked_until is not None:  # the lock expired: start counting afresh
            user.locked_until = None
            user.failed_attempts = 0
        try:
            _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, InvalidHashError, VerificationError):
            user.failed_attempts += 1
            user.updated_at = now
            data: dict[str, object] = {"reason": "wrong password", "failed_attempts": user.failed_attempts}
            locked = user.failed_attempts >= MAX_FAILURES
            if locked:
                user.locked_until = now + LOCKOUT
                data["locked_until"] = user.locked_until
            self.audit.append(session, username, "login.failure", subject, data)
            if locked:
                return AuthError(f"user {username!r} is now locked for {int(LOCKOUT.total_seconds() // 60)} min "
                                 f"after {MAX_FAILURES} failed logins", code="locked")
            return AuthError("wrong username or password", code="bad_credentials")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.failed_attempts = 0
        user.last_login_at = now
        user.updated_at = now
        self.audit.append(session, username, "login.success", subject, {"role": user.role})
        return _info(user)

    # ------------------------------------------------------------------------------------------- management
    def add_user(self, username: str, role: str, password: str, *, display_name: str = "",
                 actor: str = "system", password_hash: str | None = None) -> UserInfo:
        """Create a user. Raises AuthError if the name is taken or the input invalid.

        ``password_hash`` (an Argon2 hash of ``password``, e.g. precomputed for demo users) skips hashing.
        """
        self._require_manage(actor)
        _check_new_user(username, role, password)
        # Hashing is slow on purpose: done before the writer job, not inside it.
        digest = password_hash if password_hash is not None else hash_password(password)

        def job(session: Session) -> UserInfo:
            if session.scalars(select(User.id).where(User.username == username)).first() is not None:
                raise AuthError(f"user {username!r} already exists", code="exists")
            now = utcnow()
            user = User(username=username, display_name=display_name or username, role=role, password_hash=digest,
                        disabled=False, failed_attempts=0, created_at=now, updated_at=now)
            session.add(user)
            session.flush()
            self.audit.append(session, actor, "user.add", f"user:{username}",
                              {"role": role, "display_name": user.display_name})
            return _info(user)

        info = self.store.write(job)
        users_changed()
        return info

    def set_password(self, username: str, password: str, *, actor: str = "system") -> None:
        """Replace a password; also clears a lockout."""
        if actor != username:
            self._require_manage(actor)
        _check_password(password)
        digest = hash_password(password)

        def job(session: Session) -> None:
            user = self._get(session, username)
            user.password_hash = digest
            user.failed_attempts = 0
            user.locked_until = None
            user.updated_at = utcnow()
            self.audit.append(session, actor, "user.passwd", f"user:{username}", {})

        self.store.write(job)

    def set_disabled(self, username: str, disabled: bool = True, *, actor: str = "system") -> None:
        self._require_manage(actor)

        def job(session: Session) -> None:
            user = self._get(session, username)
            user.disabled = disabled
            user.updated_at = utcnow()
            self.audit.append(session, actor, "user.disable" if disabled else "user.enable", f"user:{username}", {})

        self.store.write(job)
        users_changed()

    def set_role(self, username: str, role: str, *, actor: str = "system") -> None:
        self._require_manage(actor)
        if role not in PERSON_ROLES:
            raise AuthError(f"unknown role {role!r}", code="invalid")

        def job(session: Session) -> None:
            user = self._get(session, username)
            old, user.role, user.updated_at = user.role, role, utcnow()
            self.audit.append(session, actor, "user.role", f"user:{username}", {"from": old, "to": role})

        self.store.write(job)
        users_changed()

    def users(self) -> list[UserInfo]:
        return self.store.read(lambda s: [_info(u) for u in s.scalars(select(User).order_by(User.username))])

    def get(self, username: str) -> UserInfo | None:
        return self.store.read(lambda s: next(
            (_info(u) for u in s.scalars(select(User).where(User.username == username))), None))

    @staticmethod
    def _get(session: Session, username: str) -> User:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise AuthError(f"no user {username!r}", code="not_found")
        return user


# ----------------------------------------------------------------------------------------------- CLI
# Command-line actions that change the world (user management, drone commands, case imports) run as a person or
# a service account who proved it: an acting user named by ``--as`` or $CC_USER, with the user's password (asked
# for without echo, or ``--password-stdin`` / $CC_PASSWORD for scripts), or a ``[[users]]`` service account's
# token (``--token-file`` / $CC_TOKEN, checked against its ``token_sha256``). Logins and refusals are audited.

EXIT_REFUSED, EXIT_USAGE = 1, 2


class CliAuthError(Exception):
    """The CLI could not establish who acts; ``exit_code`` 2 for a usage problem, 1 for refused credentials."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_credential_arguments(parser: argparse.ArgumentParser, *aliases: str) -> None:
    """``--as USER`` (and ``aliases`` of it), ``--password-stdin`` and ``--token-file`` on a subcommand that
    changes the world."""
    parser.add_argument("--as", *aliases, dest="acting_user", default=None, metavar="USER",
                        help="who acts (default: $CC_USER); audited under this name")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the acting user's password from the first line of stdin "
                             "(default: $CC_PASSWORD, else asked for without echo)")
    parser.add_argument("--token-file", default=None, metavar="FILE",
                        help="a [[users]] service account's token (default: $CC_TOKEN)")


def _read_secret_line(stream: TextIO) -> str:
    return stream.readline().rstrip("\r\n")


def _cli_token(args: argparse.Namespace) -> str | None:
    if getattr(args, "token_file", None):
        try:
            return Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CliAuthError(f"--token-file {args.token_file}: {exc.strerror or exc}", EXIT_USAGE) from None
    return os.environ.get("CC_TOKEN") or None


def authenticate_cli(args: argparse.Namespace, auth: AuthService, *,
                     service_tokens: Mapping[str, str] | None = None, stdin: TextIO | None = None) -> str:
    """Who acts, proven: returns the acting username or raises CliAuthError (the failed attempt is audited).

    ``service_tokens`` maps a ``[[users]]`` service account to its token's SHA-256 (hex); such an account
    proves itself with its token only (it has no password).
    """
    user = (getattr(args, "acting_user", None) or os.environ.get("CC_USER", "")).strip()
    if not user:
        raise CliAuthError("this command changes the world: name who acts with --as USER (or $CC_USER) and give "
                           "the password (asked for, --password-stdin or $CC_PASSWORD) or a service token",
                           EXIT_USAGE)
    expected = (service_tokens or {}).get(user, "")
    if expected:
        token = _cli_token(args)
        if token is None:
            raise CliAuthError(f"{user} is a service account: give its token with --token-file or $CC_TOKEN",
                               EXIT_USAGE)
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        ok = hmac.compare_digest(digest, expected)
        auth.audit.record(user, "login.success" if ok else "login.failure", f"user:{user}",
                          {"via": "cli service token"} if ok else {"via": "cli service token",
                                                                    "reason": "wrong token"}).result(60)
        if not ok:
            raise CliAuthError(f"wrong service token for {user}", EXIT_REFUSED)
        return user
    if getattr(args, "password_stdin", False):
        password = _read_secret_line(stdin or sys.stdin)
    else:
        try:
            password = os.environ.get("CC_PASSWORD") or getpass.getpass(f"password of {user}: ")
        except EOFError:  # no terminal and nothing left on stdin: say how to give it instead of a traceback
            raise CliAuthError(f"no password of {user}: there is no terminal to ask on; give it with "
                               f"--password-stdin or $CC_PASSWORD", EXIT_USAGE) from None
    try:
        auth.login(user, password)
    except AuthError as exc:
        raise CliAuthError(str(exc), EXIT_REFUSED) from None
    return user


def _has_users(store: Store) -> bool:
    return store.read(lambda s: s.scalars(select(User.id).limit(1)).first() is not None)


def _ask_password(username: str) -> str:
    first = getpass.getpass(f"password for {username}: ")
    if getpass.getpass("again: ") != first:
        raise AuthError("the passwords differ", code="invalid")
    return first


def _new_password(username: str, given: str | None, stdin: TextIO | None) -> str:
    """The new password: ``--password``, else the first line of a pipe (``echo PW | commandcenter user add …``),
    else asked for twice without echo at the terminal. An empty pipe says how to give one, not EOFError."""
    if given is not None:
        return given
    stream = stdin if stdin is not None else sys.stdin
    if stream is None or not stream.isatty():
        line = _read_secret_line(stream) if stream is not None else ""
        if not line:
            raise CliAuthError(f"no password for {username}: stdin is not a terminal and holds no password; "
                               f"pipe one in (echo PASSWORD | commandcenter user …) or give --password", EXIT_USAGE)
        return line
    try:
        return _ask_password(username)
    except EOFError:
        raise CliAuthError(f"no password for {username}: give it with --password", EXIT_USAGE) from None


def user_main(argv: list[str], *, stdin: TextIO | None = None) -> int:
    """``commandcenter user add|passwd|disable|enable|list``. Exit 0 on success, 1 on a refused request, 2 on
    bad usage.

    Changes need an admin (``user.manage``) who proves it (see :func:`authenticate_cli`); ``passwd`` of one's own
    account needs only one's own password. Bootstrapping: ``user add … --role admin`` on a database with no users
    at all creates the first admin without credentials (audited as ``cli:<OS user>``).
    """
    parser = argparse.ArgumentParser(prog="commandcenter user", description="users and roles of the command center")
    sub = parser.add_subparsers(dest="command", required=True)
    p_add = sub.add_parser("add", help="create a user")
    p_add.add_argument("username")
    p_add.add_argument("--role", required=True, choices=list(PERSON_ROLES))
    p_add.add_argument("--name", default="", help="display name (e.g. 张三)")
    p_add.add_argument("--password", help="the new user's password (default: asked for without echo)")
    for name, text in (("passwd", "set a new password (clears a lockout)"), ("disable", "disable a user"),
                       ("enable", "enable a disabled user")):
        p = sub.add_parser(name, help=text)
        p.add_argument("username")
        if name == "passwd":
            p.add_argument("--password", help="the new password (default: asked for without echo)")
    sub.add_parser("list", help="list users")
    for command, p in sub.choices.items():
        p.add_argument("--db", default="", help="database URL (default: the local SQLite store)")
        if command != "list":
            add_credential_arguments(p)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage problem
        return 0 if exc.code == 0 else EXIT_USAGE

    store = Store(args.db or default_url())
    try:
        store.upgrade()
        audit = AuditLog(store)
        authorizer = Authorizer(store, audit)
        service = AuthService(store, audit, authorize=authorizer.authorize)
        if args.command == "list":
            _print_users(service)
            return 0
        if args.command == "add" and not _has_users(store):
            if args.role != "admin":
                raise AuthError(f"the database has no users yet: the first one must be an admin "
                                f"(user add {args.username} --role admin)", code="invalid")
            actor = f"cli:{getpass.getuser()}"  # bootstrap: nobody exists who could vouch
            service = AuthService(store, audit)  # the one unchecked change: creating the first admin
        else:
            if args.command in ("add", "passwd") and args.password is None and args.password_stdin:
                raise CliAuthError("--password-stdin carries the acting user's password: give the new one with "
                                   "--password", EXIT_USAGE)
            actor = authenticate_cli(args, service, stdin=stdin)
        if args.command == "add":
            password = _new_password(args.username, args.password, stdin)
            user = service.add_user(args.username, args.role, password, display_name=args.name, actor=actor)
            print(f"user {user.username} ({user.role_zh}) created")
        elif args.command == "passwd":
            password = _new_password(args.username, args.password, stdin)
            service.set_password(args.username, password, actor=actor)
            print(f"password of {args.username} changed")
        else:
            service.set_disabled(args.username, args.command == "disable", actor=actor)
            print(f"user {args.username} {args.command}d")
        return 0
    except CliAuthError as exc:
        print(f"user: {exc}", file=sys.stderr)
        return exc.exit_code
    except (AuthError, PermissionDenied) as exc:
        print(f"user: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        store.close()


def _print_users(service: AuthService) -> None:
    now = utcnow()
    print(f"{'username':<16} {'role':<11} {'name':<12} state")
    for u in service.users():
        state = "disabled" if u.disabled else (
            "locked" if u.locked_until is not None and u.locked_until > now else "active")
        print(f"{u.username:<16} {u.role:<11} {u.display_name:<12} {state}")
