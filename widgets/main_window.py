"""The main window: five screens as tabs (F1–F5), each detachable to its own top-level window on another monitor.

The window owns no logic: it arranges screens built elsewhere (``widgets.app``) and docks, and persists where
everything was (geometry, dock state, which screens were detached and where) with QSettings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QStatusBar,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.bus.api import BusState
from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer

if TYPE_CHECKING:
    from commandcenter.bus.bridge import SeatSubscriber

SCREEN_ORDER = ("wall", "map", "dispatch", "drones", "briefing", "replay")


def screen_title(key: str) -> str:
    """Translated tab title of a screen (context 'MainWindow' so one .ts entry serves every window)."""
    from PySide6.QtCore import QCoreApplication

    titles = {
        "wall": QCoreApplication.translate("MainWindow", "Video wall"),
        "map": QCoreApplication.translate("MainWindow", "Map"),
        "dispatch": QCoreApplication.translate("MainWindow", "Dispatch"),
        "drones": QCoreApplication.translate("MainWindow", "Drones"),
        "briefing": QCoreApplication.translate("MainWindow", "Leadership briefing"),
        "replay": QCoreApplication.translate("MainWindow", "Incident replay"),
    }
    return titles[key]


class ScreenWindow(QWidget):
    """A screen shown in its own top-level window; closing it puts the screen back into the main window."""

    closed = Signal(str)

    def __init__(self, key: str, screen: QWidget) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.key = key
        # The application's name in the MainWindow context (an f-string hides self.tr from lupdate, which left
        # this half of the title untranslated).
        app_name = QCoreApplication.translate("MainWindow", "Smart urban management command center")
        self.setWindowTitle(f"{screen_title(key)} — {app_name}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(screen)
        screen.show()

    def take_screen(self) -> QWidget:
        layout = self.layout()
        item = layout.itemAt(0) if layout is not None else None
        screen = item.widget() if item is not None else None
        if layout is None or screen is None:
            raise RuntimeError(f"the window of screen {self.key!r} holds no screen")
        layout.removeWidget(screen)
        return screen

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit(self.key)
        super().closeEvent(event)


class StatusLine(QStatusBar):
    """Clock, user and role, device health (online/total), database in use. Refreshed once a second.

    On a seat (``link``: its bus bridge) also 总线离线 / 服务器离线 while the broker or the server is gone, shown
    the moment the bridge says so (not on the next tick); the screens keep their last picture meanwhile.
    """

    def __init__(self, source: Callable[[], dict[str, str]], parent: QWidget | None = None,
                 link: SeatSubscriber | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self.link = link
        self.clock = QLabel()
        self.user = QLabel()
        self.devices = QLabel()
        self.database = QLabel()
        # A seat's link to the hall: shown only while broken (the last picture stays on screen meanwhile).
        self.bus = QLabel(self.tr("Bus offline"))
        self.server = QLabel(self.tr("Server offline"))
        for label in (self.bus, self.server):
            label.setObjectName("offline")
            label.setStyleSheet("color: #ffffff; background: #b62324; padding: 0 8px; font-weight: bold;")
            label.setToolTip(self.tr("The last known picture is shown; it updates again by itself when the "
                                     "connection is back"))
            label.hide()
            self.addPermanentWidget(label)
        for label in (self.user, self.devices, self.database):
            self.addWidget(label)
        self.addPermanentWidget(self.clock)
        if link is not None:
            self.set_link(link)
        self._timer = PhasedTimer(1000, PHASES_MS["status.refresh"], self.refresh, self)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        info = self._source()
        self.clock.setText(info.get("clock", ""))
        self.user.setText(self.tr("User: %1").replace("%1", info.get("user", "")))
        devices = info.get("devices", "")
        if self.link is not None:  # a seat counts the server's devices, as its device health dock lists them
            entries = self.link.devices_report()
            cameras_online, _, cameras_open = info.get("cameras", "0/0").partition("/")  # the seat's own streams
            devices = (f"{sum(entry.get('state') == 'online' for entry in entries) + int(cameras_online or 0)}/"
                       f"{len(entries) + int(cameras_open or 0)}")
        self.devices.setText(self.tr("Devices online: %1").replace("%1", devices))
        self.database.setText(self.tr("Database: %1").replace("%1", info.get("database", "")))
        if self.link is not None:
            self.bus.setVisible(self.link.bus_state is not BusState.CONNECTED)
            self.server.setVisible(self.link.server_state != "online")

    def set_link(self, link: SeatSubscriber) -> None:
        """Follow a seat's bus bridge (given late when the window opened before the services)."""
        self.link = link
        link.server_state_changed.connect(self._link_changed)
        link.bus.state_changed.connect(self._link_changed)

    @Slot(object)
    def _link_changed(self, _state: object) -> None:
        self.refresh()


