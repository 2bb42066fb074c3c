"""The 复盘 screen: a case loads, the timeline drives map, events and camera tiles; the report exports. Also
renders the screen and a wall tile in PTZ + playback at 1920×1080 into /tmp/playback-shots/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from commandcenter.config import CameraConfig, MapConfig
from commandcenter.demo.onvif_camera import SimulatedOnvifCamera
from commandcenter.geo.district import load_default_basemap
from commandcenter.i18n import install_language
from commandcenter.ptz.service import PtzService
from commandcenter.recording.index import add_segment
from commandcenter.runtime.units import UnitTracker
from commandcenter.store import Store, models
from commandcenter.video.playback import RecordingAccess
from tests.replay.test_incident import LAT, LON, T0, seed_incident
from tests.video.recorded_clips import write_segment
from widgets.replay.screen import IncidentReplayScreen
from widgets.wall.playback import TilePlayback
from widgets.wall.ptz_pad import attach_ptz
from widgets.wall.tile import VideoTile

SHOTS = Path("/tmp/playback-shots")


def test_replay_screen_loads_a_case_and_follows_its_timeline(store: Store, tasks, qtbot: QtBot,  # type: ignore[no-untyped-def]
                                                             tmp_path: Path) -> None:
    install_language(QApplication.instance(), "zh")  # the users' language: the screenshot shows what they see
    cameras = seed_incident(store, tmp_path)
    screen = IncidentReplayScreen(store, tasks, UnitTracker(store=None), load_default_basemap(),
                                  MapConfig(), cameras, (LAT, LON))
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    qtbot.waitExposed(screen)
    QTest.keyClicks(screen.case_code, "AJ-FP-1")
    QTest.keyClick(screen.case_code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.events.count() == 4, timeout=15_000)
    assert screen.tiles[0].camera_id == "near" and screen.tiles[1].camera_id is None
    assert "4" in screen.status.text() and "AJ-FP-1" in screen.status.text()

    # A click on the event "arrive" moves everything to +3 min: clock, map, video.
    QTest.mouseClick(screen.events.viewport(), Qt.MouseButton.LeftButton,
                     pos=screen.events.visualItemRect(screen.events.item(2)).center())
    arrived = T0 + timedelta(minutes=3)
    qtbot.waitUntil(lambda: abs((screen.replay.now - arrived).total_seconds()) < 0.01, timeout=5_000)
    source = screen.replay.sources["near"]
    qtbot.waitUntil(lambda: source.position() is not None and abs((source.position() - arrived).total_seconds())
                    < 0.05, timeout=10_000)
    qtbot.waitUntil(lambda: screen.tiles[0].state == "live", timeout=5_000)
    assert screen.events.currentRow() == 2
    assert screen.layers.units.ids_count() == 1 if hasattr(screen.layers.units, "ids_count") else True

    # The timeline scrubs: a click 1/4 of the way in is 4 minutes after the start of the span.
    x = int(screen.timeline.width() / 4)
    QTest.mouseClick(screen.timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, screen.timeline.height() // 2))
    expected = screen.timeline.time_at(x)
    qtbot.waitUntil(lambda: abs((screen.replay.now - expected).total_seconds()) < 1.0, timeout=5_000)
    qtbot.waitUntil(lambda: screen.tiles[0].state == "stalled", timeout=5_000)  # nothing recorded then

    screen.replay.seek(arrived + timedelta(seconds=2))
    qtbot.waitUntil(lambda: screen.tiles[0].state == "live", timeout=10_000)
    qtbot.wait(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(SHOTS / "replay-screen.png"))

    out = tmp_path / "report.pdf"
    screen.export(out)
    qtbot.waitUntil(lambda: "报告已保存" in screen.status.text(), timeout=30_000)
    assert out.read_bytes().startswith(b"%PDF")
    screen.close_replay()


def test_render_a_tile_with_pad_and_timeline(store: Store, tasks, qtbot: QtBot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    install_language(QApplication.instance(), "zh")
    seed_incident(store, tmp_path)
    with SimulatedOnvifCamera() as sim:
        camera = CameraConfig(id="near", name="新街口东 球机", url="rtsp://127.0.0.1:1/a", ptz=True,
                              onvif_url=sim.device_url, onvif_user="admin", onvif_password="admin123")
        service = PtzService([camera], tasks)
        tile = VideoTile(0, "shot")
        qtbot.addWidget(tile)
        tile.resize(1920, 1080)
        tile.set_camera("near", camera.name, False)
        ptz = attach_ptz(tile, service)
        playback = TilePlayback(tile, RecordingAccess(store.engine, tasks, {"near": (LAT + 0.0007, LON)}))
        tile.show()
        qtbot.waitExposed(tile)
        assert ptz is not None
        ptz.button.setChecked(True)
        playback.enter(window=(T0 - timedelta(minutes=2), T0 + timedelta(minutes=5)))
        qtbot.waitUntil(lambda: playback.source is not None and tile._image is not None, timeout=10_000)
        playback.seek(T0 - timedelta(seconds=3))
        qtbot.waitUntil(lambda: len(playback.bar.timeline.markers) == 1, timeout=10_000)
        qtbot.wait(300)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert tile.grab().save(str(SHOTS / "tile-ptz-playback.png"))
        playback.leave()


def test_replay_screen_gives_a_tile_to_the_drone_that_flew_over(store: Store, tasks, qtbot: QtBot,  # type: ignore[no-untyped-def]
                                                                tmp_path: Path) -> None:
    install_language(QApplication.instance(), "zh")
    cameras = seed_incident(store, tmp_path)
    drone_clip = write_segment(tmp_path / "uav.mp4", T0 + timedelta(minutes=2, seconds=55), 10, 60)
    store.write(add_segment("uav-1-video", drone_clip, "uav-1"))

    def seed(session) -> None:  # type: ignore[no-untyped-def]
        session.add(models.Drone(id="uav-1", name="巡查1号", url="tcp:127.0.0.1:1", video="rtsp://x", sysid=1))
        for step in range(0, 8):  # the drone flies over the case from the south, 30 m up
            session.add(models.PositionFix(unit_id="uav-1", time=T0 + timedelta(minutes=step),
                                           lat=LAT - 0.003 + 0.001 * step, lon=LON, source="mavlink"))

    store.write(seed)
    screen = IncidentReplayScreen(store, tasks, UnitTracker(store=None), load_default_basemap(),
                                  MapConfig(), cameras, (LAT, LON))
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    qtbot.waitExposed(screen)
    QTest.keyClicks(screen.case_code, "AJ-FP-1")
    QTest.keyClick(screen.case_code, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.events.count() == 4, timeout=15_000)
    assert [t.camera_id for t in screen.tiles[:3]] == ["near", "uav-1-video", None]
    assert "1 架无人机" in screen.status.text()
    screen.replay.seek(T0 + timedelta(minutes=3, seconds=2))
    qtbot.waitUntil(lambda: screen.tiles[0].state == "live" and screen.tiles[1].state == "live", timeout=15_000)
    qtbot.wait(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert screen.grab().save(str(SHOTS / "replay-screen-drone.png"))
    screen.close_replay()
