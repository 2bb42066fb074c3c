"""Camera-AI benchmark: 100 Frigate events per second on loopback through the whole application.

A child process plays the Frigate box: it publishes Frigate-format events (``new`` for a scene's first report,
``update`` for every later one) to a mosquitto started here, at a steady 100 per second, and serves each
event's snapshot (a real JPEG) over HTTP like Frigate's API. One event in ten is a new scene (a new camera and
zone), the other nine repeat a scene already reported, so most events must be folded by the deduplication.
The application is ``build(config)`` with an ``[ai.frigate]`` box on a temporary SQLite file, started like the
server: its adapter subscribes, fetches the snapshots, and the CameraAiService opens the cases with evidence.

Measured: the application process's CPU over the publishing window (CPU seconds per second, the box is in the
child), the latency from a scene's first publish to its case being committed (the cases ChangeAnnouncer fires
after the writer's commit), p50/p99, and dedup correctness: events in, distinct (camera, zone, category) keys,
cases out — the last two must be equal, or the bench fails. ``python -m bench.bench_ai [--quick]`` prints JSON.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RATE = 100  # events per second
NEW_EVERY = 10  # one event in this many is a new scene
ZONES = (("sidewalk", "SJ0401"), ("road", "SJ0101"))  # Frigate zone → category of its rule


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scene(n: int) -> tuple[str, str]:
    """The n-th scene: (Frigate camera name, zone); two zones per camera."""
    return f"fg{n // len(ZONES):04d}", ZONES[n % len(ZONES)][0]


def _jpeg() -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "JPG"):  # type: ignore[call-overload]  # the stubs want bytes, Qt wants str
        raise RuntimeError("Qt could not encode the bench's JPEG")
    return bytes(buffer.data().data())


def _box(broker_port: int, api_port: int, picture: bytes, seconds: float, start_at: float, out: Any,
         ready: Any) -> None:
    """Child process: the Frigate box (snapshot API + MQTT event stream); puts the first publish time per scene."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(picture)))
            self.end_headers()
            self.wfile.write(picture)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the default backlog of 5 resets connections under a burst of fetches

    httpd = Server(("127.0.0.1", api_port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-frigate")
    client.connect("127.0.0.1", broker_port)
    client.loop_start()
    ready.set()
    first: dict[int, float] = {}
    scenes = 0
    total = int(seconds * RATE)
    try:
        for i in range(total):
            delay = start_at + i / RATE - time.time()
            if delay > 0:
                time.sleep(delay)
            if i % NEW_EVERY == 0:
                n, kind = scenes, "new"
                scenes += 1
            else:
                n, kind = (i * 7919) % scenes, "update"  # a scene already reported, spread over all of them
            camera, zone = _scene(n)
            after = {"id": f"bench-{n}", "camera": camera, "label": "person", "current_zones": [zone],
                     "top_score": 0.9, "has_snapshot": True, "start_time": start_at}
            payload = json.dumps({"type": kind, "before": after, "after": after})
            published = time.time()
            client.publish("frigate/events", payload, qos=0)
            first.setdefault(n, published)
    finally:
        client.loop_stop()
        client.disconnect()
        httpd.shutdown()
    out.put({"events": total, "first_publish": first})


def _config(folder: Path, broker_port: int, api_port: int, scenes: int) -> str:
    cameras = (scenes + len(ZONES) - 1) // len(ZONES)
    parts = [f'[database]\nurl = "sqlite:///{folder / "bench.db"}"\n']
    for c in range(cameras):
        parts.append(f'[[cameras]]\nid = "cam{c:04d}"\nname = "路口{c}"\nurl = "rtsp://127.0.0.1:9/cam{c}"\n'
                     f"lat = {32.02 + (c % 50) * 1e-3}\nlon = {118.76 + (c // 50) * 1e-3}\n")
    mapping = ", ".join(f'fg{c:04d} = "cam{c:04d}"' for c in range(cameras))
    rules = ", ".join(f'{{ label = "person", zone = "{zone}", category = "{category}", min_score = 0.6 }}'
                      for zone, category in ZONES)
    parts.append(f'[ai]\ndedup_window_s = 3600\n\n[ai.frigate]\nmqtt_url = "mqtt://127.0.0.1:{broker_port}"\n'
                 f'topic_prefix = "frigate"\napi_url = "http://127.0.0.1:{api_port}"\n'
                 f"cameras = {{ {mapping} }}\nrules = [{rules}]\n")
    return "\n".join(parts)


def _start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8")
    process = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("mosquitto did not start within 10 s") from None
            time.sleep(0.05)


def _bad(services: Any) -> int:
    """Events the adapter refused (counted in device health, never reaching the service)."""
    return sum(int(d["bad_messages"]) for d in services.devices.report() if d["id"] == "frigate")


def bench_ai(seconds: float) -> dict[str, Any]:
    from PySide6.QtCore import QCoreApplication

    from commandcenter.cases.changes import CaseChanges
    from commandcenter.config import parse_config
    from commandcenter.runtime.compose import build

    if not Path("/usr/sbin/mosquitto").exists():
        raise RuntimeError("the camera-AI bench needs mosquitto (/usr/sbin/mosquitto)")
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="bench-ai-"))
    broker, broker_port = _start_broker(folder)
    api_port = _free_port()
    scenes = int(seconds * RATE) // NEW_EVERY
    services = build(parse_config(_config(folder, broker_port, api_port, scenes), "bench-ai.toml"))
    camera_ai = services.camera_ai
    if camera_ai is None:
        raise RuntimeError("the bench's config built no camera-AI service")
    committed: dict[str, float] = {}
    lock = threading.Lock()

    def on_changed(changes: CaseChanges) -> None:
        now = time.time()
        with lock:
            for code in changes.codes:
                committed.setdefault(code, now)

    services.cases.announcer.changed.connect(on_changed)
    ctx = mp.get_context("spawn")
    out, ready = ctx.Queue(), ctx.Event()
    child: Any = None
    try:
        services.start()
        warm = time.monotonic() + 2.0  # the adapter connects and subscribes
        while time.monotonic() < warm:
            app.processEvents()
            time.sleep(0.005)
        start_at = time.time() + 3.0  # the spawned child imports paho and starts its API first
        child = ctx.Process(target=_box, args=(broker_port, api_port, _jpeg(), seconds, start_at, out, ready),
                            daemon=True)
        child.start()
        while time.time() < start_at:
            app.processEvents()
            time.sleep(0.005)
        if not ready.is_set():
            raise RuntimeError("the Frigate box process was not ready within 3 s")
        before = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            app.processEvents()
            time.sleep(0.002)
        elapsed = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_SELF)
        sent = out.get(timeout=30)
        child.join(10)
        drain = time.monotonic() + 30  # the last events of the window through the lane
        while (camera_ai.report()["events"] + _bad(services) < sent["events"]
               and time.monotonic() < drain):
            app.processEvents()
            time.sleep(0.01)
        app.processEvents()
        services.store.flush()
        rows = services.store.frame("SELECT code, category, extra FROM cases WHERE source = 'camera'")
        report = camera_ai.report()
        devices = {d["id"]: d for d in services.devices.report()}
    finally:
        services.stop()
        if child is not None and child.is_alive():
            child.terminate()
            child.join(5)
        broker.terminate()
        broker.wait(5)
        shutil.rmtree(folder, ignore_errors=True)
    first: dict[int, float] = sent["first_publish"]
    by_key = {(f"cam{n // len(ZONES):04d}", ZONES[n % len(ZONES)][0], ZONES[n % len(ZONES)][1]): t
              for n, t in first.items()}
    latencies: list[float] = []
    keys_out: set[tuple[str, str, str]] = set()
    for code, category, extra in rows.itertuples(index=False):
        doc = json.loads(extra) if isinstance(extra, str) else dict(extra or {})
        key = (str(doc.get("camera_id", "")), str(doc.get("ai_zone", "")), str(category))
        keys_out.add(key)
        if key in by_key and code in committed:
            latencies.append(committed[code] - by_key[key])
    latencies.sort()
    cases = len(rows)
    result = {
        "seconds": seconds, "rate_per_s": RATE,
        "events_in": sent["events"], "events_seen_by_service": report["events"],
        "deduplicated": report["deduplicated"], "unmatched": report["unmatched"], "failed": report["failed"],
        "distinct_keys": len(by_key), "cases_out": cases, "case_keys_match": keys_out == set(by_key),
        "dedup_correct": cases == len(by_key) and keys_out == set(by_key),
        "frigate_bad_messages": devices.get("frigate", {}).get("bad_messages"),
        "frigate_last_error": devices.get("frigate", {}).get("last_error"),
        "server_cpu_s_per_s": round(((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
                                    / elapsed, 3),
        "event_to_case_ms_p50": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "event_to_case_ms_p99": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1)
        if latencies else None,
        "event_to_case_ms_max": round(1000 * latencies[-1], 1) if latencies else None,
        "latencies_measured": len(latencies),
    }
    if not result["dedup_correct"]:
        raise AssertionError(f"dedup: {len(by_key)} distinct scenes opened {cases} cases: {result}")
    return result


def run(quick: bool = False) -> dict[str, Any]:
    return {"frigate_100_per_s": bench_ai(10.0 if quick else 60.0)}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), ensure_ascii=False, indent=2))
