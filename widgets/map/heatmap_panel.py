"""The case heatmap: period and category choice, and the heat image over the map.

The density grid is computed by the :class:`~commandcenter.mapdata.heatmap.HeatmapService` on its worker (from
the store's cases when it has a store, else from the case pins the map shows); this panel only asks and draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from commandcenter.mapdata.heatmap import HeatGrid, HeatmapService
from commandcenter.mapdata.projection import DisplayProjection

BBox = tuple[float, float, float, float]


class HeatmapPanel(QWidget):
    """Period and category of the case heatmap; ``failed`` carries the service's error text."""

    failed = Signal(str)

    def __init__(self, service: HeatmapService, plot: pg.PlotItem, bbox: BBox,
                 cases: Callable[[], Sequence[dict[str, Any]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.bbox = bbox
        self._cases = cases
        self.proj: DisplayProjection | None = None
        self.grid: HeatGrid | None = None
        self.item = pg.ImageItem()
        self.item.setZValue(5)
        self.item.setOpacity(0.75)
        lut = pg.ColorMap([0.0, 0.3, 0.6, 1.0], [(0, 0, 0, 0), (0, 120, 255, 150), (255, 200, 0, 200),
                                                  (255, 40, 40, 230)]).getLookupTable(nPts=256, alpha=True)
        self.item.setLookupTable(lut)
        plot.addItem(self.item)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.period = QComboBox()
        for days, text in ((1, self.tr("Last 24 hours")), (7, self.tr("Last 7 days")), (30, self.tr("Last 30 days"))):
            self.period.addItem(text, days)
        self.category = QComboBox()
        self.category.addItem(self.tr("All categories"), "")
        self.period.currentIndexChanged.connect(lambda _i: self.refresh())
        self.category.currentIndexChanged.connect(lambda _i: self.refresh())
        row.addWidget(self.period)
        row.addWidget(self.category)
        service.ready.connect(self._on_ready)
        service.failed.connect(self.failed)  # bound signal: queued to the GUI thread

    @property
    def uses_store(self) -> bool:
        return self.service.store is not None

    def set_visible(self, visible: bool) -> None:
        self.item.setVisible(visible)
        if visible:
            self.refresh()

    def add_categories(self, names: Sequence[str]) -> None:
        """Offer the categories seen on the map (keeps the ones already offered)."""
        known = {self.category.itemData(i) for i in range(self.category.count())}
        for name in names:
            if name not in known:
                self.category.addItem(name, name)

    def refresh(self) -> None:
        """Recompute the heatmap for the chosen period and category (on the service's worker)."""
        if not self.item.isVisible():
            return
        days = int(self.period.currentData() or 1)
        category = str(self.category.currentData() or "")
        end = datetime.now(UTC)
        if self.uses_store:
            self.service.compute_from_store(end - timedelta(days=days), end, category or None, self.bbox)
        else:
            pts = [c for c in self._cases() if not category or c.get("category_name") == category]
            self.service.compute(np.array([float(c["lat"]) for c in pts]), np.array([float(c["lon"]) for c in pts]),
                                 self.bbox)

    def set_projection(self, proj: DisplayProjection) -> None:
        self.proj = proj
        if self.grid is not None:
            self._on_ready(self.grid)

    def _on_ready(self, grid: HeatGrid) -> None:
        self.grid = grid
        values = grid.values
        top = float(values.max()) if values.size else 0.0
        if top <= 0 or self.proj is None:
            self.item.clear()
            return
        x, y = self.proj.to_xy([grid.south, grid.north], [grid.west, grid.east])
        # ImageItem indexes [x, y]; the grid is [row = south→north, col = west→east].
        self.item.setImage(values.T, levels=(0.0, top), autoLevels=False)
        self.item.setRect(QRectF(float(x[0]), float(y[0]), float(x[1] - x[0]), float(y[1] - y[0])))
