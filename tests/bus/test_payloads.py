"""Payloads of cc/v1 read back into the core's data, and positions from the bus on a seat's tracker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from commandcenter.bus.payloads import (
    PayloadError,
    drone_from,
    drone_payload,
    position_from,
    position_payload,
    sensor_from,
    sensor_payload,
)
from commandcenter.domain import UnitPosition
from commandcenter.drones.state import VehicleState
from commandcenter.runtime.units import UnitTracker
from commandcenter.sensors.service import SensorSnapshot

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)


def _over_the_wire(payload: object) -> dict[str, object]:
    decoded = json.loads(json.dumps(payload, ensure_ascii=False))
    assert isinstance(decoded, dict)
    return decoded


def test_a_position_crosses_the_bus_unchanged() -> None:
    pos = UnitPosition("OF-1", "officer", "王强", 30.0001, 119.9951, NOW, speed=4.5, heading=270.0, source="osmand",
                       status="dispatched", sub_kind="一中队", extra={"alt_rel": 12.0, "note": object()})
    back = position_from(_over_the_wire(position_payload(pos)))
    assert back == UnitPosition("OF-1", "officer", "王强", 30.0001, 119.9951, NOW, speed=4.5, heading=270.0,
                                source="osmand", status="dispatched", sub_kind="一中队", extra={"alt_rel": 12.0})


@pytest.mark.parametrize(("payload", "field"), [
    ({"kind": "officer", "lat": 1.0, "lon": 2.0, "fix_time": NOW.isoformat()}, "'id'"),
    ({"id": "x", "kind": "officer", "lat": True, "lon": 2.0, "fix_time": NOW.isoformat()}, "'lat'"),
    ({"id": "x", "kind": "officer", "lat": 1.0, "lon": 2.0, "fix_time": "yesterday"}, "'fix_time'"),
])
def test_a_position_that_does_not_fit_names_the_field(payload: dict[str, object], field: str) -> None:
    with pytest.raises(PayloadError, match=field):
        position_from(payload)  # type: ignore[arg-type]


def test_drone_telemetry_crosses_the_bus_unchanged() -> None:
    state = VehicleState(1, mode="AUTO", armed=True, lat=30.0, lon=120.0, alt_rel=40.0, battery_pct=76.0,
                         messages=((1.5, 4, "Mission: 3 WP"),), link_ok=True)
    assert drone_from(_over_the_wire(drone_payload("uav-1", "一号机", 1, "ok", state))) == (
        "uav-1", "一号机", 1, "ok", state)
    assert drone_from(_over_the_wire(drone_payload("uav-2", "二号机", 0, "connecting", None)))[4] is None


def test_positions_from_the_bus_never_move_a_unit_back_in_time(qtbot: QtBot) -> None:
    """A resync reads the database, whose latest stored fix may be older than what the bus already brought."""
    tracker = UnitTracker()
    newer = UnitPosition("OF-1", "officer", "王强", 30.001, 120.0, NOW, status="idle")
    older = UnitPosition("OF-1", "officer", "王强", 30.000, 120.0, NOW - timedelta(seconds=30), status="idle")
    with qtbot.waitSignal(tracker.changed, timeout=1000) as changed:
        tracker.apply_remote([newer])
    assert changed.args == [[newer]]
    tracker.apply_remote([older])
    assert tracker.get("OF-1") == newer
    assert [u.id for u in tracker.units()] == ["OF-1"]  # known from now on (statuses from the bus apply)
    tracker.set_status("OF-1", "resting")
    assert getattr(tracker.get("OF-1"), "status", "") == "resting"


def test_a_sensor_state_survives_the_wire_and_a_bad_one_names_its_field() -> None:
    sensor = SensorSnapshot(id="bin-7", name="东门垃圾桶", kind="垃圾桶", lat=30.0, lon=120.0, state="online",
                            values={"fill": 85.0, "battery": 3.6}, units={"fill": "%"}, bad_reads=2, alarm=True,
                            last_reading_at=NOW.timestamp(), alarms=("fill > 80",))
    back = sensor_from(_over_the_wire(sensor_payload(sensor)))  # type: ignore[arg-type]
    assert (back.id, back.name, back.kind, back.lat, back.lon) == ("bin-7", "东门垃圾桶", "垃圾桶", 30.0, 120.0)
    assert (back.state, back.values, back.units, back.bad_reads) == ("online", {"fill": 85.0, "battery": 3.6},
                                                                      {"fill": "%"}, 2)
    assert back.alarms == ("fill > 80",) and back.last_reading_at == NOW.timestamp()
    with pytest.raises(PayloadError, match="field 'state'"):
        sensor_from({"id": "bin-7", "state": "sleeping"})
    with pytest.raises(PayloadError, match=r"field 'values\.fill'"):
        sensor_from({"id": "bin-7", "state": "online", "values": {"fill": True}})
