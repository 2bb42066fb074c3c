"""Polygons, management zones and the 单元网格 (unit grid) of digital city management.

Digital city management (数字化城管, GB/T 30428) divides a district into small square *unit grid cells*
(单元网格), each with a hierarchical code - county-level division (6 digits) + street office (3) + community (3)
+ cell sequence (2) - and assigns groups of cells to enforcement *responsibility areas* (责任区) that one squad
patrols.  Every case, camera event and officer position is filed under the cell it falls in, so
:meth:`GridIndex.cell_at` must be cheap: a bucket lattice narrows it to one or two cells, then a rectangle
or even-odd test decides.  :class:`GridIndex` is the project's one grid locator, for the generated grid
(:func:`make_unit_grid`) and for a bureau's own cells from the zones table (:meth:`GridIndex.from_polygons`).

This module also holds the project's one point-in-polygon rule (:func:`point_in_polygon`, vectorised as
:func:`points_in_polygon`); distances are :func:`commandcenter.geo.coords.haversine_m`.  ``devices/`` has no
geometry of its own.

Management zones (疏导点 designated vending areas, 管控点 controlled spots, 特色点 feature spots, 禁止设摊区
no-vending areas) are arbitrary polygons, looked up with :class:`ZoneIndex`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from commandcenter.geo.basemap import LatLon, MapFeature
from commandcenter.geo.coords import LocalProjection

__all__ = [
    "ZONE_KINDS",
    "GridIndex",
    "ResponsibilityArea",
    "UnitCell",
    "Zone",
    "ZoneIndex",
    "make_unit_grid",
    "point_in_polygon",
    "points_in_polygon",
    "polygon_area_m2",
    "polygon_centroid",
    "ring_contains",
]

ZONE_KINDS: Final = ("疏导点", "管控点", "特色点", "禁止设摊区")
"""Zone kinds: designated vending area, controlled spot, feature (showcase) spot, no-vending area."""


# ------------------------------------------------------------------------------------------------------------
# Polygon primitives


def points_in_polygon(
    lats: ArrayLike, lons: ArrayLike, ring: Sequence[LatLon], holes: Iterable[Sequence[LatLon]] = ()
) -> NDArray[np.bool_]:
    """Even-odd ray casting for many points at once (vectorised over points, looping over polygon edges).

    The project's one point-in-polygon rule (see :func:`point_in_polygon` for the edge convention); points
    inside a hole are outside.  Rings are ``(lat, lon)`` vertices, closed or not.
    """
    lat_a = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    lon_a = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    inside = _ring_test(lat_a, lon_a, ring)
    for hole in holes:
        inside &= ~_ring_test(lat_a, lon_a, hole)
    return inside


def _ring_test(
    lat: NDArray[np.float64], lon: NDArray[np.float64], ring: Sequence[LatLon]
) -> NDArray[np.bool_]:
    pts = np.asarray(ring, dtype=np.float64)
    inside = np.zeros(lat.shape, dtype=bool)
    if len(pts) < 3:
        return inside
    y1 = pts[:, 0]
    x1 = pts[:, 1]
    y2 = np.roll(y1, -1)
    x2 = np.roll(x1, -1)
    for i in range(len(pts)):
        ya, yb, xa, xb = y1[i], y2[i], x1[i], x2[i]
        if ya == yb:
            continue
        crosses = (ya > lat) != (yb > lat)
        x_at = xa + (lat - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (lon < x_at)
    return inside


def ring_contains(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> bool:
    """Scalar form of the even-odd test on one ring (same arithmetic as :func:`points_in_polygon`).

    Pure Python on purpose: for the handful of vertices of a grid cell or a zone, a loop is ~20× faster than
    setting up numpy arrays for one point, and the case locator and fence checks ask one point at a time.
    """
    n = len(ring)
    if n < 3:
        return False
    inside = False
    for i in range(n):
        ya, xa = ring[i][0], ring[i][1]
        yb, xb = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if (ya > lat) != (yb > lat) and lon < xa + (lat - ya) * (xb - xa) / (yb - ya):
            inside = not inside
    return inside


def point_in_polygon(
    lat: float, lon: float, ring: Sequence[LatLon], holes: Iterable[Sequence[LatLon]] = ()
) -> bool:
    """Whether one point is inside a polygon (outer ring minus holes): the project's one point-in-polygon test.

    Edge convention (even-odd rule with a ray towards east): for an axis-aligned square the south and west
    edges are inside and the north and east edges outside, so two cells sharing an edge never both claim a
    point on it.  A point on a hole's south/west edge is therefore in the hole (outside the polygon).
    """
    if not ring_contains(lat, lon, ring):
        return False
    return not any(ring_contains(lat, lon, hole) for hole in holes)


def _ring_xy(
    ring: Sequence[LatLon], proj: LocalProjection
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    arr = np.asarray(ring, dtype=np.float64)
    return proj.to_xy_array(arr[:, 0], arr[:, 1])


def _signed_area_xy(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def polygon_area_m2(ring: Sequence[LatLon], holes: Iterable[Sequence[LatLon]] = ()) -> float:
    """Area in square metres (shoelace formula in a local equirectangular projection; < 0.1 % error in a city)."""
    if len(ring) < 3:
        return 0.0
    proj = LocalProjection.for_points(ring)
    area = abs(_signed_area_xy(*_ring_xy(ring, proj)))
    for hole in holes:
        if len(hole) >= 3:
            area -= abs(_signed_area_xy(*_ring_xy(hole, proj)))
    return area


def polygon_centroid(ring: Sequence[LatLon]) -> LatLon:
    """Area centroid ``(lat, lon)`` of a simple polygon (vertex mean for degenerate, zero-area rings)."""
    if not ring:
        raise ValueError("polygon_centroid of an empty ring")
    proj = LocalProjection.for_points(ring)
    x, y = _ring_xy(ring, proj)
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y2 - x2 * y
    a = 0.5 * float(np.sum(cross))
    if abs(a) < 1e-9:
        return proj.to_latlon(float(np.mean(x)), float(np.mean(y)))
    cx = float(np.sum((x + x2) * cross)) / (6.0 * a)
    cy = float(np.sum((y + y2) * cross)) / (6.0 * a)
    return proj.to_latlon(cx, cy)


# ------------------------------------------------------------------------------------------------------------
# Management zones


@dataclass(slots=True)
class Zone:
    """A named management zone polygon (see :data:`ZONE_KINDS`)."""

    name: str
    kind: str
    ring: list[LatLon]
    holes: list[list[LatLon]] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_feature(cls, feature: MapFeature) -> Zone:
        """Zone from a basemap feature of layer ``zone`` (its ``kind`` property gives the zone kind)."""
        if feature.layer != "zone" or feature.geometry != "polygon":
            raise ValueError(f"feature {feature.name!r} is not a zone polygon")
        kind = str(feature.props.get("kind") or feature.cls or "")
        if kind not in ZONE_KINDS:
            raise ValueError(f"zone {feature.name!r} has unknown kind {kind!r}; expected one of {ZONE_KINDS}")
        extra = {k: v for k, v in feature.props.items() if k != "kind"}
        return cls(feature.name or "", kind, list(feature.coords), [list(h) for h in feature.holes], extra)

    def contains(self, lat: float, lon: float) -> bool:
        return point_in_polygon(lat, lon, self.ring, self.holes)

    @property
    def area_m2(self) -> float:
        return polygon_area_m2(self.ring, self.holes)

    @property
    def centroid(self) -> LatLon:
        return polygon_centroid(self.ring)


class ZoneIndex:
    """Which management zones contain a point: bounding-box prefilter, then exact polygon tests."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        self.zones: list[Zone] = list(zones)
        boxes = [
            (
                min(p[0] for p in z.ring),
                min(p[1] for p in z.ring),
                max(p[0] for p in z.ring),
                max(p[1] for p in z.ring),
            )
            for z in self.zones
        ]
        self._boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)

    def zones_at(self, lat: float, lon: float, kind: str | None = None) -> list[Zone]:
        """Zones containing the point, optionally only of one ``kind`` (e.g. ``"禁止设摊区"``)."""
        b = self._boxes
        hits = np.flatnonzero((b[:, 0] <= lat) & (lat <= b[:, 2]) & (b[:, 1] <= lon) & (lon <= b[:, 3]))
        out = []
        for i in hits:
            z = self.zones[int(i)]
            if (kind is None or z.kind == kind) and z.contains(lat, lon):
                out.append(z)
        return out

    def by_kind(self, kind: str) -> list[Zone]:
        return [z for z in self.zones if z.kind == kind]

    def by_name(self, name: str) -> Zone | None:
        return next((z for z in self.zones if z.name == name), None)


