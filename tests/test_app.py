"""The whole command center on the simulated city: window, screens, language, snapshot contract."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from commandcenter.cli import GuiOptions
from commandcenter.config import Config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_window(qtbot, tmp_path):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from commandcenter.demo.session import build_demo
    from commandcenter.i18n import install_language
    from widgets.main_window import MainWindow
    from widgets.screens import build_screens

    config = Config()
    config.database.url = f"sqlite:///{tmp_path / 'demo.db'}"
    config.simulator.units = 60
    config.simulator.vehicles = 10
    config.simulator.cameras = 4
    config.simulator.drones = 1
    install_language(QApplication.instance(), "zh")
    options = GuiOptions(config=config, demo=True, language="zh", layout="2x2")
    services = build_demo(config, layout="2x2")
    services.start()
    gui = build_screens(services, options)
    window = MainWindow(gui.screens, services.status, docks=gui.docks,
                        settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1600, 900)
    window.show()
    yield window, services
    window.close()
    services.stop()
    install_language(QApplication.instance(), "en")


def test_window_opens_with_its_screens_in_chinese(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, ctx = demo_window
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["视频墙", "地图", "调度", "无人机", "领导驾驶舱", "事件复盘"]
    qtbot.waitUntil(lambda: len(ctx.tracker.snapshot()) >= 60, timeout=20000)
    for key in ("wall", "map", "dispatch", "drones", "briefing", "replay"):
        window.show_screen(key)
        image = window.grab().toImage()
        assert image.width() == 1600
        colours = {image.pixel(x, y) for x in range(0, 1600, 53) for y in range(0, 900, 37)}
        assert len(colours) > 8, f"screen {key} looks blank"
    assert "SQLite" in ctx.status()["database"]
    # The deployment's devices are in the store: demo cameras, the drone and its video downlink camera.
    assert ctx.store.scalar("SELECT COUNT(*) FROM cameras") == len(ctx.cameras) == 4 + 1
    assert ctx.store.scalar("SELECT COUNT(*) FROM drones") == 1


def test_screens_are_built_when_first_shown_and_work_together(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from widgets.screens import LazyScreen

    window, _ctx = demo_window
    places = window.screens
    assert all(isinstance(place, LazyScreen) for place in places.values())
    assert places["wall"].content is not None, "the screen in front is built for the window's first paint"
    assert [key for key, place in places.items() if place.content is None] == ["map", "dispatch", "drones",
                                                                               "briefing", "replay"]
    window.show_screen("dispatch")
    dispatch = places["dispatch"].content
    assert dispatch is not None and dispatch.isVisible()
    assert places["map"].content is None, "opening one screen builds only that one"
    # The map, opened later, still hands a click on it to the dispatcher's new-case form.
    window.show_screen("map")
    map_screen = places["map"].content
    assert map_screen is not None and map_screen.isVisible()
    map_screen.location_clicked.emit(32.031, 118.791)
    assert dispatch.form.lat_spin.value() == pytest.approx(32.031)
    assert dispatch.form.lon_spin.value() == pytest.approx(118.791)


def test_demo_shows_its_map_before_the_services_start_then_the_city_reports(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """As ``commandcenter demo`` starts: the window paints, the map in front is built and painted (the console's
    值班长 may view it: the demo accounts exist before the services start), then the listeners open and the
    simulated city's units arrive on it."""
    from PySide6.QtCore import QSettings

    from commandcenter.demo.session import build_demo
    from commandcenter.i18n import install_language
    from widgets.startup import Startup

    config = Config()
    config.database.url = f"sqlite:///{tmp_path / 'demo.db'}"
    config.simulator.units, config.simulator.vehicles = 20, 4
    config.simulator.cameras = config.simulator.drones = 0
    install_language(QApplication.instance(), "zh")
    options = GuiOptions(config=config, demo=True, language="zh")
    startup = Startup(options, QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat),
                      lambda: build_demo(config))
    window = startup.window
    qtbot.addWidget(window)
    started: list[bool] = []
    startup.ready.connect(lambda: started.append(
        startup.services is not None and "start trackers" in startup.services.lifecycle.log))
    try:
        window.resize(1280, 800)
        window.show_screen("map")
        startup.compose_after_first_paint()
        window.show()
        qtbot.waitUntil(lambda: bool(started) or startup.error is not None, timeout=120_000)
        assert startup.error is None
        assert started == [False], "the screen in front is built before the services start"
        map_screen = startup.slots["map"].content.content  # type: ignore[union-attr]
        assert map_screen is not None and not isinstance(map_screen, QLabel), "the map, not a refusal"
        services = startup.services
        assert services is not None
        qtbot.waitUntil(lambda: len(services.tracker.snapshot()) >= 20, timeout=120_000)
        assert startup.error is None
    finally:
        window.close()
        startup.stop()


