"""Core map services: tile cache, MBTiles, projection datums, heatmap, trails, replay, geofences."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import http.server
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Slot
from PySide6.QtGui import QColor, QImage

from commandcenter.domain import UnitPosition
from commandcenter.geo.coords import wgs84_to_gcj02, wgs84_to_mercator
from commandcenter.mapdata.geofence import (
    ENTER,
    LEAVE,
    POST_ABSENT,
    POST_RETURN,
    ROUTE_EXIT,
    ROUTE_RETURN,
    GeofenceMonitor,
)
from commandcenter.mapdata.heatmap import density_grid
from commandcenter.mapdata.mbtiles import MBTilesSource, read_metadata, read_tile
from commandcenter.mapdata.projection import DisplayProjection, zoom_for_resolution
from commandcenter.mapdata.replay import HistoryService
from commandcenter.mapdata.tiles import XyzTileSource
from commandcenter.mapdata.trails import TrailBuffer
from commandcenter.mapdata.zoneshapes import MapZone
from commandcenter.store import FixRow


def png_bytes(colour: str = "#336699") -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data.data())


class _TileHandler(http.server.BaseHTTPRequestHandler):
    body = b""
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        if self.path.endswith("/404.png"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tile_server() -> Iterator[tuple[http.server.HTTPServer, str]]:
    _TileHandler.body = png_bytes()
    _TileHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TileHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()
    server.server_close()


class _Receiver(QObject):
    """A GUI-thread QObject slot, like the map's TileLayer: Qt queues cross-thread emissions to it."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[int, int, int, object, str]] = []

    @Slot(int, int, int, object)
    def on_ready(self, z: int, x: int, y: int, image: object) -> None:
        self.received.append((z, x, y, image, threading.current_thread().name))


def _decode(data: bytes) -> QImage | None:
    image = QImage.fromData(data)
    return None if image.isNull() else image


def test_xyz_tiles_fetched_on_worker_cached_and_used_offline(qtbot, tile_server, tasks, tmp_path: Path) -> None:
    server, url = tile_server
    main = threading.current_thread().name
    source = XyzTileSource(url, tmp_path / "tiles", decoder=_decode, max_concurrent=2, tasks=tasks)
    receiver = _Receiver()
    received = receiver.received
    source.tile_ready.connect(receiver.on_ready)
    for key in [(15, 27300, 13300), (15, 27301, 13300), (15, 27300, 13301)]:
        assert source.request(*key)
    qtbot.waitUntil(lambda: len(received) == 3, timeout=5000)
    assert all(isinstance(r[3], QImage) and r[3].width() == 256 for r in received)
    assert all(r[4] == main for r in received), "results must be delivered on the GUI thread"
    assert source.worker_threads and main not in source.worker_threads, "loading must run on workers"
    assert source.downloads == 3 and len(_TileHandler.hits) == 3
    for key in [(15, 27300, 13300), (15, 27301, 13300), (15, 27300, 13301)]:
        assert source.cache_path(source_key(key)).read_bytes() == _TileHandler.body
    source.close()

    server.shutdown()
    server.server_close()
    offline = XyzTileSource(url, tmp_path / "tiles", decoder=_decode, timeout_s=1.0, tasks=tasks)
    ok: list[tuple[int, int, int]] = []
    failed: list[tuple[int, int, int, str]] = []
    offline.tile_ready.connect(lambda z, x, y, _img: ok.append((z, x, y)))
    offline.tile_failed.connect(lambda z, x, y, why: failed.append((z, x, y, why)))
    offline.request(15, 27300, 13300)
    offline.request(15, 9, 9)  # never cached, server gone → placeholder, quickly
    qtbot.waitUntil(lambda: bool(ok) and bool(failed), timeout=5000)
    assert ok == [(15, 27300, 13300)] and offline.cache_hits == 1
    assert failed[0][:3] == (15, 9, 9)
    assert not offline.request(15, 9, 9), "a failed tile is not retried at once"
    offline.close()


