"""Sanitation vehicles and workers are first-class assignees of 环卫 cases: recommended by travel time with their
online/shift/busy state honoured, dispatched to by hand, shown by plate in the queue, the history and the KPI,
and free again when the case is handled. On a real SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.cases.shifts import Shift, ShiftRoster
from commandcenter.domain import UnitPosition
from commandcenter.kpi.figures import Period, compute_kpis
from commandcenter.store import Store
from commandcenter.store.models import Vehicle

from .conftest import NOW, Clock, seed

LAT, LON = 30.0000, 119.9950  # in grid cell G001

OFFICERS = [
    {"id": "o1", "badge": "B1", "name": "张三", "team": "执法中队", "skills": ["市容执法"], "duty_grid": "G001"},
    {"id": "w1", "badge": "H1", "name": "李四", "team": "环卫一队", "skills": ["环卫保洁"], "duty_grid": "G001"},
    {"id": "w2", "badge": "H2", "name": "赵六", "team": "环卫二队", "skills": ["环卫保洁"], "duty_grid": "G001"},
]
VEHICLES = [("v2", "苏A·H0002", "环卫车", "idle"), ("v3", "苏A·H0003", "清扫车", "idle"),
            ("v4", "苏A·H0004", "环卫车", "offline"), ("v5", "苏A·H0005", "洒水车", "idle")]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Store:
    if request.param == "sqlite":
        return request.getfixturevalue("store")  # type: ignore[no-any-return]
    pg: Store = request.getfixturevalue("pg_store")
    pg.upgrade()
    return pg


def north(unit: str, kind: str, metres: float) -> UnitPosition:
    return UnitPosition(unit, kind, unit, LAT + metres / 111_195.0, LON, NOW)


@pytest.fixture
def positions() -> dict[str, UnitPosition]:
    # the enforcement officer stands at the bin; the vehicles and workers further off, each its own distance
    metres = {"o1": 10.0, "v2": 400.0, "v3": 900.0, "v4": 50.0, "w1": 650.0, "w2": 1500.0}
    # v5 (洒水车) has no position: not online, never recommended
    return {u: north(u, "officer" if u[0] in "ow" else "vehicle", m) for u, m in metres.items()}


def make_service(db: Store, positions: dict[str, UnitPosition], clock: Clock,
                 shifts: ShiftRoster | None = None) -> CaseService:
    return CaseService(db, load_calendar(), load_categories(), clock=clock, positions=lambda: positions,
                       shifts=shifts)


@pytest.fixture
def service(db: Store, positions: dict[str, UnitPosition], clock: Clock) -> Iterator[CaseService]:
    seed(db, OFFICERS)
    db.write(lambda s: s.add_all([Vehicle(id=v, plate=p, kind=k, team="", status=st) for v, p, k, st in VEHICLES]))
    svc = make_service(db, positions, clock)
    svc.refresh_roster()
    yield svc


def full_bin(service: CaseService, description: str = "垃圾满溢") -> str:
    case = service.create_case(NewCase(source="patrol", category="垃圾满溢", lat=LAT, lon=LON,
                                       description=description), "d1", register=True).result(timeout=10)
    return case.code


def ranked(service: CaseService, code: str, k: int = 4) -> list[tuple[str, str]]:
    return [(r.kind, r.officer_id) for r in service.recommend(code, k=k)]


def test_a_sanitation_case_ranks_vehicles_and_workers_by_travel_time(service: CaseService) -> None:
    code = full_bin(service)
    recs = service.recommend(code, k=3)
    # v4 is offline, v5 has no position, o1 is an enforcement officer: none of them is offered
    assert [(r.kind, r.officer_id) for r in recs] == [("vehicle", "v2"), ("worker", "w1"), ("vehicle", "v3")]
    assert recs[0].plate == "苏A·H0002" and recs[0].vehicle_kind == "环卫车" and recs[0].name == "苏A·H0002"
    assert recs[0].eta_s < recs[1].eta_s < recs[2].eta_s  # by travel time
    assert recs[1].plate == "" and recs[1].name == "李四"
    assert "约" in recs[0].summary and "本网格" not in recs[0].summary  # a truck has no duty grid to match


def test_an_enforcement_case_still_ranks_officers_only(service: CaseService) -> None:
    case = service.create_case(NewCase(source="patrol", category="占道经营", lat=LAT, lon=LON), "d1",
                               register=True).result(timeout=10)
    recs = service.recommend(case.code, k=3)
    assert recs[0].officer_id == "o1" and recs[0].kind == "officer"
    assert all(r.kind != "vehicle" for r in recs)


def test_busy_and_off_shift_units_are_not_offered(db: Store, service: CaseService, clock: Clock,
                                                  positions: dict[str, UnitPosition]) -> None:
    first = full_bin(service, "第一桶")
    service.dispatch(first, "v2", "d1").result(timeout=10)  # v2 is busy now
    second = full_bin(service, "第二桶")
    assert ranked(service, second, 2) == [("worker", "w1"), ("vehicle", "v3")]
    # 环卫一队 works 06:00-09:00 only; it is 10:00 in 南京: the team's worker is off shift
    night = make_service(db, positions, clock, ShiftRoster([Shift("环卫一队", "早班", time(6), time(9))]))
    assert ranked(night, second, 2) == [("vehicle", "v3"), ("worker", "w2")]


def test_with_no_sanitation_unit_free_the_list_falls_back_to_officers(db: Store, service: CaseService) -> None:
    db.write(lambda s: [setattr(s.get(Vehicle, v), "status", "resting") for v in ("v2", "v3")])
    code = full_bin(service)
    service.refresh_roster()
    assert ranked(service, code, 4) == [("worker", "w1"), ("worker", "w2"), ("officer", "o1")]


def test_dispatching_a_vehicle_by_hand_assigns_the_case_to_it(db: Store, service: CaseService) -> None:
    code = full_bin(service)
    case = service.dispatch(code, "v2", "d1").result(timeout=10)
    assert (case.status, case.assigned_officer, case.assignee_kind, case.assignee_plate) == \
        ("dispatched", "v2", "vehicle", "苏A·H0002")
    assert case.officer_display == "苏A·H0002 (环卫车)"
    assert [(u.status, u.current_case) for u in service.unit_board() if u.id == "v2"] == [("dispatched", code)]
    queued = {c.code: c for c in service.queue()}
    assert queued[code].officer_display == "苏A·H0002 (环卫车)" and queued[code].assignee_kind == "vehicle"
    dispatch = next(e for e in service.events(code) if e["action"] == "dispatch")
    assert dispatch["officer"] == "苏A·H0002 (环卫车)"
    assert dispatch["data"]["assignee_kind"] == "vehicle" and dispatch["data"]["plate"] == "苏A·H0002"
    service.arrive(code, "v2").result(timeout=10)
    assert [u.status for u in service.unit_board() if u.id == "v2"] == ["handling"]
    service.feedback(code, "v2").result(timeout=10)
    assert [u.status for u in service.unit_board() if u.id == "v2"] == ["idle"]


def test_a_re_dispatch_from_vehicle_to_worker_frees_the_vehicle(service: CaseService) -> None:
    code = full_bin(service)
    service.dispatch(code, "v2", "d1").result(timeout=10)
    again = service.dispatch(code, "w1", "d1").result(timeout=10)
    assert (again.assigned_officer, again.assignee_kind, again.assignee_plate) == ("w1", "worker", "")
    assert again.officer_display == "李四 (H1)"
    board = {u.id: u.status for u in service.unit_board()}
    assert board["v2"] == "idle" and board["w1"] == "dispatched"
    returned = service.return_case(code, "d1", "另派").result(timeout=10)
    assert (returned.assigned_officer, returned.assignee_kind) == (None, "")


def test_an_unknown_unit_is_refused_by_name_and_nothing_changes(service: CaseService) -> None:
    code = full_bin(service)
    with pytest.raises(Exception, match="队员或车辆 v9 不存在"):
        service.dispatch(code, "v9", "d1").result(timeout=10)
    assert service.get(code).status == "registered"


def test_the_kpi_names_the_vehicle_by_type_and_plate(db: Store, service: CaseService, clock: Clock) -> None:
    code = full_bin(service)
    service.dispatch(code, "v2", "d1").result(timeout=10)
    other = full_bin(service, "另一桶")
    service.dispatch(other, "w1", "d1").result(timeout=10)
    clock.now += timedelta(minutes=5)
    report = compute_kpis(db, Period.month(2026, 11), "officer", compare=False, now=clock.now)
    rows: dict[str, Any] = {r.key: r for r in report.rows}
    assert rows["v2"].label == "环卫车 苏A·H0002" and rows["v2"].figures.registered == 1
    assert rows["w1"].label == "李四"
    # the assessment's list of the cases behind a figure names them the same way
    from widgets.briefing.drilldown import case_lines

    assert [line.officer for line in case_lines(db, [code, other])] == ["苏A·H0002", "李四"]


def test_a_vehicle_of_a_team_off_shift_is_not_offered(db: Store, service: CaseService, clock: Clock,
                                                      positions: dict[str, UnitPosition]) -> None:
    db.write(lambda s: setattr(s.get(Vehicle, "v3"), "team", "环卫二队"))
    code = full_bin(service)
    night = make_service(db, positions, clock, ShiftRoster([Shift("环卫二队", "早班", time(6), time(9))]))
    night.refresh_roster()
    # 环卫二队's truck (v3) and worker (w2) are off shift at 10:00: the list is filled with the officer
    assert ranked(night, code, 4) == [("vehicle", "v2"), ("worker", "w1"), ("officer", "o1")]
