"""PySide6 6.12.0 on Python 3.11 loses a reference to None on every paint event and soon aborts the interpreter
("Fatal Python error: none_dealloc"). The pinned version must be clean: painting a thousand times leaves
``sys.getrefcount(None)`` where it was."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget


class Painted(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        painter.drawText(self.rect(), 0, "指挥中心")
        painter.end()
        self.paints += 1


def test_painting_does_not_leak_references_to_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = Painted()
    qtbot.addWidget(widget)
    widget.resize(200, 100)
    widget.show()
    qtbot.waitExposed(widget)
    for _ in range(20):  # warm up caches
        widget.repaint()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    before = sys.getrefcount(None)
    start = widget.paints
    for _ in range(1000):
        widget.repaint()
        QApplication.processEvents()
    assert widget.paints - start >= 1000
    drift = sys.getrefcount(None) - before
    assert abs(drift) < 100, f"None's refcount drifted by {drift} over 1000 paints: the PySide6 build is leaking"