def source_key(key: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    from commandcenter.mapdata.tiles import TileKey

    return TileKey(*key)


def test_http_error_becomes_failure_and_unwanted_tiles_are_dropped(qtbot, tile_server, tasks,
                                                                  tmp_path: Path) -> None:
    _server, url = tile_server
    source = XyzTileSource(url.replace("{y}.png", "404.png").replace("{z}/{x}/", "{z}/{x}/{y}/"),
                           tmp_path, decoder=_decode, tasks=tasks)
    failed: list[str] = []
    source.tile_failed.connect(lambda *_a: failed.append(_a[3]))
    source.request(3, 1, 1)
    qtbot.waitUntil(lambda: bool(failed), timeout=5000)
    assert "404" in failed[0]
    source.set_wanted([])
    source.request(3, 2, 2)
    qtbot.waitUntil(lambda: source.pending() == 0, timeout=5000)
    assert source.dropped == 1
    source.close()


def test_template_url_variants(tmp_path: Path, tasks) -> None:  # type: ignore[no-untyped-def]
    source = XyzTileSource("https://{s}.tile.example/{z}/{x}/{-y}.png", tmp_path, subdomains="ab", tasks=tasks)
    assert source.url(source_key((2, 1, 0))) == "https://b.tile.example/2/1/3.png"
    with pytest.raises(ValueError):
        XyzTileSource("https://example/{z}/{x}.png", tmp_path, tasks=tasks)
    source.close()


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name text, value text)")
    conn.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)",
                     [("name", "test"), ("format", "png"), ("minzoom", "14"), ("maxzoom", "16"),
                      ("attribution", "<a href='https://osm.org'>© OpenStreetMap 贡献者</a>")])
    for (z, x, y), data in tiles.items():
        conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    conn.commit()
    conn.close()


def test_mbtiles_read_with_tms_flip(qtbot, tasks, tmp_path: Path) -> None:
    path = tmp_path / "area.mbtiles"
    body = png_bytes("#aa0000")
    make_mbtiles(path, {(15, 27300, 13300): body})
    assert read_tile(path, 15, 27300, 13300) == body
    assert read_tile(path, 15, 27300, (1 << 15) - 1 - 13300) is None
    assert read_metadata(path)["maxzoom"] == "16"
    source = MBTilesSource(path, decoder=_decode, tasks=tasks)
    meta: list[dict] = []
    source.metadata_ready.connect(meta.append)
    source.load_metadata()
    qtbot.waitUntil(lambda: bool(meta), timeout=5000)
    assert source.min_zoom == 14 and source.max_zoom == 16
    ready: list[object] = []
    missing: list[tuple[int, int, int]] = []
    source.tile_ready.connect(lambda z, x, y, img: ready.append(img))
    source.tile_missing.connect(lambda z, x, y: missing.append((z, x, y)))
    source.request(15, 27300, 13300)
    source.request(15, 1, 1)
    qtbot.waitUntil(lambda: bool(ready) and bool(missing), timeout=5000)
    assert isinstance(ready[0], QImage) and QColor(ready[0].pixel(5, 5)).name() == "#aa0000"
    assert threading.current_thread().name not in source.worker_threads
    source.close()


def test_display_projection_datum_shift() -> None:
    lat, lon = 32.02, 118.78
    wgs = DisplayProjection.centred(lat, lon)
    gcj = wgs.with_crs("gcj02")
    x0, y0 = wgs.to_xy(lat, lon)
    x1, y1 = gcj.to_xy(lat, lon)
    assert abs(float(x0)) < 1e-6 and abs(float(y0)) < 1e-6
    glat, glon = wgs84_to_gcj02(lat, lon)
    ex, ey = wgs84_to_mercator(glat, glon)
    assert float(x1) == pytest.approx(float(ex) - wgs.origin_x, abs=1e-6)
    assert float(y1) == pytest.approx(float(ey) - wgs.origin_y, abs=1e-6)
    assert 300 < float(np.hypot(x1, y1)) < 800  # GCJ-02 offset in Nanjing is a few hundred metres
    back_lat, back_lon = gcj.to_latlon(x1, y1)
    assert float(back_lat) == pytest.approx(lat, abs=1e-7) and float(back_lon) == pytest.approx(lon, abs=1e-7)
    tiles = wgs.tiles_for(-500, -500, 500, 500, 15)
    assert 4 <= len(tiles) <= 16 and all(t[0] == 15 for t in tiles)
    x, _y, w, h = wgs.tile_rect(*tiles[0])
    assert x <= 500 and x + w >= -500 and w == pytest.approx(h)
    assert zoom_for_resolution(156543.03 / 2**15) == 15


