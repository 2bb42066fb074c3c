"""The same seat → server → vehicle path through a real Mosquitto on loopback (authenticated users): the server
(wired as ``serve`` wires it, bus bridge included) and the seat are separate MqttBus clients, so requests and
replies really cross the broker (QoS 1, JSON)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commandcenter.bus import BusMessage, BusState, topics
from commandcenter.bus.mqtt import MqttBus
from commandcenter.config import parse_config
from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.remote import SERVER_TIMEOUT, SESSION_REFUSED, RemoteCommander, seat_sessions
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.enforcement.seats import SeatSession
from commandcenter.runtime.compose import build
from commandcenter.store import utcnow
from tests.bus.mosquitto import MosquittoBroker
from tests.drones.flight_support import FLY_HOME
from tests.drones.remote_support import SEAT, Hall, answer, demo_accounts, start_hall

USERS = {"cc-server": "server-secret", "cc-seat": "seat-secret"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    directory = tmp_path / "mosquitto"
    directory.mkdir()
    mosquitto = MosquittoBroker(directory, USERS)
    mosquitto.start()
    yield mosquitto
    mosquitto.stop()


def seat_bus(qtbot: Any, broker: MosquittoBroker, client_id: str) -> MqttBus:
    bus = MqttBus(broker.bus_config("cc-seat", client_id=client_id), role="seat")
    bus.start()
    qtbot.waitUntil(lambda: bus.state is BusState.CONNECTED, timeout=10000)
    return bus


@pytest.fixture
def hall(qtbot: Any, tmp_path: Path, broker: MosquittoBroker) -> Iterator[Hall]:
    sim = SimVehicle(1, *FLY_HOME, listen="tcp:127.0.0.1:0", time_scale=4.0, mission_retry_s=0.1).start()
    server_bus = MqttBus(broker.bus_config("cc-server", client_id="server"), role="server")
    seat = seat_bus(qtbot, broker, SEAT)
    try:
        h = start_hall(qtbot, tmp_path, sim, server_bus, seat, as_server=True)  # starting it connects its bus
        qtbot.waitUntil(lambda: server_bus.state is BusState.CONNECTED, timeout=10000)
        yield h
        h.services.stop()
    finally:
        seat.stop()
        sim.stop()


def test_through_the_broker_a_pilots_arm_and_takeoff_are_acknowledged_and_an_observers_arm_refused(
        qtbot: Any, hall: Hall) -> None:
    pilot = hall.seat(hall.session("pilot"))
    assert answer(qtbot, pilot.set_mode("uav-1", "GUIDED")).ok
    armed = answer(qtbot, pilot.arm("uav-1"))
    assert armed.ok and armed.result_name == "MAV_RESULT_ACCEPTED"
    assert answer(qtbot, pilot.takeoff("uav-1", 15.0)).ok
    qtbot.waitUntil(lambda: hall.sim.alt > 2.0, timeout=10000)

    observer = hall.seat(hall.session("observer", "wall-seat"), "wall-seat")
    refused = answer(qtbot, observer.rtl("uav-1"))  # anyone watching may bring it home …
    assert refused.ok
    refused = answer(qtbot, observer.goto("uav-1", 32.0605, 118.797, 20.0))  # … not send it elsewhere
    assert not refused.ok and refused.result_name == "PERMISSION_DENIED" and "drone.command" in refused.text
    assert hall.records("pilot") == [("drone.set_mode", "drone:uav-1"), ("drone.arm", "drone:uav-1"),
                                     ("drone.takeoff", "drone:uav-1")]
    assert hall.records("observer") == [("drone.rtl", "drone:uav-1"), ("permission.denied", "user:observer")]


def test_through_the_broker_a_forged_token_is_refused(qtbot: Any, hall: Hall) -> None:
    forged = SeatSession("0" * 43, hall.session("pilot").user, SEAT, utcnow())
    result = answer(qtbot, hall.seat(forged).arm("uav-1"))
    assert not result.ok and result.result_name == SESSION_REFUSED
    assert not hall.sim.armed
    assert hall.records(f"seat:{SEAT}") == [("seat.session.refused", "drone:uav-1")]


def test_with_the_server_down_the_seat_reports_a_timeout(qtbot: Any, tmp_path: Path,
                                                         broker: MosquittoBroker) -> None:
    services = build(parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "seat.db"}"\n', "seat.toml"))
    seat, listener = seat_bus(qtbot, broker, SEAT), seat_bus(qtbot, broker, "listener")
    try:
        demo_accounts(services)
        session = seat_sessions(services).open("pilot", PUBLISHED_PASSWORDS["pilot"], SEAT)
        heard: list[BusMessage] = []
        listener.subscribe(topics.COMMAND_REQUESTS, heard.extend)
        qtbot.wait(200)  # the listener's SUBSCRIBE reaches the broker
        commander = RemoteCommander(seat, SEAT, session, timeouts={"takeoff": 1.0})
        result = answer(qtbot, commander.takeoff("uav-1", 10.0), 5000)
        assert not result.ok and result.result_name == SERVER_TIMEOUT and "1 s" in result.text
        assert [m.payload["action"] for m in heard] == ["takeoff"]  # it crossed the broker; no one answered
    finally:
        listener.stop()
        seat.stop()
        services.stop()
