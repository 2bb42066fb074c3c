"""Basemap loading: the real 新街口 OSM extract, GeoJSON round trips, datum conversion and malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commandcenter.geo.basemap import (
    OSM_ATTRIBUTION,
    Basemap,
    BasemapError,
    MapFeature,
    assemble_rings,
    import_geojson,
    import_osm_xml,
    load_geojson,
)
from commandcenter.geo.coords import from_wgs84, haversine_m

# ------------------------------------------------------------------------------------------------------------
# The real extract


def test_osm_extract_imports_with_attribution(osm_path: Path) -> None:
    """The extract imports and carries OpenStreetMap's attribution (import time: bench/bench_geo.py)."""
    bm = import_osm_xml(osm_path)
    assert bm.attribution == OSM_ATTRIBUTION


def test_osm_extract_layers(xinjiekou: Basemap) -> None:
    assert len(xinjiekou.roads) > 300
    assert len(xinjiekou.buildings) > 1000
    assert len(xinjiekou.parks) >= 90
    assert len(xinjiekou.water) >= 8
    names = xinjiekou.named_roads()
    for expected in ("中山路", "汉中路", "洪武路", "太平南路", "珠江路", "新街口转盘"):
        assert expected in names
    assert sum(1 for r in xinjiekou.roads if r.name) > 150
    classes = {r.cls for r in xinjiekou.roads}
    assert {"primary", "secondary", "residential", "footway"} <= classes


def test_osm_extract_is_where_xinjiekou_is(xinjiekou: Basemap) -> None:
    # The README's extract bbox; ways may reach a few hundred metres beyond it.
    s, w, n, e = xinjiekou.bbox
    assert 32.0 < s < 32.0352 < 32.0524 < n < 32.07
    assert 118.74 < w < 118.7640 < 118.7966 < e < 118.90
    zhongshan = next(r for r in xinjiekou.roads if r.name == "中山路")
    assert all(32.03 < lat < 32.07 and 118.77 < lon < 118.80 for lat, lon in zhongshan.coords)


def test_osm_polygons_are_closed(xinjiekou: Basemap) -> None:
    for feat in [
        *xinjiekou.buildings,
        *xinjiekou.parks,
        *[w for w in xinjiekou.water if w.geometry == "polygon"],
    ]:
        assert feat.geometry == "polygon"
        assert len(feat.coords) >= 4
        assert feat.coords[0] == feat.coords[-1]
        for hole in feat.holes:
            assert hole[0] == hole[-1]


def test_osm_district_borders(xinjiekou: Basemap) -> None:
    """The extract cuts the district relations, so borders are open lines, never rings closed by a fake edge."""
    assert {b.name for b in xinjiekou.boundaries} == {"玄武区", "鼓楼区", "秦淮区"}
    assert all(b.props["admin_level"] == 6 for b in xinjiekou.boundaries)
    assert all(b.props["complete"] is (b.geometry == "polygon") for b in xinjiekou.boundaries)
    assert all(b.coords[0] == b.coords[-1] for b in xinjiekou.boundaries if b.geometry == "polygon")
    assert any("秦淮区" in w and "incomplete" in w for w in xinjiekou.warnings)
    # 玄武区 and 秦淮区 share border way 403860282 (80 nodes): both lines must carry it identically.
    vertices = {
        name: {p for b in xinjiekou.boundaries if b.name == name for p in b.coords}
        for name in ("玄武区", "秦淮区")
    }
    assert len(vertices["玄武区"] & vertices["秦淮区"]) >= 80


# ------------------------------------------------------------------------------------------------------------
# Relation assembly on synthetic data


def test_assemble_rings_joins_reversed_and_out_of_order_ways() -> None:
    rings, chains = assemble_rings([[1, 2, 3], [5, 4, 3], [5, 6, 1]])
    assert chains == []
    assert len(rings) == 1
    ring = rings[0]
    assert ring[0] == ring[-1] and sorted(set(ring)) == [1, 2, 3, 4, 5, 6]
    rings, chains = assemble_rings([[1, 2], [3, 4]])
    assert rings == [] and len(chains) == 2


_COMPLETE_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="32.000" lon="118.000"/>
  <node id="2" lat="32.000" lon="118.010"/>
  <node id="3" lat="32.010" lon="118.010"/>
  <node id="4" lat="32.010" lon="118.000"/>
  <node id="5" lat="32.002" lon="118.002"/>
  <node id="6" lat="32.002" lon="118.004"/>
  <node id="7" lat="32.004" lon="118.004"/>
  <node id="8" lat="32.004" lon="118.002"/>
  <node id="9" lat="32.005" lon="118.005"><tag k="amenity" v="police"/><tag k="name" v="派出所"/></node>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/></way>
  <way id="11"><nd ref="1"/><nd ref="4"/><nd ref="3"/></way>
  <way id="12"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/></way>
  <way id="13"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/></way>
  <way id="14"><nd ref="1"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="name" v="Zhongshan Road"/>
    <tag k="name:zh" v="中山路"/><tag k="oneway" v="yes"/></way>
  <way id="15"><nd ref="5"/><nd ref="99"/><tag k="highway" v="residential"/></way>
  <relation id="20">
    <member type="way" ref="11" role="outer"/><member type="way" ref="10" role="outer"/>
    <tag k="type" v="boundary"/><tag k="boundary" v="administrative"/><tag k="admin_level" v="6"/>
    <tag k="name" v="测试区"/>
  </relation>
  <relation id="21">
    <member type="way" ref="13" role="outer"/><member type="way" ref="12" role="inner"/>
    <tag k="type" v="multipolygon"/><tag k="building" v="yes"/><tag k="name" v="回字楼"/>
  </relation>
