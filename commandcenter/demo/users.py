"""The demo accounts: one per role, with the passwords published in resources/enforcement/DEMO_USERS.md.

Because anyone can read those passwords, the accounts are created only in a database the demo made
(:func:`commandcenter.demo.database.claim_demo_database` marks it); anywhere else the request is refused.
"""

from __future__ import annotations

import json
import logging

from commandcenter import paths
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
        ("district", "department", "兴隆街道联络员"),
    ))


class NotADemoDatabase(Exception):
    """Demo accounts were asked for in a database the demo did not make."""


log = logging.getLogger(__name__)
_demo_hashes: dict[str, str] = {}
HASH_CACHE = "demo-account-hashes.json"  # in the user's cache folder, beside the demo's encoded camera clips


def published_hash(username: str, password: str) -> str:
    """The Argon2 hash of a demo account's published password: computed once per machine and kept in the cache
    folder, so a new demo database (every test, every benchmark run, a fresh demo folder) costs no Argon2 time at
    start-up (each hash takes ~0.2 s on purpose). The password is public, so its hash protects nothing; a cached
    entry that is not an Argon2id hash is made again."""
    key = f"{username}:{password}"
    digest = _demo_hashes.get(key)
    if digest is not None:
        return digest
    cache = paths.cache_dir() / HASH_CACHE
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    if not isinstance(cached, dict):
        cached = {}
    digest = cached.get(key)
    if not isinstance(digest, str) or not digest.startswith("$argon2id$"):
        digest = hash_password(password)
        cached[key] = digest
        try:
            tmp = cache.with_suffix(".tmp")
            tmp.write_text(json.dumps(cached, ensure_ascii=False, indent=1), encoding="utf-8")
            tmp.replace(cache)
        except OSError as exc:
            log.warning("demo account hashes not cached in %s: %s", cache, exc)
    _demo_hashes[key] = digest
    return digest


def create_demo_users(store: Store) -> list[UserInfo]:
    """One user per role with the documented demo passwords; existing users are left alone.

    Refused (:class:`NotADemoDatabase`) unless the demo made the database. The demo passwords are public, so
    their hashes are computed once per machine and reused (:func:`published_hash`).
    """
    if not is_demo_database(store):
        raise NotADemoDatabase(f"{store.description} was not made by the demo: the demo accounts (published "
                               "passwords) are never created in it; create real users with "
                               "`commandcenter user add NAME --role ROLE`")
    service = AuthService(store, AuditLog(store))
    created: list[UserInfo] = []
    for username, role, name, password in DEMO_USERS:
        if service.get(username) is None:
            digest = published_hash(username, password)
            created.append(service.add_user(username, role, password, display_name=name, password_hash=digest))
    return created
