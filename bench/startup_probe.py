"""Child process of bench_startup: starts the real demo GUI, reports first paint, then measures GUI stalls.

The window opens on the map (as ``restore_front`` puts the last screen in front before the window shows);
once the map has painted every other screen is opened once and the map brought
back, so the stall is measured with all five screens built, as a dispatcher who has been through every screen
has them. The wall's streams were opened and, hidden behind the map, are read without decoding and then parked
(disconnected) after ``[ui] park_hidden_video_s`` (20 s by default), as on any seat: the populated window starts
later than that. ``CC_PROBE_KEEP_VIDEO=1`` keeps them connected (``park_hidden_video_s = 0``), to measure both.

The window paints first and the services are composed behind that paint (``widgets.startup.Startup``, as
``commandcenter demo`` does); ``screen_ready_at`` is the first paint of the map screen itself, ``units_painted_at`` its first paint with the
city's units known to the tracker (on a new demo database they come once the simulated city's devices report).

The stall is measured in two phases by the same 10 ms timer. The ramp: from every screen built until the
demo is populated (every simulated phone paired and on duty, no new unit on the map for 3 s), the bureau's
morning compressed into seconds (2,000 phones switching on, 2,000 units appearing). Then ``seconds`` of the
populated demo: ``stall_max_ms`` / ``stall_p99_ms``, the headline figures. Both are reported.

``--seat CONFIG``: the probe's window is a seat of a running server instead (``CONFIG`` has ``[bus]``; the
composition of ``commandcenter demo --config seat.toml``, a seat of the demo hall): no listener, no simulator,
no store writer in this process; positions arrive over the bus. :mod:`bench.bench_seat` runs it against the
hall's server.

Prints one JSON line: {"first_paint_at": unix time, "screen_ready_at", "stall_max_ms", "stall_p99_ms", "ticks",
"ramp_stall_max_ms", "ramp_stall_p99_ms", "populated_after_s", "units_seen", "stall_by_10s", …}.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


RAMP_LIMIT_S = 120.0  # the populated phase starts after this at the latest (a demo that never settles)


def main() -> None:
    units = int(sys.argv[1])
    seconds = float(sys.argv[2])
    seat_config = sys.argv[sys.argv.index("--seat") + 1] if "--seat" in sys.argv else ""
    from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer

    from bench.stall_watch import StallWatch
    from commandcenter.cli import GuiOptions, _demo_composition, _seat_composition
    from commandcenter.config import Config, load_config
    from commandcenter.runtime.gcguard import MainThreadGC
    from widgets.app import make_application
    from widgets.startup import Startup

    result: dict[str, float] = {"process_cpu_at_start": time.process_time()}
    video_at_start: dict[str, int] = {}  # the streams' states when the populated window starts
    app = make_application("zh")
    config = load_config(seat_config) if seat_config else Config()
    config.simulator.units = units
    if os.environ.get("CC_PROBE_KEEP_VIDEO") == "1":
        config.ui.park_hidden_video_s = 0.0  # the wall's hidden streams stay connected (a wall PC's setting)
    options = GuiOptions(config=config, demo=True, language="zh")
    if seat_config:  # as `commandcenter demo --config seat.toml`: the demo's folders and account, the seat's build
        from commandcenter.paths import DEMO, use_profile

        use_profile(DEMO)
        options.compose = _seat_composition(options)
    else:
        options.compose = _demo_composition(options)  # the same composition as `commandcenter demo`
    collector = MainThreadGC()  # as ``widgets.app.run``: collections on the GUI thread, start-up frozen
    startup = Startup(options, QSettings(os.devnull, QSettings.Format.IniFormat), options.compose,
                      collector=collector)
    window = startup.window

    class FirstPaint(QObject):
        """The window's first paint, then the first paint of the map screen itself (its units drawn)."""

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                if "first_paint_at" not in result:
                    result["first_paint_at"] = time.time()
                    result["process_cpu_first_paint_s"] = time.process_time()
                elif obj is not window and "screen_ready_at" not in result:
                    result["screen_ready_at"] = time.time()
                    result["process_cpu_screen_ready_s"] = time.process_time()
                if (obj is not window and "units_painted_at" not in result and startup.services is not None
                        and startup.services.tracker.snapshot()):
                    result["units_painted_at"] = time.time()  # the map painting with officers on it
                    result["process_cpu_units_painted_s"] = time.process_time()
            return False

    spy = FirstPaint()
    window.installEventFilter(spy)

    def watch_map() -> None:
        gui = startup.gui
        assert gui is not None
        gui.when_built("map", lambda screen: getattr(screen, "view", screen).viewport().installEventFilter(spy))

    startup.ready.connect(watch_map)
    window.resize(1920, 1080)
    window.show_screen("map")
    startup.compose_after_first_paint()
    window.show()
    services_holder = startup

    def open_every_screen() -> None:
        waiting_for_units = "units_painted_at" not in result and time.time() - result.get("first_paint_at", 0) < 60
        if "screen_ready_at" not in result or waiting_for_units:
            QTimer.singleShot(50, open_every_screen)
            return
        # CC_PROBE_SCREENS (comma-separated) narrows the screens opened, to find which one costs the stalls.
        screens = os.environ.get("CC_PROBE_SCREENS", "wall,dispatch,drones,briefing").split(",")
        for key in [*[s for s in screens if s], "map"]:
            window.show_screen(key)
            app.processEvents()
        # Measure the running demo with every screen built, not the building: on a loaded machine building the
        # other four screens takes longer than the 3 s the measurement used to wait.
        QTimer.singleShot(3000, start_ramp)

    QTimer.singleShot(0, open_every_screen)
    # Two phases, each timed by the same 10 ms timer: the "ramp" (every screen built, the city's phones switching
    # on and its units appearing: the bureau's morning, compressed into seconds) and then ``seconds`` of the
    # populated demo (every phone on duty, the number of units on the map steady), which is the headline figure.
    ramp: list[float] = []
    lateness: list[float] = []
    late_cpu: list[tuple[float, float]] = []  # (lateness ms, GUI-thread CPU ms in that stretch)
    late_at: list[tuple[float, float]] = []  # (seconds into the populated phase, lateness ms): where in time
    state = {"expected": 0.0, "started": 0.0, "ramp_started": 0.0, "units": -1.0, "units_since": 0.0}
    phase: list[list[float]] = [ramp]
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    sample_ms = float(os.environ.get("CC_STALL_INTERVAL_MS", "2"))  # coarser samples disturb the GUI less
    watch = StallWatch(interval_s=sample_ms / 1000.0) if os.environ.get("CC_STALL_CAUSES") else None

    def tick() -> None:
        if watch is not None and phase[0] is lateness:
            watch.beat()
        now = time.perf_counter()
        cpu_now = time.thread_time()
        if state["expected"]:
            late = max(0.0, now - state["expected"]) * 1000
            phase[0].append(late)
            if phase[0] is lateness:
                late_at.append((now - state["started"], late))
                if late > 16.0:  # how much of a late stretch the GUI thread itself spent on a CPU
                    late_cpu.append((late, (cpu_now - state["cpu_at_tick"]) * 1000))
        state["expected"] = now + 0.010
        state["cpu_at_tick"] = cpu_now

    def start_ramp() -> None:
        state["ramp_started"] = time.perf_counter()
        timer.timeout.connect(tick)
        timer.start(10)
        QTimer.singleShot(500, wait_until_populated)

    def populated() -> bool:
        """Every demo phone on duty and no new unit on the map for 3 s."""
        services = startup.services
        if services is None:
            return False
        now = time.perf_counter()
        units = len(services.tracker.snapshot())
        if units != state["units"]:
            state["units"], state["units_since"] = units, now
        phones = services.extra.get("phones")
        report = phones.report() if phones is not None and hasattr(phones, "report") else {}
        on_duty = not report or (report.get("phones", 0) > 0 and report.get("on_duty") == report.get("phones"))
        return on_duty and now - state["units_since"] >= 3.0

    def wait_until_populated() -> None:
        if populated() or time.perf_counter() - state["ramp_started"] > RAMP_LIMIT_S:
            result["populated_after_s"] = round(time.perf_counter() - state["ramp_started"], 1)
            start_measuring()
        else:
            QTimer.singleShot(500, wait_until_populated)

    def runqueue_wait_s() -> float:
        """Seconds the GUI thread has waited for a CPU so far (Linux schedstat): the machine's share of a stall."""
        try:
            with open(f"/proc/self/task/{threading.get_native_id()}/schedstat", encoding="ascii") as stat:
                return int(stat.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0

    moves = {"fixes": 0.0}

    def count_moves(positions: list[object]) -> None:
        """The map is live during the window: how many unit changes the tracker announced in it."""
        if phase[0] is lateness:
            moves["fixes"] += len(positions)

    def start_measuring() -> None:
        state["runqueue"] = runqueue_wait_s()
        state["cpu_gui"], state["cpu_process"], state["wall"] = time.thread_time(), time.process_time(), time.time()
        state["started"] = time.perf_counter()
        if startup.services is not None:
            result["units_seen_at_start"] = len(startup.services.tracker.snapshot())
            video = startup.services.video  # how the hidden wall's streams stand: parked, or read (not decoded)
            states = [video.status(camera, quality) for camera, quality in video.active_streams()]
            video_at_start.update(Counter(s.state for s in states if s is not None))
            startup.services.tracker.changed.connect(count_moves)
        phase[0] = lateness
        if watch is not None:
            watch.start()
        QTimer.singleShot(int(seconds * 1000), stop_measuring)

    def stop_measuring() -> None:
        wall = time.time() - state["wall"]
        # CPU shares are what the load of other processes leaves unchanged: the GUI thread's own work, and the
        # whole process's (threads compete with the GUI thread for the interpreter lock).
        result["gui_thread_cpu_share"] = round((time.thread_time() - state["cpu_gui"]) / wall, 3)
        result["gui_thread_runqueue_share"] = round((runqueue_wait_s() - state["runqueue"]) / wall, 3)
        result["process_cpu_cores"] = round((time.process_time() - state["cpu_process"]) / wall, 3)
        result["unit_changes_per_s"] = round(moves["fixes"] / wall, 1)
        app.quit()

    app.exec()
    if os.environ.get("CC_GC_TYPES"):  # which objects a full collection walks (those made since start-up)
        import gc
        kinds = Counter(type(o).__module__ + "." + type(o).__qualname__ for o in gc.get_objects())
        del kinds
        t0 = time.thread_time()
        gc.collect(2)
        full_ms = (time.thread_time() - t0) * 1000
        t0 = time.thread_time()
        gc.collect(2)
        again_ms = (time.thread_time() - t0) * 1000
        kinds = Counter(type(o).__module__ + "." + type(o).__qualname__ for o in gc.get_objects())
        print(json.dumps({"gc_tracked": sum(kinds.values()), "frozen": gc.get_freeze_count(),
                          "full_ms": full_ms, "again_ms": again_ms,
                          "top": kinds.most_common(25)}), file=sys.stderr)
    lateness.sort()
    ramp.sort()
    services = startup.services
    assert services is not None
    out: dict[str, object] = {
        "first_paint_at": result.get("first_paint_at", 0.0),
        "stall_max_ms": round(lateness[-1], 1) if lateness else None,
        "stall_p99_ms": round(lateness[int(len(lateness) * 0.99) - 1], 1) if lateness else None,
        "stall_median_ms": round(lateness[len(lateness) // 2], 2) if lateness else None,
        "ticks": len(lateness),
        "ramp_stall_max_ms": round(ramp[-1], 1) if ramp else None,
        "ramp_stall_p99_ms": round(ramp[int(len(ramp) * 0.99) - 1], 1) if ramp else None,
        "ramp_ticks": len(ramp),
        "populated_after_s": result.get("populated_after_s"),
        "screen_ready_at": result.get("screen_ready_at", 0.0),
        "process_cpu_first_paint_s": round(result.get("process_cpu_first_paint_s", 0.0), 3),
        "process_cpu_screen_ready_s": round(result.get("process_cpu_screen_ready_s", 0.0), 3),
        "units_painted_at": result.get("units_painted_at", 0.0),
        "process_cpu_units_painted_s": round(result.get("process_cpu_units_painted_s", 0.0), 3),
        "units_seen": len(services.tracker.snapshot()),
        "units_seen_at_start": result.get("units_seen_at_start", 0),
        "video_streams_at_start": video_at_start,
        "gui_thread_cpu_share": result.get("gui_thread_cpu_share"),
        "gui_thread_runqueue_share": result.get("gui_thread_runqueue_share"),
        "process_cpu_cores": result.get("process_cpu_cores"),
        "unit_changes_per_s": result.get("unit_changes_per_s"),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "stall_by_10s": _by_ten_seconds(late_at),
        # Late stretches (> 16 ms) and the GUI thread's own CPU in them: CPU ≈ late means our code was busy,
        # CPU ≪ late means it waited (the interpreter lock, a CPU).
        "late_stretches": len(late_cpu),
        "late_total_ms": round(sum(late for late, _ in late_cpu), 1),
        "late_gui_cpu_ms": round(sum(cpu for _, cpu in late_cpu), 1),
        "worst_late_cpu_ms": [[round(late, 1), round(cpu, 1)] for late, cpu in sorted(late_cpu)[-8:]],
    }
    if watch is not None:
        watch.stop()
        out["stall_causes"] = watch.report()
        # How the city's positions arrived (a run with few units positioned measures a lighter map)
        out["position_links"] = {d["id"]: {k: d.get(k) for k in ("state", "messages", "bad_messages",
                                                                  "refused_fixes", "refused_reasons", "last_error")}
                                 for d in services.devices.report() if d["id"] in ("jt808", "osmand")}
    services_holder.stop()
    collector.stop()
    print(json.dumps(out))


def _by_ten_seconds(late_at: list[tuple[float, float]]) -> list[dict[str, float]]:
    """Worst and p99 lateness of each 10 s of the measurement: start-up churn (phones pairing) shows early."""
    buckets: dict[int, list[float]] = {}
    for at, late in late_at:
        buckets.setdefault(int(at // 10), []).append(late)
    out = []
    for index in sorted(buckets):
        values = sorted(buckets[index])
        out.append({"from_s": index * 10, "ticks": len(values), "max_ms": round(values[-1], 1),
                    "p99_ms": round(values[max(0, int(len(values) * 0.99) - 1)], 1)})
    return out


if __name__ == "__main__":
    main()
