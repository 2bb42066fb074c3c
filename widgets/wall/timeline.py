"""A recording timeline: recorded spans, case/alarm markers, the playback position; scrub and zoom.

Pure view: it is told the window, the spans, the markers and the position, and it asks for a seek
(``seekRequested(datetime)``) when the operator clicks or drags on it. The wheel zooms the window around the
pointer (from 1 minute to 7 days). Shift + drag (or a right-button drag) selects a span for a clip
(``selectionChanged``). Used under a tile in playback, under the whole wall in 同步回放 and by the 复盘 screen.

Keys (the timeline takes focus when clicked; the same under a tile and under the wall): Space plays/pauses,
←/→ step one frame, Shift+←/→ jump 10 s, ↑/↓ (or +/−) the next faster/slower speed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from commandcenter.video.playback import TimelineMarker

SPAN_COLOUR = QColor("#2ea043")
SELECTION_COLOUR = QColor(88, 166, 255, 90)
MARKER_COLOURS = {"case": QColor("#f0883e"), "alarm": QColor("#ff2d2d"), "event": QColor("#58a6ff")}
TICK_STEPS_S = (10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 86400)
MIN_WINDOW = timedelta(minutes=1)
MAX_WINDOW = timedelta(days=7)


class Timeline(QWidget):
    """Recorded spans (green), markers (triangles, tooltip = label) and the position (white line)."""

    seekRequested = Signal(object)  # datetime (UTC)
    windowChanged = Signal(object, object)  # start, end
    selectionChanged = Signal(object)  # (start, end) in UTC, or None when cleared
    playToggled = Signal()  # Space
    stepRequested = Signal(int)  # ←/→: frames
    speedStepped = Signal(int)  # ↑/↓, +/−: +1 faster, −1 slower

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        now = datetime.now(UTC)
        self.start, self.end = now - timedelta(hours=1), now
        self.spans: list[tuple[datetime, datetime]] = []
        self.markers: list[TimelineMarker] = []
        self.position: datetime | None = None
        self.selection: tuple[datetime, datetime] | None = None  # a span chosen for a clip
        self._anchor: datetime | None = None  # where a selecting drag started
        self.setMinimumHeight(34)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.IBeamCursor)
        self._font = QFont()
        self._font.setPixelSize(10)
        self.setToolTip(self.tr("Click or drag to jump; Shift+drag selects a span for a clip; wheel to zoom; "
                                "Space play/pause, ←/→ one frame, Shift+←/→ 10 s, ↑/↓ speed"))

    def sizeHint(self) -> QSize:
        return QSize(400, 38)

    # -- model → view ---------------------------------------------------------------------------------------------
    def set_window(self, start: datetime, end: datetime) -> None:
        if end <= start:
            raise ValueError(f"timeline window {start.isoformat()} … {end.isoformat()} is empty")
        self.start, self.end = start, end
        self.update()

    def set_spans(self, spans: list[tuple[datetime, datetime]]) -> None:
        self.spans = list(spans)
        self.update()

    def set_markers(self, markers: list[TimelineMarker]) -> None:
        self.markers = list(markers)
        self.update()

    def set_selection(self, selection: tuple[datetime, datetime] | None) -> None:
        if selection is not None and selection[1] <= selection[0]:
            selection = None  # a click without a drag selects nothing
        if selection != self.selection:
            self.selection = selection
            self.update()
            self.selectionChanged.emit(selection)

    def set_position(self, position: datetime | None) -> None:
        if position != self.position:
            self.position = position
            self.update()

    # -- geometry ---------------------------------------------------------------------------------------------------
    def x_of(self, when: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        return (when - self.start).total_seconds() / span * self.width()

    def time_at(self, x: float) -> datetime:
        fraction = max(0.0, min(1.0, x / max(1, self.width())))
        return self.start + (self.end - self.start) * fraction

    # -- painting ---------------------------------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect()
        painter.fillRect(rect, QColor(13, 17, 23, 220))
        bar = self.bar_rect()
        painter.fillRect(bar, QColor("#30363d"))
        for start, end in self.spans:
            x0, x1 = max(0.0, self.x_of(start)), min(float(rect.width()), self.x_of(end))
            if x1 > x0:
                painter.fillRect(QRect(int(x0), bar.y(), max(1, int(x1 - x0)), bar.height()), SPAN_COLOUR)
        if self.selection is not None:
            x0, x1 = self.x_of(self.selection[0]), self.x_of(self.selection[1])
            painter.fillRect(QRect(int(x0), 0, max(2, int(x1 - x0)), rect.height()), SELECTION_COLOUR)
        self._paint_ticks(painter, rect)
        self.paint_rows(painter, rect)
        for marker in self.markers:
            x = self.x_of(marker.at)
            if 0 <= x <= rect.width():
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(MARKER_COLOURS.get(marker.kind, MARKER_COLOURS["event"]))
                painter.drawPolygon(QPolygonF([QPointF(x, bar.y() + 8), QPointF(x - 5, bar.y()),
                                               QPointF(x + 5, bar.y())]))
        if self.position is not None:
            x = self.x_of(self.position)
            if 0 <= x <= rect.width():
                painter.setPen(QPen(QColor("white"), 2))
                painter.drawLine(QPointF(x, 0), QPointF(x, rect.height()))
        painter.end()

    def bar_rect(self) -> QRect:
        """Where the recorded spans are drawn (a subclass with rows per camera keeps the top for the union)."""
        return QRect(0, 14, self.width(), self.height() - 20)

    def paint_rows(self, painter: QPainter, rect: QRect) -> None:
        """Extra rows under the spans (none here; see ``widgets.wall.sync_playback.WallTimeline``)."""

    def _paint_ticks(self, painter: QPainter, rect: QRect) -> None:
        seconds = (self.end - self.start).total_seconds()
        step = next((s for s in TICK_STEPS_S if rect.width() * s / seconds >= 70), TICK_STEPS_S[-1])
        local = self.start.astimezone()
        first = local.replace(microsecond=0) - timedelta(seconds=local.timestamp() % step) + timedelta(seconds=step)
        painter.setFont(self._font)
        painter.setPen(QColor("#8b949e"))
        tick = first
        fmt = "%H:%M:%S" if step < 60 else "%H:%M" if step < 86400 else "%m-%d"
        while tick < self.end:
            x = self.x_of(tick)
            painter.drawLine(QPointF(x, 10), QPointF(x, 14))
            painter.drawText(QRect(int(x) + 2, 0, 80, 12), Qt.AlignmentFlag.AlignLeft, tick.strftime(fmt))
            tick += timedelta(seconds=step)

    # -- mouse ------------------------------------------------------------------------------------------------------
    def _selecting(self, event: QMouseEvent) -> bool:
        return bool(event.buttons() & Qt.MouseButton.RightButton) or (
            bool(event.buttons() & Qt.MouseButton.LeftButton)
            and bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._selecting(event):
            self._anchor = self.time_at(event.position().x())
            self.set_selection(None)
        elif event.button() == Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self.time_at(event.position().x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None:
            self._select_to(event.position().x())
            self._anchor = None

    def _select_to(self, x: float) -> None:
        if self._anchor is not None:
            here = self.time_at(x)
            self.set_selection((min(self._anchor, here), max(self._anchor, here)))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None:  # a selecting drag (started with Shift or the right button) in progress
            self._select_to(event.position().x())
            return
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self.time_at(event.position().x()))
            return
        near = [m for m in self.markers if abs(self.x_of(m.at) - event.position().x()) <= 6]
        if near:
            text = "\n".join(f"{m.at.astimezone().strftime('%H:%M:%S')} {m.label}" for m in near)
            QToolTip.showText(event.globalPosition().toPoint(), text, self)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.handle_key(event):
            super().keyPressEvent(event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """The playback keys (module docstring); True when the key was one of them."""
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Space:
            self.playToggled.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = -1 if key == Qt.Key.Key_Left else 1
            if shift and self.position is not None:
                self.seekRequested.emit(self.position + timedelta(seconds=10 * sign))
            elif not shift:
                self.stepRequested.emit(sign)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.speedStepped.emit(1)
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_Minus):
            self.speedStepped.emit(-1)
        else:
            return False
        event.accept()
        return True

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if not notches:
            return
        pivot = self.time_at(event.position().x())
        factor = 0.8 ** notches
        width = min(MAX_WINDOW, max(MIN_WINDOW, (self.end - self.start) * factor))
        left = (pivot - self.start) / (self.end - self.start)
        start = pivot - width * left
        self.set_window(start, start + width)
        self.windowChanged.emit(self.start, self.end)