</osm>
"""


def test_complete_relations_become_closed_polygons(tmp_path: Path) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(_COMPLETE_OSM, encoding="utf-8")
    bm = import_osm_xml(path)
    (border,) = bm.boundaries
    assert border.name == "测试区" and border.geometry == "polygon" and border.props["complete"] is True
    assert border.coords[0] == border.coords[-1] and len(border.coords) == 5
    (building,) = [b for b in bm.buildings if b.name == "回字楼"]
    assert len(building.holes) == 1 and building.holes[0][0] == building.holes[0][-1]
    (road,) = [r for r in bm.roads if r.name == "中山路"]  # name:zh preferred; way 15 lost a node → dropped
    assert road.cls == "primary" and road.props["oneway"] == "yes" and road.node_ids == [1, 3]
    assert len(bm.roads) == 1 and any("dropped" in w for w in bm.warnings)
    assert [p.name for p in bm.pois] == ["派出所"]


# ------------------------------------------------------------------------------------------------------------
# Malformed OSM


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "malformed XML"),
        ('<osm><node id="1" lat="32" lon="118"/><way id="2">', "malformed XML"),
        ("<gpx><trk/></gpx>", "not an OSM XML file"),
        ('<osm><node id="7" lat="north" lon="118"/></osm>', "node 7 has a missing or non-numeric lat/lon"),
        ('<osm><node id="7" lat="132" lon="118"/></osm>', "out-of-range"),
        ("<osm></osm>", "contains no nodes"),
        ('<osm><node id="1" lat="32" lon="118"/></osm>', "contains no roads"),
    ],
)
def test_malformed_osm_rejected_with_file_name(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.osm"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BasemapError, match=message) as err:
        import_osm_xml(path)
    assert "broken.osm" in str(err.value)


def test_missing_file_is_a_basemap_error(tmp_path: Path) -> None:
    with pytest.raises(BasemapError, match="no such file"):
        import_osm_xml(tmp_path / "nope.osm")
    with pytest.raises(BasemapError, match="no such file"):
        import_geojson(tmp_path / "nope.geojson")


# ------------------------------------------------------------------------------------------------------------
# GeoJSON


def _fc(features: list[dict], **top: object) -> dict:
    return {"type": "FeatureCollection", "features": features, **top}


def _point(lon: float, lat: float, **props: object) -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def test_geojson_round_trip_keeps_everything(district: Basemap, tmp_path: Path) -> None:
    path = tmp_path / "copy.geojson"
    district.save_geojson(path)
    again = load_geojson(path)
    assert again.counts() == district.counts()
    assert again.name == district.name and again.attribution is None and again.crs == "wgs84"
    assert [f.name for f in again.features()] == [f.name for f in district.features()]
    for a, b in zip(again.features(), district.features(), strict=True):
        assert a.layer == b.layer and a.cls == b.cls and a.geometry == b.geometry
        assert [v for p in a.coords for v in p] == pytest.approx([v for p in b.coords for v in p], abs=1e-7)
    zone = next(z for z in again.zones if z.name == "中华路禁止设摊区")
    assert zone.props["kind"] == "禁止设摊区"


WGS_POINT = (32.0203, 118.7838)


@pytest.mark.parametrize(
    "declare",
    [
        lambda crs: {"crs": {"type": "name", "properties": {"name": crs}}},
        lambda crs: {"metadata": {"name": "外部数据", "crs": crs}},
        lambda crs: {"properties": {"crs": crs.upper()}},
    ],
)
@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_declared_chinese_datum_is_converted_on_load(tmp_path: Path, declare, crs: str) -> None:
    lat, lon = from_wgs84(*WGS_POINT, crs)
    line = [list(reversed(from_wgs84(WGS_POINT[0] + k * 0.001, WGS_POINT[1], crs))) for k in range(3)]
    doc = _fc(
        [
            _point(lon, lat, layer="poi", name="夫子庙"),
            {"type": "Feature", "properties": {"layer": "road", "name": "平江府路", "class": "secondary"},
             "geometry": {"type": "LineString", "coordinates": line}},
        ],
        **declare(crs),
    )  # fmt: skip
    path = tmp_path / f"{crs}.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bm = import_geojson(path)
    assert bm.crs == crs
    (poi,) = bm.pois
    assert haversine_m(*poi.coords[0], *WGS_POINT) < 0.01  # was ~500 m off before conversion
    (road,) = bm.roads
    assert haversine_m(*road.coords[2], WGS_POINT[0] + 0.002, WGS_POINT[1]) < 0.01


def test_explicit_crs_overrides_an_undeclared_file(tmp_path: Path) -> None:
    lat, lon = from_wgs84(*WGS_POINT, "gcj02")
    path = tmp_path / "amap.geojson"
    path.write_text(json.dumps(_fc([_point(lon, lat, layer="poi", name="夫子庙")])), encoding="utf-8")
    assert haversine_m(*import_geojson(path).pois[0].coords[0], *WGS_POINT) > 300  # taken as WGS-84: wrong
    fixed = import_geojson(path, crs="gcj02")
    assert fixed.crs == "gcj02" and haversine_m(*fixed.pois[0].coords[0], *WGS_POINT) < 0.01


def test_save_in_gcj02_then_load_gives_back_wgs84(district: Basemap, tmp_path: Path) -> None:
    path = tmp_path / "gcj.geojson"
    district.save_geojson(path, crs="gcj02")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["metadata"]["crs"] == "gcj02"
    back = load_geojson(path)
    a = district.camera_sites[0].coords[0]
    b = back.camera_sites[0].coords[0]
    assert haversine_m(*a, *b) < 0.02


def test_plain_tagged_geojson_is_classified(tmp_path: Path) -> None:
    square = [[118.0, 32.0], [118.001, 32.0], [118.001, 32.001], [118.0, 32.001], [118.0, 32.0]]
    doc = _fc(
        [
            {"type": "Feature", "properties": {"highway": "residential", "name": "剪子巷"},
             "geometry": {"type": "LineString", "coordinates": [[118.0, 32.0], [118.0, 32.001]]}},
            {"type": "Feature", "properties": {"building": "yes"},
             "geometry": {"type": "MultiPolygon", "coordinates": [[square], [square]]}},
            {"type": "Feature", "properties": {"leisure": "park", "name": "白鹭洲公园"},
             "geometry": {"type": "Polygon", "coordinates": [square[:-1]]}},
            {"type": "Feature", "properties": {"waterway": "river", "name": "秦淮河"},
             "geometry": {"type": "LineString", "coordinates": [[118.0, 32.0], [118.002, 32.0]]}},
            {"type": "Feature", "properties": {"surface": "asphalt"},
             "geometry": {"type": "LineString", "coordinates": [[118.0, 32.0], [118.002, 32.0]]}},
            _point(118.0005, 32.0005, name="公厕"),
        ]
    )  # fmt: skip
    path = tmp_path / "plain.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bm = import_geojson(path)
    assert [r.name for r in bm.roads] == ["剪子巷"] and bm.roads[0].cls == "residential"
    assert len(bm.buildings) == 2
    (park,) = bm.parks
    assert park.name == "白鹭洲公园" and park.coords[0] == park.coords[-1]  # unclosed ring closed on load
    assert bm.water[0].geometry == "line" and bm.water[0].cls == "river"
    assert [p.name for p in bm.pois] == ["公厕"]
    assert any("1 features skipped" in w for w in bm.warnings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "FeatureCollection", "features": [', "not valid JSON: .* line 1"),
        ("[1, 2]", "top level must be a JSON object"),
        ('{"type": "Feature"}', 'must be "FeatureCollection"'),
        ('{"type": "FeatureCollection"}', '"features" must be a list'),
        (json.dumps(_fc([_point(32.02, 118.78, layer="poi")])), r"feature #0: .*\[longitude, latitude\]"),
        (json.dumps(_fc([_point(118.78, 32.02, layer="tower")])), "feature #0: unknown layer 'tower'"),
        (json.dumps(_fc([{"type": "Feature", "properties": {"layer": "road"},
                          "geometry": {"type": "LineString", "coordinates": [[118.7, 32.0]]}}])),
         "at least two positions"),
        (json.dumps(_fc([{"type": "Feature", "properties": {},
                          "geometry": {"type": "Polygon", "coordinates": [[[118.7, 32.0], [118.8, 32.0]]]}}])),
         "at least three distinct positions"),
        (json.dumps(_fc([{"type": "Feature", "properties": {},
                          "geometry": {"type": "LineString", "coordinates": [["a", "b"], [1, 2]]}}])),
         "pair of numbers"),
        (json.dumps(_fc([_point(118.78, 32.02)], crs={"type": "name", "properties": {"name": "mars"}})),
         "unknown coordinate reference system"),
    ],
)  # fmt: skip
def test_malformed_geojson_rejected_with_clear_message(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BasemapError, match=message) as err:
        import_geojson(path)
    assert "bad.geojson" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_feature_validation_and_bbox() -> None:
    with pytest.raises(ValueError, match="unknown layer"):
        MapFeature("lake", "polygon", [(0.0, 0.0)])
    bm = Basemap(name="空")
    with pytest.raises(ValueError, match="no features"):
        _ = bm.bbox
    bm.add(MapFeature("poi", "point", [(32.0, 118.0)], "甲"))
    assert bm.bbox == (32.0, 118.0, 32.0, 118.0)
    bm.add(MapFeature("road", "line", [(32.1, 118.2), (31.9, 118.1)], "乙", "residential"))
    assert bm.bbox == (31.9, 118.0, 32.1, 118.2)  # cache invalidated by the new feature
