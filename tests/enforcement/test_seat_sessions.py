"""Seat sessions: a seat's login yields a token the server resolves, in the database, to the user who logged in;
only its hash is stored, and unknown, expired, revoked or other-seat tokens are refused and audited once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from commandcenter.enforcement.auth import AuthError
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.enforcement.seats import REFUSED_ACTION, SeatSessions, SessionRefused, token_digest
from commandcenter.enforcement.services import EnforcementServices
from commandcenter.store import utcnow


@pytest.fixture
def enforcement(store: Any, tasks: Any) -> Iterator[EnforcementServices]:
    from commandcenter.demo.database import mark_demo_database
    from commandcenter.demo.users import create_demo_users

    mark_demo_database(store)
    create_demo_users(store)
    services = EnforcementServices.create(store, tasks=tasks)
    yield services
    services.close()


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def sessions_of(enforcement: EnforcementServices, clock: Clock | None = None) -> SeatSessions:
    return SeatSessions(enforcement.store, enforcement.auth, enforcement.audit, clock=clock or utcnow)


def refusals(enforcement: EnforcementServices) -> list[tuple[str, str]]:
    enforcement.store.flush()
    return [(e.actor, str(e.payload.get("reason"))) for e in enforcement.audit.entries(action_prefix=REFUSED_ACTION)]


def test_a_login_opens_a_session_the_server_resolves_to_that_user_and_only_its_hash_is_stored(
        enforcement: EnforcementServices) -> None:
    sessions = sessions_of(enforcement)
    seat = sessions.open("pilot", PUBLISHED_PASSWORDS["pilot"], "pilot-seat")
    assert seat.username == "pilot" and seat.seat_id == "pilot-seat" and len(seat.token) >= 40
    assert seat.token not in repr(seat)
    stored = enforcement.store.read(lambda s: [tuple(r) for r in s.execute(
        text("SELECT token_sha256, username, seat_id, revoked_at FROM seat_sessions"))])
    assert stored == [(token_digest(seat.token), "pilot", "pilot-seat", None)]
    assert sessions.resolve(seat.token, "pilot-seat") == "pilot"
    enforcement.store.flush()
    actions = [(e.actor, e.action) for e in enforcement.audit.entries(actor="pilot")]
    assert actions[-2:] == [("pilot", "login.success"), ("pilot", "seat.session.open")]


def test_a_wrong_password_opens_no_session(enforcement: EnforcementServices) -> None:
    with pytest.raises(AuthError, match="wrong username or password"):
        sessions_of(enforcement).open("pilot", "not-the-password", "pilot-seat")
    assert enforcement.store.scalar("SELECT COUNT(*) FROM seat_sessions") == 0


def test_forged_expired_revoked_and_other_seat_tokens_are_refused_and_each_attempt_audited_once(
        enforcement: EnforcementServices) -> None:
    clock = Clock()
    sessions = sessions_of(enforcement, clock)
    seat = sessions.open("pilot", PUBLISHED_PASSWORDS["pilot"], "pilot-seat")
    attempt = {"command": "arm", "request": "r1"}

    with pytest.raises(SessionRefused) as forged:
        sessions.authenticate("a-token-nobody-issued", "pilot-seat", "drone:uav-1", attempt)
    assert forged.value.reason == "unknown"
    with pytest.raises(SessionRefused) as elsewhere:
        sessions.authenticate(seat.token, "wall-seat", "drone:uav-1", attempt)
    assert elsewhere.value.reason == "other_seat"

    clock.now += timedelta(hours=13)
    with pytest.raises(SessionRefused, match="expired") as expired:
        sessions.authenticate(seat.token, "pilot-seat", "drone:uav-1", attempt)
    assert expired.value.reason == "expired"

    clock.now = utcnow()
    assert sessions.authenticate(seat.token, "pilot-seat", "drone:uav-1", attempt) == "pilot"
    sessions.close(seat)
    with pytest.raises(SessionRefused, match="log in again") as revoked:
        sessions.authenticate(seat.token, "pilot-seat", "drone:uav-1", attempt)
    assert revoked.value.reason == "revoked"

    assert refusals(enforcement) == [("seat:pilot-seat", "unknown"), ("pilot", "other_seat"), ("pilot", "expired"),
                                     ("pilot", "revoked")]


def test_sessions_long_expired_are_forgotten_at_a_later_login(enforcement: EnforcementServices) -> None:
    clock = Clock()
    sessions = sessions_of(enforcement, clock)
    old = sessions.open("pilot", PUBLISHED_PASSWORDS["pilot"], "pilot-seat")
    clock.now += timedelta(days=20)
    recent = sessions.open("observer", PUBLISHED_PASSWORDS["observer"], "wall-seat")
    assert enforcement.store.scalar("SELECT COUNT(*) FROM seat_sessions") == 2  # expired, not yet forgotten
    clock.now += timedelta(days=15)
    sessions.open("pilot", PUBLISHED_PASSWORDS["pilot"], "pilot-seat")
    assert enforcement.store.scalar("SELECT COUNT(*) FROM seat_sessions") == 2
    with pytest.raises(SessionRefused) as forgotten:
        sessions.resolve(old.token, "pilot-seat")
    assert forgotten.value.reason == "unknown"
    with pytest.raises(SessionRefused) as expired:
        sessions.resolve(recent.token, "wall-seat")
    assert expired.value.reason == "expired"


def test_a_disabled_users_session_is_refused(enforcement: EnforcementServices) -> None:
    sessions = sessions_of(enforcement)
    seat = sessions.open("pilot", PUBLISHED_PASSWORDS["pilot"], "pilot-seat")
    enforcement.auth.set_disabled("pilot", actor="admin")
    with pytest.raises(SessionRefused) as refused:
        sessions.resolve(seat.token, "pilot-seat")
    assert refused.value.reason == "disabled"


@pytest.mark.postgres
def test_seat_sessions_on_postgresql(pg_store: Any, tasks: Any) -> None:
    """The hall's database: the migration makes the table there, and a session opened by one process (the seat)
    is resolved by another store on the same database (the server)."""
    from commandcenter.demo.database import mark_demo_database
    from commandcenter.demo.users import create_demo_users
    from commandcenter.store import Store

    pg_store.upgrade()
    assert "seat_sessions" in pg_store.table_names()
    mark_demo_database(pg_store)
    create_demo_users(pg_store)
    seat_side = EnforcementServices.create(pg_store, tasks=tasks)
    server_store = Store(pg_store.url)
    server_side = EnforcementServices.create(server_store, tasks=tasks)
    try:
        seat = sessions_of(seat_side).open("pilot", PUBLISHED_PASSWORDS["pilot"], "pilot-seat")
        server = sessions_of(server_side)
        assert server.resolve(seat.token, "pilot-seat") == "pilot"
        with pytest.raises(SessionRefused):
            server.authenticate("forged", "pilot-seat", "drone:uav-1", {"command": "arm", "request": "r"})
        assert refusals(server_side) == [("seat:pilot-seat", "unknown")]
    finally:
        server_side.close()
        server_store.close()
        seat_side.close()
