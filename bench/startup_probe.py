"""Child process of bench_startup: starts the real demo GUI, reports first paint, then measures GUI stalls.

The window opens on the map (as ``restore_front`` puts the last screen in front before the window shows);
once the map has painted every other screen is opened once and the map brought
back, so the stall is measured with all five screens built (the wall decoding its cameras behind the map), as
a dispatcher who has been through every screen has them.

The window paints first and the services are composed behind that paint (``widgets.startup.Startup``, as
``commandcenter demo`` does); ``screen_ready_at`` is the first paint of the map screen itself, ``units_painted_at`` its first paint with the
city's units known to the tracker (on a new demo database they come once the simulated city's devices report).

Prints one JSON line: {"first_paint_at": unix time, "screen_ready_at", "stall_max_ms", "stall_p99_ms", "ticks",
"units_seen", …}.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    units = int(sys.argv[1])
    seconds = float(sys.argv[2])
    from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer

    from bench.stall_watch import StallWatch
    from commandcenter.cli import GuiOptions, _demo_composition
    from commandcenter.config import Config
    from commandcenter.runtime.gcguard import MainThreadGC
    from widgets.app import make_application
    from widgets.startup import Startup

    result: dict[str, float] = {"process_cpu_at_start": time.process_time()}
    app = make_application("zh")
    config = Config()
    config.simulator.units = units
    options = GuiOptions(config=config, demo=True, language="zh")
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
        QTimer.singleShot(3000, start_measuring)

    QTimer.singleShot(0, open_every_screen)
    lateness: list[float] = []
    state = {"expected": 0.0}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)

    watch = StallWatch() if os.environ.get("CC_STALL_CAUSES") else None

    def tick() -> None:
        if watch is not None:
            watch.beat()
        now = time.perf_counter()
        if state["expected"]:
            lateness.append(max(0.0, now - state["expected"]) * 1000)
        state["expected"] = now + 0.010

    def start_measuring() -> None:
        state["cpu_gui"], state["cpu_process"], state["wall"] = time.thread_time(), time.process_time(), time.time()
        if startup.services is not None:
            result["units_seen_at_start"] = len(startup.services.tracker.snapshot())
        timer.timeout.connect(tick)
        timer.start(10)
        if watch is not None:
            watch.start()
        QTimer.singleShot(int(seconds * 1000), stop_measuring)

    def stop_measuring() -> None:
        wall = time.time() - state["wall"]
        # CPU shares are what the load of other processes leaves unchanged: the GUI thread's own work, and the
        # whole process's (threads compete with the GUI thread for the interpreter lock).
        result["gui_thread_cpu_share"] = round((time.thread_time() - state["cpu_gui"]) / wall, 3)
        result["process_cpu_cores"] = round((time.process_time() - state["cpu_process"]) / wall, 3)
        app.quit()

    # Measure from the moment the demo is populated and running (units reporting), not during start-up.
    app.exec()
    lateness.sort()
    services = startup.services
    assert services is not None
    out: dict[str, object] = {
        "first_paint_at": result.get("first_paint_at", 0.0),
        "stall_max_ms": round(lateness[-1], 1) if lateness else None,
        "stall_p99_ms": round(lateness[int(len(lateness) * 0.99) - 1], 1) if lateness else None,
        "stall_median_ms": round(lateness[len(lateness) // 2], 2) if lateness else None,
        "ticks": len(lateness),
        "screen_ready_at": result.get("screen_ready_at", 0.0),
        "process_cpu_first_paint_s": round(result.get("process_cpu_first_paint_s", 0.0), 3),
        "process_cpu_screen_ready_s": round(result.get("process_cpu_screen_ready_s", 0.0), 3),
        "units_painted_at": result.get("units_painted_at", 0.0),
        "process_cpu_units_painted_s": round(result.get("process_cpu_units_painted_s", 0.0), 3),
        "units_seen": len(services.tracker.snapshot()),
        "units_seen_at_start": result.get("units_seen_at_start", 0),
        "gui_thread_cpu_share": result.get("gui_thread_cpu_share"),
        "process_cpu_cores": result.get("process_cpu_cores"),
        "load_average_1min": round(os.getloadavg()[0], 2),
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


if __name__ == "__main__":
    main()
