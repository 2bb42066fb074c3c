"""A hall for the remote-command tests: a server built by ``compose.build`` with a simulated vehicle on its drone
link, and seats reaching it over a bus; plus a real Mosquitto on loopback and a small paho client of the Bus
contract to carry the same messages through it."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paho.mqtt.client import CallbackAPIVersion, Client, MQTTMessage
from paho.mqtt.enums import MQTTProtocolVersion
from PySide6.QtCore import Signal

from commandcenter.bus.api import Bus, BusMessage, BusState, Handler, JsonValue
from commandcenter.config import parse_config
from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.remote import (
    RemoteCommander,
    attach_command_server,
    remote_drone_commands,
    seat_sessions,
)
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.enforcement.seats import SeatSession
from commandcenter.runtime.compose import Services, build

SEAT = "pilot-seat"
MOSQUITTO = "/usr/sbin/mosquitto"


@dataclass
class Hall:
    """A server's services with a vehicle on its drone link; seats reach it through ``seat_bus``."""

    services: Services
    sim: SimVehicle
    bus: Bus  # the server's
    seat_bus: Bus

    def session(self, user: str, seat: str = SEAT) -> SeatSession:
        """``user`` logs in at ``seat`` (the seat shares the server's database)."""
        return seat_sessions(self.services).open(user, PUBLISHED_PASSWORDS[user], seat)

    def seat(self, session: SeatSession, seat: str = SEAT) -> RemoteCommander:
        return remote_drone_commands(self.services, self.seat_bus, seat, session)

    def records(self, actor: str) -> list[tuple[str, str]]:
        self.services.store.flush()
        return [(e.action, e.subject) for e in self.services.enforcement.audit.entries(actor=actor)
                if e.action.startswith(("drone.", "permission.", "seat.session.refused"))]


def demo_accounts(services: Services) -> None:
    from commandcenter.demo.database import mark_demo_database
    from commandcenter.demo.users import create_demo_users

    mark_demo_database(services.store)  # the demo's pilot / observer accounts only go into a demo database
    create_demo_users(services.store)


def server_services(tmp_path: Path, sim: SimVehicle) -> Services:
    """A server as compose.build makes it: the vehicle is a configured drone on its own MAVLink link."""
    config = parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "hall.db"}"\n\n'
                          f'[[drones]]\nid = "uav-1"\nname = "巡查1号"\nurl = "{sim.url}"\n', "server.toml")
    services = build(config)
    demo_accounts(services)
    return services


def start_hall(qtbot: Any, tmp_path: Path, sim: SimVehicle, bus: Bus, seat_bus: Bus) -> Hall:
    """Build the server on ``bus``, attach its command service, start it and wait until it sees the vehicle."""
    services = server_services(tmp_path, sim)
    try:
        attach_command_server(services, bus)
        services.start()
        qtbot.waitUntil(lambda: (s := services.fleet.state("uav-1")) is not None and s.gps_fix == 3
                        and s.home_lat is not None and services.fleet.route("uav-1") is not None, timeout=10000)
    except BaseException:
        services.stop()
        raise
    return Hall(services, sim, bus, seat_bus)


def answer(qtbot: Any, future: Future[Any], timeout_ms: int = 15000) -> Any:
    """The seat's answer to a command, waiting with the Qt loop running (replies arrive on the bus's thread)."""
    qtbot.waitUntil(future.done, timeout=timeout_ms)
    return future.result()


# ------------------------------------------------------------------------------------------------- a real broker
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mosquitto:
    """Debian's mosquitto on a free loopback port with a generated config (anonymous: loopback only)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.config = workdir / "mosquitto.conf"
        self.config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n",
                               encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Mosquitto:
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                    raise RuntimeError(f"mosquitto on 127.0.0.1:{self.port} did not start: {err}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


class PahoBus(Bus):
    """The Bus contract over a broker, as small as a test needs: JSON payloads, QoS and retain passed through,
    messages delivered in batches on this object's thread (a queued signal from paho's network thread)."""

    _arrived = Signal()

    def __init__(self, client_id: str, port: int) -> None:
        super().__init__(client_id)
        self.port = port
        self._client = Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                              protocol=MQTTProtocolVersion.MQTTv311)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._connected = threading.Event()
        self._inbox: list[BusMessage] = []
        self._inbox_lock = threading.Lock()
        self._arrived.connect(self._drain)

    def start(self) -> None:
        self._client.connect("127.0.0.1", self.port, keepalive=5)
        self._client.loop_start()
        if not self._connected.wait(10):
            raise TimeoutError(f"{self.client_id}: no CONNACK from 127.0.0.1:{self.port}")

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    @property
    def state(self) -> BusState:
        return BusState.CONNECTED if self._connected.is_set() else BusState.OFFLINE

    def publish(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = False, qos: int = 0) -> None:
        self._client.publish(topic, json.dumps(payload, ensure_ascii=False), qos=qos, retain=retain)

    def set_last_will(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = True) -> None:
        self._client.will_set(topic, json.dumps(payload, ensure_ascii=False), qos=1, retain=retain)

    def _subscribed(self, pattern: str, handler: Handler) -> None:
        if self._connected.is_set():
            self._client.subscribe(pattern, qos=1)

    def _on_connect(self, client: Client, userdata: object, flags: object, reason: object,
                    properties: object) -> None:
        for pattern in self._patterns():
            client.subscribe(pattern, qos=1)
        self._connected.set()

    def _on_message(self, client: Client, userdata: object, message: MQTTMessage) -> None:
        with self._inbox_lock:
            self._inbox.append(BusMessage(message.topic, json.loads(message.payload), bool(message.retain)))
        self._arrived.emit()

    def _drain(self) -> None:
        with self._inbox_lock:
            batch, self._inbox = self._inbox, []
        if batch:
            self._deliver(batch)
