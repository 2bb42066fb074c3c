"""Video wall benchmark: decode cost against plain ffmpeg, camera→tile latency, GUI-thread stalls.

Everything runs on loopback against the GStreamer RTSP test server (720p25 H.264 clips with a burned-in frame
number), so numbers are comparable between machines of the same kind and need no network. Three parts:

* ``tiles``: for N = 1, 4, 9, 16 streams, decoded by the VideoService (PyAV, low-latency profile, scaled to the
  tile size of an N-tile 1920×1080 wall): delivered fps per tile (min, mean), process CPU % (100 = one core) and
  RSS; then the same N streams decoded by ``ffmpeg -f null -`` processes in the same run as the baseline, the two
  alternating for three rounds (the ratio is the median of the rounds': the machine is shared and noisy).
* ``latency``: the burned-in frame number of each delivered frame gives the time it left the server (the
  server paces frame tick t at ``epoch + t/fps``); latency = arrival − send; median and p90.
* ``gui``: a 4×4 WallScreen (offscreen) playing 16 streams while one camera is killed and restored; a 10 ms
  QTimer's lateness (max, p99) is the GUI thread's worst stall.

Goals (from the issue): 16 tiles ≥ 24 fps each, CPU ≤ 1.3× ffmpeg, latency median ≤ 150 ms, stall ≤ 50 ms.
``python -m bench.bench_video [--quick]`` prints the result as JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from commandcenter.config import CameraConfig
from commandcenter.demo.testserver import ClipSpec, RtspTestServer, make_clip, read_timecode
from commandcenter.video.walls import MonitorWalls

WALL = (1920, 1080)
FPS = 25


def _grid(n: int) -> int:
    side = 1
    while side * side < n:
        side += 1
    return side


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _proc_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _clip() -> Path:
    return make_clip(ClipSpec(label="基准测试 720p", width=1280, height=720, fps=FPS, seconds=10.0, gop=25,
                              variant=3, timecode=True))


def _measure_ours(server: RtspTestServer, n: int, tile: tuple[int, int], window: float,
                  warmup: float) -> dict[str, Any]:
    """CPU % of this process while N supervisors decode the N streams to tile size, and their fps."""
    from commandcenter.video.stream import LIVE, StreamSupervisor

    sups = [StreamSupervisor(server.url(i + 1), "tcp", tile, name=f"bench{i}") for i in range(n)]
    for sup in sups:
        sup.start()
    all_live = _wait(lambda: all(s.state == LIVE for s in sups), 20)
    time.sleep(warmup)
    frames0 = [s.status().frames for s in sups]
    cpu0, wall0 = time.process_time(), time.monotonic()
    time.sleep(window)
    cpu1, wall1 = time.process_time(), time.monotonic()
    frames1 = [s.status().frames for s in sups]
    rss = _rss_mb()
    elapsed = wall1 - wall0
    for sup in sups:
        sup.stop(wait=0.1)
    time.sleep(0.5)
    return {"all_live": all_live, "cpu": 100.0 * (cpu1 - cpu0) / elapsed, "rss": rss,
            "fps": [(b - a) / elapsed for a, b in zip(frames0, frames1, strict=True)]}


def _measure_ffmpeg(server: RtspTestServer, n: int, window: float, warmup: float) -> tuple[float, int]:
    """CPU % of N ``ffmpeg -f null`` processes decoding the same N streams, and how many stayed alive."""
    procs = [subprocess.Popen(["ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
                               "-i", server.url(i + 1), "-f", "null", "-"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(n)]
    try:
        time.sleep(warmup + 1.0)
        base0 = sum(_proc_cpu_seconds(p.pid) for p in procs)
        t0 = time.monotonic()
        time.sleep(window)
        base1 = sum(_proc_cpu_seconds(p.pid) for p in procs)
        return 100.0 * (base1 - base0) / (time.monotonic() - t0), sum(p.poll() is None for p in procs)
    finally:
        for p in procs:
            p.kill()
            p.wait()


def measure_tiles(n: int, window: float, warmup: float, rounds: int = 3) -> dict[str, Any]:
    """N RTSP streams through supervisors (what the VideoService runs per tile), then N ffmpeg processes.

    Why rounds: on a shared 2-core machine one pass each measured 1.30× and 1.43× for the same code an hour
    apart. Ours and ffmpeg alternate ``rounds`` times, each round's ratio taken from its two neighbouring
    windows, and the median ratio is reported (with every round's figures).
    """
    clip = _clip()
    side = _grid(n)
    tile = (WALL[0] // side, WALL[1] // side)
    per_round: list[dict[str, Any]] = []
    with RtspTestServer([clip] * n, fps=FPS) as server:
        for _ in range(rounds):
            ours = _measure_ours(server, n, tile, window, warmup)
            baseline, alive = _measure_ffmpeg(server, n, window, warmup)
            per_round.append({**ours, "ffmpeg": baseline, "alive": alive, "load": os.getloadavg()[0],
                              "ratio": ours["cpu"] / baseline if baseline > 0 else None})
    ratios = [r["ratio"] for r in per_round if r["ratio"] is not None]
    fps = [f for r in per_round for f in r["fps"]]
    return {"tiles": n, "tile_size": list(tile), "rounds": rounds,
            "all_live": all(r["all_live"] for r in per_round),
            "fps_min": round(min(fps), 2), "fps_mean": round(statistics.fmean(fps), 2),
            "cpu_percent": round(statistics.median(r["cpu"] for r in per_round), 1),
            "rss_mb": round(max(r["rss"] for r in per_round), 1),
            "ffmpeg_cpu_percent": round(statistics.median(r["ffmpeg"] for r in per_round), 1),
            "ffmpeg_processes_alive": min(r["alive"] for r in per_round),
            "cpu_ratio": round(statistics.median(ratios), 2) if ratios else None,
            "cpu_ratio_rounds": [round(r, 2) for r in ratios],
            "load_rounds": [round(r["load"], 2) for r in per_round]}


def measure_latency(duration: float, streams: int = 1) -> dict[str, Any]:
    """Arrival time minus send time of each delivered frame, from the burned-in frame number."""
    from commandcenter.video.stream import LIVE, StreamSupervisor

    clip = _clip()
    clip_frames = round(10.0 * FPS)
    samples: list[float] = []
    unreadable = 0
    with RtspTestServer([clip] * streams, fps=FPS) as server:
        sups = [StreamSupervisor(server.url(i + 1), "tcp", (640, 360)) for i in range(streams)]
        for sup in sups:
            sup.start()
        _wait(lambda: all(s.state == LIVE for s in sups), 20)
        time.sleep(1.0)
        seen: list[float] = [0.0] * streams
        end = time.monotonic() + duration
        while time.monotonic() < end:
            for i, sup in enumerate(sups):
                frame = sup.latest_frame()
                if frame is None or frame.arrival == seen[i]:
                    continue
                seen[i] = frame.arrival
                code = read_timecode(frame.image)
                if code is None:
                    unreadable += 1
                    continue
                # Tick t shows clip frame t % clip_frames and leaves at epoch + t / FPS: take the latest such
                # send time not after the arrival.
                ticks_now = int((frame.arrival - server.epoch) * FPS)
                tick = ticks_now - ((ticks_now - code) % clip_frames)
                samples.append(frame.arrival - (server.epoch + tick / FPS))
            time.sleep(0.002)
        for sup in sups:
            sup.stop(wait=0.1)
    ms = [s * 1000 for s in samples]
    return {"streams": streams, "frames": len(ms), "unreadable": unreadable,
            "median_ms": round(statistics.median(ms), 1) if ms else None,
            "p90_ms": round(_percentile(ms, 0.9), 1) if ms else None,
            "min_ms": round(min(ms), 1) if ms else None}


def measure_gui(duration: float, tiles: int = 16) -> dict[str, Any]:
    """GUI-thread lateness of a 10 ms timer while a WallScreen plays ``tiles`` streams; one camera is killed a
    third of the way in and restored at two thirds."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from commandcenter.runtime.tasks import TaskManager
    from commandcenter.video.layout import WallLayout, WallModel
    from commandcenter.video.service import VideoService
    from widgets.wall import WallScreen

    app = QApplication.instance() or QApplication(sys.argv[:1])
    clip = _clip()
    side = _grid(tiles)
    main = RtspTestServer([clip] * (tiles - 1), fps=FPS)
    lone = RtspTestServer([clip], fps=FPS)
    main.start()
    lone.start()
    cameras = [CameraConfig(id=f"b{i:02d}", name=f"基准{i:02d}", url=main.url(i + 1)) for i in range(tiles - 1)]
    cameras.append(CameraConfig(id="victim", name="断线测试", url=lone.url(1)))
    tasks = TaskManager(name="bench-video")
    video = VideoService(cameras, tasks=tasks)
    wall = WallModel(cameras, video, WallLayout.uniform(side))
    screen = WallScreen(video, wall, cameras, walls=MonitorWalls(cameras, video, wall))
    screen.resize(1600, 900)
    screen.show()
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, now - last[0] - 0.010))
        last[0] = now

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    pump(4.0)  # connect and settle before measuring
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(tick)
    events: dict[str, Any] = {}
    try:
        frames0 = [r["frames"] for r in wall.tiles_report()]
        cpu0, gui0, t0 = time.process_time(), time.thread_time(), time.monotonic()
        last[0] = time.perf_counter()
        probe.start()
        pump(duration / 3)
        # The bench kills and restarts the camera from another thread: the GUI thread must only see the effects.
        kill_at = time.monotonic()
        killer = threading.Thread(target=lone.stop)
        killer.start()
        offline_after = None
        while time.monotonic() - kill_at < duration / 3:
            pump(0.05)
            if offline_after is None and wall.tiles_report()[-1]["state"] == "offline":
                offline_after = time.monotonic() - kill_at
        killer.join()
        events["victim_state_after_kill"] = wall.tiles_report()[-1]["state"]
        events["victim_offline_after_s"] = round(offline_after, 2) if offline_after is not None else None
        restarter = threading.Thread(target=lone.restart)
        restore_at = time.monotonic()
        restarter.start()
        live_after = None
        while time.monotonic() - restore_at < duration / 3 + 20:
            pump(0.05)
            if live_after is None and wall.tiles_report()[-1]["state"] == "live":
                live_after = time.monotonic() - restore_at
            if live_after is not None and time.monotonic() - restore_at >= duration / 3:
                break
        events["victim_live_again_after_s"] = round(live_after, 2) if live_after is not None else None
        events["victim_state_end"] = wall.tiles_report()[-1]["state"]
        probe.stop()
        restarter.join()
        elapsed = time.monotonic() - t0
        cpu = 100.0 * (time.process_time() - cpu0) / elapsed
        gui_cpu = 100.0 * (time.thread_time() - gui0) / elapsed  # this (the GUI) thread alone
        report = wall.tiles_report()
        fps = [(r["frames"] - f0) / elapsed for r, f0 in zip(report[:-1], frames0[:-1], strict=True)]
    finally:
        screen.release_all()
        video.shutdown()
        tasks.stop()
        screen.close()
        main.stop()
        lone.stop()
    ms = [x * 1000 for x in lateness]
    return {"tiles": tiles, "duration_s": round(elapsed, 1), "timer_ticks": len(ms),
            "stall_max_ms": round(max(ms), 1) if ms else None, "stall_p99_ms": round(_percentile(ms, 0.99), 1),
            "cpu_percent": round(cpu, 1), "gui_thread_cpu_percent": round(gui_cpu, 1),
            "loadavg": os.getloadavg(), "fps_min_other_tiles": round(min(fps), 2),
            "fps_mean_other_tiles": round(statistics.fmean(fps), 2), **events}


