"""复盘 with drones: a drone's video downlink recorded from the RTSP test server (indexed with the drone id), the
drone that flew over the case picked by its track (one that stayed far away is not), its video in step with the
replay clock, its key frames in the report; and ``record = "airborne"`` records only while the fleet says it flies."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from commandcenter.config import ConfigError, DroneConfig, RecordingConfig, parse_config
from commandcenter.demo.testserver import ClipSpec, RtspTestServer, make_clip
from commandcenter.drones.fleet import DroneFleet
from commandcenter.mapdata.replay import HistoryService
from commandcenter.recording.drones import drone_camera, drone_camera_id, drone_cameras, record_while_flying
from commandcenter.recording.recorder import Recorder
from commandcenter.recording.tables import RecordingSegmentRow
from commandcenter.replay.incident import IncidentReplay, load_incident, scope_for_case
from commandcenter.replay.report import export_report
from commandcenter.store import Store, models
from devices.mavlink import DroneEvent, DroneHeartbeat, DroneLandedState, DronePosition

LAT, LON = 32.0195, 118.7850
EPOCH, FAR = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _wait(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


@pytest.fixture(scope="module")
def downlinks() -> Iterator[RtspTestServer]:
    clips = [make_clip(ClipSpec(label=label, width=320, height=180, seconds=4.0, gop=10, variant=i))
             for i, label in enumerate(["巡查1号", "巡查2号"])]
    server = RtspTestServer(clips)
    server.start()
    yield server
    server.stop()


def _drones(server: RtspTestServer, record: str = "continuous") -> list[DroneConfig]:
    return [DroneConfig(id="uav-1", name="巡查1号", url="tcp:127.0.0.1:1", video=server.url(1), record=record),
            DroneConfig(id="uav-2", name="巡查2号", url="tcp:127.0.0.1:1", video=server.url(2), record=record)]


def _recorder(store: Store, folder: Path, drones: list[DroneConfig]) -> Recorder:
    return Recorder([drone_camera(d) for d in drones], RecordingConfig(path=str(folder), segment_s=1.0,
                                                                       min_free_gb=0.0),
                    store, drones=drone_cameras(drones))


def test_drone_video_is_recorded_with_its_id_and_replayed_beside_the_case(
        store: Store, tmp_path: Path, downlinks: RtspTestServer, tasks, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    drones = _drones(downlinks)
    recorder = _recorder(store, tmp_path / "rec", drones)
    recorder.start()
    try:
        assert _wait(lambda: all(len(recorder.index.segments(drone_camera_id(d.id), EPOCH, FAR)) >= 4
                                 for d in drones), 30)
        health = {e["camera"]: e["drone"] for e in recorder.report()}
    finally:
        recorder.stop()
    assert health == {"uav-1-video": "uav-1", "uav-2-video": "uav-2"}  # the health report names the drone
    rows = store.read(lambda s: [(r.camera_id, r.drone_id) for r in s.scalars(select(RecordingSegmentRow))])
    assert {("uav-1-video", "uav-1"), ("uav-2-video", "uav-2")} == set(rows)

    segments = recorder.index.segments("uav-1-video", EPOCH, FAR)
    t0 = segments[0].start  # the case is reported 1 s into uav-1's recording, dispatched 2.5 s in
    reported, dispatched = t0 + timedelta(seconds=1), t0 + timedelta(seconds=2.5)

    def seed(session) -> None:  # type: ignore[no-untyped-def]
        for d in drones:
            session.add(models.Drone(id=d.id, name=d.name, url=d.url, video=d.video, sysid=0))
        case = models.Case(code="AJ-UAV-1", source="hotline", status="dispatched", category_name="违规占道",
                           address="新街口东", lat=LAT, lon=LON, created_at=reported, updated_at=reported,
                           dispatched_at=dispatched)
        session.add(case)
        session.flush()
        for at, action, status in ((reported, "create", "reported"), (dispatched, "dispatch", "dispatched")):
            session.add(models.CaseEvent(case_id=case.id, time=at, actor="调度员", action=action, to_status=status,
                                         note=""))
        for step in range(-60, 61, 5):  # uav-1 crosses the case's place; uav-2 patrols 3 km away
            at = reported + timedelta(seconds=step)
            session.add(models.PositionFix(unit_id="uav-1", time=at, lat=LAT + step * 0.00002, lon=LON,
                                           source="mavlink"))
            session.add(models.PositionFix(unit_id="uav-2", time=at, lat=LAT + 0.03, lon=LON + step * 0.00002,
                                           source="mavlink"))

    store.write(seed)
    data = load_incident(store, scope_for_case(store, "AJ-UAV-1"), [])
    assert [(d.drone_id, d.camera_id, d.name) for d in data.drones] == [("uav-1", "uav-1-video", "巡查1号")]
    assert data.drones[0].distance_m < 5 and len(data.drones[0].segments) >= 4

    replay = IncidentReplay(HistoryService(store, tasks))
    replay.show(data)
    try:
        assert list(replay.sources) == ["uav-1-video"]
        source = replay.sources["uav-1-video"]
        replay.seek(dispatched)
        qtbot.waitUntil(lambda: source.position() is not None
                        and abs((source.position() - dispatched).total_seconds()) < 0.1, timeout=15_000)
        assert source.latest_frame() is not None
        assert replay.history.position_of("uav-1", dispatched) is not None
        replay.play()
        qtbot.wait(1200)
        replay.pause()
        position = source.position()
        assert position is not None and abs((position - replay.now).total_seconds()) < 1.5  # still in step
    finally:
        replay.close_sources()
        time.sleep(0.2)

    out = export_report(data, tmp_path / "fupan.pdf", author="test")
    words = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "无人机 巡查1号" in words and "巡查2号" not in words
    text = out.read_bytes()
    assert text.count(b"/Type /Page") - text.count(b"/Type /Pages") == 3  # overview + the two events' frames


def test_airborne_records_only_while_the_drone_flies(store: Store, tmp_path: Path, downlinks: RtspTestServer,
                                                     qtbot: QtBot) -> None:
    drone = DroneConfig(id="uav-1", name="巡查1号", url="tcp:127.0.0.1:1", video=downlinks.url(1),
                        record="airborne", pre_s=1.0, post_s=1.0)
    recorder = _recorder(store, tmp_path / "rec", [drone])
    fleet = DroneFleet([drone], max_hz=20.0)
    record_while_flying([drone], fleet, recorder)
    camera = recorder.recorders["uav-1-video"]
    recorder.start()
    try:
        assert _wait(lambda: camera.state == "armed", 20)  # on the ground: the stream is pulled, nothing kept
        time.sleep(1.5)
        assert recorder.index.segments("uav-1-video", EPOCH, FAR) == [] and camera.open_segment() is None

        def flying(armed: bool) -> list[DroneEvent]:
            """A flush of the drone's link: heartbeat (armed or not), position, landed state."""
            alt = 30.0 if armed else 0.0
            return [DroneHeartbeat("uav-1", 1, "ardupilot", 2, "GUIDED", 0, 0, 4, armed),
                    DronePosition("uav-1", 1, LAT, LON, 12.0 + alt, alt, 90.0, 0.0, 3),
                    DroneLandedState("uav-1", 1, "IN_AIR" if armed else "ON_GROUND")]

        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline:  # telemetry of a flying drone for 4 s
            fleet.apply(flying(True))
            qtbot.wait(200)
        assert fleet.flying("uav-1") and camera.state == "recording"
        fleet.apply(flying(False))
        qtbot.wait(200)
        assert _wait(lambda: camera.state == "armed", 10)  # post_s after landing, it stops
    finally:
        recorder.stop()
    rows = store.read(lambda s: [(r.drone_id, r.end - r.start) for r in s.scalars(select(RecordingSegmentRow))])
    assert rows and {drone_id for drone_id, _ in rows} == {"uav-1"}
    assert timedelta(seconds=3) < sum((length for _, length in rows), timedelta()) < timedelta(seconds=10)


def test_drone_record_keys_are_checked() -> None:
    base = '[[drones]]\nid = "uav-1"\nurl = "tcp:127.0.0.1:5760"\n'
    config = parse_config(base + 'video = "rtsp://127.0.0.1/d"\nrecord = "airborne"\nretention_days = 2\n')
    assert config.drones[0].record == "airborne" and drone_camera(config.drones[0]).record == "alarm"
    with pytest.raises(ConfigError, match=r"drones\[0\]\.record.*no video URL"):
        parse_config(base + 'record = "continuous"\n')
    with pytest.raises(ConfigError, match=r"drones\[0\]\.record.*expected one of"):
        parse_config(base + 'video = "rtsp://127.0.0.1/d"\nrecord = "always"\n')
