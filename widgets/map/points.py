"""Point layers of the map that are not moving units: cameras and case pins, each with its own hit test."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush

from commandcenter.config import CameraConfig
from commandcenter.mapdata.projection import DisplayProjection
from widgets.map import style
from widgets.map.scatter import CachedBoundsScatter


class CameraLayer:
    """The cameras with a known position, drawn as camera symbols."""

    def __init__(self, plot: pg.PlotItem, cameras: Sequence[CameraConfig]) -> None:
        self.cameras = [c for c in cameras if c.lat is not None and c.lon is not None]
        self.item = CachedBoundsScatter(symbol=style.camera_symbol(), size=16, pen=pg.mkPen(style.BACKGROUND),
                                        brush=pg.mkBrush(style.CAMERA_COLOUR))
        self.item.setZValue(70)
        plot.addItem(self.item)
        self._xy = np.zeros((0, 2))

    def place(self, proj: DisplayProjection) -> None:
        """Draw every camera in the given projection."""
        if not self.cameras:
            self.item.setData(x=[], y=[])
            self._xy = np.zeros((0, 2))
            return
        x, y = proj.to_xy([float(c.lat or 0.0) for c in self.cameras], [float(c.lon or 0.0) for c in self.cameras])
        self._xy = np.column_stack([x, y])
        self.item.setData(x=x, y=y, data=[c.id for c in self.cameras])

    def nearest(self, x: float, y: float, tolerance: float) -> str | None:
        """The id of the camera drawn within ``tolerance`` display metres of (x, y), if any."""
        if len(self._xy) == 0:
            return None
        d2 = ((self._xy - (x, y)) ** 2).sum(axis=1)
        i = int(np.argmin(d2))
        return self.cameras[i].id if d2[i] <= tolerance * tolerance else None

    def camera(self, camera_id: str) -> CameraConfig:
        return next(c for c in self.cameras if c.id == camera_id)


class CaseLayer:
    """Case pins coloured by status and sized by urgency (live queue, or the cases of a replayed moment)."""

    def __init__(self, plot: pg.PlotItem, *, z: float, outline: str) -> None:
        self.cases: list[dict[str, Any]] = []
        self.item = CachedBoundsScatter(symbol=style.pin_symbol(), pen=pg.mkPen(outline))
        self.item.setZValue(z)
        plot.addItem(self.item)
        self._xy = np.zeros((0, 2))
        self._brushes: dict[str, QBrush] = {}
        self._placed_with: DisplayProjection | None = None

    def set_cases(self, cases: Sequence[dict[str, Any]], proj: DisplayProjection) -> bool:
        """Pins for dicts with lat, lon, status, urgency (rows without a position are left out); whether the
        pins changed."""
        placed = [c for c in cases if c.get("lat") is not None and c.get("lon") is not None]
        if placed == self.cases and proj is self._placed_with:
            return False  # the feed re-announced the same pins (a change elsewhere): rebuilding costs a frame
        self.cases = placed
        self.place(proj)
        return True

    def place(self, proj: DisplayProjection) -> None:
        if not self.cases:
            self.item.setData(x=[], y=[])
            self._xy = np.zeros((0, 2))
            return
        self._placed_with = proj
        x, y = proj.to_xy([float(c["lat"]) for c in self.cases], [float(c["lon"]) for c in self.cases])
        brushes = [self._brush(style.CASE_STATUS_COLOURS.get(str(c.get("status", "")), style.CASE_OTHER))
                   for c in self.cases]
        sizes = [style.CASE_SIZE_BY_URGENCY.get(int(c.get("urgency") or 2), 16) for c in self.cases]
        self.item.setData(x=x, y=y, brush=brushes, size=sizes)
        self._xy = np.column_stack([x, y])

    def nearest(self, x: float, y: float, tolerance: float) -> dict[str, Any] | None:
        if len(self._xy) == 0:
            return None
        d2 = ((self._xy - (x, y)) ** 2).sum(axis=1)
        i = int(np.argmin(d2))
        return self.cases[i] if d2[i] <= tolerance * tolerance else None

    def _brush(self, colour: str) -> QBrush:
        """One brush per colour, shared by every pin of it (a brush per pin made thousands per refresh)."""
        brush = self._brushes.get(colour)
        if brush is None:
            brush = self._brushes[colour] = pg.mkBrush(colour)
        return brush

    def current_case_of(self, unit_id: str) -> dict[str, Any] | None:
        """The open case a unit is assigned to, if any (shown in the unit's details)."""
        for case in self.cases:
            if unit_id in (case.get("assigned_officer"), case.get("assigned_unit"), case.get("officer")):
                if str(case.get("status", "")) not in ("closed", "cancelled", "handled"):
                    return case
        return None
