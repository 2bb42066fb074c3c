"""Sensor alarms of 环卫 categories go to the sanitation team by travel time: the case is assigned to a sanitation
vehicle or worker, never the enforcement officer who happens to stand nearer; enforcement categories still go to
officers.

Real SQLite store, the real case service and SensorService, the real rules (straight-line travel estimate)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.service import CaseService
from commandcenter.domain import UnitPosition
from commandcenter.geo.streets import StreetGraph
from commandcenter.sensors.rules import SensorRule
from commandcenter.sensors.service import SensorInfo, SensorService
from commandcenter.store import Store
from commandcenter.store.models import Case, CaseEvent, Officer, Vehicle
from devices.sensor import SensorReading
from tests.cases.conftest import NOW, Clock, seed

T0 = NOW.timestamp()
LAT, LON = 30.0000, 119.9950
BIN = SensorInfo("bin-1", "新街口1号垃圾桶", "垃圾桶", LAT, LON, 2.0, units={"fill": "%"})
SPOIL = SensorInfo("scale-1", "渣土称重点", "渣土", LAT, LON, 2.0, units={"spill": "kg"})
FULL_RULE = SensorRule(0, "fill", "BJ0303", above=80, clear_below=60, for_s=0, kinds=("垃圾桶",))  # 垃圾满溢, 自动派遣
SPILL_RULE = SensorRule(1, "spill", "SJ0302", above=10, for_s=0, kinds=("渣土",))  # 渣土撒漏 → 执法中队


def at(unit: str, kind: str, metres_north: float) -> UnitPosition:
    return UnitPosition(unit, kind, unit, LAT + metres_north / 111_195.0, LON, NOW)


Make = Callable[..., SensorService]


@pytest.fixture
def make(store: Store, qapp: object) -> Iterator[Make]:
    """A sensor service over a case service whose units stand the given metres north of the bin."""
    seed(store, [
        {"id": "o1", "badge": "B1", "name": "张三", "team": "执法中队", "skills": ["渣土管理"], "duty_grid": ""},
        {"id": "o2", "badge": "B2", "name": "李四", "team": "环卫队", "skills": ["环卫保洁"], "duty_grid": ""},
    ])
    store.write(lambda s: s.add(Vehicle(id="v2", plate="苏A·H0002", kind="环卫车", team="环卫队", status="idle")))
    started: list[SensorService] = []

    def build(metres: dict[str, float], streets: StreetGraph | None = None) -> SensorService:
        positions = {u: at(u, "officer" if u.startswith("o") else "vehicle", m) for u, m in metres.items()}
        cases = CaseService(store, load_calendar(), load_categories(), clock=Clock(), positions=lambda: positions,
                            streets=streets)
        service = SensorService([BIN, SPOIL], [FULL_RULE, SPILL_RULE], store, cases, clock=lambda: T0)
        service.start()
        started.append(service)
        return service

    yield build
    for service in started:
        service.stop()


def alarm(service: SensorService, sensor: str, measure: str, value: float) -> None:
    service.handle([SensorReading(sensor, "sim", {measure: value}, T0)])


def dispatched(store: Store) -> list[dict[str, Any]]:
    store.flush()

    def q(s: Any) -> list[dict[str, Any]]:
        out = []
        for row in s.scalars(select(Case).order_by(Case.id)):
            event = s.scalars(select(CaseEvent).where(CaseEvent.case_id == row.id, CaseEvent.action == "dispatch")).one()
            out.append({"category": row.category, "status": row.status, "assignee": row.assigned_officer,
                        "kind": (row.extra or {}).get("assignee_kind"), "plate": (row.extra or {}).get("assignee_plate"),
                        "event_kind": (event.data or {}).get("assignee_kind")})
        return out

    return store.read(q)


def vehicle_status(store: Store, vehicle: str) -> str:
    return str(store.read(lambda s: s.get(Vehicle, vehicle).status))


def officer_status(store: Store, officer: str) -> str:
    return str(store.read(lambda s: s.get(Officer, officer).status))


def test_a_full_bin_goes_to_the_sanitation_vehicle_not_the_nearer_enforcement_officer(
        make: Make, store: Store) -> None:
    # the enforcement officer and the enforcement car (v1) stand at the bin, the 环卫车 300 m off, the worker 1.5 km
    service = make({"o1": 20.0, "v1": 5.0, "v2": 300.0, "o2": 1500.0})
    alarm(service, "bin-1", "fill", 95.0)
    assert dispatched(store) == [{"category": "BJ0303", "status": "dispatched", "assignee": "v2", "kind": "vehicle",
                                  "plate": "苏A·H0002", "event_kind": "vehicle"}]
    assert vehicle_status(store, "v2") == "dispatched"
    assert vehicle_status(store, "v1") == "idle"
    assert officer_status(store, "o2") == "idle"  # the truck went: the worker 1.5 km off stays free


def test_a_sanitation_worker_nearer_than_any_vehicle_goes_alone(make: Make, store: Store) -> None:
    service = make({"o1": 20.0, "o2": 100.0, "v2": 1500.0})
    alarm(service, "bin-1", "fill", 95.0)
    assert dispatched(store) == [{"category": "BJ0303", "status": "dispatched", "assignee": "o2", "kind": "worker",
                                  "plate": None, "event_kind": "worker"}]
    assert vehicle_status(store, "v2") == "idle"


def test_an_enforcement_category_still_goes_to_the_officer(make: Make, store: Store) -> None:
    service = make({"v2": 5.0, "o1": 300.0, "o2": 20.0})
    alarm(service, "scale-1", "spill", 25.0)
    assert dispatched(store) == [{"category": "SJ0302", "status": "dispatched", "assignee": "o1", "kind": "officer",
                                  "plate": None, "event_kind": "officer"}]
    assert vehicle_status(store, "v2") == "idle"


def test_the_vehicle_sent_is_free_again_when_the_case_is_returned(make: Make, store: Store) -> None:
    service = make({"o1": 20.0, "v2": 300.0, "o2": 1500.0})
    alarm(service, "bin-1", "fill", 95.0)
    store.flush()
    code = str(store.read(lambda s: s.scalars(select(Case.code)).one()))
    assert vehicle_status(store, "v2") == "dispatched"
    service.cases.transition(code, "return", "system", reason="桶已清运").result(timeout=10)
    assert vehicle_status(store, "v2") == "idle"


def test_with_a_street_graph_the_vehicle_is_timed_along_the_streets(make: Make, store: Store) -> None:
    streets = StreetGraph.grid(LAT - 0.0005, LON - 0.001, 20, 3, 100.0, 5)
    service = make({"o1": 20.0, "v2": 300.0, "o2": 1500.0}, streets)
    alarm(service, "bin-1", "fill", 95.0)
    assert [(d["assignee"], d["kind"]) for d in dispatched(store)] == [("v2", "vehicle")]
    note = str(store.read(lambda s: s.scalars(select(CaseEvent.note).where(CaseEvent.action == "dispatch")).one()))
    assert note.startswith("自动派遣: 环卫车 苏A·H0002: 距离 300 m") and "直线估算" not in note
