"""派无人机 end to end: a real SimVehicle over MAVLink, a real RTSP video downlink, a real store with evidence."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from commandcenter.config import CameraConfig
from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.testserver import RtspTestServer
from commandcenter.demo.users import create_demo_users
from commandcenter.drones.missions import NoFlyZone, distance_m
from commandcenter.drones.tasking import DroneTasking, TaskResult
from commandcenter.enforcement.services import EnforcementServices
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case
from commandcenter.video.layout import WallLayout, WallModel
from commandcenter.video.service import VideoService

CASE = (32.0612, 118.7981)  # ≈ 150 m north-east of home


def make_case(store: Store, code: str) -> int:
    now = utcnow()

    def job(session: Any) -> int:
        case = Case(code=code, source="patrol", category="ZDJY", category_name="占道经营",
                    description="流动摊贩占道经营", address="秦淮区中华路", status="investigating", urgency=2,
                    reporter="巡查", created_at=now, updated_at=now, extra={})
        session.add(case)
        session.flush()
        return case.id

    return store.write(job)


def test_send_to_case_flies_films_and_files_evidence(qtbot: Any, flying: Any, store: Store,
                                                      downlink: RtspTestServer, tmp_path: Path) -> None:
    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    services = EnforcementServices.create(store, tasks=flying.tasks, evidence_root=tmp_path / "evidence")
    camera = CameraConfig(id="uav-1-video", name="巡查1号 视频", url=downlink.url(1), group="无人机")
    video = VideoService([camera], snapshot_dir=str(tmp_path / "snapshots"), tasks=flying.tasks)
    wall = WallModel([camera], video, layout=WallLayout.uniform(2))
    tasking = DroneTasking(flying.fleet, flying.commands, tasks=flying.tasks, video=video, wall=wall, evidence=services.evidence,
                           safe_alt=20.0)
    progress: list[str] = []
    tasking.progress.connect(lambda _d, _c, text: progress.append(text))
    case_id = make_case(store, "AJ20261121000001")
    try:
        future = tasking.send_to_case("uav-1", case_id, "AJ20261121000001", *CASE, actor="dispatcher")
        assert tasking.busy("uav-1")
        qtbot.waitUntil(future.done, timeout=45000)
        result: TaskResult = future.result()
        assert result.ok, (result.reason, result.steps)
        # the drone is over the case, at the safe altitude, in GUIDED
        assert distance_m((flying.sim.lat, flying.sim.lon), CASE) <= 30.0
        state = flying.fleet.state("uav-1")
        assert state is not None and state.mode == "GUIDED" and state.armed
        assert result.alt is not None and result.alt > 15.0
        # its video popped on the wall with the case code
        qtbot.waitUntil(lambda: wall.alarm is not None, timeout=2000)
        assert wall.alarm is not None and wall.alarm.camera == "uav-1-video"
        assert wall.alarm.text == "派无人机 AJ20261121000001"
        # the snapshot is evidence of the case, with where and when it was taken
        assert result.evidence_id is not None and Path(result.snapshot_path).exists()
        rows = services.evidence.for_case(case_id)
        assert [r.id for r in rows] == [result.evidence_id]
        row = rows[0]
        assert row.device == "uav-1" and row.mime == "image/png" and row.sha256 == result.snapshot_sha256
        assert row.lat is not None and row.lon is not None and distance_m((row.lat, row.lon), CASE) <= 30.0
        assert row.captured_at is not None
        assert abs(row.captured_at - datetime.now(UTC)) < timedelta(minutes=2)
        assert row.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert any(step.startswith("take off") for step in progress) and not tasking.busy("uav-1")
    finally:
        tasking.shutdown()
        video.shutdown()
        services.close()


def test_refusals_say_why(qtbot: Any, flying: Any) -> None:
    home_zone = NoFlyZone("测试禁飞区", CASE[0], CASE[1], 50.0)
    tasking = DroneTasking(flying.fleet, flying.commands, tasks=flying.tasks, no_fly=[home_zone], safe_alt=20.0,
                           max_distance_m=3000.0)
    finished: list[TaskResult] = []
    tasking.finished.connect(finished.append)
    try:
        def refused(drone_id: str, lat: float, lon: float) -> str:
            result = tasking.send_to_case(drone_id, 1, "AJ1", lat, lon, "dispatcher").result(timeout=1)
            assert not result.ok
            return result.reason

        assert refused("uav-9", *CASE) == "unknown drone uav-9"
        assert "no-fly zone 测试禁飞区" in refused("uav-1", *CASE)
        assert "beyond 3.0 km" in refused("uav-1", 32.2, 118.8)
        assert "no valid location" in refused("uav-1", 0.0, 0.0)
        assert len(finished) == 4
        # the vehicle's own refusal reaches the dispatcher with its PreArm text
        flying.sim.faults.prearm_fail = "Compass not calibrated"
        future = tasking.send_to_case("uav-1", 1, "AJ1", 32.0598, 118.7960, "dispatcher")
        qtbot.waitUntil(future.done, timeout=10000)
        result = future.result()
        assert not result.ok and result.reason.startswith("arm refused by 巡查1号")
        assert not tasking.busy("uav-1")
        # no video: the drone still goes, and the result says no snapshot was taken
        flying.sim.faults.prearm_fail = ""
        future = tasking.send_to_case("uav-1", 1, "AJ1", 32.0598, 118.7960, "dispatcher")
        qtbot.waitUntil(future.done, timeout=30000)
        result = future.result()
        assert result.ok and "no video camera" in result.reason and result.snapshot_path == ""
    finally:
        tasking.shutdown()
