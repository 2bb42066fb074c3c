"""The demo's AI camera box: a stand-in Frigate on loopback, so camera detections take the real Frigate path.

It runs what a real Frigate offers the command center: Frigate-format ``frigate/events`` messages published to
the demo's one mosquitto (commandcenter.demo.broker, shared with the NB-IoT sensors), and an HTTP
API serving each event's snapshot at ``/api/events/{id}/snapshot.jpg`` (a JPEG encoded with PyAV's MJPEG
encoder, showing the camera and what was detected). The command center's Frigate adapter subscribes, fetches,
checks and hands the detections to the one AI path like any box's.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from collections import OrderedDict
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt

log = logging.getLogger(__name__)

__all__ = ["DemoFrigateBox", "demo_label", "snapshot_jpeg"]


def demo_label(category_code: str) -> str:
    """The Frigate label the demo's box reports for a case category (its rules map it back)."""
    return f"demo_{category_code.lower()}"


def snapshot_jpeg(seed: int, width: int = 320, height: int = 180) -> bytes:
    """A small JPEG picture (coloured bands, different per event) encoded with PyAV's MJPEG encoder.

    PyAV is imported here, at the first snapshot: its libraries load in a tenth of a second or more, which the
    demo's composition (before the map's first paint) has no use for."""
    import av

    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), dtype=np.uint8)
    for band in range(6):
        image[band * height // 6:(band + 1) * height // 6] = rng.integers(40, 220, 3, dtype=np.uint8)
    x, y = int(rng.integers(20, width - 80)), int(rng.integers(20, height - 60))
    image[y:y + 40, x:x + 60] = (255, 60, 40)  # the "detected object" box
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuvj420p"
    codec.time_base = Fraction(1, 25)
    frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuvj420p")
    packets = [*codec.encode(frame), *codec.encode(None)]
    return bytes(packets[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoFrigateBox:
    """Snapshot API + a publisher on the demo's broker; :meth:`detect` reports one object like Frigate does."""

    def __init__(self, broker_port: int) -> None:
        """``broker_port``: the demo's mosquitto on 127.0.0.1 (commandcenter.demo.broker.DemoBroker)."""
        self.broker_port = broker_port
        self._pictures: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self.api_url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._http_thread = threading.Thread(target=self._http.serve_forever, name="demo-frigate-api", daemon=True)
        self._http_thread.start()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="demo-frigate")
        try:
            self._client.connect("127.0.0.1", self.broker_port)
        except BaseException:
            self.stop()
            raise
        self._client.loop_start()
        self._client.publish("frigate/available", "online", qos=1, retain=True)
        self._rng = random.Random(20261202)
        self._stopping = threading.Event()
        self._stats = threading.Thread(target=self._publish_stats, name="demo-frigate-stats", daemon=True)
        self._stats.start()

    def _publish_stats(self) -> None:
        """Like Frigate's ``stats_interval``: the box says it is alive even when its cameras see nothing."""
        while not self._stopping.wait(30.0):
            self._client.publish("frigate/stats", json.dumps({"service": {"uptime": int(time.time())}}))

    @property
    def mqtt_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.broker_port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        box = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = self.path.split("/")  # /api/events/<id>/snapshot.jpg
                with box._lock:
                    picture = box._pictures.get(parts[3]) if len(parts) == 5 and parts[4] == "snapshot.jpg" else None
                if picture is None:
                    self.send_error(404, "Event not found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(picture)))
                self.end_headers()
                self.wfile.write(picture)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def citizen_photo(self) -> str:
        """A citizen's photo of a report, served like an image host would (the URL goes in Open311's
        ``media_url``; the command center fetches it once into the evidence store)."""
        photo_id = f"citizen-{time.time():.6f}-{self._rng.randrange(36 ** 6):06x}"
        with self._lock:
            self._pictures[photo_id] = snapshot_jpeg(self._rng.randrange(1 << 30), 480, 360)
            while len(self._pictures) > 200:
                self._pictures.popitem(last=False)
        return f"{self.api_url}/api/events/{photo_id}/snapshot.jpg"

    def detect(self, camera: str, label: str, score: float = 0.86, zones: tuple[str, ...] = ()) -> str:
        """Publish one Frigate event (``new``, then ``end``) with its snapshot served; returns the event id."""
        now = time.time()
        event_id = f"{now:.6f}-{self._rng.randrange(36 ** 6):06x}"
        with self._lock:
            self._pictures[event_id] = snapshot_jpeg(self._rng.randrange(1 << 30))
            while len(self._pictures) > 200:
                self._pictures.popitem(last=False)
        after = {"id": event_id, "camera": camera, "label": label, "sub_label": None, "top_score": score,
                 "score": score, "current_zones": list(zones), "entered_zones": list(zones), "has_snapshot": True,
                 "has_clip": False, "stationary": False, "start_time": now, "end_time": None, "false_positive": False}
        self._client.publish("frigate/events", json.dumps({"type": "new", "before": after, "after": after}), qos=1)
        ended = {**after, "end_time": now + 1.0}
        self._client.publish("frigate/events", json.dumps({"type": "end", "before": after, "after": ended}), qos=1)
        return event_id

    def stop(self) -> None:
        stopping = getattr(self, "_stopping", None)
        if stopping is not None:
            stopping.set()
            self._stats.join(2)
        try:
            self._client.loop_stop()
            self._client.disconnect()
        except Exception as exc:  # best effort at exit
            log.debug("demo frigate publisher: %s", exc)
        self._http.shutdown()
        self._http.server_close()
