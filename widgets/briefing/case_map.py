"""Today's cases and hot spots on the district's map, for the hall's big screen: every case reported today as a
dot (open, overdue, closed), the day's case heat under them, the streets from the offline basemap.

The cases and the density grid are read and computed on the task manager (:func:`today_cases`); the page
only draws them. It refreshes every minute while shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from sqlalchemy import select

from commandcenter.analytics import local_day_start
from commandcenter.cases.workflow import CLOSED_STATUSES
from commandcenter.geo.basemap import Basemap
from commandcenter.mapdata.heatmap import HeatGrid, density_grid
from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from commandcenter.store.models import Case
from widgets import theme
from widgets.briefing.screen import fill_table, make_table
from widgets.map.vector import StaticLayersItem, basemap_shapes

BBox = tuple[float, float, float, float]
REFRESH_MS = 60_000
DOT_PX = 12  # at 1920×1080; scaled with the screen


@dataclass(frozen=True, slots=True)
class TodayCases:
    """Today's case positions by state, and their density over the map's box."""

    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    state: list[str]  # "open", "overdue" or "closed"
    heat: HeatGrid | None
    by_category: list[tuple[str, int]]  # busiest first
    by_grid: list[tuple[str, int]]


def today_cases(store: Store, bbox: BBox | None, now: datetime | None = None) -> TodayCases:
    """The cases reported since local midnight, with a position. Blocking: run on a worker."""
    now = now or datetime.now(UTC)
    since = local_day_start(now)

    def query(session):  # type: ignore[no-untyped-def]
        return session.execute(select(Case.lat, Case.lon, Case.status, Case.deadline_at, Case.category_name,
                                      Case.grid_code)
                               .where(Case.created_at >= since, Case.lat.is_not(None), Case.lon.is_not(None))).all()

    rows = store.read(query)
    categories = Counter(str(r[4] or "—") for r in rows)
    grids = Counter(str(r[5] or "—") for r in rows)
    lat = np.fromiter((r[0] for r in rows), float, len(rows))
    lon = np.fromiter((r[1] for r in rows), float, len(rows))
    states = []
    for _lat, _lon, status, deadline, _category, _grid in rows:
        if status in CLOSED_STATUSES:
            states.append("closed")
        elif deadline is not None and deadline.astimezone(UTC) < now:
            states.append("overdue")
        else:
            states.append("open")
    box = bbox or ((float(lat.min()) - 0.005, float(lon.min()) - 0.005, float(lat.max()) + 0.005,
                    float(lon.max()) + 0.005) if len(rows) else None)
    heat = density_grid(lat, lon, box, cell_m=40.0, bandwidth_m=150.0) if box is not None and len(rows) else None
    return TodayCases(lat, lon, states, heat, categories.most_common(10), grids.most_common(10))


class TodayMapPage(QWidget):
    """The map of today's cases and hot spots (basemap streets when the seat has a basemap)."""

    shown_cases = Signal(object)  # TodayCases

    def __init__(self, store: Store, tasks: TaskManager, basemap: Basemap | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._bridge = GuiBridge(tasks, self)
        self.data: TodayCases | None = None
        self.bbox: BBox | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        legend = QHBoxLayout()
        self.summary = QLabel("")
        self.summary.setProperty("kpi", "title")
        legend.addWidget(self.summary, 1)
        for role, text in (("warn", self.tr("● open")), ("error", self.tr("● overdue")), ("ok", self.tr("● closed"))):
            label = QLabel(text)
            label.setStyleSheet(f"color: {theme.colour(role)};")
            legend.addWidget(label)
        root.addLayout(legend)
        self.plot = pg.PlotWidget(background=theme.colour("map_land"))
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        side = QVBoxLayout()  # the hall's screen is wide, the district square: the margin lists what is hot
        self.categories = make_table([self.tr("Category"), self.tr("Cases today")])
        self.grids = make_table([self.tr("Grid"), self.tr("Cases today")])
        for title, table in ((self.tr("Busiest categories today"), self.categories),
                             (self.tr("Busiest grids today"), self.grids)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(table)
            side.addWidget(box, 1)
        body = QHBoxLayout()
        body.addWidget(self.plot, 3)
        body.addLayout(side, 1)
        root.addLayout(body, 1)
        self.proj: DisplayProjection | None = None
        self.static = StaticLayersItem()
        self.static.setZValue(-50)
        self.plot.addItem(self.static, ignoreBounds=True)
        if basemap is not None:
            try:
                self.bbox = basemap.bbox
            except ValueError:  # an empty basemap: the cases decide the view
                self.bbox = None
        if self.bbox is not None and basemap is not None:
            south, west, north, east = self.bbox
            self.proj = DisplayProjection.centred((south + north) / 2, (west + east) / 2)
            shapes, _names = basemap_shapes(basemap, self.proj)
            self.static.set_part("basemap", shapes, [])
        self.heat = pg.ImageItem()
        self.heat.setOpacity(0.7)
        self.heat.setLookupTable(pg.ColorMap([0.0, 0.3, 0.6, 1.0], [(0, 0, 0, 0), (0, 120, 255, 150),
                                                                    (255, 200, 0, 200), (255, 40, 40, 230)])
                                 .getLookupTable(nPts=256, alpha=True))
        self.heat.setZValue(5)
        self.plot.addItem(self.heat)
        self.dots = pg.ScatterPlotItem(size=DOT_PX, pen=pg.mkPen(theme.colour("window"), width=1))
        self.dots.setZValue(10)
        self.plot.addItem(self.dots)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def set_scale(self, scale: float) -> None:
        """Dots grow with the screen, so a case reads from the back of the hall."""
        self.dots.setSize(round(DOT_PX * scale))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        store, bbox = self.store, self.bbox
        self._bridge.run(lambda: today_cases(store, bbox), self._show)

    def _show(self, data: TodayCases) -> None:
        self.data = data
        if self.proj is None and len(data.lat):
            self.proj = DisplayProjection.centred(float(data.lat.mean()), float(data.lon.mean()))
        fill_table(self.categories, [[name, str(n)] for name, n in data.by_category])
        fill_table(self.grids, [[name, str(n)] for name, n in data.by_grid])
        counts = {s: data.state.count(s) for s in ("open", "overdue", "closed")}
        self.summary.setText(self.tr("Cases today: %1 · open %2 · overdue %3 · closed %4")
                             .replace("%1", str(len(data.state))).replace("%2", str(counts["open"]))
                             .replace("%3", str(counts["overdue"])).replace("%4", str(counts["closed"])))
        if self.proj is None:
            self.dots.clear()
            self.heat.clear()
            return
        x, y = self.proj.to_xy(data.lat, data.lon)
        colours = {"open": theme.colour("warn"), "overdue": theme.colour("error"), "closed": theme.colour("ok")}
        self.dots.setData(x=np.asarray(x), y=np.asarray(y), brush=[pg.mkBrush(colours[s]) for s in data.state])
        grid = data.heat
        if grid is not None and grid.values.size and float(grid.values.max()) > 0:
            gx, gy = self.proj.to_xy([grid.south, grid.north], [grid.west, grid.east])
            self.heat.setImage(grid.values.T, levels=(0.0, float(grid.values.max())), autoLevels=False)
            self.heat.setRect(QRectF(float(gx[0]), float(gy[0]), float(gx[1] - gx[0]), float(gy[1] - gy[0])))
        else:
            self.heat.clear()
        if self.bbox is not None:
            south, west, north, east = self.bbox
            bx, by = self.proj.to_xy([south, north], [west, east])
            self.plot.setRange(xRange=(float(bx[0]), float(bx[1])), yRange=(float(by[0]), float(by[1])), padding=0.02)
        elif len(x):
            self.plot.setRange(xRange=(float(np.min(x)), float(np.max(x))),
                               yRange=(float(np.min(y)), float(np.max(y))), padding=0.1)
        self.shown_cases.emit(data)
