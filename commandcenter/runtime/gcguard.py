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

    def freeze(self, *, collect: bool = False) -> None:
        """Move every object alive now out of the collector's reach (``gc.freeze``), after ``collect`` (a full
        collection first, once, at the end of start-up).

        Why: what start-up builds (services, screens, caches, the ORM, Qt wrappers: ~350,000 objects) lives as
        long as the process, yet every full collection walked all of it on the GUI thread, 100–450 ms each, the
        worst stalls a dispatcher felt. Frozen, a full collection walks only what was made since.
        """
        if collect:
            gc.collect()
            self.collections += 1
        gc.freeze()

    def stop(self) -> None:
        """Stop collecting here: the frozen objects go back under the collector, automatic collection as it was."""
        self._timer.stop()
        gc.unfreeze()
        if self._was_enabled:
            gc.enable()
