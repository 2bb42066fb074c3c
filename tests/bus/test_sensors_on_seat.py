"""Sensors and the camera-AI section on a seat: a server and a seat in one test process on one SQLite file, the
bus over a real Mosquitto, an MQTT sensor publishing to a second (anonymous) broker that only the server reads.
What the server hears shows on the seat; the alarm and its case happen once, on the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from pytestqt.qtbot import QtBot

from commandcenter.bus import topics
from commandcenter.bus.bridge import SeatSubscriber, ServerPublisher, attach_seat, attach_server
from commandcenter.bus.mqtt import MqttBus
from commandcenter.config import parse_config
from commandcenter.runtime.compose import Role, Services, build
from tests.bus.mosquitto import MosquittoBroker

# the same sensors and rules in both configs, as a hall's shared configuration would have them
SENSORS = '''
[[sensors]]
id = "wc-001"
name = "中山路公厕"
kind = "公厕"
protocol = "mqtt"
url = "{broker}"
topic = "city/sensors/+/up"
period_s = 30
lat = 30.0001
lon = 119.9951

[[sensor_rules]]
measure = "nh3"
above = 5
clear_below = 3
category = "BJ0301"
'''


@dataclass
class Hall:
    server: Services
    seat: Services
    publisher: ServerPublisher
    subscriber: SeatSubscriber


def _bus_section(broker: MosquittoBroker, user: str) -> str:
    return f'[bus]\nurl = "{broker.url}"\nusername = "{user}"\npassword = "{broker.users[user]}"\n'


@pytest.fixture
def hall(qtbot: QtBot, tmp_path: Path, mosquitto_broker: MosquittoBroker,
         device_broker: MosquittoBroker) -> Iterator[Hall]:
    database = f'[database]\nurl = "sqlite:///{tmp_path / "city.db"}"\n'
    sensors = SENSORS.format(broker=device_broker.url)
    server_config = parse_config(database + sensors + f'[ai.frigate]\nmqtt_url = "{device_broker.url}"\n'
                                 + _bus_section(mosquitto_broker, "cc-server"), "server.toml")
    seat_config = parse_config(database + sensors + _bus_section(mosquitto_broker, "cc-seat"), "seat.toml")
    assert server_config.bus is not None and seat_config.bus is not None
    server = build(server_config, role=Role.SERVER)
    seat = build(seat_config, role=Role.SEAT)
    try:
        publisher = attach_server(server, MqttBus(server_config.bus, role="server"))
        subscriber = attach_seat(seat, MqttBus(seat_config.bus, role="seat"))
        server.start()
        seat.start()
        qtbot.waitUntil(lambda: subscriber.server_state == "online", timeout=10000)
        yield Hall(server, seat, publisher, subscriber)
    finally:
        seat.stop()
        server.stop()


def _sensor_publishes(broker: MosquittoBroker, sensor_id: str, values: dict[str, float]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"sensor-{sensor_id}")
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        client.publish(f"city/sensors/{sensor_id}/up", json.dumps(values), qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()


def _wait_for_the_sensor_link(qtbot: QtBot, hall: Hall) -> None:
    assert hall.seat.devices.report() == []  # the seat reads no sensor itself
    qtbot.waitUntil(lambda: any(d["id"].startswith("mqtt-sensors") and d["state"] == "online"
                                for d in hall.server.devices.report()), timeout=5000)
    qtbot.wait(300)  # its subscription is in place


def _section(services: Services) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in services.report()["sensors"]}


def test_a_sensor_reading_heard_by_the_server_shows_on_the_seat_and_alarms_only_once(
        qtbot: QtBot, hall: Hall, device_broker: MosquittoBroker) -> None:
    seat_alarms: list[tuple[str, str, str]] = []
    hall.seat.sensors.alarm.connect(lambda *args: seat_alarms.append(args))
    map_told: list[bool] = []
    hall.seat.sensors.changed.connect(lambda: map_told.append(True))
    assert _section(hall.seat)["wc-001"]["state"] == "unknown"

    _wait_for_the_sensor_link(qtbot, hall)
    _sensor_publishes(device_broker, "wc-001", {"nh3": 7.5, "h2s": 0.02})
    qtbot.waitUntil(lambda: _section(hall.seat)["wc-001"]["values"] == {"nh3": 7.5, "h2s": 0.02}, timeout=5000)
    seat_entry = _section(hall.seat)["wc-001"]
    assert seat_entry["state"] == "online" and seat_entry["alarm"] is True and seat_entry["kind"] == "公厕"
    assert map_told  # the map layer's change signal
    snapshot = next(s for s in hall.seat.sensors.snapshot() if s.id == "wc-001")
    assert snapshot.alarms == ("nh3 > 5",) and snapshot.last_reading_at is not None

    # the server raised the alarm and opened the case, once; the seat neither
    hall.server.store.flush()
    qtbot.waitUntil(lambda: hall.server.store.frame(
        "SELECT COUNT(*) AS n FROM cases WHERE source = 'sensor'")["n"][0] == 1, timeout=5000)
    qtbot.wait(1500)  # a seat tick, had it started its sensors, would have judged by now
    assert seat_alarms == []
    hall.server.store.flush()
    assert hall.server.store.frame("SELECT COUNT(*) AS n FROM cases WHERE source = 'sensor'")["n"][0] == 1

    # back below the clearing threshold: the alarm clears on the seat too
    _sensor_publishes(device_broker, "wc-001", {"nh3": 1.0, "h2s": 0.02})
    qtbot.waitUntil(lambda: _section(hall.seat)["wc-001"]["alarm"] is False, timeout=5000)
    assert _section(hall.seat)["wc-001"]["values"]["nh3"] == 1.0
    assert seat_alarms == []


def test_a_late_seat_gets_every_sensor_from_the_retained_state(
        qtbot: QtBot, hall: Hall, tmp_path: Path, mosquitto_broker: MosquittoBroker,
        device_broker: MosquittoBroker) -> None:
    _wait_for_the_sensor_link(qtbot, hall)
    _sensor_publishes(device_broker, "wc-001", {"nh3": 2.5})
    qtbot.waitUntil(lambda: _section(hall.seat)["wc-001"]["values"] == {"nh3": 2.5}, timeout=5000)
    # a seat whose configuration lists no sensors at all still shows them, named and placed
    config = parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "city.db"}"\n'
                          + _bus_section(mosquitto_broker, "cc-seat") + 'client_id = "late-seat"\n', "late.toml")
    assert config.bus is not None
    late = build(config, role=Role.SEAT)
    attach_seat(late, MqttBus(config.bus, role="seat"))
    late.start()
    try:
        qtbot.waitUntil(lambda: "wc-001" in _section(late), timeout=5000)
        entry = _section(late)["wc-001"]
        assert (entry["state"], entry["values"], entry["alarm"]) == ("online", {"nh3": 2.5}, False)
        sensor = next(s for s in late.sensors.snapshot() if s.id == "wc-001")
        assert (sensor.name, sensor.lat, sensor.lon) == ("中山路公厕", 30.0001, 119.9951)
    finally:
        late.stop()


def test_the_servers_camera_ai_section_reaches_the_seat_report(qtbot: QtBot, hall: Hall) -> None:
    assert hall.server.camera_ai is not None and hall.seat.camera_ai is None
    qtbot.waitUntil(lambda: "camera_ai" in hall.seat.report(), timeout=8000)
    assert hall.seat.report()["camera_ai"] == hall.server.report()["camera_ai"]


def test_a_sensor_state_that_does_not_fit_is_refused_and_counted(qtbot: QtBot, hall: Hall) -> None:
    hall.publisher.bus.publish(topics.sensor_state("wc-001"), {"id": "wc-001", "state": "online",
                                                               "values": {"nh3": "a lot"}})
    qtbot.waitUntil(lambda: hall.seat.report()["bus"]["refused_payloads"] == 1, timeout=3000)
    assert _section(hall.seat)["wc-001"]["values"] == {}
