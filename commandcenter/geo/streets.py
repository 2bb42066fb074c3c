"""Street network for routing officers and vehicles: nearest node, shortest paths, isochrone-style searches.

The graph is built from a :class:`~commandcenter.geo.basemap.Basemap`'s roads.  Ways are joined where they share
an OSM node id or where their vertices coincide within about a metre (generated and GeoJSON data carry no ids),
and long straight segments are split every ``densify_m`` metres so that a unit standing mid-block snaps to a node
near it rather than to a corner 200 m away.

Travel costs depend on the mode: ``"car"`` (patrol car: no footways, honours ``oneway``), ``"ebike"`` (the
enforcement e-bikes most officers ride: slower on pedestrian streets, cannot use steps) and ``"walk"``.

Dispatch ranking uses :meth:`StreetGraph.many_to_one`: one reverse Dijkstra from the case location yields the
travel time from *every* node, so thousands of officers are ranked by looking up their nearest node - instead of
one search per officer.  Pure Python + numpy, no networkx: the district graph has a few thousand nodes and a
bounded search over it takes milliseconds.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from commandcenter.geo.basemap import Basemap, LatLon
from commandcenter.geo.coords import LocalProjection, haversine_m
from commandcenter.geo.street_build import grid_lines, join_lines
from commandcenter.geo.street_search import (
    astar,
    component_labels,
    dijkstra,
    point_along_route,
    random_route,
    route_length_m,
    route_street_names,
)

__all__ = [
    "ACCESS_SPEED_KMH",
    "MODES",
    "SPEED_KMH",
    "Edge",
    "StreetGraph",
]

MODES: Final = ("car", "ebike", "walk")

SPEED_KMH: Final[dict[str, dict[str, float]]] = {
    # class:           car,  ebike, walk   (0 = not allowed for that mode)
    "motorway":       {"car": 80.0, "ebike": 0.0, "walk": 0.0},
    "motorway_link":  {"car": 50.0, "ebike": 0.0, "walk": 0.0},
    "trunk":          {"car": 55.0, "ebike": 20.0, "walk": 4.8},
    "trunk_link":     {"car": 40.0, "ebike": 18.0, "walk": 4.8},
    "primary":        {"car": 45.0, "ebike": 20.0, "walk": 4.8},
    "primary_link":   {"car": 35.0, "ebike": 18.0, "walk": 4.8},
    "secondary":      {"car": 40.0, "ebike": 20.0, "walk": 4.8},
    "secondary_link": {"car": 30.0, "ebike": 18.0, "walk": 4.8},
    "tertiary":       {"car": 35.0, "ebike": 18.0, "walk": 4.8},
    "tertiary_link":  {"car": 30.0, "ebike": 18.0, "walk": 4.8},
    "unclassified":   {"car": 30.0, "ebike": 18.0, "walk": 4.8},
    "road":           {"car": 25.0, "ebike": 16.0, "walk": 4.8},
    "residential":    {"car": 25.0, "ebike": 16.0, "walk": 4.8},
    "living_street":  {"car": 15.0, "ebike": 12.0, "walk": 4.8},
    "service":        {"car": 15.0, "ebike": 12.0, "walk": 4.8},
    "track":          {"car": 10.0, "ebike": 10.0, "walk": 4.5},
    "pedestrian":     {"car": 0.0, "ebike": 8.0, "walk": 4.5},
    "footway":        {"car": 0.0, "ebike": 8.0, "walk": 4.8},
    "path":           {"car": 0.0, "ebike": 8.0, "walk": 4.5},
    "cycleway":       {"car": 0.0, "ebike": 18.0, "walk": 4.8},
    "steps":          {"car": 0.0, "ebike": 0.0, "walk": 2.5},
}  # fmt: skip
"""Assumed average speeds (km/h) per road class and mode, including waits at junctions in an old town centre."""

ACCESS_SPEED_KMH: Final[dict[str, float]] = {"car": 10.0, "ebike": 8.0, "walk": 4.5}
"""Speed for the straight-line legs between an off-network point and its snapped node (courtyards, kerbs)."""

_DEFAULT_SPEED: Final = {"car": 20.0, "ebike": 14.0, "walk": 4.8}
_INDEX_CELL_M: Final = 100.0


@dataclass(frozen=True, slots=True)
class Edge:
    """An undirected road segment between two graph nodes (``oneway`` only restricts cars)."""

    u: int
    v: int
    length_m: float
    name: str | None
    cls: str
    oneway: int  # 0 both ways, 1 only u→v, -1 only v→u (for cars)


class _NodeIndex:
    """Uniform-grid spatial index over node positions in local metres (a KD-tree would not pay off here)."""

    def __init__(self, x: NDArray[np.float64], y: NDArray[np.float64], ids: NDArray[np.int64]) -> None:
        self.x = x
        self.y = y
        self.ids = ids
        self.cells: dict[tuple[int, int], NDArray[np.int64]] = {}
        if len(ids) == 0:
            self.span = 0
            return
        cx = np.floor(x / _INDEX_CELL_M).astype(np.int64)
        cy = np.floor(y / _INDEX_CELL_M).astype(np.int64)
        order = np.lexsort((cy, cx))
        keys = np.stack([cx[order], cy[order]], axis=1)
        breaks = np.flatnonzero(np.any(np.diff(keys, axis=0) != 0, axis=1)) + 1
        for chunk in np.split(order, breaks):
            self.cells[(int(cx[chunk[0]]), int(cy[chunk[0]]))] = chunk
        # The same cells as plain Python tuples: a look-up visits ~9 cells of a node or two each, where numpy's
        # per-call overhead would dominate (dispatch snaps dozens of officers per recommendation).
        self._points: dict[tuple[int, int], list[tuple[float, float, int]]] = {
            key: [(float(x[i]), float(y[i]), int(i)) for i in chunk.tolist()] for key, chunk in self.cells.items()}
        self.span = int(max(cx.max() - cx.min(), cy.max() - cy.min())) + 2

    def nearest(self, qx: float, qy: float) -> tuple[int, float]:
        """``(node id, distance m)`` of the nearest indexed node; ``(-1, inf)`` for an empty index."""
        if len(self.ids) == 0:
            return -1, math.inf
        cx = math.floor(qx / _INDEX_CELL_M)
        cy = math.floor(qy / _INDEX_CELL_M)
        best_i = -1
        best_d2 = math.inf
        for r in range(self.span + 1):
            for key in _ring_cells(cx, cy, r):
                for px, py, i in self._points.get(key, ()):
                    d2 = (px - qx) * (px - qx) + (py - qy) * (py - qy)
                    if d2 < best_d2:
                        best_d2 = d2
                        best_i = i
            if best_i >= 0 and r * _INDEX_CELL_M >= math.sqrt(best_d2):
                break  # every node not yet seen is at least r cells away: the best one is final
        else:
            # Query far outside the network (rings ran out before the answer was certain): a full scan.
            d2_all = (self.x - qx) ** 2 + (self.y - qy) ** 2
            best_i = int(np.argmin(d2_all))
            best_d2 = float(d2_all[best_i])
        return int(self.ids[best_i]), math.sqrt(best_d2)


def _ring_cells(cx: int, cy: int, r: int) -> Iterable[tuple[int, int]]:
    if r == 0:
        yield (cx, cy)
        return
    for dx in range(-r, r + 1):
        yield (cx + dx, cy - r)
        yield (cx + dx, cy + r)
    for dy in range(-r + 1, r):
        yield (cx - r, cy + dy)
        yield (cx + r, cy + dy)


class StreetGraph:
    """Routable street network; nodes are integers ``0..node_count-1`` with WGS-84 positions.

    Build it with :meth:`from_basemap` (or :meth:`from_lines` for hand-made networks in tests).
    All searches return ``math.inf`` / ``np.inf`` for unreachable targets rather than raising, because the
    simulator and the dispatcher treat "cannot get there" as just another (worst) answer.
    """

    def __init__(
        self,
        lat: Sequence[float] | NDArray[np.float64],
        lon: Sequence[float] | NDArray[np.float64],
        edges: Sequence[Edge],
    ) -> None:
        self.lat: NDArray[np.float64] = np.asarray(lat, dtype=np.float64)
        self.lon: NDArray[np.float64] = np.asarray(lon, dtype=np.float64)
        if self.lat.shape != self.lon.shape:
            raise ValueError("lat and lon must have the same length")
        self.edges: list[Edge] = list(edges)
        n = len(self.lat)
        for e in self.edges:
            if not (0 <= e.u < n and 0 <= e.v < n):
                raise ValueError(f"edge {e} refers to a node outside 0..{n - 1}")
        self.proj = (
            LocalProjection.for_points(zip(self.lat.tolist(), self.lon.tolist(), strict=True))
            if n
            else LocalProjection(0.0, 0.0)
        )
        self.x, self.y = self.proj.to_xy_array(self.lat, self.lon)
        self._fwd: dict[str, list[list[tuple[int, float]]]] = {}
        self._rev: dict[str, list[list[tuple[int, float]]]] = {}
        self._index: dict[str | None, _NodeIndex] = {}
        self._labels: dict[str, NDArray[np.int64]] = {}
        self._max_speed: dict[str, float] = {}

    # -- construction --------------------------------------------------------------------------------------

    @classmethod
    def from_basemap(cls, basemap: Basemap, densify_m: float | None = 50.0) -> StreetGraph:
        """Graph of all roads in ``basemap`` usable by at least one mode (footways included for officers)."""
        lines = []
        for road in basemap.roads:
            if road.geometry != "line" or len(road.coords) < 2:
                continue
            road_cls = road.cls or "road"
            if not any(v > 0 for v in SPEED_KMH.get(road_cls, _DEFAULT_SPEED).values()):
                continue
            oneway_tag = str(road.props.get("oneway", "no")).lower()
            oneway = 1 if oneway_tag in ("yes", "true", "1") else -1 if oneway_tag == "-1" else 0
            lines.append((road.coords, road.name, road_cls, oneway, road.node_ids))
        return cls.from_lines(lines, densify_m=densify_m)

    @classmethod
    def from_lines(
        cls,
        lines: Iterable[tuple[Sequence[LatLon], str | None, str, int, Sequence[int] | None]],
        densify_m: float | None = 50.0,
    ) -> StreetGraph:
        """Build from ``(coords, name, class, oneway, osm_node_ids_or_None)`` polylines.

        Vertices are merged when they share an OSM node id or lie within ~1 m of each other; segments longer
        than ``densify_m`` get evenly spaced intermediate nodes.
        """
        items = list(lines)
        if not any(len(coords) for coords, *_ in items):
            return cls([], [], [])
        lat_out, lon_out, raw = join_lines(items, densify_m)
        return cls(lat_out, lon_out, [Edge(*e) for e in raw])

    @classmethod
    def grid(
        cls, lat0: float, lon0: float, rows: int, cols: int, spacing_m: float = 120.0, arterial_every: int = 5
    ) -> StreetGraph:
        """A generated Manhattan street grid from the south-west corner ``(lat0, lon0)``: tests and benchmarks
        that need a city of a chosen size.  Every ``arterial_every``-th street is a primary road (faster), the
        others are residential streets."""
        return cls.from_lines(grid_lines(lat0, lon0, rows, cols, spacing_m, arterial_every), densify_m=None)

    # -- basic facts -----------------------------------------------------------------------------------------

    @property
    def node_count(self) -> int:
        return len(self.lat)

    @property
    def edge_count(self) -> int:
        return len(self.edges)

    def node_latlon(self, node: int) -> LatLon:
        """WGS-84 position of ``node``."""
        return float(self.lat[node]), float(self.lon[node])

    def total_length_m(self) -> float:
        """Sum of all edge lengths (network size for statistics)."""
        return float(sum(e.length_m for e in self.edges))

    def edge_speed_kmh(self, edge: Edge, mode: str) -> float:
        """Speed of ``mode`` on ``edge``; 0 means the mode may not use it."""
        _check_mode(mode)
        return SPEED_KMH.get(edge.cls, _DEFAULT_SPEED)[mode]

    def accessible_nodes(self, mode: str) -> NDArray[np.int64]:
        """Nodes with at least one edge usable by ``mode`` (only those are valid snap targets for it)."""
        fwd, rev = self._adjacency(mode)
        return np.array([i for i in range(self.node_count) if fwd[i] or rev[i]], dtype=np.int64)

    # -- adjacency -------------------------------------------------------------------------------------------

    def _adjacency(self, mode: str) -> tuple[list[list[tuple[int, float]]], list[list[tuple[int, float]]]]:
        """Forward and reverse adjacency lists with travel time in seconds, built once per mode."""
        if mode in self._fwd:
            return self._fwd[mode], self._rev[mode]
        _check_mode(mode)
        speeds = {c: s[mode] for c, s in SPEED_KMH.items()}
        n = self.node_count
        fwd: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        rev: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        max_speed = 0.0
        for e in self.edges:
            kmh = speeds.get(e.cls, _DEFAULT_SPEED[mode])
            if kmh <= 0:
                continue
            max_speed = max(max_speed, kmh)
            cost = e.length_m / (kmh / 3.6)
            honour_oneway = mode == "car"
            if not honour_oneway or e.oneway >= 0:
                fwd[e.u].append((e.v, cost))
                rev[e.v].append((e.u, cost))
            if not honour_oneway or e.oneway <= 0:
                fwd[e.v].append((e.u, cost))
                rev[e.u].append((e.v, cost))
        self._fwd[mode] = fwd
        self._rev[mode] = rev
        self._max_speed[mode] = max_speed
        return fwd, rev

    # -- snapping ------------------------------------------------------------------------------------------

    def _node_index(self, mode: str | None) -> _NodeIndex:
        idx = self._index.get(mode)
        if idx is None:
            ids = np.arange(self.node_count, dtype=np.int64) if mode is None else self.accessible_nodes(mode)
            idx = _NodeIndex(self.x[ids], self.y[ids], ids)
            self._index[mode] = idx
        return idx

    def nearest_node(self, lat: float, lon: float, mode: str | None = None) -> int:
        """Nearest node to a WGS-84 point (restricted to nodes usable by ``mode`` when given); -1 if none."""
        return self.nearest_node_with_distance(lat, lon, mode)[0]

    def nearest_node_with_distance(
        self, lat: float, lon: float, mode: str | None = None
    ) -> tuple[int, float]:
        """``(node, straight-line metres to it)``; the distance is the off-network leg of a trip."""
        x, y = self.proj.to_xy(lat, lon)
        return self._node_index(mode).nearest(x, y)

    def nearest_nodes(self, lats: Sequence[float] | NDArray[np.float64], lons: Sequence[float] | NDArray[np.float64],
                      mode: str | None = None) -> NDArray[np.int64]:  # fmt: skip
        """Vectorised :meth:`nearest_node` (about 20 µs per point: 5,000 officers snap in ~0.1 s)."""
        xs, ys = self.proj.to_xy_array(lats, lons)
        idx = self._node_index(mode)
        return np.array(
            [idx.nearest(float(x), float(y))[0] for x, y in zip(xs, ys, strict=True)], dtype=np.int64
        )

    # -- searches ------------------------------------------------------------------------------------------

    def _dijkstra(
        self, adj: list[list[tuple[int, float]]], source: int, cutoff: float
    ) -> NDArray[np.float64]:
        return dijkstra(adj, self.node_count, source, cutoff)

    def one_to_many_times(
        self, from_node: int, max_seconds: float = math.inf, mode: str = "ebike"
    ) -> NDArray[np.float64]:
        """Travel time (s) from ``from_node`` to every node, ``inf`` beyond ``max_seconds`` or unreachable."""
        fwd, _ = self._adjacency(mode)
        return self._dijkstra(fwd, from_node, max_seconds)

    def many_to_one_times(
        self, to_node: int, max_seconds: float = math.inf, mode: str = "ebike"
    ) -> NDArray[np.float64]:
        """Travel time (s) from every node *to* ``to_node`` (reverse search; differs for one-way car streets).

        This is the dispatch primitive: ``times = g.many_to_one_times(case_node, 900)`` then
        ``times[officer_nodes]`` ranks every officer at once.
        """
        _, rev = self._adjacency(mode)
        return self._dijkstra(rev, to_node, max_seconds)

    many_to_one = many_to_one_times

    def one_to_many_distances(
        self, from_node: int, max_m: float = math.inf, mode: str = "walk"
    ) -> NDArray[np.float64]:
        """Network distance (m) from ``from_node`` over edges usable by ``mode`` (for coverage analysis)."""
        return self._dijkstra(self._length_adjacency(mode), from_node, max_m)

    def _length_adjacency(self, mode: str) -> list[list[tuple[int, float]]]:
        """Forward adjacency weighted by metres, with the same access rules as :meth:`_adjacency`."""
        key = f"length:{mode}"
        if key not in self._fwd:
            _check_mode(mode)
            kmh = {c: s[mode] for c, s in SPEED_KMH.items()}
            adj: list[list[tuple[int, float]]] = [[] for _ in range(self.node_count)]
            for e in self.edges:
                if kmh.get(e.cls, _DEFAULT_SPEED[mode]) <= 0:
                    continue
                if mode != "car" or e.oneway >= 0:
                    adj[e.u].append((e.v, e.length_m))
                if mode != "car" or e.oneway <= 0:
                    adj[e.v].append((e.u, e.length_m))
            self._fwd[key] = adj
        return self._fwd[key]

    def _astar(
        self, adj: list[list[tuple[int, float]]], a: int, b: int, per_metre_lb: float
    ) -> tuple[list[int], float]:
        return astar(adj, self.x, self.y, a, b, per_metre_lb)

    def shortest_path(self, a: int, b: int, mode: str = "walk") -> tuple[list[int], float]:
        """Shortest path by length over edges usable by ``mode``: ``(nodes a..b, metres)``; ``([], inf)`` if none."""
        return self._astar(self._length_adjacency(mode), a, b, 1.0)

    def fastest_path(self, a: int, b: int, mode: str = "ebike") -> tuple[list[int], float]:
        """Quickest path for ``mode``: ``(nodes a..b, seconds)``; ``([], inf)`` if unreachable."""
        fwd, _ = self._adjacency(mode)
        max_speed = self._max_speed.get(mode, 0.0)
        lb = 3.6 / max_speed if max_speed > 0 else 0.0
        return self._astar(fwd, a, b, lb)

    def travel_time_s(self, from_latlon: LatLon, to_latlon: LatLon, mode: str = "ebike") -> float:
        """Door-to-door seconds: straight access legs at :data:`ACCESS_SPEED_KMH` plus the fastest network path."""
        _check_mode(mode)
        a, da = self.nearest_node_with_distance(from_latlon[0], from_latlon[1], mode)
        b, db = self.nearest_node_with_distance(to_latlon[0], to_latlon[1], mode)
        if a < 0 or b < 0:
            return math.inf
        access = (da + db) / (ACCESS_SPEED_KMH[mode] / 3.6)
        if a == b:
            direct = haversine_m(from_latlon[0], from_latlon[1], to_latlon[0], to_latlon[1])
            return min(access, direct / (ACCESS_SPEED_KMH[mode] / 3.6))
        _, secs = self.fastest_path(a, b, mode)
        return access + secs

    # -- routes --------------------------------------------------------------------------------------------

    def route_coords(self, nodes: Sequence[int]) -> list[LatLon]:
        """Polyline of a node route, for drawing and for moving a unit along it."""
        return [(float(self.lat[i]), float(self.lon[i])) for i in nodes]

    def route_length_m(self, nodes: Sequence[int]) -> float:
        """Length of a node route along its straight node-to-node segments."""
        return route_length_m(self.lat, self.lon, nodes)

    def point_along_route(self, nodes: Sequence[int], distance_m: float) -> tuple[float, float, float]:
        """``(lat, lon, bearing°)`` after travelling ``distance_m`` along a route (clamped to its ends)."""
        return point_along_route(self.lat, self.lon, nodes, distance_m)

    def route_street_names(self, nodes: Sequence[int]) -> list[str]:
        """Distinct consecutive street names along a route (e.g. for "沿中华路 → 建康路" directions)."""
        return route_street_names(self.edges, nodes)

    def random_route(
        self, rng: np.random.Generator | random.Random, start_node: int, min_length_m: float, mode: str = "walk",
        max_tries: int = 20,
    ) -> list[int]:  # fmt: skip
        """A patrol route from ``start_node`` at least ``min_length_m`` long (the longest found if none is).

        Picks random destinations in the start's connected component that are far enough in a straight line
        and returns the shortest path to one; deterministic for a seeded ``rng``.  Returns ``[start_node]``
        when the start is isolated.
        """
        return random_route(self, rng, start_node, min_length_m, mode, max_tries)

    # -- connectivity ----------------------------------------------------------------------------------------

    def component_labels(self, mode: str = "walk") -> NDArray[np.int64]:
        """Weakly connected component id per node for ``mode`` (nodes unusable by it get their own id)."""
        labels = self._labels.get(mode)
        if labels is not None:
            return labels
        fwd, rev = self._adjacency(mode)
        labels = component_labels(fwd, rev, self.node_count)
        self._labels[mode] = labels
        return labels

    def largest_component_nodes(self, mode: str = "walk") -> NDArray[np.int64]:
        """Node ids of the biggest connected component for ``mode``."""
        labels = self.component_labels(mode)
        if len(labels) == 0:
            return np.array([], dtype=np.int64)
        biggest = int(np.argmax(np.bincount(labels)))
        return np.flatnonzero(labels == biggest)

    def largest_component(self, mode: str = "walk") -> StreetGraph:
        """A new graph with only the largest component, so that simulated units can never be stranded.

        Node ids are renumbered; use :meth:`nearest_node` on the new graph rather than old ids.
        """
        keep = self.largest_component_nodes(mode)
        remap = np.full(self.node_count, -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        edges = [
            Edge(int(remap[e.u]), int(remap[e.v]), e.length_m, e.name, e.cls, e.oneway)
            for e in self.edges
            if remap[e.u] >= 0 and remap[e.v] >= 0
        ]
        return StreetGraph(self.lat[keep], self.lon[keep], edges)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown travel mode {mode!r}; expected one of {MODES}")

