"""Walls on the other monitors: one frameless full-screen wall per monitor, each with its own layout and
cameras; the arrangement is saved and reopened at the next start."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QVBoxLayout, QWidget

from commandcenter.video.arrangement import ScreenWall, load_arrangement, save_arrangement
from commandcenter.video.layout import LayoutError, WallLayout, WallModel, resolve_layout

WallFactory = Callable[[str, WallLayout], WallModel]  # the composition's: a model for a monitor (key) and layout
ViewFactory = Callable[[WallModel, QWidget], QWidget]  # a compact wall view of a model, inside a window
DEFAULT_LAYOUT = "3x3"


def screen_key(screen: QScreen) -> str:
    """Stable-enough identity of a monitor: its name plus position (two identical monitors share a name)."""
    geometry = screen.geometry()
    return f"{screen.name()}@{geometry.x()},{geometry.y()}"


class MonitorWindows:
    """The extra monitors' wall windows of one main wall (``main``: the model shown on the main window's monitor)."""

    def __init__(self, main: WallModel, make_model: WallFactory, make_view: ViewFactory) -> None:
        self.main = main
        self.make_model = make_model
        self.make_view = make_view
        self.windows: list[QWidget] = []
        self.models: dict[str, WallModel] = {}  # screen key → the model shown there

    def open(self, own: QScreen | None, layouts: dict[str, str] | None = None) -> list[QWidget]:
        """A wall on every monitor but ``own``; ``layouts``: screen key → layout (else the saved one, else 3x3)."""
        self.close()
        saved = {w.screen: w for w in load_arrangement()}
        for screen in QGuiApplication.screens():
            if screen is own:
                continue
            key = screen_key(screen)
            spec = (layouts or {}).get(key) or (saved[key].layout if key in saved else DEFAULT_LAYOUT)
            try:
                layout = resolve_layout(spec)
            except LayoutError:
                layout = resolve_layout(DEFAULT_LAYOUT)
            model = self.make_model(key, layout)
            if key in saved and saved[key].cameras and len(saved[key].cameras) == len(model.assignment):
                for cell, camera_id in enumerate(saved[key].cameras):
                    model.assign(cell, camera_id)
            window = QWidget(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
            window.setWindowTitle(QCoreApplication.translate("MonitorWalls", "Video wall") + f" — {screen.name()}")
            box = QVBoxLayout(window)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(self.make_view(model, window))
            window.setGeometry(screen.geometry())
            window.showFullScreen()
            model.layoutChanged.connect(lambda: self.save(own))
            model.cellChanged.connect(lambda _cell: self.save(own))
            self.windows.append(window)
            self.models[key] = model
        self.save(own)
        return self.windows

    def restore(self, own: QScreen | None) -> list[QWidget]:
        """Reopen the walls saved for monitors that are present now (nothing if none was saved); the main wall
        gets back the layout it had on its own monitor."""
        saved = load_arrangement()
        present = {screen_key(s) for s in QGuiApplication.screens()}
        own_key = screen_key(own) if own is not None else ""
        for wall in saved:
            if wall.screen == own_key and wall.layout and wall.layout != self.main.layout.name:
                try:
                    self.main.set_layout(resolve_layout(wall.layout))
                except LayoutError:
                    pass
        if not any(w.screen in present and w.screen != own_key for w in saved):
            return []
        return self.open(own, {w.screen: w.layout for w in saved})

    def save(self, own: QScreen | None) -> None:
        """Remember what every monitor shows (the main wall's monitor included)."""
        walls = []
        if own is not None:
            walls.append(ScreenWall(screen_key(own), self.main.layout.name, list(self.main.assignment)))
        for key, model in self.models.items():
            walls.append(ScreenWall(key, model.layout.name, list(model.assignment)))
        if walls:
            save_arrangement(walls)

    def close(self) -> None:
        for window in self.windows:
            window.close()
        self.windows = []
        self.models = {}
