"""One video tile: paints the latest frame with an overlay; a drop target and a drag source.

Tiles never receive frames by signal. The wall's single repaint timer asks each tile to ``poll()``; a tile that
finds a newer frame than the one it painted schedules a repaint. The numpy buffer is wrapped in a QImage without
a copy (the array reference is kept alive while the QImage is in use) and, because streams decode at tile size,
drawn 1:1 in the common case.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QMimeData, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

CAMERA_MIME = "application/x-cc-camera-id"  # text = camera id; shared with the map and the camera tree
CELL_MIME = "application/x-cc-wall-cell"  # text = "<wall id>:<cell index>", for swapping cells on one wall

STATE_COLOURS = {
    "live": QColor("#2ecc71"),
    "stalled": QColor("#f1c40f"),
    "offline": QColor("#e74c3c"),
    "connecting": QColor("#3498db"),
    "parked": QColor("#7f8c8d"),
    "missing": QColor("#7f8c8d"),
    "empty": QColor("#4a5563"),
}
PLAYBACK_COLOUR = QColor("#a371f7")  # the badge of a tile showing recorded video
BACKGROUND = QColor("#0b0f14")
ALARM_RED = QColor("#ff2d2d")
TOAST_MS = 6000  # how long the 抓拍 confirmation stays on the tile

# What the stream supervisor says (commandcenter.video.stream, English, naming the decoder backend) → what the
# operator reads on the tile: the state in words, no backend names. First match wins; %1 is the number caught.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^connecting\b"), "Connecting…"),
    (re.compile(r"^live$"), "Live"),
    (re.compile(r"no new frame for (\d+) s"), "No new picture for %1 s"),
    (re.compile(r"no picture within (\d+) s"), "No picture within %1 s"),
    (re.compile(r"trying another backend"), "Cannot open the stream; trying again another way"),
    (re.compile(r"reconnecting in (\d+) s"), "Connection lost; reconnecting in %1 s"),
    (re.compile(r"stream ended"), "The stream ended; reconnecting"),
    (re.compile(r"^nobody watching for (\d+) s"), "Not watched for %1 s: disconnected until shown"),
    (re.compile(r"^reconnecting: shown again"), "Shown again; connecting…"),
)


def reason_text(reason: str) -> str:
    """A stream's state reason as the tile shows it (translated; the technical text stays in the health report)."""
    for pattern, text in _REASONS:
        found = pattern.search(reason)
        if found is not None:
            shown = QCoreApplication.translate("VideoTile", text)
            return shown.replace("%1", found.group(1)) if found.groups() else shown
    return QCoreApplication.translate("VideoTile", "Connection problem; reconnecting") if reason else ""


