"""Garbage collection on the GUI thread only.

CPython runs its cyclic collector in whichever thread happens to allocate when a threshold is crossed. In this
application that is often a decoder, link or HTTP worker thread; if the garbage includes a Qt object (a model
with a timer, a widget caught in a signal-lambda cycle), Qt destroys it from the wrong thread, which can crash the
process. So the automatic collector is switched off and this timer runs it on the GUI thread instead, at CPython's
generation-0 threshold — the approach pyqtgraph documents for Qt applications.

Why every 100 ms: a collection's pause grows with what was allocated since the last one. With automatic
collection off, every thread's allocations pile up between two timer ticks; at 2 ticks a second the demo at
2,000 units measured generation-0 pauses up to 20 ms and generation-1 pauses up to 40 ms on the GUI thread. Ten
ticks a second make each pause about a fifth as long for the same total.

Full (generation-2) collections walk every object made since start-up that is still alive: 140,000 in the demo
at 2,000 units, 110 ms on the GUI thread. So what survives a full collection is frozen too (it has proven
long-lived), and the next full collection walks only what was made since: every ``full_every_s`` (3 s), or
sooner once ``full_at_objects`` (5,000) wait in the old generation, so a burst (2,000 phones switching on) is
walked in parts. The price: cyclic garbage among frozen objects is not found, so once every ``sweep_every_s``
(an hour) everything is unfrozen and collected: one longer pause an hour instead of a 100 ms one a minute.
Acyclic garbage is freed by reference counting as always, frozen or not.

Why 3 s and 5,000, and a generation-1 collection with every 4th young one (``middle_every`` = 3) rather than
CPython's 11th: a pause is as long as what it walks, so smaller parts more often cost the same in total and keep each
pause short. Measured in the populated demo at 2,000 units (three alternating runs each): the longest full
collection on the GUI thread 17-27 ms against 30-47 ms with 10 s / 20,000 and every 11th.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject

from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer


class MainThreadGC(QObject):
    """Disable automatic GC and collect from a GUI-thread timer. ``stop()`` restores the previous setting."""

    def __init__(self, interval_ms: int = 100, parent: QObject | None = None, *, full_every_s: float = 3.0,
                 sweep_every_s: float = 3600.0, full_at_objects: int = 5_000, middle_every: int = 3) -> None:
        super().__init__(parent)
        self.full_at_objects = full_at_objects
        t0, _t1, t2 = gc.get_threshold()
        self.threshold = (t0, middle_every, t2)  # generation 1 after every ``middle_every`` + 1 young collections
        self.full_every_s = full_every_s
        self.sweep_every_s = sweep_every_s
        self._last_full = self._last_sweep = time.monotonic()
        self.sweeps = 0
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.collections = 0
        self._timer = PhasedTimer(interval_ms, PHASES_MS["gc.check"], self.check, self)  # off the map's paint
        self._timer.start()

    def check(self) -> None:
        count0, count1, count2 = gc.get_count()
        t0, t1, _t2 = self.threshold
        if count0 <= t0:
            return
        now = time.monotonic()
        full_due = count2 > 0 and now - self._last_full >= self.full_every_s  # by time, not by CPython's count
        generation = 2 if full_due else 1 if count1 > t1 else 0
        if generation == 1 and len(gc.get_objects(generation=2)) > self.full_at_objects:
            generation = 2  # a burst (2,000 phones switching on) filled the old generation: walk it now, in parts
        if generation == 2 and now - self._last_sweep >= self.sweep_every_s:
            gc.unfreeze()  # the hourly sweep: frozen objects too (cycles among them are garbage found only here)
            self._last_sweep = now
            self.sweeps += 1
        gc.collect(generation)
        if generation == 2:
            gc.freeze()  # the survivors are long-lived: the next full collection walks only what is newer
            self._last_full = time.monotonic()
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
