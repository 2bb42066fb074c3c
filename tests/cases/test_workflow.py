"""The workflow state machine: legal transitions, refusals with the dispatcher's wording, side paths, hooks."""

from __future__ import annotations

from typing import Any

import pytest

from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.cases.workflow import ACTIONS, CLOSED_STATUSES, TransitionError, allowed_actions, check

LEGAL = [
    ("reported", "register", "registered"),
    ("reported", "reject", "rejected"),
    ("registered", "dispatch", "dispatched"),
    ("returned", "dispatch", "dispatched"),
    ("dispatched", "arrive", "handling"),
    ("handling", "feedback", "handled"),
    ("joint", "feedback", "handled"),
    ("handled", "verify", "verifying"),
    ("verifying", "close", "closed"),
    ("verifying", "rework", "dispatched"),
    ("dispatched", "return", "returned"),
    ("registered", "transfer", "transferred"),
    ("handling", "summon", "joint"),
    ("handling", "investigate", "investigating"),
    ("investigating", "decide", "deciding"),
    ("deciding", "execute", "executing"),
    ("executing", "archive", "archived"),
    ("registered", "suspend", "suspended"),
    ("reported", "merge", "merged"),
]

REFUSED = [
    ("dispatched", "close", "处于 已派遣，不能直接结案（需先到场处置、处理反馈、核查）"),
    ("reported", "dispatch", "处于 待立案，不能直接派遣（需先立案）"),
    ("registered", "verify", "需先派遣、到场处置、处理反馈"),
    ("closed", "dispatch", "已结案，不能再派遣"),
    ("rejected", "register", "不予立案，不能再立案"),
    ("suspended", "close", "处于 缓办，不能结案（当前可执行：恢复办理）"),
    ("handled", "archive", "不能结案归档（当前可执行：核查"),
    ("registered", "reject", "不能不予立案"),
]


@pytest.mark.parametrize(("status", "action", "target"), LEGAL)
def test_legal(status: str, action: str, target: str) -> None:
    transition = check("AJ1", status, action, reason="原因")
    assert transition.target == target
    assert action in allowed_actions(status)


@pytest.mark.parametrize(("status", "action", "message"), REFUSED)
def test_refused(status: str, action: str, message: str) -> None:
    with pytest.raises(TransitionError) as info:
        check("AJ20261124000001", status, action, reason="原因")
    assert "AJ20261124000001" in str(info.value)
    assert message in str(info.value)
    assert info.value.status == status and info.value.action == action


@pytest.mark.parametrize("action", [a for a, t in ACTIONS.items() if t.reason_required])
def test_reason_required(action: str) -> None:
    status = next(iter(ACTIONS[action].sources))
    with pytest.raises(TransitionError, match="必须填写原因"):
        check("AJ1", status, action, reason="  ")


def test_closed_states_allow_nothing() -> None:
    for status in CLOSED_STATUSES:
        assert allowed_actions(status) == []


def _new(service: CaseService, **kw: Any) -> str:
    spec = NewCase(source="dispatcher", category=kw.pop("category", "占道经营"), lat=30.0001, lon=119.9951,
                   description="早市摊贩占道", **kw)
    return service.create_case(spec, "d1").result().code


def test_full_lifecycle_records_events_and_timestamps(service: CaseService, clock: Any) -> None:
    code = _new(service)
    case = service.get(code)
    assert case.code.startswith("AJ20261124") and case.grid_code == "G001" and case.area_code == "ZR01"
    assert case.status == "reported" and case.deadline_at is not None
    service.register(code, "d1").result()
    service.dispatch(code, "o1", "d1").result()
    assert service.unit_board()[0].status == "dispatched"
    service.arrive(code, "o1").result()
    service.feedback(code, "o1", "已劝离").result()
    service.verify(code, "s1").result()
    closed = service.close(code, "s1", "核查通过").result()
    assert closed.status == "closed"
    for field in ("registered_at", "dispatched_at", "arrived_at", "handled_at", "closed_at"):
        assert getattr(closed, field) is not None, field
    actions = [e["action"] for e in service.events(code)]
    assert actions == ["create", "register", "dispatch", "arrive", "feedback", "verify", "close"]
    assert all(e["actor"] for e in service.events(code))
    board = {u.id: u for u in service.unit_board()}
    assert board["o1"].status == "idle"  # released on feedback


def test_refusal_through_service_changes_nothing(service: CaseService) -> None:
    code = _new(service)
    service.register(code, "d1").result()
    service.dispatch(code, "o1", "d1").result()
    with pytest.raises(TransitionError, match="不能直接结案"):
        service.close(code, "d1").result()
    assert service.get(code).status == "dispatched"
    assert [e["action"] for e in service.events(code)][-1] == "dispatch"


def test_rework_return_transfer(service: CaseService) -> None:
    code = _new(service)
    service.register(code, "d1").result()
    service.dispatch(code, "o1", "d1").result()
    service.arrive(code, "o1").result()
    service.feedback(code, "o1").result()
    service.verify(code, "s1").result()
    with pytest.raises(TransitionError, match="必须填写原因"):
        service.rework(code, "s1", "").result()
    assert service.rework(code, "s1", "摊贩仍在").result().status == "dispatched"
    returned = service.return_case(code, "o1", "非本部门职责").result()
    assert returned.status == "returned" and returned.assigned_officer is None
    transferred = service.transfer(code, "市场监管局", "d1", "属市场监管职责").result()
    assert transferred.status == "transferred" and transferred.extra["transferred_to"] == "市场监管局"


