"""复盘 screen: one timeline drives the map (units moving with trails), the case events and nearby cameras' and
drones' recorded video.

Choose a case (its span and place come from the case) or a span and an area, 载入: the incident is read on the task
manager (:func:`commandcenter.replay.incident.load_incident`), then :class:`IncidentReplay` plays it — the map
draws units and cases as they were (the map's own replay layers), the event list highlights what has happened by
then, and up to four tiles (nearest cameras, and up to two drones that flew through the area) show their
recordings at the same moment. 导出报告 writes the PDF with key frames
(on a worker). The screen only shows and sends intents; all reading and decoding happen off the GUI thread.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from commandcenter.config import CameraConfig, MapConfig
from commandcenter.geo.basemap import Basemap
from commandcenter.labels import action_label
from commandcenter.mapdata.replay import MAX_SPEED, MIN_SPEED, HistoryService
from commandcenter.mapdata.zoneshapes import map_zones
from commandcenter.replay.incident import (
    IncidentData,
    IncidentReplay,
    IncidentScope,
    ReplayScopeError,
    load_incident,
    scope_for_case,
)
from commandcenter.replay.report import export_report
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.runtime.units import UnitTracker
from commandcenter.store import Store
from commandcenter.video.playback import TimelineMarker
from widgets.map.canvas import MapCanvas
from widgets.map.replay_layers import ReplayLayers
from widgets.wall.tile import VideoTile
from widgets.wall.timeline import Timeline

VIDEO_TILES = 4
DRONE_TILES = 2  # of those, at most this many for drones that flew through the area (the rest: nearest cameras)
POLL_MS = 50
REPLAY_SPEEDS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)
TRAIL_STEPS = 20  # after a jump, the trail is drawn from this many moments of the trail window
TRAIL_JUMP_S = 2.0  # a move of the clock by more than this (× speed) between draws is a jump


class IncidentReplayScreen(QWidget):
    """The 复盘 screen. ``centre`` is where the map opens (the city's centre) before an incident is loaded."""

    def __init__(self, store: Store, tasks: TaskManager, tracker: UnitTracker, basemap: Basemap,
                 map_config: MapConfig, cameras: list[CameraConfig], centre: tuple[float, float],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Incident replay"))
        self.store, self.tasks, self.tracker = store, tasks, tracker
        self.cameras = [c for c in cameras if c.lat is not None and c.lon is not None]
        self.bridge = GuiBridge(tasks, self)
        self.replay = IncidentReplay(HistoryService(store, tasks, parent=self), self)
        self.data: IncidentData | None = None
        self.canvas = MapCanvas(basemap, map_config, cameras, centre, lambda _key: True, tasks=tasks)
        self.layers = ReplayLayers(self.canvas.plot, self.canvas.proj, stale_s=map_config.stale_minutes * 60.0,
                                   trail_s=map_config.trail_minutes * 60.0, parent=self)
        self.canvas.projection_changed.connect(self.layers.set_projection)
        self.trail_s = map_config.trail_minutes * 60.0
        self._drawn_at: float | None = None  # replay time last drawn on the map
        self.canvas.set_zones(map_zones(basemap.zones))  # draws the basemap's streets, water and zones
        self._build_controls()
        self.tiles = [VideoTile(i, "replay", self) for i in range(VIDEO_TILES)]
        for tile in self.tiles:
            tile.playback = True
            tile.set_camera(None, "", False)
        self._build_layout()
        self.replay.moved.connect(self._moved)
        self.replay.loaded.connect(self._loaded)
        self.replay.clock.state_changed.connect(lambda playing: self.play.setText(
            self.tr("Pause") if playing else self.tr("Play")))
        self._frames = QTimer(self)
        self._frames.setInterval(POLL_MS)
        self._frames.timeout.connect(self._poll_frames)

    # -- building ---------------------------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.case_code = QLineEdit(self)
        self.case_code.setPlaceholderText(self.tr("Case code"))
        self.case_code.returnPressed.connect(self.load_case)
        self.load_case_button = QPushButton(self.tr("Load case"), self)
        self.load_case_button.clicked.connect(self.load_case)
        now = QDateTime.currentDateTime()
        self.span_from = QDateTimeEdit(now.addSecs(-3600), self)
        self.span_to = QDateTimeEdit(now, self)
        for edit in (self.span_from, self.span_to):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        self.area = QLineEdit(self)
        self.area.setPlaceholderText(self.tr("Centre: lat, lon"))
        self.radius = QDoubleSpinBox(self)
        self.radius.setRange(50, 5000)
        self.radius.setValue(500)
        self.radius.setSuffix(" m")
        self.load_span_button = QPushButton(self.tr("Load span"), self)
        self.load_span_button.clicked.connect(self.load_span)
        self.export_button = QPushButton(self.tr("Export report…"), self)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._ask_export)
        self.play = QPushButton(self.tr("Play"), self)
        self.play.setEnabled(False)
        self.play.clicked.connect(self._toggle)
        self.speed = QComboBox(self)
        for speed in REPLAY_SPEEDS:
            if MIN_SPEED <= speed <= MAX_SPEED:
                self.speed.addItem(f"{speed:g}×", speed)
        self.speed.currentIndexChanged.connect(lambda i: self.replay.set_speed(float(self.speed.itemData(i))))
        self.clock = QLabel("--:--:--", self)
        self.clock.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.status = QLabel(self.tr("Choose a case, or a span and an area, and load it."), self)
        self.timeline = Timeline(self)
        self.timeline.seekRequested.connect(self._seek)
        self.events = QListWidget(self)
        self.events.itemActivated.connect(self._event_clicked)
        self.events.itemClicked.connect(self._event_clicked)

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        for widget in (QLabel(self.tr("Case"), self), self.case_code, self.load_case_button, QLabel("|", self),
                       QLabel(self.tr("From"), self), self.span_from, QLabel(self.tr("to"), self), self.span_to,
                       self.area, self.radius, self.load_span_button):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.export_button)
        videos = QWidget(self)
        grid = QGridLayout(videos)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // 2, i % 2)
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(videos)
        right.addWidget(self.events)
        right.setSizes([620, 300])
        middle = QSplitter(Qt.Orientation.Horizontal, self)
        middle.addWidget(self.canvas)
        middle.addWidget(right)
        middle.setSizes([1000, 900])
        transport = QHBoxLayout()
        transport.addWidget(self.play)
        transport.addWidget(self.speed)
        transport.addWidget(self.clock)
        transport.addWidget(self.timeline, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(middle, 1)
        outer.addLayout(transport)
        outer.addWidget(self.status)

    # -- loading ----------------------------------------------------------------------------------------------------
    def load_case(self) -> None:
        code = self.case_code.text().strip()
        if not code:
            self.status.setText(self.tr("Type a case code first"))
            return
        self._load(lambda: scope_for_case(self.store, code))

    def load_span(self) -> None:
        try:
            lat_text, lon_text = (p.strip() for p in self.area.text().replace("，", ",").split(","))
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            self.status.setText(self.tr("Centre must be \"lat, lon\" (e.g. 32.0439, 118.7848)"))
            return
        start = datetime.fromtimestamp(self.span_from.dateTime().toSecsSinceEpoch(), UTC)
        end = datetime.fromtimestamp(self.span_to.dateTime().toSecsSinceEpoch(), UTC)
        try:
            scope = IncidentScope(start, end, lat, lon, self.radius.value())
        except ReplayScopeError as exc:
            self.status.setText(str(exc))
            return
        self._load(lambda: scope)

    def _load(self, scope_of: object) -> None:
        assert callable(scope_of)
        self.status.setText(self.tr("Loading…"))
        self.replay.pause()

        def job() -> IncidentData:
            return load_incident(self.store, scope_of(), self.cameras)

        self.bridge.run(job, self.show_incident, lambda exc: self.status.setText(str(exc)))

    def show_incident(self, data: IncidentData) -> None:
        self.data = data
        self.replay.show(data)

    def _loaded(self) -> None:
        data = self.data
        if data is None:
            return
        scope = data.scope
        self.timeline.set_window(scope.start, scope.end)
        spans: list[tuple[datetime, datetime]] = []
        for camera in data.videos:
            spans.extend((s.start, s.end) for s in camera.segments)
        self.timeline.set_spans(spans)
        self.timeline.set_markers([TimelineMarker(e.at, "case", f"{e.case_code} {action_label(e.action)}",
                                                  e.case_code) for e in data.events])
        self.events.clear()
        for event in data.events:
            text = (f"{event.at.astimezone().strftime('%H:%M:%S')}  {event.case_code}  "
                    f"{action_label(event.action)}  {event.actor}")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, event.at)
            self.events.addItem(item)
        drones = [d for d in data.drones if d.segments][:DRONE_TILES]  # the drones overhead keep their tiles
        with_video = [*[c for c in data.cameras if c.segments][:VIDEO_TILES - len(drones)], *drones]
        for i, tile in enumerate(self.tiles):
            shown = with_video[i] if i < len(with_video) else None
            if shown is None:
                tile.set_camera(None, "", False)
                tile.set_state("empty", self.tr("No other camera with recordings in the area"))
            else:
                label = (self.tr("Drone %1 · nearest %2 m") if shown.drone_id else self.tr("%1 · %2 m"))
                tile.set_camera(shown.camera_id, label.replace("%1", shown.name)
                                .replace("%2", f"{shown.distance_m:.0f}"), False)
                tile.set_state("connecting", self.tr("No recording at this moment"))
        radius_deg = scope.radius_m / 111_000
        self.canvas.show_bbox(scope.lat - radius_deg, scope.lon - radius_deg, scope.lat + radius_deg,
                              scope.lon + radius_deg)
        self.layers.set_visible(True, cases=True)
        self.play.setEnabled(True)
        self.export_button.setEnabled(True)
        self.status.setText(self.tr("%1: %2 events, %3 units, %4 cameras and %5 drones with recordings")
                            .replace("%1", data.case_title or self.tr("Span"))
                            .replace("%2", str(len(data.events))).replace("%3", str(len(data.history.unit_ids)))
                            .replace("%4", str(len(with_video) - len(drones))).replace("%5", str(len(drones))))
        self._frames.start()
        self._moved(self.replay.clock.time)

    # -- playing ----------------------------------------------------------------------------------------------------
    def _toggle(self) -> None:
        if self.replay.clock.playing:
            self.replay.pause()
        else:
            self.replay.play()

    def _seek(self, when: object) -> None:
        if isinstance(when, datetime) and self.data is not None:
            self.replay.seek(when)

    def _event_clicked(self, item: QListWidgetItem) -> None:
        when = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(when, datetime):
            self.replay.seek(when)

    def _moved(self, t: float) -> None:
        when = datetime.fromtimestamp(t, UTC)
        self.clock.setText(when.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
        self.timeline.set_position(when)
        infos = {u.id: u for u in self.tracker.units()}
        jumped = self._drawn_at is None or not 0.0 <= t - self._drawn_at <= TRAIL_JUMP_S * self.replay.clock.speed
        if jumped:  # a seek: the trails are redrawn from the minutes before, not joined to where the map was
            self.layers.units.clear()
            for k in range(TRAIL_STEPS, 0, -1):
                self.layers.draw(self.replay.history, t - k * self.trail_s / TRAIL_STEPS, infos, self.canvas.proj)
        self.layers.draw(self.replay.history, t, infos, self.canvas.proj)
        self._drawn_at = t
        happened = len(self.replay.events_until(when))
        for row in range(self.events.count()):
            item = self.events.item(row)
            if item is not None:  # what has happened by now reads normally; what is still to come is greyed
                item.setForeground(self.palette().text() if row < happened else self.palette().placeholderText())
        if happened:
            self.events.setCurrentRow(happened - 1)

    def _poll_frames(self) -> None:
        now = self.replay.now
        for tile in self.tiles:
            source = self.replay.sources.get(tile.camera_id or "")
            if source is None:
                continue
            if source.covers(now):
                if tile.show_frame(source.latest_frame()):
                    tile.set_state("live", "")
            else:
                tile.set_state("stalled", self.tr("No recording at this moment"))

    # -- report -----------------------------------------------------------------------------------------------------
    def _ask_export(self) -> None:
        if self.data is None:
            return
        name = f"复盘-{self.data.scope.case_code or self.data.scope.start.astimezone().strftime('%Y%m%d-%H%M')}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export replay report"), name, "PDF (*.pdf)")
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        data = self.data
        if data is None:
            return
        self.status.setText(self.tr("Writing the report…"))
        self.bridge.run(lambda: export_report(data, path),
                        lambda out: self.status.setText(self.tr("Report saved: %1").replace("%1", str(out))),
                        lambda exc: self.status.setText(str(exc)))

    def seek_case_time(self, offset: timedelta = timedelta(0)) -> None:
        """Jump to the loaded case's report time (+ offset): where a review usually starts."""
        if self.data is not None and self.data.events:
            self.replay.seek(self.data.events[0].at + offset)

    def close_replay(self) -> None:
        self._frames.stop()
        self.replay.pause()
        self.replay.close_sources()
