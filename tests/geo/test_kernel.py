"""The project's one geometry kernel: haversine, point-in-polygon, the grid locator, used by every caller.

Known distances, the polygon edge/vertex/hole convention (a point on an edge shared by two cells belongs to
exactly one of them) and grid look-ups exactly on cell borders.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from commandcenter.cases.dispatch import grid_router
from commandcenter.drones.missions import Polygon, distance_m
from commandcenter.geo.coords import EARTH_RADIUS_M, LocalProjection, haversine_m, haversine_m_array
from commandcenter.geo.streets import StreetGraph
from commandcenter.geo.zones import GridIndex, make_unit_grid, point_in_polygon, points_in_polygon

# ------------------------------------------------------------------------------------------------ haversine


@pytest.mark.parametrize(
    ("a", "b", "metres", "tolerance"),
    [
        ((0.0, 0.0), (1.0, 0.0), math.pi / 180 * EARTH_RADIUS_M, 1e-6),  # one degree of a meridian
        ((0.0, 0.0), (0.0, 1.0), math.pi / 180 * EARTH_RADIUS_M, 1e-6),  # one degree of the equator
        ((0.0, 0.0), (0.0, 180.0), math.pi * EARTH_RADIUS_M, 1e-6),  # antipodes: half the circumference
        ((48.8566, 2.3522), (51.5074, -0.1278), 343_560.0, 100.0),  # Paris → London ≈ 343.56 km
        ((32.0210, 118.7880), (32.0210, 118.7880), 0.0, 1e-9),  # the same point
    ],
)
def test_known_distances(a: tuple[float, float], b: tuple[float, float], metres: float, tolerance: float) -> None:
    assert haversine_m(*a, *b) == pytest.approx(metres, abs=tolerance)
    assert haversine_m(*b, *a) == pytest.approx(metres, abs=tolerance)
    assert distance_m(a, b) == haversine_m(*a, *b)  # drone mission checks use the same formula


def test_vectorised_distances_match_scalar() -> None:
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(31.9, 32.1, 500), rng.uniform(118.7, 118.9, 500)
    many = haversine_m_array(32.0, 118.8, lats, lons)
    one_by_one = [haversine_m(32.0, 118.8, float(a), float(b)) for a, b in zip(lats, lons, strict=True)]
    assert np.allclose(many, one_by_one, rtol=1e-12, atol=1e-6)


# ------------------------------------------------------------------------------------------ point in polygon

SQUARE = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]  # (lat, lon), not closed
HOLE = [(0.25, 0.25), (0.25, 0.75), (0.75, 0.75), (0.75, 0.25)]


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((0.5, 0.5), True),
        ((0.0, 0.5), True),  # south edge: inside
        ((0.5, 0.0), True),  # west edge: inside
        ((1.0, 0.5), False),  # north edge: outside (it belongs to the square to the north)
        ((0.5, 1.0), False),  # east edge: outside
        ((0.0, 0.0), True),  # south-west corner
        ((0.0, 1.0), False),  # south-east corner
        ((1.0, 0.0), False),  # north-west corner
        ((1.0, 1.0), False),  # north-east corner
        ((-0.000001, 0.5), False),
        ((0.5, 1.000001), False),
    ],
)
def test_edges_and_vertices(point: tuple[float, float], inside: bool) -> None:
    closed = [*SQUARE, SQUARE[0]]
    assert point_in_polygon(*point, SQUARE) is inside
    assert point_in_polygon(*point, closed) is inside  # a repeated closing vertex changes nothing
    assert bool(points_in_polygon([point[0]], [point[1]], SQUARE)[0]) is inside  # vectorised form agrees
    assert Polygon(SQUARE).contains(point) is inside  # drone fences use the same test


def test_a_point_on_a_shared_edge_belongs_to_exactly_one_square() -> None:
    east = [(0.0, 1.0), (0.0, 2.0), (1.0, 2.0), (1.0, 1.0)]
    north = [(1.0, 0.0), (1.0, 1.0), (2.0, 1.0), (2.0, 0.0)]
    for t in np.linspace(0.0, 1.0, 41)[:-1].tolist():  # (1, 1) is the corner of the square to the north-east
        on_east_edge = (t, 1.0)
        assert [point_in_polygon(*on_east_edge, SQUARE), point_in_polygon(*on_east_edge, east)].count(True) == 1
        on_north_edge = (1.0, t)
        assert [point_in_polygon(*on_north_edge, SQUARE), point_in_polygon(*on_north_edge, north)].count(True) == 1


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((0.5, 0.5), False),  # in the hole
        ((0.1, 0.5), True),  # between the outer ring and the hole
        ((0.5, 0.25), False),  # on the hole's west edge: that edge belongs to the hole
        ((0.5, 0.75), True),  # on the hole's east edge: back in the polygon
        ((0.75, 0.5), True),  # on the hole's north edge
        ((0.25, 0.5), False),  # on the hole's south edge
    ],
)
def test_holes(point: tuple[float, float], inside: bool) -> None:
    assert point_in_polygon(*point, SQUARE, [HOLE]) is inside
    assert bool(points_in_polygon([point[0]], [point[1]], SQUARE, [HOLE])[0]) is inside


def test_degenerate_rings_contain_nothing() -> None:
    assert not point_in_polygon(0.0, 0.0, [])
    assert not point_in_polygon(0.0, 0.0, [(0.0, 0.0), (1.0, 1.0)])
    assert not points_in_polygon([0.0], [0.0], [(0.0, 0.0), (1.0, 1.0)]).any()


# ------------------------------------------------------------------------------------------------ grid locator

BBOX = (32.0105, 118.7700, 32.0284, 118.7965)


def test_grid_lookup_on_cell_borders_gives_the_north_east_cell() -> None:
    grid = make_unit_grid(BBOX, 250.0)
    by_position = {(c.row, c.col): c for c in grid.cells}
    for (row, col), cell in by_position.items():
        s, w, n, e = cell.bounds
        assert grid.cell_at(s, (w + e) / 2) == cell.code  # own south edge
        assert grid.cell_at((s + n) / 2, w) == cell.code  # own west edge
        assert grid.cell_at(s, w) == cell.code  # own south-west corner
        north = by_position.get((row + 1, col))
        assert grid.cell_at(n, (w + e) / 2) == (north.code if north else None)  # north edge: the next cell
        east = by_position.get((row, col + 1))
        assert grid.cell_at((s + n) / 2, e) == (east.code if east else None)
    lats = [c.bounds[0] for c in grid.cells] + [c.bounds[2] for c in grid.cells]
    lons = [c.bounds[1] for c in grid.cells] + [c.bounds[3] for c in grid.cells]
    assert grid.cells_at(lats, lons) == [grid.cell_at(a, b) for a, b in zip(lats, lons, strict=True)]


def test_grid_from_zone_table_polygons_answers_like_the_generated_grid() -> None:
    lattice = make_unit_grid(BBOX, 250.0)
    rows = [(c.code, f"网格{c.code[-2:]}", c.area_code, [list(p) for p in c.ring[:-1]]) for c in lattice.cells]
    table = GridIndex.from_polygons([*rows, ("BROKEN", "无面积", "", [[32.02, 118.78]]), ("EMPTY", "", "", None)])
    assert len(table) == len(lattice.cells)  # the degenerate rows are skipped
    rng = np.random.default_rng(5)
    lats, lons = rng.uniform(32.005, 32.03, 3000), rng.uniform(118.765, 118.80, 3000)
    edges_lat = [c.bounds[0] for c in lattice.cells]
    edges_lon = [(c.bounds[1] + c.bounds[3]) / 2 for c in lattice.cells]
    all_lats = [*lats.tolist(), *edges_lat]
    all_lons = [*lons.tolist(), *edges_lon]
    assert table.cells_at(all_lats, all_lons) == lattice.cells_at(all_lats, all_lons)
    found = table.unit_cell_at(*lattice.cells[7].centre)
    assert found is not None and found.code == lattice.cells[7].code and found.area_code == lattice.cells[7].area_code
    assert table.get("nope") is None


def test_grid_with_irregular_cells() -> None:
    proj = LocalProjection(32.02, 118.78)
    corners = {k: proj.to_latlon(x, y) for k, (x, y) in {"sw": (0, 0), "se": (300, 0), "ne": (300, 300),
                                                          "nw": (0, 300)}.items()}
    below = ("A", "东南", "Z1", [corners["sw"], corners["se"], corners["ne"]])  # split along the diagonal
    above = ("B", "西北", "Z2", [corners["sw"], corners["ne"], corners["nw"]])
    grid = GridIndex.from_polygons([below, above])
    assert grid.cell_at(*proj.to_latlon(250, 50)) == "A"
    assert grid.cell_at(*proj.to_latlon(50, 250)) == "B"
    assert grid.cell_at(*proj.to_latlon(350, 50)) is None
    on_diagonal = [proj.to_latlon(d, d) for d in (10.0, 100.0, 150.0, 290.0)]
    for lat, lon in on_diagonal:
        assert grid.cell_at(lat, lon) in ("A", "B")  # never nothing, never both
    centre = grid.cell("A").centre
    assert grid.cell_at(*centre) == "A"  # a case typed in by cell code lands in its cell


# ------------------------------------------------------------------------------------------------ street graph


def test_dispatch_grid_is_the_street_graph() -> None:
    graph = StreetGraph.grid(30.0, 120.0, 4, 5, spacing_m=100)
    assert graph.node_count == 20 and graph.edge_count == 4 * 4 + 5 * 3
    router = grid_router(30.0, 120.0, 4, 5, spacing_m=100)
    corner = router.nearest_node(30.0, 120.0)
    assert corner is not None and router.node_latlon(corner) == pytest.approx((30.0, 120.0))
    times = router.reverse_times(corner, 1e9)
    far = router.nearest_node(*graph.node_latlon(19))
    assert far is not None
    # 300 m + 400 m of street; arterials (every 5th street, here the first row and column) are faster
    assert 700 / (20 / 3.6) * 0.99 <= float(np.asarray(times)[far]) <= 700 / (16 / 3.6) * 1.01
