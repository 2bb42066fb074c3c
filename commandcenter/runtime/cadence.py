"""Periodic GUI-thread work on phases of its own, so that the heavy handlers do not pile up in one turn of the loop.

Why: a ``QTimer`` is coarse by default: Qt may move each timeout by up to 5 % of its interval so that timers wake
together. In the one-process demo the units' hand-over to the screens (200 ms), the map's flush of the units into
its scatters (200 ms, followed by the repaint it asks for) and the collector's check (100 ms) therefore ran back to
back in one turn of the event loop, on the round boundaries of the clock; the GUI thread's late beats started
there (in probe runs 75–95 % of the beats later than 16 ms fell in alternate tenths of a second). A
:class:`PhasedTimer` is precise and fires at a fixed offset (its phase) into every period of the monotonic clock,
and :data:`PHASES_MS` gives each of those handlers its own phase, so that the event loop — and anything else
waiting for it, a click or a key — gets a turn between them.

Qt keeps a precise timer on its schedule, except after a timeout later than a whole interval (a long stall):
it then restarts the period from that moment. A phased timer notices that it fired well off its phase and
starts on the phase again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

__all__ = ["PHASES_MS", "PhasedTimer"]

PHASES_MS: dict[str, int] = {
    "units.handover": 20,  # UnitTracker: the positions that changed, to the screens (every 200 ms)
    "gc.check": 70,  # MainThreadGC (every 100 ms: at 70 and 170)
    "map.flush": 120,  # UnitLayer: changed units into the map's scatters, then the map's repaint (every 200 ms)
    # The once-a-second refreshes, one to a slot between the handlers above and the bus's 50 ms ticks (35 or 85 ms
    # into a 200 ms round): as coarse timers Qt woke them together on the whole and half second.
    "health.refresh": 35,  # HealthDock: the devices' table, while shown
    "sensors.silence": 85,  # SensorService: sensors that went silent
    "status.refresh": 235,  # StatusLine: clock, user, devices, database
    "wall.clock": 285,  # TilesGrid: the clock on each video tile
    "map.stale": 435,  # UnitLayer: the age labels of units not heard from
    "map.sensors": 635,  # SensorLayer: the sensors' levels, when they changed
    "map.details": 835,  # MapScreen: the selected unit's details
}
"""Milliseconds into each period (of the monotonic clock) at which each periodic GUI-thread handler runs: apart
from each other, and off the multiples of 50 ms where Qt's coarse timers (the bus, the wall's frame poll) wake."""


class PhasedTimer(QObject):
    """Calls ``callback`` on the GUI thread every ``interval_ms``, at ``phase_ms`` into each period."""

    def __init__(self, interval_ms: int, phase_ms: int, callback: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if interval_ms < 1:
            raise ValueError(f"phased timer: interval must be at least 1 ms, not {interval_ms}")
        self.interval_ms = interval_ms
        self.phase_ms = phase_ms % interval_ms
        self.realigned = 0
        """Times the timer found itself off its phase (after a stall longer than ``interval_ms / 4``)."""
        self._callback = callback
        self._period = QTimer(self)
        self._period.setTimerType(Qt.TimerType.PreciseTimer)
        self._period.setInterval(interval_ms)
        self._period.timeout.connect(self._fire)
        self._first = QTimer(self)  # waits for the phase, then starts the period
        self._first.setTimerType(Qt.TimerType.PreciseTimer)
        self._first.setSingleShot(True)
        self._first.timeout.connect(self._begin)

    def start(self) -> None:
        self._period.stop()
        self._first.start(self._until_phase_ms())

    def stop(self) -> None:
        self._period.stop()
        self._first.stop()

    def isActive(self) -> bool:  # QTimer's name, so that callers read the same
        return self._period.isActive() or self._first.isActive()

    def offset_ms(self) -> float:
        """How far past its phase the clock is now, in [0, interval_ms)."""
        return (time.monotonic() * 1000.0 - self.phase_ms) % self.interval_ms

    def _until_phase_ms(self) -> int:
        return round(self.interval_ms - self.offset_ms()) % self.interval_ms

    def _begin(self) -> None:
        self._period.start()
        self._callback()

    def _fire(self) -> None:
        slack = self.interval_ms / 4
        if slack < self.offset_ms() < self.interval_ms - slack:  # Qt restarted the period after a stall
            self.realigned += 1
            self.start()
        self._callback()
