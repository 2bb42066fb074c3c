"""A scatter item whose bounding rectangle is computed once per change, not on every paint.

pyqtgraph's ``ScatterPlotItem.boundingRect`` recomputes the pixel padding (the item's pixel vectors through the
view's transforms) on every call, and Qt asks several times per frame: with a dozen style groups of units on the map
that was about a tenth of a frame's Python time. The rectangle only changes when the data or the spot sizes change
or the view's transform does, and pyqtgraph marks each of those by giving ``self.bounds`` a new list
(``setData``, ``clear``, ``viewTransformChanged``, spot size updates; and
:func:`~widgets.map.units.set_styled_positions`), so the rectangle is kept for as long as that list is the same object.

Painting is leaner too (:meth:`CachedBoundsScatter.paint`): the map repaints several times a second while units
move, and pyqtgraph's paint culls in item coordinates (each spot's size converted through the item's pixel
vectors, a dozen array passes) before mapping the spots to the device. Mapping first and culling against the
device rectangle in pixels gives the same spots with half the passes over the arrays; on the GUI thread of the
demo, each pass over a few thousand spots is a chance for a worker thread to take the interpreter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QTransform


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

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        """Nothing to draw costs nothing: pyqtgraph would still cull and transform its empty arrays (the selection
        ring, SOS rings and an empty layer are asked to paint on every frame). Spots of pixel size from the
        symbol atlas (the map's case) are drawn by :meth:`_paint_atlas_spots`; anything else (an export, a
        changed pixel ratio, a perspective transform) by pyqtgraph."""
        if not len(self.data):
            return
        if not self._paint_atlas_spots(painter, widget):
            super().paint(painter, option, widget)

    def _paint_atlas_spots(self, painter: QPainter, widget: Any) -> bool:
        """Map the spots to device pixels, keep those whose sprite touches the device, draw them in one call.
        False when this case does not apply (pyqtgraph's paint then does the general one)."""
        opts = self.opts
        if not (opts["pxMode"] and opts["useCache"]) or self._exportOpts is not False \
                or opts.get("compositionMode") is not None:
            return False
        dpr = self.fragmentAtlas.devicePixelRatio()
        if widget is not None and widget.devicePixelRatioF() != dpr:
            return False  # pyqtgraph re-renders the atlas for the new ratio
        t = painter.transform()
        if t.type() == QTransform.TransformationType.TxProject:
            return False
        device = painter.device()
        if device is None:
            return False
        data = self.data
        xs, ys = data["x"], data["y"]
        px = xs * t.m11() + ys * t.m21() + t.dx()
        py = xs * t.m12() + ys * t.m22() + t.dy()
        source = data["sourceRect"]
        half_w = source["w"] * (0.5 / dpr)
        half_h = source["h"] * (0.5 / dpr)
        with np.errstate(invalid="ignore"):  # hidden style templates sit at NaN: never drawn
            shown = (data["visible"] & (px + half_w > 0) & (px - half_w < device.width())
                     & (py + half_h > 0) & (py - half_h < device.height()))
        rects = source[shown]
        fragments = self._pixmapFragments
        fragments.resize(rects.size)
        table = fragments.ndarray()
        table[:, 0] = px[shown]
        table[:, 1] = py[shown]
        table[:, 2:6] = np.frombuffer(rects, dtype=int).reshape((-1, 4))  # the sprite's place in the atlas
        table[:, 6:10] = [1 / dpr, 1 / dpr, 0.0, 1.0]  # scale x, scale y, rotation, opacity
        painter.resetTransform()
        painter.drawPixmapFragments(*fragments.drawargs(), self.fragmentAtlas.pixmap)  # type: ignore[call-arg]
        return True

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None) -> Any:
        """No bounds while every spot is a hidden (NaN) style template, instead of numpy's all-NaN warning."""
        xs = self.data["x"]
        if len(xs) and bool(np.isnan(xs).all()):
            return (None, None)
        return super().dataBounds(ax, frac, orthoRange)
