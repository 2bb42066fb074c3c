"""The application's sensors end to end: config → build(config) → Modbus RTU over a socat pty pair to pymodbus
slaves and MQTT through mosquitto → SensorService → a case in the SQLite file, the health report's sections."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from commandcenter.config import ConfigError, parse_config
from commandcenter.demo.serial_slaves import PtyPair, SerialSlaves, SimulatedSlave
from commandcenter.runtime.compose import build
from devices.sensor import RegisterSpec

BIN_MAP = (RegisterSpec("fill", 0, "uint16", 1.0), RegisterSpec("battery", 1, "uint16", 0.01))


def _config(tmp_path: Path, line: str, broker: str) -> str:
    return f'''
[database]
url = "sqlite:///{tmp_path / "cc.db"}"

[[sensors]]
id = "bin-001"
kind = "垃圾桶"
protocol = "modbus-rtu"
url = "{line}"
baudrate = 9600
unit = 1
period_s = 0.3
timeout_s = 0.2
lat = 32.0430
lon = 118.7850
registers = [{{ measure = "fill", address = 0, type = "uint16", scale = 1.0, unit = "%" }},
             {{ measure = "battery", address = 1, type = "uint16", scale = 0.01, unit = "V" }}]

[[sensors]]
id = "bin-002"
kind = "垃圾桶"
url = "{line}"
unit = 2
period_s = 0.3
timeout_s = 0.2
lat = 32.0432
lon = 118.7852
registers = [{{ measure = "fill", address = 0 }}]

[[sensors]]
id = "wc-001"
kind = "公厕"
protocol = "mqtt"
url = "{broker}"
topic = "city/sensors/+/up"
period_s = 30
lat = 32.0440
lon = 118.7860

[[sensor_rules]]
measure = "fill"
above = 80
clear_below = 60
for_s = 1
category = "BJ0302"
kinds = ["垃圾桶"]

[[sensor_rules]]
measure = "nh3"
above = 5
clear_below = 3
category = "BJ0301"
'''


def _publish(broker: str, topic: str, payload: dict[str, float]) -> None:
    host, port = broker.removeprefix("mqtt://").split(":")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="e2e-publisher")
    client.connect(host, int(port))
    client.loop_start()
    try:
        client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()


def test_sensors_through_the_whole_application(qtbot, tmp_path: Path, pty_pairs: Callable[[str], PtyPair],  # type: ignore[no-untyped-def]
                                                mosquitto: str) -> None:
    line = pty_pairs("rs485")
    level = {"fill": 40.0, "battery": 3.6}
    slaves = SerialSlaves(line.slave_end, [SimulatedSlave(1, BIN_MAP, lambda: dict(level)),
                                           SimulatedSlave(2, BIN_MAP[:1], lambda: {"fill": 20.0}, silent=True)])
    services = build(parse_config(_config(tmp_path, line.app_end, mosquitto), "sensors.toml"))
    logged: list[tuple[str, str]] = []
    services.events.event_logged.connect(lambda severity, text: logged.append((severity, text)))
    services.start()
    try:
        def section() -> dict[str, dict[str, object]]:
            return {s["id"]: s for s in services.report()["sensors"]}

        qtbot.waitUntil(lambda: section()["bin-001"]["values"] == {"fill": 40.0, "battery": 3.6}, timeout=10_000)
        level["fill"] = 92.0
        qtbot.waitUntil(lambda: section()["bin-001"]["alarm"] is True, timeout=10_000)
        services.store.flush()
        rows = services.store.frame("SELECT source, category, reporter FROM cases")
        assert rows.to_dict("records") == [{"source": "sensor", "category": "BJ0302", "reporter": "sensor"}]
        assert services.report()["cases"]["by_source"] == {"sensor": 1}
        # the silent slave: bad reads (timeouts) counted, offline after 3 periods with a maintenance alarm
        qtbot.waitUntil(lambda: section()["bin-002"]["state"] == "offline", timeout=10_000)
        assert section()["bin-002"]["bad_reads"] >= 3 and section()["bin-002"]["alarm"] is False
        assert any(sev == "alarm" and "bin-002" in text and "离线" in text for sev, text in logged)
        modbus = next(d for d in services.report()["devices"] if d["kind"] == "modbus-rtu")
        assert modbus["state"] == "online" and modbus["bad_messages"] >= 3
        # MQTT: a toilet's NH3 over the limit opens a case of its own category
        qtbot.waitUntil(lambda: (_publish(mosquitto, "city/sensors/wc-001/up", {"nh3": 7.5})
                                 or section()["wc-001"]["alarm"] is True), timeout=10_000)
        assert section()["wc-001"] == {"id": "wc-001", "kind": "公厕", "state": "online", "values": {"nh3": 7.5},
                                       "bad_reads": 0, "alarm": True}
        services.store.flush()
        assert services.report()["cases"]["by_source"] == {"sensor": 2}
        level["fill"] = 30.0
        qtbot.waitUntil(lambda: section()["bin-001"]["alarm"] is False, timeout=10_000)
    finally:
        services.stop()
        slaves.close()


def test_a_rule_naming_an_unknown_category_is_refused_at_build(tmp_path: Path) -> None:
    text = f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n[[sensor_rules]]\nmeasure = "fill"\nabove = 80\n' \
           'category = "XX9999"\n'
    with pytest.raises(ConfigError, match=r"sensor_rules\[0\]\.category: unknown case category 'XX9999'"):
        build(parse_config(text, "bad.toml"))


@pytest.mark.parametrize(("body", "where", "what"), [
    ('[[sensors]]\nid = "b"\nurl = "/dev/ttyS0"\n', "sensors[0].registers", "needs a register map"),
    ('[[sensors]]\nid = "b"\nprotocol = "lora"\n', "sensors[0].protocol", "expected one of modbus-rtu, mqtt"),
    ('[[sensors]]\nid = "b"\nurl = "/dev/ttyS0"\nregisters = [{ measure = "fill", address = 0, type = "int64" }]\n',
     "sensors[0].registers[0].type", "expected one of uint16"),
    ('[[sensors]]\nid = "b"\nurl = "/dev/ttyS0"\nunit = 300\nregisters = [{ measure = "fill", address = 0 }]\n',
     "sensors[0].unit", "out of range"),
    ('[[sensors]]\nid = "b"\nprotocol = "mqtt"\nurl = "mqtt://h:1883"\ntopic = "a/+/+/up"\n', "sensors[0].topic",
     "one '+' level"),
    ('[[sensors]]\nid = "b"\nprotocol = "mqtt"\nurl = "tcp://h"\ntopic = "a/b"\n', "sensors[0].url", "mqtt://HOST:PORT"),
    ('[[sensors]]\nid = "b"\nurl = "/dev/ttyS0"\nregisters = [{ address = 0 }]\n', "sensors[0].registers[0].measure",
     "is required"),
    ('[[sensor_rules]]\nmeasure = "fill"\ncategory = "BJ0302"\n', "sensor_rules[0].above", "exactly one of"),
    ('[[sensor_rules]]\nmeasure = "fill"\ncategory = "BJ0302"\nabove = 60\nclear_below = 80\n',
     "sensor_rules[0].clear_below", "above the alarm threshold"),
    ('[[sensor_rules]]\nmeasure = "fill"\nabove = 60\n', "sensor_rules[0].category", "is required"),
])
def test_bad_sensor_config_is_refused_naming_the_key(body: str, where: str, what: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(body, "s.toml")
    assert where in str(caught.value) and what in str(caught.value), str(caught.value)
