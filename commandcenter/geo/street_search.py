"""Graph searches and route geometry over a street graph's adjacency lists (the query algorithms of
:mod:`~commandcenter.geo.streets`).

Why apart from :class:`~commandcenter.geo.streets.StreetGraph`: the graph owns the data and its per-mode caches
(adjacency, spatial index, component labels); the algorithms here are pure functions of adjacency lists and
node arrays, so they can be read and tested without the caching around them. The graph's methods delegate.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from commandcenter.geo.coords import bearing_deg, haversine_m

if TYPE_CHECKING:
    from commandcenter.geo.streets import Edge, StreetGraph

Adjacency = list[list[tuple[int, float]]]


def dijkstra(adj: Adjacency, node_count: int, source: int, cutoff: float) -> NDArray[np.float64]:
    """Cost from ``source`` to every node, ``inf`` beyond ``cutoff`` or unreachable."""
    dist = np.full(node_count, np.inf)
    if not 0 <= source < node_count:
        raise IndexError(f"node {source} is not in the graph (0..{node_count - 1})")
    best: dict[int, float] = {source: 0.0}
    heap = [(0.0, source)]
    done: set[int] = set()
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        dist[u] = d
        for v, w in adj[u]:
            nd = d + w
            if nd <= cutoff and nd < best.get(v, math.inf):
                best[v] = nd
                heapq.heappush(heap, (nd, v))
    return dist


def astar(adj: Adjacency, xs: NDArray[np.float64], ys: NDArray[np.float64], a: int, b: int,
          per_metre_lb: float) -> tuple[list[int], float]:
    """``(nodes a..b, cost)`` with a straight-line heuristic of ``per_metre_lb`` per metre; ``([], inf)``."""
    n = len(xs)
    if not (0 <= a < n and 0 <= b < n):
        raise IndexError(f"nodes {a}, {b} must be in 0..{n - 1}")
    bx, by = float(xs[b]), float(ys[b])

    def h(u: int) -> float:
        # 0.995: the local projection may overstate a straight line by up to ~0.1 %; stay admissible.
        return math.hypot(float(xs[u]) - bx, float(ys[u]) - by) * per_metre_lb * 0.995

    g: dict[int, float] = {a: 0.0}
    parent: dict[int, int] = {a: -1}
    heap = [(h(a), 0.0, a)]
    closed: set[int] = set()
    while heap:
        _, d, u = heapq.heappop(heap)
        if u in closed:
            continue
        if u == b:
            path = [b]
            while parent[path[-1]] != -1:
                path.append(parent[path[-1]])
            path.reverse()
            return path, d
        closed.add(u)
        for v, w in adj[u]:
            nd = d + w
            if nd < g.get(v, math.inf):
                g[v] = nd
                parent[v] = u
                heapq.heappush(heap, (nd + h(v), nd, v))
    return [], math.inf


def component_labels(fwd: Adjacency, rev: Adjacency, node_count: int) -> NDArray[np.int64]:
    """Weakly connected component id per node (nodes without edges get their own id)."""
    labels = np.full(node_count, -1, dtype=np.int64)
    comp = 0
    for s in range(node_count):
        if labels[s] >= 0:
            continue
        labels[s] = comp
        stack = [s]
        while stack:
            u = stack.pop()
            for v, _ in fwd[u]:
                if labels[v] < 0:
                    labels[v] = comp
                    stack.append(v)
            for v, _ in rev[u]:
                if labels[v] < 0:
                    labels[v] = comp
                    stack.append(v)
        comp += 1
    return labels


def route_length_m(lat: NDArray[np.float64], lon: NDArray[np.float64], nodes: Sequence[int]) -> float:
    """Length of a node route along its straight node-to-node segments."""
    return float(sum(haversine_m(lat[a], lon[a], lat[b], lon[b]) for a, b in itertools.pairwise(nodes)))


def point_along_route(lat: NDArray[np.float64], lon: NDArray[np.float64], nodes: Sequence[int],
                      distance_m: float) -> tuple[float, float, float]:
    """``(lat, lon, bearing°)`` after travelling ``distance_m`` along a route (clamped to its ends)."""
    if not nodes:
        raise ValueError("empty route")
    if len(nodes) == 1:
        return float(lat[nodes[0]]), float(lon[nodes[0]]), 0.0
    remaining = max(0.0, distance_m)
    for a, b in itertools.pairwise(nodes):
        lat1, lon1 = float(lat[a]), float(lon[a])
        lat2, lon2 = float(lat[b]), float(lon[b])
        seg = haversine_m(lat1, lon1, lat2, lon2)
        if remaining <= seg or b == nodes[-1]:
            f = 1.0 if seg == 0 else min(1.0, remaining / seg)
            return lat1 + (lat2 - lat1) * f, lon1 + (lon2 - lon1) * f, bearing_deg(lat1, lon1, lat2, lon2)
        remaining -= seg
    raise AssertionError("unreachable")


def route_street_names(edges: Sequence[Edge], nodes: Sequence[int]) -> list[str]:
    """Distinct consecutive street names along a route (e.g. for "沿中华路 → 建康路" directions)."""
    by_pair: dict[tuple[int, int], str | None] = {}
    for e in edges:
        by_pair.setdefault((min(e.u, e.v), max(e.u, e.v)), e.name)
    names: list[str] = []
    for a, b in itertools.pairwise(nodes):
        name = by_pair.get((min(a, b), max(a, b)))
        if name and (not names or names[-1] != name):
            names.append(name)
    return names


def random_route(graph: StreetGraph, rng: np.random.Generator | random.Random, start_node: int,
                 min_length_m: float, mode: str, max_tries: int) -> list[int]:
    """See :meth:`StreetGraph.random_route <commandcenter.geo.streets.StreetGraph.random_route>`."""
    labels = graph.component_labels(mode)
    same = np.flatnonzero(labels == labels[start_node])
    same = same[same != start_node]
    if len(same) == 0:
        return [start_node]
    d = np.hypot(graph.x[same] - graph.x[start_node], graph.y[same] - graph.y[start_node])
    far = same[d >= min_length_m * 0.6]
    pool = far if len(far) else same[np.argsort(d)[-max(1, len(same) // 10) :]]
    best: list[int] = [start_node]
    best_len = 0.0
    for _ in range(max_tries):
        target = int(pool[_rand_index(rng, len(pool))])
        path, length = graph.shortest_path(start_node, target, mode)
        if path and length > best_len:
            best, best_len = path, length
        if best_len >= min_length_m:
            break
    return best


def _rand_index(rng: np.random.Generator | random.Random, n: int) -> int:
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(n))
    return rng.randrange(n)
