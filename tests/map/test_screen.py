"""MapScreen end to end, offscreen: district, units from a real UnitTracker, layers, clicks, tiles, replay."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QPointF, Qt, QTime, QTranslator

from commandcenter.config import CameraConfig, MapConfig
from commandcenter.geo.coords import wgs84_to_gcj02, wgs84_to_mercator
from commandcenter.geo.district import default_unit_grid, load_default_basemap
from commandcenter.geo.streets import StreetGraph
from commandcenter.mapdata.heatmap import HeatmapService
from commandcenter.mapdata.replay import HistoryService
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.store import FixRow
from devices.base import PositionFix
from tests.map.test_mapdata import make_mbtiles, png_bytes, tile_server  # noqa: F401 - fixture
from widgets import theme
from widgets.map import CAMERA_MIME, MapScreen, style
from widgets.map.units import drawn_colour

BASEMAP = load_default_basemap()
STATUSES = ["idle", "idle", "idle", "dispatched", "handling", "resting", "offline"]
VEHICLE_KINDS = ["环卫车", "执法车", "洒水车", "清扫车", "垃圾转运车", "巡逻电动车"]


def street_points(n: int, seed: int = 7) -> list[tuple[float, float]]:
    graph = StreetGraph.from_basemap(BASEMAP)
    rng = random.Random(seed)
    return [graph.node_latlon(rng.randrange(graph.node_count)) for _ in range(n)]


def make_tracker(officers: int = 20, vehicles: int = 5, drones: int = 1, stale: tuple[str, ...] = (),
                 seed: int = 7) -> UnitTracker:
    tracker = UnitTracker(store=None)
    rng = random.Random(seed)
    units = [UnitInfo(f"O{i:03d}", "officer", f"队员{i:03d}", status=STATUSES[i % len(STATUSES)],
                      device_keys=(f"JH{i:05d}",)) for i in range(officers)]
    units += [UnitInfo(f"V{i:02d}", "vehicle", f"苏A{i:05d}", sub_kind=VEHICLE_KINDS[i % 6],
                       device_keys=(f"1380000{i:04d}",)) for i in range(vehicles)]
    units += [UnitInfo(f"D{i}", "drone", f"无人机{i}") for i in range(drones)]
    tracker.register(units)
    now = datetime.now(UTC)
    fixes = []
    for unit, (lat, lon) in zip(units, street_points(len(units), seed), strict=True):
        when = now - timedelta(minutes=20) if unit.id in stale else now
        fixes.append(PositionFix(unit.id, "sim", when, lat, lon, speed_kmh=rng.uniform(0, 20),
                                 heading=rng.uniform(0, 360)))
    tracker.apply(fixes)
    return tracker


CAMERAS = [CameraConfig(id=f"cam{i}", name=f"摄像头{i}", lat=f.coords[0][0], lon=f.coords[0][1])
           for i, f in enumerate(BASEMAP.camera_sites[:6])]


@pytest.fixture
def new_map(qtbot, tasks):  # type: ignore[no-untyped-def]
    """Builds map screens with the services the composition gives them; shuts screens and services afterwards."""
    services: list[HeatmapService | HistoryService] = []
    screens: list[MapScreen] = []

    def build(tracker: UnitTracker, config: MapConfig, cameras: list[CameraConfig], store=None) -> MapScreen:  # type: ignore[no-untyped-def]
        heatmap = HeatmapService(store, tasks)
        history = HistoryService(store, tasks) if store is not None else None
        services.extend(s for s in (heatmap, history) if s is not None)
        w = MapScreen(tracker, BASEMAP, config, cameras, heatmap=heatmap, history=history, tasks=tasks)
        qtbot.addWidget(w)
        screens.append(w)
        return w

    yield build
    for screen in screens:
        screen.shutdown()
    for service in services:
        service.close()


@pytest.fixture
def screen(qtbot, new_map):  # type: ignore[no-untyped-def]
    tracker = make_tracker(stale=("O005",))
    w = new_map(tracker, MapConfig(stale_minutes=5), CAMERAS)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitUntil(lambda: w.units.flushes > 0 and len(w.units.ids) == 26, timeout=3000)
    w.fit_district()
    return w


def view_pos(w: MapScreen, x: float, y: float):  # type: ignore[no-untyped-def]
    vb = w.plot.getViewBox()
    return w.view.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def test_renders_district_and_units(screen: MapScreen) -> None:
    assert 5 <= len(screen.canvas.static.shapes("basemap")) <= 30  # merged paths, not one per building
    assert len(screen.canvas.static.labels("labels")) >= 10 and "中华路禁止设摊区" in screen.canvas.static.labels("zones")
    assert screen.canvas.static.renders >= 1
    assert screen.units.drawn_count() == 26
    assert screen.units.shown_count("vehicle:环卫车") == 1
    assert screen.units.shown_count("drone") == 1
    assert screen.units.shown_count("officer:stale") == 1
    image = screen.view.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # something was drawn


def test_layers_toggle(screen: MapScreen) -> None:
    officer_items = [i for i in screen.units.group_items() if i.property("map_layer") == "officers"]
    assert all(i.isVisible() for i in officer_items)
    screen.layers.checks["officers"].setChecked(False)
    assert not any(i.isVisible() for i in officer_items)
    x, y = screen.display_xy("O001")
    assert screen.units.nearest(x, y, 1.0) is None  # hidden units cannot be picked
    screen.set_layer_visible("officers", True)
    assert all(i.isVisible() for i in officer_items) and screen.layers.checks["officers"].isChecked()
    for key in ("cameras", "cases"):
        screen.set_layer_visible(key, False)
        assert not any(i.isVisible() for i in [screen._item_of(key)])
        assert not screen.layer_visible(key)
    for key in ("zones", "labels", "areas"):
        screen.set_layer_visible(key, False)
        assert not screen.canvas.static.part_visible(key) and not screen.layer_visible(key)
    screen.set_layer_visible("heatmap", True)
    assert screen.heatmap.item.isVisible()


def test_click_selects_unit_and_empty_click_gives_location(qtbot, screen: MapScreen) -> None:
    x, y = screen.display_xy("V02")
    with qtbot.waitSignal(screen.unit_selected, timeout=2000) as sig:
        qtbot.mouseClick(screen.view.viewport(), Qt.MouseButton.LeftButton, pos=view_pos(screen, x, y))
    assert sig.args == ["V02"]
    assert screen.selected_unit == "V02"
    assert "苏A00002" in screen.details.text()
    assert screen.units.selection_item.data["x"][0] == x

    south, west, _north, _east = BASEMAP.bbox
    lat, lon = south + 0.0007, west + 0.0007  # the district's corner: no unit there
    px, py = screen.proj.to_xy(lat, lon)
    with qtbot.waitSignal(screen.location_clicked, timeout=2000) as sig:
        screen.click_at(float(px), float(py))
    assert sig.args[0] == pytest.approx(lat, abs=1e-9) and sig.args[1] == pytest.approx(lon, abs=1e-9)


def test_stale_units_grey_with_age(qtbot, screen: MapScreen) -> None:
    assert drawn_colour(screen.units, "O005") == style.STALE_COLOUR
    assert screen.units.is_stale("O005")
    assert drawn_colour(screen.units, "O000") == style.OFFICER_STATUS_COLOURS["idle"]
    assert drawn_colour(screen.units, "O003") == style.OFFICER_STATUS_COLOURS["dispatched"]
    assert screen.units.stale_labels.texts() == ["20 min"]
    screen.select_unit("O005")
    assert theme.colour("error") in screen.details.text()  # age shown in warning colour
    # a fresh fix brings the colour back
    lat, lon = screen.units.positions["O005"].lat, screen.units.positions["O005"].lon
    screen.tracker.apply([PositionFix("O005", "sim", datetime.now(UTC), lat, lon)])
    qtbot.waitUntil(lambda: drawn_colour(screen.units, "O005") == style.OFFICER_STATUS_COLOURS["resting"], timeout=2000)


def test_live_updates_move_units_in_place(qtbot, screen: MapScreen) -> None:
    before = screen.display_xy("O010")
    pos = screen.units.positions["O010"]
    screen.tracker.apply([PositionFix("O010", "sim", datetime.now(UTC), pos.lat + 0.001, pos.lon)])
    qtbot.waitUntil(lambda: screen.display_xy("O010") != before, timeout=2000)
    after = screen.display_xy("O010")
    assert after[1] - before[1] == pytest.approx(111.2 / np.cos(np.radians(pos.lat)) * 1.0, rel=0.02)
    assert len(screen.units.ids) == 26  # moved in place, no new rows


def test_search_and_follow(qtbot, screen: MapScreen) -> None:
    assert screen.search("JH00012") == ["O012"]
    assert screen.selected_unit == "O012"
    centre = screen.plot.getViewBox().viewRect().center()
    x, y = screen.display_xy("O012")
    assert (centre.x(), centre.y()) == pytest.approx((x, y), abs=1.0)
    screen.follow_button.setChecked(True)
    pos = screen.units.positions["O012"]
    screen.tracker.apply([PositionFix("O012", "sim", datetime.now(UTC), pos.lat, pos.lon + 0.002)])
    qtbot.waitUntil(lambda: abs(screen.plot.getViewBox().viewRect().center().x() - screen.display_xy("O012")[0])
                    < 1.0 and screen.display_xy("O012")[0] > x + 100, timeout=3000)
    assert screen.search("nobody-here") == []


def test_completions_follow_the_city_once_the_dispatcher_searches(qtbot, screen: MapScreen) -> None:
    """Units reporting in do not rebuild the completer at every update (that stalled the map while 2,000 units
    came in); clicking into the field brings it up to date, and typing offers the new unit."""
    box = screen.search_edit
    screen.tracker.register([UnitInfo("O900", "officer", "新来的队员", device_keys=("JH00900",))])
    pos = screen.units.positions["O001"]
    screen.tracker.apply([PositionFix("O900", "sim", datetime.now(UTC), pos.lat, pos.lon)])
    qtbot.waitUntil(lambda: "O900" in screen.units.ids, timeout=3000)
    assert not any("O900" in entry for entry in box.completer().model().stringList())  # type: ignore[attr-defined]
    screen.activateWindow()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(box.hasFocus, timeout=3000)
    qtbot.keyClicks(box, "JH009")
    completer = box.completer()
    qtbot.waitUntil(lambda: completer.completionCount() == 1, timeout=3000)
    assert completer.currentCompletion() == "新来的队员 JH00900 (O900)"


def test_camera_click_and_drag_mime(qtbot, screen: MapScreen) -> None:
    cam = CAMERAS[0]
    x, y = screen.proj.to_xy(cam.lat, cam.lon)
    with qtbot.waitSignal(screen.camera_activated, timeout=2000) as sig:
        qtbot.mouseClick(screen.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=view_pos(screen, float(x), float(y)))
    assert sig.args == ["cam0"]
    mime = screen.canvas.camera_mime("cam3")
    assert mime.hasFormat(CAMERA_MIME) and bytes(mime.data(CAMERA_MIME).data()) == b"cam3"


def test_cases_pins(screen: MapScreen) -> None:
    lat, lon = street_points(1, seed=99)[0]
    screen.set_cases([{"code": "AJ1", "lat": lat, "lon": lon, "status": "new", "urgency": 1,
                       "category_name": "占道经营", "assigned_officer": "O001"}])
    assert len(screen.cases.item.data) == 1
    assert screen.cases.item.data["size"][0] == style.CASE_SIZE_BY_URGENCY[1]
    screen.select_unit("O001")
    assert "AJ1" in screen.details.text()
    assert screen.heatmap.category.findData("占道经营") >= 0


def test_gcj02_tiles_shift_displayed_units(qtbot, new_map, tile_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _server, url = tile_server
    tracker = make_tracker(officers=3, vehicles=0, drones=0)
    config = MapConfig(tile_url=url, tile_crs="gcj02", tile_cache=str(tmp_path / "cache"))
    w = new_map(tracker, config, CAMERAS)
    w.resize(900, 700)
    w.show()
    qtbot.waitUntil(lambda: w.units.flushes > 0, timeout=3000)
    vector_xy = w.display_xy("O001")
    pos = tracker.get("O001")
    w.set_basemap("tiles")
    assert w.proj.crs == "gcj02"
    glat, glon = wgs84_to_gcj02(pos.lat, pos.lon)
    ex, ey = wgs84_to_mercator(glat, glon)
    gx, gy = w.display_xy("O001")
    assert gx == pytest.approx(float(ex) - w.proj.origin_x, abs=0.01)
    assert gy == pytest.approx(float(ey) - w.proj.origin_y, abs=0.01)
    assert 300 < np.hypot(gx - vector_xy[0], gy - vector_xy[1]) < 800
    assert not w.canvas.static.part_visible("basemap") and w.canvas.static.background is None
    layer = w.canvas.tile_layers["tiles"]
    qtbot.waitUntil(lambda: len(layer.shown_tiles()) > 0, timeout=5000)
    assert threading_free(layer)
    # clicking where the unit is drawn still reports its WGS-84 position
    with qtbot.waitSignal(w.location_clicked, timeout=2000) as sig:
        w.click_at(gx + 200.0, gy)
    lat, lon = w.proj.to_latlon([gx + 200.0], [gy])
    assert sig.args == pytest.approx([float(lat[0]), float(lon[0])])
    w.set_basemap("vector")
    assert w.display_xy("O001") == pytest.approx(vector_xy, abs=0.01)


def threading_free(layer) -> bool:  # type: ignore[no-untyped-def]
    import threading

    return threading.main_thread().name not in layer.source.worker_threads


def test_mbtiles_basemap_and_attribution(qtbot, new_map, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tracker = make_tracker(officers=2, vehicles=0, drones=0)
    centre = BASEMAP.bbox
    from commandcenter.geo.coords import latlon_to_tile

    tiles = {}
    for z in (14, 15, 16):
        tx, ty = latlon_to_tile((centre[0] + centre[2]) / 2, (centre[1] + centre[3]) / 2, z)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                tiles[(z, tx + dx, ty + dy)] = png_bytes("#204060")
    path = tmp_path / "district.mbtiles"
    make_mbtiles(path, tiles)
    w = new_map(tracker, MapConfig(mbtiles=str(path)), [])
    w.resize(900, 700)
    w.show()
    w.set_basemap("mbtiles")
    layer = w.canvas.tile_layers["mbtiles"]
    qtbot.waitUntil(lambda: len(layer.shown_tiles()) > 0, timeout=5000)
    qtbot.waitUntil(lambda: "OpenStreetMap" in w.canvas.attribution_label.text(), timeout=5000)
    assert w.canvas.attribution_label.isVisible()
    w.set_basemap("vector")
    assert not w.canvas.attribution_label.isVisible()  # the generated district carries no OSM data


def test_history_replay_on_the_map(qtbot, new_map, store) -> None:  # type: ignore[no-untyped-def]
    tracker = make_tracker(officers=3, vehicles=1, drones=0)
    t0 = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    a, b = street_points(2, seed=5)
    rows = [FixRow("O001", t0 + timedelta(minutes=m), a[0] + (b[0] - a[0]) * m / 60, a[1] + (b[1] - a[1]) * m / 60,
                   4.0, 0.0, "sim") for m in range(61)]
    store.add_fixes(rows).result(10)
    w = new_map(tracker, MapConfig(), [], store=store)
    w.show()
    w.search("队员001")  # click 1: find the officer
    with qtbot.waitSignal(w.history.loaded, timeout=10000):
        w.show_history(t0, t0 + timedelta(hours=1))
    assert w.replaying and w.replay.play_button.isEnabled()
    local = datetime.fromtimestamp((t0 + timedelta(minutes=5)).timestamp())  # the time edit shows local time
    w.replay.goto_time.setTime(QTime(local.hour, local.minute))  # click 2: "at 06:05"
    assert w.history.clock.time == (t0 + timedelta(minutes=5)).timestamp()
    x, y = w.display_xy("O001")
    ex, ey = w.proj.to_xy(a[0] + (b[0] - a[0]) * 5 / 60, a[1] + (b[1] - a[1]) * 5 / 60)
    assert (x, y) == pytest.approx((float(ex), float(ey)), abs=0.01)
    assert "06:05" in w.replay.time_label.text() or w.history.clock.time == (t0 + timedelta(minutes=5)).timestamp()
    assert w.replay_units.shown_count("officer:idle") + w.replay_units.shown_count("officer:stale") >= 1
    w.replay.speed_combo.setCurrentIndex(w.replay.speed_combo.findData(60))
    assert w.history.clock.speed == 60
    start = w.history.clock.time
    w.replay.play_button.click()
    qtbot.waitUntil(lambda: w.history.clock.time > start + 30, timeout=3000)
    w.replay.play_button.click()
    assert not w.history.clock.playing
    w.stop_replay()
    assert not w.replaying and all(not i.isVisible() for i in w.replay_units.group_items())
    w.shutdown()


def chinese_translator(tmp_path: Path) -> QTranslator:
    """Compile the map's .ts with lrelease (a dev dependency, as the build does) and load it."""
    ts = Path(__file__).resolve().parents[2] / "resources" / "translations" / "map_zh_CN.ts"
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    qm = tmp_path / "map_zh_CN.qm"
    subprocess.run([str(lrelease), str(ts), "-qm", str(qm)], check=True, capture_output=True)
    translator = QTranslator()
    assert translator.load(str(qm)), f"{qm} does not load"
    return translator


