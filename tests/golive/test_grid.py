"""``commandcenter data import grid``: a bureau's own 单元网格/责任区 replace the generated squares everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapefile

from commandcenter.cases.model import NewCase
from commandcenter.config import parse_config
from commandcenter.geo.coords import wgs84_to_gcj02
from commandcenter.runtime.compose import build
from tests.golive.support import import_file, snapshot, write_csv

# A city far from Nanjing (成都 锦江区): one 责任区 of two cells side by side.
S, W, N, E, MID = 30.650, 104.080, 30.660, 104.100, 104.090


def _square(s: float, w: float, n: float, e: float) -> list[list[list[float]]]:
    return [[[w, s], [e, s], [e, n], [w, n], [w, s]]]


def grid_geojson(cells: tuple[str, str] = ("51010400100101", "51010400100102")) -> dict[str, object]:
    def feature(code: str, name: str, kind: str, ring: list[list[list[float]]]) -> dict[str, object]:
        return {"type": "Feature", "properties": {"code": code, "name": name, "kind": kind},
                "geometry": {"type": "Polygon", "coordinates": ring}}

    return {"type": "FeatureCollection", "features": [
        feature("510104001001", "春熙路责任区", "责任区", _square(S, W, N, E)),
        feature(cells[0], "春熙路西", "单元网格", _square(S, W, N, MID)),
        feature(cells[1], "春熙路东", "单元网格", _square(S, MID, N, E)),
    ]}


def write_geojson(path: Path, doc: dict[str, object]) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'chengdu.db'}"


def test_a_case_inside_an_imported_cell_gets_its_code_and_officers_post_there(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                           db: str) -> None:
    result = import_file("grid", write_geojson(tmp_path / "grid.geojson", grid_geojson()), db)
    assert result.returncode == 0, result.stderr
    assert "added 3" in result.stdout
    roster = write_csv(tmp_path / "roster.csv", "警号,姓名,中队,责任网格,终端编号\n510001,刘洋,锦江中队,春熙路东,cd-1\n")
    imported = import_file("officers", roster, db)
    assert imported.returncode == 0, imported.stderr
    services = build(parse_config(f'[database]\nurl = "{db}"\n', "test.toml"))
    try:
        services.start()
        assert sorted(c.code for c in services.grid.cells) == ["51010400100101", "51010400100102"]
        assert {z.code for z in services.zones if z.kind == "责任区"} == {"510104001001"}
        case = services.cases.create_case(NewCase(source="patrol", category="占道经营", lat=30.655, lon=104.095),
                                          "system").result(10)
        assert (case.grid_code, case.area_code) == ("51010400100102", "510104001001")
        assert any(u.id == "510001" and u.name == "刘洋" for u in services.tracker.units())  # on the map
        assert services.store.scalar("SELECT duty_grid FROM officers WHERE id = '510001'") == "51010400100102"
    finally:
        services.stop()


def test_grid_from_a_shapefile_in_gcj02_is_converted_to_wgs84(tmp_path: Path, db: str) -> None:
    with shapefile.Writer(str(tmp_path / "cells"), shapeType=shapefile.POLYGON, encoding="utf-8") as shp:
        shp.field("code", "C", 20)
        shp.field("name", "C", 40)
        shp.field("kind", "C", 20)
        ring = [list(reversed(wgs84_to_gcj02(lat, lon))) for lat, lon in ((S, W), (N, W), (N, E), (S, E), (S, W))]
        shp.poly([ring])
        shp.record("51010400100101", "春熙路", "单元网格")
    result = import_file("grid", tmp_path / "cells.shp", db, "--crs", "gcj02")
    assert result.returncode == 0, result.stderr
    polygon = json.loads(str(snapshot(db)["zones"][0][4]))
    assert min(p[0] for p in polygon) == pytest.approx(S, abs=1e-6)
    assert min(p[1] for p in polygon) == pytest.approx(W, abs=1e-6)


def test_a_bad_cell_code_names_the_feature_and_changes_nothing(tmp_path: Path, db: str) -> None:
    assert import_file("grid", write_geojson(tmp_path / "g.geojson", grid_geojson()), db).returncode == 0
    before = snapshot(db)
    bad = import_file("grid", write_geojson(tmp_path / "bad.geojson",
                                            grid_geojson(("51010400100103", "5101040010"))), db)
    assert bad.returncode != 0
    assert "feature 3, code" in bad.stderr and "14-digit" in bad.stderr
    assert snapshot(db) == before
    dry = import_file("grid", write_geojson(tmp_path / "new.geojson",
                                            grid_geojson(("51010400100103", "51010400100104"))), db, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would add 2, update 0, leave 1 unchanged" in dry.stdout
    assert snapshot(db) == before


def test_imported_zones_and_camera_sites_are_on_the_map(qtbot, tmp_path: Path, db: str) -> None:  # type: ignore[no-untyped-def]
    cams = write_csv(tmp_path / "cams.csv", "编号,名称,主码流\ncam-1,春熙路口,rtsp://10.0.0.5/main\n")
    assert import_file("cameras", cams, db).returncode == 0
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "春熙路夜市", "kind": "疏导点", "code": "SD-001"},
         "geometry": {"type": "Polygon", "coordinates": _square(S, W, N, MID)}},
        {"type": "Feature", "properties": {"camera": "cam-1"},
         "geometry": {"type": "Point", "coordinates": [104.085, 30.655]}}]}
    result = import_file("zones", write_geojson(tmp_path / "zones.geojson", doc), db)
    assert result.returncode == 0, result.stderr
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "无名", "kind": "停车场"},
         "geometry": {"type": "Polygon", "coordinates": _square(S, W, N, MID)}}]}
    refused = import_file("zones", write_geojson(tmp_path / "bad.geojson", bad), db)
    assert refused.returncode != 0 and "feature 1, kind" in refused.stderr
    services = build(parse_config(f'[database]\nurl = "{db}"\n', "test.toml"))
    try:
        assert any(z.code == "SD-001" and z.kind == "疏导点" for z in services.zones)
        camera = next(c for c in services.cameras if c.id == "cam-1")
        assert (camera.lat, camera.lon) == pytest.approx((30.655, 104.085))
    finally:
        services.stop()
