"""StreetGraph: routing correctness on a hand-built network, mode rules, snapping, and the bundled district."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from commandcenter.geo.basemap import Basemap, MapFeature
from commandcenter.geo.coords import LocalProjection, haversine_m, haversine_m_array
from commandcenter.geo.district import load_default_basemap
from commandcenter.geo.streets import StreetGraph

PROJ = LocalProjection(32.02, 118.78)


def ll(x: float, y: float) -> tuple[float, float]:
    return PROJ.to_latlon(x, y)


def line(*pts: tuple[float, float]) -> list[tuple[float, float]]:
    return [ll(x, y) for x, y in pts]


@pytest.fixture
def toy() -> tuple[StreetGraph, dict[str, int]]:
    """A 200 m square A(0,0) B(200,0) C(200,200) D(0,200) with a footway diagonal A–C and a one-way B→C.

    A–B and A–D are residential, D–C is a 500 m residential detour via (100, 350), C–B is one-way for cars
    (B→C only).  Known answers: walking A→C takes the diagonal (282.8 m); a car A→C goes A-B-C (400 m);
    a car C→A must go C-D-A (detour, ~700 m) because C→B is against the one-way.
    """
    lines = [
        (line((0, 0), (200, 0)), "甲路", "residential", 0, None),
        (line((0, 0), (0, 200)), "乙路", "residential", 0, None),
        (line((0, 200), (100, 350), (200, 200)), "丙路", "residential", 0, None),
        (line((200, 0), (200, 200)), "丁路", "residential", 1, None),
        (line((0, 0), (200, 200)), "斜径", "footway", 0, None),
        (line((600, 600), (700, 600)), "孤路", "residential", 0, None),
    ]
    g = StreetGraph.from_lines(lines, densify_m=None)
    ids = {name: g.nearest_node(*ll(x, y)) for name, (x, y) in
           {"A": (0, 0), "B": (200, 0), "C": (200, 200), "D": (0, 200), "E": (100, 350)}.items()}  # fmt: skip
    return g, ids


def test_toy_graph_shape(toy: tuple[StreetGraph, dict[str, int]]) -> None:
    g, ids = toy
    assert g.node_count == 7  # A B C D E + the two ends of the isolated street
    assert len(set(ids.values())) == 5
    assert g.edge_count == 7


def test_shortest_path_known_answers(toy: tuple[StreetGraph, dict[str, int]]) -> None:
    g, n = toy
    path, metres = g.shortest_path(n["A"], n["C"], mode="walk")
    assert path == [n["A"], n["C"]]
    assert metres == pytest.approx(200 * math.sqrt(2), rel=2e-3)
    path, metres = g.shortest_path(n["A"], n["C"], mode="car")
    assert path == [n["A"], n["B"], n["C"]]
    assert metres == pytest.approx(400, rel=2e-3)
    path, metres = g.shortest_path(n["C"], n["A"], mode="car")  # against the one-way: detour via E and D
    assert path == [n["C"], n["E"], n["D"], n["A"]]
    assert metres == pytest.approx(200 + 2 * math.hypot(100, 150), rel=2e-3)
    assert g.route_street_names(path) == ["丙路", "乙路"]


def test_unreachable_is_inf_not_an_error(toy: tuple[StreetGraph, dict[str, int]]) -> None:
    g, n = toy
    island = g.nearest_node(*ll(650, 600))
    assert g.shortest_path(n["A"], island) == ([], math.inf)
    assert g.travel_time_s(ll(0, 0), ll(700, 600), "walk") == math.inf


def test_travel_times_by_mode(toy: tuple[StreetGraph, dict[str, int]]) -> None:
    g, n = toy
    # e-bike on residential 16 km/h but on the footway only 8 km/h: A-B-C (400 m) beats the diagonal (283 m).
    path, secs = g.fastest_path(n["A"], n["C"], mode="ebike")
    assert path == [n["A"], n["B"], n["C"]]
    assert secs == pytest.approx(400 / (16 / 3.6), rel=2e-3)
    # Door to door: 20 m off the network at each end adds access legs at walking pace.
    t = g.travel_time_s(ll(-20, 0), ll(220, 200), "walk")
    assert t == pytest.approx((40 + 200 * math.sqrt(2)) / (4.8 / 3.6), rel=0.02)
    assert g.travel_time_s(ll(0, 0), ll(200, 200), "car") == pytest.approx(400 / (25 / 3.6), rel=2e-3)


def test_one_to_many_and_many_to_one(toy: tuple[StreetGraph, dict[str, int]]) -> None:
    g, n = toy
    out = g.one_to_many_times(n["C"], mode="car")
    into = g.many_to_one_times(n["C"], mode="car")
    # Leaving C by car means the long way round; arriving at C from B is direct (one-way B→C).
    assert into[n["B"]] == pytest.approx(200 / (25 / 3.6), rel=2e-3)
    assert out[n["B"]] > 2 * into[n["B"]]
    for node in range(g.node_count):
        _, secs = g.fastest_path(node, n["C"], mode="car")
        assert into[node] == pytest.approx(secs) or (math.isinf(into[node]) and math.isinf(secs))
    limited = g.one_to_many_times(n["A"], max_seconds=60, mode="walk")
    assert np.isfinite(limited[n["A"]]) and limited[n["A"]] == 0.0
    assert math.isinf(limited[n["C"]])  # 283 m on foot is > 60 s
    assert np.all(limited[np.isfinite(limited)] <= 60)


def test_nearest_node_matches_brute_force(district_graph: StreetGraph) -> None:
    g = district_graph
    rng = np.random.default_rng(3)
    s, w = g.lat.min() - 0.003, g.lon.min() - 0.003
    n, e = g.lat.max() + 0.003, g.lon.max() + 0.003
    lats, lons = rng.uniform(s, n, 500), rng.uniform(w, e, 500)
    got = g.nearest_nodes(lats, lons)
    for i in range(len(lats)):
        d = haversine_m(lats[i], lons[i], g.lat[got[i]], g.lon[got[i]])
        best = np.min(np.hypot(*(a - b for a, b in zip(g.proj.to_xy_array(g.lat, g.lon),
                                                            g.proj.to_xy(lats[i], lons[i]), strict=True))))  # fmt: skip
        assert d == pytest.approx(best, abs=0.05)
    for lat, lon in [(33.0, 119.5), (32.0, 118.7), (32.024, 118.83)]:  # far outside the district
        far = g.nearest_node(lat, lon)
        brute = np.argmin(haversine_m_array(lat, lon, g.lat, g.lon))
        assert haversine_m(lat, lon, *g.node_latlon(far)) == pytest.approx(
            haversine_m(lat, lon, *g.node_latlon(int(brute))), rel=1e-3
        )


def test_nearest_node_for_cars_avoids_pedestrian_streets(
    district: Basemap, district_graph: StreetGraph
) -> None:
    g = district_graph
    gongyuan = next(r for r in district.roads if r.name == "贡院街")  # 夫子庙步行街: no cars
    mid = gongyuan.coords[len(gongyuan.coords) // 2]
    walk_node, d_walk = g.nearest_node_with_distance(*mid)
    car_node, d_car = g.nearest_node_with_distance(*mid, mode="car")
    assert d_walk < 1.0
    assert car_node != walk_node and d_car > 5.0
    assert car_node in set(g.accessible_nodes("car").tolist())


def test_district_graph_is_connected(district_graph: StreetGraph) -> None:
    g = district_graph
    assert g.node_count > 300
    for mode in ("walk", "ebike", "car"):
        assert len(g.largest_component_nodes(mode)) > 0.9 * len(g.accessible_nodes(mode))
    assert len(g.largest_component_nodes("walk")) > 0.9 * g.node_count
    assert 30_000 < g.total_length_m() < 80_000  # ~2.5 × 2 km of old-town streets


def test_district_names_along_a_route(district: Basemap, district_graph: StreetGraph) -> None:
    g = district_graph
    zhonghua_changle = next(c for c in district.camera_sites if c.name == "中华路-长乐路路口")
    longpan_baixia = next(c for c in district.camera_sites if c.name == "白下路-龙蟠中路路口")
    a = g.nearest_node(*zhonghua_changle.coords[0], mode="car")
    b = g.nearest_node(*longpan_baixia.coords[0], mode="car")
    path, metres = g.shortest_path(a, b, mode="car")
    straight = haversine_m(*g.node_latlon(a), *g.node_latlon(b))
    assert straight < metres < straight * 1.5  # Manhattan-ish, no absurd detours
    assert len(g.route_street_names(path)) >= 2


def test_largest_component_drops_islands(toy: tuple[StreetGraph, dict[str, int]]) -> None:
    g, _ = toy
    main = g.largest_component()
    assert main.node_count == 5 and main.edge_count == 6
    assert len(main.largest_component_nodes()) == main.node_count


def test_random_route_is_long_enough_connected_and_reproducible(district_graph: StreetGraph) -> None:
    g = district_graph
    start = g.nearest_node(32.02, 118.783)
    routes = []
    for rng in (np.random.default_rng(11), random.Random(11)):
        route = g.random_route(rng, start, 1200.0)
        assert route[0] == start
        length = g.route_length_m(route)
        assert length >= 1200.0
        adjacent = {(e.u, e.v) for e in g.edges} | {(e.v, e.u) for e in g.edges}
        assert all((a, b) in adjacent for a, b in itertools.pairwise(route))
        coords = g.route_coords(route)
        assert len(coords) == len(route) and coords[0] == g.node_latlon(start)
        routes.append(route)
    assert g.random_route(np.random.default_rng(11), start, 1200.0) == routes[0]


def test_point_along_route(toy: tuple[StreetGraph, dict[str, int]]) -> None:
    g, n = toy
    route = [n["A"], n["B"], n["C"]]
    lat, lon, bearing = g.point_along_route(route, 300)
    assert haversine_m(lat, lon, *ll(200, 100)) < 0.5
    assert bearing == pytest.approx(0.0, abs=0.5)  # heading north on 丁路
    lat, lon, _ = g.point_along_route(route, 10_000)
    assert haversine_m(lat, lon, *g.node_latlon(n["C"])) < 0.01


def test_graph_from_basemap_uses_osm_node_ids() -> None:
    """Two ways sharing an OSM node join there even if one copy of the coordinate is slightly off."""
    bm = Basemap()
    bm.add(MapFeature("road", "line", line((0, 0), (100, 0)), "甲", "residential", node_ids=[1, 2]))
    bm.add(MapFeature("road", "line", [ll(100, 3), ll(100, 100)], "乙", "residential", node_ids=[2, 3]))
    bm.add(MapFeature("road", "line", line((0, 50), (50, 50)), "丙", "steps"))
    g = StreetGraph.from_basemap(bm, densify_m=None)
    assert g.node_count == 5
    a, b = g.nearest_node(*ll(0, 0)), g.nearest_node(*ll(100, 100))
    assert g.shortest_path(a, b, mode="car")[1] == pytest.approx(200, rel=2e-3)
    steps = g.nearest_node(*ll(0, 50))
    assert math.isinf(
        g.one_to_many_times(steps, mode="ebike")[g.nearest_node(*ll(50, 50))]
    )  # no e-bikes on steps


def test_officers_across_the_district_reach_a_central_case() -> None:
    """5,000 officers scattered over the district snap to its streets and the nearest reaches a central case
    within 15 minutes by e-bike (how long that takes: bench/bench_geo.py)."""
    g = StreetGraph.from_basemap(load_default_basemap())
    rng = np.random.default_rng(5)
    lats = rng.uniform(g.lat.min(), g.lat.max(), 5000)
    lons = rng.uniform(g.lon.min(), g.lon.max(), 5000)
    officer_nodes = g.nearest_nodes(lats, lons, mode="ebike")
    case = g.nearest_node(32.0205, 118.784, mode="ebike")
    times = g.many_to_one_times(case, max_seconds=900, mode="ebike")
    ranked = np.argsort(times[officer_nodes])
    assert np.isfinite(times[officer_nodes[ranked[0]]])
    assert times[officer_nodes[ranked[0]]] <= 900
