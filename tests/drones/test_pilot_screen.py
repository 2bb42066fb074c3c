"""The pilot screen's map, video and patrol additions against a flying SimVehicle and a real RTSP downlink."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commandcenter.config import CameraConfig
from commandcenter.demo.testserver import RtspTestServer
from commandcenter.drones.missions import Geofence, MissionPlan, Polygon, lawnmower
from commandcenter.drones.schedule import LOCAL_TZ, PatrolScheduler
from commandcenter.geo.basemap import Basemap, MapFeature
from commandcenter.geo.district import load_default_basemap
from commandcenter.runtime.tasks import TaskManager
from commandcenter.video.layout import WallLayout, WallModel
from commandcenter.video.service import SUB, VideoService
from tests.drones.flight_support import AREA, Clock
from widgets.drones import DronesScreen
from widgets.drones.streets import basemap_layers


@pytest.fixture
def video(qtbot: Any, downlink: RtspTestServer, tmp_path: Path, tasks: TaskManager) -> Iterator[VideoService]:
    camera = CameraConfig(id="uav-1-video", name="巡查1号 视频", url=downlink.url(1), group="无人机")
    service = VideoService([camera], snapshot_dir=str(tmp_path / "snapshots"), tasks=tasks)
    yield service
    service.shutdown()


def make_screen(qtbot: Any, flying: Any, **kwargs: Any) -> DronesScreen:
    screen = DronesScreen(flying.fleet, flying.commander, **kwargs)
    screen.confirm = lambda text: True  # type: ignore[method-assign]
    qtbot.addWidget(screen)
    screen.resize(1500, 950)
    screen.show()
    qtbot.waitUntil(lambda: screen.selected == "uav-1", timeout=5000)
    return screen


def test_basemap_is_drawn_once_and_cached(qtbot: Any, flying: Any) -> None:
    basemap = load_default_basemap()
    screen = make_screen(qtbot, flying, basemap=basemap)
    items = screen.map._basemap_items
    paths = [i for i in items if type(i).__name__ == "QGraphicsPathItem"]
    labels = [i.textItem.toPlainText() for i in items if hasattr(i, "textItem")]
    assert 3 <= len(paths) <= 20  # a few merged paths, not one item per feature
    assert {"中华路", "秦淮河"} & set(labels), labels
    assert screen.map.frame is not None
    layers, _ = basemap_layers(basemap, screen.map.frame)
    again, _ = basemap_layers(basemap, screen.map.frame)
    assert layers is again
    # a basemap with only roads still works; None removes it
    roads_only = Basemap(roads=[MapFeature("road", "line", [AREA[0], AREA[2]], name="测试路", cls="primary")])
    screen.map.set_basemap(roads_only)
    assert any(getattr(i, "textItem", None) and i.textItem.toPlainText() == "测试路" for i in screen.map._basemap_items)
    screen.map.set_basemap(None)
    assert screen.map._basemap_items == []


def test_active_mission_is_downloaded_when_the_vehicle_changes(qtbot: Any, flying: Any) -> None:
    screen = make_screen(qtbot, flying)
    plan = MissionPlan(mission=lawnmower(AREA, 25.0, 0.0, 30.0, takeoff=True, rtl=True),
                       fence=Geofence([Polygon([(32.0595, 118.7955), (32.0595, 118.7983), (32.0614, 118.7983),
                                                (32.0614, 118.7955)])]))
    # uploaded by someone else (the CLI, another station): the screen learns it from MISSION_CURRENT's count
    assert flying.commander.upload_plan("uav-1", plan).result(timeout=10).ok
    qtbot.waitUntil(lambda: len(screen.fleet_map.active_plans.get("uav-1", MissionPlan()).mission.items)
                    == len(plan.mission.items), timeout=10000)
    qtbot.waitUntil(lambda: "uav-1" in screen.map.active_ids(), timeout=2000)
    drawn = screen.map._active["uav-1"]
    assert len(drawn.points.data) == len(plan.mission.waypoints()) and len(drawn.fence) == 1
    # the plan being edited is separate from what the vehicle holds
    assert screen.plan.mission.items == []


def test_video_tile_holds_the_stream_and_puts_it_on_the_wall(qtbot: Any, flying: Any,
                                                             video: VideoService) -> None:
    wall = WallModel(list(video.cameras.values()), video, layout=WallLayout.uniform(2))
    wall.assign(0, None)
    screen = make_screen(qtbot, flying, video=video, wall=wall)
    assert screen.video_panel.video_camera == "uav-1-video"
    assert ("uav-1-video", SUB) in video.active_streams()
    qtbot.waitUntil(lambda: screen.video_panel.video_tile.state == "live" and screen.video_panel.video_tile._image is not None,
                    timeout=15000)
    assert screen.video_panel.wall_button.isEnabled()
    screen.video_panel.wall_button.click()
    assert wall.alarm is not None and wall.alarm.camera == "uav-1-video" and "巡查1号" in wall.alarm.text
    assert "1" in screen.video_panel.video_note.text()
    screen.hide()  # hidden: the tile gives the stream back
    assert screen.video_panel.video_camera is None and ("uav-1-video", SUB) not in video.active_streams()
    screen.show()
    assert screen.video_panel.video_camera == "uav-1-video"
    screen.close()
    assert ("uav-1-video", SUB) not in video.active_streams()


def test_patrol_banner_confirm_decline_and_add(qtbot: Any, flying: Any, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 21, 17, 29, tzinfo=LOCAL_TZ))
    scheduler = PatrolScheduler(flying.commands, tasks=flying.tasks, fleet=flying.fleet, path=tmp_path / "s.json", clock=clock,
                                tick_ms=0)
    try:
        screen = make_screen(qtbot, flying, scheduler=scheduler, operator="pilot")
        assert screen.schedules.isVisible() and not screen.patrol_banner.isVisible()
        # save the plan being edited as a patrol from the form
        screen.set_plan(MissionPlan(mission=lawnmower(AREA, 25.0, 0.0, 30.0)))
        screen.schedules.schedule_name.setText("夫子庙 夜市")
        screen.schedules.schedule_add.click()
        assert len(scheduler.schedules) == 1 and screen.schedules.schedule_list.count() == 1
        schedule = scheduler.schedules[0]
        assert schedule.time == "17:30" and schedule.drone_id == "uav-1" and schedule.name == "夫子庙 夜市"
        qtbot.waitUntil(lambda: schedule.plan_path().exists(), timeout=5000)
        # due: a banner, not a dialog; 取消 logs it as declined
        clock.now += timedelta(minutes=1, seconds=5)
        scheduler.check()
        assert screen.patrol_banner.isVisible() and "夫子庙 夜市" in screen.patrol_banner.patrol_text.text()
        screen.patrol_banner.patrol_skip.click()
        assert not screen.patrol_banner.isVisible() and scheduler.history[-1].outcome == "declined"
        # next day: 执行 flies it on the vehicle
        clock.now += timedelta(days=1)
        scheduler.check()
        assert screen.patrol_banner.isVisible()
        screen.patrol_banner.patrol_go.click()
        assert not screen.patrol_banner.isVisible()
        qtbot.waitUntil(lambda: scheduler.history[-1].outcome == "started", timeout=20000)
        qtbot.waitUntil(lambda: (s := flying.fleet.state("uav-1")) is not None and s.mode == "AUTO", timeout=5000)
        qtbot.waitUntil(lambda: "started" in screen.log.toPlainText() or "已开始" in screen.log.toPlainText(),
                        timeout=2000)
        screen.schedules.schedule_list.setCurrentRow(0)
        screen.schedules.schedule_remove.click()
        assert scheduler.schedules == [] and screen.schedules.schedule_list.count() == 0
    finally:
        scheduler.shutdown()
