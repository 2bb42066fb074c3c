"""The hall through a real Mosquitto on loopback (authenticated users): a server wired as ``serve`` wires it (bus
bridge, command server, a simulated vehicle on its drone link) and a pilot seat wired as a seat is (its own
services on the same database, no drone link, the bus bridge feeding its fleet, its drone commands sent through
the server as the user who logged in at the seat). Requests and replies really cross the broker (QoS 1, JSON)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from commandcenter.bus import BusMessage, BusState, topics
from commandcenter.bus.bridge import attach_seat, attach_server
from commandcenter.bus.mqtt import MqttBus
from commandcenter.config import Config, parse_config
from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.remote import (
    SERVER_TIMEOUT,
    RemoteCommander,
    attach_command_server,
    remote_drone_commands,
    seat_login,
)
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.enforcement.seats import SeatLogin, SeatSessions
from commandcenter.runtime.compose import Services, build
from tests.bus.mosquitto import MosquittoBroker
from tests.drones.flight_support import FLY_HOME
from tests.drones.remote_support import SEAT, answer, demo_accounts
from widgets.drones import DronesScreen
from widgets.enforcement.login import LoginDialog

USERS = {"cc-server": "server-secret", "cc-seat": "seat-secret"}


@dataclass
class Hall:
    server: Services
    seat: Services
    seat_bus: MqttBus
    sim: SimVehicle

    def records(self, actor: str) -> list[tuple[str, str]]:
        self.server.store.flush()
        self.seat.store.flush()
        return [(e.action, e.subject) for e in self.server.enforcement.audit.entries(actor=actor)
                if e.action.startswith(("drone.", "permission.", "seat.session.refused"))]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    directory = tmp_path / "mosquitto"
    directory.mkdir()
    mosquitto = MosquittoBroker(directory, USERS)
    mosquitto.start()
    yield mosquitto
    mosquitto.stop()


def configs(tmp_path: Path, broker: MosquittoBroker, sim: SimVehicle) -> tuple[Config, Config]:
    database = f'[database]\nurl = "sqlite:///{tmp_path / "hall.db"}"\n'

    def bus(user: str, client_id: str) -> str:
        return (f'[bus]\nurl = "{broker.url}"\nusername = "{user}"\npassword = "{USERS[user]}"\n'
                f'client_id = "{client_id}"\n')

    server = parse_config(database + f'[[drones]]\nid = "uav-1"\nname = "巡查1号"\nurl = "{sim.url}"\n\n'
                          + bus("cc-server", "server"), "server.toml")
    seat = parse_config(database + bus("cc-seat", SEAT), "seat.toml")  # no [[drones]]: a seat has no link
    return server, seat


@pytest.fixture
def hall(qtbot: Any, tmp_path: Path, broker: MosquittoBroker) -> Iterator[Hall]:
    sim = SimVehicle(1, *FLY_HOME, listen="tcp:127.0.0.1:0", time_scale=4.0, mission_retry_s=0.1).start()
    server_config, seat_config = configs(tmp_path, broker, sim)
    assert server_config.bus is not None and seat_config.bus is not None
    server = build(server_config)
    seat = build(seat_config)
    try:
        demo_accounts(server)
        # SERVER: the bus bridge, then the command server on the same bus
        server_bus = MqttBus(server_config.bus, role="server")
        attach_server(server, server_bus)
        attach_command_server(server, server_bus)
        # SEAT: the bus bridge; its drone commands go through the server once someone has logged in
        seat_bus = MqttBus(seat_config.bus, role="seat")
        subscriber = attach_seat(seat, seat_bus)
        server.start()
        seat.start()
        qtbot.waitUntil(lambda: subscriber.server_state == "online" and server_bus.state is BusState.CONNECTED,
                        timeout=10000)
        qtbot.waitUntil(lambda: (s := seat.fleet.state("uav-1")) is not None and s.gps_fix == 3, timeout=10000)
        yield Hall(server, seat, seat_bus, sim)
    finally:
        seat.stop()
        server.stop()
        sim.stop()


def log_in(qtbot: Any, hall: Hall, user: str) -> SeatLogin:
    """The seat's login dialog, backed by the seat's login (which opens its session with the server)."""
    seat = hall.seat
    login = seat_login(seat, SEAT)
    dialog = LoginDialog(login)
    qtbot.addWidget(dialog)
    dialog.username.setText(user)
    dialog.password.setText(PUBLISHED_PASSWORDS[user])
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.user is not None, timeout=10000)
    assert dialog.user is not None
    seat.operator.user, seat.operator.role = dialog.user.username, dialog.user.role
    return login


def pilot_screen(qtbot: Any, hall: Hall) -> DronesScreen:
    """The seat's pilot screen, as widgets.screens builds it on the seat's services."""
    seat = hall.seat
    screen = DronesScreen(seat.fleet, seat.drone_commands.for_actor(lambda: seat.operator.user), operator="pilot")
    screen.confirm = lambda text: True  # type: ignore[method-assign]
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.selected == "uav-1", timeout=5000)
    return screen


def test_the_pilot_logs_in_at_the_seat_and_arm_and_takeoff_fly_the_drone_through_the_server(
        qtbot: Any, hall: Hall) -> None:
    login = log_in(qtbot, hall, "pilot")
    remote_drone_commands(hall.seat, hall.seat_bus, SEAT, login.current)
    screen = pilot_screen(qtbot, hall)
    panel = screen.commands_panel
    qtbot.waitUntil(panel.arm_button.isEnabled, timeout=5000)

    def press(button: Any) -> str:
        screen.status.clear()
        button.click()
        qtbot.waitUntil(lambda: "accepted" in screen.status.text() or "refused" in screen.status.text(),
                        timeout=15000)
        return screen.status.text()

    panel.mode_combo.setCurrentText("GUIDED")
    assert "accepted" in press(panel.mode_button)
    assert "accepted" in press(panel.arm_button)
    assert hall.sim.armed
    assert "accepted" in press(panel.takeoff_button)
    qtbot.waitUntil(lambda: hall.sim.alt > 2.0, timeout=10000)
    # the seat sees its drone climb, from the server's telemetry
    qtbot.waitUntil(lambda: ((s := hall.seat.fleet.state("uav-1")) is not None and (s.alt_rel or 0) > 2.0),
                    timeout=10000)
    # recorded once, by the server, under the seat's user, naming the seat
    assert hall.records("pilot") == [("drone.set_mode", "drone:uav-1"), ("drone.arm", "drone:uav-1"),
                                     ("drone.takeoff", "drone:uav-1")]
    takeoff = hall.server.enforcement.audit.entries(action_prefix="drone.takeoff")[-1]
    assert takeoff.payload["seat"] == SEAT

    hall.seat.stop()  # the pilot closes the seat: its session ends with it
    session = login.current()
    assert session is None
    hall.server.store.flush()
    closed = hall.server.enforcement.audit.entries(action_prefix="seat.session.close")
    assert [(e.actor, e.subject) for e in closed] == [("pilot", f"seat:{SEAT}")]


def test_an_observer_at_the_seat_is_refused_with_the_reason_and_recorded_once(qtbot: Any, hall: Hall) -> None:
    login = log_in(qtbot, hall, "observer")
    remote_drone_commands(hall.seat, hall.seat_bus, SEAT, login.current)
    screen = pilot_screen(qtbot, hall)
    panel = screen.commands_panel
    assert not panel.arm_button.isEnabled() and screen.rtl_button.isEnabled()
    panel.arm_button.setEnabled(True)  # a stale or tampered view
    panel.arm_button.click()
    qtbot.waitUntil(lambda: "refused" in screen.status.text(), timeout=15000)
    assert "drone.arm" in screen.status.text()
    assert not hall.sim.armed
    assert hall.records("observer") == [("permission.denied", "user:observer")]
    # and a seat whose code skips its own check is refused by the server just the same
    bypass = RemoteCommander(hall.seat_bus, SEAT, login.current)
    result = answer(qtbot, bypass.arm("uav-1"))
    assert not result.ok and result.result_name == "PERMISSION_DENIED" and "drone.arm" in result.text
    assert not hall.sim.armed
    assert hall.records("observer") == [("permission.denied", "user:observer")] * 2


def test_a_forged_token_is_refused_by_the_server(qtbot: Any, hall: Hall) -> None:
    login = log_in(qtbot, hall, "pilot")
    real = login.current()
    assert real is not None
    forged = type(real)("0" * 43, real.user, SEAT, real.expires_at)
    result = answer(qtbot, RemoteCommander(hall.seat_bus, SEAT, forged).arm("uav-1"))
    assert not result.ok and result.result_name == "SESSION_REFUSED" and "unknown session token" in result.text
    assert not hall.sim.armed
    assert hall.records(f"seat:{SEAT}") == [("seat.session.refused", "drone:uav-1")]


def test_with_the_server_down_the_seat_reports_a_timeout(qtbot: Any, tmp_path: Path,
                                                         broker: MosquittoBroker) -> None:
    services = build(parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "seat.db"}"\n', "seat.toml"))
    seat_bus = MqttBus(broker.bus_config("cc-seat", client_id=SEAT), role="seat")
    listener = MqttBus(broker.bus_config("cc-seat", client_id="listener"), role="seat")
    heard: list[BusMessage] = []
    listener.subscribe(topics.COMMAND_REQUESTS, heard.extend)
    seat_bus.start()
    listener.start()
    try:
        qtbot.waitUntil(lambda: seat_bus.state is BusState.CONNECTED and listener.state is BusState.CONNECTED,
                        timeout=10000)
        demo_accounts(services)
        session = SeatSessions(services.store, services.enforcement.auth, services.enforcement.audit).open(
            "pilot", PUBLISHED_PASSWORDS["pilot"], SEAT)
        commander = RemoteCommander(seat_bus, SEAT, session, timeouts={"takeoff": 1.0})
        result = answer(qtbot, commander.takeoff("uav-1", 10.0), 5000)
        assert not result.ok and result.result_name == SERVER_TIMEOUT and "1 s" in result.text
        assert [m.payload["action"] for m in heard] == ["takeoff"]  # it crossed the broker; no one answered
    finally:
        listener.stop()
        seat_bus.stop()
        services.stop()
