"""同步回放: the whole wall plays its recordings in step under one timeline.

The wall's 同步回放 button (Ctrl+R) puts every tile whose camera records (or has recordings in the window) into
playback at one moment; the :class:`WallTimeline` under the wall shows where any camera recorded (top row, with
the case markers) and one row per camera; scrubbing, stepping, the speed and jumping to a time or a case move
every tile together (:class:`commandcenter.video.wall_sync.WallSync` keeps the players in step); a tile whose
camera recorded nothing at that moment says 无录像. 实时 (or the button again) returns every tile to live.
The keys are the per-tile timeline's (Space, ←/→, Shift+←/→, ↑/↓).
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter
from PySide6.QtWidgets import QLabel, QToolTip, QWidget

from commandcenter.recording.index import Segment
from commandcenter.runtime.tasks import GuiBridge
from commandcenter.video.playback import PlaybackSource, RecordingAccess, TimelineMarker
from commandcenter.video.wall_sync import WallSync
from widgets.wall.playback import DEFAULT_WINDOW, POLL_MS, PlaybackBar, to_qdatetime
from widgets.wall.tile import VideoTile
from widgets.wall.tiles_grid import TilesGrid
from widgets.wall.timeline import SPAN_COLOUR, Timeline

ROW_PX = 6  # one camera's row under the merged row
UNION_PX = 12
ROW_COLOUR = QColor(46, 160, 67, 200)


class WallTimeline(Timeline):
    """The wall's timeline: the merged recorded spans (with the markers) on top, one thin row per camera below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, list[tuple[datetime, datetime]]]] = []

    def set_rows(self, rows: list[tuple[str, list[tuple[datetime, datetime]]]],
                 union: list[tuple[datetime, datetime]]) -> None:
        self.rows = list(rows)
        self.setMinimumHeight(self._rows_top() + len(self.rows) * ROW_PX + 4)
        self.updateGeometry()
        self.set_spans(union)

    def sizeHint(self) -> QSize:
        return QSize(400, self._rows_top() + len(self.rows) * ROW_PX + 4)

    def _rows_top(self) -> int:
        return 14 + UNION_PX + 3

    def bar_rect(self) -> QRect:
        return QRect(0, 14, self.width(), UNION_PX)

    def paint_rows(self, painter: QPainter, rect: QRect) -> None:
        top = self._rows_top()
        for index, (_name, spans) in enumerate(self.rows):
            y = top + index * ROW_PX
            painter.fillRect(QRect(0, y, rect.width(), ROW_PX - 1), QColor("#21262d"))
            for start, end in spans:
                x0, x1 = max(0.0, self.x_of(start)), min(float(rect.width()), self.x_of(end))
                if x1 > x0:
                    painter.fillRect(QRect(int(x0), y, max(1, int(x1 - x0)), ROW_PX - 1),
                                     ROW_COLOUR if index % 2 else SPAN_COLOUR)

    def row_at(self, y: float) -> int | None:
        index = int((y - self._rows_top()) // ROW_PX)
        return index if y >= self._rows_top() and 0 <= index < len(self.rows) else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().y())
        if row is not None and not event.buttons():
            name, spans = self.rows[row]
            when = self.time_at(event.position().x())
            recorded = any(s <= when < e for s, e in spans)
            text = (self.tr("%1: recorded at %2") if recorded else self.tr("%1: no recording at %2")).replace(
                "%1", name).replace("%2", when.astimezone().strftime("%H:%M:%S"))
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
            return
        super().mouseMoveEvent(event)


