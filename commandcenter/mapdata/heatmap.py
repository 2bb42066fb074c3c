"""Case density for the map's heatmap layer: Gaussian kernel density on a metric grid, computed off the GUI.

Why a grid and not a fancy KDE: the map needs an image to blend over the streets, and dispatchers compare
areas ("which blocks had the most vending complaints this week"). A histogram of case locations on a
``cell_m`` grid blurred with a separable Gaussian of ``bandwidth_m`` gives exactly that in a few milliseconds
for any number of cases. The grid is padded by the kernel's radius (three bandwidths) around the requested box so no kernel mass
falls off the edge: ``values`` are expected cases per cell and sum to the number of cases inside the box.
"""

from __future__ import annotations

import logging
import math
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import QObject, Signal
from sqlalchemy import select

from commandcenter.geo.coords import LocalProjection
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store
from commandcenter.store.models import Case

log = logging.getLogger(__name__)

BBox = tuple[float, float, float, float]  # south, west, north, east
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # the bureau's clock: "night" and "Monday" are local


@dataclass(frozen=True, slots=True)
class HeatGrid:
    """Density grid: ``values[row, col]``, rows south→north, columns west→east, over the given bounds."""

    values: NDArray[np.float64]
    south: float
    west: float
    north: float
    east: float
    cell_m: float
    bandwidth_m: float
    count: int  # cases that went into the grid

    @property
    def total(self) -> float:
        return float(self.values.sum())

    def peak_latlon(self) -> tuple[float, float] | None:
        """Centre of the densest cell (None for an empty grid)."""
        if self.count == 0 or not self.values.size:
            return None
        row, col = np.unravel_index(int(np.argmax(self.values)), self.values.shape)
        rows, cols = self.values.shape
        lat = self.south + (row + 0.5) / rows * (self.north - self.south)
        lon = self.west + (col + 0.5) / cols * (self.east - self.west)
        return float(lat), float(lon)


def _gaussian_kernel(sigma_cells: float) -> NDArray[np.float64]:
    radius = max(1, math.ceil(3.0 * sigma_cells))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / max(sigma_cells, 1e-9)) ** 2)
    return k / k.sum()


