"""The history replay bar: period, load, play/pause, speed, time slider, "where at HH:MM", back to live.

It drives the :class:`~commandcenter.mapdata.replay.HistoryService` (loading on its worker, the replay clock);
drawing the replayed moment is the map screen's business (it listens to the service's clock).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from commandcenter.mapdata.replay import HistoryService
from commandcenter.mapdata.trips import TripSummary

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
        rows = QVBoxLayout(self)
        row = QHBoxLayout()
        rows.addLayout(row)
        self.trip_label = QLabel()  # the selected unit's trip summary while replaying
        self.trip_label.setWordWrap(True)
        self.trip_label.hide()
        rows.addWidget(self.trip_label)
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
        # Dragged (or clicked, or moved by key) while playing: the replay pauses under the hand, jumps where the
        # slider is let go and plays on from there; the clock never pulls the slider back.
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderPressed.connect(self._slider_pressed)
        self.slider.sliderReleased.connect(self._slider_released)
        self._resume_after_drag = False
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
        self._default_period = (self.replay_from.dateTime(), self.replay_to.dateTime())
        if history is not None:
            history.failed.connect(self.status)
            history.clock.state_changed.connect(self._on_state)
            history.latest_found.connect(self._on_latest)
            history.find_latest()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.history is not None:
            self.history.find_latest()  # fixes keep arriving: the default period follows the newest

    def _on_latest(self, latest: float) -> None:
        """Start where the data is: the default period is the last hour that has fixes, not the last hour of
        the clock (empty after a night without devices). A period the user chose is left alone."""
        if (self.replay_from.dateTime(), self.replay_to.dateTime()) != self._default_period:
            return
        end = QDateTime.fromSecsSinceEpoch(int(latest) // 60 * 60 + 60)
        self.replay_to.setDateTime(end)
        self.replay_from.setDateTime(end.addSecs(-3600))
        self._default_period = (self.replay_from.dateTime(), self.replay_to.dateTime())

    def show_trip(self, trip: TripSummary | None, name: str = "") -> None:
        """The selected unit's trip over the replayed period (None hides it): distance, duration, moving time,
        and its stops with their times and durations."""
        if trip is None or trip.end <= trip.start:
            self.trip_label.hide()
            return
        stops = "，".join(self.tr("{0} for {1}").format(datetime.fromtimestamp(stop.start).strftime("%H:%M"),
                                                       _duration(stop.duration_s)) for stop in trip.stops)
        text = self.tr("{0}: {1} km · duration {2} · moving {3} · {4} stops").format(
            name or trip.unit_id, f"{trip.distance_m / 1000:.2f}", _duration(trip.duration_s),
            _duration(trip.moving_s), len(trip.stops))
        self.trip_label.setText(f"{text}（{stops}）" if stops else text)
        self.trip_label.show()

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

    def _slider_pressed(self) -> None:
        if self.history is not None and self.history.clock.playing:
            self._resume_after_drag = True
            self.history.clock.pause()

    def _slider_released(self) -> None:
        self._slider_moved(self.slider.value())
        if self._resume_after_drag and self.history is not None:
            self._resume_after_drag = False
            self.history.clock.play()

    def _goto_time_changed(self, qdt: QDateTime) -> None:
        if self.history is None or not self.history.is_loaded:
            return
        start = datetime.fromtimestamp(self.history.clock.start)
        wanted = qdt.time()
        when = start.replace(hour=wanted.hour(), minute=wanted.minute(), second=0, microsecond=0)
        if when < start:
            when += timedelta(days=1)
        self.seek(when.astimezone(UTC))


def _duration(seconds: float) -> str:
    """1 h 05 min, 12 min, 40 s — the way a trip report reads."""
    s = max(0, round(seconds))
    if s >= 3600:
        return QCoreApplication.translate("ReplayPanel", "{0} h {1} min").format(s // 3600, f"{s % 3600 // 60:02d}")
    if s >= 60:
        return QCoreApplication.translate("ReplayPanel", "{0} min").format(s // 60)
    return QCoreApplication.translate("ReplayPanel", "{0} s").format(s)
