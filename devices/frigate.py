"""Frigate (the open-source NVR) as an AI camera box: its MQTT event stream and its HTTP snapshot API.

Frigate publishes every tracked object on ``{topic_prefix}/events`` as JSON::

    {"type": "new" | "update" | "end",
     "before": {...},
     "after": {"id": "1718000000.123456-abc123", "camera": "front_door", "label": "person",
               "current_zones": ["sidewalk"], "top_score": 0.87, "has_snapshot": true, ...}}

and serves the event's best picture at ``{api_url}/api/events/{id}/snapshot.jpg``. The adapter subscribes with
paho (also to ``{topic_prefix}/available`` and ``{topic_prefix}/stats``, Frigate's liveness: a box silent for
minutes is stale in device health even when nothing happens in front of its cameras), decodes each message on
its own thread (never paho's network thread, which must keep pinging the broker), fetches the snapshot once per event with a size and time limit, checks that the bytes are a JPEG or PNG and
hands a :class:`~devices.camera_ai.CameraDetection` on. A message that is not Frigate's JSON, names a camera
the config does not map, or whose snapshot is not a picture is refused with the reason (``RejectedInput``) and
counted; nothing of it goes further.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt

from devices.base import LinkStats, RejectedInput, Sink
from devices.camera_ai import CameraDetection, image_mime

__all__ = ["FrigateAdapter", "FrigateError", "FrigateEvent", "parse_event"]

_EVENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,80}$")  # Frigate's ids: "<unix time>-<random>"; never a path
_TYPES = ("new", "update", "end")
_MAX_MESSAGE = 256 * 1024


class FrigateError(ValueError):
    """A message that cannot become a detection; ``str(err)`` is the reason shown in device health."""


@dataclass(frozen=True, slots=True)
class FrigateEvent:
    """The fields of one Frigate event message the command center uses."""

    type: str
    id: str
    camera: str
    label: str
    zones: tuple[str, ...]
    score: float
    has_snapshot: bool


def parse_event(payload: bytes) -> FrigateEvent:
    """Decode one ``frigate/events`` message; FrigateError names the field that is wrong."""
    if len(payload) > _MAX_MESSAGE:
        raise FrigateError(f"message of {len(payload)} bytes is larger than {_MAX_MESSAGE}")
    try:
        doc = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrigateError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise FrigateError("message is not a JSON object")
    kind = doc.get("type")
    if kind not in _TYPES:
        raise FrigateError(f"type {str(kind)[:20]!r} is not one of {', '.join(_TYPES)}")
    after = doc.get("after")
    if not isinstance(after, dict):
        raise FrigateError("missing after object")
    event_id = after.get("id")
    if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
        raise FrigateError(f"after.id {str(event_id)[:40]!r} is not a Frigate event id")
    camera, label = after.get("camera"), after.get("label")
    if not isinstance(camera, str) or not camera:
        raise FrigateError("after.camera missing")
    if not isinstance(label, str) or not label:
        raise FrigateError("after.label missing")
    zones = after.get("current_zones") or []
    if not isinstance(zones, list) or not all(isinstance(z, str) for z in zones):
        raise FrigateError("after.current_zones is not a list of names")
    score = after.get("top_score", after.get("score"))
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0.0 <= float(score) <= 1.0:
        raise FrigateError(f"after.top_score {str(score)[:20]!r} is not a number in 0..1")
    return FrigateEvent(kind, event_id, camera, label, tuple(zones), float(score),
                        after.get("has_snapshot") is not False)


def _broker_address(url: str) -> tuple[str, int, bool]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"Frigate mqtt_url {url!r}: expected mqtt://HOST:PORT or mqtts://HOST:PORT")
    return parts.hostname, parts.port or (8883 if parts.scheme == "mqtts" else 1883), parts.scheme == "mqtts"


class FrigateAdapter:
    """One Frigate instance: MQTT events in, :class:`CameraDetection` out (adapter contract of devices.base).

    ``cameras`` maps Frigate camera names to our camera ids; an event of any other camera is refused.
    Snapshots are fetched once per event (later updates of the same event carry the same picture), at most
    ``snapshot_max_bytes`` within ``snapshot_timeout_s``.
    """

    kind = "frigate"

    def __init__(self, id: str, mqtt_url: str, api_url: str, cameras: Mapping[str, str], *,
                 topic_prefix: str = "frigate", username: str = "", password: str = "",
                 snapshot_max_bytes: int = 4 << 20, snapshot_timeout_s: float = 5.0) -> None:
        self.id = id
        self.host, self.port, self.tls = _broker_address(mqtt_url)
        self.api_url = api_url.rstrip("/")
        self.cameras = dict(cameras)
        self.topic = f"{topic_prefix.strip('/')}/events"
        self.available_topic = f"{topic_prefix.strip('/')}/available"
        self.stats_topic = f"{topic_prefix.strip('/')}/stats"
        self.username, self.password = username, password
        self.snapshot_max_bytes = snapshot_max_bytes
        self.snapshot_timeout_s = snapshot_timeout_s
        self.stats = LinkStats()
        self.subscribed = threading.Event()
        """Set while subscribed to the events topic (tests and the demo wait for it)."""
        self._inbox: queue.Queue[bytes] = queue.Queue(maxsize=2000)
        self._pictures: OrderedDict[str, tuple[bytes, str]] = OrderedDict()  # event id → (bytes, mime)
        self._refused: OrderedDict[str, str] = OrderedDict()  # event id → why its snapshot was refused

    # -- link ---------------------------------------------------------------------------------------------------
    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Subscribe and decode until ``stop``; raise when the broker cannot be reached (the manager retries)."""
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"commandcenter-{self.id}")
        if self.username:
            client.username_pw_set(self.username, self.password)
        if self.tls:
            client.tls_set()
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *_a: self.subscribed.clear()
        client.on_message = self._on_message
        try:
            client.connect(self.host, self.port, keepalive=30)
        except OSError as exc:
            raise ConnectionError(f"Frigate broker {self.host}:{self.port}: {exc}") from exc
        client.loop_start()
        try:
            while not stop.is_set():
                try:
                    payload = self._inbox.get(timeout=0.2)
                except queue.Empty:
                    continue
                self._handle(payload, sink)
        finally:
            client.disconnect()
            client.loop_stop()
            self.subscribed.clear()

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            self.stats.last_error = f"broker refused the connection: {reason}"
            return
        client.subscribe([(self.topic, 1), (self.available_topic, 1), (self.stats_topic, 0)])
        self.subscribed.set()

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.stats_topic:  # published every minute: the box is alive (not an event)
            self.stats.last_message_at = time.time()
            return
        if message.topic == self.available_topic:  # Frigate's retained "online"/"offline"
            state = bytes(message.payload).decode("utf-8", "replace").strip()
            if state == "online":
                self.stats.last_message_at = time.time()
            else:
                self.stats.last_error = f"Frigate reports itself {state[:20]!r} on {self.available_topic}"
            return
        try:
            self._inbox.put_nowait(bytes(message.payload))
        except queue.Full:  # the decoder is behind by 2,000 messages: say so rather than stall paho's thread
            self.stats.bad("event queue full: a Frigate message was dropped")

    # -- decoding -----------------------------------------------------------------------------------------------
    def _handle(self, payload: bytes, sink: Sink) -> None:
        try:
            event = parse_event(payload)
            camera_id = self.cameras.get(event.camera)
            if camera_id is None:
                raise FrigateError(f"unknown Frigate camera {event.camera!r} (not in [ai.frigate] cameras)")
            picture, mime = self._picture(event)
        except FrigateError as exc:
            self.stats.bad(str(exc))
            sink(RejectedInput(self.id, str(exc), payload[:64].hex()))
            return
        if event.type == "end":
            self._pictures.pop(event.id, None)
            self._refused.pop(event.id, None)
        self.stats.good()
        sink(CameraDetection(self.id, "frigate", camera_id, event.id, event.label, event.zones, event.score,
                             event.type, picture, mime, detail=f"Frigate {event.camera}"))

    def _picture(self, event: FrigateEvent) -> tuple[bytes, str]:
        """The event's snapshot, fetched once and kept while the event lasts (64 events at most)."""
        kept = self._pictures.get(event.id)
        if kept is not None:
            return kept
        refused = self._refused.get(event.id)
        if refused is not None:  # asked once already: its updates are refused without asking the API again
            raise FrigateError(refused)
        if not event.has_snapshot or not self.api_url:
            return b"", ""
        try:
            return self._fetch(event)
        except FrigateError as exc:
            self._refused[event.id] = str(exc)
            while len(self._refused) > 256:
                self._refused.popitem(last=False)
            raise

    def _fetch(self, event: FrigateEvent) -> tuple[bytes, str]:
        url = f"{self.api_url}/api/events/{urllib.parse.quote(event.id)}/snapshot.jpg"
        try:
            with urllib.request.urlopen(url, timeout=self.snapshot_timeout_s) as resp:
                data = resp.read(self.snapshot_max_bytes + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise FrigateError(f"snapshot of event {event.id}: {exc}") from None
        if len(data) > self.snapshot_max_bytes:
            raise FrigateError(f"snapshot of event {event.id} is larger than {self.snapshot_max_bytes} bytes")
        mime = image_mime(data)
        if not mime:
            raise FrigateError(f"snapshot of event {event.id} is not a JPEG or PNG picture "
                               f"({len(data)} bytes starting {data[:8].hex()})")
        self._pictures[event.id] = (data, mime)
        while len(self._pictures) > 64:
            self._pictures.popitem(last=False)
        return data, mime