def _blur_axis(a: NDArray[np.float64], kernel: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """Same-size convolution along one axis as a sum of shifted copies (kernel radius is small)."""
    r = len(kernel) // 2
    pad = [(0, 0), (0, 0)]
    pad[axis] = (r, r)
    padded = np.pad(a, pad)
    out = np.zeros_like(a)
    n = a.shape[axis]
    for i, w in enumerate(kernel):
        sl = [slice(None), slice(None)]
        sl[axis] = slice(i, i + n)
        out += w * padded[tuple(sl)]
    return out


def density_grid(lats: ArrayLike, lons: ArrayLike, bbox: BBox, *, cell_m: float = 25.0,
                 bandwidth_m: float = 100.0, weights: ArrayLike | None = None,
                 max_cells: int = 600) -> HeatGrid:
    """Kernel density of points over ``bbox`` (points outside it are ignored); see the module docstring."""
    south, west, north, east = bbox
    proj = LocalProjection((south + north) / 2.0, (west + east) / 2.0)
    bx0, by0 = proj.to_xy(south, west)
    bx1, by1 = proj.to_xy(north, east)
    cell = max(cell_m, (bx1 - bx0 + 8 * bandwidth_m) / max_cells, (by1 - by0 + 8 * bandwidth_m) / max_cells)
    kernel = _gaussian_kernel(bandwidth_m / cell)
    margin = (len(kernel) // 2 + 1) * cell  # the whole kernel of a point on the box edge stays on the grid
    x0, y0, x1, y1 = bx0 - margin, by0 - margin, bx1 + margin, by1 + margin
    nx = max(1, math.ceil((x1 - x0) / cell))
    ny = max(1, math.ceil((y1 - y0) / cell))
    x1, y1 = x0 + nx * cell, y0 + ny * cell
    lat_a = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    lon_a = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    w = None if weights is None else np.atleast_1d(np.asarray(weights, dtype=np.float64))
    inside = (lat_a >= south) & (lat_a <= north) & (lon_a >= west) & (lon_a <= east)
    inside &= np.isfinite(lat_a) & np.isfinite(lon_a)
    px, py = proj.to_xy_array(lat_a[inside], lon_a[inside])
    hist, _, _ = np.histogram2d(py, px, bins=[ny, nx], range=[[y0, y1], [x0, x1]],
                                weights=None if w is None else w[inside])
    values = _blur_axis(_blur_axis(hist, kernel, 0), kernel, 1)
    g_south, g_west = proj.to_latlon(x0, y0)
    g_north, g_east = proj.to_latlon(x1, y1)
    return HeatGrid(values, g_south, g_west, g_north, g_east, cell, bandwidth_m, int(inside.sum()))


def local_hour_weekday(created: datetime) -> tuple[int, int]:
    """The bureau's wall-clock hour (0–23) and weekday (0 = Monday) of a stored UTC time."""
    aware = created if created.tzinfo is not None else created.replace(tzinfo=UTC)
    local = aware.astimezone(LOCAL_TZ)
    return local.hour, local.weekday()


def case_points(store: Store, start: datetime, end: datetime, category: str | None = None, *,
                hours: frozenset[int] | None = None,
                weekdays: frozenset[int] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Locations of cases created in ``[start, end)`` (optionally one category code or name). Blocking.

    ``hours`` (local hours 0–23) and ``weekdays`` (0 = Monday) keep only cases reported then: night-time 占道经营
    is a different map from morning 暴露垃圾, and a leader moves a night patrol by the night map. The local
    time is the bureau's (Asia/Shanghai), whatever zone the database keeps.
    """

    def query(session):  # type: ignore[no-untyped-def]
        stmt = select(Case.lat, Case.lon, Case.created_at).where(Case.created_at >= start, Case.created_at < end,
                                                                 Case.lat.is_not(None), Case.lon.is_not(None))
        if category:
            stmt = stmt.where((Case.category == category) | (Case.category_name == category))
        return session.execute(stmt).all()

    rows = store.read(query)
    if hours is not None or weekdays is not None:
        kept = []
        for row in rows:
            hour, weekday = local_hour_weekday(row[2])
            if (hours is None or hour in hours) and (weekdays is None or weekday in weekdays):
                kept.append(row)
        rows = kept
    lat = np.fromiter((r[0] for r in rows), float, len(rows))
    lon = np.fromiter((r[1] for r in rows), float, len(rows))
    return lat, lon


class HeatmapService(QObject):
    """Computes :class:`HeatGrid` s on a worker thread; ``ready`` delivers them to the GUI thread."""

    ready = Signal(object)  # HeatGrid
    failed = Signal(str)

    def __init__(self, store: Store | None, tasks: TaskManager, *, cell_m: float = 25.0,
                 bandwidth_m: float = 100.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.cell_m = cell_m
        self.bandwidth_m = bandwidth_m
        self._pool = tasks.lane("heatmap", 1)
        self._generation = 0

    def compute(self, lats: ArrayLike, lons: ArrayLike, bbox: BBox) -> Future[HeatGrid | None]:
        """Density of the given points (already in memory)."""
        lat = np.array(lats, dtype=np.float64)
        lon = np.array(lons, dtype=np.float64)
        return self._submit(lambda: density_grid(lat, lon, bbox, cell_m=self.cell_m,
                                                 bandwidth_m=self.bandwidth_m))

    def compute_from_store(self, start: datetime, end: datetime, category: str | None, bbox: BBox, *,
                           hours: frozenset[int] | None = None,
                           weekdays: frozenset[int] | None = None) -> Future[HeatGrid | None]:
        """Density of the cases created in a period (and category, local hours, weekdays), read from the store
        on the worker; see :func:`case_points` for the filters."""
        store = self.store
        if store is None:
            raise RuntimeError("HeatmapService has no store")

        def job() -> HeatGrid:
            lat, lon = case_points(store, start, end, category, hours=hours, weekdays=weekdays)
            return density_grid(lat, lon, bbox, cell_m=self.cell_m, bandwidth_m=self.bandwidth_m)

        return self._submit(job)

    def close(self) -> None:
        """Drop queued computations (a running one finishes)."""
        self._pool.cancel_pending()

    def _submit(self, job) -> Future[HeatGrid | None]:  # type: ignore[no-untyped-def]
        self._generation += 1
        generation = self._generation

        def run() -> HeatGrid | None:
            try:
                grid = job()
            except Exception as exc:
                log.warning("heatmap failed: %s", exc)
                self.failed.emit(f"heatmap: {exc}")
                return None
            if generation == self._generation:  # a newer request supersedes this one
                self.ready.emit(grid)
            return grid

        return self._pool.run(run)