def test_translation_is_complete(qtbot, tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "resources" / "translations" / "map_zh_CN.ts").read_text("utf-8")
    assert "unfinished" not in text and text.count("<translation>") == text.count("<source>")
    translator = chinese_translator(tmp_path)
    assert translator.translate("MapToolbar", "Follow") == "跟随"


def test_png_of_district_with_units(qtbot, new_map, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The picture a human checks: 200 officers and 50 vehicles on the district's streets, in Chinese."""
    translator = chinese_translator(tmp_path)
    QCoreApplication.installTranslator(translator)
    tracker = make_tracker(officers=200, vehicles=50, drones=3, stale=("O017", "O044", "O101"), seed=11)
    w = new_map(tracker, MapConfig(), CAMERAS)
    w.set_zones([*default_unit_grid(BASEMAP).areas, *BASEMAP.zones])
    lat, lon = street_points(1, seed=3)[0]
    w.set_cases([{"code": "AJ20261121000001", "lat": lat, "lon": lon, "status": "new", "urgency": 1,
                  "category_name": "占道经营"}])
    w.resize(1600, 1000)
    w.show()
    qtbot.waitUntil(lambda: len(w.units.ids) == 253 and w.units.flushes > 0, timeout=3000)
    w.fit_district()
    w.select_unit("O001")
    qtbot.wait(100)
    assert w.grab().save("/tmp/map_screen.png")
    try:
        assert w.follow_button.text() == "跟随"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_heatmap_layer_from_cases(qtbot, screen: MapScreen) -> None:
    points = street_points(40, seed=21)
    screen.set_cases([{"code": f"AJ{i}", "lat": lat, "lon": lon, "status": "new", "urgency": 2,
                       "category_name": "占道经营" if i % 2 else "暴露垃圾"} for i, (lat, lon) in enumerate(points)])
    with qtbot.waitSignal(screen.heatmap.service.ready, timeout=5000):
        screen.set_layer_visible("heatmap", True)
    qtbot.waitUntil(lambda: screen.heatmap.grid is not None and screen.heatmap.grid.count == 40, timeout=3000)
    assert screen.heatmap.grid.total == pytest.approx(40.0)
    assert screen.heatmap.item.image is not None and screen.heatmap.item.isVisible()
    with qtbot.waitSignal(screen.heatmap.service.ready, timeout=5000):
        screen.heatmap.category.setCurrentIndex(screen.heatmap.category.findData("占道经营"))
    qtbot.waitUntil(lambda: screen.heatmap.grid.count == 20, timeout=3000)


def test_hover_text_names_unit_and_stale_age(screen: MapScreen) -> None:
    x, y = screen.display_xy("O005")
    text = screen.pointer.picker.hover_text(x, y)
    assert "队员005" in text and "20" in text
