"""Garbage collection on the GUI thread only.

CPython runs its cyclic collector in whichever thread happens to allocate when a threshold is crossed. In this
application that is often a decoder, link or HTTP worker thread; if the garbage includes a Qt object (a model
with a timer, a widget caught in a signal-lambda cycle), Qt destroys it from the wrong thread, which can crash the
process. So the automatic collector is switched off and this timer runs it on the GUI thread instead, with the
same generational thresholds — the approach pyqtgraph documents for Qt applications.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGC(QObject):
    """Disable automatic GC and collect from a GUI-thread timer. ``stop()`` restores the previous setting."""

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.collections = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> None:
        count0, count1, count2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if count0 <= t0:
            return
        generation = 2 if count2 > t2 else 1 if count1 > t1 else 0
        gc.collect(generation)
        self.collections += 1

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
