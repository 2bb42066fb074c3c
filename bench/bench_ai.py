"""Camera-AI benchmark: 100 events per second on loopback through the whole application, from each kind of box.

Frigate: a child process publishes Frigate-format events (``new`` for a scene's first report, ``update`` for
every later one) to a mosquitto started here, at a steady 100 per second, and serves each event's snapshot (a
real JPEG) over HTTP like Frigate's API. Hikvision ISAPI: a child process posts ``EventNotificationAlert``
documents to the application's ISAPI listener at 100 per second over four keep-alive connections, like an NVR
with many channels: a scene's first alert is multipart with the picture, later ones are the XML alone.
One event in ten is a new scene (a new camera and zone or event type), the other nine repeat a scene already
reported, so most events must be folded by the deduplication. The application is ``build(config)`` with the box
on a temporary SQLite file, started like the server: the adapter takes the events (and fetches Frigate's
snapshots), and the CameraAiService opens the cases with evidence.

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
ISAPI_EVENTS = (("fielddetection", "SJ0401"), ("parking", "SJ0101"))  # Hikvision eventType → category
ISAPI_REGION = "1"  # the detection region every bench alert names: the zone of its scene
ISAPI_CONNECTIONS = 4
ISAPI_ALERT = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<EventNotificationAlert version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">"
               "<ipAddress>{ip}</ipAddress><portNo>80</portNo><protocol>HTTP</protocol><channelID>1</channelID>"
               "<dateTime>2026-12-02T09:30:00+08:00</dateTime><activePostCount>1</activePostCount>"
               "<eventType>{event}</eventType><eventState>active</eventState>"
               "<DetectionRegionList><DetectionRegionEntry><regionID>" + ISAPI_REGION + "</regionID>"
               "</DetectionRegionEntry></DetectionRegionList></EventNotificationAlert>")


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


def _isapi_ip(camera: int) -> str:
    return f"10.{camera // 250}.{camera % 250}.64"


def _isapi_box(port: int, picture: bytes, seconds: float, start_at: float, out: Any, ready: Any) -> None:
    """Child process: an NVR posting alerts over keep-alive connections; puts the first post time per scene."""
    import http.client

    total = int(seconds * RATE)
    plan: list[tuple[int, bool]] = []  # (scene, first report of it) per event, in order
    scenes = 0
    for i in range(total):
        if i % NEW_EVERY == 0:
            plan.append((scenes, True))
            scenes += 1
        else:
            plan.append(((i * 7919) % scenes, False))
    first: dict[int, float] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def post(lane: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(lane, total, ISAPI_CONNECTIONS):
            n, new = plan[i]
            delay = start_at + i / RATE - time.time()
            if delay > 0:
                time.sleep(delay)
            xml = ISAPI_ALERT.format(ip=_isapi_ip(n // len(ISAPI_EVENTS)),
                                     event=ISAPI_EVENTS[n % len(ISAPI_EVENTS)][0]).encode()
            if new:  # the first alert of a scene carries its picture, as cameras send it
                boundary = "bench-isapi-boundary"
                body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"alert\"\r\n"
                        f"Content-Type: application/xml\r\n\r\n").encode() + xml + (
                        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"picture\"; "
                        f"filename=\"scene{n}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + picture + (
                        f"\r\n--{boundary}--\r\n").encode()
                content_type = f"multipart/form-data; boundary={boundary}"
            else:
                body, content_type = xml, "application/xml"
            posted = time.time()
            connection.request("POST", "/ISAPI/Event/notification/alertStream", body,
                               {"Content-Type": content_type})
            answer = connection.getresponse()
            answer.read()
            with lock:
                if answer.status != 200:
                    failures.append(f"event {i}: HTTP {answer.status}")
                if new:
                    first[n] = posted
        connection.close()

    ready.set()
    lanes = [threading.Thread(target=post, args=(k,)) for k in range(ISAPI_CONNECTIONS)]
    for lane in lanes:
        lane.start()
    for lane in lanes:
        lane.join()
    out.put({"events": total, "first_publish": first, "failures": failures[:5]})


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


def _isapi_config(folder: Path, port: int, scenes: int) -> str:
    cameras = (scenes + len(ISAPI_EVENTS) - 1) // len(ISAPI_EVENTS)
    parts = [f'[database]\nurl = "sqlite:///{folder / "bench.db"}"\n']
    for c in range(cameras):
        parts.append(f'[[cameras]]\nid = "cam{c:04d}"\nname = "路口{c}"\nurl = "rtsp://127.0.0.1:9/cam{c}"\n'
                     f"lat = {32.02 + (c % 50) * 1e-3}\nlon = {118.76 + (c // 50) * 1e-3}\n")
    mapping = ", ".join(f'"{_isapi_ip(c)}/1" = "cam{c:04d}"' for c in range(cameras))
    rules = ", ".join(f'{{ event = "{event}", category = "{category}" }}' for event, category in ISAPI_EVENTS)
    parts.append(f'[ai]\ndedup_window_s = 3600\n\n[ai.isapi]\nhost = "127.0.0.1"\nport = {port}\n'
                 f"cameras = {{ {mapping} }}\nrules = [{rules}]\n")
    return "\n".join(parts)


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


def _bad(services: Any, box: str) -> int:
    """Events the adapter refused (counted in device health, never reaching the service)."""
    return sum(int(d["bad_messages"]) for d in services.devices.report() if d["id"] == box)


def _scene_key(box: str, n: int) -> tuple[str, str, str]:
    """(camera id, zone, category) of the n-th scene: what one case must be opened for."""
    if box == "isapi":
        event = ISAPI_EVENTS[n % len(ISAPI_EVENTS)]
        return f"cam{n // len(ISAPI_EVENTS):04d}", ISAPI_REGION, event[1]
    zone = ZONES[n % len(ZONES)]
    return f"cam{n // len(ZONES):04d}", zone[0], zone[1]


def bench_ai(seconds: float, box: str = "frigate") -> dict[str, Any]:
    """``box`` is "frigate" (MQTT events + snapshot API) or "isapi" (alert posts to our listener)."""
    from PySide6.QtCore import QCoreApplication

    from commandcenter.cases.changes import CaseChanges
    from commandcenter.config import parse_config
    from commandcenter.runtime.compose import build

    if not Path("/usr/sbin/mosquitto").exists():
        raise RuntimeError("the camera-AI bench needs mosquitto (/usr/sbin/mosquitto)")
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="bench-ai-"))
    broker: subprocess.Popen[bytes] | None = None
    scenes = int(seconds * RATE) // NEW_EVERY
    if box == "isapi":
        isapi_port = _free_port()
        text = _isapi_config(folder, isapi_port, scenes)
        child_args: tuple[Any, ...] = (_isapi_box, (isapi_port, _jpeg(), seconds))
    else:
        broker, broker_port = _start_broker(folder)
        api_port = _free_port()
        text = _config(folder, broker_port, api_port, scenes)
        child_args = (_box, (broker_port, api_port, _jpeg(), seconds))
    services = build(parse_config(text, "bench-ai.toml"))
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
        warm = time.monotonic() + 2.0  # the adapter connects and subscribes (or the listener binds)
        while time.monotonic() < warm:
            app.processEvents()
            time.sleep(0.005)
        start_at = time.time() + 3.0  # the spawned child imports paho and starts its API first
        target, args = child_args
        child = ctx.Process(target=target, args=(*args, start_at, out, ready), daemon=True)
        child.start()
        while time.time() < start_at:
            app.processEvents()
            time.sleep(0.005)
        if not ready.is_set():
            raise RuntimeError(f"the {box} box process was not ready within 3 s")
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
        while (camera_ai.report()["events"] + _bad(services, box) < sent["events"]
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
        if broker is not None:
            broker.terminate()
            broker.wait(5)
        shutil.rmtree(folder, ignore_errors=True)
    first: dict[int, float] = sent["first_publish"]
    by_key = {_scene_key(box, n): t for n, t in first.items()}
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
        "box": box, "seconds": seconds, "rate_per_s": RATE,
        "events_in": sent["events"], "events_seen_by_service": report["events"],
        "deduplicated": report["deduplicated"], "unmatched": report["unmatched"], "failed": report["failed"],
        "distinct_keys": len(by_key), "cases_out": cases, "case_keys_match": keys_out == set(by_key),
        "dedup_correct": cases == len(by_key) and keys_out == set(by_key),
        "box_bad_messages": devices.get(box, {}).get("bad_messages"),
        "box_last_error": devices.get(box, {}).get("last_error"),
        "post_failures": sent.get("failures", []),
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
    seconds = 10.0 if quick else 60.0
    return {"frigate_100_per_s": bench_ai(seconds, "frigate"), "isapi_100_per_s": bench_ai(seconds, "isapi")}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), ensure_ascii=False, indent=2))
