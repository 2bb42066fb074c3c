"""The history replay bar: period, load, play/pause, speed, time slider, "where at HH:MM", back to live.

It drives the :class:`~commandcenter.mapdata.replay.HistoryService` (loading on its worker, the replay clock);
drawing the replayed moment is the map screen's business (it listens to the service's clock).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QWidget,
)

from commandcenter.mapdata.replay import HistoryService

REPLAY_SPEEDS = (1, 2, 5, 10, 30, 60)
SLIDER_STEPS = 1000


class ReplayPanel(QGroupBox):
    """Controls of a history replay; disabled without a history service (a map with no store)."""

    status = Signal(str)  # what the user should read in the map's status line
    live_requested = Signal()

    def __init__(self, history: HistoryService | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Replay"))
        self.history = history
        row = QHBoxLayout(self)
        now = QDateTime.currentDateTime()
        self.replay_from = QDateTimeEdit(now.addSecs(-3600))
        self.replay_to = QDateTimeEdit(now)
        for edit in (self.replay_from, self.replay_to):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        self.load_button = QPushButton(self.tr("Load"))
        self.load_button.clicked.connect(self._load_clicked)
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.clicked.connect(self._toggle_play)
        self.speed_combo = QComboBox()
        for speed in REPLAY_SPEEDS:
            self.speed_combo.addItem(f"{speed}×", speed)
        self.speed_combo.currentIndexChanged.connect(self._speed_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.sliderMoved.connect(self._slider_moved)
        self.time_label = QLabel()
        self.goto_time = QDateTimeEdit(now)
        self.goto_time.setDisplayFormat("HH:mm")
        self.goto_time.setToolTip(self.tr("Where was the selected unit at this time"))
        self.goto_time.dateTimeChanged.connect(self._goto_time_changed)
        self.live_button = QPushButton(self.tr("Live"))
        self.live_button.clicked.connect(self.live_requested)
        for w in (QLabel(self.tr("From")), self.replay_from, QLabel(self.tr("To")), self.replay_to,
                  self.load_button, self.play_button, self.speed_combo):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        row.addWidget(QLabel(self.tr("Go to")))
        row.addWidget(self.goto_time)
        row.addWidget(self.live_button)
        self.set_loaded(False)
        self.setEnabled(history is not None)
        if history is not None:
            history.failed.connect(self.status)
            history.clock.state_changed.connect(self._on_state)

    def set_loaded(self, loaded: bool) -> None:
        """A period is on the map (play and the slider work) or the map is live again."""
        self.play_button.setEnabled(loaded)
        self.slider.setEnabled(loaded)
        if loaded and self.history is not None:
            self.history.clock.set_speed(float(self.speed_combo.currentData() or 1))
        else:
            self.time_label.setText("--:--:--")

    def show_time(self, t: float) -> None:
        """The replay clock moved: slider and clock label follow (unless the user holds the slider)."""
        if self.history is None:
            return
        start, end = self.history.clock.start, self.history.clock.end
        if end > start and not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(round((t - start) / (end - start) * SLIDER_STEPS))
            self.slider.blockSignals(False)
        self.time_label.setText(datetime.fromtimestamp(t).strftime("%H:%M:%S"))

    def load(self, start: datetime, end: datetime) -> None:
        """Load a period (worker thread); the service's ``loaded`` says when it is there."""
        if self.history is None:
            raise RuntimeError("history replay needs a history service (a map with a store)")
        self.status.emit(self.tr("Loading history…"))
        self.history.load(start, end)

    def seek(self, when: datetime) -> None:
        """Jump to a moment (clamped to the loaded period)."""
        if self.history is not None and self.history.is_loaded:
            self.history.clock.seek(when.timestamp())

    def _load_clicked(self) -> None:
        start = datetime.fromtimestamp(self.replay_from.dateTime().toSecsSinceEpoch(), UTC)
        end = datetime.fromtimestamp(self.replay_to.dateTime().toSecsSinceEpoch(), UTC)
        if end <= start:
            self.status.emit(self.tr("The end of the period must be after its start"))
            return
        self.load(start, end)

    def _toggle_play(self) -> None:
        if self.history is None:
            return
        if self.history.clock.playing:
            self.history.clock.pause()
        else:
            self.history.clock.play()

    def _on_state(self, playing: bool) -> None:
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))

    def _speed_changed(self, _index: int) -> None:
        if self.history is not None:
            self.history.clock.set_speed(float(self.speed_combo.currentData() or 1))

    def _slider_moved(self, value: int) -> None:
        if self.history is None or not self.history.is_loaded:
            return
        start, end = self.history.clock.start, self.history.clock.end
        self.history.clock.seek(start + (end - start) * value / SLIDER_STEPS)

    def _goto_time_changed(self, qdt: QDateTime) -> None:
        if self.history is None or not self.history.is_loaded:
            return
        start = datetime.fromtimestamp(self.history.clock.start)
        wanted = qdt.time()
        when = start.replace(hour=wanted.hour(), minute=wanted.minute(), second=0, microsecond=0)
        if when < start:
            when += timedelta(days=1)
        self.seek(when.astimezone(UTC))