def run(quick: bool = False) -> dict[str, Any]:
    """Run the benchmark and return its results (see the module docstring for what each number means)."""
    counts = (1, 4) if quick else (1, 4, 9, 16)
    window, warmup = (3.0, 1.0) if quick else (5.0, 2.0)
    # The load average is reported because other work on the machine skews every number here.
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()},
                              "clip": "1280x720 25 fps H.264 over RTSP/TCP"}
    result["tiles"] = [measure_tiles(n, window, warmup, rounds=1 if quick else 3) for n in counts]
    result["latency"] = measure_latency(4.0 if quick else 10.0)
    result["gui"] = measure_gui(6.0 if quick else 15.0, tiles=4 if quick else 16)
    result["machine"]["loadavg_after"] = os.getloadavg()
    last = result["tiles"][-1]
    result["goals"] = {
        "fps_per_tile_ge_24": last["tiles"] == 16 and last["fps_min"] >= 24,
        "cpu_le_1_3x_ffmpeg": last["cpu_ratio"] is not None and last["cpu_ratio"] <= 1.3,
        "latency_median_le_150ms": (result["latency"]["median_ms"] or 1e9) <= 150,
        "stall_le_50ms": (result["gui"]["stall_max_ms"] or 1e9) <= 50,
    }
    return result


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), ensure_ascii=False, indent=2))
