"""PySide6 6.12.0 on Python 3.11 loses a reference to None on every paint event and soon aborts the interpreter
("Fatal Python error: none_dealloc"). The pinned version must be clean: painting a thousand times leaves
``sys.getrefcount(None)`` where it was.

The paint loop runs in a fresh interpreter so that timers and objects of other tests cannot move the count, and so
that the abort, if the bug is back, fails this test instead of killing the whole test run.
"""

from __future__ import annotations

import os
import subprocess
import sys

PAINT_LOOP = r"""
import sys
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication([])

class Painted(QWidget):
    paints = 0
    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        painter.drawText(self.rect(), 0, "指挥中心 视频墙")
        painter.end()
        Painted.paints += 1

widget = Painted()
widget.resize(240, 120)
widget.show()
for _ in range(50):  # warm up caches (fonts, palette) before counting
    widget.repaint()
    app.processEvents()
before = sys.getrefcount(None)
start = Painted.paints
for _ in range(1000):
    widget.repaint()
    app.processEvents()
print(Painted.paints - start, sys.getrefcount(None) - before)
"""


def test_painting_does_not_leak_references_to_none() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", PAINT_LOOP], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"the paint loop crashed (none_dealloc?):\n{result.stderr[-2000:]}"
    paints, drift = (int(x) for x in result.stdout.split())
    assert paints >= 1000
    assert abs(drift) < 20, f"None's refcount drifted by {drift} over {paints} paints: the PySide6 build leaks"
