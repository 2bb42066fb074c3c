"""Small geometry the cases package needs: distances, point-in-polygon, the grid-cell (单元网格) locator.

Every case gets its 单元网格 code and its 责任区 (the cell's ``parent_code``) from its location, because the
grid decides who is responsible and which SLA statistics the case counts in. The locator works on the ``zones``
table (kind 单元网格): bounding boxes filter with numpy, then an even-odd ray cast decides among the few cells
whose box contains the point. Polygons are ``[[lat, lon], …]`` rings, not repeated, WGS-84.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["EARTH_RADIUS_M", "GridCell", "GridLocator", "haversine_m", "haversine_m_array", "point_in_ring"]

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_m_array(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Distances in metres from one point to many (vectorised)."""
    p1 = math.radians(lat)
    p2 = np.radians(lats)
    dp = p2 - p1
    dl = np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def point_in_ring(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> bool:
    """Even-odd rule on a ring of (lat, lon) vertices (closed implicitly)."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        yi, xi = ring[i][0], ring[i][1]
        yj, xj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


@dataclass(frozen=True, slots=True)
class GridCell:
    code: str  # 单元网格 code
    name: str
    area_code: str  # 责任区 (parent_code of the cell)


class GridLocator:
    """Which 单元网格 a point is in. Build once from the zones table; lookups are microseconds."""

    def __init__(self, cells: Sequence[tuple[str, str, str, Sequence[Sequence[float]]]]) -> None:
        """``cells``: (code, name, parent_code, polygon) rows; degenerate polygons are ignored."""
        kept = [(c, n, p, poly) for c, n, p, poly in cells if poly and len(poly) >= 3]
        self._cells = [GridCell(c, n, p) for c, n, p, _ in kept]
        self._rings = [[(float(v[0]), float(v[1])) for v in poly] for *_, poly in kept]
        if kept:
            self._box = np.array([[min(v[0] for v in r), min(v[1] for v in r), max(v[0] for v in r),
                                   max(v[1] for v in r)] for r in self._rings])
        else:
            self._box = np.zeros((0, 4))

    def __len__(self) -> int:
        return len(self._cells)

    def cell_at(self, lat: float, lon: float) -> GridCell | None:
        """The cell containing the point (the first in table order when cells overlap), or None."""
        if not len(self._cells):
            return None
        b = self._box
        hits = np.nonzero((b[:, 0] <= lat) & (lat <= b[:, 2]) & (b[:, 1] <= lon) & (lon <= b[:, 3]))[0]
        for i in hits:
            if point_in_ring(lat, lon, self._rings[int(i)]):
                return self._cells[int(i)]
        return None

    def cell(self, code: str) -> GridCell | None:
        for c in self._cells:
            if c.code == code:
                return c
        return None

    def centroid(self, code: str) -> tuple[float, float] | None:
        """Mean vertex of a cell: a location for a case typed in by grid code only."""
        for c, ring in zip(self._cells, self._rings, strict=True):
            if c.code == code:
                return (sum(v[0] for v in ring) / len(ring), sum(v[1] for v in ring) / len(ring))
        return None
