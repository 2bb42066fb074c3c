"""Commands announce what they changed after the commit; the dispatch feed refreshes on that, not on a poll;
SLA escalation runs in the core on its own timer without any widget; officers are read by name."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.escalation import EscalationService
from commandcenter.cases.feed import DispatchFeed, DispatchSnapshot
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.cases.workflow import TransitionError
from commandcenter.runtime.tasks import TaskManager


def _new(service: CaseService, register: bool = True) -> Any:
    return service.create_case(NewCase(source="hotline", category="占道经营", lat=30.0001, lon=119.9951,
                                       description="早市占道"), "d1", register=register).result(10)


def test_a_committed_command_announces_its_cases_and_units(qtbot: Any, service: CaseService) -> None:
    heard: list[CaseChanges] = []
    service.announcer.changed.connect(heard.append)
    case = _new(service)
    qtbot.waitUntil(lambda: len(heard) == 1, timeout=5000)
    assert heard[0].operation == "create" and heard[0].codes == {case.code} and heard[0].case_ids == {case.id}
    op = service.dispatch(case.code, "o1", "d1")
    assert op.result(10).status == "dispatched"
    assert op.changes.codes == {case.code} and op.changes.units == {"o1"}  # the operation says what it changed
    qtbot.waitUntil(lambda: len(heard) == 2, timeout=5000)
    assert heard[1] == op.changes


def test_a_refused_command_announces_nothing(qtbot: Any, service: CaseService) -> None:
    case = _new(service)
    heard: list[CaseChanges] = []
    service.announcer.changed.connect(heard.append)
    refused = service.close(case.code, "d1")
    with pytest.raises(TransitionError):
        refused.result(10)  # registered cases cannot be closed: rolled back
    assert not refused.changes
    qtbot.wait(300)
    assert [c.operation for c in heard if c.operation != "create"] == []


def test_merge_announces_both_cases(qtbot: Any, service: CaseService) -> None:
    keep, dup = _new(service, register=False), _new(service, register=False)
    heard: list[CaseChanges] = []
    service.announcer.changed.connect(heard.append)
    assert service.merge(keep.code, dup.code, "d1").result(10).code == keep.code
    qtbot.waitUntil(lambda: any(c.operation == "merge" for c in heard), timeout=5000)
    assert [c.codes for c in heard if c.operation == "merge"] == [{keep.code, dup.code}]


def test_the_feed_refreshes_on_a_change_and_not_without_one(qtbot: Any, service: CaseService,
                                                           tasks: TaskManager) -> None:
    feed = DispatchFeed(service, tasks, safety_ms=600_000)
    snaps: list[DispatchSnapshot] = []
    feed.snapshot.connect(snaps.append)
    feed.start()
    qtbot.waitUntil(lambda: len(snaps) == 1, timeout=5000)
    assert snaps[0].queue == []
    qtbot.wait(1500)  # the old feed polled every second
    assert feed.refreshes == 1 and len(snaps) == 1
    case = _new(service)
    qtbot.waitUntil(lambda: len(snaps) == 2, timeout=5000)
    assert [r.code for r in snaps[1].queue] == [case.code]
    qtbot.wait(500)
    assert feed.refreshes == 2
    feed.stop()


def test_a_burst_of_changes_makes_few_refreshes(qtbot: Any, service: CaseService, tasks: TaskManager) -> None:
    feed = DispatchFeed(service, tasks, safety_ms=600_000)
    snaps: list[DispatchSnapshot] = []
    feed.snapshot.connect(snaps.append)
    feed.start()
    qtbot.waitUntil(lambda: len(snaps) == 1, timeout=5000)
    futures = [service.create_case(NewCase(source="hotline", category="暴露垃圾", lat=30.0004, lon=120.0012,
                                           description=f"垃圾 {i}"), "d1") for i in range(20)]
    for f in futures:
        f.result(10)
    qtbot.waitUntil(lambda: len(snaps[-1].queue) == 20, timeout=5000)
    qtbot.wait(300)
    assert len(snaps) <= 6  # coalesced: 20 announced changes, a handful of reads
    feed.stop()


def test_escalation_runs_on_its_own_timer_without_any_widget(qtbot: Any, service: CaseService, clock: Any) -> None:
    case = _new(service)  # registered: 0.5 working hours to dispatch
    clock.now += timedelta(minutes=45)
    escalation = EscalationService(service.escalation, interval_s=0.1)
    heard: list[list[tuple[str, str]]] = []
    changed: list[CaseChanges] = []
    escalation.escalated.connect(heard.append)
    service.announcer.changed.connect(changed.append)
    escalation.start()
    qtbot.waitUntil(lambda: heard == [[(case.code, "overdue")]], timeout=5000)
    qtbot.waitUntil(lambda: escalation.sweeps >= 3, timeout=5000)  # later sweeps find nothing new
    escalation.stop()
    assert heard == [[(case.code, "overdue")]]
    assert service.get(case.code).extra["escalation"] == "overdue"
    assert [e["action"] for e in service.events(case.code)].count("escalate") == 1
    assert any(c.operation == "escalate" and case.code in c.codes for c in changed)


def test_the_feed_passes_on_what_the_core_escalated(qtbot: Any, service: CaseService, clock: Any,
                                                    tasks: TaskManager) -> None:
    case = _new(service)
    escalation = EscalationService(service.escalation, interval_s=600)
    feed = DispatchFeed(service, tasks, escalation=escalation, safety_ms=600_000)
    snaps: list[DispatchSnapshot] = []
    feed.snapshot.connect(snaps.append)
    feed.start()
    qtbot.waitUntil(lambda: len(snaps) == 1, timeout=5000)
    clock.now += timedelta(minutes=45)
    escalation.sweep_now()
    qtbot.waitUntil(lambda: any(s.newly_escalated for s in snaps), timeout=5000)
    assert [s.newly_escalated for s in snaps if s.newly_escalated] == [[(case.code, "overdue")]]
    feed.stop()


def test_officers_are_read_by_name_and_badge(qtbot: Any, service: CaseService, tasks: TaskManager) -> None:
    case = _new(service)
    service.dispatch(case.code, "o1", "d1").result(10)
    assert service.get(case.code).officer_display == "张三 (B1)"
    assert service.queue()[0].officer_display == "张三 (B1)"
    dispatched = [e for e in service.events(case.code) if e["action"] == "dispatch"]
    assert dispatched[0]["officer"] == "张三 (B1)"
    feed = DispatchFeed(service, tasks, safety_ms=600_000)
    snaps: list[DispatchSnapshot] = []
    feed.snapshot.connect(snaps.append)
    feed.start()
    qtbot.waitUntil(lambda: len(snaps) == 1, timeout=5000)
    row = snaps[0].queue[0]
    assert (row.assigned, row.assigned_id) == ("张三 (B1)", "o1")
    feed.stop()


def test_the_case_timeline_names_the_officer(service: CaseService) -> None:
    from commandcenter.enforcement.timeline import case_timeline

    case = _new(service)
    service.dispatch(case.code, "o3", "d1").result(10)
    dispatched = [item for item in case_timeline(service.store, case.id).items if item.action == "dispatch"]
    assert "王五 (B3)" in dispatched[0].summary and "o3" not in dispatched[0].summary.split()
