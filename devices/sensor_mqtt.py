"""NB-IoT / 4G sensors over MQTT: JSON telemetry from a broker, one adapter per broker.

The operator's IoT platform (or the sensor itself) publishes one JSON object per report, e.g.
``{"fill": 85, "battery": 3.6, "ts": 1764640000}``: every numeric member is a measure, ``ts`` (unix seconds) or
``time`` (ISO 8601) dates it (absent: the time it arrived). A sensor has its own topic (``city/bin-001/up``) or
shares a wildcard whose one ``+`` level is the sensor id (``city/sensors/+/up``).

A message for an id no sensor has is refused and counted per id (a new sensor nobody configured, or a
neighbour's); malformed JSON, a non-object or an object without a single number is a bad read of that sensor.
Both are described in :class:`~devices.base.RejectedInput` events and never raised; only a broker that cannot be
reached or drops the connection raises (the DeviceManager reconnects with backoff).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from devices.base import LinkStats, RejectedInput, Sink
from devices.sensor import SensorBadRead, SensorReading

_TIME_KEYS = ("ts", "time")


@dataclass(frozen=True, slots=True)
class MqttSensorSpec:
    """A sensor's topic: exact, or a filter with one ``+`` level that is the sensor id."""

    sensor_id: str
    topic: str


class MqttSensorListener:
    """Adapter: subscribes to every configured sensor topic on one broker and decodes the telemetry."""

    kind = "mqtt-sensors"

    def __init__(self, id: str, broker_url: str, sensors: Sequence[MqttSensorSpec], *,
                 client_id: str = "", keepalive_s: int = 30) -> None:
        parsed = urlparse(broker_url)
        if parsed.scheme not in ("mqtt", "mqtts") or not parsed.hostname:
            raise ValueError(f"{id}: broker url must be mqtt://HOST:PORT, not {broker_url!r}")
        self.id = id
        self.host = parsed.hostname
        self.port = parsed.port or (8883 if parsed.scheme == "mqtts" else 1883)
        self.tls = parsed.scheme == "mqtts"
        self.client_id = client_id or f"cc-sensors-{id}"
        self.keepalive_s = keepalive_s
        self.exact: dict[str, str] = {s.topic: s.sensor_id for s in sensors if "+" not in s.topic}
        self.wildcards: dict[str, set[str]] = {}
        for s in sensors:
            if "+" in s.topic:
                self.wildcards.setdefault(s.topic, set()).add(s.sensor_id)
        self.stats = LinkStats()
        self.unknown_ids: Counter[str] = Counter()  # refused reports by the id they claimed
        self.bad_reads: Counter[str] = Counter()

    @property
    def filters(self) -> list[str]:
        return sorted({*self.exact, *self.wildcards})

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        lost = threading.Event()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=True)
        if self.tls:
            client.tls_set()

        def on_connect(c: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object) -> None:
            if getattr(reason, "is_failure", False):
                self.stats.last_error = f"broker refused the connection: {reason}"
                lost.set()
                return
            c.subscribe([(topic, 1) for topic in self.filters])

        def on_disconnect(_c: mqtt.Client, _u: object, _flags: object, reason: object, _props: object) -> None:
            if not stop.is_set():
                self.stats.last_error = f"broker connection lost: {reason}"
                lost.set()

        def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
            for event in self.decode(message.topic, bytes(message.payload)):
                sink(event)

        client.on_connect = on_connect
        client.on_disconnect = on_disconnect
        client.on_message = on_message
        try:
            client.connect(self.host, self.port, keepalive=self.keepalive_s)
        except OSError as exc:
            raise ConnectionError(f"{self.id}: cannot reach the broker {self.host}:{self.port}: {exc}") from exc
        self.stats.clients = len(self.exact) + sum(len(ids) for ids in self.wildcards.values())
        try:
            while not stop.is_set() and not lost.is_set():
                rc = client.loop(timeout=0.2)
                if rc != mqtt.MQTT_ERR_SUCCESS and not stop.is_set():
                    raise ConnectionError(f"{self.id}: broker {self.host}:{self.port}: {mqtt.error_string(rc)}")
            if lost.is_set() and not stop.is_set():
                raise ConnectionError(f"{self.id}: {self.stats.last_error}")
        finally:
            client.disconnect()

    # -------------------------------------------------------------------------------------------- decoding
    def sensor_of(self, topic: str) -> str | None:
        """The sensor id a topic names, or None when it names none we know (the id is counted as unknown)."""
        if topic in self.exact:
            return self.exact[topic]
        levels = topic.split("/")
        for pattern, ids in self.wildcards.items():
            parts = pattern.split("/")
            if len(parts) != len(levels):
                continue
            matched = [lvl for part, lvl in zip(parts, levels, strict=True) if part == "+"]
            if all(part in ("+", lvl) for part, lvl in zip(parts, levels, strict=True)):
                if matched[0] in ids:
                    return matched[0]
                self.unknown_ids[matched[0]] += 1
                return None
        self.unknown_ids[topic] += 1
        return None

    def decode(self, topic: str, payload: bytes) -> Sequence[SensorReading | SensorBadRead | RejectedInput]:
        """The events one message becomes (a reading, or refusals that say why)."""
        sensor_id = self.sensor_of(topic)
        if sensor_id is None:
            self.stats.bad(f"unknown sensor on {topic}")
            return [RejectedInput(self.id, f"unknown sensor id on topic {topic!r}", payload[:64].hex(), topic)]
        try:
            document = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return self._bad(sensor_id, topic, payload, f"malformed JSON: {exc}")
        if not isinstance(document, dict):
            return self._bad(sensor_id, topic, payload, f"expected a JSON object, got {type(document).__name__}")
        values = {key: float(v) for key, v in document.items()
                  if key not in _TIME_KEYS and isinstance(v, int | float) and not isinstance(v, bool)
                  and math.isfinite(float(v))}
        if not values:
            return self._bad(sensor_id, topic, payload, "no numeric measure in the message")
        when = self._time_of(document)
        self.stats.good()
        return [SensorReading(sensor_id, "mqtt", values, when)]

    @staticmethod
    def _time_of(document: dict[str, object]) -> float:
        stamp = document.get("ts")
        if isinstance(stamp, int | float) and not isinstance(stamp, bool) and 946_684_800 <= stamp < 4_102_444_800:
            return float(stamp)
        text = document.get("time")
        if isinstance(text, str):
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return time.time()
            if parsed.tzinfo is not None:
                return parsed.timestamp()
        return time.time()

    def _bad(self, sensor_id: str, topic: str, payload: bytes, reason: str) -> list[SensorBadRead | RejectedInput]:
        self.bad_reads[sensor_id] += 1
        self.stats.bad(f"{sensor_id}: {reason}")
        return [SensorBadRead(sensor_id, "mqtt", "malformed", reason),
                RejectedInput(self.id, f"{sensor_id}: {reason}", payload[:64].hex(), topic)]
