"""What a case's assignee is, as the desk shows it: an icon and a word for 执法队员, 环卫工人 and 车辆.

One place for the recommendation list, the queue's 处置人 column and the case detail, so the three agree: a
dispatcher who sees the truck icon in the list sees it again on the case once it is sent.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

__all__ = ["assignee_icon", "assignee_kind_label"]

_CONTEXT = "Assignees"
# kind → (badge colour, the one character drawn on it)
_BADGES = {"officer": ("#2f6fd0", "执"), "worker": ("#2e9d57", "环"), "vehicle": ("#d98a1c", "车")}


def assignee_kind_label(kind: str) -> str:
    """The kind in the user's language: 执法队员, 环卫工人, 车辆 ("" for nobody)."""
    if kind == "officer":
        return QCoreApplication.translate(_CONTEXT, "Officer")
    if kind == "worker":
        return QCoreApplication.translate(_CONTEXT, "Sanitation worker")
    if kind == "vehicle":
        return QCoreApplication.translate(_CONTEXT, "Vehicle")
    return ""


@cache
def assignee_icon(kind: str) -> QIcon:
    """A small round badge with a character per kind (drawn once per kind; needs a QGuiApplication)."""
    colour, glyph = _BADGES.get(kind, ("#808080", "?"))
    size = 32
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    font = QFont()
    font.setPixelSize(18)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), int(Qt.AlignmentFlag.AlignCenter), glyph)
    painter.end()
    return QIcon(pix)
