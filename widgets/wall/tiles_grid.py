"""The grid of video tiles: placement by the layout (rows, columns, spans; one tile in single view), the streams
held for visible cells, and the one repaint timer.

Streams are acquired for visible cells only (grid: sub quality at tile size; single view: main stream) and
released when a cell changes camera or is hidden, so the service decodes exactly what is on screen. The GUI
thread only paints: one timer (``REPAINT_HZ``) hands every visible tile the newest frame of its stream.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QWidget

from commandcenter.ptz.service import PtzService
from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer
from commandcenter.video.layout import WallModel
from commandcenter.video.playback import RecordingAccess
from commandcenter.video.service import MAIN, SUB, VideoService
from commandcenter.video.stream import StreamStatus
from widgets import theme
from widgets.wall.tile import VideoTile
from widgets.wall.tile_extras import TileExtras

REPAINT_HZ = 25
HIDDEN_DECODE_SIZE = (64, 36)  # decoder output while the wall is hidden (see TilesGrid.decode_size)
GAP_PX = 2


class TilesGrid(QWidget):
    """The tiles of one wall; ``menu_requested(cell, global pos)`` on a right click."""

    menu_requested = Signal(int, QPoint)
    extras_set = Signal()  # set_extras: the seat's PTZ and recordings are known (the wall offers 同步回放)

    def __init__(self, video: VideoService, wall: WallModel, names: dict[str, str], wall_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.set_role(self, "video")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.video = video
        self.wall = wall
        self.names = names
        self.wall_id = wall_id
        self.hidden_wall = False  # the whole wall is behind another tab: decode thumbnails only
        self.tiles: list[VideoTile] = []
        self.tile_extras: list[TileExtras] = []  # per tile: PTZ control, playback mode (issue 17)
        self.ptz: PtzService | None = None
        self.recordings: RecordingAccess | None = None
        self.held: dict[int, tuple[str, str]] = {}  # cell → (camera, quality) acquired from the service
        wall.layoutChanged.connect(self.rebuild)
        wall.cellChanged.connect(self._cell_changed)
        wall.singleChanged.connect(lambda _cell: self.refresh_visibility())
        wall.alarmChanged.connect(self._show_alarm)
        video.statusChanged.connect(self._status_changed)
        video.snapshotTaken.connect(self._snapshot_taken)
        video.snapshotFailed.connect(self._snapshot_failed)
        self._released = False  # release_all: the wall is closing and paints no more
        self._repaint = QTimer(self)
        self._repaint.setInterval(1000 // REPAINT_HZ)
        self._repaint.timeout.connect(self._poll_frames)
        self._repaint.start()
        self._clock = PhasedTimer(1000, PHASES_MS["wall.clock"], self._tick_clock, self)
        self._clock.start()

    def rebuild(self) -> None:
        """New tiles for the model's layout."""
        for tile in self.tiles:
            tile.deleteLater()
        self.tiles = []
        for cell in range(len(self.wall.layout.cells)):
            tile = VideoTile(cell, self.wall_id, self)
            tile.cameraDropped.connect(self.wall.assign)
            tile.cellDropped.connect(lambda target, source: self.wall.swap(source, target))
            tile.doubleClicked.connect(self.wall.toggle_single)
            tile.snapshotRequested.connect(self.snapshot)
            tile.menuRequested.connect(self.menu_requested)
            self.tiles.append(tile)
            self._update_tile(cell)
        self.tile_extras = [TileExtras.attach(tile, self.ptz, self.recordings) for tile in self.tiles]
        self._show_alarm()
        self.refresh_visibility()

    def set_extras(self, ptz: PtzService | None, recordings: RecordingAccess | None) -> None:
        """PTZ and playback for the tiles (the services the seat has); the tiles are rebuilt with them."""
        self.ptz, self.recordings = ptz, recordings
        self.rebuild()
        self.extras_set.emit()

    def snapshot(self, cell: int) -> None:
        camera_id = self.wall.camera_at(cell)
        if camera_id and not self.wall.is_missing(camera_id):
            self.video.snapshot(camera_id)

    def set_wall_hidden(self, hidden: bool) -> None:
        if hidden != self.hidden_wall:
            self.hidden_wall = hidden
            self.place_tiles()
            for cell, (camera_id, quality) in self.held.items():
                self.video.set_watched(camera_id, quality, (self.wall_id, cell), not hidden)
            # Behind another tab nothing is painted: the GUI thread stops handing frames to tiles (the streams
            # stay connected and live, read but not decoded); shown again, the decoders start at the next
            # keyframe and the next tick paints the newest frame.
            if hidden:
                self._repaint.stop()
            elif not self._released:
                self._repaint.start()

    def release_all(self) -> None:
        """Give every stream back to the service and stop painting (the wall is closing)."""
        self._released = True
        self._repaint.stop()
        for cell, (camera_id, quality) in list(self.held.items()):
            self.video.release(camera_id, quality, (self.wall_id, cell))
        self.held.clear()

    def refresh_visibility(self) -> None:
        single = self.wall.single_cell
        for tile in self.tiles:
            tile.setVisible(single is None or tile.cell == single)
        self.place_tiles()
        self.sync_streams()

    def place_tiles(self) -> None:
        layout = self.wall.layout
        area = self.rect()
        single = self.wall.single_cell
        for tile, cell in zip(self.tiles, layout.cells, strict=False):
            if single is not None:
                if tile.cell == single:
                    tile.setGeometry(area)
                continue
            x0 = area.width() * cell.col // layout.cols
            x1 = area.width() * (cell.col + cell.colspan) // layout.cols
            y0 = area.height() * cell.row // layout.rows
            y1 = area.height() * (cell.row + cell.rowspan) // layout.rows
            tile.setGeometry(QRect(x0, y0, max(1, x1 - x0 - GAP_PX), max(1, y1 - y0 - GAP_PX)))
        for index, (camera_id, quality) in self.held.items():
            if index < len(self.tiles):
                self.video.resize(camera_id, quality, (self.wall_id, index), self.decode_size(index))

    def decode_size(self, index: int) -> tuple[int, int]:
        """Tile size while the wall is on screen; a thumbnail while it is hidden behind another tab.

        Hidden tiles keep their streams (health, counters and the report stay true, and the picture is back
        within a keyframe interval), read but not decoded (``VideoService.set_watched``), until they have been
        hidden for ``[ui] park_hidden_video_s``: then disconnected with their last picture kept, reconnected
        when shown (``StreamSupervisor.park_after``). A backend that cannot skip decoding scales to a
        thumbnail until the wall is shown again.
        """
        return HIDDEN_DECODE_SIZE if self.hidden_wall else self.tiles[index].decode_size()

    def sync_streams(self) -> None:
        """Acquire streams for visible cells, release the rest (the service shares and counts holders)."""
        wanted: dict[int, tuple[str, str]] = {}
        for tile in self.tiles:
            camera_id = self.wall.camera_at(tile.cell)
            if tile.isVisibleTo(self) and camera_id and not self.wall.is_missing(camera_id):
                wanted[tile.cell] = (camera_id, MAIN if self.wall.single_cell == tile.cell else SUB)
        for cell, key in list(self.held.items()):
            if wanted.get(cell) != key:
                self.video.release(key[0], key[1], (self.wall_id, cell))
                del self.held[cell]
        for cell, key in wanted.items():
            if cell not in self.held:
                self.video.acquire(key[0], key[1], (self.wall_id, cell), self.decode_size(cell))
                self.held[cell] = key
                if self.hidden_wall:
                    self.video.set_watched(key[0], key[1], (self.wall_id, cell), False)
        for cell, key in self.held.items():  # new tiles on a shared stream start from its current state
            status = self.video.status(*key)
            if status is not None:
                self.tiles[cell].set_state(status.state, status.reason)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.place_tiles()
        super().resizeEvent(event)

    # -- model → tiles --------------------------------------------------------------------------------------------
    def _cell_changed(self, cell: int) -> None:
        self._update_tile(cell)
        self.sync_streams()

    def _update_tile(self, cell: int) -> None:
        if not 0 <= cell < len(self.tiles):
            return
        camera_id = self.wall.camera_at(cell)
        self.tiles[cell].set_camera(camera_id, self.names.get(camera_id or "", camera_id or ""),
                                    self.wall.is_missing(camera_id))
        alarm = self.wall.alarm
        self.tiles[cell].set_alarm(alarm.text if alarm is not None and alarm.cell == cell else "")

    def _show_alarm(self) -> None:
        alarm = self.wall.alarm
        for tile in self.tiles:
            tile.set_alarm(alarm.text if alarm is not None and alarm.cell == tile.cell else "")

    def _status_changed(self, camera_id: str, quality: str, status: StreamStatus) -> None:
        for cell, key in self.held.items():
            if key == (camera_id, quality) and cell < len(self.tiles):
                self.tiles[cell].set_state(status.state, status.reason)

    def _poll_frames(self) -> None:
        """The single repaint timer: hand each visible tile the newest frame of its stream (if new)."""
        for cell, (camera_id, quality) in self.held.items():
            if cell < len(self.tiles) and not self.tiles[cell].playback:
                self.tiles[cell].show_frame(self.video.latest_frame(camera_id, quality))

    def _tick_clock(self) -> None:
        for tile in self.tiles:
            if tile.isVisible() and tile.state != "live":
                tile.update()  # live tiles repaint with every frame; the others still need a ticking clock

    def _note_on_tiles(self, camera_id: str, note: str) -> None:
        for tile in self.tiles:
            if tile.camera_id == camera_id:
                tile.setToolTip(f"{tile.toolTip()}\n{note}")

    def _snapshot_taken(self, camera_id: str, path: str, _sha256: str, _time: float) -> None:
        self._note_on_tiles(camera_id, self.tr("Snapshot saved: %1").replace("%1", path))
        for tile in self._tiles_showing(camera_id):
            tile.show_snapshot(path)

    def _snapshot_failed(self, camera_id: str, reason: str) -> None:
        self._note_on_tiles(camera_id, self.tr("Snapshot failed: %1").replace("%1", reason))
        for tile in self._tiles_showing(camera_id):
            tile.show_snapshot_failed(reason)

    def _tiles_showing(self, camera_id: str) -> list[VideoTile]:
        """The visible tiles of a camera: where the operator who pressed 抓拍 is looking."""
        return [tile for tile in self.tiles if tile.camera_id == camera_id and tile.isVisible()]
