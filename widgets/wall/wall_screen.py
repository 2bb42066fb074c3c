"""The video wall screen: camera tree, layout/tour/alarm controls and the grid of tiles.

Thin view over :class:`commandcenter.video.layout.WallModel` (what each cell shows) and
:class:`commandcenter.video.service.VideoService` (streams and health). The GUI thread only paints: one timer
(``REPAINT_HZ``) polls every visible tile for a newer frame; state arrives coalesced from the service. Streams are
acquired for visible cells only (grid: sub quality at tile size; single view: main stream) and released when a
cell changes camera or is hidden, so the service decodes exactly what is on screen.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import (
    QGuiApplication,
    QHideEvent,
    QKeySequence,
    QResizeEvent,
    QScreen,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from commandcenter.config import CameraConfig
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.video.arrangement import ScreenWall, load_arrangement, save_arrangement
from commandcenter.video.layout import LayoutError, WallModel, list_layouts, resolve_layout
from commandcenter.video.service import MAIN, SUB, VideoService
from commandcenter.video.stream import StreamStatus
from commandcenter.video.walls import MonitorWalls
from widgets.wall.camera_tree import CameraTree
from widgets.wall.tile import VideoTile

REPAINT_HZ = 25
_wall_ids = itertools.count(1)

DARK_STYLE = """
QWidget { background: #0d1117; color: #e6edf3; }
QPushButton, QComboBox, QSpinBox, QLineEdit { background: #161b22; border: 1px solid #30363d; border-radius: 3px;
    padding: 3px 8px; }
QPushButton:hover { background: #1f6feb; }
QPushButton:checked { background: #238636; }
QTreeWidget { background: #0d1117; border: 1px solid #30363d; }
QTreeWidget::item:selected { background: #1f6feb; }
QLabel#alarmText { color: #ff6b6b; font-weight: bold; }
QWidget#alarmBar { background: #3d0d0d; }
"""


HIDDEN_DECODE_SIZE = (64, 36)  # decoder output while the wall is hidden (see WallScreen._decode_size)

def screen_key(screen: QScreen) -> str:
    """Stable-enough identity of a monitor: its name plus position (two identical monitors share a name)."""
    geometry = screen.geometry()
    return f"{screen.name()}@{geometry.x()},{geometry.y()}"


class _Grid(QWidget):
    """Places tiles by the layout's rows/cols/spans; in single view, one tile fills the grid."""

    def __init__(self, screen: WallScreen) -> None:
        super().__init__(screen)
        self.wall_screen = screen
        self.setStyleSheet("background:#05080c")

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.wall_screen._place_tiles()
        super().resizeEvent(event)


class WallScreen(QWidget):
    """Video wall. ``compact`` hides the camera tree and toolbar (extra monitors show only the grid)."""

    def __init__(self, video: VideoService, wall: WallModel, cameras: list[CameraConfig],
                 parent: QWidget | None = None, *, walls: MonitorWalls, compact: bool = False) -> None:
        super().__init__(parent)
        self.video = video
        self.wall = wall
        self.walls = walls  # the extra monitors' walls come from here
        self.cameras = list(cameras)
        self._names = {c.id: c.name or c.id for c in cameras}
        self.wall_id = f"wall{next(_wall_ids)}"
        self.compact = compact
        self._hidden = False
        self.tiles: list[VideoTile] = []
        self._held: dict[int, tuple[str, str]] = {}  # cell → (camera, quality) acquired from the service
        self.screen_windows: list[QWidget] = []
        self.setStyleSheet(DARK_STYLE)
        self.setWindowTitle(self.tr("Video wall"))

        self.grid = _Grid(self)
        self.tree = CameraTree(self.cameras, self)
        self.tree.cameraActivated.connect(self.show_camera)
        self._build_controls()
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(2)
        right_layout.addWidget(self.toolbar)
        right_layout.addWidget(self.alarm_bar)
        right_layout.addWidget(self.grid, 1)
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
            self.toolbar.hide()

        wall.layoutChanged.connect(self._rebuild)
        wall.cellChanged.connect(self._cell_changed)
        wall.singleChanged.connect(lambda _cell: self._refresh_visibility())
        wall.alarmChanged.connect(self._alarm_changed)
        wall.tourChanged.connect(self._tour_changed)
        video.statusChanged.connect(self._status_changed)
        video.snapshotTaken.connect(self._snapshot_taken)
        video.snapshotFailed.connect(self._snapshot_failed)

        self._repaint = QTimer(self)
        self._repaint.setInterval(1000 // REPAINT_HZ)
        self._repaint.timeout.connect(self._poll_frames)
        self._repaint.start()
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick_clock)
        self._clock.start()
        self._install_shortcuts()
        self._rebuild()

    # -- controls ---------------------------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.toolbar = QWidget(self)
        bar = QHBoxLayout(self.toolbar)
        bar.setContentsMargins(4, 4, 4, 4)
        bar.addWidget(QLabel(self.tr("Layout"), self.toolbar))
        self.layout_combo = QComboBox(self.toolbar)
        self.layout_combo.setToolTip(self.tr("Wall layout (Ctrl+1 … Ctrl+6: uniform grids)"))
        self.layout_combo.activated.connect(lambda _i: self.apply_layout(self.layout_combo.currentData()))
        bar.addWidget(self.layout_combo)
        self.save_button = QPushButton(self.tr("Save as…"), self.toolbar)
        self.save_button.setToolTip(self.tr("Save this layout and its cameras under a new name"))
        self.save_button.clicked.connect(self._ask_save_as)
        bar.addWidget(self.save_button)
        bar.addSpacing(16)
        bar.addWidget(QLabel(self.tr("Tour"), self.toolbar))
        self.tour_group = QComboBox(self.toolbar)
        self.tour_group.addItem(self.tr("All cameras"), None)
        for group in self.wall.groups():
            if group:
                self.tour_group.addItem(group, group)
        bar.addWidget(self.tour_group)
        self.tour_interval = QSpinBox(self.toolbar)
        self.tour_interval.setRange(3, 600)
        self.tour_interval.setValue(15)
        self.tour_interval.setSuffix(self.tr(" s"))
        bar.addWidget(self.tour_interval)
        self.tour_button = QPushButton(self.tr("Start tour"), self.toolbar)
        self.tour_button.setCheckable(True)
        self.tour_button.setToolTip(self.tr("Cycle the whole wall through the chosen camera group"))
        self.tour_button.clicked.connect(self._toggle_tour)
        bar.addWidget(self.tour_button)
        bar.addStretch(1)
        self.screens_button = QPushButton(self.tr("Screens"), self.toolbar)
        self.screens_button.setToolTip(self.tr("Open a full-screen wall on every other monitor"))
        self.screens_button.clicked.connect(self.open_screen_walls)
        bar.addWidget(self.screens_button)

        self.alarm_bar = QWidget(self)
        self.alarm_bar.setObjectName("alarmBar")
        alarm_layout = QHBoxLayout(self.alarm_bar)
        alarm_layout.setContentsMargins(6, 2, 6, 2)
        self.alarm_label = QLabel(self.alarm_bar)
        self.alarm_label.setObjectName("alarmText")
        alarm_layout.addWidget(self.alarm_label, 1)
        self.ack_button = QPushButton(self.tr("Acknowledge alarm"), self.alarm_bar)
        self.ack_button.clicked.connect(self.wall.acknowledge_alarm)
        alarm_layout.addWidget(self.ack_button)
        self.alarm_bar.hide()
        self._fill_layout_combo()

    def _fill_layout_combo(self) -> None:
        self.layout_combo.clear()
        for name in sorted(list_layouts(), key=_layout_sort_key):
            self.layout_combo.addItem(name, name)
        index = self.layout_combo.findData(self.wall.layout.name)
        if index < 0:
            self.layout_combo.addItem(self.wall.layout.name, self.wall.layout.name)
            index = self.layout_combo.count() - 1
        self.layout_combo.setCurrentIndex(index)

    def _install_shortcuts(self) -> None:
        for n in range(1, 7):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{n}"), self)
            shortcut.activated.connect(lambda n=n: self.apply_layout(f"{n}x{n}"))
        QShortcut(QKeySequence("Ctrl+Shift+S"), self).activated.connect(self._ask_save_as)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(lambda: self.wall.toggle_single(None))
        QShortcut(QKeySequence("Ctrl+T"), self).activated.connect(self.tour_button.click)

    # -- public actions -------------------------------------------------------------------------------------------------
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
        self._fill_layout_combo()
        self._save_arrangement()
        return path

    def _ask_save_as(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Save layout as"), self.tr("Layout name:"),
                                        text=self.wall.layout.name)
        if ok and name.strip():
            try:
                self.save_layout_as(name.strip())
            except PermissionDenied as exc:  # refused (and audited) in the core
                QMessageBox.warning(self, self.tr("Save layout as"), self.tr(
                    "You may not save wall layouts (missing permission %1).").replace("%1", exc.permission))

    def _toggle_tour(self) -> None:
        if self.wall.tour is not None:
            self.wall.stop_tour()
            return
        self.wall.start_tour(self.tour_group.currentData(), float(self.tour_interval.value()))

    def _tour_changed(self) -> None:
        running = self.wall.tour is not None
        self.tour_button.setChecked(running)
        self.tour_button.setText(self.tr("Stop tour") if running else self.tr("Start tour"))

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

    def _tile_menu(self, cell: int, where: QPoint) -> None:
        """Right click on a tile: per-cell tour, reconnect, snapshot, single view."""
        camera_id = self.wall.camera_at(cell)
        menu = QMenu(self)
        tour = menu.addAction(self.tr("Tour this cell through the selected group"))
        tour.triggered.connect(lambda: self.wall.start_tour(self.tour_group.currentData(),
                                                            float(self.tour_interval.value()), cell))
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
            snap.triggered.connect(lambda: self.snapshot(cell))
        clear = menu.addAction(self.tr("Clear cell"))
        clear.triggered.connect(lambda: self.wall.assign(cell, None))
        menu.popup(where)

    def snapshot(self, cell: int) -> None:
        camera_id = self.wall.camera_at(cell)
        if camera_id and not self.wall.is_missing(camera_id):
            self.video.snapshot(camera_id)

    # -- model → view ---------------------------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        for tile in self.tiles:
            tile.deleteLater()
        self.tiles = []
        for cell in range(len(self.wall.layout.cells)):
            tile = VideoTile(cell, self.wall_id, self.grid)
            tile.cameraDropped.connect(self.wall.assign)
            tile.cellDropped.connect(lambda target, source: self.wall.swap(source, target))
            tile.doubleClicked.connect(self.wall.toggle_single)
            tile.snapshotRequested.connect(self.snapshot)
            tile.menuRequested.connect(self._tile_menu)
            self.tiles.append(tile)
            self._update_tile(cell)
        self._fill_layout_combo()
        self._alarm_changed()
        self._refresh_visibility()

    def _cell_changed(self, cell: int) -> None:
        self._update_tile(cell)
        self._sync_streams()

    def _update_tile(self, cell: int) -> None:
        if not 0 <= cell < len(self.tiles):
            return
        camera_id = self.wall.camera_at(cell)
        tile = self.tiles[cell]
        tile.set_camera(camera_id, self._names.get(camera_id or "", camera_id or ""), self.wall.is_missing(camera_id))
        alarm = self.wall.alarm
        tile.set_alarm(alarm.text if alarm is not None and alarm.cell == cell else "")

    def _refresh_visibility(self) -> None:
        single = self.wall.single_cell
        for tile in self.tiles:
            tile.setVisible(single is None or tile.cell == single)
        self._place_tiles()
        self._sync_streams()

    def _place_tiles(self) -> None:
        layout = self.wall.layout
        area = self.grid.rect()
        single = self.wall.single_cell
        gap = 2
        for tile, cell in zip(self.tiles, layout.cells, strict=False):
            if single is not None:
                if tile.cell == single:
                    tile.setGeometry(area)
                continue
            x0 = area.width() * cell.col // layout.cols
            x1 = area.width() * (cell.col + cell.colspan) // layout.cols
            y0 = area.height() * cell.row // layout.rows
            y1 = area.height() * (cell.row + cell.rowspan) // layout.rows
            tile.setGeometry(QRect(x0, y0, max(1, x1 - x0 - gap), max(1, y1 - y0 - gap)))
        for index, (camera_id, quality) in self._held.items():
            if index < len(self.tiles):
                self.video.resize(camera_id, quality, (self.wall_id, index), self._decode_size(index))

    def _decode_size(self, index: int) -> tuple[int, int]:
        """Tile size while the wall is on screen; a thumbnail while it is hidden behind another tab.

        Hidden tiles keep their streams (health, counters and the report stay true, and the picture is back
        at once), but converting every frame to a picture nobody sees would cost the GUI thread's share of the
        CPU: so the decoders scale to a thumbnail until the wall is shown again.
        """
        return HIDDEN_DECODE_SIZE if self._hidden else self.tiles[index].decode_size()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not event.spontaneous():  # a tab switch or a closed window, not an iconified desktop
            self._hidden = True
            self._place_tiles()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._hidden:
            self._hidden = False
            self._place_tiles()

    def _sync_streams(self) -> None:
        """Acquire streams for visible cells, release the rest (the service shares and counts holders)."""
        wanted: dict[int, tuple[str, str]] = {}
        for tile in self.tiles:
            camera_id = self.wall.camera_at(tile.cell)
            if tile.isVisibleTo(self) and camera_id and not self.wall.is_missing(camera_id):
                wanted[tile.cell] = (camera_id, MAIN if self.wall.single_cell == tile.cell else SUB)
        for cell, key in list(self._held.items()):
            if wanted.get(cell) != key:
                self.video.release(key[0], key[1], (self.wall_id, cell))
                del self._held[cell]
        for cell, key in wanted.items():
            if cell not in self._held:
                self.video.acquire(key[0], key[1], (self.wall_id, cell), self._decode_size(cell))
                self._held[cell] = key
        for cell, key in self._held.items():  # new tiles on a shared stream start from its current state
            status = self.video.status(*key)
            if status is not None:
                self.tiles[cell].set_state(status.state, status.reason)

    def _status_changed(self, camera_id: str, quality: str, status: StreamStatus) -> None:
        for cell, key in self._held.items():
            if key == (camera_id, quality) and cell < len(self.tiles):
                self.tiles[cell].set_state(status.state, status.reason)

    def _alarm_changed(self) -> None:
        alarm = self.wall.alarm
        for tile in self.tiles:
            tile.set_alarm(alarm.text if alarm is not None and alarm.cell == tile.cell else "")
        if alarm is None:
            self.alarm_bar.hide()
        else:
            name = self._names.get(alarm.camera, alarm.camera)
            self.alarm_label.setText(self.tr("Alarm: %1 — %2").replace("%1", name).replace("%2", alarm.text))
            self.alarm_bar.show()

    def _poll_frames(self) -> None:
        """The single repaint timer: hand each visible tile the newest frame of its stream (if new)."""
        for cell, (camera_id, quality) in self._held.items():
            if cell < len(self.tiles):
                self.tiles[cell].show_frame(self.video.latest_frame(camera_id, quality))

    def _tick_clock(self) -> None:
        for tile in self.tiles:
            if tile.isVisible() and tile.state != "live":
                tile.update()  # live tiles repaint with every frame; the others still need a ticking clock

    def _snapshot_taken(self, camera_id: str, path: str, _sha256: str, _time: float) -> None:
        note = self.tr("Snapshot saved: %1").replace("%1", path)
        for tile in self.tiles:
            if tile.camera_id == camera_id:
                tile.setToolTip(f"{tile.toolTip()}\n{note}")

    def _snapshot_failed(self, camera_id: str, reason: str) -> None:
        note = self.tr("Snapshot failed: %1").replace("%1", reason)
        for tile in self.tiles:
            if tile.camera_id == camera_id:
                tile.setToolTip(f"{tile.toolTip()}\n{note}")

    def closeEvent(self, event: object) -> None:
        self.release_all()
        super().closeEvent(event)  # type: ignore[arg-type]

    def release_all(self) -> None:
        """Give every stream back to the service (the wall is closing)."""
        self._repaint.stop()
        for cell, (camera_id, quality) in list(self._held.items()):
            self.video.release(camera_id, quality, (self.wall_id, cell))
        self._held.clear()
        for window in self.screen_windows:
            window.close()

    # -- multi-monitor ------------------------------------------------------------------------------------------------
    def open_screen_walls(self, layouts: dict[str, str] | None = None) -> list[QWidget]:
        """One frameless full-screen wall per other monitor, each with its own layout; the arrangement is saved
        and reopened by :meth:`restore_screen_walls` at the next start. ``layouts``: screen key → layout."""
        for window in self.screen_windows:
            window.close()
        self.screen_windows = []
        own = self.screen()
        saved = {w.screen: w for w in load_arrangement()}
        for screen in QGuiApplication.screens():
            key = screen_key(screen)
            if screen is own:
                continue
            spec = (layouts or {}).get(key) or (saved[key].layout if key in saved else "3x3")
            try:
                layout = resolve_layout(spec)
            except LayoutError:
                layout = resolve_layout("3x3")
            model = self.walls.for_monitor(key, layout)
            if key in saved and saved[key].cameras and len(saved[key].cameras) == len(model.assignment):
                for cell, camera_id in enumerate(saved[key].cameras):
                    model.assign(cell, camera_id)
            window = QWidget(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
            window.setWindowTitle(self.tr("Video wall") + f" — {screen.name()}")
            wall_view = WallScreen(self.video, model, self.cameras, window, walls=self.walls, compact=True)
            box = QVBoxLayout(window)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(wall_view)
            window.setProperty("screen_key", key)
            window.setGeometry(screen.geometry())
            window.showFullScreen()
            model.layoutChanged.connect(self._save_arrangement)
            model.cellChanged.connect(lambda _c: self._save_arrangement())
            self.screen_windows.append(window)
        self._save_arrangement()
        return self.screen_windows

    def restore_screen_walls(self) -> list[QWidget]:
        """Reopen the walls saved for monitors that are present now (nothing if none was saved)."""
        saved = load_arrangement()
        present = {screen_key(s) for s in QGuiApplication.screens()}
        own = screen_key(self.screen()) if self.screen() is not None else ""
        for wall in saved:
            if wall.screen == own and wall.layout and wall.layout != self.wall.layout.name:
                try:
                    self.wall.set_layout(resolve_layout(wall.layout))
                except LayoutError:
                    pass
        if not any(w.screen in present and w.screen != own for w in saved):
            return []
        return self.open_screen_walls({w.screen: w.layout for w in saved})

    def _save_arrangement(self) -> None:
        walls = []
        if self.screen() is not None and not self.compact:
            walls.append(ScreenWall(screen_key(self.screen()), self.wall.layout.name, list(self.wall.assignment)))
        for window in self.screen_windows:
            view = window.findChild(WallScreen)
            if view is not None:
                walls.append(ScreenWall(str(window.property("screen_key")), view.wall.layout.name,
                                        list(view.wall.assignment)))
        if walls and not self.compact:
            save_arrangement(walls)


def _layout_sort_key(name: str) -> tuple[int, int, str]:
    """Uniform grids first by size, then merged layouts by cell count, then user layouts by name."""
    if "x" in name and name.replace("x", "").isdigit():
        return (0, int(name.split("x")[0]), name)
    if "+" in name and name.replace("+", "").isdigit():
        return (1, sum(int(p) for p in name.split("+")), name)
    return (2, 0, name)
