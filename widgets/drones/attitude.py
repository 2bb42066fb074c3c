"""A painted attitude indicator (artificial horizon) with a roll scale and a heading tape.

Painted with QPainter rather than an SVG or a web view: it repaints at the fleet's 20 Hz on a wall PC without a
GPU, and the geometry stays obvious to whoever maintains it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

SKY = QColor("#2a6fb0")
GROUND = QColor("#7a5230")
MARK = QColor("#f0f4f8")
AIRCRAFT = QColor("#ffcc00")
PANEL = QColor("#0b1118")
TAPE = QColor("#16212c")


class AttitudeIndicator(QWidget):
    """Roll/pitch horizon with a heading strip; ``set_attitude`` stores values and schedules one repaint."""

    PITCH_RANGE = 25.0  # degrees of pitch visible from the centre to the edge of the ball

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roll = 0.0
        self.pitch = 0.0
        self.heading = 0.0
        self.valid = False
        self.setMinimumSize(180, 200)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(240, 270)

    def set_attitude(self, roll: float, pitch: float, heading: float, valid: bool = True) -> None:
        if (roll, pitch, heading, valid) != (self.roll, self.pitch, self.heading, self.valid):
            self.roll, self.pitch, self.heading, self.valid = roll, pitch, heading % 360.0, valid
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), PANEL)
        tape_h = max(28, self.height() // 9)
        side = min(self.width(), self.height() - tape_h) - 8
        ball = QRectF((self.width() - side) / 2, 4, side, side)
        self._paint_horizon(painter, ball)
        self._paint_heading(painter, QRectF(4, ball.bottom() + 4, self.width() - 8, tape_h - 4))
        painter.end()

    def _paint_horizon(self, p: QPainter, ball: QRectF) -> None:
        c = ball.center()
        r = ball.width() / 2
        clip = QPainterPath()
        clip.addEllipse(ball)
        p.save()
        p.setClipPath(clip)
        p.translate(c)
        p.rotate(-self.roll)
        px_per_deg = r / self.PITCH_RANGE
        offset = self.pitch * px_per_deg
        big = r * 3
        p.fillRect(QRectF(-big, -big + offset, 2 * big, big), SKY)
        p.fillRect(QRectF(-big, offset, 2 * big, big), GROUND)
        p.setPen(QPen(MARK, 2))
        p.drawLine(QPointF(-big, offset), QPointF(big, offset))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, r / 12))
        p.setFont(font)
        for deg in range(-30, 31, 5):
            if deg == 0:
                continue
            y = offset - deg * px_per_deg
            half = r * (0.28 if deg % 10 == 0 else 0.14)
            p.setPen(QPen(MARK, 1.5))
            p.drawLine(QPointF(-half, y), QPointF(half, y))
            if deg % 10 == 0:
                p.drawText(QPointF(half + 4, y + 4), str(abs(deg)))
        p.restore()
        # roll scale (fixed) and pointer (rotates with the vehicle)
        p.save()
        p.translate(c)
        p.setPen(QPen(MARK, 2))
        for deg in (-60, -45, -30, -20, -10, 0, 10, 20, 30, 45, 60):
            a = math.radians(deg - 90)
            inner = r * (0.86 if deg % 30 == 0 else 0.91)
            p.drawLine(QPointF(math.cos(a) * inner, math.sin(a) * inner), QPointF(math.cos(a) * r, math.sin(a) * r))
        p.rotate(-self.roll)
        p.setBrush(AIRCRAFT)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon(QPolygonF([QPointF(0, -r * 0.84), QPointF(-r * 0.05, -r * 0.74), QPointF(r * 0.05, -r * 0.74)]))
        p.restore()
        # fixed aircraft symbol
        p.save()
        p.translate(c)
        p.setPen(QPen(AIRCRAFT, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(-r * 0.45, 0), QPointF(-r * 0.15, 0))
        p.drawLine(QPointF(-r * 0.15, 0), QPointF(0, r * 0.08))
        p.drawLine(QPointF(0, r * 0.08), QPointF(r * 0.15, 0))
        p.drawLine(QPointF(r * 0.15, 0), QPointF(r * 0.45, 0))
        p.drawPoint(QPointF(0, 0))
        p.restore()
        p.setPen(QPen(QColor("#2b3b4d"), 3))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(ball)
        if not self.valid:
            p.fillRect(ball, QColor(11, 17, 24, 170))
            p.setPen(QPen(QColor("#ff5555"), 2))
            p.drawLine(ball.topLeft(), ball.bottomRight())
            p.drawLine(ball.topRight(), ball.bottomLeft())

    def _paint_heading(self, p: QPainter, strip: QRectF) -> None:
        p.save()
        p.fillRect(strip, TAPE)
        p.setClipRect(strip)
        px_per_deg = strip.width() / 90.0  # 90° visible
        centre = strip.center().x()
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, strip.height() / 3.2))
        p.setFont(font)
        p.setPen(QPen(MARK, 1.5))
        names = {0: "N", 45: "NE", 90: "E", 135: "SE", 180: "S", 225: "SW", 270: "W", 315: "NW"}
        start = int(self.heading - 50) // 5 * 5
        for deg in range(start, start + 105, 5):
            x = centre + (deg - self.heading) * px_per_deg
            norm = deg % 360
            tick = strip.height() * (0.35 if norm % 15 == 0 else 0.18)
            p.drawLine(QPointF(x, strip.bottom()), QPointF(x, strip.bottom() - tick))
            if norm % 45 == 0:
                label = names[norm]
                p.drawText(QRectF(x - 20, strip.top(), 40, strip.height() * 0.6), Qt.AlignmentFlag.AlignCenter, label)
        p.setPen(QPen(AIRCRAFT, 2))
        p.drawLine(QPointF(centre, strip.top()), QPointF(centre, strip.bottom()))
        p.restore()
        p.setPen(MARK)
        box = QRectF(strip.left(), strip.top(), 56, strip.height() * 0.6)  # readout left, clear of the N label
        p.fillRect(box, PANEL)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, f"{self.heading:03.0f}°")
