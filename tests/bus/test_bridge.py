"""A server and a seat in one test process, on one SQLite file, over a real Mosquitto: what the server hears
reaches the seat, cases committed on either side reach the other, and the seat finds its way back after a gap."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from commandcenter.bus import BusState, topics
from commandcenter.bus.api import BusMessage
from commandcenter.bus.bridge import SeatSubscriber, ServerPublisher, attach_seat, attach_server
from commandcenter.bus.mqtt import MqttBus
from commandcenter.bus.resync import ChangedCases
from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.model import NewCase
from commandcenter.config import parse_config
from commandcenter.runtime.compose import Services, build
from commandcenter.runtime.units import UnitInfo
from devices.base import PositionFix
from devices.mavlink import DroneHeartbeat, DronePosition
from devices.osmand import OsmAndClient, OsmAndServer
from tests.bus.mosquitto import MosquittoBroker

LAT, LON = 30.0001, 119.9951  # inside the bundled district


@dataclass
class Hall:
    server: Services
    seat: Services
    publisher: ServerPublisher
    subscriber: SeatSubscriber
    osmand_port: int


def _bus_section(broker: MosquittoBroker, user: str) -> str:
    return (f'[bus]\nurl = "{broker.url}"\nusername = "{user}"\npassword = "{broker.users[user]}"\n')


@pytest.fixture
def hall(qtbot: QtBot, tmp_path: Path, mosquitto_broker: MosquittoBroker) -> Iterator[Hall]:
    database = f'[database]\nurl = "sqlite:///{tmp_path / "city.db"}"\n'
    server_config = parse_config(
        database + '[trackers.osmand]\nport = 0\nhost = "127.0.0.1"\n'
        '[[officers]]\nid = "OF-1"\nname = "王强"\nbadge = "B001"\ndevice = "phone-1"\n'
        + _bus_section(mosquitto_broker, "cc-server"), "server.toml")
    seat_config = parse_config(database + '[[users]]\nusername = "zhang"\nrole = "dispatcher"\n'
                               + _bus_section(mosquitto_broker, "cc-seat"), "seat.toml")
    assert server_config.bus is not None and seat_config.bus is not None
    server = build(server_config)
    seat = build(seat_config)
    try:
        publisher = attach_server(server, MqttBus(server_config.bus, role="server"))
        subscriber = attach_seat(seat, MqttBus(seat_config.bus, role="seat"))
        server.start()
        seat.start()
        qtbot.waitUntil(lambda: subscriber.server_state == "online", timeout=10000)
        osmand = server.devices.get("osmand")
        assert osmand is not None and isinstance(osmand.adapter, OsmAndServer)
        listener = osmand.adapter
        qtbot.waitUntil(lambda: bool(listener.bound_port), timeout=5000)
        yield Hall(server, seat, publisher, subscriber, int(listener.bound_port))
    finally:
        seat.stop()
        server.stop()


def _report_fix(port: int, lat: float, lon: float) -> None:
    with OsmAndClient("127.0.0.1", port, timeout=10.0) as client:
        status, body = client.report("phone-1", lat, lon, timestamp=datetime.now(UTC))
    assert status == 200, body


def _new_case(services: Services, description: str) -> str:
    view = services.cases.create_case(NewCase(source="hotline", category="占道经营", lat=LAT, lon=LON,
                                              description=description), "hotline-12345").result(30)
    return view.code


def test_a_fix_heard_by_the_server_is_on_the_seat_map_within_1_s(qtbot: QtBot, hall: Hall) -> None:
    assert hall.seat.devices.handles() == []  # the seat opens no listener
    _report_fix(hall.osmand_port, LAT, LON)
    sent = time.monotonic()
    qtbot.waitUntil(lambda: hall.seat.tracker.get("OF-1") is not None, timeout=1000)
    assert time.monotonic() - sent < 1.0

    position = hall.seat.tracker.get("OF-1")
    assert position is not None and (round(position.lat, 4), round(position.lon, 4)) == (LAT, LON)
    assert position.name == "王强" and position.kind == "officer"
    report = hall.seat.report()
    assert [unit["id"] for unit in report["units"]] == ["OF-1"]
    qtbot.waitUntil(lambda: any(d["id"] == "osmand" for d in hall.seat.report()["devices"]), timeout=3000)
    assert report["bus"]["role"] == "seat" and report["bus"]["server"] == "online"
    assert report["bus"]["state"] == "connected"
    qtbot.waitUntil(lambda: hall.server.report()["bus"]["heartbeats"] >= 2, timeout=3000)
    assert hall.subscriber.server_state == "online"


def test_a_case_created_on_either_side_is_announced_on_the_other(qtbot: QtBot, hall: Hall) -> None:
    heard_by_server: list[CaseChanges] = []
    heard_by_seat: list[CaseChanges] = []
    hall.server.cases.announcer.changed.connect(heard_by_server.append)
    hall.seat.cases.announcer.changed.connect(heard_by_seat.append)

    on_seat = _new_case(hall.seat, "seat case")
    created = time.monotonic()
    qtbot.waitUntil(lambda: any(on_seat in c.codes for c in heard_by_server), timeout=1000)
    assert time.monotonic() - created < 1.0
    remote = next(c for c in heard_by_server if on_seat in c.codes)
    assert remote.operation.startswith("bus:")

    on_server = _new_case(hall.server, "server case")
    qtbot.waitUntil(lambda: any(on_server in c.codes for c in heard_by_seat), timeout=1000)
    qtbot.wait(300)
    # each side announced its own case once (locally), and never heard it back from the bus
    assert [c.operation.startswith("bus:") for c in heard_by_seat if on_seat in c.codes] == [False]
    assert [c.operation.startswith("bus:") for c in heard_by_server if on_server in c.codes] == [False]


def test_camera_alarms_and_event_lines_reach_the_seat(qtbot: QtBot, hall: Hall) -> None:
    lines: list[tuple[str, str]] = []
    hall.seat.events.event_logged.connect(lambda severity, text: lines.append((severity, text)))
    hall.server.events.camera_alarm.emit("cam-07", "人员聚集")
    hall.server.events.event_logged.emit("warning", "phone-1: 离开责任区")
    qtbot.waitUntil(lambda: hall.seat.wall.alarm is not None and ("warning", "phone-1: 离开责任区") in lines,
                    timeout=2000)
    alarm = hall.seat.wall.alarm
    assert alarm is not None and (alarm.camera, alarm.text) == ("cam-07", "人员聚集")


def test_the_seat_calls_the_server_offline_3_s_after_its_last_heartbeat_and_resyncs_when_it_is_back(
        qtbot: QtBot, hall: Hall) -> None:
    caught: list[ChangedCases] = []
    hall.subscriber.cases.caught_up.connect(caught.append)
    hall.publisher._heartbeat.stop()  # the server hangs: no more heartbeats
    silent = time.monotonic()
    qtbot.waitUntil(lambda: hall.subscriber.server_state == "offline", timeout=4000)
    assert 2.5 < time.monotonic() - silent < 3.6

    missed = _new_case(hall.server, "while the seat heard nothing")  # the bus message is not what finds it:
    resyncs = hall.subscriber.resyncs
    hall.publisher._heartbeat.start()
    qtbot.waitUntil(lambda: hall.subscriber.server_state == "online", timeout=3000)
    qtbot.waitUntil(lambda: any(missed in c.codes for c in caught), timeout=3000)  # the database says so
    qtbot.waitUntil(lambda: hall.subscriber.resyncs == resyncs + 1, timeout=3000)


def test_a_clean_server_stop_is_offline_at_once(qtbot: QtBot, hall: Hall) -> None:
    hall.publisher.stop()
    qtbot.waitUntil(lambda: hall.subscriber.server_state == "offline", timeout=1000)


def test_a_broker_outage_is_shown_within_3_s_and_the_seat_catches_up_after(
        qtbot: QtBot, hall: Hall, mosquitto_broker: MosquittoBroker) -> None:
    _report_fix(hall.osmand_port, LAT, LON)
    qtbot.waitUntil(lambda: hall.seat.tracker.get("OF-1") is not None, timeout=2000)
    caught: list[ChangedCases] = []
    hall.subscriber.cases.caught_up.connect(caught.append)
    states: list[BusState] = []
    hall.subscriber.bus.state_changed.connect(states.append)

    mosquitto_broker.stop()
    lost = time.monotonic()
    qtbot.waitUntil(lambda: hall.subscriber.bus_state is BusState.OFFLINE, timeout=3000)
    assert time.monotonic() - lost < 3.0
    qtbot.waitUntil(lambda: hall.subscriber.server_state == "offline", timeout=4000)

    # the city carries on: the server stores a fix and a case the seat cannot hear of
    _report_fix(hall.osmand_port, LAT + 0.001, LON)
    missed = _new_case(hall.server, "during the outage")
    qtbot.wait(5000)
    assert hall.seat.report()["bus"]["state"] == "offline"
    mosquitto_broker.start()

    qtbot.waitUntil(lambda: hall.subscriber.bus_state is BusState.CONNECTED, timeout=10000)
    qtbot.waitUntil(lambda: any(missed in c.codes for c in caught), timeout=5000)
    qtbot.waitUntil(lambda: round(getattr(hall.seat.tracker.get("OF-1"), "lat", 0.0), 4) == round(LAT + 0.001, 4),
                    timeout=5000)
    qtbot.waitUntil(lambda: hall.subscriber.server_state == "online", timeout=5000)
    assert states[:2] == [BusState.OFFLINE, BusState.CONNECTED]
    assert threading.current_thread() is threading.main_thread()


def test_the_seat_leaves_geofencing_to_the_server(qtbot: QtBot, hall: Hall) -> None:
    """The server's geofence lines reach the seat's events dock over the bus: the seat's own would double them.
    A route only the seat's geofence knows, far from the officer, would say 偏离 at his first fix."""
    events: list[object] = []
    hall.seat.geofence.triggered.connect(events.append)
    hall.seat.geofence.assign_route("OF-1", [(LAT + 0.02, LON + 0.02), (LAT + 0.03, LON + 0.02)], corridor_m=50)
    _report_fix(hall.osmand_port, LAT, LON)
    qtbot.waitUntil(lambda: hall.seat.tracker.get("OF-1") is not None, timeout=2000)
    qtbot.wait(300)
    assert events == []