class WallSyncPlayback(QObject):
    """Live ↔ synchronised playback of the whole wall; ``activeChanged(bool)``."""

    activeChanged = Signal(bool)

    def __init__(self, grid: TilesGrid, access: RecordingAccess, recording: set[str], names: dict[str, str],
                 bar_parent: QWidget) -> None:
        super().__init__(bar_parent)
        self.grid = grid
        self.access = access
        self.recording = set(recording)  # cameras configured to record: they take part even with nothing kept
        self.names = names
        self.bridge = GuiBridge(access.tasks, self)
        self.timeline = WallTimeline()
        self.bar = PlaybackBar(bar_parent, timeline=self.timeline)
        self.bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # its dark plate under the wall too
        self.bar.clip.hide()  # clips are cut per camera, from a tile's own timeline
        self.title = QLabel(self.bar)
        self.title.setStyleSheet("color: #a371f7; font-weight: bold;")
        self.bar.controls_row.insertWidget(0, self.title)
        self.bar.hide()
        self.model: WallSync | None = None
        self.sources: dict[str, PlaybackSource] = {}
        self.markers: dict[str, TimelineMarker] = {}
        self._pending: set[str] = set()  # cameras whose segments are still being read
        self._start_at: datetime | None = None  # where to begin once every camera is loaded (None: first recording)
        self._generation = 0
        self.bar.liveRequested.connect(self.leave)
        self.bar.playToggled.connect(lambda: self.model.toggle() if self.model else None)
        self.bar.stepRequested.connect(lambda n: self.model.step(n) if self.model else None)
        self.bar.speedChosen.connect(lambda s: self.model.set_speed(s) if self.model else None)
        self.bar.jumpRequested.connect(self.seek)
        self.bar.caseRequested.connect(self.jump_to_case)
        self.timeline.seekRequested.connect(self.seek)
        self.timeline.windowChanged.connect(lambda start, end: self.enter(self.now(), (start, end)))
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def active(self) -> bool:
        return self.model is not None

    def now(self) -> datetime | None:
        return self.model.clock.now() if self.model is not None else None

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    # -- live ↔ synchronised playback -------------------------------------------------------------------------------
    def enter(self, at: datetime | None = None, window: tuple[datetime, datetime] | None = None) -> None:
        """Every recording tile into playback at ``at`` (default: the first recorded moment of the window)."""
        was_active = self.active
        resume = self.model is not None and self.model.clock.playing  # a new window keeps playing
        self._stop_sources()
        now = datetime.now(UTC)
        if window is None:
            window = (at - DEFAULT_WINDOW / 2, at + DEFAULT_WINDOW / 2) if at else (now - DEFAULT_WINDOW, now)
        start, end = window
        self._generation += 1
        generation = self._generation
        self.model = WallSync(at or start)
        self.model.clock.limit = min(end, now)
        self.model.set_speed(float(self.bar.speed.currentData()))
        if resume:
            self.model.play()
        self._start_at = at
        self.markers = {}
        for extras in self.grid.tile_extras:  # one timeline for all: the tiles' own playback steps aside
            if extras.playback is not None:
                if extras.playback.active:
                    extras.playback.leave()
                extras.playback.button.hide()
        cameras = {t.camera_id for t in self.grid.tiles if t.camera_id and t.state != "missing"}
        self._pending = set(cameras)
        for tile in self.grid.tiles:
            if tile.camera_id in self.recording and tile.camera_id in cameras:
                self._into_playback(tile, self.tr("Loading the recordings…"))
            else:  # live until its recordings turn up (a camera that records nothing stays live)
                tile.set_playback_note("")
                tile.playback = False
        self.timeline.set_window(start, end)
        self.timeline.set_rows([], [])
        self.timeline.set_markers([])
        self.bar.when.setDateTime(to_qdatetime(at or start))
        self.bar.show_notice(self.tr("Loading the recordings…") if cameras else self.tr(
            "No camera on the wall"))
        self.bar.show()
        for camera_id in sorted(cameras):
            self._watch_segments(generation, camera_id, start, end)
            self.bridge.watch(self.access.markers(camera_id, start, end),
                              lambda markers: self._add_markers(generation, markers), self._failed)
        self._timer.start()
        self._show_title()
        if not was_active:
            self.activeChanged.emit(True)

    def leave(self) -> None:
        if not self.active:
            return
        self._timer.stop()
        self._stop_sources()
        self.model = None
        self._generation += 1
        self.bar.hide()
        for tile in self.grid.tiles:
            tile.set_playback_note("")
            tile.playback = False
            tile.update()
        for extras in self.grid.tile_extras:
            if extras.playback is not None:
                extras.playback.camera_changed()  # its 回放 button back, for the camera the tile shows
        self.activeChanged.emit(False)

    def cameras_changed(self) -> None:
        """A layout or cell change while in step: the new tiles join at the same moment and window."""
        if self.model is not None:
            self.enter(self.model.clock.now(), (self.timeline.start, self.timeline.end))

    # -- the operator's commands ------------------------------------------------------------------------------------
    def seek(self, when: object) -> None:
        if not isinstance(when, datetime) or self.model is None:
            return
        if not self.timeline.start <= when <= self.timeline.end:
            self.enter(when)  # outside the loaded window: a new window around it
            return
        self._start_at = when
        self.model.seek(when)
        self.timeline.set_position(self.model.clock.now())

    def jump_to_case(self, code: str) -> None:
        if not code:
            return

        def found(when: datetime | None) -> None:
            if when is None:
                self.bar.show_notice(self.tr("No case %1").replace("%1", code))
            else:
                self.seek(when)

        self.bridge.watch(self.access.case_time(code), found, self._failed)

    # -- loading ----------------------------------------------------------------------------------------------------
    def _watch_segments(self, generation: int, camera_id: str, start: datetime, end: datetime) -> None:
        def loaded(segments: list[Segment]) -> None:
            self._loaded(generation, camera_id, segments)

        self.bridge.watch(self.access.segments(camera_id, start, end), loaded, self._failed)

    def _loaded(self, generation: int, camera_id: str, segments: list[Segment]) -> None:
        model = self.model
        if generation != self._generation or model is None:
            return
        self._pending.discard(camera_id)
        tiles = [t for t in self.grid.tiles if t.camera_id == camera_id]
        if tiles and (segments or camera_id in self.recording):
            source = None
            if segments:
                source = PlaybackSource(camera_id, segments, max((t.decode_size() for t in tiles),
                                                                 key=lambda s: s[0] * s[1]))
                source.start()
                self.sources[camera_id] = source
            model.add_camera(camera_id, segments, source)
            for tile in tiles:
                self._into_playback(tile, "")
            self.timeline.set_rows([(self.names.get(c, c), model.spans(c)) for c in self._order()], model.union())
        if not self._pending:
            self.bar.show_notice("" if self.sources else self.tr("Nothing was recorded in this period"))
            if self._start_at is None:  # begin where the first camera recorded
                union = model.union()
                first = next((s for s, e in union if e > self.timeline.start), None)
                if first is not None:
                    model.seek(max(first, self.timeline.start))
        self._show_title()

    def _order(self) -> list[str]:
        """The cameras in wall order (the timeline's rows read like the tiles)."""
        assert self.model is not None
        seen: list[str] = []
        for tile in self.grid.tiles:
            if tile.camera_id in self.model.tracks and tile.camera_id not in seen:
                seen.append(tile.camera_id)
        return seen

    def _add_markers(self, generation: int, markers: list[TimelineMarker]) -> None:
        if generation != self._generation:
            return
        for marker in markers:
            self.markers[f"{marker.kind}:{marker.ref}"] = marker
        self.timeline.set_markers(sorted(self.markers.values(), key=lambda m: m.at))

    def _failed(self, exc: BaseException) -> None:
        self.bar.show_notice(self.tr("Cannot read the recordings: %1").replace("%1", str(exc)))

    def _into_playback(self, tile: VideoTile, note: str) -> None:
        tile.playback = True
        tile.set_playback_note(note)
        tile.update()

    def _stop_sources(self) -> None:
        sources, self.sources = list(self.sources.values()), {}
        for source in sources:
            self.access.tasks.run(source.stop)  # joining a decoder is I/O: never on the GUI thread

    def _show_title(self) -> None:
        count = len(self.model.tracks) if self.model is not None else 0
        self.title.setText(self.tr("Synchronised playback · %1 cameras").replace("%1", str(count)))

    # -- the wall's poll ----------------------------------------------------------------------------------------------
    def _poll(self) -> None:
        model = self.model
        if model is None:
            return
        at = model.tick()
        if not self.grid.isVisible():
            return  # behind another tab: the players keep time, nothing is painted
        clock = at.astimezone().strftime("%H:%M:%S")
        for tile in self.grid.tiles:
            camera_id = tile.camera_id
            if camera_id not in model.tracks:
                continue
            source = self.sources.get(camera_id)
            if source is not None and model.covers(camera_id, at):
                tile.set_playback_note("")
                tile.show_frame(source.latest_frame())
            else:
                tile.set_playback_note(self.tr("No recording\n%1").replace("%1", clock), at.timestamp())
        self.bar.show_position(at, model.clock.playing)
