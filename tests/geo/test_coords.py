"""Datum conversions, Web Mercator/tiles and distances against published values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from commandcenter.geo import coords as c

# Published vector for the GCJ-02 formula (Shanghai, WGS-84 → GCJ-02).
WGS_SH = (31.1774276, 121.5272106)
GCJ_SH = (31.17530398364597, 121.531541859215)
# Published BD-09 vectors (the reference values of the widely used coordtransform library, Beijing 116.404/39.915).
GCJ_BJ_TO_BD = ((39.915, 116.404), (39.92133699351021, 116.41036949371029))
BD_BJ_TO_GCJ = ((39.915, 116.404), (39.90865673957631, 116.39762729119315))


def test_wgs84_to_gcj02_matches_published_vector() -> None:
    lat, lon = c.wgs84_to_gcj02(*WGS_SH)
    assert lat == pytest.approx(GCJ_SH[0], abs=1e-9)
    assert lon == pytest.approx(GCJ_SH[1], abs=1e-9)


def test_gcj02_to_wgs84_inverts_published_vector_to_centimetres() -> None:
    lat, lon = c.gcj02_to_wgs84(*GCJ_SH)
    assert c.haversine_m(lat, lon, *WGS_SH) < 0.01


def test_bd09_published_pairs() -> None:
    (g, b) = GCJ_BJ_TO_BD
    assert c.gcj02_to_bd09(*g) == pytest.approx(b, abs=1e-9)
    (b2, g2) = BD_BJ_TO_GCJ
    assert c.bd09_to_gcj02(*b2) == pytest.approx(g2, abs=1e-9)


def test_offset_in_nanjing_is_hundreds_of_metres() -> None:
    """The GCJ-02 shift is what makes uncorrected overlays visibly wrong; in Nanjing it is ~500 m."""
    glat, glon = c.wgs84_to_gcj02(32.02, 118.785)
    shift = c.haversine_m(32.02, 118.785, glat, glon)
    assert 300 < shift < 800


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trips_across_china_below_one_centimetre(crs: str) -> None:
    rng = np.random.default_rng(7)
    lats = rng.uniform(18.5, 53.0, 300)
    lons = rng.uniform(74.0, 134.0, 300)
    for lat, lon in zip(lats[:40], lons[:40], strict=True):
        back = c.to_wgs84(*c.from_wgs84(lat, lon, crs), crs)
        assert c.haversine_m(lat, lon, *back) < 0.01
    blat, blon = c.to_wgs84_array(*c.from_wgs84_array(lats, lons, crs), crs)
    assert np.max(c.haversine_m_array(lats, lons, blat, blon)) < 0.01


def test_vectorised_matches_scalar() -> None:
    lats = np.array([31.1774276, 32.02, 39.9, 51.5])
    lons = np.array([121.5272106, 118.785, 116.4, -0.12])
    glat, glon = c.wgs84_to_gcj02_array(lats, lons)
    for i in range(len(lats)):
        assert (glat[i], glon[i]) == pytest.approx(c.wgs84_to_gcj02(lats[i], lons[i]), abs=1e-12)
    blat, blon = c.from_wgs84_array(lats, lons, "bd09")
    for i in range(len(lats)):
        assert (blat[i], blon[i]) == pytest.approx(c.wgs84_to_bd09(lats[i], lons[i]), abs=1e-12)


def test_points_outside_china_are_unchanged() -> None:
    for lat, lon in [(51.5074, -0.1278), (35.6812, 139.7671), (-33.86, 151.21)]:
        assert c.wgs84_to_gcj02(lat, lon) == (lat, lon)
        assert c.gcj02_to_wgs84(lat, lon) == (lat, lon)
    glat, glon = c.wgs84_to_gcj02_array([51.5074], [-0.1278])
    assert (glat[0], glon[0]) == (51.5074, -0.1278)


def test_crs_names_and_aliases() -> None:
    assert c.normalize_crs("GCJ-02") == "gcj02"
    assert c.normalize_crs("EPSG:4326") == "wgs84"
    assert c.normalize_crs(None) == "wgs84"
    assert c.to_wgs84(32.0, 118.0, "wgs84") == (32.0, 118.0)
    with pytest.raises(ValueError, match="unknown coordinate reference system"):
        c.to_wgs84(32.0, 118.0, "mars")


def test_web_mercator_known_values_and_round_trip() -> None:
    x, y = c.wgs84_to_mercator(0.0, 180.0)
    assert float(x) == pytest.approx(20037508.342789244)
    assert float(y) == pytest.approx(0.0, abs=1e-6)
    x, y = c.wgs84_to_mercator(32.02, 118.785)
    lat, lon = c.mercator_to_wgs84(x, y)
    assert (float(lat), float(lon)) == pytest.approx((32.02, 118.785), abs=1e-10)


def test_xyz_tiles() -> None:
    assert c.latlon_to_tile(51.5074, -0.1278, 10) == (511, 340)  # the well-known London tile
    assert c.latlon_to_tile(0.0, 0.0, 1) == (1, 1)
    assert c.latlon_to_tile(89.9, 179.9999, 3) == (7, 0)  # clamped into range
    x, y = c.latlon_to_tile(32.02, 118.785, 16)
    s, w, n, e = c.tile_bounds(x, y, 16)
    assert s <= 32.02 <= n and w <= 118.785 <= e
    s2, w2, _, _ = c.tile_bounds(x + 1, y, 16)
    assert w2 == pytest.approx(e) and s2 == pytest.approx(s)
    assert c.tile_to_latlon(0, 0, 0) == pytest.approx((85.05112877980659, -180.0))


def test_haversine_and_bearing() -> None:
    assert c.haversine_m(0, 0, 0, 1) == pytest.approx(111195.08, abs=0.05)
    assert c.haversine_m(32.0, 118.0, 32.0, 118.0) == 0.0
    d = c.haversine_m_array([0, 32.0], [0, 118.0], [1, 32.0], [0, 118.0])
    assert d[0] == pytest.approx(111195.08, abs=0.05) and d[1] == 0.0
    assert c.bearing_deg(0, 0, 1, 0) == pytest.approx(0.0)
    assert c.bearing_deg(0, 0, 0, 1) == pytest.approx(90.0)
    assert c.bearing_deg(0, 0, -1, 0) == pytest.approx(180.0)
    assert c.bearing_deg(0, 0, 0, -1) == pytest.approx(270.0)


def test_local_projection_agrees_with_haversine_at_city_scale() -> None:
    proj = c.LocalProjection(32.02, 118.785)
    lat, lon = 32.035, 118.80
    x, y = proj.to_xy(lat, lon)
    assert math.hypot(x, y) == pytest.approx(c.haversine_m(32.02, 118.785, lat, lon), rel=1e-3)
    assert proj.to_latlon(x, y) == pytest.approx((lat, lon), abs=1e-12)
    xs, ys = proj.to_xy_array([lat, 32.02], [lon, 118.785])
    assert xs[1] == 0.0 and ys[1] == 0.0 and xs[0] == pytest.approx(x)
