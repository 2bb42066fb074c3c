"""复盘 core: a case's span and area, the units, events and nearby cameras' recordings in one clock; the report."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from commandcenter.config import CameraConfig
from commandcenter.mapdata.replay import HistoryService
from commandcenter.recording.index import add_segment
from commandcenter.replay.incident import IncidentReplay, ReplayScopeError, load_incident, scope_for_case
from commandcenter.replay.report import export_report
from commandcenter.store import Store, models
from tests.video.recorded_clips import colour_of_second, write_segment

T0 = datetime(2026, 12, 1, 2, 0, 0, tzinfo=UTC)  # the case is reported at T0
LAT, LON = 32.0195, 118.7850  # inside the bundled district basemap (the screenshot shows its streets)


def seed_incident(store: Store, folder: Path) -> list[CameraConfig]:
    """A case reported at T0, dispatched at +1 min, arrived at +3 min, handled at +6 min; officer 张三 walking
    in; one camera 80 m away recording T0-10 s … T0+1 s and T0+3 min … +3 min 10 s, one far away; returns the cameras."""
    def seed(session) -> None:  # type: ignore[no-untyped-def]
        case = models.Case(code="AJ-FP-1", source="test", status="handled", category_name="占道经营",
                           address="新街口东", lat=LAT, lon=LON, created_at=T0, updated_at=T0,
                           dispatched_at=T0 + timedelta(minutes=1), arrived_at=T0 + timedelta(minutes=3),
                           handled_at=T0 + timedelta(minutes=6))
        session.add(case)
        session.flush()
        for minutes, action, to_status, actor in ((0, "create", "reported", "intake"),
                                                  (1, "dispatch", "dispatched", "调度员李四"),
                                                  (3, "arrive", "arrived", "张三"), (6, "handle", "handled", "张三")):
            session.add(models.CaseEvent(case_id=case.id, time=T0 + timedelta(minutes=minutes), actor=actor,
                                         action=action, to_status=to_status, note=""))
        for step in range(0, 8):  # 张三 walks north-east to the case over 7 minutes
            session.add(models.PositionFix(unit_id="zs", time=T0 + timedelta(minutes=step),
                                           lat=LAT - 0.007 + 0.001 * step, lon=LON - 0.007 + 0.001 * step,
                                           source="test"))

    store.write(seed)
    first = write_segment(folder / "near-1.mp4", T0 - timedelta(seconds=10), 5, 0)
    second = write_segment(folder / "near-2.mp4", T0 - timedelta(seconds=5), 6, 5)
    later = write_segment(folder / "near-3.mp4", T0 + timedelta(minutes=3), 10, 30)
    for segment in (first, second, later):
        store.write(add_segment("near", segment))
    return [CameraConfig(id="near", name="新街口东", lat=LAT + 0.0007, lon=LON, url="rtsp://127.0.0.1:1/a"),
            CameraConfig(id="far", name="远处", lat=LAT + 0.05, lon=LON, url="rtsp://127.0.0.1:1/b"),
            CameraConfig(id="unplaced", url="rtsp://127.0.0.1:1/c")]


def test_scope_of_a_case_and_what_it_holds(store: Store, tmp_path: Path) -> None:
    cameras = seed_incident(store, tmp_path)
    scope = scope_for_case(store, "AJ-FP-1")
    assert (scope.start, scope.end) == (T0 - timedelta(minutes=5), T0 + timedelta(minutes=11))
    data = load_incident(store, scope, cameras)
    assert [(e.action, e.at - T0) for e in data.events] == [
        ("create", timedelta(0)), ("dispatch", timedelta(minutes=1)), ("arrive", timedelta(minutes=3)),
        ("handle", timedelta(minutes=6))]
    assert [c.camera_id for c in data.cameras] == ["near"]  # far and unplaced cameras are not in the area
    assert len(data.cameras[0].segments) == 3
    assert data.history.unit_ids == ["zs"]
    assert data.case_title == "AJ-FP-1 占道经营 新街口东"
    with pytest.raises(ReplayScopeError, match="no case 'nope'"):
        scope_for_case(store, "nope")


def test_one_clock_moves_map_events_and_video_in_step(store: Store, tmp_path: Path, tasks, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    cameras = seed_incident(store, tmp_path)
    data = load_incident(store, scope_for_case(store, "AJ-FP-1"), cameras)
    replay = IncidentReplay(HistoryService(store, tasks))
    replay.show(data)
    try:
        target = T0 + timedelta(minutes=3, seconds=4)
        replay.seek(target)
        officer = replay.history.position_of("zs", target)
        assert officer is not None and officer.lat == pytest.approx(LAT - 0.004 + 0.001 * 4 / 60, abs=1e-5)
        assert [e.action for e in replay.events_until(target)] == ["create", "dispatch", "arrive"]
        source = replay.sources["near"]
        qtbot.waitUntil(lambda: source.position() is not None
                        and abs((source.position() - target).total_seconds()) < 0.05, timeout=10_000)
        frame = source.latest_frame()
        assert frame is not None and int(frame.image[5, 5, 2]) == pytest.approx(colour_of_second(34), abs=4)
        replay.set_speed(4.0)
        replay.play()
        qtbot.wait(1500)
        replay.pause()
        position = source.position()
        assert position is not None and abs((position - replay.now).total_seconds()) < 1.5  # still in step
        assert replay.now > target + timedelta(seconds=3)
    finally:
        replay.close_sources()
        time.sleep(0.2)


def test_report_has_the_story_and_key_frames(store: Store, tmp_path: Path) -> None:
    cameras = seed_incident(store, tmp_path)
    data = load_incident(store, scope_for_case(store, "AJ-FP-1"), cameras)
    out = export_report(data, tmp_path / "fupan.pdf", author="test")
    text = out.read_bytes()
    assert text.startswith(b"%PDF")
    # the overview page plus one page of key frames for each event the camera recorded (create, arrive)
    assert text.count(b"/Type /Page") - text.count(b"/Type /Pages") == 3
    # pdftotext (poppler-utils, installed by the README's setup) reads the report as a reader would
    words = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "事件复盘报告" in words and "AJ-FP-1" in words and "新街口东" in words
