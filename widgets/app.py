"""The GUI runner behind ``commandcenter demo | run | snapshot``: QApplication, theme, language, screens.

Registered as the ``commandcenter.gui`` entry point, so the core's CLI can start the GUI without importing it.
Each screen is built by its own function from the core services of ``compose.build``; a screen that fails to build
shows why in its tab instead of taking the whole command center down.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commandcenter.cli import GuiOptions

if TYPE_CHECKING:
    from commandcenter.runtime.compose import Services

log = logging.getLogger(__name__)
# How long a thread running Python keeps the interpreter lock when another thread asks for it (CPython's default is
# 5 ms). The GUI thread asks for it on every call between Qt and Python — each item's paint and bounding rectangle
# in a map frame — and while a worker thread runs Python (the store writer, decoders, HTTP) every such call could
# wait the full interval: a frame of a few milliseconds of work took hundreds. 0.5 ms bounds each wait.
GUI_SWITCH_INTERVAL_S = 0.0005
SEAT_PICTURE_WAIT_S = 15.0  # a seat's snapshot waits at most this long past --after for the server's picture


def _prepare_platform(options: GuiOptions) -> None:
    """Snapshots (and display-less machines) render offscreen; everything else uses the real display."""
    if options.snapshot_out and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def make_application(language: str, theme: str = "dark") -> Any:
    """The QApplication with the command-center theme (``ui.theme``), CJK font and translations installed."""
    from commandcenter.runtime import pyside_imports

    pyside_imports.install()  # before the core's and the screens' imports (commandcenter/runtime/pyside_imports.py)
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    from commandcenter.i18n import install_language
    from widgets.theme import apply as apply_theme
    from widgets.wheelguard import install_wheel_guard

    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("commandcenter")
    app.setOrganizationName("commandcenter")
    app.setApplicationDisplayName("智慧城管指挥中心" if language == "zh" else "Smart Urban Management Command Center")
    families = set(QFontDatabase.families())
    for family in ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC"):
        if family in families:
            app.setFont(QFont(family, 11))
            break
    else:
        log.warning("no CJK font found: Chinese text may show as boxes (install fonts-noto-cjk)")
    apply_theme(app, theme)
    install_language(app, language)
    install_wheel_guard(app)
    return app


def run(options: GuiOptions) -> int:
    """The window opens at once; the services and screens are composed right after its first paint
    (:mod:`widgets.startup`). A snapshot (nobody watches it start) and ``run`` with its login dialog (no window
    before the person at the console is known) compose first."""
    _prepare_platform(options)
    app = make_application(options.language, options.config.ui.theme)
    from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer

    from commandcenter import paths
    from commandcenter.runtime.gcguard import MainThreadGC
    from widgets.startup import Startup

    collector = MainThreadGC()  # cyclic garbage holding Qt objects is freed on the GUI thread, never a worker's
    if options.demo:  # the demo's window arrangement lives in the demo's folder
        settings = QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)
    elif os.environ.get("CC_CONFIG_DIR"):
        settings = QSettings(str(Path(os.environ["CC_CONFIG_DIR"]) / "window.ini"), QSettings.Format.IniFormat)
    else:
        settings = QSettings("commandcenter", "commandcenter")
    needs_login = not options.demo and not options.snapshot_out
    startup = Startup(options, settings, lambda: _compose(options), authenticate=login if needs_login else None,
                      collector=collector)
    window = startup.window
    result = {"code": 0}
    if options.snapshot_out:
        window.resize(*options.size)
        window.show_screen(options.snapshot_screen)
    else:
        window.resize(1600, 960)
        window.restore_front()
        if options.start_screen:
            window.show_screen(options.start_screen)
    if options.snapshot_out or needs_login:  # nobody watches a snapshot start; a login comes before any window
        startup.compose()
    else:
        startup.compose_after_first_paint()

    def when_ready() -> None:
        gui, services = startup.gui, startup.services
        assert gui is not None and services is not None
        if not options.snapshot_out:  # the extra monitors' walls, as they were left, once the screens exist
            QTimer.singleShot(0, gui.restore_monitor_walls)
        if options.snapshot_out:
            from commandcenter.bus.bridge import ATTACHED, SeatSubscriber

            seat = services.extra.get(ATTACHED)

            def shoot() -> None:
                try:
                    take_snapshot(window, options, services)
                except Exception as exc:
                    log.exception("snapshot failed")
                    print(f"commandcenter snapshot: {exc}", file=sys.stderr)
                    result["code"] = 1
                app.quit()

            ready_by = time.monotonic() + options.snapshot_after + SEAT_PICTURE_WAIT_S

            def shoot_when_ready() -> None:
                """A seat's report is the server's picture: wait (a little) for the bridge's first one."""
                if isinstance(seat, SeatSubscriber) and not seat.ready and time.monotonic() < ready_by:
                    QTimer.singleShot(100, shoot_when_ready)
                    return
                shoot()

            QTimer.singleShot(int(options.snapshot_after * 1000), shoot_when_ready)
        elif options.run_for:
            QTimer.singleShot(int(options.run_for * 1000), window.close)

    if startup.services is not None and startup.gui is not None:  # composed already (a snapshot)
        when_ready()
    else:
        startup.ready.connect(when_ready)
    if startup.error is None and not startup.refused:
        window.show()
        app.exec()
    if startup.gui is not None and not options.snapshot_out:
        window.save_arrangement()
    window.hide()
    try:
        startup.stop()  # the screens' own shutdowns were registered last, so they stop first
    finally:
        collector.stop()
        window.deleteLater()  # gone with its screens (a refused login leaves no window behind in the process)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if startup.error is not None:
        raise startup.error
    return 1 if startup.refused else result["code"]


