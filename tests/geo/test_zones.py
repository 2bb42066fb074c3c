"""Polygons, 单元网格/责任区 and the bundled district's zones, cameras and layout."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from commandcenter.geo.basemap import Basemap
from commandcenter.geo.coords import LocalProjection
from commandcenter.geo.district import (
    DISTRICT_CODE,
    default_unit_grid,
    default_zone_index,
    default_zones,
    generate_district,
)
from commandcenter.geo.zones import (
    ZONE_KINDS,
    make_unit_grid,
    point_in_polygon,
    points_in_polygon,
    polygon_area_m2,
    polygon_centroid,
)

PROJ = LocalProjection(32.02, 118.78)


def ring(*pts: tuple[float, float]) -> list[tuple[float, float]]:
    out = [PROJ.to_latlon(x, y) for x, y in pts]
    return [*out, out[0]]


SQUARE = ring((0, 0), (100, 0), (100, 100), (0, 100))
L_SHAPE = ring((0, 0), (200, 0), (200, 100), (100, 100), (100, 200), (0, 200))


def test_point_in_polygon_concave_and_holes() -> None:
    assert point_in_polygon(*PROJ.to_latlon(50, 50), L_SHAPE)
    assert not point_in_polygon(*PROJ.to_latlon(150, 150), L_SHAPE)  # the notch of the L
    assert point_in_polygon(*PROJ.to_latlon(150, 50), L_SHAPE)
    hole = ring((20, 20), (80, 20), (80, 80), (20, 80))
    assert not point_in_polygon(*PROJ.to_latlon(50, 50), SQUARE, [hole])
    assert point_in_polygon(*PROJ.to_latlon(10, 50), SQUARE, [hole])


def test_points_in_polygon_vectorised_matches_scalar() -> None:
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(-50, 250, 2000), rng.uniform(-50, 250, 2000)
    lats, lons = PROJ.to_latlon_array(xs, ys)
    inside = points_in_polygon(lats, lons, L_SHAPE)
    expected = ((xs > 0) & (xs < 200) & (ys > 0) & (ys < 100)) | (
        (xs > 0) & (xs < 100) & (ys > 0) & (ys < 200)
    )
    assert np.array_equal(inside, expected)
    for i in range(0, 2000, 97):
        assert point_in_polygon(lats[i], lons[i], L_SHAPE) == inside[i]


def test_area_and_centroid_in_metres() -> None:
    assert polygon_area_m2(SQUARE) == pytest.approx(10_000, rel=2e-3)
    assert polygon_area_m2(L_SHAPE) == pytest.approx(30_000, rel=2e-3)
    assert polygon_area_m2(SQUARE, [ring((20, 20), (80, 20), (80, 80), (20, 80))]) == pytest.approx(
        6_400, rel=2e-3
    )
    assert polygon_area_m2(list(reversed(SQUARE))) == pytest.approx(10_000, rel=2e-3)  # orientation-free
    cx, cy = PROJ.to_xy(*polygon_centroid(SQUARE))
    assert (cx, cy) == pytest.approx((50, 50), abs=0.2)
    # L-shape: three 100 m squares centred at (50,50), (150,50), (50,150) → centroid (83.3, 83.3)
    cx, cy = PROJ.to_xy(*polygon_centroid(L_SHAPE))
    assert (cx, cy) == pytest.approx((250 / 3, 250 / 3), abs=0.3)


BBOX = (32.0105, 118.7700, 32.0284, 118.7965)  # 2.50 × 1.99 km


def test_unit_grid_codes_and_areas() -> None:
    grid = make_unit_grid(BBOX, 250.0, "320106")
    assert (grid.rows, grid.cols) == (8, 10)
    assert len(grid.cells) == 80
    codes = [c.code for c in grid.cells]
    assert len(set(codes)) == 80
    assert all(len(code) == 14 and code.isdigit() and code.startswith("320106001") for code in codes)
    # every cell in exactly one 3 × 3 responsibility area, named 责任区<letter><number>
    assert sorted(c for a in grid.areas for c in a.cell_codes) == sorted(codes)
    assert all(len(a.cell_codes) <= 9 for a in grid.areas)
    assert {a.name for a in grid.areas} >= {"责任区A1", "责任区A4", "责任区C1", "责任区C4"}
    for cell in grid.cells:
        assert grid.cell_at(*cell.centre) == cell.code
        assert grid.area_at(*cell.centre).code == cell.area_code  # type: ignore[union-attr]
        assert cell.code.startswith(cell.area_code)
    a1 = next(a for a in grid.areas if a.name == "责任区A1")
    sw = grid.cells[int(grid.layout[0, 0])]
    assert sw.code in a1.cell_codes  # A1 is the south-west corner
    assert grid.cell_at(32.0, 118.78) is None
    assert grid.area_at(32.0, 118.78) is None


def test_unit_grid_cell_bounds_tile_the_area() -> None:
    grid = make_unit_grid(BBOX, 250.0)
    c00 = grid.cells[int(grid.layout[0, 0])]
    c01 = grid.cells[int(grid.layout[0, 1])]
    assert c00.bounds[3] == pytest.approx(c01.bounds[1], abs=1e-12)  # shared edge
    s, w, n, e = c00.bounds
    x0, y0 = PROJ.to_xy(s, w)
    x1, y1 = PROJ.to_xy(n, e)
    assert (x1 - x0, y1 - y0) == pytest.approx((250, 250), rel=2e-3)
    assert c00.ring[0] == c00.ring[-1]


def test_unit_grid_clipped_to_boundary() -> None:
    s, w, n, e = BBOX
    triangle = [(s, w), (s, e), (n, w), (s, w)]
    grid = make_unit_grid(BBOX, 250.0, boundary=triangle)
    assert 30 < len(grid.cells) < 50
    for cell in grid.cells:
        assert point_in_polygon(*cell.centre, triangle)
    assert grid.cell_at(n - 0.0005, e - 0.0005) is None  # the cut-off corner


def test_unit_grid_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="south < north"):
        make_unit_grid((32.03, 118.77, 32.01, 118.79))
    with pytest.raises(ValueError, match="6-digit"):
        make_unit_grid(BBOX, district_code="3201")


def test_vectorised_cell_lookup_matches_scalar() -> None:
    """The vectorised look-up finds the same cells as one-by-one look-ups (its speed: bench/bench_geo.py)."""
    grid = make_unit_grid(BBOX, 250.0)
    rng = np.random.default_rng(2)
    lats, lons = rng.uniform(32.005, 32.03, 10_000), rng.uniform(118.765, 118.80, 10_000)
    scalar = [grid.cell_at(a, b) for a, b in zip(lats.tolist(), lons.tolist(), strict=True)]
    assert grid.cells_at(lats, lons) == scalar
    assert any(c is None for c in scalar) and any(c is not None for c in scalar)


# ------------------------------------------------------------------------------------------------------------
# The bundled district


def test_district_is_regenerated_identically(district: Basemap) -> None:
    """The committed file is exactly what the seeded generator produces (nobody hand-edited it)."""
    fresh = generate_district()
    assert fresh.counts() == district.counts()
    for a, b in zip(fresh.features(), district.features(), strict=True):
        assert a.name == b.name and a.layer == b.layer
        assert [v for p in a.coords for v in p] == pytest.approx([v for p in b.coords for v in p], abs=1e-7)


def test_district_content(district: Basemap) -> None:
    assert district.attribution is None and district.crs == "wgs84"
    s, w, n, e = district.bbox
    assert 32.005 < s < n < 32.035 and 118.765 < w < e < 118.80  # 南京 秦淮区, 夫子庙—老门东
    names = district.named_roads()
    for street in ("中华路", "建康路", "长乐路", "瞻园路", "平江府路", "琵琶街", "贡院街", "乌衣巷"):
        assert street in names
    classes = {r.cls for r in district.roads}
    assert {"primary", "secondary", "residential", "pedestrian"} <= classes
    market = next(r for r in district.roads if r.name == "贡院街")
    assert market.cls == "pedestrian" and market.props["grade"] == "步行街"
    assert {w.name for w in district.water} >= {"秦淮河"}
    assert len(district.plazas) >= 2 and any("广场" in (p.name or "") for p in district.plazas)
    assert len(district.parks) >= 3
    assert len(district.buildings) > 1000
    (border,) = district.boundaries
    assert border.coords[0] == border.coords[-1] and border.props["district_code"] == DISTRICT_CODE
    area = polygon_area_m2(border.coords)
    assert 4.0e6 < area < 6.0e6


def test_buildings_stay_off_streets_and_out_of_the_river(district: Basemap) -> None:
    river = next(w for w in district.water if w.name == "秦淮河" and w.geometry == "polygon")
    centres = np.array([polygon_centroid(b.coords) for b in district.buildings])
    assert not points_in_polygon(centres[:, 0], centres[:, 1], river.coords).any()
    # Street centre lines sampled every ~5 m: no building footprint may cover any of those points.
    samples = []
    for road in district.roads:
        for (lat1, lon1), (lat2, lon2) in itertools.pairwise(road.coords):
            k = max(2, int(np.hypot(lat2 - lat1, (lon2 - lon1) * 0.85) * 111_000 / 5))
            f = np.linspace(0.0, 1.0, k)
            samples.append(np.column_stack([lat1 + (lat2 - lat1) * f, lon1 + (lon2 - lon1) * f]))
    pts = np.vstack(samples)
    for b in district.buildings:
        s, w, n, e = b.bounds()
        near = pts[(pts[:, 0] >= s) & (pts[:, 0] <= n) & (pts[:, 1] >= w) & (pts[:, 1] <= e)]
        assert not points_in_polygon(near[:, 0], near[:, 1], b.coords).any(), b.name


def test_district_zones(district: Basemap) -> None:
    zones = default_zones(district)
    assert {z.kind for z in zones} == set(ZONE_KINDS)
    assert all(z.name and z.area_m2 > 100 for z in zones)
    index = default_zone_index(district)
    zhonghua = next(r for r in district.roads if r.name == "中华路")
    mid = zhonghua.coords[len(zhonghua.coords) // 2]
    assert "中华路禁止设摊区" in {z.name for z in index.zones_at(*mid, kind="禁止设摊区")}
    plaza = next(p for p in district.plazas if p.name == "夫子庙广场")
    assert index.zones_at(*polygon_centroid(plaza.coords), kind="禁止设摊区")
    # A designated vending area inside a no-vending area would contradict itself on the map.
    for z in index.by_kind("疏导点"):
        assert not index.zones_at(*z.centroid, kind="禁止设摊区"), z.name
    assert index.by_name("老门东特色小吃点") is not None and index.by_name("不存在") is None


def test_district_cameras_at_main_intersections(district: Basemap, district_graph) -> None:  # type: ignore[no-untyped-def]
    names = {c.name for c in district.camera_sites}
    assert {"中华路-建康路路口", "中华路-长乐路路口", "平江府路-建康路路口"} <= names
    assert 8 <= len(names) <= 40
    for cam in district.camera_sites:
        _, dist = district_graph.nearest_node_with_distance(*cam.coords[0])
        assert dist < 1.0  # exactly on the street network, at the junction


def test_default_unit_grid_covers_the_district(district: Basemap) -> None:
    grid = default_unit_grid(district)
    assert 60 <= len(grid.cells) <= 90
    assert all(c.code.startswith(DISTRICT_CODE) for c in grid.cells)
    for feat in [*district.camera_sites, *district.pois]:
        assert grid.cell_at(*feat.coords[0]) is not None, feat.name
    for z in default_zones(district):
        assert grid.cell_at(*z.centroid) is not None, z.name
