"""Drone commands from a seat reach the vehicle through the server over the bus, and the seat hears the ACK, the
refusal or the silence: a simulated ArduCopter over real MAVLink on loopback, linked to a server built by
``compose.build`` on a real SQLite file, and a seat commander on the bus (in-process here; through a real
Mosquitto in test_remote_commands_mqtt.py)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from commandcenter.bus import BusMessage, InProcessBus, topics
from commandcenter.config import parse_config
from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.fleet import CommandResult
from commandcenter.drones.missions import MissionPlan, lawnmower
from commandcenter.drones.remote import (
    SERVER_TIMEOUT,
    SESSION_REFUSED,
    STALE_REQUEST,
    RemoteCommander,
    seat_sessions,
)
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.enforcement.seats import REFUSED_ACTION, SeatSession, SeatSessions
from commandcenter.runtime.compose import build
from commandcenter.store import utcnow
from tests.drones.flight_support import AREA, FLY_HOME
from tests.drones.remote_support import SEAT, Hall, answer, demo_accounts, start_hall


@pytest.fixture
def vehicle() -> Iterator[SimVehicle]:
    sim = SimVehicle(1, *FLY_HOME, listen="tcp:127.0.0.1:0", time_scale=4.0, mission_retry_s=0.1).start()
    yield sim
    sim.stop()


@pytest.fixture
def hall(qtbot: Any, tmp_path: Path, vehicle: SimVehicle) -> Iterator[Hall]:
    bus = InProcessBus("hall", interval_ms=20)
    bus.start()
    h = start_hall(qtbot, tmp_path, vehicle, bus, bus)
    yield h
    h.services.stop()
    bus.stop()


# ------------------------------------------------------------------------------------------------------------ tests
def test_a_pilots_arm_and_takeoff_reach_the_vehicle_and_the_acks_come_back_to_the_seat(qtbot: Any, hall: Hall) -> None:
    seat = hall.seat(hall.session("pilot"))
    assert seat.allowed("arm") and seat.allowed("takeoff")
    for send in (lambda: seat.set_mode("uav-1", "GUIDED"), lambda: seat.arm("uav-1"),
                 lambda: seat.takeoff("uav-1", 20.0)):
        result = answer(qtbot, send())
        assert result == CommandResult(True, "MAV_RESULT_ACCEPTED", result.text), result
    assert hall.sim.armed
    qtbot.waitUntil(lambda: hall.sim.alt > 2.0, timeout=10000)  # it really climbs
    # the server checked and recorded each command in the core, under the seat's user and naming the seat
    assert hall.records("pilot") == [("drone.set_mode", "drone:uav-1"), ("drone.arm", "drone:uav-1"),
                                     ("drone.takeoff", "drone:uav-1")]
    arm = next(e for e in hall.services.enforcement.audit.entries(actor="pilot") if e.action == "drone.arm")
    assert arm.payload["seat"] == SEAT and arm.payload["request"]
    assert seat.pending() == 0


def test_an_observers_arm_is_refused_with_the_reason_and_one_audit_record_under_the_observer(
        qtbot: Any, hall: Hall) -> None:
    seat = hall.seat(hall.session("observer"))
    assert not seat.allowed("arm") and seat.allowed("rtl")  # the view greys out ARM …
    result = answer(qtbot, seat.arm("uav-1"))  # … and a tampered view is still refused by the server
    assert not result.ok and result.result_name == "PERMISSION_DENIED"
    assert "drone.arm" in result.text and "observer" in result.text
    assert not hall.sim.armed
    assert hall.records("observer") == [("permission.denied", "user:observer")]  # one record, nothing flown
    denial = next(e for e in hall.services.enforcement.audit.entries(actor="observer")
                  if e.action == "permission.denied")
    assert denial.payload["permission"] == "drone.arm"


def test_a_vehicle_refusal_comes_back_to_the_seat_as_the_vehicles_answer(qtbot: Any, hall: Hall) -> None:
    seat = hall.seat(hall.session("pilot"))
    hall.sim.faults.prearm_fail = "GPS glitch"
    result = answer(qtbot, seat.arm("uav-1"))
    assert not result.ok and result.result_name.startswith("MAV_RESULT_"), result
    assert not hall.sim.armed


def test_a_refused_plan_and_bad_arguments_are_refused_with_the_reason(qtbot: Any, hall: Hall) -> None:
    seat = hall.seat(hall.session("pilot"))
    too_high = answer(qtbot, seat.takeoff("uav-1", 5000.0))
    assert not too_high.ok and too_high.result_name == "REJECTED" and "takeoff" in too_high.text
    # a plan over the seat's wire: uploaded by the server and downloaded back to the seat unchanged
    plan = MissionPlan(mission=lawnmower(AREA, 25.0, 0.0, 30.0))
    uploaded = answer(qtbot, seat.upload_plan("uav-1", plan), 60000)
    assert uploaded.ok, uploaded
    downloaded, back = answer(qtbot, seat.download_plan("uav-1"), 60000)
    assert downloaded.ok, downloaded
    assert [(round(i.lat, 6), round(i.lon, 6)) for _n, i in back.mission.waypoints()] == \
        [(round(i.lat, 6), round(i.lon, 6)) for _n, i in plan.mission.waypoints()]


def test_a_forged_or_expired_token_is_refused_and_audited_once(qtbot: Any, hall: Hall) -> None:
    forged = SeatSession("made-up-token", hall.session("pilot").user, SEAT, utcnow() + timedelta(hours=1))
    result = answer(qtbot, hall.seat(forged).arm("uav-1"))
    assert not result.ok and result.result_name == SESSION_REFUSED and "unknown session token" in result.text

    services = hall.services
    yesterday = utcnow() - timedelta(hours=20)
    old = SeatSessions(services.store, services.enforcement.auth, services.enforcement.audit,
                       clock=lambda: yesterday).open("pilot", PUBLISHED_PASSWORDS["pilot"], SEAT)
    result = answer(qtbot, hall.seat(old).arm("uav-1"))
    assert not result.ok and result.result_name == SESSION_REFUSED and "expired" in result.text
    assert not hall.sim.armed
    services.store.flush()
    refused = [(e.actor, e.subject, e.payload["reason"], e.payload["command"])
               for e in services.enforcement.audit.entries(action_prefix=REFUSED_ACTION)]
    assert refused == [(f"seat:{SEAT}", "drone:uav-1", "unknown", "arm"), ("pilot", "drone:uav-1", "expired", "arm")]
    assert [r for r in hall.records("pilot") if r[0].startswith("drone.")] == []


def test_a_request_delivered_twice_runs_once_and_is_answered_alike(qtbot: Any, hall: Hall) -> None:
    session = hall.session("pilot")
    replies: list[BusMessage] = []
    hall.bus.subscribe(topics.command_reply(SEAT), replies.extend)
    request = {"request_id": "r-1", "seat_id": SEAT, "token": session.token, "action": "set_mode",
               "args": {"name": "GUIDED"}, "sent_at": time.time(), "timeout_s": 10.0}
    hall.bus.publish(topics.command_request("drone", "uav-1"), request, qos=1)
    qtbot.waitUntil(lambda: len(replies) == 1, timeout=10000)
    hall.bus.publish(topics.command_request("drone", "uav-1"), request, qos=1)  # QoS 1 redelivery
    hall.bus.publish(topics.command_request("drone", "uav-1"), request, qos=1)
    qtbot.waitUntil(lambda: len(replies) == 3, timeout=10000)
    assert all(r.payload == replies[0].payload for r in replies)
    assert replies[0].payload["status"] == "ok" and replies[0].payload["request_id"] == "r-1"
    assert hall.records("pilot") == [("drone.set_mode", "drone:uav-1")]
    assert hall.services.report()["seat_commands"] == {"requests": 1, "duplicates": 2, "refused": 0, "dropped": 0}


def test_a_request_held_up_longer_than_its_seat_waits_never_reaches_the_drone(qtbot: Any, hall: Hall) -> None:
    session = hall.session("pilot")
    replies: list[BusMessage] = []
    hall.bus.subscribe(topics.command_reply(SEAT), replies.extend)
    # e.g. queued by a broker that was down: the seat reported a timeout 20 s ago
    hall.bus.publish(topics.command_request("drone", "uav-1"), {
        "request_id": "r-late", "seat_id": SEAT, "token": session.token, "action": "arm", "args": {},
        "sent_at": time.time() - 30.0, "timeout_s": 10.0}, qos=1)
    qtbot.waitUntil(lambda: len(replies) == 1, timeout=10000)
    reply = replies[0].payload
    assert reply["status"] == "refused" and reply["result"]["result_name"] == STALE_REQUEST
    assert "not sent to the drone" in str(reply["result"]["text"])
    assert not hall.sim.armed
    assert hall.records("pilot") == []


def test_a_retained_command_is_never_run_by_a_server_that_subscribes_later(qtbot: Any, hall: Hall) -> None:
    from commandcenter.drones.remote import CommandServer

    session = hall.session("pilot")
    other = InProcessBus("late", interval_ms=20)
    other.start()
    try:
        other.publish(topics.command_request("drone", "uav-1"), {
            "request_id": "r-kept", "seat_id": SEAT, "token": session.token, "action": "arm", "args": {},
            "sent_at": time.time(), "timeout_s": 10.0}, qos=1, retain=True)
        other.flush()
        late = CommandServer(other, hall.services.drone_commands, seat_sessions(hall.services), hall.services.tasks)
        late.start()  # the retained request is replayed to it, as a broker replays it to a new subscriber
        assert late.report()["dropped"] == 1 and late.report()["requests"] == 0
        qtbot.wait(300)
        assert not hall.sim.armed
    finally:
        other.stop()


def test_with_no_server_the_seat_reports_a_timeout(qtbot: Any, tmp_path: Path) -> None:
    services = build(parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "seat.db"}"\n', "seat.toml"))
    bus = InProcessBus("seat", interval_ms=20)
    bus.start()
    try:
        demo_accounts(services)
        session = seat_sessions(services).open("pilot", PUBLISHED_PASSWORDS["pilot"], SEAT)
        seat = RemoteCommander(bus, SEAT, session, allowed=services.enforcement.authorizer.allowed,
                               timeouts={"arm": 0.5})
        late: list[BusMessage] = []
        bus.subscribe(topics.COMMAND_REQUESTS, late.extend)
        result = answer(qtbot, seat.arm("uav-1"), 5000)
        assert not result.ok and result.result_name == SERVER_TIMEOUT and "server" in result.text
        assert len(late) == 1  # it was sent; nobody answered
        # a reply arriving after the timeout changes nothing the pilot was told
        bus.publish(topics.command_reply(SEAT), {"request_id": late[0].payload["request_id"], "status": "ok",
                                                 "result": {"ok": True, "result_name": "MAV_RESULT_ACCEPTED"}})
        bus.flush()
        assert seat.pending() == 0
    finally:
        bus.stop()
        services.stop()


def test_a_services_object_is_either_the_command_server_or_a_seat(hall: Hall) -> None:
    from commandcenter.drones.remote import remote_drone_commands

    with pytest.raises(RuntimeError, match="come back to themselves"):
        remote_drone_commands(hall.services, hall.bus, SEAT, hall.session("pilot"))
    assert not hall.services.drone_commands.through_server


def test_the_pilot_screen_says_when_the_server_did_not_answer(qtbot: Any, hall: Hall) -> None:
    from widgets.drones import DronesScreen

    cut_off = InProcessBus(SEAT, interval_ms=20)  # a seat whose bus reaches no server
    cut_off.start()
    try:
        seat = RemoteCommander(cut_off, SEAT, hall.session("pilot"), timeouts={"rtl": 0.5})
        screen = DronesScreen(hall.services.fleet, seat, operator="pilot")
        screen.confirm = lambda text: True  # type: ignore[method-assign]
        qtbot.addWidget(screen)
        screen.show()
        qtbot.waitUntil(lambda: screen.selected == "uav-1", timeout=5000)
        screen.rtl_button.click()
        qtbot.waitUntil(lambda: "no answer from the server" in screen.status.text(), timeout=5000)
        assert "may or may not have received it" in screen.status.text()
    finally:
        cut_off.stop()
