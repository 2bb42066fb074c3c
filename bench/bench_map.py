"""Map frame time with 10,000 moving units (1 Hz updates) and their trails, offscreen.

What is measured: the paint time of the map view — ``viewport().repaint()`` runs the whole QGraphicsView
paint synchronously (basemap paths, zones, labels, 10,000 markers, the trail curve) — once per 16 ms frame
slot, while every unit moves once a second through the real path (``UnitTracker.apply`` → coalesced
``changed`` → ``UnitLayer`` arrays → ``setData``). Every frame is forced to repaint fully, so this is a worst
case (a real idle map repaints only when something changed). Wall time (``frame_ms``) and the GUI thread's
CPU time in the paint (``frame_cpu_ms``, unaffected by other processes competing for the CPU) are both
reported, with the machine's load average. The per-second update work on the GUI thread
(the map's handling of the tracker's ``changed`` batch + scatter/trail rebuild) is reported separately as
``map_update_ms``; ``tracker_apply_ms`` is the tracker's own ``apply`` of 10,000 fixes (not map code).

Garbage is collected as in the application (``MainThreadGC`` on a GUI-thread timer, start-up frozen), so a
collection shows up between frames, as it does in the application, not inside a timed paint.

Trails are pre-filled with ``trail_minutes`` of history so the bench draws full-length trails from the first
frame, as a map that has been running for a while would.

Run: ``python -m bench.bench_map`` (prints JSON); ``run(quick=True)`` for a short version.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import UTC, datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np


def _percentiles(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=np.float64)
    if not len(arr):
        return {"median": 0.0, "p99": 0.0, "max": 0.0}
    return {"median": round(float(np.median(arr)), 2), "p99": round(float(np.percentile(arr, 99)), 2),
            "max": round(float(arr.max()), 2)}


def run(quick: bool = False, units: int = 10_000) -> dict[str, object]:
    """Build a 10,000-unit map, move everything at 1 Hz for a while, and time every frame's paint."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from commandcenter.config import MapConfig
    from commandcenter.geo.district import load_default_basemap
    from commandcenter.geo.streets import StreetGraph
    from commandcenter.mapdata.heatmap import HeatmapService
    from commandcenter.runtime.tasks import TaskManager
    from commandcenter.runtime.units import UnitInfo, UnitTracker
    from devices.base import PositionFix
    from widgets.map import MapScreen

    basemap = load_default_basemap()
    graph = StreetGraph.from_basemap(basemap)
    rng = random.Random(1)
    nodes = [graph.node_latlon(i) for i in range(graph.node_count)]
    n_vehicles = units // 5
    n_drones = min(50, units // 100)
    infos = []
    for i in range(units):
        if i < n_drones:
            infos.append(UnitInfo(f"D{i}", "drone", f"无人机{i}"))
        elif i < n_drones + n_vehicles:
            infos.append(UnitInfo(f"V{i}", "vehicle", f"苏A{i:05d}", sub_kind=rng.choice(
                ["环卫车", "执法车", "洒水车", "清扫车", "垃圾转运车", "巡逻电动车"])))
        else:
            infos.append(UnitInfo(f"O{i}", "officer", f"队员{i}",
                                  status=rng.choice(["idle", "idle", "dispatched", "handling", "resting"])))
    tracker = UnitTracker(store=None)
    tracker.register(infos)
    start = np.array([nodes[rng.randrange(len(nodes))] for _ in infos])
    lat, lon = start[:, 0].copy(), start[:, 1].copy()
    nprng = np.random.default_rng(2)
    v_lat = nprng.normal(0, 2e-5, units)  # ≈ 2 m/s random walk
    v_lon = nprng.normal(0, 2.4e-5, units)

    config = MapConfig(trail_minutes=10.0)
    tasks = TaskManager(name="bench-map")
    screen = MapScreen(tracker, basemap, config, [], heatmap=HeatmapService(None, tasks),
                       tasks=tasks)
    screen.resize(1600, 1000)
    screen.show()
    ids = [u.id for u in infos]

    def move(now: datetime) -> None:
        nonlocal lat, lon
        lat = lat + v_lat
        lon = lon + v_lon
        tracker.apply([PositionFix(uid, "sim", now, float(a), float(b), speed_kmh=7.0, heading=90.0)
                       for uid, a, b in zip(ids, lat, lon, strict=True)])

    move(datetime.now(UTC))
    for _ in range(5):
        app.processEvents()
        time.sleep(0.06)
    screen.fit_district()
    layer = screen.units
    # pre-fill trails with trail_minutes of history (capacity samples per unit)
    from commandcenter.mapdata.trails import TrailBuffer

    layer.trails = TrailBuffer(layer.trails.window_s, layer.trails.capacity)
    now_s = time.time()
    rows = np.arange(len(layer.ids))
    cap = layer.trails.capacity
    for k in range(cap, 0, -1):
        t = np.full(len(rows), now_s - k * layer.trails.min_interval_s - 1.0)
        layer.trails.push(rows, t, layer.x[rows] - v_lon[rows] * 95000 * k * 5,
                          layer.y[rows] - v_lat[rows] * 111000 * k * 5)
    layer.trail_drawing.dirty = True
    layer.trail_drawing.last_build = 0.0
    layer.flush()

    # Garbage is collected as in the application: on a GUI-thread timer (between frames, not inside a paint), with
    # what start-up built frozen out of the collector's walk (widgets/startup.py).
    from commandcenter.runtime.gcguard import MainThreadGC

    collector = MainThreadGC()
    collector.freeze(collect=True)
    seconds = 4 if quick else 15
    viewport = screen.view.viewport()
    paint_ms: list[float] = []
    update_ms: list[float] = []
    apply_ms: list[float] = []
    after_update_ms: list[float] = []  # the first paint after each 1 Hz update
    paint_cpu_ms: list[float] = []  # CPU time of the GUI thread in the paint: immune to other processes' load
    t_end = time.perf_counter() + seconds
    next_move = time.perf_counter()
    while time.perf_counter() < t_end:
        frame_start = time.perf_counter()
        if frame_start >= next_move:
            next_move += 1.0
            a0 = time.perf_counter()
            move(datetime.now(UTC))  # the tracker's work (decode → latest positions), not the map's
            apply_ms.append((time.perf_counter() - a0) * 1000.0)
            u0 = time.perf_counter()
            tracker._emit_changes()  # deliver now instead of waiting for the 50 ms coalescing tick
            layer.trail_drawing.last_build = 0.0
            layer.flush()
            update_ms.append((time.perf_counter() - u0) * 1000.0)
        updated = frame_start >= next_move - 1.0 and len(update_ms) > len(after_update_ms)
        app.processEvents()
        p0, c0 = time.perf_counter(), time.thread_time()
        viewport.repaint()
        paint_ms.append((time.perf_counter() - p0) * 1000.0)
        paint_cpu_ms.append((time.thread_time() - c0) * 1000.0)
        if updated:
            after_update_ms.append(paint_ms[-1])
        spare = 1 / 60 - (time.perf_counter() - frame_start)
        if spare > 0:
            time.sleep(spare)
    shown = layer.drawn_count()
    trail_points = len(layer.trail_item.xData) if layer.trail_item.xData is not None else 0
    result: dict[str, object] = {
        "bench": "map",
        "units": units,
        "units_drawn": shown,
        "trail_points": trail_points,
        "seconds": seconds,
        "frames": len(paint_ms),
        "frame_ms": _percentiles(paint_ms),
        "frame_cpu_ms": _percentiles(paint_cpu_ms),
        "frame_ms_after_update": _percentiles(after_update_ms),
        "map_update_ms": _percentiles(update_ms),
        "tracker_apply_ms": _percentiles(apply_ms),
        "goal_p99_ms": 16.0,
        "ok": _percentiles(paint_ms)["p99"] <= 16.0,
        "ok_cpu": _percentiles(paint_cpu_ms)["p99"] <= 16.0,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
    }
    collector.stop()
    screen.close()
    screen.deleteLater()
    tasks.stop()
    app.processEvents()
    return result


def main() -> int:
    quick = "--quick" in sys.argv
    print(json.dumps(run(quick=quick), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
