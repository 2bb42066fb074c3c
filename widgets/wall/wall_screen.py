"""The video wall screen: camera tree, layout/tour/alarm controls and the grid of tiles.

A layout of panels — :class:`~widgets.wall.camera_tree.CameraTree`, :class:`~widgets.wall.layout_controls.
LayoutControls` with the :class:`~widgets.wall.layout_controls.AlarmBar`, and the :class:`~widgets.wall.
tiles_grid.TilesGrid` — over :class:`commandcenter.video.layout.WallModel` (what each cell shows) and
:class:`commandcenter.video.service.VideoService` (streams and health). The walls of the other monitors get
their models from the composition's :class:`~commandcenter.video.walls.MonitorWalls` (``walls``) (none: no "Screens" button).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QComboBox, QInputDialog, QMenu, QMessageBox, QSplitter, QVBoxLayout, QWidget

from commandcenter.config import CameraConfig
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.video.layout import LayoutError, WallModel, resolve_layout
from commandcenter.video.service import VideoService
from commandcenter.video.walls import MonitorWalls
from widgets.wall.camera_tree import CameraTree
from widgets.wall.layout_controls import AlarmBar, LayoutControls
from widgets.wall.monitor_walls import MonitorWindows, screen_key
from widgets.wall.sync_playback import WallSyncPlayback
from widgets.wall.tile import VideoTile
from widgets.wall.tiles_grid import HIDDEN_DECODE_SIZE, REPAINT_HZ, TilesGrid

__all__ = ["HIDDEN_DECODE_SIZE", "REPAINT_HZ", "WallScreen", "screen_key"]
_wall_ids = itertools.count(1)


class WallScreen(QWidget):
    """Video wall. ``compact`` hides the camera tree and toolbar (extra monitors show only the grid)."""

    def __init__(self, video: VideoService, wall: WallModel, cameras: list[CameraConfig],
                 parent: QWidget | None = None, *, compact: bool = False,
                 walls: MonitorWalls | None = None) -> None:
        super().__init__(parent)
        self.video = video
        self.wall = wall
        self.cameras = list(cameras)
        self.compact = compact
        self.setWindowTitle(self.tr("Video wall"))
        names = {c.id: c.name or c.id for c in cameras}
        self.names = names
        self.grid = TilesGrid(video, wall, names, f"wall{next(_wall_ids)}", self)
        self.tree = CameraTree(self.cameras, self)
        self.controls = LayoutControls(wall, screens=walls is not None, parent=self)
        self.alarm_bar = AlarmBar(wall, names, self)
        self.monitors = MonitorWindows(wall, walls.for_monitor if walls is not None else _no_monitor_walls,
                                       self._compact_view)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(2)
        right_layout.addWidget(self.controls)
        right_layout.addWidget(self.alarm_bar)
        right_layout.addWidget(self.grid, 1)
        self._right_layout = right_layout
        self.sync: WallSyncPlayback | None = None  # 同步回放, once the seat's recordings are known
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 1000])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(splitter)
        if compact:
            self.tree.hide()
            self.controls.hide()
        self.tree.cameraActivated.connect(self.show_camera)
        self.controls.layout_chosen.connect(self.apply_layout)
        self.controls.save_requested.connect(self._ask_save_as)
        self.controls.screens_requested.connect(self.open_screen_walls)
        self.grid.menu_requested.connect(self._tile_menu)
        self.grid.extras_set.connect(self._offer_sync)
        self.controls.sync_requested.connect(self.toggle_sync)
        self._install_shortcuts()
        self.grid.rebuild()
        self.alarm_bar.refresh()
        wall.layoutChanged.connect(self._mark_tree)
        wall.cellChanged.connect(lambda _cell: self._mark_tree())
        self._mark_tree()

    @property
    def tiles(self) -> list[VideoTile]:
        return self.grid.tiles

    @property
    def layout_combo(self) -> QComboBox:
        return self.controls.layout_combo

    @property
    def screen_windows(self) -> list[QWidget]:
        return self.monitors.windows

    def _install_shortcuts(self) -> None:
        for n in range(1, 7):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            shortcut.activated.connect(lambda n=n: self.apply_layout(f"{n}x{n}"))
        QShortcut(QKeySequence("Ctrl+Shift+S"), self).activated.connect(self._ask_save_as)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(lambda: self.wall.toggle_single(None))
        QShortcut(QKeySequence("Ctrl+T"), self).activated.connect(self.controls.tour_button.click)
        QShortcut(QKeySequence("Ctrl+R"), self).activated.connect(self.toggle_sync)

    # -- public actions -------------------------------------------------------------------------------------------
    def apply_layout(self, spec: str) -> bool:
        """Switch to a layout by name or RxC; a bad layout file is explained, not applied."""
        try:
            layout = resolve_layout(spec)
        except LayoutError as exc:
            QMessageBox.warning(self, self.tr("Layout"), self.tr("Cannot load layout: %1").replace("%1", str(exc)))
            return False
        self.wall.set_layout(layout)
        self._save_arrangement()
        return True

    def save_layout_as(self, name: str) -> Path:
        path = self.wall.save_as(name)
        self.controls.fill_layouts()
        self._save_arrangement()
        return path

    def show_camera(self, camera_id: str) -> int | None:
        """Bring a camera onto the wall (tree double-click, a click on the map): the cell it already has, else
        the first empty cell, else the alarm cell. Returns the cell, or None for an unknown camera id."""
        if self.wall.camera(camera_id) is None:
            return None
        cell = self.wall.cell_of(camera_id)
        if cell is None:
            empty = [i for i, c in enumerate(self.wall.assignment) if c is None]
            cell = empty[0] if empty else self.wall.alarm_cell_index()
            self.wall.assign(cell, camera_id)
        if self.wall.single_cell is not None and self.wall.single_cell != cell:
            self.wall.toggle_single(None)
        return cell

    _show_camera_somewhere = show_camera  # the name the main window's map hook uses

    def snapshot(self, cell: int) -> None:
        self.grid.snapshot(cell)

    def toggle_sync(self) -> None:
        """同步回放 on/off: every recording tile plays the same moment under one timeline (none: not offered)."""
        if self.sync is not None:
            self.sync.toggle()
        self.controls.sync_button.setChecked(self.sync is not None and self.sync.active)

    def release_all(self) -> None:
        """Give every stream back to the service (the wall is closing), and close the other monitors' walls."""
        if self.sync is not None:
            self.sync.leave()
        self.grid.release_all()
        for window in self.monitors.windows:
            window.close()

    def open_screen_walls(self, layouts: dict[str, str] | None = None) -> list[QWidget]:
        """One frameless full-screen wall per other monitor (``layouts``: screen key → layout), saved."""
        return self.monitors.open(self.screen(), layouts)

    def restore_screen_walls(self) -> list[QWidget]:
        """Reopen the walls saved for monitors that are present now (nothing if none was saved)."""
        return self.monitors.restore(self.screen())

    # -- internals -------------------------------------------------------------------------------------------------
    def _offer_sync(self) -> None:
        """The seat reads recordings: the wall gets its synchronised timeline (under the tiles, hidden till used)."""
        recordings = self.grid.recordings
        if self.sync is not None:
            self.sync.leave()
        if recordings is None or self.compact:
            self.controls.sync_button.hide()
            return
        if self.sync is None:
            recording = {c.id for c in self.cameras if c.record != "off"}
            self.sync = WallSyncPlayback(self.grid, recordings, recording, self.names, self)
            self._right_layout.addWidget(self.sync.bar)
            self.sync.activeChanged.connect(self.controls.sync_button.setChecked)
            self.wall.layoutChanged.connect(self.sync.cameras_changed)
            self.wall.cellChanged.connect(lambda _cell: self.sync.cameras_changed() if self.sync else None)
        self.controls.sync_button.show()

    def _mark_tree(self) -> None:
        """Which cameras are on the wall, in the camera tree (after every layout or cell change)."""
        self.tree.mark_on_wall({camera: cell for cell, camera in enumerate(self.wall.assignment) if camera})

    def _ask_save_as(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Save layout as"), self.tr("Layout name:"),
                                        text=self.wall.layout.name)
        if ok and name.strip():
            try:
                self.save_layout_as(name.strip())
            except PermissionDenied as exc:  # refused (and audited) in the core
                QMessageBox.warning(self, self.tr("Save layout as"), self.tr(
                    "You may not save wall layouts (missing permission %1).").replace("%1", exc.permission))

    def _save_arrangement(self) -> None:
        if not self.compact:
            self.monitors.save(self.screen())

    def _compact_view(self, model: WallModel, window: QWidget) -> QWidget:
        view = WallScreen(self.video, model, self.cameras, window, compact=True)
        model.setParent(view)
        return view

    def _tile_menu(self, cell: int, where: QPoint) -> None:
        """Right click on a tile: per-cell tour, reconnect, snapshot, single view."""
        camera_id = self.wall.camera_at(cell)
        menu = QMenu(self)
        tour = menu.addAction(self.tr("Tour this cell through the selected group"))
        tour.triggered.connect(lambda: self.controls.start_cell_tour(cell))
        stop = menu.addAction(self.tr("Stop tour"))
        stop.setEnabled(self.wall.tour is not None)
        stop.triggered.connect(self.wall.stop_tour)
        menu.addSeparator()
        single = menu.addAction(self.tr("Single view (main stream)"))
        single.triggered.connect(lambda: self.wall.toggle_single(cell))
        if camera_id and not self.wall.is_missing(camera_id):
            quality = self.wall.quality_of(cell)
            retry = menu.addAction(self.tr("Reconnect now"))
            retry.triggered.connect(lambda: self.video.reconnect_now(camera_id, quality))
            snap = menu.addAction(self.tr("Snapshot"))
            snap.triggered.connect(lambda: self.grid.snapshot(cell))
        clear = menu.addAction(self.tr("Clear cell"))
        clear.triggered.connect(lambda: self.wall.assign(cell, None))
        menu.popup(where)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not event.spontaneous():  # a tab switch or a closed window, not an iconified desktop
            self.grid.set_wall_hidden(True)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.grid.set_wall_hidden(False)

    def closeEvent(self, event: object) -> None:
        self.release_all()
        super().closeEvent(event)  # type: ignore[arg-type]


def _no_monitor_walls(key: str, layout: object) -> WallModel:
    raise RuntimeError(f"this wall was built without the other monitors' walls (walls); cannot open one on {key}")