class SnapshotToast(QFrame):
    """The 抓拍 confirmation on the tile: the picture taken and where it went (or why it failed), for a few
    seconds, where the operator is looking."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("snapshotToast")
        self.setStyleSheet("#snapshotToast { background: rgba(10, 14, 20, 225); border: 1px solid #2ecc71;"
                           " border-radius: 4px; } QLabel { color: #e6edf3; background: transparent; }")
        self.thumb = QLabel(self)
        self.title = QLabel(self)
        self.path = QLabel(self)
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        words = QVBoxLayout()
        words.setContentsMargins(0, 0, 0, 0)
        words.setSpacing(1)
        words.addWidget(self.title)
        words.addWidget(self.path)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.setSpacing(6)
        row.addWidget(self.thumb)
        row.addLayout(words, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_saved(self, picture: QImage | None, path: str) -> None:
        self.setStyleSheet(self.styleSheet().replace("#e74c3c", "#2ecc71"))
        self.title.setText(self.tr("Snapshot saved"))
        self.thumb.setVisible(picture is not None)
        if picture is not None:
            self.thumb.setPixmap(QPixmap.fromImage(picture.scaled(
                96, 54, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)))
        self._show_text(path, self.tr("Saved to %1").replace("%1", path))

    def show_failed(self, reason: str) -> None:
        self.setStyleSheet(self.styleSheet().replace("#2ecc71", "#e74c3c"))
        self.title.setText(self.tr("Snapshot failed"))
        self.thumb.hide()
        self._show_text(reason, reason)

    def _show_text(self, short: str, tooltip: str) -> None:
        self.path.setToolTip(tooltip)
        self.setToolTip(tooltip)
        self._full = short
        self.place()
        self.show()
        self.raise_()
        self._timer.start(TOAST_MS)

    def place(self) -> None:
        """Across the bottom of the tile (above an alarm strip), the path elided in the middle to fit."""
        parent = self.parentWidget()
        if parent is None:
            return
        width = max(120, parent.width() - 16)
        text_w = width - (96 + 24 if self.thumb.isVisible() else 16)
        full = getattr(self, "_full", "")
        self.path.setText(self.path.fontMetrics().elidedText(full, Qt.TextElideMode.ElideMiddle, max(40, text_w)))
        self.setFixedWidth(width)
        self.adjustSize()
        self.move(8, max(0, parent.height() - self.height() - 34))


class VideoTile(QWidget):
    """A wall cell. Emits requests; the wall applies them to the model (the tile owns no state but its view)."""

    cameraDropped = Signal(int, str)  # cell, camera id
    cellDropped = Signal(int, int)  # target cell, source cell
    doubleClicked = Signal(int)
    snapshotRequested = Signal(int)
    menuRequested = Signal(int, QPoint)  # cell, global position (right click)
    cameraChanged = Signal(object)  # camera id or None (the PTZ and playback controls follow it)

    def __init__(self, cell: int, wall_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = cell
        self.wall_id = wall_id
        self.camera_id: str | None = None
        self.camera_name = ""
        self.state = "empty"
        self.reason = ""
        self.alarm_text = ""
        self.playback = False  # showing recorded video (widgets/wall/playback.py feeds the frames, not the wall)
        self.playback_note = ""  # in playback: why there is no picture (同步回放 at a moment it did not record)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None  # keeps the QImage's memory alive
        self._painted_arrival = 0.0
        self._frame_time: float | None = None  # the painted frame's pts (recorded frames: epoch seconds)
        self._press: QPoint | None = None
        self._bar: QImage | None = None
        self._bar_key: tuple[object, ...] = ()
        self.setAcceptDrops(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumSize(QSize(80, 45))
        self._snap = QToolButton(self)
        self._snap.setText(self.tr("Snapshot"))
        self._snap.setToolTip(self.tr("Save the current picture at full resolution as evidence"))
        self._snap.setAutoRaise(True)
        self._snap.setObjectName("tileSnapshot")  # styled by the theme (resources/themes/base.qss)
        self._snap.clicked.connect(lambda: self.snapshotRequested.emit(self.cell))
        self._name_font = QFont()
        self._name_font.setPixelSize(13)
        self._name_font.setBold(True)
        self._small_font = QFont()
        self._small_font.setPixelSize(11)
        self._note_font = QFont()
        self._note_font.setPixelSize(18)
        self._note_font.setBold(True)
        self.toast = SnapshotToast(self)

    # -- model → view ---------------------------------------------------------------------------------------------
    def set_camera(self, camera_id: str | None, name: str, missing: bool) -> None:
        if camera_id != self.camera_id:
            self._image = None
            self._array = None
            self._painted_arrival = 0.0
        self.camera_id = camera_id
        self.camera_name = name
        if camera_id is None:
            self.set_state("empty", self.tr("No camera in this cell: drag one here from the camera list"))
        elif missing:
            self.set_state("missing", self.tr("Camera %1 is not in the configuration").replace("%1", camera_id))
        else:
            self.set_state("connecting", self.tr("Connecting…"))
        self._snap.setVisible(camera_id is not None and not missing)
        self.update()
        self.cameraChanged.emit(camera_id)

    def set_state(self, state: str, reason: str) -> None:
        if (state, reason) == (self.state, self.reason):
            return
        self.state, self.reason = state, reason_text(reason) if state not in ("empty", "missing") else reason
        self.setToolTip(f"{self.camera_name or self.camera_id or ''}\n{self.state_text()}: {self.reason}".strip())
        self.update()

    def show_snapshot(self, path: str) -> None:
        """抓拍 done: confirm it on the tile with the picture (the frame on screen) and where the file went."""
        picture = self._image.copy() if self._image is not None else None
        self.toast.show_saved(picture, str(Path(path)))

    def show_snapshot_failed(self, reason: str) -> None:
        self.toast.show_failed(reason)

    def set_alarm(self, text: str) -> None:
        self.alarm_text = text
        self.update()

    def state_text(self) -> str:
        if self.playback:
            return self.tr("Playback")
        return {"live": self.tr("Live"), "stalled": self.tr("Stalled"), "offline": self.tr("Offline"),
                "connecting": self.tr("Connecting"), "parked": self.tr("Standby"), "missing": self.tr("Missing"),
                "empty": self.tr("Empty")}.get(self.state, self.state)

    def show_frame(self, frame: tuple[np.ndarray, float | None, float] | None) -> bool:
        """Take a frame if it is newer than the painted one; returns whether a repaint was scheduled."""
        if frame is None or frame[2] == self._painted_arrival:
            return False
        array = frame[0]
        height, width = array.shape[:2]
        self._array = array
        self._image = QImage(array.data, width, height, array.strides[0], QImage.Format.Format_RGB32)  # BGRX bytes
        self._painted_arrival = frame[2]
        self._frame_time = frame[1]
        self.update()
        return True

    @property
    def painted_time(self) -> float | None:
        """The time of the frame on screen (recorded frames: epoch seconds; live: the stream's pts)."""
        return self._frame_time

    def set_playback_note(self, text: str, at: float | None = None) -> None:
        """In playback, show ``text`` (e.g. 无录像) instead of a picture from another moment; "" shows frames.
        ``at`` (epoch seconds): the moment the wall is at, for the title bar's clock."""
        if at is not None:
            self._frame_time = at
        if text != self.playback_note:
            self.playback_note = text
            self.update()

    def decode_size(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        return max(2, int(self.width() * ratio)), max(2, int(self.height() * ratio))

    # -- painting -------------------------------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.rect()
        if self.playback and self.playback_note:
            painter.fillRect(rect, BACKGROUND)
            painter.setPen(QColor("#e6edf3"))
            painter.setFont(self._note_font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.playback_note)
        elif self._image is not None and self.state != "missing":
            iw, ih = self._image.width(), self._image.height()
            scale = min(rect.width() / iw, rect.height() / ih)
            if 1.0 <= scale <= 1.1:
                # Decoded at (about) tile size: blit 1:1. A scaled drawImage costs ~10× a plain one and runs
                # holding the GIL, so 16 tiles × 25 fps of it would starve the GUI thread.
                scale = 1.0
            w, h = int(iw * scale), int(ih * scale)
            target = QRect(rect.x() + (rect.width() - w) // 2, rect.y() + (rect.height() - h) // 2, w, h)
            if target != rect:
                painter.fillRect(rect, BACKGROUND)  # only letterboxed tiles need a background
            if scale == 1.0:
                painter.drawImage(target.topLeft(), self._image)
            else:
                painter.drawImage(target, self._image)
        else:
            painter.fillRect(rect, BACKGROUND)
            if self.camera_id is not None:
                painter.setPen(QColor("#8b949e"))
                painter.setFont(self._small_font)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.reason)
        painter.drawImage(0, 0, self._title_bar(rect.width()))
        self._paint_frame(painter, rect)
        painter.end()

    def _title_bar(self, width: int) -> QImage:
        """The name/clock/state bar, re-rendered only when its content changes (once a second for the clock):
        text layout is the expensive part of painting a tile, and a live tile repaints 25 times a second."""
        # In playback the clock is the recorded moment (the frame's time), not now.
        clock = time.strftime("%H:%M:%S", time.localtime(self._frame_time if self.playback and self._frame_time
                                                          else None))
        key = (width, self.state, self.camera_name, self.camera_id, clock, self.playback)
        if self._bar_key == key and self._bar is not None:
            return self._bar
        ratio = self.devicePixelRatioF()
        bar_image = QImage(int(width * ratio), int(22 * ratio), QImage.Format.Format_ARGB32_Premultiplied)
        bar_image.setDevicePixelRatio(ratio)
        bar_image.fill(QColor(0, 0, 0, 140))
        painter = QPainter(bar_image)
        bar = QRect(0, 0, width, 22)
        colour = PLAYBACK_COLOUR if self.playback else STATE_COLOURS.get(self.state, STATE_COLOURS["empty"])
        badge_text = self.state_text()
        painter.setFont(self._small_font)
        badge_w = painter.fontMetrics().horizontalAdvance(badge_text) + 12
        badge = QRect(bar.right() - badge_w - 4, bar.y() + 3, badge_w, bar.height() - 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(QColor("#0b0f14"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, badge_text)
        clock_w = painter.fontMetrics().horizontalAdvance(clock) + 8
        painter.setPen(QColor("#e6edf3"))
        painter.drawText(QRect(badge.x() - clock_w - 4, bar.y(), clock_w, bar.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, clock)
        painter.setFont(self._name_font)
        name = self.camera_name or self.camera_id or ""
        painter.drawText(QRect(bar.x() + 6, bar.y(), bar.width() - badge_w - clock_w - 16, bar.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
        painter.end()
        self._bar, self._bar_key = bar_image, key
        return bar_image

    def _paint_frame(self, painter: QPainter, rect: QRect) -> None:
        if self.alarm_text:
            painter.setPen(QPen(ALARM_RED, 4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
            strip = QRect(rect.x() + 4, rect.bottom() - 26, rect.width() - 8, 22)
            painter.fillRect(strip, QColor(180, 0, 0, 200))
            painter.setPen(QColor("white"))
            painter.setFont(self._name_font)
            painter.drawText(strip, Qt.AlignmentFlag.AlignCenter, self.alarm_text)
        else:
            painter.setPen(QPen(QColor("#30363d"), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self.toast.isVisible():
            self.toast.place()
        self._snap.adjustSize()
        self._snap.move(4, self.height() - self._snap.height() - (30 if self.alarm_text else 4))
        super().resizeEvent(event)

    # -- mouse: double-click, drag a cell ---------------------------------------------------------------------------
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.doubleClicked.emit(self.cell)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        elif event.button() == Qt.MouseButton.RightButton:
            self.menuRequested.emit(self.cell, event.globalPosition().toPoint())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or self.camera_id is None:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        drag = QDrag(self)
        drag.setMimeData(self.mime_data())
        if self._image is not None:
            drag.setPixmap(self.grab().scaled(160, 90, Qt.AspectRatioMode.KeepAspectRatio))
        drag.exec(Qt.DropAction.MoveAction | Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._press = None

    def mime_data(self) -> QMimeData:
        """What a dragged cell carries: the cell (to swap on this wall) and the camera (for other targets)."""
        mime = QMimeData()
        mime.setData(CELL_MIME, f"{self.wall_id}:{self.cell}".encode())
        mime.setData(CAMERA_MIME, (self.camera_id or "").encode())
        mime.setText(self.camera_id or "")
        return mime

    # -- drops ----------------------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(CAMERA_MIME) or event.mimeData().hasFormat(CELL_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragEnterEvent) -> None:  # type: ignore[override]
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(CELL_MIME):
            wall_id, _, cell = bytes(mime.data(CELL_MIME).data()).decode().rpartition(":")
            if wall_id == self.wall_id and cell.isdigit():
                self.cellDropped.emit(self.cell, int(cell))
                event.acceptProposedAction()
                return
        if mime.hasFormat(CAMERA_MIME):
            camera_id = bytes(mime.data(CAMERA_MIME).data()).decode().strip()
            if camera_id:
                self.cameraDropped.emit(self.cell, camera_id)
                event.acceptProposedAction()
