"""The recorder: every recording camera's thread, the index writes, retention, the disk guard, the health section.

It runs where the cameras are heard: on the server, or in the one process of the embedded default (seats never
record). Start-up first makes the directory and the index agree (:meth:`Recorder.reconcile`): a segment a crash
left under its temporary name is salvaged up to its last complete fragment, a whole file without an index row
is indexed from itself, a row whose file is gone is dropped. Then a housekeeping thread keeps the store within
its limits: segments older than their camera's ``retention_days`` are deleted, and while the store is over
``quota_gb`` the oldest segments of all cameras go first. Free space below ``min_free_gb`` stops every camera with
an alarm, before the disk (and the database on it) is full; recording resumes by itself when space returns.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from commandcenter import paths
from commandcenter.config import CameraConfig, RecordingConfig
from commandcenter.recording.camera import CameraRecorder
from commandcenter.recording.index import (
    RecordingIndex,
    Segment,
    add_segment,
    delete_paths,
    delete_segments,
)
from commandcenter.recording.segments import (
    PART_SUFFIX,
    SALVAGE_SUFFIX,
    SegmentError,
    camera_dir_name,
    salvage,
    scan,
    start_from_name,
)
from commandcenter.store import Store

log = logging.getLogger(__name__)

GB = 1 << 30
DISK_CHECK_S = 5.0
RETENTION_EVERY_S = 60.0
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
GAPS_WINDOW = timedelta(hours=24)  # the health report lists the gaps of the last day
RESUME_FACTOR = 1.1  # recording resumes when free space is back above min_free_gb × this
Notify = Callable[[str, str], None]  # severity ("info" | "warning" | "alarm"), text — the events dock


def recording_root(config: RecordingConfig) -> Path:
    return Path(config.path).expanduser() if config.path else paths.data_dir() / "recordings"


@dataclass
class ReconcileReport:
    """What start-up found and repaired (logged, and kept for the health report)."""

    salvaged: list[str] = field(default_factory=list)
    reindexed: list[str] = field(default_factory=list)
    dropped_rows: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class Recorder:
    """All recording cameras of one process. ``start``/``stop`` from the lifecycle; ``alarm`` from camera AI."""

    def __init__(self, cameras: Sequence[CameraConfig], config: RecordingConfig, store: Store, *,
                 notify: Notify | None = None, clock: Callable[[], float] = time.time,
                 drones: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.drones = dict(drones or {})  # camera id of a drone's video downlink → the drone id its rows carry
        self.store = store
        self.root = recording_root(config)
        self.index = RecordingIndex(store.engine)
        self.notify = notify or (lambda _severity, _text: None)
        self.clock = clock
        self.cameras = {c.id: c for c in cameras if c.record != "off"}
        self._dirs = {camera_dir_name(c.id): c.id for c in cameras}
        self.recorders = {cid: CameraRecorder(cam, self.root, config.segment_s, self._index_segment,
                                              disk_ok=self.disk_ok, on_write_error=self._write_failed, clock=clock)
                          for cid, cam in self.cameras.items()}
        self._disk_ok = True
        self.free_bytes: int | None = None
        self.last_reconcile = ReconcileReport()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.started = threading.Event()  # set once the start-up check is over and the cameras run
        self._housekeeper: threading.Thread | None = None

    # ---------------------------------------------------------------------------------------------- life
    def start(self) -> None:
        """Start housekeeping, which first makes the index and the directory agree, then starts the cameras: the
        start-up check walks every day folder kept, which must not hold up the caller (the GUI thread in the
        embedded default), and must be over before a camera writes a new temporary file."""
        if self.recorders:  # nothing records: no directory made (recordings kept from before are still swept)
            self.root.mkdir(parents=True, exist_ok=True)
        self._stop.clear()
        self.started.clear()
        self._housekeeper = threading.Thread(target=self._housekeeping, name="recording housekeeping", daemon=True)
        self._housekeeper.start()

    def stop(self) -> None:
        """Close every open segment (indexed) and stop housekeeping."""
        with self._lock:  # no camera starts after this
            self._stop.set()
        for recorder in self.recorders.values():
            recorder.stop()
        if self._housekeeper is not None:
            self._housekeeper.join(30.0)
            self._housekeeper = None

    def alarm(self, camera_id: str, _text: str = "") -> None:
        """A camera alarm (AI event, sensor): alarm-mode cameras record it with pre- and post-roll."""
        recorder = self.recorders.get(camera_id)
        if recorder is not None:
            recorder.alarm()

    # ---------------------------------------------------------------------------------------------- index
    def _index_segment(self, camera_id: str, segment: Segment) -> None:
        """Runs on the camera's thread: the file is already renamed; a failed write is repaired at restart."""
        try:
            self.store.write(add_segment(camera_id, segment, self.drones.get(camera_id, "")))
        except Exception as exc:
            log.warning("recording %s: indexing %s failed (%s); it is indexed again at the next start",
                        camera_id, segment.path, exc)

    def _write_failed(self, camera_id: str, error: str) -> None:
        self.check_disk()
        self.notify("alarm", f"摄像机 {camera_id} 录像写入失败：{error}")

    def reconcile(self) -> ReconcileReport:
        """Make the directory and the index agree (see the module docstring). Runs before the cameras start.

        Folder by folder (``<camera>/<day>``), comparing it with the index rows of that camera starting that
        day, so the check costs the same memory with 30 days of 32 cameras as with one hour of one.
        """
        report = ReconcileReport()
        if not self.root.is_dir():
            return report
        seen_days: set[tuple[str, date]] = set()
        for camera_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for day_dir in sorted(p for p in camera_dir.iterdir() if p.is_dir()):
                try:
                    day = date.fromisoformat(day_dir.name)
                except ValueError:
                    continue
                camera_id = self._camera_of_dir(day_dir)
                seen_days.add((camera_id, day))
                self._reconcile_day(camera_id, day, day_dir, report)
        for camera in self.index.summary():  # rows whose whole day folder is gone
            if camera.oldest is None or camera.newest is None:
                continue
            day = camera.oldest.date()
            while day <= camera.newest.date():
                if (camera.camera_id, day) not in seen_days:
                    day_dir = self.root / camera_dir_name(camera.camera_id) / day.isoformat()
                    self._reconcile_day(camera.camera_id, day, day_dir, report)
                day += timedelta(days=1)
        if report.salvaged or report.reindexed or report.dropped_rows or report.removed:
            log.info("recording: start-up check of %s: %d salvaged, %d re-indexed, %d index rows without a file "
                     "dropped, %d unusable files removed", self.root, len(report.salvaged), len(report.reindexed),
                     len(report.dropped_rows), len(report.removed))
        return report

    def _reconcile_day(self, camera_id: str, day: date, day_dir: Path, report: ReconcileReport) -> None:
        day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        indexed = {p for p in self.index.paths_starting(camera_id, day_start, day_start + timedelta(days=1))
                   if Path(p).parent == day_dir}
        files = sorted(p for p in day_dir.iterdir() if p.is_file()) if day_dir.is_dir() else []
        for path in files:
            name = path.name
            if name.endswith(SALVAGE_SUFFIX):
                path.unlink(missing_ok=True)
                report.removed.append(str(path))
            elif name.endswith(".mp4" + PART_SUFFIX):
                segment = salvage(path, camera_id)
                if segment is None:
                    report.removed.append(str(path))
                elif segment.path not in indexed:
                    self.store.write(add_segment(camera_id, segment, self.drones.get(camera_id, "")))
                    indexed.add(segment.path)
                    report.salvaged.append(segment.path)
            elif name.endswith(".mp4") and str(path) not in indexed:
                segment = self._segment_of(path)
                if segment is not None:
                    self.store.write(add_segment(camera_id, segment, self.drones.get(camera_id, "")))
                    indexed.add(segment.path)
                    report.reindexed.append(segment.path)
        gone = sorted(p for p in indexed if not Path(p).exists())
        if gone:
            self.store.write(delete_paths(gone))
            report.dropped_rows.extend(gone)

    def _camera_of_dir(self, day_dir: Path) -> str:
        """The camera of a day folder: its folder's name for a configured camera, else a file's own metadata."""
        name = day_dir.parent.name
        known = self._dirs.get(name)
        if known is not None:
            return known
        for path in sorted(day_dir.glob("*.mp4*")):
            try:
                camera_id = scan(path).camera_id
            except SegmentError:
                continue
            if camera_id:
                return camera_id
        return name

    def _segment_of(self, path: Path) -> Segment | None:
        start = start_from_name(path)
        if start is None:
            return None
        try:
            scanned = scan(path)
        except SegmentError as exc:
            log.warning("recording: %s", exc)
            return None
        if scanned.packets == 0:
            return None
        return Segment(str(path), start, start + timedelta(seconds=scanned.duration_s), path.stat().st_size)

    # ---------------------------------------------------------------------------------------------- limits
    def disk_ok(self) -> bool:
        return self._disk_ok

    def check_disk(self) -> bool:
        """Free space against ``min_free_gb``: below it every camera stops (alarm); above it × 1.1, resumes."""
        if not self.root.is_dir():
            return self._disk_ok
        try:
            free = shutil.disk_usage(self.root).free
        except OSError as exc:
            log.warning("recording: cannot read free space of %s: %s", self.root, exc)
            return self._disk_ok
        self.free_bytes = free
        reserve = self.config.min_free_gb * GB
        if self._disk_ok and free < reserve:
            self._disk_ok = False
            self.notify("alarm", f"录像已停止：{self.root} 所在磁盘仅剩 {free / GB:.1f} GB，低于保留空间 "
                                 f"{self.config.min_free_gb:g} GB（min_free_gb）。请清理磁盘或降低 quota_gb")
        elif not self._disk_ok and free >= reserve * RESUME_FACTOR:
            self._disk_ok = True
            self.notify("info", f"录像已恢复：磁盘剩余 {free / GB:.1f} GB")
        return self._disk_ok

    def sweep(self, now: datetime | None = None) -> list[str]:
        """Delete what retention and the quota no longer allow, oldest first; returns the deleted paths."""
        now = now or datetime.fromtimestamp(self.clock(), UTC)
        deleted: list[str] = []
        for camera in self.index.summary():
            configured = self.cameras.get(camera.camera_id)
            days = (configured.retention_days if configured is not None and configured.retention_days is not None
                    else self.config.retention_days)
            cutoff = now - timedelta(days=days)
            while batch := self.index.oldest(200, camera.camera_id, before=cutoff):
                deleted += self._delete(batch)
        quota = int(self.config.quota_gb * GB)
        if quota > 0:
            total = self.index.total_bytes()
            while total > quota and (batch := self.index.oldest(50)):
                for _row, segment in batch:
                    if total <= quota:
                        break
                    deleted += self._delete([(_row, segment)])
                    total -= segment.bytes
        return deleted

    def _delete(self, batch: list[tuple[int, Segment]]) -> list[str]:
        """Index rows first (a reader never gets a path to a missing file), then the files."""
        self.store.write(delete_segments([row for row, _ in batch]))
        for _row, segment in batch:
            path = Path(segment.path)
            path.unlink(missing_ok=True)
            for parent in (path.parent, path.parent.parent):  # the day's and the camera's folder, once empty
                if parent != self.root and parent.is_relative_to(self.root):
                    try:
                        parent.rmdir()
                    except OSError:
                        break
        return [segment.path for _, segment in batch]

    def _housekeeping(self) -> None:
        try:
            self.last_reconcile = self.reconcile()
        except Exception:
            log.exception("recording: start-up check of %s failed", self.root)
        self.check_disk()
        self._sweep_logged()
        with self._lock:
            if self._stop.is_set():
                return
            for recorder in self.recorders.values():
                recorder.start()
            self.started.set()
        next_sweep = time.monotonic() + RETENTION_EVERY_S
        while not self._stop.wait(DISK_CHECK_S):
            self.check_disk()
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + RETENTION_EVERY_S
                self._sweep_logged()

    def _sweep_logged(self) -> None:
        try:
            deleted = self.sweep()
        except Exception:
            log.exception("recording: retention sweep failed")
            return
        if deleted:
            log.info("recording: retention and quota deleted %d segment(s), the oldest %s", len(deleted), deleted[0])

    # ---------------------------------------------------------------------------------------------- health
    def report(self) -> list[dict[str, Any]]:
        """The health report's ``recording`` section: per camera state, segments, bytes, oldest, newest, gaps."""
        return recording_report(self.index, self.recorders, self.clock(), self.drones)

    def store_report(self) -> dict[str, Any]:
        """The health report's ``recording_store`` section: disk use against the limits, and what the start-up
        check repaired (the operator sees a crash's traces and a disk about to stop recording)."""
        check = self.last_reconcile
        return {
            "path": str(self.root),
            "bytes": self.index.total_bytes(),
            "quota_gb": self.config.quota_gb,
            "retention_days": self.config.retention_days,
            "free_gb": round(self.free_bytes / GB, 2) if self.free_bytes is not None else None,
            "min_free_gb": self.config.min_free_gb,
            "recording_allowed": self._disk_ok,
            "start_up_check": {"done": self.started.is_set(), "salvaged": len(check.salvaged),
                               "reindexed": len(check.reindexed), "dropped_rows": len(check.dropped_rows),
                               "removed": len(check.removed)},
        }


