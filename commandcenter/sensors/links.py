"""The sensors' device links from the configuration: one Modbus poller per serial line, one MQTT listener per broker.

Sensors that share a ``url`` share an RS-485 line (one request at a time, one port opener), so they become one
:class:`~devices.modbus.ModbusPoller`; MQTT sensors on one broker share one connection. The DeviceManager runs
them like every other link (worker thread, reconnect with backoff).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commandcenter.config import SensorConfig
from devices.base import Adapter
from devices.modbus import ModbusPoller, ModbusSensorSpec
from devices.sensor import RegisterSpec
from devices.sensor_mqtt import MqttSensorListener, MqttSensorSpec


@dataclass(frozen=True)
class SensorLink:
    adapter: Adapter
    stale_after: float  # the link is "stale" in 设备状态 after this long without a good reading


def sensor_links(sensors: Sequence[SensorConfig]) -> list[SensorLink]:
    """The adapters of every configured sensor, grouped by serial line and by broker (in config order)."""
    lines: dict[str, list[SensorConfig]] = {}
    brokers: dict[str, list[SensorConfig]] = {}
    for sensor in sensors:
        (lines if sensor.protocol == "modbus-rtu" else brokers).setdefault(sensor.url, []).append(sensor)
    links: list[SensorLink] = []
    for i, (url, members) in enumerate(lines.items(), start=1):
        specs = [ModbusSensorSpec(s.id, s.unit, s.period_s,
                                  tuple(RegisterSpec(r.measure, r.address, r.type, r.scale) for r in s.registers))
                 for s in members]
        poller = ModbusPoller(f"modbus-{i}", url, specs, baudrate=members[0].baudrate,
                              timeout_s=max(s.timeout_s for s in members))
        links.append(SensorLink(poller, stale_after=3 * max(s.period_s for s in members) + 5))
    for i, (url, members) in enumerate(brokers.items(), start=1):
        listener = MqttSensorListener(f"mqtt-sensors-{i}", url, [MqttSensorSpec(s.id, s.topic) for s in members])
        links.append(SensorLink(listener, stale_after=3 * max(s.period_s for s in members) + 5))
    return links
