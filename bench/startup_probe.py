"""Child process of bench_startup: starts the real demo GUI, reports first paint, then measures GUI stalls.

The window opens on the map (as ``restore_arrangement`` puts the last screen in front before the window shows),
so the first paint needs only the map; right after it every other screen is opened once and the map brought
back, so the stall is measured with all five screens built (the wall decoding its cameras behind the map), as
a dispatcher who has been through every screen has them.

Prints one JSON line: {"first_paint_at": unix time, "stall_max_ms", "stall_p99_ms", "ticks", "units_seen"}.
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

    from commandcenter.cli import GuiOptions
    from commandcenter.config import Config
    from commandcenter.demo.session import build_demo, use_demo_folders
    from widgets.app import make_application
    from widgets.main_window import MainWindow
    from widgets.screens import build_screens

    app = make_application("zh")
    config = Config()
    config.simulator.units = units
    options = GuiOptions(config=config, demo=True, language="zh")
    use_demo_folders()
    services = build_demo(config)  # the same composition as `commandcenter demo`
    services.start()
    gui = build_screens(services, options)
    window = MainWindow(gui.screens, services.status, docks=gui.docks,
                        settings=QSettings(os.devnull, QSettings.Format.IniFormat))
    result: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "first_paint_at" not in result:
                result["first_paint_at"] = time.time()
            return False

    spy = FirstPaint()
    window.installEventFilter(spy)
    window.tabs.currentWidget().installEventFilter(spy)
    window.resize(1920, 1080)
    window.show_screen("map")
    window.show()

    def open_every_screen() -> None:
        if "first_paint_at" not in result:
            QTimer.singleShot(50, open_every_screen)
            return
        for key in ("wall", "dispatch", "drones", "briefing", "map"):
            window.show_screen(key)
            app.processEvents()

    QTimer.singleShot(0, open_every_screen)
    lateness: list[float] = []
    state = {"expected": 0.0}
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)

    def tick() -> None:
        now = time.perf_counter()
        if state["expected"]:
            lateness.append(max(0.0, now - state["expected"]) * 1000)
        state["expected"] = now + 0.010

    def start_measuring() -> None:
        state["cpu_gui"], state["cpu_process"], state["wall"] = time.thread_time(), time.process_time(), time.time()
        timer.timeout.connect(tick)
        timer.start(10)
        QTimer.singleShot(int(seconds * 1000), stop_measuring)

    def stop_measuring() -> None:
        wall = time.time() - state["wall"]
        # CPU shares are what the load of other processes leaves unchanged: the GUI thread's own work, and the
        # whole process's (threads compete with the GUI thread for the interpreter lock).
        result["gui_thread_cpu_share"] = round((time.thread_time() - state["cpu_gui"]) / wall, 3)
        result["process_cpu_cores"] = round((time.process_time() - state["cpu_process"]) / wall, 3)
        app.quit()

    # Measure from the moment the demo is populated and running (units reporting), not during start-up.
    QTimer.singleShot(3000, start_measuring)
    app.exec()
    lateness.sort()
    out = {
        "first_paint_at": result.get("first_paint_at", 0.0),
        "stall_max_ms": round(lateness[-1], 1) if lateness else None,
        "stall_p99_ms": round(lateness[int(len(lateness) * 0.99) - 1], 1) if lateness else None,
        "stall_median_ms": round(lateness[len(lateness) // 2], 2) if lateness else None,
        "ticks": len(lateness),
        "units_seen": len(services.tracker.snapshot()),
        "gui_thread_cpu_share": result.get("gui_thread_cpu_share"),
        "process_cpu_cores": result.get("process_cpu_cores"),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    services.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
