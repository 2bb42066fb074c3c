"""Read-only questions about the unit layer's rows: which unit is near a click, where it is drawn, how old its fix."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

OFFICER, VEHICLE, DRONE = 0, 1, 2  # the layer's kind codes


class UnitQueries:
    """Mixed into :class:`widgets.map.units.UnitLayer`, which owns these rows (one per unit, grown in place)."""

    ids: list[str]
    index: dict[str, int]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    fix_t: NDArray[np.float64]
    kind: NDArray[np.int8]
    has_fix: NDArray[np.bool_]
    stale: NDArray[np.bool_]
    clock: Callable[[], float]
    visible_layers: dict[str, bool]

    def nearest(self, x: float, y: float, max_dist: float) -> str | None:
        """Id of the visible unit closest to display point (x, y) within ``max_dist`` metres."""
        n = len(self.ids)
        if n == 0:
            return None
        shown = self.has_fix[:n].copy()
        kinds = self.kind[:n]
        for layer, code in (("officers", OFFICER), ("vehicles", VEHICLE), ("drones", DRONE)):
            if not self.visible_layers[layer]:
                shown &= kinds != code
        rows = np.flatnonzero(shown)
        if len(rows) == 0:
            return None
        d2 = (self.x[rows] - x) ** 2 + (self.y[rows] - y) ** 2
        i = int(np.argmin(d2))
        return self.ids[int(rows[i])] if d2[i] <= max_dist * max_dist else None

    def display_xy(self, unit_id: str) -> tuple[float, float] | None:
        row = self.index.get(unit_id)
        if row is None or not self.has_fix[row]:
            return None
        return float(self.x[row]), float(self.y[row])

    def is_stale(self, unit_id: str) -> bool:
        row = self.index.get(unit_id)
        return bool(row is not None and self.stale[row])

    def age_s(self, unit_id: str) -> float | None:
        row = self.index.get(unit_id)
        if row is None or not self.has_fix[row]:
            return None
        return float(self.clock() - self.fix_t[row])