# ------------------------------------------------------------------------------------------------------------
# Unit grid (单元网格) and responsibility areas (责任区)


@dataclass(frozen=True, slots=True)
class UnitCell:
    """One 单元网格: its code, 责任区, ``(south, west, north, east)`` bounds and, for cells read from the zones
    table, their polygon.

    Cells made by :func:`make_unit_grid` are squares of a lattice (``row``/``col`` ≥ 0, no ``polygon``); cells
    from a bureau's own data (:meth:`GridIndex.from_polygons`) may have any shape (``row``/``col`` = -1).
    """

    code: str
    row: int
    col: int
    area_code: str
    bounds: tuple[float, float, float, float]
    name: str = ""
    polygon: tuple[LatLon, ...] = ()

    @property
    def centre(self) -> LatLon:
        """The square's middle, or the polygon's area centroid (where a case typed in by cell code is put)."""
        if self.polygon:
            return polygon_centroid(self.polygon)
        s, w, n, e = self.bounds
        return (s + n) / 2.0, (w + e) / 2.0

    @property
    def ring(self) -> list[LatLon]:
        """Closed outer ring (for drawing the grid overlay and for the point-in-cell test)."""
        if self.polygon:
            pts = list(self.polygon)
            return pts if pts[0] == pts[-1] else [*pts, pts[0]]
        s, w, n, e = self.bounds
        return [(s, w), (s, e), (n, e), (n, w), (s, w)]


