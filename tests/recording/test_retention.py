"""Retention per camera in days and the store's quota: the oldest segments go first, index rows with their files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from commandcenter.config import CameraConfig, RecordingConfig
from commandcenter.recording.index import Segment, add_segment
from commandcenter.recording.recorder import GB, Recorder
from commandcenter.recording.segments import segment_path
from commandcenter.store import Store

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
EPOCH, FAR = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _recorded(store: Store, root: Path, camera_id: str, days_ago: float, size: int) -> str:
    start = NOW - timedelta(days=days_ago)
    path = segment_path(root, camera_id, start)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    store.write(add_segment(camera_id, Segment(str(path), start, start + timedelta(seconds=60), size)))
    return str(path)


def test_retention_per_camera_then_quota_oldest_first(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    kb = 1024
    # cam-a keeps the default 30 days, cam-b only 2 (its own retention_days).
    a40 = _recorded(store, root, "cam-a", 40, 10 * kb)
    a10 = _recorded(store, root, "cam-a", 10, 10 * kb)
    a5 = _recorded(store, root, "cam-a", 5, 10 * kb)
    a1 = _recorded(store, root, "cam-a", 1, 10 * kb)
    b3 = _recorded(store, root, "cam-b", 3, 10 * kb)
    b6 = _recorded(store, root, "cam-b", 6, 10 * kb)
    b1 = _recorded(store, root, "cam-b", 1, 10 * kb)
    cameras = [CameraConfig(id="cam-a", url="rtsp://127.0.0.1:1/a", record="continuous"),
               CameraConfig(id="cam-b", url="rtsp://127.0.0.1:1/b", record="alarm", retention_days=2.0)]
    # Quota: what is left after retention (a10, a5, a1, b1 = 40 KiB) must fit in 25 KiB.
    config = RecordingConfig(path=str(root), retention_days=30.0, quota_gb=25 * kb / GB)
    recorder = Recorder(cameras, config, store)

    deleted = recorder.sweep(NOW)

    assert deleted == [a40, b6, b3, a10, a5]  # retention (per camera, oldest first), then the quota, oldest first
    kept = [s.path for cam in ("cam-a", "cam-b") for s in recorder.index.segments(cam, EPOCH, FAR)]
    assert kept == [a1, b1]
    assert all(not Path(p).exists() for p in deleted) and all(Path(p).exists() for p in kept)
    assert recorder.index.total_bytes() == 20 * kb <= config.quota_gb * GB
    assert recorder.sweep(NOW) == []
    # Empty day folders go with their last file.
    assert not Path(a40).parent.exists()


def test_start_up_check_drops_rows_of_a_day_folder_deleted_by_hand(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "recordings"
    kept = _recorded(store, root, "cam-a", 1, 1000)
    gone = [_recorded(store, root, "cam-a", 3, 1000), _recorded(store, root, "cam-a", 3.01, 1000)]
    for path in gone:
        Path(path).unlink()
    Path(gone[0]).parent.rmdir()  # someone removed the whole day
    recorder = Recorder([CameraConfig(id="cam-a", url="rtsp://127.0.0.1:1/a", record="continuous")],
                        RecordingConfig(path=str(root)), store)
    report = recorder.reconcile()
    assert sorted(report.dropped_rows) == sorted(gone) and report.salvaged == report.reindexed == []
    assert [s.path for s in recorder.index.segments("cam-a", EPOCH, FAR)] == [kept]
