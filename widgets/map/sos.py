"""The pulsing red ring around an officer whose phone sent an SOS (see :mod:`widgets.map.units`).

The ring is latched here, not read from the latest position: the phone's next ordinary fix (a few seconds later)
no longer carries the mark. It pulses until a dispatcher acknowledges it by clicking the unit, or until
``SOS_FLASH_S`` after the SOS fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer

from widgets.map import style
from widgets.map.scatter import CachedBoundsScatter

if TYPE_CHECKING:
    from widgets.map.units import UnitLayer

SOS_FLASH_S = 300.0  # an unacknowledged SOS ring stops by itself this long after the SOS fix
SOS_PULSE_MS = 250  # the ring's animation step (only runs while an SOS is shown)
SOS_SIZES = (22, 30, 38, 46, 38, 30)  # ring diameter (px) per pulse step


class SosRings(QObject):
    """The rings of one unit layer: which units flash until when, and the animated scatter that draws them."""

    def __init__(self, layer: UnitLayer, z: float) -> None:
        super().__init__(layer)
        self._layer = layer
        self.item = CachedBoundsScatter(symbol="o", size=SOS_SIZES[0], pen=pg.mkPen(style.SOS_COLOUR, width=3),
                                       brush=pg.mkBrush(style.SOS_FILL), pxMode=True, antialias=True)
        self.item.setZValue(z + 6)
        self.until: dict[str, float] = {}  # unit → when its ring stops (the layer's ``clock`` seconds)
        self._seen: dict[str, float] = {}  # unit → fix time of the newest SOS fix taken (re-sends ignored)
        self._step = 0
        self._timer = QTimer(self)
        self._timer.setInterval(SOS_PULSE_MS)
        self._timer.timeout.connect(self.pulse)

    def take(self, fixes: list[tuple[str, float]]) -> None:
        """Start the ring of each unit whose SOS fix is new (the bus and a resync may deliver one fix twice)
        and recent enough (a seat starting long after an SOS does not flash it)."""
        now = self._layer.clock()
        for unit_id, fix_t in fixes:
            if self._seen.get(unit_id, -np.inf) >= fix_t:
                continue
            self._seen[unit_id] = fix_t
            if fix_t + SOS_FLASH_S > now:
                self.until[unit_id] = fix_t + SOS_FLASH_S
        if self.until and not self._timer.isActive():
            self._timer.start()
        self.pulse()

    def is_flashing(self, unit_id: str) -> bool:
        until = self.until.get(unit_id)
        return until is not None and until > self._layer.clock()

    def flashing(self) -> list[str]:
        return sorted(u for u in self.until if self.is_flashing(u))

    def acknowledge(self, unit_id: str) -> bool:
        shown = self.is_flashing(unit_id)
        if self.until.pop(unit_id, None) is not None:
            self.pulse()
        return shown

    def pulse(self) -> None:
        """One animation step: drop timed-out rings, draw the rest at the next size; stop when none is left."""
        layer = self._layer
        now = layer.clock()
        for unit_id in [u for u, until in self.until.items() if until <= now]:
            del self.until[unit_id]
        rows = [r for u in self.until if (r := layer.index.get(u)) is not None and layer.has_fix[r]]
        if not rows:
            self._timer.stop()
            if len(self.item.data):
                self.item.setData(x=[], y=[])
            return
        self._step = (self._step + 1) % len(SOS_SIZES)
        self.item.setData(x=layer.x[rows], y=layer.y[rows], size=SOS_SIZES[self._step])
        self.item.setVisible(layer.shown and layer.visible_layers["officers"])