def test_suspend_and_extension_need_a_leader(service: CaseService, clock: Any) -> None:
    code = _new(service)
    service.register(code, "d1").result()
    pending = service.request_suspend(code, "d1", "等待产权单位确认").result()
    assert pending.status == "registered" and pending.extra["pending_request"]["kind"] == "suspend"
    suspended = service.decide_request(code, "leader", approve=True).result()
    assert suspended.status == "suspended" and service.sla(suspended).level == "paused"
    assert service.resume(code, "d1").result().status == "registered"
    before = service.get(code).deadline_at
    service.request_extension(code, 4, "d1", "需协调").result()
    extended = service.decide_request(code, "leader", approve=True).result()
    assert extended.deadline_at is not None and before is not None
    assert service.calendar.working_time_between(before, extended.deadline_at) == pytest.approx(4)
    with pytest.raises(TransitionError, match="没有待审批"):
        service.decide_request(code, "leader", approve=True).result()


def test_joint_enforcement_needs_every_task_done(service: CaseService) -> None:
    code = _new(service, category="私搭乱建")
    service.register(code, "d1").result()
    joint = service.summon(code, [("住建局", "核查产权"), "街道办"], "d1").result()
    assert joint.status == "joint" and len(joint.tasks) == 2
    service.update_task(joint.tasks[0].id, "done", "住建局").result()
    with pytest.raises(TransitionError, match="街道办"):
        service.feedback(code, "d1").result()
    service.update_task(joint.tasks[1].id, "reported", "街道办").result()
    service.update_task(joint.tasks[1].id, "done", "街道办").result()
    assert service.feedback(code, "d1").result().status == "handled"


def test_enforcement_path_and_guard(store: Any, clock: Any, positions: Any) -> None:
    from commandcenter.cases.calendar import load_calendar
    from commandcenter.cases.categories import load_categories

    from .conftest import seed

    seed(store)
    reviewed: set[str] = set()

    def guard(session: Any, case: Any, action: str, data: dict[str, Any]) -> None:
        if action == "legal_review":
            reviewed.add(case.code)
        if action == "execute" and case.code not in reviewed:
            raise PermissionError(f"案件 {case.code}: 处罚决定未经法制审核")

    svc = CaseService(store, load_calendar(), load_categories(), clock=clock, guard=guard)
    code = _new(svc)
    svc.register(code, "d1").result()
    svc.investigate(code, "o1").result()
    svc.decide(code, "o1", "罚款 200 元").result()
    with pytest.raises(PermissionError, match="法制审核"):
        svc.execute(code, "o1").result()
    svc.legal_review(code, "legal1", "同意").result()
    svc.execute(code, "o1").result()
    assert svc.archive(code, "o1").result().status == "archived"


def test_authorize_and_audit_hooks(store: Any, clock: Any) -> None:
    from commandcenter.cases.calendar import load_calendar
    from commandcenter.cases.categories import load_categories

    from .conftest import seed

    seed(store)
    asked: list[tuple[str, str]] = []
    audited: list[tuple[str, str, str]] = []

    def authorize(actor: str, permission: str) -> None:
        asked.append((actor, permission))
        if actor == "observer":
            raise PermissionError(f"{actor} lacks {permission}")

    def audit(session: Any, actor: str, action: str, subject: str, data: dict[str, Any]) -> None:
        assert session.in_transaction()
        audited.append((actor, action, subject))

    svc = CaseService(store, load_calendar(), load_categories(), clock=clock, authorize=authorize, audit=audit)
    code = _new(svc)
    with pytest.raises(PermissionError, match=r"case\.register"):
        svc.register(code, "observer")
    svc.register(code, "d1").result()
    assert ("d1", "case.create") in asked and ("d1", "case.register") in asked
    assert audited == [("d1", "case.create", code), ("d1", "case.register", code)]


def test_duplicates_and_merge(service: CaseService, clock: Any) -> None:
    first = _new(service)
    second = service.create_case(NewCase(source="citizen", category="SJ0401", lat=30.0002, lon=119.9952,
                                         description="又有摊贩"), "d1").result()
    assert second.possible_duplicates == [first]
    assert [d.code for d in service.find_duplicates("占道经营", 30.0002, 119.9952, exclude=second.code)] == [first]
    far = service.create_case(NewCase(source="citizen", category="SJ0401", lat=30.005, lon=120.005), "d1").result()
    assert far.possible_duplicates == []
    kept = service.merge(first, second.code, "d1").result()
    assert kept.extra["merged"] == [second.code]
    assert service.get(second.code).status == "merged"


def test_unit_board_shows_each_officers_latest_open_case(service: CaseService) -> None:
    """The board's 当前案件 is the officer's latest open case, and empty once the officer has none open."""
    first, second = _new(service), _new(service)
    for code in (first, second):
        service.register(code, "d1").result()
        service.dispatch(code, "o1", "d1").result()
    board = {u.id: u for u in service.unit_board()}
    assert board["o1"].current_case == second
    assert all(u.current_case == "" for uid, u in board.items() if uid != "o1")
    for code in (first, second):
        service.arrive(code, "o1").result()
        service.feedback(code, "o1", "已劝离").result()
        service.verify(code, "s1").result()
        service.close(code, "s1", "核查通过").result()
    assert {u.id: u for u in service.unit_board()}["o1"].current_case == ""
