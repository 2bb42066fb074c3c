"""Start-up: the window paints first, the services and the screens come right behind it.

Why: composing the command center (the database opened, upgraded or created; the demo's loopback servers and the
simulated city; device links; every core service) took seconds of a blank desktop, and none of it is needed to
show the window. So the window opens at once with the screen that will be in front saying that the command center
is starting (what this module imports is Qt and the window alone: the core's imports come after the first paint),
and the composition runs right after that first paint; then each screen's place gets its :class:`LazyScreen`, and
the one in front is built as before (the others when first shown).

Snapshots (nobody watches them start) and `run` with its login dialog (no window before the person at the console
is known) compose before the window shows, with the same code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from commandcenter.cli import GuiOptions
from widgets.main_window import SCREEN_ORDER, MainWindow

if TYPE_CHECKING:
    from commandcenter.runtime.compose import Services
    from commandcenter.runtime.gcguard import MainThreadGC
    from widgets.screens import Gui

log = logging.getLogger(__name__)


class ScreenSlot(QWidget):
    """A screen's tab before the services exist: says the command center is starting; :meth:`fill` puts the
    screen's own place in (it builds when shown, as every screen does)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.content: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.notice = QLabel(self.tr("Starting the command center: database, devices and services …"))
        self.notice.setObjectName("starting")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setStyleSheet("font-size: 20px; color: #8b949e;")
        layout.addWidget(self.notice)

    def fill(self, screen: QWidget) -> None:
        layout = self.layout()
        assert layout is not None
        layout.removeWidget(self.notice)
        self.notice.deleteLater()
        layout.addWidget(screen)
        self.content = screen
        screen.setVisible(True)  # a LazyScreen builds now when this slot is the tab in front


class Startup(QObject):
    """The main window at once, the composition behind its first paint (see the module docstring).

    ``compose`` (the application's services, not yet started) and ``authenticate`` (who is at the console; False:
    cancelled) run in :meth:`compose`. After it: ``services``/``gui`` are set and ``ready`` emitted, or ``error``
    holds what went wrong, or ``refused`` is True (the login was cancelled)."""

    ready = Signal()

    def __init__(self, options: GuiOptions, settings: QSettings, compose: Callable[[], Services],
                 authenticate: Callable[[Services], bool] | None = None,
                 collector: MainThreadGC | None = None) -> None:
        super().__init__()
        self.collector = collector
        self.options = options
        self._compose = compose
        self._authenticate = authenticate
        self.services: Services | None = None
        self.gui: Gui | None = None
        self.error: BaseException | None = None
        self.refused = False
        self.started = time.monotonic()
        self.slots = {key: ScreenSlot(key) for key in SCREEN_ORDER}
        self.window = MainWindow(dict(self.slots), self._status, settings=settings)

    def _status(self) -> dict[str, str]:
        return self.services.status() if self.services is not None else {}

    def compose_after_first_paint(self) -> None:
        """Compose once the window has painted (the person sees the window first)."""
        from widgets.app import after_first_paint

        after_first_paint(self.window, self.compose)

    def compose(self) -> None:
        """Build and start the services, log in when needed, put the screens into the window."""
        try:
            self._compose_now()
        except BaseException as exc:  # handed to ``run`` once the event loop has stopped
            log.exception("the command center could not start")
            self.error = exc
            QApplication.quit()

    def _compose_now(self) -> None:
        services = self._compose()  # first: a composition may start its slow disk work before the core's imports
        self.services = services
        from commandcenter.bus.bridge import ATTACHED, SeatSubscriber
        from widgets.screens import build_screens

        # Watched start-up: the screen in front is built and painted before the services start (listeners, device
        # links, the demo's simulator and seeding), which that first frame does not need. A login or a snapshot
        # composes before the window shows: there the services start first, as before.
        start_after_paint = self.window.isVisible() and self._authenticate is None
        if not start_after_paint:
            services.start()
        if self._authenticate is not None and not self._authenticate(services):
            self.refused = True
            QApplication.quit()
            return
        gui = build_screens(services, self.options)
        self.gui = gui
        for key, slot in self.slots.items():
            if key in gui.screens:
                slot.fill(gui.screens[key])
        window = self.window
        window.add_docks(gui.docks)
        if not self.options.snapshot_out:  # a snapshot shows its screen as asked, not as the window was left
            window.restore_rest()
        seat = services.extra.get(ATTACHED)  # a seat's bus bridge: 总线离线 / 服务器离线 in the status bar
        if isinstance(seat, SeatSubscriber):
            window.status_line.set_link(seat)
        window.status_line.refresh()
        if start_after_paint:
            self._after_front_paint(self._start_services)
        else:
            self._started(services)
        self.ready.emit()

    def _after_front_paint(self, then: Callable[[], None]) -> None:
        """``then`` once the screen in front has painted with its content (the slot of the front screen holds the
        built screen now), or at once when no screen of the window is in front."""
        from widgets.app import after_first_paint

        front = self.window.current_key()
        slot = self.slots.get(front) if front else None
        target = slot.content if slot is not None and slot.content is not None else None
        if target is None or not target.isVisible():
            QTimer.singleShot(0, then)
            return
        after_first_paint(target, then)

    def _start_services(self) -> None:
        """The services start behind the first painted screen (its construction needed none of them running)."""
        services = self.services
        if services is None:
            return
        try:
            services.start()
        except BaseException as exc:  # handed to ``run`` once the event loop has stopped, as a failed compose
            log.exception("the command center could not start")
            self.error = exc
            QApplication.quit()
            return
        self._started(services)

    def _started(self, services: Services) -> None:
        """Said in the log; what start-up built stays out of the garbage collector's walk from now on."""
        from widgets.screens import LazyScreen

        log.info("command center up in %.2f s (%s, %s)", time.monotonic() - self.started,
                 "demo" if self.options.demo else self.options.config.source, services.store.description)
        gui = self.gui
        if self.collector is not None and gui is not None:  # start-up's and each screen build's objects stay
            collector = self.collector
            collector.freeze(collect=True)
            for place in gui.screens.values():
                if isinstance(place, LazyScreen):
                    place.built.connect(lambda _screen: collector.freeze())

    def stop(self) -> None:
        """Stop what was started (the screens' shutdowns were registered last, so they stop first)."""
        if self.services is not None:
            self.services.stop()