def test_heatmap_grid_sums_to_case_count() -> None:
    rng = np.random.default_rng(3)
    bbox = (32.0105, 118.77, 32.0285, 118.7965)
    lat = rng.uniform(bbox[0], bbox[2], 200)
    lon = rng.uniform(bbox[1], bbox[3], 200)
    lat[:50] = 32.02
    lon[:50] = 118.785
    outside = np.array([40.0, 32.02]), np.array([118.78, 100.0])
    grid = density_grid(np.concatenate([lat, outside[0]]), np.concatenate([lon, outside[1]]), bbox,
                        cell_m=25.0, bandwidth_m=80.0)
    assert grid.count == 200
    assert grid.total == pytest.approx(200.0, rel=1e-9)
    peak = grid.peak_latlon()
    assert peak is not None and abs(peak[0] - 32.02) < 0.0005 and abs(peak[1] - 118.785) < 0.0005
    weighted = density_grid([32.02], [118.785], bbox, weights=[3.0])
    assert weighted.total == pytest.approx(3.0)
    empty = density_grid([], [], bbox)
    assert empty.total == 0.0 and empty.peak_latlon() is None


def test_trail_buffer_window_and_polyline() -> None:
    buf = TrailBuffer(window_s=100.0, capacity=5)  # a sample at most every 20 s
    for t in range(0, 200, 10):
        buf.push(np.array([0, 1]), np.array([t, t], float), np.array([t, -t], float), np.array([0.0, 1.0]))
    assert buf.t[0, -1] == 180.0 and buf.t[0, -2] == 160.0
    x, _y, conn = buf.polyline(190.0, np.array([0]), np.array([190.0]), np.array([0.0]))
    assert list(x) == [100.0, 120.0, 140.0, 160.0, 180.0, 190.0]
    assert list(conn) == [1, 1, 1, 1, 1, 0]
    buf.remap(lambda a, b: (a + 1.0, b))
    assert buf.x[0, -1] == 181.0


# ------------------------------------------------------------------------------------------------ replay
T0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def _fix(unit: str, minutes: float, lat: float, lon: float) -> FixRow:
    return FixRow(unit, T0 + timedelta(minutes=minutes), lat, lon, 5.0, 90.0, "sim")


