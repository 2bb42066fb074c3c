"""Turning road polylines into street-graph nodes and edges (the construction half of :mod:`~commandcenter.geo.streets`).

Why apart from :class:`~commandcenter.geo.streets.StreetGraph`: joining ways (shared OSM node ids, or vertices
within about a metre for data without ids) and densifying long segments run once, when a graph is built; the
graph class itself is about queries over the result. Keeping the joining here keeps the class to its queries.
The functions return plain lists so that this module needs nothing from the graph module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from commandcenter.geo.basemap import LatLon
from commandcenter.geo.coords import LocalProjection, haversine_m

SNAP_M: Final = 1.0
"""Vertices of different ways closer than this (metres) become one node."""

Line = tuple[Sequence[LatLon], str | None, str, int, Sequence[int] | None]
"""``(coords, name, class, oneway, osm_node_ids_or_None)``."""

RawEdge = tuple[int, int, float, str | None, str, int]
"""``(u, v, length_m, name, class, oneway)``: the fields of a :class:`~commandcenter.geo.streets.Edge`."""


def join_lines(items: list[Line], densify_m: float | None) -> tuple[list[float], list[float], list[RawEdge]]:
    """Node latitudes, longitudes and edges of ``items``; ``items`` must hold at least one point."""
    proj = LocalProjection.for_points([p for coords, *_ in items for p in coords])
    lat_out: list[float] = []
    lon_out: list[float] = []
    by_osm: dict[int, int] = {}
    by_cell: dict[tuple[int, int], list[int]] = {}
    xs: list[float] = []
    ys: list[float] = []

    def node_for(lat: float, lon: float, osm_id: int | None) -> int:
        if osm_id is not None and osm_id in by_osm:
            return by_osm[osm_id]
        x, y = proj.to_xy(lat, lon)
        cx, cy = math.floor(x / SNAP_M), math.floor(y / SNAP_M)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for k in by_cell.get((cx + dx, cy + dy), ()):
                    if (xs[k] - x) ** 2 + (ys[k] - y) ** 2 <= SNAP_M * SNAP_M:
                        if osm_id is not None:
                            by_osm[osm_id] = k
                        return k
        k = len(lat_out)
        lat_out.append(lat)
        lon_out.append(lon)
        xs.append(x)
        ys.append(y)
        by_cell.setdefault((cx, cy), []).append(k)
        if osm_id is not None:
            by_osm[osm_id] = k
        return k

    edges: list[RawEdge] = []
    seen_pairs: set[tuple[int, int, str]] = set()
    for coords, name, road_cls, oneway, ids in items:
        prev = node_for(coords[0][0], coords[0][1], ids[0] if ids else None)
        for i in range(1, len(coords)):
            lat1, lon1 = coords[i - 1]
            lat2, lon2 = coords[i]
            seg = haversine_m(lat1, lon1, lat2, lon2)
            pieces = max(1, math.ceil(seg / densify_m)) if densify_m else 1
            for k in range(1, pieces + 1):
                if k < pieces:
                    f = k / pieces
                    cur = node_for(lat1 + (lat2 - lat1) * f, lon1 + (lon2 - lon1) * f, None)
                else:
                    cur = node_for(lat2, lon2, ids[i] if ids else None)
                if cur != prev:
                    key = (min(prev, cur), max(prev, cur), road_cls)
                    if key not in seen_pairs or oneway:
                        seen_pairs.add(key)
                        length = haversine_m(lat_out[prev], lon_out[prev], lat_out[cur], lon_out[cur])
                        edges.append((prev, cur, length, name, road_cls, oneway))
                prev = cur
    return lat_out, lon_out, edges


def grid_lines(lat0: float, lon0: float, rows: int, cols: int, spacing_m: float, arterial_every: int) -> list[Line]:
    """The streets of a Manhattan grid from the south-west corner; every ``arterial_every``-th one primary."""
    proj = LocalProjection(lat0, lon0)
    lines: list[Line] = []
    for r in range(rows):
        coords = [proj.to_latlon(c * spacing_m, r * spacing_m) for c in range(cols)]
        lines.append((coords, f"东西{r + 1}路", "primary" if r % arterial_every == 0 else "residential", 0, None))
    for c in range(cols):
        coords = [proj.to_latlon(c * spacing_m, r * spacing_m) for r in range(rows)]
        lines.append((coords, f"南北{c + 1}路", "primary" if c % arterial_every == 0 else "residential", 0, None))
    return lines