def test_f_keys_and_detaching_a_screen(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, _ctx = demo_window
    window.show_screen("map")
    assert window.current_key() == "map"
    win = window.detach("map")
    assert win is not None and win.isVisible() and "map" not in [window.current_key()]
    assert window.tabs.count() == 5
    win.close()
    assert window.tabs.count() == 6 and window.tabs.tabText(1) == "地图"
    window.detach("briefing")
    window.save_arrangement()
    window.attach("briefing")
    window.restore_arrangement()
    assert "briefing" in window.detached
    window.attach("briefing")


def test_english_is_selectable(qtbot) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.i18n import install_language
    from widgets.main_window import MainWindow

    install_language(QApplication.instance(), "en")
    window = MainWindow({"wall": QLabel("x")}, lambda: {})
    qtbot.addWidget(window)
    assert window.tabs.tabText(0) == "Video wall"
    install_language(QApplication.instance(), "zh")
    window2 = MainWindow({"wall": QLabel("x")}, lambda: {})
    qtbot.addWidget(window2)
    assert window2.tabs.tabText(0) == "视频墙"
    install_language(QApplication.instance(), "en")


@pytest.mark.slow
def test_snapshot_writes_png_and_report(tmp_path: Path) -> None:
    """``snapshot --demo`` works in the demo's own folder and leaves the deployment's default database as it was."""
    from commandcenter.cli import main as cli_main

    out = tmp_path / "map.png"
    report = tmp_path / "report.json"
    env = dict(os.environ, CC_DATA_DIR=str(tmp_path / "data"), CC_CONFIG_DIR=str(tmp_path / "cfg"),
               QT_QPA_PLATFORM="offscreen")
    real_db = tmp_path / "data" / "commandcenter.db"  # the default database `commandcenter run` would use
    assert cli_main(["user", "add", "zhangsan", "--role", "admin", "--password", "a-real-secret-1",
                     "--db", f"sqlite:///{real_db}"]) == 0

    def digest() -> str:  # the file and its write-ahead log: a write lands in one of them
        files = [real_db, real_db.with_name(real_db.name + "-wal")]
        return hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists())).hexdigest()

    before = digest()
    result = subprocess.run(
        [sys.executable, "-m", "commandcenter", "snapshot", "--demo", "--screen", "map", "--after", "6",
         "--out", str(out), "--report", str(report), "--size", "1280x720", "--units", "80"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert out.stat().st_size > 20_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage

    png = QImage(str(out))
    assert (png.width(), png.height()) == (1280, 720), "the PNG has the size asked for with --size"
    data = json.loads(report.read_text(encoding="utf-8"))
    for key in ("devices", "units", "fixes", "tiles", "cases", "drones"):
        assert key in data, f"report lacks {key}"
    for dev in data["devices"]:
        assert {"id", "kind", "state", "messages", "bad_messages", "reconnects", "last_error"} <= set(dev)
    assert len(data["units"]) >= 80
    unit = data["units"][0]
    assert {"id", "kind", "lat", "lon", "fix_time", "speed", "heading", "source", "stale"} <= set(unit)
    assert data["fixes"]["accepted"] > 0 and set(data["fixes"]["refused"]) >= {"no_fix", "impossible_jump"}
    demo_db = tmp_path / "data" / "demo" / "commandcenter.db"
    assert data["database"] == f"SQLite {demo_db}" and data["demo"] is True
    assert digest() == before, "the demo wrote into the real database"
    from commandcenter.store import Store
    from commandcenter.store.settings import is_demo_database

    demo = Store(f"sqlite:///{demo_db}")
    try:
        assert is_demo_database(demo)
        assert demo.scalar("SELECT COUNT(*) FROM users WHERE username = 'admin'") == 1
        assert demo.scalar("SELECT COUNT(*) FROM officers") >= 80
    finally:
        demo.close()


def test_cli_help_and_version() -> None:
    from commandcenter.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    for sub in (["demo"], ["run"], ["snapshot"], ["db"], ["db", "upgrade"], ["basemap"], ["basemap", "import"],
                ["cases"], ["drone"], ["audit"], ["user"]):
        try:
            code = main([*sub, "--help"])
        except SystemExit as exc:
            code = exc.code
        assert code == 0, sub


def test_run_refuses_a_bad_config_with_its_location(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text('[ui]\nlanguage = "zh"\nfont = "big"\n', encoding="utf-8")
    assert main(["run", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3" in err and "ui.font" in err and "unknown key" in err


def test_wall_snapshot_attaches_to_a_case_as_hashed_evidence(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cases.model import NewCase
    from commandcenter.enforcement.audit import verify

    _window, ctx = demo_window
    camera = ctx.cameras[0].id
    qtbot.waitUntil(lambda: any(t["state"] == "live" and t["frames"] > 0 for t in ctx.wall.tiles_report()),
                    timeout=30000)
    ctx.video.snapshot(camera)
    qtbot.waitUntil(lambda: len(ctx.snapshots.recent) == 1, timeout=15000)
    case = ctx.cases.create_case(NewCase(source="dispatcher", category="占道经营", lat=32.02, lon=118.78,
                                         description="店外经营"), "dispatcher").result(10)
    info = ctx.snapshots.attach_latest(case, "dispatcher").result(20)
    assert info.case_id == case.id and info.device == camera
    assert hashlib.sha256(Path(info.path).read_bytes()).hexdigest() == info.sha256
    with pytest.raises(PermissionError, match=r"evidence\.add"):
        ctx.snapshots.attach_latest(case, "observer")  # a read-only wall user may not add evidence
    assert verify(ctx.store).ok


def test_camera_detection_pops_the_camera_into_the_alarm_cell(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.demo.session import simulated_report

    _window, ctx = demo_window
    camera = ctx.cameras[1]
    frigate = ctx.devices.get("frigate")  # the demo's detections take the Frigate path: MQTT event + snapshot
    assert frigate is not None
    qtbot.waitUntil(frigate.adapter.subscribed.is_set, timeout=10000)
    simulated_report(ctx, {"source": "camera", "category": "占道经营", "lat": camera.lat, "lon": camera.lon,
                           "description": "占道经营"})
    qtbot.waitUntil(lambda: ctx.wall.alarm is not None, timeout=10000)
    assert ctx.wall.alarm.camera == camera.id and "占道经营" in ctx.wall.alarm.text
    assert "frigate" in ctx.wall.alarm.text  # which box (and rule) produced it
    case = next(c for c in ctx.cases.find_cases(source="camera") if c.category_name == "占道经营")
    (picture,) = ctx.enforcement.evidence.for_case(case.id)
    assert picture.mime == "image/jpeg" and picture.device == camera.id


def test_a_demo_citizen_report_arrives_with_its_photo_as_evidence(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.demo.session import simulated_report

    _window, ctx = demo_window
    camera = ctx.cameras[0]  # any place in the district
    marker = f"暴露垃圾：市民反映该处垃圾堆放（测试 {uuid.uuid4().hex[:8]}）"  # the city reports 暴露垃圾 too
    simulated_report(ctx, {"source": "citizen", "category": "暴露垃圾", "lat": camera.lat, "lon": camera.lon,
                           "description": marker})  # a POST to the demo's Open311 listener, with a media_url

    (case,) = [c for c in ctx.cases.find_cases(source="citizen") if c.description == marker]

    def fetched() -> list[object]:  # the copy in the evidence tree, hashed (the URL row itself has no hash)
        return [e for e in ctx.enforcement.evidence.for_case(case.id) if e.sha256 and e.device == "open311"]

    qtbot.waitUntil(lambda: len(fetched()) == 1, timeout=30000)
    (photo,) = fetched()
    assert photo.mime == "image/jpeg"  # type: ignore[attr-defined]
    assert hashlib.sha256(Path(photo.path).read_bytes()).hexdigest() == photo.sha256  # type: ignore[attr-defined]
    urls = [e.url for e in ctx.enforcement.evidence.for_case(case.id) if not e.sha256]  # type: ignore[attr-defined]
    assert urls == [ctx.cases.get(case.code).extra["media_fetch"]["url"]]  # kept as the address it is


def test_officer_posts_by_name_or_code_and_unknown_ones_refused(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.config import ConfigError, parse_config
    from commandcenter.runtime.compose import build

    text = f"""
[database]
url = "sqlite:///{tmp_path / 'posts.db'}"
[[officers]]
id = "officer-017"
name = "王强"
badge = "320106017"
grid = "责任区A3"
"""
    ctx = build(parse_config(text, "posts.toml"))
    try:
        ctx.start()
        area = next(z for z in ctx.zones if z.name == "责任区A3")
        assert ctx.store.scalar("SELECT duty_grid FROM officers WHERE id = 'officer-017'") == area.code
    finally:
        ctx.stop()
    bad = build(parse_config(text.replace("责任区A3", "责任区Z9").replace("posts.db", "bad.db"), "bad.toml"))
    try:
        with pytest.raises(ConfigError, match="责任区Z9"):
            bad.start()
    finally:
        bad.stop()


def test_hidden_wall_keeps_streams_live_but_decodes_nothing(demo_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, ctx = demo_window
    camera = ctx.cameras[0].id

    def width() -> int:
        frame = ctx.video.latest_frame(camera, "sub")
        return 0 if frame is None else frame.image.shape[1]

    window.show_screen("wall")
    qtbot.waitUntil(lambda: width() > 200, timeout=30000)
    window.show_screen("map")  # the wall goes behind another tab: its streams are read, not decoded
    qtbot.wait(1000)  # a frame already in a decoder may still come out
    before = ctx.video.status(camera, "sub")
    qtbot.waitUntil(lambda: ctx.video.status(camera, "sub").bytes > before.bytes + 10_000, timeout=10000)
    qtbot.wait(3000)  # longer than a stall of pictures may last before a tile shows 卡顿
    assert ctx.video.status(camera, "sub").frames <= before.frames + 1
    qtbot.waitUntil(lambda: all(t["state"] == "live" for t in ctx.wall.tiles_report() if t["camera"]),
                    timeout=15000)  # hidden tiles stay live (a busy machine may stall one for a moment)
    window.show_screen("wall")
    qtbot.waitUntil(lambda: ctx.video.status(camera, "sub").frames > before.frames + 10, timeout=15000)
    qtbot.waitUntil(lambda: width() > 200, timeout=10000)


def test_run_on_a_database_without_users_says_how_to_create_one(qtbot, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cli import main

    cfg = tmp_path / "run.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "run.db"}"\n', encoding="utf-8")
    try:
        assert main(["run", "--config", str(cfg)]) == 1
        assert "commandcenter user add NAME --role admin" in capsys.readouterr().err
    finally:
        from commandcenter.i18n import install_language

        install_language(QApplication.instance(), "en")  # run installed the Chinese catalogues
