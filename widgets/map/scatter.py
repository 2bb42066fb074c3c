"""A scatter item whose bounding rectangle is computed once per change, not on every paint.

pyqtgraph's ``ScatterPlotItem.boundingRect`` recomputes the pixel padding (the item's pixel vectors through the
view's transforms) on every call, and Qt asks several times per frame: with a dozen style groups of units on the map
that was about a tenth of a frame's Python time. The rectangle only changes when the data or the spot sizes change
or the view's transform does, and pyqtgraph marks each of those by giving ``self.bounds`` a new list
(``setData``, ``clear``, ``viewTransformChanged``, spot size updates; and
:func:`~widgets.map.units.set_styled_positions`), so the rectangle is kept for as long as that list is the same object.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF


class CachedBoundsScatter(pg.ScatterPlotItem):
    """``pg.ScatterPlotItem`` with the bounding rectangle cached (see the module docstring)."""

    _rect: QRectF | None = None
    _rect_for: object = None

    def boundingRect(self) -> QRectF:
        if len(self.data) == 0:  # nothing to draw: an empty rectangle, so the view does not paint it at all
            return QRectF()
        if self._rect is None or self._rect_for is not self.bounds:
            rect = super().boundingRect()
            self._rect, self._rect_for = rect, self.bounds
            return QRectF(rect)
        return QRectF(self._rect)

    def paint(self, painter: Any, option: Any, widget: Any = None) -> None:
        """Nothing to draw costs nothing: pyqtgraph would still cull and transform its empty arrays (the selection
        ring, SOS rings and an empty layer are asked to paint on every frame)."""
        if len(self.data):
            super().paint(painter, option, widget)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None) -> Any:
        """No bounds while every spot is a hidden (NaN) style template, instead of numpy's all-NaN warning."""
        xs = self.data["x"]
        if len(xs) and bool(np.isnan(xs).all()):
            return (None, None)
        return super().dataBounds(ax, frac, orthoRange)