def _compose(options: GuiOptions) -> Services:
    """The application's services (not started): the caller's composition (the demo, a seat) or ``build``."""
    from commandcenter.runtime.compose import build

    if options.compose is not None:
        return options.compose()
    return build(options.config, basemap_path=options.basemap or None, layout=options.layout)


def after_first_paint(widget: Any, then: Callable[[], None]) -> None:
    """Run ``then`` on the GUI thread once ``widget`` has painted for the first time (work the first screen does
    not need waits until the person sees a window)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                widget.removeEventFilter(self)
                self.deleteLater()
                QTimer.singleShot(0, then)
            return False

    widget.installEventFilter(FirstPaint(widget))


def login(services: Services) -> bool:
    """Who is at the console: every action is bound to a person with the right to take it (real devices only;
    the demo runs as its documented 值班长 account). False when the dialog is cancelled."""
    from commandcenter.drones.remote import SEAT_LOGIN
    from commandcenter.enforcement.seats import SeatLogin
    from widgets.enforcement.login import LoginDialog

    auth = services.enforcement.auth
    seat = services.extra.get(SEAT_LOGIN)  # a seat's login also opens its session with the server
    if not any(not u.disabled for u in auth.users()):
        print("commandcenter run: no active user in this database yet; create the first one with\n"
              "  commandcenter user add NAME --role admin [--db URL]", file=sys.stderr)
        return False
    dialog = LoginDialog(seat if isinstance(seat, SeatLogin) else auth, username=services.config.ui.user)
    if dialog.exec() != LoginDialog.DialogCode.Accepted or dialog.user is None:
        return False
    services.operator.user, services.operator.role = dialog.user.username, dialog.user.role
    return True


def take_snapshot(window: Any, options: GuiOptions, services: Services) -> None:
    """Show the requested screen at the requested size, paint it, save PNG and the health report."""
    from PySide6.QtWidgets import QApplication

    window.show_screen(options.snapshot_screen)
    window.resize(*options.size)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:  # let layouts settle and the latest frames paint
        QApplication.processEvents()
        time.sleep(0.02)
    image = window.grab()
    width, height = options.size
    if (image.width(), image.height()) != (width, height):
        # The layout's minimum is larger than the requested size: fit the real rendering into exactly WxH.
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QColor, QPainter, QPixmap

        scaled = image.scaled(width, height, Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
        canvas = QPixmap(width, height)
        canvas.fill(QColor("#0f1720"))
        painter = QPainter(canvas)
        painter.drawPixmap((width - scaled.width()) // 2, (height - scaled.height()) // 2, scaled)
        painter.end()
        image = canvas
    out = Path(options.snapshot_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise OSError(f"could not write {out}")
    if options.report_out:
        report = services.report()
        report["screen"] = options.snapshot_screen
        report["png"] = str(out)
        Path(options.report_out).parent.mkdir(parents=True, exist_ok=True)
        Path(options.report_out).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str),
                                            encoding="utf-8")
    print(f"snapshot: {out} ({image.width()}x{image.height()})" +
          (f", report: {options.report_out}" if options.report_out else ""))


def screen_error(title: str, exc: BaseException) -> Any:
    """A tab that says why its screen could not be built (instead of no command center at all)."""
    from PySide6.QtWidgets import QLabel

    label = QLabel(f"{title}\n\n{type(exc).__name__}: {exc}")
    label.setWordWrap(True)
    label.setStyleSheet("color: #f85149; font-size: 18px; padding: 40px;")
    return label


Builder = Callable[..., Any]
