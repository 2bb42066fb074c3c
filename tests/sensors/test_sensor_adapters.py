"""Sensor adapters on their real paths: Modbus RTU over socat pty pairs to pymodbus slaves, MQTT through mosquitto."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import serial
from paho.mqtt.enums import CallbackAPIVersion

from commandcenter.demo.serial_slaves import PtyPair, SerialSlaves, SimulatedSlave
from devices.base import RejectedInput
from devices.modbus import ModbusPoller, ModbusSensorSpec
from devices.sensor import (
    RegisterSpec,
    SensorBadRead,
    SensorReading,
    crc16_modbus,
    decode_registers,
    encode_registers,
)
from devices.sensor_mqtt import MqttSensorListener, MqttSensorSpec
from tests.devices.adapter_support import RunningAdapter, wait_until

BIN_MAP = (RegisterSpec("fill", 0, "uint16", 1.0), RegisterSpec("battery", 1, "uint16", 0.01))
TOILET_MAP = (RegisterSpec("nh3", 10, "float32", 1.0), RegisterSpec("temp", 12, "int16", 0.1),
              RegisterSpec("visits", 13, "uint32", 1.0))


def test_register_types_decode_as_published() -> None:
    # float32 12.5 = 0x41480000, int16 -5.3 °C at scale 0.1 = 0xFFCB, uint32 70000 = 0x00011170 (high word first)
    words = [0x4148, 0x0000, 0xFFCB, 0x0001, 0x1170]
    assert decode_registers(TOILET_MAP, 10, words) == {"nh3": 12.5, "temp": -5.3, "visits": 70000.0}
    assert encode_registers(TOILET_MAP, {"nh3": 12.5, "temp": -5.3, "visits": 70000}) == dict(enumerate(words, 10))
    # The CRC of the Modbus specification's example request 01 03 00 00 00 0A is C5CD (sent CD C5).
    assert crc16_modbus(bytes.fromhex("01030000000a")).to_bytes(2, "little") == bytes.fromhex("c5cd")


def test_a_line_of_slaves_is_polled_each_at_its_period(pty_pairs: Callable[[str], PtyPair]) -> None:
    line = pty_pairs("line1")
    levels = {"fill": 42.0, "battery": 3.61}
    slaves = SerialSlaves(line.slave_end, [
        SimulatedSlave(1, BIN_MAP, lambda: dict(levels)),
        SimulatedSlave(2, TOILET_MAP, lambda: {"nh3": 2.25, "temp": 21.5, "visits": 123456}),
    ])
    poller = ModbusPoller("modbus-line1", line.app_end, [ModbusSensorSpec("bin-1", 1, 0.2, BIN_MAP),
                                                         ModbusSensorSpec("wc-1", 2, 0.2, TOILET_MAP)],
                          timeout_s=0.5)
    running = RunningAdapter(poller)
    try:
        wait_until(lambda: len([r for r in running.of(SensorReading) if r.sensor_id == "bin-1"]) >= 2)
        levels["fill"] = 85.0
        reading = wait_until(lambda: [r for r in running.of(SensorReading) if r.values["fill" if r.sensor_id == "bin-1"
                                      else "nh3"] == 85.0])[0]
        assert reading.values == {"fill": 85.0, "battery": 3.61} and reading.source == "modbus"
        toilet = next(r for r in running.of(SensorReading) if r.sensor_id == "wc-1")
        assert toilet.values == {"nh3": 2.25, "temp": 21.5, "visits": 123456.0}
        assert not running.of(SensorBadRead)
    finally:
        running.finish()
        slaves.close()


def test_timeouts_and_modbus_exceptions_are_counted_bad_reads(pty_pairs: Callable[[str], PtyPair]) -> None:
    line = pty_pairs("line2")
    failing = SimulatedSlave(3, BIN_MAP, lambda: {"fill": 10.0}, failing=True)
    slaves = SerialSlaves(line.slave_end, [SimulatedSlave(1, BIN_MAP, lambda: {"fill": 10.0}), failing])
    poller = ModbusPoller("modbus-line2", line.app_end, [ModbusSensorSpec("ok", 1, 0.3, BIN_MAP),
                                                         ModbusSensorSpec("absent", 9, 0.3, BIN_MAP),
                                                         ModbusSensorSpec("broken", 3, 0.3, BIN_MAP)],
                          timeout_s=0.2)
    running = RunningAdapter(poller)
    try:
        bad = wait_until(lambda: {b.sensor_id: b for b in running.of(SensorBadRead)}
                         if {"absent", "broken"} <= {b.sensor_id for b in running.of(SensorBadRead)} else None)
        assert bad["absent"].reason == "timeout"
        assert bad["broken"].reason == "modbus_exception" and "slave device failure" in bad["broken"].detail
        assert "ok" not in {b.sensor_id for b in running.of(SensorBadRead)}
        assert [r for r in running.of(SensorReading) if r.sensor_id == "ok"]
        assert poller.bad_reads["absent"] >= 1 and poller.bad_reads["broken"] >= 1 and poller.bad_reads["ok"] == 0
        assert running.state == "online"  # bad reads are the sensors' trouble, not the line's
    finally:
        running.finish()
        slaves.close()


def test_an_answer_with_a_wrong_crc_is_a_crc_bad_read(pty_pairs: Callable[[str], PtyPair]) -> None:
    line = pty_pairs("line3")
    stop = threading.Event()

    def noisy_slave() -> None:  # answers every request with 2 registers and a corrupted CRC
        with serial.serial_for_url(line.slave_end, timeout=0.05) as port:
            while not stop.is_set():
                request = port.read(8)
                if len(request) == 8:
                    frame = bytes([request[0], 3, 4, 0, 50, 1, 100])
                    crc = crc16_modbus(frame) ^ 0x0101
                    port.write(frame + crc.to_bytes(2, "little"))

    thread = threading.Thread(target=noisy_slave, daemon=True)
    thread.start()
    running = RunningAdapter(ModbusPoller("modbus-line3", line.app_end, [ModbusSensorSpec("bin-9", 1, 0.3, BIN_MAP)],
                                          timeout_s=0.2))
    try:
        bad = wait_until(lambda: running.of(SensorBadRead))[0]
        assert bad.reason == "crc" and "CRC" in bad.detail
        assert not running.of(SensorReading)
    finally:
        running.finish()
        stop.set()
        thread.join(2)


def test_a_serial_port_that_cannot_be_opened_is_a_link_failure() -> None:
    running = RunningAdapter(ModbusPoller("modbus-none", "/dev/nonexistent-tty", [ModbusSensorSpec("x", 1, 1.0, BIN_MAP)]))
    try:
        wait_until(lambda: running.errors)
        assert "cannot open" in running.errors[0]
    finally:
        running.close()


def _publish(broker: str, messages: list[tuple[str, bytes]]) -> None:
    host, port = broker.removeprefix("mqtt://").split(":")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.connect(host, int(port))
    client.loop_start()
    try:
        for topic, payload in messages:
            client.publish(topic, payload, qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()


def test_mqtt_telemetry_by_own_topic_and_wildcard_unknown_and_malformed_refused(mosquitto: str) -> None:
    listener = MqttSensorListener("mqtt-sensors", mosquitto, [MqttSensorSpec("wc-7", "city/toilet/wc-7/up"),
                                                              MqttSensorSpec("bin-1", "city/sensors/+/up"),
                                                              MqttSensorSpec("bin-2", "city/sensors/+/up")])
    running = RunningAdapter(listener)
    try:
        wait_until(lambda: listener.stats.clients == 3)
        # a retained-free broker delivers only to subscribers: publish until the subscription is in place
        wait_until(lambda: _publish(mosquitto, [("city/sensors/bin-1/up", b'{"fill": 12}')])
                   or running.of(SensorReading), timeout=5)
        _publish(mosquitto, [
            ("city/sensors/bin-2/up", json.dumps({"fill": 85, "battery": 3.4, "ts": 1764640000}).encode()),
            ("city/toilet/wc-7/up", b'{"nh3": 6.5, "h2s": 0.02, "time": "2026-12-02T08:00:00+08:00"}'),
            ("city/sensors/bin-666/up", b'{"fill": 99}'),
            ("city/sensors/bin-1/up", b'{"fill": 8'),
            ("city/sensors/bin-1/up", b'["fill", 8]'),
        ])
        readings = wait_until(lambda: {r.sensor_id: r for r in running.of(SensorReading)}
                              if len({r.sensor_id for r in running.of(SensorReading)}) == 3 else None)
        assert readings["bin-2"].values == {"fill": 85.0, "battery": 3.4} and readings["bin-2"].time == 1764640000
        assert readings["wc-7"].values == {"nh3": 6.5, "h2s": 0.02}
        assert readings["wc-7"].time == datetime(2026, 12, 2, 0, 0, tzinfo=UTC).timestamp()
        bad = wait_until(lambda: running.of(SensorBadRead) if len(running.of(SensorBadRead)) == 2 else None)
        assert {b.sensor_id for b in bad} == {"bin-1"} and all(b.reason == "malformed" for b in bad)
        assert "malformed JSON" in bad[0].detail and "expected a JSON object" in bad[1].detail
        refused = running.of(RejectedInput)
        assert any("unknown sensor id" in r.reason and "bin-666" in r.reason for r in refused)
        assert listener.unknown_ids == {"bin-666": 1}
        assert "bin-666" not in {r.sensor_id for r in running.of(SensorReading)}
    finally:
        running.finish()