def test_the_servers_geofence_line_reaches_the_seats_events_dock(qtbot: QtBot, hall: Hall) -> None:
    """The server evaluates the fence rules off its GUI thread; the line it raises still reaches the seat."""
    rule_threads: list[threading.Thread] = []
    hall.server.geofence.triggered.connect(lambda ev: rule_threads.append(threading.current_thread()))
    hall.server.geofence.assign_route("OF-1", [(LAT + 0.02, LON + 0.02), (LAT + 0.03, LON + 0.02)], corridor_m=50,
                                      name="巡查路线1")
    _report_fix(hall.osmand_port, LAT, LON)  # first sighting: silent
    qtbot.waitUntil(lambda: hall.server.tracker.get("OF-1") is not None, timeout=2000)
    qtbot.wait(200)
    _report_fix(hall.osmand_port, LAT + 0.0002, LON)
    qtbot.waitUntil(lambda: any("偏离巡查路线1" in text for _, text in hall.seat.events.backlog()), timeout=3000)
    assert rule_threads and all(t is threading.main_thread() for t in rule_threads)
    assert [ev.kind for ev in hall.server.geofence.recent] == ["route_exit"]


def test_a_position_that_does_not_fit_is_refused_and_counted(qtbot: QtBot, hall: Hall,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    hall.publisher.bus.publish(topics.unit_position("OF-9"), {"id": "OF-9", "kind": "officer", "lat": "north"})
    hall.publisher.bus.publish(topics.unit_position("OF-8"), {"id": "OF-8", "kind": "officer", "lat": 30.0,
                                                              "lon": 120.0, "fix_time": datetime.now(UTC).isoformat()})
    qtbot.waitUntil(lambda: hall.seat.tracker.get("OF-8") is not None, timeout=2000)
    assert hall.seat.tracker.get("OF-9") is None
    assert hall.seat.report()["bus"]["refused_payloads"] == 1
    assert f"refused a payload on {topics.unit_position('OF-9')}: field 'lat'" in caplog.text


def test_a_status_set_on_the_seat_reaches_the_server_and_the_first_picture_is_announced(
        qtbot: QtBot, hall: Hall) -> None:
    qtbot.waitUntil(lambda: hall.subscriber.ready, timeout=3000)
    _report_fix(hall.osmand_port, LAT, LON)
    qtbot.waitUntil(lambda: hall.seat.tracker.get("OF-1") is not None, timeout=2000)

    heard_by_server: list[CaseChanges] = []
    hall.server.cases.announcer.changed.connect(heard_by_server.append)
    hall.seat.unit_status.set_status("OF-1", "resting", "zhang").result(30)
    qtbot.waitUntil(lambda: getattr(hall.server.tracker.get("OF-1"), "status", "") == "resting", timeout=1000)
    qtbot.waitUntil(lambda: any("OF-1" in c.units for c in heard_by_server), timeout=1000)  # its board re-reads
    assert getattr(hall.seat.tracker.get("OF-1"), "status", "") == "resting"
    _report_fix(hall.osmand_port, LAT + 0.0002, LON)  # the server's next position carries the new status
    qtbot.waitUntil(lambda: round(getattr(hall.seat.tracker.get("OF-1"), "lat", 0.0), 4) == round(LAT + 0.0002, 4),
                    timeout=2000)
    assert getattr(hall.seat.tracker.get("OF-1"), "status", "") == "resting"


def test_drone_telemetry_fills_the_seat_fleet_and_its_report(qtbot: QtBot, hall: Hall) -> None:
    hall.server.fleet.apply([
        DroneHeartbeat("uav-1", 1, firmware="ardupilot", vehicle_type=2, mode="GUIDED", base_mode=0, custom_mode=4,
                       system_status=4, armed=True),
        DronePosition("uav-1", 1, lat=LAT, lon=LON, alt_msl=60.0, alt_rel=40.0, heading=90.0, climb=0.0,
                      fix_type=3)])
    qtbot.waitUntil(lambda: hall.seat.fleet.state("uav-1") is not None, timeout=2000)
    drones = {d["id"]: d for d in hall.seat.report()["drones"]}
    assert drones["uav-1"]["mode"] == "GUIDED" and drones["uav-1"]["armed"] is True
    assert drones["uav-1"]["alt_rel"] == 40.0 and drones["uav-1"]["link"] == "ok"
    qtbot.waitUntil(lambda: hall.seat.tracker.get("uav-1") is not None, timeout=2000)  # a unit on the map too


def test_a_seat_sees_every_unit_of_the_batched_stream_and_a_late_seat_gets_their_retained_positions(
        qtbot: QtBot, hall: Hall, mosquitto_broker: MosquittoBroker) -> None:
    """1,200 units in one round: more than one message of cc/v1/positions (500 each), every unit on the seat;
    a seat connecting afterwards gets each unit's retained position from the broker, without the stream."""
    count = 1200
    now = datetime.now(UTC).replace(microsecond=0)
    hall.server.tracker.register([UnitInfo(f"V-{i:04d}", "vehicle", f"苏A{i:04d}", "环卫车",
                                           device_keys=(f"0138{i:08d}",)) for i in range(count)])
    hall.server.tracker.ingest([PositionFix(f"0138{i:08d}", "jt808", now, 30.0 + i * 1e-5, 120.0, 20.0, 90.0)
                                for i in range(count)])
    qtbot.waitUntil(lambda: sum(1 for u in hall.seat.tracker.snapshot() if u.startswith("V-")) == count,
                    timeout=30000)  # a bound for a loaded CI machine, not a speed claim
    seen = hall.seat.tracker.snapshot()
    assert all(round(seen[f"V-{i:04d}"].lat, 6) == round(30.0 + i * 1e-5, 6) for i in range(count))
    assert seen["V-0007"].name == "苏A0007" and seen["V-0007"].kind == "vehicle" and seen["V-0007"].fix_time == now

    for _ in range(count // 250 + 1):  # each refresh publishes at most 250 retained positions
        hall.publisher.refresh_retained()
    late_config = parse_config(_bus_section(mosquitto_broker, "cc-seat"), "late.toml")
    assert late_config.bus is not None
    late = MqttBus(late_config.bus, role="seat")
    retained: dict[str, float] = {}  # what the broker's store gave (the retained flag set), not a later refresh

    def on_positions(batch: list[BusMessage]) -> None:
        for message in batch:
            if message.retained:
                retained[str(message.payload["id"])] = float(str(message.payload["lat"]))

    late.subscribe(topics.UNIT_POSITIONS, on_positions)
    late.start()
    try:
        qtbot.waitUntil(lambda: len([u for u in retained if u.startswith("V-")]) == count, timeout=30000)
    finally:
        late.stop()
    assert retained["V-1199"] == pytest.approx(30.0 + 1199 * 1e-5)
