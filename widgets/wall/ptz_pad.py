"""PTZ on a video tile: an on-screen pad, mouse drag, wheel zoom, keyboard arrows and presets.

A tile showing a PTZ camera gets a small 云台 button; switched on, the pad appears over the picture and the tile's
mouse and keys turn the camera instead of dragging the cell: drag = turn at a speed that grows with the distance
dragged (release stops), wheel = zoom step, arrows held = turn (release stops), +/- = zoom. Every action is an
intent to :class:`~commandcenter.ptz.service.PtzService` (which calls the camera off the GUI thread); the pad shows
the last failure the service announced.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from commandcenter.ptz.service import PtzCommandError, PtzPreset, PtzService
from widgets.wall.playback import OVERLAY_BUTTON_QSS
from widgets.wall.tile import VideoTile

KEY_SPEED = 0.5  # velocity of a held arrow key
WHEEL_STEP = 0.1  # zoom change per wheel notch
DRAG_FULL_PX = 150  # dragging this far from the press point turns at full speed
VELOCITY_STEP = 0.1  # drag velocities are rounded to this, so a shaking hand sends a few commands, not hundreds
ARROWS = {Qt.Key.Key_Left: (-1.0, 0.0), Qt.Key.Key_Right: (1.0, 0.0), Qt.Key.Key_Up: (0.0, 1.0),
          Qt.Key.Key_Down: (0.0, -1.0)}


def _quantize(value: float) -> float:
    return round(max(-1.0, min(1.0, value)) / VELOCITY_STEP) * VELOCITY_STEP


class DirectionPad(QWidget):
    """A round pad: press anywhere → turn towards that side at a speed growing to the rim; release → stop."""

    def __init__(self, control: PtzControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = control
        self.setFixedSize(QSize(88, 88))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("Press and hold to turn the camera; the farther from the centre, the faster"))

    def velocity_at(self, pos: QPointF) -> tuple[float, float]:
        radius = self.width() / 2
        dx, dy = (pos.x() - radius) / radius, (radius - pos.y()) / radius
        length = math.hypot(dx, dy)
        if length > 1.0:
            dx, dy = dx / length, dy / length
        return _quantize(dx), _quantize(dy)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.control.turn(*self.velocity_at(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.control.turn(*self.velocity_at(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.control.halt()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(1, 1, -1, -1)
        painter.setPen(QPen(QColor("#8b949e"), 1))
        painter.setBrush(QColor(13, 17, 23, 190))
        painter.drawEllipse(rect)
        painter.setBrush(QColor("#e6edf3"))
        painter.setPen(Qt.PenStyle.NoPen)
        c = QPointF(rect.center())
        r = rect.width() / 2 - 8
        for angle in (0, 90, 180, 270):
            a = math.radians(angle)
            tip = QPointF(c.x() + r * math.cos(a), c.y() - r * math.sin(a))
            base = QPointF(c.x() + (r - 12) * math.cos(a), c.y() - (r - 12) * math.sin(a))
            side = QPointF(7 * math.sin(a), 7 * math.cos(a))
            painter.drawPolygon(QPolygonF([tip, base + side, base - side]))
        painter.setBrush(QColor("#30363d"))
        painter.drawEllipse(c, 10.0, 10.0)
        painter.end()


class PtzPad(QWidget):
    """The overlay: direction pad, zoom in/out, presets (go to, save) and the last error."""

    def __init__(self, control: PtzControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = control
        self.setObjectName("ptzPad")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#ptzPad { background: rgba(13,17,23,170); border-radius: 6px; } "
                           "QLabel { color: #f0883e; }")
        self.pad = DirectionPad(control, self)
        self.zoom_in = self._hold_button("+", self.tr("Zoom in (hold)"), 0.5)
        self.zoom_out = self._hold_button("−", self.tr("Zoom out (hold)"), -0.5)
        self.presets = QComboBox(self)
        self.presets.setEditable(True)
        self.presets.setMinimumWidth(110)
        edit = self.presets.lineEdit()
        if edit is not None:
            edit.setPlaceholderText(self.tr("Preset"))
        self.presets.setToolTip(self.tr("Choose a preset to go to, or type a name and save the current view"))
        self.go = QToolButton(self)
        self.go.setText(self.tr("Go to"))
        self.go.clicked.connect(self._go)
        self.save = QToolButton(self)
        self.save.setText(self.tr("Save"))
        self.save.setToolTip(self.tr("Save the current view as this preset"))
        self.save.clicked.connect(self._save)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setMaximumWidth(220)
        zoom = QVBoxLayout()
        zoom.addWidget(self.zoom_in)
        zoom.addWidget(self.zoom_out)
        top = QHBoxLayout()
        top.addWidget(self.pad)
        top.addLayout(zoom)
        preset_row = QHBoxLayout()
        preset_row.addWidget(self.presets, 1)
        preset_row.addWidget(self.go)
        preset_row.addWidget(self.save)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        outer.addLayout(top)
        outer.addLayout(preset_row)
        outer.addWidget(self.message)

    def _hold_button(self, text: str, tip: str, speed: float) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setFixedSize(QSize(32, 32))
        button.pressed.connect(lambda: self.control.zoom(speed))
        button.released.connect(self.control.halt)
        return button

    def show_presets(self, presets: list[PtzPreset]) -> None:
        current = self.presets.currentText()
        self.presets.clear()
        for preset in presets:
            self.presets.addItem(preset.name, preset.token)
        self.presets.setEditText(current)

    def _go(self) -> None:
        index = self.presets.findText(self.presets.currentText())
        token = self.presets.itemData(index) if index >= 0 else self.presets.currentText().strip()
        if token:
            self.control.goto_preset(str(token))

    def _save(self) -> None:
        name = self.presets.currentText().strip()
        if name:
            self.control.save_preset(name)
        else:
            self.message.setText(self.tr("Type a name for the preset first"))


class PtzControl(QObject):
    """Turns one tile into a PTZ controller while on: pad overlay + mouse/keyboard handling of the tile."""

    def __init__(self, tile: VideoTile, service: PtzService) -> None:
        super().__init__(tile)
        self.tile = tile
        self.service = service
        self.active = False
        self._drag_origin: QPoint | None = None
        self._velocity = (0.0, 0.0, 0.0)
        self.button = QToolButton(tile)
        self.button.setObjectName("tilePtz")
        self.button.setText(self.tr("PTZ"))
        self.button.setToolTip(self.tr("Pan, tilt and zoom this camera: pad, drag, wheel, arrow keys"))
        self.button.setCheckable(True)
        self.button.setAutoRaise(True)
        self.button.setStyleSheet(OVERLAY_BUTTON_QSS)
        self.button.toggled.connect(self.set_active)
        self.pad = PtzPad(self, tile)
        self.pad.hide()
        service.outcome.connect(self._outcome)
        service.presetsChanged.connect(self._presets_changed)
        tile.installEventFilter(self)
        self.camera_changed()

    @property
    def camera_id(self) -> str | None:
        return self.tile.camera_id

    def camera_changed(self) -> None:
        """The tile shows another camera: the PTZ button only for PTZ cameras; PTZ mode ends."""
        ptz = self.service.is_ptz(self.camera_id)
        self.button.setVisible(ptz)
        if not ptz and self.active:
            self.button.setChecked(False)
        self._place()

    def set_active(self, on: bool) -> None:
        if on and not self.service.is_ptz(self.camera_id):
            return
        self.active = on
        self.pad.setVisible(on)
        self.pad.message.clear()
        self.tile.setFocusPolicy(Qt.FocusPolicy.StrongFocus if on else Qt.FocusPolicy.NoFocus)
        if on:
            self.tile.setFocus()
            self._send(lambda cam: self.service.presets(cam))
        elif self._velocity != (0.0, 0.0, 0.0):
            self.halt()
        self._place()

    # -- intents ----------------------------------------------------------------------------------------------------
    def turn(self, pan: float, tilt: float) -> None:
        self._move(pan, tilt, 0.0)

    def zoom(self, speed: float) -> None:
        self._move(0.0, 0.0, speed)

    def halt(self) -> None:
        self._velocity = (0.0, 0.0, 0.0)
        self._send(lambda cam: self.service.stop(cam))

    def goto_preset(self, preset: str) -> None:
        self._send(lambda cam: self.service.goto_preset(cam, preset))

    def save_preset(self, name: str) -> None:
        self._send(lambda cam: self.service.save_preset(cam, name))

    def _move(self, pan: float, tilt: float, zoom: float) -> None:
        velocity = (pan, tilt, zoom)
        if velocity == self._velocity:
            return  # same speed as the last command: the camera is already doing it
        if velocity == (0.0, 0.0, 0.0):
            self.halt()
            return
        self._velocity = velocity
        self._send(lambda cam: self.service.move(cam, pan, tilt, zoom))

    def _send(self, intent: object) -> None:
        camera_id = self.camera_id
        if camera_id is None or not callable(intent):
            return
        try:
            intent(camera_id)
        except PtzCommandError as exc:
            self.pad.message.setText(str(exc))

    # -- the tile's events while on ---------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self._place()
        if not self.active or watched is not self.tile:
            return False
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            if event.button() == Qt.MouseButton.LeftButton:
                self._drag_origin = event.position().toPoint()
                self.tile.setFocus()
                return True
        elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent) and self._drag_origin is not None:
            delta = event.position().toPoint() - self._drag_origin
            self.turn(_quantize(delta.x() / DRAG_FULL_PX), _quantize(-delta.y() / DRAG_FULL_PX))
            return True
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent) and self._drag_origin:
            self._drag_origin = None
            self.halt()
            return True
        elif kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            notches = event.angleDelta().y() / 120
            if notches:
                self._send(lambda cam: self.service.nudge(cam, 0.0, 0.0, WHEEL_STEP * notches))
            return True
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and isinstance(event, QKeyEvent):
            return self._key(event, kind == QEvent.Type.KeyPress)
        return False

    def _key(self, event: QKeyEvent, pressed: bool) -> bool:
        key = Qt.Key(event.key())
        zoom = {Qt.Key.Key_Plus: KEY_SPEED, Qt.Key.Key_Equal: KEY_SPEED, Qt.Key.Key_Minus: -KEY_SPEED}.get(key)
        if key not in ARROWS and zoom is None:
            return False
        if event.isAutoRepeat():
            return True  # held key: the camera keeps turning from the first press
        if not pressed:
            self.halt()
        elif zoom is not None:
            self.zoom(zoom)
        else:
            pan, tilt = ARROWS[key]
            self.turn(pan * KEY_SPEED, tilt * KEY_SPEED)
        return True

    # -- feedback ---------------------------------------------------------------------------------------------------
    def _outcome(self, camera_id: str, ok: bool, message: str) -> None:
        if camera_id == self.camera_id and self.active:
            self.pad.message.setText("" if ok else message)

    def _presets_changed(self, camera_id: str, presets: object) -> None:
        if camera_id == self.camera_id and isinstance(presets, list):
            self.pad.show_presets(presets)

    def _place(self) -> None:
        self.button.adjustSize()
        self.button.move(self.tile.width() - self.button.width() - 4, 26)
        if self.pad.isVisible():
            self.pad.adjustSize()
            self.pad.move(self.tile.width() - self.pad.width() - 6, 26 + self.button.height() + 4)
            self.pad.raise_()


def attach_ptz(tile: VideoTile, service: PtzService | None) -> PtzControl | None:
    """Give a tile its PTZ control (or none without a PTZ service); it follows the tile's camera changes."""
    if service is None:
        return None
    control = PtzControl(tile, service)
    tile.cameraChanged.connect(lambda _camera: control.camera_changed())
    return control


__all__ = ["DirectionPad", "PtzControl", "PtzPad", "attach_ptz"]
