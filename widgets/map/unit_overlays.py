"""What a :class:`~widgets.map.units.UnitLayer` draws besides its markers: trails and stale-age labels.

Why apart from the layer: the layer's job is the columnar position arrays and the per-style marker groups;
trails and age labels are derived views of those arrays with their own timing (trails are rebuilt at most
once a second and clipped to the view; age labels only when few stale units are on screen). Keeping them here
keeps the layer about rows and markers. Both read the layer's arrays; neither writes them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from widgets.map import style
from widgets.map.vector import Label, LabelsItem

if TYPE_CHECKING:
    from widgets.map.units import UnitLayer

STALE_LABEL_LIMIT = 60


class UnitTrails:
    """One curve for the recent track of every unit in (and around) the view, within a point budget."""

    def __init__(self, layer: UnitLayer, plot: pg.PlotItem, z: float) -> None:
        self._layer = layer
        self._plot = plot
        self.item = pg.PlotCurveItem(pen=pg.mkPen(style.TRAIL_COLOUR, width=1), antialias=False)
        self.item.setZValue(z - 1)
        self.dirty = False
        self.last_build = 0.0
        self.max_points = 20_000  # ≈ 3 ms of curve painting; 10,000 units get coarser trails

    def rebuild_if_due(self, shown: bool) -> None:
        """Rebuild when positions or the view changed, at most once a second, and only when trails are shown."""
        now = time.monotonic()
        if self.dirty and shown and now - self.last_build >= 1.0:
            self.dirty = False
            self.last_build = now
            self.rebuild()

    def rebuild(self) -> None:
        layer = self._layer
        n = len(layer.ids)
        rect = self._plot.getViewBox().viewRect()
        mx, my = rect.width() * 0.25, rect.height() * 0.25
        x, y = layer.x[:n], layer.y[:n]
        rows = np.flatnonzero(layer.has_fix[:n] & (x >= rect.left() - mx) & (x <= rect.right() + mx)
                              & (y >= rect.top() - my) & (y <= rect.bottom() + my))
        tx, ty, connect = layer.trails.polyline(layer.clock(), rows, layer.x[rows], layer.y[rows],
                                                max_points=self.max_points)
        self.item.setData(x=tx, y=ty, connect=connect)

    def view_changed(self) -> None:
        self.dirty = True
        self.last_build = min(self.last_build, time.monotonic() - 0.8)


class StaleAgeLabels:
    """The age printed next to stale markers, only when few enough (``STALE_LABEL_LIMIT``) are in view."""

    def __init__(self, layer: UnitLayer, plot: pg.PlotItem, z: float) -> None:
        self._layer = layer
        self._plot = plot
        self.item = LabelsItem()
        self.item.setZValue(z + 10)
        self._font = QFont("Noto Sans CJK SC", 8)

    def update(self) -> None:
        layer = self._layer
        n = len(layer.ids)
        rows = np.flatnonzero(layer.stale[:n] & layer.has_fix[:n])
        rect = self._plot.getViewBox().viewRect()
        inside = ((layer.x[rows] >= rect.left()) & (layer.x[rows] <= rect.right())
                  & (layer.y[rows] >= rect.top()) & (layer.y[rows] <= rect.bottom()))
        rows = rows[inside][:STALE_LABEL_LIMIT] if inside.sum() <= STALE_LABEL_LIMIT else rows[:0]
        now = layer.clock()
        labels = [Label(layer.age_format(now - layer.fix_t[row]), float(layer.x[row]), float(layer.y[row]),
                        "#aab2bf", self._font, anchor=(-0.3, 1.0)) for row in rows]
        if labels != self.item.labels:  # the same ages at the same places (most flushes): keep the rendered ones
            self.item.set_labels(labels)