class MainWindow(QMainWindow):
    """Tabs of screens, F1–F5, detach/attach, docks, persistent arrangement."""

    def __init__(self, screens: dict[str, QWidget], status_source: Callable[[], dict[str, str]],
                 docks: dict[str, QWidget] | None = None, settings: QSettings | None = None,
                 link: SeatSubscriber | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle(self.tr("Smart urban management command center"))
        self.screens = screens
        self.settings = settings or QSettings("commandcenter", "commandcenter")
        self.detached: dict[str, ScreenWindow] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("screens")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        for key in SCREEN_ORDER:
            if key in screens:
                self.tabs.addTab(screens[key], screen_title(key))
        detach = QToolButton()
        detach.setText(self.tr("Open in own window"))
        detach.setToolTip(self.tr("Show the current screen in its own window (e.g. on another monitor)"))
        detach.clicked.connect(lambda: self.detach(self.current_key()))
        self.tabs.setCornerWidget(detach, Qt.Corner.TopRightCorner)
        self.status_line = StatusLine(status_source, self, link=link)
        self.setStatusBar(self.status_line)
        self._dock_widgets: dict[str, QDockWidget] = {}
        view_menu = self.menuBar().addMenu(self.tr("View"))
        self._view_menu = view_menu
        for i, key in enumerate(SCREEN_ORDER):
            if key not in screens:
                continue
            # The one action per screen and key: application-wide, so F1–F5 also work from a detached screen's
            # window (a second action on the same key makes Qt refuse both as "Ambiguous shortcut overload").
            act = QAction(screen_title(key), self)
            act.setShortcut(QKeySequence(f"F{i + 1}"))
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            act.triggered.connect(lambda _=False, k=key: self.show_screen(k))
            view_menu.addAction(act)
        view_menu.addSeparator()
        self.add_docks(docks or {})

    def add_docks(self, docks: dict[str, QWidget]) -> None:
        """Dock ``docks`` on the right, each with its toggle in the View menu (a window opened before the services
        exist gets them once they do)."""
        for name, widget in docks.items():
            dock = QDockWidget(widget.windowTitle() or name, self)
            dock.setObjectName(f"dock-{name}")
            dock.setWidget(widget)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self._dock_widgets[name] = dock
            self._view_menu.addAction(dock.toggleViewAction())

    def current_key(self) -> str:
        widget = self.tabs.currentWidget()
        for key, screen in self.screens.items():
            if screen is widget:
                return key
        return ""

    def show_screen(self, key: str) -> None:
        """Bring a screen to front: its tab, or its own window when detached."""
        if key in self.detached:
            win = self.detached[key]
            win.show()
            win.raise_()
            win.activateWindow()
            return
        self.tabs.setCurrentWidget(self.screens[key])

    def detach(self, key: str, geometry: QByteArray | None = None) -> ScreenWindow | None:
        if not key or key in self.detached or key not in self.screens:
            return None
        screen = self.screens[key]
        self.tabs.removeTab(self.tabs.indexOf(screen))
        win = ScreenWindow(key, screen)
        win.closed.connect(self.attach)
        self.detached[key] = win
        if geometry is not None:
            win.restoreGeometry(geometry)
        else:
            win.resize(1280, 800)
        win.show()
        return win

    def attach(self, key: str) -> None:
        win = self.detached.pop(key, None)
        if win is None:
            return
        screen = win.take_screen()
        index = sum(1 for k in SCREEN_ORDER[: SCREEN_ORDER.index(key)] if k in self.screens and k not in self.detached)
        self.tabs.insertTab(index, screen, screen_title(key))
        self.tabs.setCurrentWidget(screen)

    # --------------------------------------------------------------------------------------- persistence
    def save_arrangement(self) -> None:
        s = self.settings
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/state", self.saveState())
        s.setValue("main/current", self.current_key())
        s.setValue("main/detached", list(self.detached))
        for key, win in self.detached.items():
            s.setValue(f"detached/{key}", win.saveGeometry())
        s.sync()

    def restore_arrangement(self) -> None:
        self.restore_front()
        self.restore_rest()

    def restore_front(self) -> None:
        """Where the window was and which screen was in front: all the first paint needs."""
        s = self.settings
        geometry = s.value("main/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        current = s.value("main/current")
        if isinstance(current, str) and current in self.screens:
            self.show_screen(current)

    def restore_rest(self) -> None:
        """The docks' state and the screens detached to their own windows (once docks and screens exist)."""
        s = self.settings
        state = s.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        detached = s.value("main/detached") or []
        if isinstance(detached, str):
            detached = [detached]
        for key in detached:
            geo = s.value(f"detached/{key}")
            self.detach(str(key), geo if isinstance(geo, QByteArray) else None)
        current = s.value("main/current")
        if isinstance(current, str) and current in self.screens and current not in self.detached:
            self.show_screen(current)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_arrangement()
        for win in list(self.detached.values()):
            win.hide()
        super().closeEvent(event)
