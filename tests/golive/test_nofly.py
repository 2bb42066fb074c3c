"""``data import nofly``: the bureau's no-fly and height-limited zones are what the drone checks refuse."""

from __future__ import annotations

import json
from pathlib import Path

from commandcenter.drones.missions import CMD_WAYPOINT, Mission, MissionItem, mission_problems
from commandcenter.golive.airspace import stored_no_fly_zones
from commandcenter.store import Store
from tests.golive.support import import_file, snapshot

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
  <Placemark><name>双流机场</name>
    <ExtendedData><Data name="kind"><value>禁飞区</value></Data></ExtendedData>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>
      103.90,30.50 104.00,30.50 104.00,30.62 103.90,30.62 103.90,30.50
    </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
  <Placemark><name>天府广场限高</name>
    <ExtendedData><Data name="max_alt"><value>50</value></Data></ExtendedData>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>
      104.06,30.65 104.08,30.65 104.08,30.67 104.06,30.67 104.06,30.65
    </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>
"""


def test_kml_zones_refuse_missions_and_height_limits_apply(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'air.db'}"
    (tmp_path / "zones.kml").write_text(KML, encoding="utf-8")
    result = import_file("nofly", tmp_path / "zones.kml", db)
    assert result.returncode == 0, result.stderr
    store = Store(db)
    try:
        zones = stored_no_fly_zones(store)
    finally:
        store.close()
    assert {z.name for z in zones} == {"双流机场", "天府广场限高"}
    airport = Mission([MissionItem(CMD_WAYPOINT, 30.55, 103.95, 30)])
    assert any("no-fly zone 双流机场" in p for p in mission_problems(airport, None, zones))
    low = Mission([MissionItem(CMD_WAYPOINT, 30.66, 104.07, 40)])
    high = Mission([MissionItem(CMD_WAYPOINT, 30.66, 104.07, 80)])
    assert mission_problems(low, None, zones) == []
    assert any("height-limited zone 天府广场限高" in p for p in mission_problems(high, None, zones))


def test_a_point_without_radius_names_the_feature(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'air.db'}"
    (tmp_path / "ok.kml").write_text(KML, encoding="utf-8")
    assert import_file("nofly", tmp_path / "ok.kml", db).returncode == 0
    before = snapshot(db)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "军事管理区", "radius": 3000},
         "geometry": {"type": "Point", "coordinates": [104.2, 30.7]}},
        {"type": "Feature", "properties": {"name": "靶场"},
         "geometry": {"type": "Point", "coordinates": [104.3, 30.8]}}]}
    (tmp_path / "bad.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = import_file("nofly", tmp_path / "bad.geojson", db)
    assert result.returncode != 0
    assert "feature 2, radius" in result.stderr
    assert snapshot(db) == before
