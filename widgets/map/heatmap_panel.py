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
from PySide6.QtWidgets import QComboBox, QGridLayout, QWidget

from commandcenter.mapdata.heatmap import HeatGrid, HeatmapService, local_hour_weekday
from commandcenter.mapdata.projection import DisplayProjection

BBox = tuple[float, float, float, float]
# Local hours of the day-part choices: a leader compares the night map with the morning map (南京's night patrols).
DAY_PARTS: tuple[tuple[str, frozenset[int] | None], ...] = (
    ("all", None),
    ("morning", frozenset(range(6, 10))),
    ("daytime", frozenset(range(10, 17))),
    ("evening", frozenset(range(17, 22))),
    ("night", frozenset((22, 23, 0, 1, 2, 3, 4, 5))),
)
WEEKDAY_SETS: tuple[tuple[str, frozenset[int] | None], ...] = (
    ("all", None), ("workdays", frozenset(range(5))), ("weekend", frozenset((5, 6))),
    *((f"day{d}", frozenset((d,))) for d in range(7)),
)


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
        row = QGridLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.period = QComboBox()
        for days, text in ((1, self.tr("Last 24 hours")), (7, self.tr("Last 7 days")), (30, self.tr("Last 30 days")),
                           (90, self.tr("Last 90 days"))):
            self.period.addItem(text, days)
        self.category = QComboBox()
        self.category.addItem(self.tr("All categories"), "")
        self.hours = QComboBox()  # the day part: which local hours' cases make the heat
        hour_names = {"all": self.tr("All day"), "morning": self.tr("Morning 06–10"),
                      "daytime": self.tr("Daytime 10–17"), "evening": self.tr("Evening 17–22"),
                      "night": self.tr("Night 22–06")}
        for key, hours in DAY_PARTS:
            self.hours.addItem(hour_names[key], hours)
        self.weekdays = QComboBox()
        day_names = [self.tr("Monday"), self.tr("Tuesday"), self.tr("Wednesday"), self.tr("Thursday"),
                     self.tr("Friday"), self.tr("Saturday"), self.tr("Sunday")]
        set_names = {"all": self.tr("Every day"), "workdays": self.tr("Workdays"), "weekend": self.tr("Weekend"),
                     **{f"day{d}": day_names[d] for d in range(7)}}
        for key, days_set in WEEKDAY_SETS:
            self.weekdays.addItem(set_names[key], days_set)
        for box in (self.period, self.category, self.hours, self.weekdays):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        row.addWidget(self.period, 0, 0)
        row.addWidget(self.category, 0, 1)
        row.addWidget(self.hours, 1, 0)
        row.addWidget(self.weekdays, 1, 1)
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
        hours: frozenset[int] | None = self.hours.currentData()
        weekdays: frozenset[int] | None = self.weekdays.currentData()
        if self.uses_store:
            self.service.compute_from_store(end - timedelta(days=days), end, category or None, self.bbox,
                                            hours=hours, weekdays=weekdays)
        else:
            pts = [c for c in self._cases() if (not category or c.get("category_name") == category)
                   and _reported_within(c.get("created_at"), hours, weekdays)]
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


def _reported_within(created: object, hours: frozenset[int] | None, weekdays: frozenset[int] | None) -> bool:
    """Whether a map pin's report time falls in the chosen local hours and weekdays (a pin without a known
    report time only counts while no time filter is set)."""
    if hours is None and weekdays is None:
        return True
    if isinstance(created, str):
        try:
            created = datetime.fromisoformat(created)
        except ValueError:
            return False
    if not isinstance(created, datetime):
        return False
    hour, weekday = local_hour_weekday(created)
    return (hours is None or hour in hours) and (weekdays is None or weekday in weekdays)
