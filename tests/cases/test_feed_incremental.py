"""A dispatch-feed refresh after an announced change re-reads only what changed, and still shows what a full
read shows: the case's new status and officer, a closed case gone, the officer's current case, the countdown
moving with the clock; a write no one announced reaches the screen with the next explicit or safety refresh."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.feed import DispatchFeed, DispatchSnapshot
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store.models import Case


def _new(service: CaseService, text: str) -> Any:
    return service.create_case(NewCase(source="hotline", category="占道经营", lat=30.0001, lon=119.9951,
                                       description=text), "d1", register=True).result(10)


def _screen(snap: DispatchSnapshot) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    queue = [(r.code, r.status, r.level, None if r.remaining_hours is None else round(r.remaining_hours, 6),
              r.assigned) for r in snap.queue]
    return queue, [(u.id, u.status, u.current_case) for u in snap.units]


def test_refreshes_after_changes_show_what_a_full_read_shows(service: CaseService, tasks: TaskManager,
                                                             clock: Any) -> None:
    feed = DispatchFeed(service, tasks, safety_ms=600_000)
    first, second, third = _new(service, "一"), _new(service, "二"), _new(service, "三")
    feed._build_snapshot([], None)
    read_before = feed._cache.rows_read

    op = service.dispatch(second.code, "o1", "d1")
    op.result(10)
    clock.now += timedelta(minutes=10)  # the countdowns move between refreshes
    snap = feed._build_snapshot([], [op.changes])
    row = next(r for r in snap.queue if r.code == second.code)
    assert (row.status, row.assigned_id) == ("dispatched", "o1")
    assert next(u for u in snap.units if u.id == "o1").current_case == second.code
    assert feed._cache.rows_read == read_before + 1  # only the dispatched case was read again
    assert _screen(snap) == _screen(feed._build_snapshot([], None))

    changes = []
    for step in (service.arrive, service.feedback, service.verify, service.close):
        op = step(second.code, "d1")
        op.result(10)
        changes.append(op.changes)
    clock.now += timedelta(hours=3)
    snap = feed._build_snapshot([], changes)
    assert second.code not in [r.code for r in snap.queue if r.status != "closed"]
    assert next(u for u in snap.units if u.id == "o1").current_case == ""
    assert {first.code, third.code} <= {r.code for r in snap.queue}
    assert _screen(snap) == _screen(feed._build_snapshot([], None))


def test_an_unannounced_write_shows_with_the_next_full_refresh(service: CaseService, tasks: TaskManager) -> None:
    feed = DispatchFeed(service, tasks, safety_ms=600_000)
    case = _new(service, "外部修改")
    feed._build_snapshot([], None)

    def elsewhere(s: Any) -> None:  # another process (the CLI) writes: nothing is announced here
        s.get(Case, case.id).description = "改过"
        s.get(Case, case.id).status = "suspended"

    service.store.write(elsewhere)
    stale = feed._build_snapshot([], [CaseChanges("other")])
    assert next(r for r in stale.queue if r.code == case.code).status == "registered"  # kept: nothing said
    fresh = feed._build_snapshot([], None)  # the safety refresh (and refresh()) read everything
    assert next(r for r in fresh.queue if r.code == case.code).level == "paused"
    assert feed._cache.rows_read >= 2


def test_a_change_heard_on_the_bus_by_code_only_is_read_again(service: CaseService, tasks: TaskManager) -> None:
    feed = DispatchFeed(service, tasks, safety_ms=600_000)
    case = _new(service, "另一席位派遣")
    feed._build_snapshot([], None)

    def seat_two(s: Any) -> None:  # another seat dispatched it; its announcement arrives with the code only
        row = s.get(Case, case.id)
        row.status, row.assigned_officer = "dispatched", "o2"

    service.store.write(seat_two)
    snap = feed._build_snapshot([], [CaseChanges("bus:dispatch", codes=frozenset({case.code}))])
    assert next(r for r in snap.queue if r.code == case.code).status == "dispatched"
    assert next(u for u in snap.units if u.id == "o2").current_case == case.code
