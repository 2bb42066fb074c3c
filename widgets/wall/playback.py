"""Playback mode of a video tile: the tile switches from live to the camera's recordings and back.

The 回放 button of a tile (or ``TilePlayback.enter``) loads the last hour's recorded spans, case markers and
segments (reads on the task manager), starts a :class:`~commandcenter.video.playback.PlaybackSource` and shows the
:class:`PlaybackBar` under the picture: timeline (scrub), step back/forward, play/pause, speed 0.25×–16×, jump to
a time or to a case's report time, and back to live. The tile keeps its live stream meanwhile (the wall's
accounting does not change); it just paints the recorded frames, polled at 25 Hz.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from PySide6.QtCore import QDateTime, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.recording.clips import SavedClip
from commandcenter.recording.index import Segment, Span
from commandcenter.runtime.tasks import GuiBridge
from commandcenter.video.playback import SPEEDS, PlaybackSource, RecordingAccess, TimelineMarker
from widgets.wall.tile import VideoTile
from widgets.wall.timeline import Timeline

T = TypeVar("T")
POLL_MS = 40
# Tile buttons sit on the picture, whatever its colours: light text on a translucent dark plate.
OVERLAY_BUTTON_QSS = ("QToolButton { color: #e6edf3; background: rgba(13,17,23,160); border-radius: 3px; "
                      "padding: 2px 6px; } QToolButton:checked { background: #a371f7; }")
DEFAULT_WINDOW = timedelta(hours=1)


class PlaybackBar(QWidget):
    """Controls under a tile in playback: they only emit what the operator asks for."""

    liveRequested = Signal()
    playToggled = Signal()
    stepRequested = Signal(int)
    speedChosen = Signal(float)
    jumpRequested = Signal(object)  # datetime
    caseRequested = Signal(str)  # case code
    clipRequested = Signal(object, object, str)  # start, end, case code ("" = a file only)

    def __init__(self, parent: QWidget | None = None, timeline: Timeline | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playbackBar")
        self.setStyleSheet("#playbackBar { background: rgba(13,17,23,215); } QLabel { color: #e6edf3; }")
        self.timeline = timeline or Timeline(self)
        self.timeline.setParent(self)
        self.live = self._button(self.tr("Live"), self.tr("Back to the live picture"), self.liveRequested.emit)
        self.back = self._button("◀|", self.tr("One frame back"), lambda: self.stepRequested.emit(-1))
        self.play = self._button("▶", self.tr("Play / pause"), self.playToggled.emit)
        self.forward = self._button("|▶", self.tr("One frame forward"), lambda: self.stepRequested.emit(1))
        self.speed = QComboBox(self)
        for speed in SPEEDS:
            self.speed.addItem(f"{speed:g}×", speed)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip(self.tr("Playback speed"))
        self.speed.currentIndexChanged.connect(lambda i: self.speedChosen.emit(float(self.speed.itemData(i))))
        self.when = QDateTimeEdit(self)
        self.when.setDisplayFormat("MM-dd HH:mm:ss")
        self.when.setToolTip(self.tr("Jump to this time"))
        self.jump = self._button(self.tr("Go"), self.tr("Jump to the time on the left"), self._jump)
        self.case = QLineEdit(self)
        self.case.setPlaceholderText(self.tr("Case code"))
        self.case.setMaximumWidth(150)
        self.case.returnPressed.connect(lambda: self.caseRequested.emit(self.case.text().strip()))
        self.case.setToolTip(self.tr("Jump to when this case was reported (Enter)"))
        self.clip = self._button(self.tr("Export clip"), self.tr(
            "Cut the span selected on the timeline (Shift+drag) into an MP4 clip; with a case code on the right "
            "it is filed as that case's evidence"), self._clip)
        self.clip.setEnabled(False)
        self.timeline.selectionChanged.connect(lambda span: self.clip.setEnabled(span is not None))
        # The timeline's keys (Space, ←/→, ↑/↓) do what these buttons do, under a tile and under the wall alike.
        self.timeline.playToggled.connect(self.playToggled.emit)
        self.timeline.stepRequested.connect(self.stepRequested.emit)
        self.timeline.speedStepped.connect(self.step_speed)
        self.clock = QLabel(self)
        self.notice = QLabel(self)
        self.notice.setStyleSheet("color: #f0883e;")
        row = QHBoxLayout()
        self.controls_row = row  # the wall's bar puts its title first
        row.setContentsMargins(4, 2, 4, 0)
        controls: list[QWidget] = [self.live, self.back, self.play, self.forward, self.speed, self.clock]
        for widget in controls:
            row.addWidget(widget)
        row.addStretch(1)
        jumps: list[QWidget] = [self.when, self.jump, self.case, self.clip]
        for widget in jumps:
            row.addWidget(widget)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 2)
        outer.setSpacing(1)
        outer.addLayout(row)
        outer.addWidget(self.timeline)
        outer.addWidget(self.notice)

    def _button(self, text: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def step_speed(self, direction: int) -> None:
        """The next faster (+1) or slower (−1) speed; the combo box announces it (``speedChosen``)."""
        index = max(0, min(len(SPEEDS) - 1, self.speed.currentIndex() + direction))
        self.speed.setCurrentIndex(index)

    def _jump(self) -> None:
        chosen = self.when.dateTime().toSecsSinceEpoch()
        self.jumpRequested.emit(datetime.fromtimestamp(chosen, UTC))

    def _clip(self) -> None:
        span = self.timeline.selection
        if span is not None:
            self.clipRequested.emit(span[0], span[1], self.case.text().strip())

    def show_position(self, position: datetime | None, playing: bool) -> None:
        self.timeline.set_position(position)
        self.play.setText("⏸" if playing else "▶")
        self.clock.setText(position.astimezone().strftime("%Y-%m-%d %H:%M:%S") if position else "--:--:--")

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))


class TilePlayback(QObject):
    """Live ↔ playback for one tile."""

    def __init__(self, tile: VideoTile, access: RecordingAccess) -> None:
        super().__init__(tile)
        self.tile = tile
        self.access = access
        self.bridge = GuiBridge(access.tasks, self)
        self.source: PlaybackSource | None = None
        self.bar = PlaybackBar(tile)
        self.bar.hide()
        self.button = QToolButton(tile)
        self.button.setObjectName("tilePlayback")
        self.button.setText(self.tr("Playback"))
        self.button.setToolTip(self.tr("Play this camera's recordings (timeline, speed, jump to a case)"))
        self.button.setAutoRaise(True)
        self.button.setStyleSheet(OVERLAY_BUTTON_QSS)
        self.button.clicked.connect(lambda: self.leave() if self.active else self.enter())
        self.bar.liveRequested.connect(self.leave)
        self.bar.playToggled.connect(self._toggle)
        self.bar.stepRequested.connect(lambda n: self.source.step(n) if self.source else None)
        self.bar.speedChosen.connect(lambda s: self.source.set_speed(s) if self.source else None)
        self.bar.jumpRequested.connect(self.seek)
        self.bar.caseRequested.connect(self.jump_to_case)
        self.bar.clipRequested.connect(self.export_clip)
        self.bar.clip.setVisible(access.clips is not None)
        self.bar.timeline.seekRequested.connect(self.seek)
        self.bar.timeline.windowChanged.connect(lambda start, end: self._load(start, end, restart=False))
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._pending_seek: datetime | None = None
        self._generation = 0  # of the latest _load
        self._restart_generation = 0  # of the latest _load that (re)starts the source
        tile.installEventFilter(self)
        self.camera_changed()

    @property
    def active(self) -> bool:
        return self.tile.playback

    def camera_changed(self) -> None:
        if self.active:
            self.leave()
        self.button.setVisible(self.tile.camera_id is not None and self.tile.state != "missing")
        self._place()

    # -- live ↔ playback --------------------------------------------------------------------------------------------
    def enter(self, at: datetime | None = None, window: tuple[datetime, datetime] | None = None) -> None:
        if self.tile.camera_id is None:
            return
        now = datetime.now(UTC)
        start, end = window or ((at - DEFAULT_WINDOW / 2, at + DEFAULT_WINDOW / 2) if at else (now - DEFAULT_WINDOW,
                                                                                            now))
        self.tile.playback = True
        self.tile.update()
        self.bar.timeline.set_window(start, end)
        self.bar.when.setDateTime(to_qdatetime(at or start))
        self.bar.show_notice(self.tr("Loading the recordings…"))
        self.bar.show()
        self._pending_seek = at
        self._place()
        self._load(start, end, restart=True)
        self._timer.start()

    def leave(self) -> None:
        self._timer.stop()
        self._retire()
        self.bar.hide()
        self.tile.playback = False
        self.tile.update()

    def seek(self, when: object) -> None:
        if isinstance(when, datetime) and self.source is not None:
            self.source.seek(when)
            self.bar.timeline.set_position(when)
        elif isinstance(when, datetime):
            self._pending_seek = when

    def export_clip(self, start: datetime, end: datetime, case_code: str) -> None:
        """Cut the selected span (off the GUI thread); the notice line says where it went, or why not."""
        camera, clips = self.tile.camera_id, self.access.clips
        if camera is None or clips is None:
            return
        self.bar.show_notice(self.tr("Exporting the clip …"))

        def done(saved: SavedClip) -> None:
            text = self.tr("Clip saved: %1 (SHA-256 %2…)").replace("%1", str(saved.path)).replace(
                "%2", saved.sha256[:16])
            if saved.case_code:
                text += self.tr("; filed as evidence of case %1").replace("%1", saved.case_code)
            if saved.missing:
                text += self.tr("; no recording for %1").replace("%1", "、".join(saved.missing))
            self.bar.show_notice(text)

        self.bridge.run(lambda: clips.save_now(camera, start, end, case_code), done,
                        lambda exc: self.bar.show_notice(self.tr("Clip not exported: %1").replace("%1", str(exc))))

    def jump_to_case(self, code: str) -> None:
        if not code:
            return

        def found(when: datetime | None) -> None:
            if when is None:
                self.bar.show_notice(self.tr("No case %1").replace("%1", code))
                return
            start, end = self.bar.timeline.start, self.bar.timeline.end
            if not start <= when <= end:
                self.enter(when)
                return
            self.seek(when)

        self.bridge.watch(self.access.case_time(code), found, lambda exc: self.bar.show_notice(str(exc)))

    # -- loading ----------------------------------------------------------------------------------------------------
    def _load(self, start: datetime, end: datetime, *, restart: bool) -> None:
        camera_id = self.tile.camera_id
        if camera_id is None:
            return
        # Reads finish in any order on the task manager: only the answers of the latest load are shown.
        self._generation += 1
        generation = self._generation

        def latest(show: Callable[[T], None]) -> Callable[[T], None]:
            return lambda value: show(value) if generation == self._generation else None

        self.bridge.watch(self.access.spans(camera_id, start, end), latest(self._show_spans), self._failed)
        self.bridge.watch(self.access.markers(camera_id, start, end), latest(self._show_markers), self._failed)
        if restart:
            self._restart_generation = generation
            self.bridge.watch(self.access.segments(camera_id, start, end),
                              lambda segments: self._start_source(segments)
                              if generation == self._restart_generation else None, self._failed)

    def _show_spans(self, spans: list[Span]) -> None:
        self.bar.timeline.set_spans([(s.start, s.end) for s in spans])

    def _show_markers(self, markers: list[TimelineMarker]) -> None:
        self.bar.timeline.set_markers(markers)

    def _start_source(self, segments: list[Segment]) -> None:
        if not self.active or self.tile.camera_id is None:
            return
        self._retire()
        if not segments:
            self.bar.show_notice(self.tr("Nothing was recorded in this period"))
            return
        self.bar.show_notice("")
        source = PlaybackSource(self.tile.camera_id, segments, self.tile.decode_size())
        source.set_speed(float(self.bar.speed.currentData()))
        source.start()
        if self._pending_seek is not None:
            source.seek(self._pending_seek)
            self._pending_seek = None
        self.source = source

    def _failed(self, exc: BaseException) -> None:
        self.bar.show_notice(self.tr("Cannot read the recordings: %1").replace("%1", str(exc)))

    def _retire(self) -> None:
        source, self.source = self.source, None
        if source is not None:
            self.access.tasks.run(source.stop)  # joining the decoder is I/O: never on the GUI thread

    def _toggle(self) -> None:
        if self.source is None:
            return
        if self.source.playing:
            self.source.pause()
        else:
            self.source.play()

    def _poll(self) -> None:
        source = self.source
        if source is None:
            return
        self.tile.show_frame(source.latest_frame())
        self.bar.show_position(source.position(), source.playing)
        notices = source.notices
        if notices:
            self.bar.show_notice(notices[-1])

    # -- geometry ---------------------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tile and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        self.button.adjustSize()
        self.button.move(self.tile.width() - self.button.width() - 4, self.tile.height() - self.button.height() - 4)
        if self.bar.isVisible():
            hint = self.bar.sizeHint().height()
            self.bar.setGeometry(0, self.tile.height() - hint, self.tile.width(), hint)
            self.bar.raise_()
            self.button.move(self.tile.width() - self.button.width() - 4, self.tile.height() - hint -
                             self.button.height() - 2)


def to_qdatetime(when: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(when.timestamp()))