def test_replay_positions_from_store(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    rows = [_fix("O1", m, 32.02, 118.78 + m * 0.0001) for m in range(0, 61)]  # a fix per minute, eastwards
    rows += [_fix("O2", 0, 32.01, 118.77), _fix("O2", 30, 32.03, 118.79)]  # a 30-minute gap: held, not lerped
    rows += [_fix("V1", -10, 32.015, 118.775)]  # before the period: known from the start
    rows += [_fix("O3", 45, 32.0, 118.0)]  # appears later
    assert store.add_fixes(rows).result(10) == len(rows)
    history = HistoryService(store, tasks, max_gap_s=120)
    with qtbot.waitSignal(history.loaded, timeout=10000):
        history.load(T0, T0 + timedelta(hours=1))
    assert history.is_loaded and history.clock.start == T0.timestamp()

    frame = history.positions_at(T0 + timedelta(minutes=14, seconds=30))
    pos = dict(zip(frame.ids, zip(frame.lat, frame.lon, frame.age_s, strict=True), strict=True))
    assert set(pos) == {"O1", "O2", "V1"}
    assert pos["O1"][1] == pytest.approx(118.78 + 14.5 * 0.0001)  # interpolated between 14:00 and 15:00
    assert pos["O1"][2] == 0.0
    assert pos["O2"][:2] == (32.01, 118.77) and pos["O2"][2] == pytest.approx(14.5 * 60)
    assert pos["V1"][2] == pytest.approx(24.5 * 60)

    where = history.position_of("O1", T0 + timedelta(minutes=5))  # "where was O1 at 06:05"
    assert where is not None and where.lon == pytest.approx(118.7805) and where.lat == 32.02
    assert history.position_of("O3", T0 + timedelta(minutes=30)) is None
    later = history.position_of("O3", T0 + timedelta(minutes=50))
    assert later is not None and later.age_s == pytest.approx(300.0) and not later.interpolated
    assert history.position_of("nobody", T0) is None


def test_replay_case_events_and_clock(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.store.models import Case, CaseEvent

    def add(session):  # type: ignore[no-untyped-def]
        case = Case(code="AJ1", source="patrol", category="A01", category_name="占道经营", lat=32.02,
                    lon=118.78, status="closed", urgency=1, created_at=T0 + timedelta(minutes=10),
                    updated_at=T0 + timedelta(minutes=50), closed_at=T0 + timedelta(minutes=50))
        session.add(case)
        session.flush()
        for minutes, a, b in ((10, "", "new"), (20, "new", "dispatched"), (50, "dispatched", "closed")):
            session.add(CaseEvent(case_id=case.id, time=T0 + timedelta(minutes=minutes), actor="t",
                                  action="status", from_status=a, to_status=b))

    store.write(add)
    history = HistoryService(store, tasks)
    with qtbot.waitSignal(history.loaded, timeout=10000):
        history.load(T0, T0 + timedelta(hours=1))
    assert history.cases_at(T0 + timedelta(minutes=5)) == []
    assert [c["status"] for c in history.cases_at(T0 + timedelta(minutes=15))] == ["new"]
    assert [c["status"] for c in history.cases_at(T0 + timedelta(minutes=30))] == ["dispatched"]
    assert [c["status"] for c in history.cases_at(T0 + timedelta(minutes=55))] == ["closed"]
    assert [e[2] for e in history.case_events_between(T0, T0 + timedelta(minutes=30))] == ["new", "dispatched"]

    clock = history.clock
    clock.set_speed(600)
    assert clock.speed == 60.0
    clock.set_speed(0.1)
    assert clock.speed == 1.0
    clock.set_speed(60)
    clock.seek(T0 + timedelta(minutes=59, seconds=50))
    times: list[float] = []
    clock.time_changed.connect(times.append)
    with qtbot.waitSignal(clock.finished, timeout=5000):
        clock.play()
    assert not clock.playing and times[-1] == clock.end and times == sorted(times)
    clock.seek(T0 - timedelta(hours=1))
    assert clock.time == clock.start


# ------------------------------------------------------------------------------------------------ geofence
ZONE_A3 = MapZone("320104001003", "责任区A3", "责任区", ((32.0, 118.0), (32.0, 118.01), (32.01, 118.01),
                                                      (32.01, 118.0)))
NO_VENDING = MapZone("NV1", "中华路禁止设摊区", "禁止设摊区", ((32.02, 118.0), (32.02, 118.01), (32.03, 118.01),
                                                           (32.03, 118.0)))


def _pos(unit: str, lat: float, lon: float, minute: float, kind: str = "officer", name: str = "张三",
         status: str = "idle", sub_kind: str = "") -> UnitPosition:
    return UnitPosition(unit, kind, name, lat, lon, T0 + timedelta(minutes=minute), status=status,
                        sub_kind=sub_kind)


def test_geofence_enter_and_leave(qtbot) -> None:
    monitor = GeofenceMonitor([ZONE_A3, NO_VENDING])
    seen: list = []
    monitor.triggered.connect(seen.append)
    assert monitor.process([_pos("O1", 32.015, 118.005, 0)]) == []  # first sighting: silent
    events = monitor.process([_pos("O1", 32.025, 118.005, 1)])
    assert [(e.kind, e.target) for e in events] == [(ENTER, "NV1")]
    assert events[0].text == "执法队员 张三 进入中华路禁止设摊区"
    events = monitor.process([_pos("O1", 32.015, 118.005, 2)])
    assert [(e.kind, e.target_name) for e in events] == [(LEAVE, "中华路禁止设摊区")]
    assert seen == list(monitor.recent) and len(seen) == 2


def test_geofence_route_corridor(qtbot) -> None:
    monitor = GeofenceMonitor([ZONE_A3])
    route = [(32.005, 118.0), (32.005, 118.01)]  # an east-west street
    monitor.assign_route("V1", route, route_id="R3", name="作业路线R3", corridor_m=30)
    truck = dict(kind="vehicle", name="苏A12345", sub_kind="环卫车")
    assert monitor.process([_pos("V1", 32.005, 118.002, 0, **truck)]) == []
    assert monitor.process([_pos("V1", 32.0052, 118.004, 1, **truck)]) == []  # 22 m off: inside
    events = monitor.process([_pos("V1", 32.0065, 118.006, 2, **truck)])  # ~167 m off
    assert [e.kind for e in events] == [ROUTE_EXIT]
    assert events[0].text.startswith("环卫车 苏A12345 偏离作业路线R3 约1") and events[0].distance_m > 150
    assert monitor.process([_pos("V1", 32.0066, 118.007, 3, **truck)]) == []  # still off: no repeat
    events = monitor.process([_pos("V1", 32.005, 118.008, 4, **truck)])
    assert [e.kind for e in events] == [ROUTE_RETURN]


def test_geofence_post_absence(qtbot) -> None:
    monitor = GeofenceMonitor([ZONE_A3, NO_VENDING], post_tolerance_min=15)
    monitor.assign_post("O1", "320104001003")
    assert monitor.process([_pos("O1", 32.005, 118.005, 0)]) == []
    assert monitor.process([_pos("O1", 32.015, 118.005, 1)])[0].kind == LEAVE  # left A3 at 06:01
    assert monitor.process([_pos("O1", 32.016, 118.005, 10)]) == []  # 9 minutes: tolerated
    assert monitor.check(T0 + timedelta(minutes=12)) == []
    events = monitor.check(T0 + timedelta(minutes=16, seconds=30))  # no fix since, still reported
    assert [e.kind for e in events] == [POST_ABSENT]
    assert events[0].text == "执法队员 张三 离开责任区A3 已超过15分钟"
    assert monitor.check(T0 + timedelta(minutes=30)) == []  # once
    events = monitor.process([_pos("O1", 32.005, 118.005, 31)])
    assert [e.kind for e in events] == [ENTER, POST_RETURN]
    # dispatched to a case: away on purpose, no absence
    monitor.process([_pos("O1", 32.015, 118.005, 40, status="dispatched")])
    assert monitor.check(T0 + timedelta(minutes=80)) == []
    with pytest.raises(KeyError):
        monitor.assign_post("O2", "nope")


def test_geofence_rules_run_on_a_worker_and_their_events_come_back_to_the_gui_thread(qtbot, tasks) -> None:
    """At 2,000 units the rules were the GUI thread's largest job between paints: the server evaluates them on
    a lane, batches fed meanwhile are merged into one evaluation, and the dispatcher's list still gets every
    line, emitted on the GUI thread."""
    from commandcenter.runtime.tasks import GuiBridge

    monitor = GeofenceMonitor([ZONE_A3, NO_VENDING])
    lane, bridge = tasks.lane("geofence", 1), GuiBridge(None)
    gate = threading.Event()
    evaluated_on: list[threading.Thread] = []

    def run_off_thread(job, done) -> None:  # type: ignore[no-untyped-def]
        def held_job():  # type: ignore[no-untyped-def]
            gate.wait(5)  # the worker is busy with the previous batch while the next two arrive
            evaluated_on.append(threading.current_thread())
            return job()
        bridge.watch(lane.run(held_job), done)

    monitor.use_worker(run_off_thread)
    emitted: list[tuple[str, threading.Thread]] = []
    monitor.triggered.connect(lambda ev: emitted.append((ev.unit_id, threading.current_thread())))
    monitor.feed([_pos("O1", 32.015, 118.005, 0), _pos("O2", 32.015, 118.006, 0)])  # first sightings: silent
    gate.set()
    qtbot.waitUntil(lambda: len(evaluated_on) == 1, timeout=5000)
    gate.clear()
    monitor.feed([_pos("O1", 32.025, 118.005, 1)])
    monitor.feed([_pos("O2", 32.025, 118.006, 1, name="李四")])
    assert emitted == []  # nothing is evaluated on the GUI thread
    gate.set()
    qtbot.waitUntil(lambda: len(emitted) == 2, timeout=5000)
    assert sorted(unit for unit, _ in emitted) == ["O1", "O2"]
    assert all(thread is threading.main_thread() for _, thread in emitted)
    assert len(evaluated_on) == 2 and threading.main_thread() not in evaluated_on  # two feeds, one evaluation
    assert [e.text for e in monitor.recent] == ["执法队员 张三 进入中华路禁止设摊区", "执法队员 李四 进入中华路禁止设摊区"]
