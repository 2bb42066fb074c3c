"""Accounts whose passwords are public, and the check that keeps real work away from them.

The demo creates these accounts (``commandcenter.demo.users``) and ``resources/enforcement/DEMO_USERS.md``
publishes their passwords, so anyone can log in with them. ``commandcenter run`` refuses a database where one
of them is still active with its published password, or that the demo made (``store.settings``).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.enforcement.tables import User
from commandcenter.store import Store
from commandcenter.store.settings import is_demo_database

# username → the password published in DEMO_USERS.md.
PUBLISHED_PASSWORDS: dict[str, str] = {
    "admin": "admin-2026",
    "dispatcher": "dispatch-2026",
    "pilot": "pilot-2026",
    "leader": "leader-2026",
    "legal": "legal-2026",
    "observer": "observer-2026",
    "district": "district-2026",
}


class DemoDatabaseError(Exception):
    """A database not fit for real work: the demo made it, or it holds accounts with published passwords."""


def published_accounts(store: Store) -> list[str]:
    """Active users that still log in with their published demo password (one Argon2 check per candidate)."""
    if "users" not in store.table_names():
        return []

    def candidates(session: Session) -> list[tuple[str, str]]:
        rows = session.scalars(select(User).where(User.username.in_(PUBLISHED_PASSWORDS),
                                                  User.disabled.is_(False)))
        return [(u.username, u.password_hash) for u in rows]

    hasher = PasswordHasher()
    found = []
    for username, digest in store.read(candidates):
        try:
            hasher.verify(digest, PUBLISHED_PASSWORDS[username])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
        found.append(username)
    return sorted(found)


def refuse_demo_database(store: Store) -> None:
    """Raise :class:`DemoDatabaseError` (saying how to go on) when ``store`` is not fit for real work."""
    if is_demo_database(store):
        raise DemoDatabaseError(
            f"{store.description} is the demo's database (simulated officers, seeded cases, demo accounts with "
            "published passwords); real work needs a database of its own: give `--db URL` or [database] url, "
            "or use the default database outside the demo folder. To look at the demo, run `commandcenter demo`.")
    exposed = published_accounts(store)
    if exposed:
        raise DemoDatabaseError(
            f"{store.description} holds the demo account(s) {', '.join(exposed)} with the password(s) published "
            "in resources/enforcement/DEMO_USERS.md; anyone could log in with them. Disable each one "
            "(`commandcenter user disable NAME --as ADMIN [--db URL]`) or give it a password of its own "
            "(`commandcenter user passwd NAME --as ADMIN [--db URL]`), then start again.")
