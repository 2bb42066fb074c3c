"""Recording real RTSP cameras: playable indexed segments, a gap where a camera dropped, alarm pre/post roll,
the schedule, the disk guard, and the health report's ``recording`` section."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av

from commandcenter.config import CameraConfig
from commandcenter.demo.testserver import RtspTestServer
from commandcenter.recording.policy import RecordPolicy
from commandcenter.recording.segments import scan
from tests.recording.conftest import GOP_S, MakeRecorder, wait_until

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def _camera(server: RtspTestServer, i: int = 1, **keys: object) -> CameraConfig:
    return CameraConfig(id=f"cam-{i}", name=f"测试{i}", url=server.url(i), **{"record": "continuous", **keys})  # type: ignore[arg-type]


def test_continuous_recording_gives_playable_touching_segments(cameras: RtspTestServer,
                                                               make_recorder: MakeRecorder) -> None:
    recorder = make_recorder(_camera(cameras), segment_s=1.0)
    recorder.start()
    assert wait_until(lambda: len(recorder.index.segments("cam-1", EPOCH, FAR)) >= 3, 20)
    report = recorder.report()
    recorder.stop()

    segments = recorder.index.segments("cam-1", EPOCH, FAR)
    assert len(recorder.index.spans("cam-1", EPOCH, FAR)) == 1, "consecutive segments must touch"
    for segment in segments:
        path = Path(segment.path)
        assert path.suffix == ".mp4" and path.stat().st_size == segment.bytes
        scanned = scan(path)
        with av.open(segment.path) as container:  # a player opens it and decodes every picture
            frames = sum(1 for _ in container.decode(video=0))
        assert frames == scanned.packets >= 1
        assert abs(scanned.duration_s - segment.duration_s) < 0.05
    assert all(scan(Path(s.path)).packets >= 20 for s in segments[:-1]), "full segments hold about segment_s"
    assert not list(Path(segments[0].path).parent.glob("*.part")), "no temporary file is left after stop"
    [entry] = report
    assert entry["camera"] == "cam-1" and entry["state"] == "recording" and entry["segments"] >= 3
    assert entry["bytes"] > 0 and entry["oldest"] < entry["newest"] and entry["gaps"] == []


def test_a_camera_that_drops_and_returns_leaves_a_gap_not_a_broken_file(cameras: RtspTestServer,
                                                                        make_recorder: MakeRecorder) -> None:
    recorder = make_recorder(_camera(cameras), segment_s=30.0)
    recorder.start()
    assert wait_until(lambda: recorder.recorders["cam-1"].state == "recording", 15)
    time.sleep(1.5)
    cameras.stop()
    assert wait_until(lambda: recorder.recorders["cam-1"].state == "offline", 15)
    assert recorder.report()[0]["state"] == "offline"
    time.sleep(2.0)
    cameras.restart()
    assert wait_until(lambda: recorder.recorders["cam-1"].open_segment() is not None, 30)
    time.sleep(1.5)
    recorder.stop()

    segments = recorder.index.segments("cam-1", EPOCH, FAR)
    assert len(segments) == 2, "the open segment is closed (and indexed) when the camera drops"
    for segment in segments:
        assert scan(Path(segment.path)).packets > 10
    [(gap_from, gap_to)] = recorder.index.gaps("cam-1")
    assert (gap_from, gap_to) == (segments[0].end, segments[1].start)
    assert (gap_to - gap_from).total_seconds() >= 2.0
    assert recorder.report()[0]["gaps"] == [[gap_from.isoformat(), gap_to.isoformat()]]


def test_alarm_mode_records_from_pre_roll_to_post_roll(cameras: RtspTestServer,
                                                       make_recorder: MakeRecorder) -> None:
    recorder = make_recorder(_camera(cameras, record="alarm", pre_s=1.0, post_s=1.5), segment_s=60.0)
    recorder.start()
    assert wait_until(lambda: recorder.recorders["cam-1"].state == "armed", 15)
    time.sleep(2.0)  # longer than the pre-roll: what is older must not be in the file
    assert recorder.index.segments("cam-1", EPOCH, FAR) == [] and recorder.recorders["cam-1"].open_segment() is None
    alarm_at = datetime.now(UTC)
    recorder.alarm("cam-1", "占道经营")
    assert wait_until(lambda: len(recorder.index.segments("cam-1", EPOCH, FAR)) == 1, 15)
    [segment] = recorder.index.segments("cam-1", EPOCH, FAR)
    pre = (alarm_at - segment.start).total_seconds()
    post = (segment.end - alarm_at).total_seconds()
    assert 1.0 - 0.3 <= pre <= 1.0 + GOP_S + 0.3, f"pre-roll {pre:.2f} s"
    assert 1.5 - 0.3 <= post <= 1.5 + 1.0, f"post-roll {post:.2f} s"
    assert recorder.recorders["cam-1"].state == "armed"


def test_schedule_windows_in_local_time_and_across_midnight() -> None:
    policy = RecordPolicy("schedule", windows=((7 * 60, 22 * 60), (23 * 60, 60)))
    cst = timedelta(hours=8)

    def at(hour: int, minute: int = 0) -> datetime:  # local (Asia/Shanghai) time of day, as UTC
        return datetime(2026, 12, 2, hour, minute, tzinfo=UTC) - cst + timedelta(days=0)

    assert policy.in_schedule(at(7)) and policy.in_schedule(at(21, 59))
    assert not policy.in_schedule(at(22)) and not policy.in_schedule(at(6, 59))
    assert policy.in_schedule(at(23, 30)) and policy.in_schedule(at(0, 30)) and not policy.in_schedule(at(1))


def test_scheduled_camera_outside_its_window_stays_idle(cameras: RtspTestServer,
                                                         make_recorder: MakeRecorder) -> None:
    now = datetime.now(UTC) + timedelta(hours=8)  # local time of day
    start = (now + timedelta(hours=2)).strftime("%H:%M")
    end = (now + timedelta(hours=3)).strftime("%H:%M")
    recorder = make_recorder(_camera(cameras, record="schedule", record_schedule=[f"{start}-{end}"]))
    recorder.start()
    time.sleep(2.0)
    assert recorder.recorders["cam-1"].state == "idle"
    assert recorder.index.segments("cam-1", EPOCH, FAR) == []


def test_a_full_disk_stops_recording_with_an_alarm_and_resumes(cameras: RtspTestServer,
                                                              make_recorder: MakeRecorder,
                                                              notices: list[tuple[str, str]]) -> None:
    recorder = make_recorder(_camera(cameras), segment_s=1.0, min_free_gb=1e9)  # more than any disk has free
    recorder.start()
    assert wait_until(lambda: recorder.recorders["cam-1"].state == "stopped", 10)
    time.sleep(1.0)
    assert recorder.index.segments("cam-1", EPOCH, FAR) == []
    [(severity, text)] = notices
    assert severity == "alarm" and "录像已停止" in text and "min_free_gb" in text
    assert recorder.report()[0]["state"] == "stopped"
    store_report = recorder.store_report()
    assert store_report["recording_allowed"] is False and store_report["min_free_gb"] == 1e9

    recorder.config.min_free_gb = 0.0  # space is back
    assert recorder.check_disk()
    assert notices[-1][0] == "info"
    assert wait_until(lambda: len(recorder.index.segments("cam-1", EPOCH, FAR)) >= 1, 20)


def test_a_file_camera_is_recorded_at_its_own_pace(camera_clips: list[Path], make_recorder: MakeRecorder,
                                                   tmp_path: Path) -> None:
    """A camera whose url is a file (a test rig, an NVR export) is read at its frame rate, not at disk speed."""
    movie = tmp_path / "camera.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-framerate", "25", "-i", str(camera_clips[0]),
                    "-c", "copy", str(movie)], check=True, timeout=60)
    recorder = make_recorder(CameraConfig(id="file-cam", url=str(movie), record="continuous"), segment_s=1.0)
    recorder.start()
    assert wait_until(lambda: recorder.recorders["file-cam"].state == "recording", 10)
    started = time.monotonic()
    time.sleep(2.0)
    recorder.stop()
    elapsed = time.monotonic() - started
    recorded = sum(s.duration_s for s in recorder.index.segments("file-cam", EPOCH, FAR))
    assert recorded <= elapsed + 0.6, f"{recorded:.1f} s recorded in {elapsed:.1f} s: the 4 s file was not paced"
    assert recorded >= 1.0
