"""Mission protocol over real sockets under loss/duplication, and the planning model: fences, generators, files."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from commandcenter.demo.airspace import NANJING_LUKOU
from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.fleet import download_plan, upload_plan
from commandcenter.drones.missions import (
    CMD_RTL,
    CMD_TAKEOFF,
    CMD_WAYPOINT,
    Circle,
    Geofence,
    Mission,
    MissionItem,
    MissionPlan,
    MissionRejected,
    Polygon,
    RallyPoint,
    distance_m,
    estimate,
    fence_from_wire,
    fence_to_wire,
    lawnmower,
    mission_problems,
    mission_to_wire,
    perimeter_orbit,
    point_in_polygon,
    validate_mission,
)
from commandcenter.drones.planfile import (
    PlanFileError,
    load_plan,
    load_wpl,
    parse_plan,
    parse_wpl,
    plan_to_dict,
    save_plan,
    save_wpl,
)
from commandcenter.drones.state import VehicleState, VehicleStates
from devices.mavlink import MavlinkLink, MissionWireItem, mav
from tests.devices.adapter_support import RunningAdapter, wait_until

HOME = (32.0603, 118.7969)
STATES: dict[str, VehicleStates] = {}  # link id → the states folded from what it emitted


def st(link: MavlinkLink, sysid: int) -> VehicleState:
    """The vehicle's current state as folded from the link's events, which must exist."""
    state = STATES[link.id].get(sysid)
    assert state is not None, f"no state for system {sysid}"
    return state


AREA = [(32.0600, 118.7960), (32.0600, 118.7990), (32.0625, 118.7990), (32.0625, 118.7960)]


@pytest.fixture
def pair() -> Iterator[tuple[SimVehicle, MavlinkLink]]:
    sim = SimVehicle(1, *HOME, listen="udp:127.0.0.1:0", mission_retry_s=0.08, seed=7).start()
    link = MavlinkLink("m1", sim.url, mission_timeout=0.15, mission_retries=20)
    STATES[link.id] = states = VehicleStates()
    running = RunningAdapter(link, start=False)
    running.manager.events.connect(lambda batch: [states.apply(e) for e in batch], Qt.ConnectionType.DirectConnection)
    running.start()
    assert link.wait_vehicle(0, 5) == 1
    wait_until(lambda: states.get(1))  # the first state has come through the manager's batches
    yield sim, link
    running.finish()
    sim.stop()


def survey_items(n: int = 30) -> list[MissionWireItem]:
    return [MissionWireItem(seq=i, frame=mav.MAV_FRAME_GLOBAL_RELATIVE_ALT, command=mav.MAV_CMD_NAV_WAYPOINT,
                            param1=float(i % 3), x=320600000 + 150 * i, y=1187960000 + 90 * i, z=20.0 + i / 2)
            for i in range(n)]


def flat(rows: object) -> list[float]:
    """Nested tuples of numbers as one flat list (pytest.approx compares flat sequences only)."""
    if isinstance(rows, list | tuple):
        return [v for row in rows for v in flat(row)]
    return [float(rows)]  # type: ignore[arg-type]


def assert_same(a: list[MissionWireItem], b: list[MissionWireItem]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.same_content(y), (x, y)


@pytest.mark.parametrize("loss,duplicate", [(0.0, False), (0.2, False), (0.2, True)])
def test_mission_round_trip_under_loss(pair: tuple[SimVehicle, MavlinkLink], loss: float, duplicate: bool) -> None:
    sim, link = pair
    sim.faults.drop_mission_ratio = loss
    sim.faults.duplicate_mission = duplicate
    items = survey_items(30)
    result = link.upload_items(1, items)
    assert result.ok, result
    assert_same(sim.missions[mav.MAV_MISSION_TYPE_MISSION], items)
    result, downloaded = link.download_items(1)
    assert result.ok, result
    assert_same(downloaded, items)


def test_fence_and_rally_round_trip(pair: tuple[SimVehicle, MavlinkLink]) -> None:
    sim, link = pair
    sim.faults.drop_mission_ratio = 0.2
    sim.faults.duplicate_mission = True
    fence = Geofence([Polygon(AREA, True), Polygon([(32.0610, 118.7970), (32.0610, 118.7975),
                                                    (32.0614, 118.7972)], False)],
                     [Circle(32.0612, 118.7980, 40.0, False)])
    rally = [RallyPoint(32.0601, 118.7961, 25.0), RallyPoint(32.0624, 118.7989, 30.0)]
    plan = MissionPlan(Mission([MissionItem(CMD_WAYPOINT, 32.0605, 118.7965, 20)]), fence, rally)
    result = upload_plan(link, 1, plan)
    assert result.ok, result
    assert len(sim.missions[mav.MAV_MISSION_TYPE_FENCE]) == 4 + 3 + 1
    assert len(sim.missions[mav.MAV_MISSION_TYPE_RALLY]) == 2
    result, back = download_plan(link, 1)
    assert result.ok, result
    assert [p.inclusion for p in back.fence.polygons] == [True, False]
    assert flat(back.fence.polygons[0].points) == pytest.approx(flat(AREA))
    assert back.fence.circles[0].radius == pytest.approx(40.0)
    assert flat([(r.lat, r.lon, r.alt) for r in back.rally]) == pytest.approx(flat([(r.lat, r.lon, r.alt) for r in rally]))
    assert len(back.mission.items) == 1 and back.home is not None


def test_upload_timeout_reports_stage(pair: tuple[SimVehicle, MavlinkLink]) -> None:
    sim, link = pair
    link.mission_retries = 2
    sim.faults.drop_mission_ratio = 1.0
    result = link.upload_items(1, survey_items(3))
    assert not result.ok and result.result_name == "TIMEOUT"
    assert "MISSION_COUNT" in result.text


def test_auto_mission_flies_waypoints(pair: tuple[SimVehicle, MavlinkLink]) -> None:
    sim, link = pair
    sim.time_scale = 5.0
    mission = Mission([MissionItem(CMD_TAKEOFF, 0, 0, 10), MissionItem(CMD_WAYPOINT, 32.0606, 118.7969, 10),
                       MissionItem(CMD_WAYPOINT, 32.0606, 118.7972, 12), MissionItem(CMD_RTL)])
    assert upload_plan(link, 1, MissionPlan(mission), fence=False, rally=False).ok
    assert link.set_mode(1, "GUIDED").ok and link.arm(1).ok
    assert link.start_mission(1).ok
    assert link.pause_mission(1).ok and sim.paused
    assert link.continue_mission(1).ok and not sim.paused
    assert link.change_speed(1, 12).ok and sim.max_speed == 12
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (st(link, 1).last_reached < 3 or st(link, 1).mode != "RTL"):
        time.sleep(0.05)
    state = st(link, 1)
    assert state.last_reached >= 3 and state.mode == "RTL"


# -- planning model ----------------------------------------------------------------------------------------------


def test_geometry_helpers() -> None:
    assert distance_m((32.0, 118.0), (32.001, 118.0)) == pytest.approx(111.2, abs=0.5)
    assert point_in_polygon((32.061, 118.797), AREA)
    assert not point_in_polygon((32.070, 118.797), AREA)


def test_lawnmower_covers_area_with_alternating_lines() -> None:
    mission = lawnmower(AREA, spacing_m=40, angle_deg=0, alt=30, takeoff=True, rtl=True)
    assert mission.items[0].command == CMD_TAKEOFF and mission.items[-1].command == CMD_RTL
    wps = [it for _, it in mission.waypoints()]
    assert len(wps) % 2 == 0 and len(wps) >= 10  # ~278 m tall area / 40 m spacing ≈ 7 lines, 2 points each
    lats, lons = [p[0] for p in AREA], [p[1] for p in AREA]
    assert all(min(lats) - 1e-7 <= w.lat <= max(lats) + 1e-7 and min(lons) - 1e-7 <= w.lon <= max(lons) + 1e-7
               for w in wps)
    # alternating direction: the first line runs west→east, the second east→west
    assert wps[0].lon < wps[1].lon and wps[2].lon > wps[3].lon
    first, second = (it for _, it in lawnmower(AREA, spacing_m=40, angle_deg=90, alt=30).waypoints()[:2])
    assert abs(first.lat - second.lat) * 111_000 > 200 > abs(first.lon - second.lon) * 94_000  # north-south lines
    est = estimate(mission, HOME)
    assert est.distance_m > 1500 and est.flight_time_s > est.distance_m / 8 and est.battery_pct > 0


def test_perimeter_orbit_is_outside_zone() -> None:
    mission = perimeter_orbit(AREA, margin_m=30, alt=40)
    assert len(mission.items) == len(AREA) + 1
    assert all(not point_in_polygon((it.lat, it.lon), AREA) for it in mission.items)


def test_validation_refuses_fence_breaches_and_airport() -> None:
    fence = Geofence([Polygon(AREA, True),
                      Polygon([(32.0610, 118.7970), (32.0610, 118.7978), (32.0616, 118.7974)], False)], max_alt=60)
    good = Mission([MissionItem(CMD_WAYPOINT, 32.0603, 118.7963, 30), MissionItem(CMD_WAYPOINT, 32.0605, 118.7985, 30)])
    validate_mission(good, fence)
    outside = Mission([MissionItem(CMD_WAYPOINT, 32.0605, 118.7965, 30), MissionItem(CMD_WAYPOINT, 32.0700, 118.7965, 30)])
    with pytest.raises(MissionRejected, match=r"waypoint 2 \(32.070000, 118.796500\) is outside the inclusion fence"):
        validate_mission(outside, fence)
    excluded = Mission([MissionItem(CMD_WAYPOINT, 32.0612, 118.7974, 30)])
    with pytest.raises(MissionRejected, match=r"waypoint 1 .* inside exclusion zone 1"):
        validate_mission(excluded, fence)
    crossing = Mission([MissionItem(CMD_WAYPOINT, 32.0612, 118.7965, 30), MissionItem(CMD_WAYPOINT, 32.0612, 118.7985, 30)])
    assert any("leg waypoint 1 → waypoint 2 crosses exclusion zone 1" in p for p in mission_problems(crossing, fence))
    too_high = Mission([MissionItem(CMD_WAYPOINT, 32.0603, 118.7963, 90)])
    with pytest.raises(MissionRejected, match="above the fence ceiling 60 m"):
        validate_mission(too_high, fence)
    airport = Mission([MissionItem(CMD_WAYPOINT, 31.80, 118.85, 50)])
    with pytest.raises(MissionRejected, match=r"waypoint 1 .* no-fly zone 南京禄口机场"):
        validate_mission(airport, no_fly=[NANJING_LUKOU])
    assert NANJING_LUKOU.contains((31.742, 118.862))
    assert mission_problems(airport) == []  # no city's airport is built into the checks


def test_wire_conversion_keeps_home_and_fence() -> None:
    mission = Mission([MissionItem(CMD_TAKEOFF, 0, 0, 10), MissionItem(CMD_WAYPOINT, 32.06, 118.79, 20)])
    wire = mission_to_wire(mission, (32.0, 118.0, 12.0))
    assert wire[0].x == 320000000 and wire[0].frame == mav.MAV_FRAME_GLOBAL and len(wire) == 3
    fence = Geofence([Polygon(AREA)], [Circle(32.06, 118.79, 50, False)])
    back = fence_from_wire(fence_to_wire(fence))
    assert flat(back.polygons[0].points) == pytest.approx(flat(AREA)) and not back.circles[0].inclusion


def test_plan_file_round_trip(tmp_path: Path) -> None:
    plan = MissionPlan(lawnmower(AREA, 50, 30, 25, takeoff=True, rtl=True),
                       Geofence([Polygon(AREA)], [Circle(32.061, 118.798, 30.0, False)], max_alt=80),
                       [RallyPoint(32.0601, 118.7961, 20)], home=(32.0603, 118.7969, 12.0))
    path = tmp_path / "survey.plan"
    save_plan(plan, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["fileType"] == "Plan" and doc["mission"]["items"][0]["type"] == "SimpleItem"
    assert len(doc["mission"]["items"][0]["params"]) == 7
    back = load_plan(path)
    assert back.home == pytest.approx(plan.home)
    assert len(back.mission.items) == len(plan.mission.items)
    for a, b in zip(plan.mission.items, back.mission.items, strict=True):
        assert (a.command, a.frame) == (b.command, b.frame)
        assert (a.lat, a.lon, a.alt) == pytest.approx((b.lat, b.lon, b.alt))
    assert back.fence.max_alt == 80 and flat(back.fence.polygons[0].points) == pytest.approx(flat(AREA))
    assert back.fence.circles[0].inclusion is False and back.rally[0].alt == 20


def test_plan_flattens_survey_complex_item() -> None:
    doc = plan_to_dict(MissionPlan(Mission([MissionItem(CMD_WAYPOINT, 32.06, 118.79, 30)])))
    simple = doc["mission"]["items"][0]
    doc["mission"]["items"] = [{"type": "ComplexItem", "complexItemType": "survey",
                                "TransectStyleComplexItem": {"Items": [simple, simple]}}]
    assert len(parse_plan(json.dumps(doc)).mission.items) == 2


def test_wpl_round_trip(tmp_path: Path) -> None:
    mission = Mission([MissionItem(CMD_TAKEOFF, 0, 0, 15), MissionItem(CMD_WAYPOINT, 32.0605, 118.7965, 20,
                                                                        params=(5.0, 0.0, 0.0, 0.0)),
                       MissionItem(CMD_RTL)])
    path = tmp_path / "route.waypoints"
    save_wpl(mission, path, home=(32.0603, 118.7969, 12.0))
    assert path.read_text().startswith("QGC WPL 110\n0\t1\t0\t16\t")
    back, home = load_wpl(path)
    assert home == pytest.approx((32.0603, 118.7969, 12.0))
    assert flat([(i.command, i.lat, i.lon, i.alt, i.params) for i in back.items]) == pytest.approx(
        flat([(i.command, i.lat, i.lon, i.alt, i.params) for i in mission.items]))
    assert len(load_plan(path).mission.items) == 3  # load_plan recognises WPL files too


@pytest.mark.parametrize("text,reason", [
    ("{not json", "not valid JSON"),
    ('{"fileType": "Mission"}', "fileType: expected \"Plan\""),
    ('{"fileType": "Plan", "mission": {"items": [{"type": "SimpleItem", "command": 16, "frame": 3, '
     '"params": [0, 0, 0]}]}}', r"mission.items\[0\].params: expected 7 numbers, got 3"),
    ('{"fileType": "Plan", "mission": {"items": [{"type": "SimpleItem", "command": 16, "frame": 3, '
     '"params": [0, 0, 0, 0, 95, 118, "high"]}]}}', r"mission.items\[0\].params\[6\]: expected a number"),
    ('{"fileType": "Plan", "geoFence": {"polygons": [{"inclusion": true, "polygon": [[32, 118], [32.1, 118]]}]}}',
     r"geoFence.polygons\[0\].polygon: a fence polygon needs at least 3 vertices"),
    ('{"fileType": "Plan", "mission": {"items": [{"type": "ComplexItem", "complexItemType": "CorridorScan"}]}}',
     "has no stored waypoints"),
])
def test_malformed_plan_rejected(text: str, reason: str) -> None:
    with pytest.raises(PlanFileError, match=reason):
        parse_plan(text, "bad.plan")


def test_malformed_wpl_rejected() -> None:
    with pytest.raises(PlanFileError, match="line 1: expected 'QGC WPL 110'"):
        parse_wpl("QGC WPL 100\n")
    with pytest.raises(PlanFileError, match="line 3: expected 12 tab-separated fields, got 3"):
        parse_wpl("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t32.0\t118.0\t10\t1\n1\t0\t3\n")
    with pytest.raises(PlanFileError, match="line 2: a field is not a number"):
        parse_wpl("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\tnorth\t118.0\t10\t1\n")