@dataclass(slots=True)
class ResponsibilityArea:
    """A 责任区: a block of unit cells patrolled by one squad, named like ``责任区A3``."""

    code: str
    name: str
    cell_codes: list[str]
    bounds: tuple[float, float, float, float]


class GridIndex:
    """The project's one grid locator: which 单元网格 (and so which 责任区) a point is in.

    Works for any cell shapes: cells are bucketed on a regular lattice in local metres (bucket size = the
    typical cell size), a look-up projects the point, takes its bucket's few candidate cells and runs the
    even-odd test (:func:`ring_contains`) on them.  For the square grid of :func:`make_unit_grid` buckets and
    cells coincide, so a look-up is one projection plus one 4-edge test (a few microseconds); cells from the
    zones table (:meth:`from_polygons`) get the same speed as long as they are of similar size.

    A point on the edge shared by two cells belongs to exactly one of them (the one to its north/east, see
    :func:`point_in_polygon`).  Overlapping cells (a data error) resolve to the first in table order.
    """

    def __init__(
        self,
        cells: Sequence[UnitCell],
        areas: Sequence[ResponsibilityArea] = (),
        *,
        bucket_m: float | None = None,
        origin: LatLon | None = None,
        proj: LocalProjection | None = None,
    ) -> None:
        """``bucket_m``, ``origin`` (south-west corner) and ``proj`` fix the lattice (:func:`make_unit_grid`
        passes the ones its squares were cut with); by default they follow the cells."""
        self.cells: list[UnitCell] = list(cells)
        self.areas: list[ResponsibilityArea] = list(areas)
        self._by_code = {c.code: c for c in self.cells}
        self._area_by_code = {a.code: a for a in self.areas}
        self._rings: list[list[LatLon]] = [c.ring for c in self.cells]
        # Axis-aligned rectangles (every generated cell, most surveyed ones) are tested with four comparisons,
        # which give exactly the even-odd answer for a rectangle (south/west edges in, north/east edges out).
        self._rects: list[tuple[float, float, float, float] | None] = [
            c.bounds if _is_rectangle(r) else None for c, r in zip(self.cells, self._rings, strict=True)]
        boxes = np.asarray([c.bounds for c in self.cells], dtype=np.float64).reshape(-1, 4)
        if len(boxes):
            self.proj = proj or LocalProjection(float((boxes[:, 0].min() + boxes[:, 2].max()) / 2),
                                                float((boxes[:, 1].min() + boxes[:, 3].max()) / 2))
            self.origin: LatLon = origin or (float(boxes[:, 0].min()), float(boxes[:, 1].min()))
        else:
            self.origin = origin or (0.0, 0.0)
            self.proj = proj or LocalProjection(*self.origin)
        self._x0, self._y0 = self.proj.to_xy(*self.origin)
        sx, sy = self.proj.to_xy_array(boxes[:, [0, 2]], boxes[:, [1, 3]])  # (south, north) / (west, east)
        if bucket_m is None:
            sizes = np.maximum(sx[:, 1] - sx[:, 0], sy[:, 1] - sy[:, 0])
            bucket_m = float(np.median(sizes)) if len(sizes) and float(np.median(sizes)) > 0 else 250.0
        self.cell_size_m = float(bucket_m)
        c0 = np.floor((sx[:, 0] - self._x0) / self.cell_size_m).astype(np.int64)
        c1 = np.floor((sx[:, 1] - self._x0) / self.cell_size_m).astype(np.int64)
        r0 = np.floor((sy[:, 0] - self._y0) / self.cell_size_m).astype(np.int64)
        r1 = np.floor((sy[:, 1] - self._y0) / self.cell_size_m).astype(np.int64)
        # Buckets are registered inclusively (an edge landing exactly on a bucket border may round either
        # way); the layout's shape counts only squares holding a cell's middle.
        self._bucket_rows = int(r1.max()) + 1 if len(boxes) else 0
        self._bucket_cols = int(c1.max()) + 1 if len(boxes) else 0
        mid_r = np.floor(((sy[:, 0] + sy[:, 1]) / 2 - self._y0) / self.cell_size_m).astype(np.int64)
        mid_c = np.floor(((sx[:, 0] + sx[:, 1]) / 2 - self._x0) / self.cell_size_m).astype(np.int64)
        rows = int(mid_r.max()) + 1 if len(boxes) else 0
        cols = int(mid_c.max()) + 1 if len(boxes) else 0
        buckets: dict[tuple[int, int], list[int]] = {}
        for i in range(len(self.cells)):
            for r in range(max(0, int(r0[i])), int(r1[i]) + 1):
                for c in range(max(0, int(c0[i])), int(c1[i]) + 1):
                    buckets.setdefault((r, c), []).append(i)
        self._buckets: dict[tuple[int, int], tuple[int, ...]] = {k: tuple(v) for k, v in buckets.items()}
        # layout[row, col]: the cell covering the middle of each lattice square (-1: none), for drawing/tests.
        self.layout: NDArray[np.int64] = np.full((rows, cols), -1, dtype=np.int64)
        for (r, c), cand in self._buckets.items():
            if r >= rows or c >= cols:
                continue
            mid = self.proj.to_latlon(self._x0 + (c + 0.5) * self.cell_size_m,
                                      self._y0 + (r + 0.5) * self.cell_size_m)
            self.layout[r, c] = next((i for i in cand if ring_contains(mid[0], mid[1], self._rings[i])), -1)
        # Test the cell covering a bucket's middle first: on a lattice it is the answer for nearly every point
        # (the others are neighbours registered because a shared edge rounded into the bucket).
        for (r, c), cand in list(self._buckets.items()):
            first = int(self.layout[r, c]) if r < rows and c < cols else -1
            if first >= 0 and len(cand) > 1:
                self._buckets[(r, c)] = (first, *(i for i in cand if i != first))

    @classmethod
    def from_polygons(cls, rows: Iterable[tuple[str, str, str, Sequence[Sequence[float]] | None]]) -> GridIndex:
        """Grid from the zones table: ``(code, name, parent 责任区 code, [[lat, lon], …])`` rows, in table order.

        Rows with fewer than three vertices are skipped: a cell without an area cannot contain anything.
        """
        cells = []
        for code, name, parent, polygon in rows:
            if not polygon or len(polygon) < 3:
                continue
            ring = tuple((float(v[0]), float(v[1])) for v in polygon)
            lats = [p[0] for p in ring]
            lons = [p[1] for p in ring]
            cells.append(UnitCell(code, -1, -1, parent or "", (min(lats), min(lons), max(lats), max(lons)),
                                  name or "", ring))
        return cls(cells)

    def __len__(self) -> int:
        return len(self.cells)

    @property
    def rows(self) -> int:
        return int(self.layout.shape[0])

    @property
    def cols(self) -> int:
        return int(self.layout.shape[1])

    def cell_index_at(self, lat: float, lon: float) -> int:
        """Index into :attr:`cells` of the cell containing the point, or -1 outside every cell."""
        x, y = self.proj.to_xy(lat, lon)
        key = (math.floor((y - self._y0) / self.cell_size_m), math.floor((x - self._x0) / self.cell_size_m))
        for i in self._buckets.get(key, ()):
            rect = self._rects[i]
            if rect is not None:
                if rect[0] <= lat < rect[2] and rect[1] <= lon < rect[3]:
                    return i
            elif ring_contains(lat, lon, self._rings[i]):
                return i
        return -1

    def unit_cell_at(self, lat: float, lon: float) -> UnitCell | None:
        """The cell containing the point (with its 责任区 code), ``None`` outside the grid."""
        i = self.cell_index_at(lat, lon)
        return self.cells[i] if i >= 0 else None

    def cell_at(self, lat: float, lon: float) -> str | None:
        """Code of the unit cell containing the point, ``None`` outside the district's grid."""
        i = self.cell_index_at(lat, lon)
        return self.cells[i].code if i >= 0 else None

    def cell_indexes_at(self, lats: ArrayLike, lons: ArrayLike) -> NDArray[np.int64]:
        """Vectorised :meth:`cell_index_at`: points are grouped by bucket and tested per candidate cell."""
        lat_a = np.atleast_1d(np.asarray(lats, dtype=np.float64))
        lon_a = np.atleast_1d(np.asarray(lons, dtype=np.float64))
        x, y = self.proj.to_xy_array(lat_a, lon_a)
        col = np.floor((x - self._x0) / self.cell_size_m).astype(np.int64)
        row = np.floor((y - self._y0) / self.cell_size_m).astype(np.int64)
        out = np.full(lat_a.shape, -1, dtype=np.int64)
        width = max(self._bucket_cols, 1)
        ok = np.flatnonzero((row >= 0) & (row < self._bucket_rows) & (col >= 0) & (col < self._bucket_cols))
        if len(ok) == 0:
            return out
        keys, inverse = np.unique(row[ok] * width + col[ok], return_inverse=True)
        for k, key in enumerate(keys.tolist()):
            cand = self._buckets.get(divmod(int(key), width))
            if not cand:
                continue
            pts = ok[inverse == k]
            for i in cand:
                if len(pts) == 0:
                    break
                rect = self._rects[i]
                if rect is not None:
                    la, lo = lat_a[pts], lon_a[pts]
                    hit = (rect[0] <= la) & (la < rect[2]) & (rect[1] <= lo) & (lo < rect[3])
                else:
                    hit = points_in_polygon(lat_a[pts], lon_a[pts], self._rings[i])
                out[pts[hit]] = i
                pts = pts[~hit]
        return out

    def cells_at(self, lats: ArrayLike, lons: ArrayLike) -> list[str | None]:
        """Vectorised :meth:`cell_at`."""
        idx = self.cell_indexes_at(lats, lons)
        return [self.cells[i].code if i >= 0 else None for i in idx.tolist()]

    def cell(self, code: str) -> UnitCell:
        """The cell with ``code`` (``KeyError`` if unknown)."""
        return self._by_code[code]

    def get(self, code: str) -> UnitCell | None:
        """The cell with ``code``, ``None`` if unknown."""
        return self._by_code.get(code)

    def area(self, code: str) -> ResponsibilityArea:
        """The responsibility area with ``code`` (``KeyError`` if unknown)."""
        return self._area_by_code[code]

    def area_at(self, lat: float, lon: float) -> ResponsibilityArea | None:
        """The 责任区 containing the point (via its cell), ``None`` outside or when the area is not known."""
        i = self.cell_index_at(lat, lon)
        return self._area_by_code.get(self.cells[i].area_code) if i >= 0 else None


