"""Drone commands are authorized in the core: an observer cannot arm, a pilot can, anyone watching can RTL."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest

from commandcenter.drones.fleet import CommandResult
from commandcenter.drones.guarded import AuthorizedCommander, AuthorizedTasking, permission_for
from commandcenter.enforcement.services import EnforcementServices


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Future[Any]:
            self.calls.append((name, args))
            fut: Future[Any] = Future()
            fut.set_result(CommandResult(True, "MAV_RESULT_ACCEPTED"))
            return fut

        return call


@pytest.fixture
def services(store, tasks):  # type: ignore[no-untyped-def]
    from commandcenter.demo.database import mark_demo_database
    from commandcenter.demo.users import create_demo_users

    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    svc = EnforcementServices.create(store, tasks=tasks)
    yield svc
    svc.close()


@pytest.mark.parametrize(("user", "action", "allowed"), [
    ("pilot", "arm", True), ("pilot", "takeoff", True), ("pilot", "goto", True),
    ("observer", "arm", False), ("observer", "goto", False), ("observer", "rtl", True), ("observer", "land", True),
    ("dispatcher", "takeoff", False), ("dispatcher", "rtl", True), ("admin", "start_mission", True),
])
def test_commands_need_the_operator_permission(services, user: str, action: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    inner = Recorder()
    commander = AuthorizedCommander(inner, services.authorize, lambda: user)
    result = getattr(commander, action)("uav-1").result(5)
    assert result.ok is allowed
    assert bool(inner.calls) is allowed, "a refused command never reaches the link"
    assert (result.result_name == "PERMISSION_DENIED") is not allowed
    assert (permission_for(action) in result.text) is not allowed, result.text
    services.store.flush()  # the refusal is appended through the single writer
    refusals = [e for e in services.audit.entries(actor=user) if e.action == "permission.denied"]
    assert bool(refusals) is not allowed, "a refusal (and only a refusal) is recorded in the audit chain"


def test_download_refusal_keeps_the_tuple_shape(services) -> None:  # type: ignore[no-untyped-def]
    result, plan = AuthorizedCommander(Recorder(), services.authorize, lambda: "observer").download_plan("u").result(5)
    assert not result.ok and plan.mission.items == []


def test_send_drone_needs_drone_command(services) -> None:  # type: ignore[no-untyped-def]
    inner = Recorder()
    tasking = AuthorizedTasking(inner, services.authorize)
    with pytest.raises(PermissionError, match=r"drone\.command"):
        tasking.send_to_case("uav-1", 1, "AJ1", 32.0, 118.7, actor="legal")
    assert tasking.send_to_case("uav-1", 1, "AJ1", 32.0, 118.7, actor="pilot").result(5).ok