def recording_report(index: RecordingIndex, recorders: dict[str, CameraRecorder] | None = None,
                     now: float | None = None, drones: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One entry per recording camera and per camera with recordings kept (a seat passes no recorders: it
    reports what the index holds, with the state ``"remote"``)."""
    recorders = recorders or {}
    kept = {c.camera_id: c for c in index.summary()}
    drone_of = {camera: drone for drone, camera in index.drones_recorded(EVER[0], EVER[1]).items()}
    drone_of.update(drones or {})  # downlinks configured here, recorded yet or not
    since = datetime.fromtimestamp(now if now is not None else time.time(), UTC) - GAPS_WINDOW
    out: list[dict[str, Any]] = []
    for camera_id in sorted({*recorders, *kept}):
        recorder = recorders.get(camera_id)
        summary = kept.get(camera_id)
        segments, size = (summary.segments, summary.bytes) if summary else (0, 0)
        oldest = summary.oldest if summary else None
        newest = summary.newest if summary else None
        current = recorder.open_segment() if recorder is not None else None
        if current is not None:  # what is being written counts: a short run (snapshot) has no closed file yet
            segments, size = segments + 1, size + current.bytes
            oldest = min(oldest, current.start) if oldest else current.start
            newest = max(newest, current.end) if newest else current.end
        out.append({
            "camera": camera_id,
            "state": recorder.state if recorder is not None else "remote",
            "mode": recorder.policy.mode if recorder is not None else "",
            "segments": segments,
            "bytes": size,
            "oldest": oldest.isoformat() if oldest else None,
            "newest": newest.isoformat() if newest else None,
            "days_kept": round((newest - oldest).total_seconds() / 86400, 3) if oldest and newest else 0.0,
            "gaps": [[a.isoformat(), b.isoformat()] for a, b in index.gaps(camera_id, since)],
            "error": recorder.error if recorder is not None else "",
            "drone": drone_of.get(camera_id, ""),  # a drone's video downlink: its drone id
        })
    return out
