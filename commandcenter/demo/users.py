"""The demo accounts: one per role, with the passwords published in resources/enforcement/DEMO_USERS.md.

Because anyone can read those passwords, the accounts are created only in a database the demo made
(:func:`commandcenter.demo.database.claim_demo_database` marks it); anywhere else the request is refused.
"""

from __future__ import annotations

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.auth import AuthService, UserInfo, hash_password
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.store import Store
from commandcenter.store.settings import is_demo_database

# username, role, display name, password (the password is the published one).
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = tuple(
    (username, role, name, PUBLISHED_PASSWORDS[username]) for username, role, name in (
        ("admin", "admin", "值班长"),
        ("dispatcher", "dispatcher", "调度员"),
        ("pilot", "pilot", "飞手"),
        ("leader", "leader", "领导"),
        ("legal", "legal", "法制审核员"),
        ("observer", "observer", "观察员"),
    ))


class NotADemoDatabase(Exception):
    """Demo accounts were asked for in a database the demo did not make."""


_demo_hashes: dict[str, str] = {}


def create_demo_users(store: Store) -> list[UserInfo]:
    """One user per role with the documented demo passwords; existing users are left alone.

    Refused (:class:`NotADemoDatabase`) unless the demo made the database. The demo passwords are public, so
    their hashes are computed once per process and reused: setting up a demo or test database then costs no
    Argon2 time (each hash takes ~0.2 s on purpose).
    """
    if not is_demo_database(store):
        raise NotADemoDatabase(f"{store.description} was not made by the demo: the demo accounts (published "
                               "passwords) are never created in it; create real users with "
                               "`commandcenter user add NAME --role ROLE`")
    service = AuthService(store, AuditLog(store))
    created: list[UserInfo] = []
    for username, role, name, password in DEMO_USERS:
        if service.get(username) is None:
            digest = _demo_hashes.get(password) or _demo_hashes.setdefault(password, hash_password(password))
            created.append(service.add_user(username, role, password, display_name=name, password_hash=digest))
    return created
