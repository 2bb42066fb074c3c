"""Logins: Argon2 hashes, lockout after repeated failures, every attempt in the audit chain; the user CLI."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import create_demo_users
from commandcenter.enforcement.audit import AuditLog, verify
from commandcenter.enforcement.auth import (
    LOCKOUT,
    MAX_FAILURES,
    AuthError,
    AuthService,
    user_main,
)
from commandcenter.enforcement.tables import User
from commandcenter.store import utcnow


@pytest.fixture
def auth(store):  # type: ignore[no-untyped-def]
    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    return AuthService(store, AuditLog(store))


def test_hash_is_argon2id(store, auth: AuthService) -> None:  # type: ignore[no-untyped-def]
    digest = store.read(lambda s: s.scalar(select(User.password_hash).where(User.username == "admin")))
    assert digest.startswith("$argon2id$")
    assert "admin-2026" not in digest


def test_login_success_and_failure_are_audited(store, auth: AuthService) -> None:  # type: ignore[no-untyped-def]
    user = auth.login("leader", "leader-2026")
    assert user.role == "leader" and user.last_login_at is not None
    with pytest.raises(AuthError, match="wrong username or password"):
        auth.login("leader", "wrong-password")
    with pytest.raises(AuthError, match="wrong username or password"):
        auth.login("ghost", "whatever-password")
    actions = [(e.actor, e.action) for e in AuditLog(store).entries(action_prefix="login.")]
    assert actions == [("leader", "login.success"), ("leader", "login.failure"), ("ghost", "login.failure")]
    assert verify(store).ok


def test_lockout_after_repeated_failures(store, auth: AuthService) -> None:  # type: ignore[no-untyped-def]
    for attempt in range(1, MAX_FAILURES + 1):
        with pytest.raises(AuthError) as info:
            auth.login("dispatcher", f"bad-{attempt}")
        assert info.value.code == ("locked" if attempt == MAX_FAILURES else "bad_credentials")
    # Even the right password is refused while locked.
    with pytest.raises(AuthError) as info:
        auth.login("dispatcher", "dispatch-2026")
    assert info.value.code == "locked"
    locked_until = auth.get("dispatcher").locked_until  # type: ignore[union-attr]
    assert locked_until is not None and locked_until - utcnow() > LOCKOUT - timedelta(minutes=1)
    # Let the lock expire (as if 15 minutes had passed): the right password works and the counter resets.
    store.write(lambda s: s.execute(update(User).where(User.username == "dispatcher")
                                    .values(locked_until=utcnow() - timedelta(seconds=1))))
    assert auth.login("dispatcher", "dispatch-2026").failed_attempts == 0
    reasons = [e.payload.get("reason") for e in AuditLog(store).entries(action_prefix="login.failure")]
    assert reasons == ["wrong password"] * MAX_FAILURES + ["locked"]


def test_passwd_clears_lockout_and_disable_refuses(store, auth: AuthService) -> None:  # type: ignore[no-untyped-def]
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthError):
            auth.login("pilot", "nope-nope")
    auth.set_password("pilot", "new-pilot-pass")
    assert auth.login("pilot", "new-pilot-pass").username == "pilot"
    auth.set_disabled("pilot")
    with pytest.raises(AuthError) as info:
        auth.login("pilot", "new-pilot-pass")
    assert info.value.code == "disabled"


def test_add_user_validation(auth: AuthService) -> None:
    with pytest.raises(AuthError, match="already exists"):
        auth.add_user("admin", "admin", "long-enough-pw")
    with pytest.raises(AuthError, match="unknown role"):
        auth.add_user("x1", "boss", "long-enough-pw")
    with pytest.raises(AuthError, match="at least"):
        auth.add_user("x2", "observer", "short")
    with pytest.raises(AuthError, match="reserved"):
        auth.add_user("system", "admin", "long-enough-pw")


def test_user_cli(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.delenv("CC_USER", raising=False)
    monkeypatch.delenv("CC_PASSWORD", raising=False)
    # bootstrap: the first user of an empty database is an admin, created without credentials
    assert user_main(["add", "zhangsan", "--role", "dispatcher", "--password", "pass-word-1", "--db", url]) == 1
    assert "must be an admin" in capsys.readouterr().err
    assert user_main(["add", "boss", "--role", "admin", "--password", "boss-pass-1", "--db", url]) == 0
    # from then on: no credentials, no change
    assert user_main(["add", "zhangsan", "--role", "dispatcher", "--password", "pass-word-1", "--db", url]) == 2
    assert "--as USER" in capsys.readouterr().err
    monkeypatch.setenv("CC_PASSWORD", "not-the-password")
    assert user_main(["add", "zhangsan", "--role", "dispatcher", "--password", "pass-word-1", "--db", url,
                      "--as", "boss"]) == 1
    assert "wrong username or password" in capsys.readouterr().err
    monkeypatch.setenv("CC_PASSWORD", "boss-pass-1")
    assert user_main(["add", "zhangsan", "--role", "dispatcher", "--name", "张三", "--password", "pass-word-1",
                      "--db", url, "--as", "boss"]) == 0
    assert user_main(["add", "zhangsan", "--role", "dispatcher", "--password", "pass-word-1", "--db", url,
                      "--as", "boss"]) == 1
    # a dispatcher proves who he is but may not manage users; he may change his own password
    monkeypatch.setenv("CC_USER", "zhangsan")
    monkeypatch.setenv("CC_PASSWORD", "pass-word-1")
    assert user_main(["add", "li", "--role", "admin", "--password", "pass-word-9", "--db", url]) == 1
    assert "user.manage" in capsys.readouterr().err
    assert user_main(["passwd", "zhangsan", "--password", "pass-word-2", "--db", url]) == 0
    monkeypatch.delenv("CC_PASSWORD")
    assert user_main(["disable", "zhangsan", "--db", url, "--as", "boss", "--password-stdin"],
                     stdin=io.StringIO("boss-pass-1\n")) == 0
    assert user_main(["list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "zhangsan" in out and "张三" in out and "disabled" in out
    from commandcenter.store import Store

    store = Store(url)
    try:
        entries = [(e.actor, e.action, e.subject) for e in AuditLog(store).entries()]
    finally:
        store.close()
    assert ("boss", "login.failure", "user:boss") in entries
    assert ("zhangsan", "permission.denied", "user:zhangsan") in entries
    assert ("boss", "user.add", "user:zhangsan") in entries and ("boss", "user.disable", "user:zhangsan") in entries
    assert ("zhangsan", "user.passwd", "user:zhangsan") in entries
    assert not any(action == "user.add" and subject == "user:li" for _, action, subject in entries)


def test_demo_accounts_hashes_are_made_once_per_machine_and_still_verify(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A new demo database costs no Argon2 time: the hashes of the published passwords come from the cache
    folder, and a login with the published password works against them; a tampered entry is made again."""
    import json

    from commandcenter.demo import users
    from commandcenter.store import Store

    monkeypatch.setenv("CC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(users, "_demo_hashes", {})
    first = users.published_hash("leader", "leader-2026")
    cache = tmp_path / "cache" / users.HASH_CACHE
    assert json.loads(cache.read_text(encoding="utf-8"))["leader:leader-2026"] == first
    monkeypatch.setattr(users, "_demo_hashes", {})  # a new process
    assert users.published_hash("leader", "leader-2026") == first
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        mark_demo_database(store)
        create_demo_users(store)
        assert AuthService(store, AuditLog(store)).login("leader", "leader-2026").role == "leader"
    finally:
        store.close()
    cache.write_text(json.dumps({"leader:leader-2026": "not-a-hash"}), encoding="utf-8")
    monkeypatch.setattr(users, "_demo_hashes", {})
    remade = users.published_hash("leader", "leader-2026")
    assert remade.startswith("$argon2id$") and remade != first