def _is_rectangle(ring: Sequence[LatLon]) -> bool:
    """Whether a closed ring is an axis-aligned rectangle in (lat, lon): four corners, two latitudes, two
    longitudes, consecutive corners sharing one of them."""
    pts = list(ring[:-1]) if len(ring) > 1 and ring[0] == ring[-1] else list(ring)
    if len(pts) != 4 or len({p[0] for p in pts}) != 2 or len({p[1] for p in pts}) != 2:
        return False
    return all((a[0] == b[0]) != (a[1] == b[1]) for a, b in zip(pts, pts[1:] + pts[:1], strict=True))


def make_unit_grid(
    bbox: tuple[float, float, float, float],
    cell_size_m: float = 250.0,
    district_code: str = "320106",
    *,
    block: int = 3,
    street_code: str = "001",
    boundary: Sequence[LatLon] | None = None,
) -> GridIndex:
    """Square unit grid over ``bbox`` = ``(south, west, north, east)``.

    Cells are grouped into ``block`` × ``block`` responsibility areas named ``责任区<row letter><col number>``
    (A = southernmost row of blocks, 1 = westernmost column).  Each responsibility area is treated as one
    community, so a cell code is ``district_code + street_code + community (3 digits) + sequence (2 digits)``,
    e.g. ``32010600100307``.  With ``boundary`` given, only cells whose centre lies inside it are created.
    """
    south, west, north, east = bbox
    if not (south < north and west < east):
        raise ValueError(
            f"bbox must be (south, west, north, east) with south < north and west < east, got {bbox}"
        )
    if cell_size_m <= 0:
        raise ValueError("cell_size_m must be positive")
    if len(district_code) != 6 or not district_code.isdigit():
        raise ValueError(
            f"district_code must be a 6-digit administrative division code, got {district_code!r}"
        )
    proj = LocalProjection((south + north) / 2.0, (west + east) / 2.0)
    x0, y0 = proj.to_xy(south, west)
    x1, y1 = proj.to_xy(north, east)
    cols = max(1, math.ceil((x1 - x0) / cell_size_m - 1e-9))
    rows = max(1, math.ceil((y1 - y0) / cell_size_m - 1e-9))
    block_rows = math.ceil(rows / block)
    block_cols = math.ceil(cols / block)
    if block_rows > 26:
        raise ValueError("too many responsibility-area rows for letter names (at most 26)")

    cells: list[UnitCell] = []
    areas: list[ResponsibilityArea] = []
    community = 0
    for br in range(block_rows):
        for bc in range(block_cols):
            members: list[tuple[int, int]] = []
            for r in range(br * block, min(rows, (br + 1) * block)):
                for c in range(bc * block, min(cols, (bc + 1) * block)):
                    cy = y0 + (r + 0.5) * cell_size_m
                    cx = x0 + (c + 0.5) * cell_size_m
                    if boundary is not None and not point_in_polygon(*proj.to_latlon(cx, cy), boundary):
                        continue
                    members.append((r, c))
            if not members:
                continue
            community += 1
            area_code = f"{district_code}{street_code}{community:03d}"
            codes = []
            for seq, (r, c) in enumerate(members, start=1):
                s, w = proj.to_latlon(x0 + c * cell_size_m, y0 + r * cell_size_m)
                n, e = proj.to_latlon(x0 + (c + 1) * cell_size_m, y0 + (r + 1) * cell_size_m)
                code = f"{area_code}{seq:02d}"
                cells.append(UnitCell(code, r, c, area_code, (s, w, n, e)))
                codes.append(code)
            a_s, a_w = proj.to_latlon(x0 + bc * block * cell_size_m, y0 + br * block * cell_size_m)
            a_n, a_e = proj.to_latlon(
                x0 + min(cols, (bc + 1) * block) * cell_size_m, y0 + min(rows, (br + 1) * block) * cell_size_m
            )
            areas.append(
                ResponsibilityArea(
                    area_code, f"责任区{chr(ord('A') + br)}{bc + 1}", codes, (a_s, a_w, a_n, a_e)
                )
            )
    return GridIndex(cells, areas, bucket_m=cell_size_m, origin=(south, west), proj=proj)
