"""VideoService: the one owner of all camera streams, shared between tiles and screens.

Several tiles (a wall cell, the same camera on a second monitor, an alarm pop) often show one camera; decoding
it once per (camera, quality) is what keeps a 16-tile wall within the CPU budget. Tiles ``acquire`` a stream
with a holder id and their box size, and ``release`` it; the stream lives while anyone holds it and decodes at
the largest size any holder asked for.

Quality: ``"sub"`` is for grid tiles — the camera's ``sub_url`` when it has one, else the main URL decoded at
tile size; ``"main"`` is for single/fullscreen view — always the main URL.

State changes come from supervisor threads at any rate; the service collects them and emits
``statusChanged`` from its own (GUI) thread at most every ``coalesce_ms`` (default 100 ms, ≤ 10 Hz), once per
stream that changed. Frames are never signalled: views pull ``latest_frame`` on their own repaint timer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.config import CameraConfig, DroneConfig
from commandcenter.runtime.tasks import TaskManager, TasksStopped
from commandcenter.video.backend import Frame
from commandcenter.video.snapshot import Snapshot, SnapshotHook, save_snapshot, snapshots_dir
from commandcenter.video.stream import StreamStatus, StreamSupervisor

SUB, MAIN = "sub", "main"
IDLE = "idle"  # a camera's device state while no stream of it is open (nobody watches or records it)
DRONE_VIDEO_GROUP = "无人机"  # the group the composition gives drone downlinks (compose.DRONE_CAMERA_GROUP)
_DEVICE_STATE = {"live": "online", "stalled": "stale", "connecting": "connecting", "offline": "offline",
                 "parked": IDLE}  # parked: disconnected because no screen shows it (StreamSupervisor.park_after)
_STATE_RANK = {"live": 0, "stalled": 1, "connecting": 2, "offline": 3, "parked": 4}
StreamKey = tuple[str, str]  # (camera id, quality)


def cameras_from_drones(drones: list[DroneConfig], group: str = "无人机") -> list[CameraConfig]:
    """Drone video feeds as wall cameras (id and name of the drone), so they tile, pop and report like any
    camera. Drones without a ``video`` URL are left out. RTSP feeds use TCP: a lost UDP packet on a radio
    link smears a whole GOP."""
    return [CameraConfig(id=d.id, name=d.name or d.id, url=d.video, group=group, transport="tcp")
            for d in drones if d.video]


class VideoService(QObject):
    """Owns one :class:`StreamSupervisor` per (camera, quality) in use. Construct in the GUI thread."""

    statusChanged = Signal(str, str, object)  # camera id, quality, StreamStatus — coalesced
    snapshotTaken = Signal(str, str, str, float)  # camera id, path, sha256, unix time
    snapshotFailed = Signal(str, str)  # camera id, reason

    def __init__(self, cameras: list[CameraConfig], parent: QObject | None = None, *, tasks: TaskManager,
                 prefer_backend: str = "", coalesce_ms: int = 100, snapshot_dir: str = "",
                 supervisor_options: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        # Snapshots grab (maybe connect to the camera for) a full frame and encode a PNG: two at a time, on the
        # task manager, never on the GUI thread.
        self._snapshots = tasks.lane("snapshot", 2)
        self.cameras = {c.id: c for c in cameras}
        self.prefer_backend = prefer_backend
        self.snapshot_dir = snapshot_dir
        self._options: dict[str, Any] = supervisor_options or {}
        self._supervisors: dict[StreamKey, StreamSupervisor] = {}
        self._holders: dict[StreamKey, dict[object, tuple[int, int]]] = {}
        self._unwatched: set[tuple[StreamKey, object]] = set()  # holders that keep a stream but show nothing
        self._lock = threading.Lock()
        self._dirty: set[StreamKey] = set()
        self.on_snapshot: list[SnapshotHook] = []  # plain callbacks (the case module), called on a worker thread
        self._timer = QTimer(self)
        self._timer.setInterval(coalesce_ms)
        self._timer.timeout.connect(self._flush)
        self._timer.start()

    # -- streams --------------------------------------------------------------------------------------------------
    def url_for(self, camera_id: str, quality: str) -> str:
        camera = self.cameras.get(camera_id)
        if camera is None:
            return ""
        return camera.sub_url if quality == SUB and camera.sub_url else camera.url

    def acquire(self, camera_id: str, quality: str, holder: object, size: tuple[int, int]) -> bool:
        """Start (or join) the stream of a camera for ``holder``; False for an unknown camera id."""
        camera = self.cameras.get(camera_id)
        if camera is None:
            return False
        key = (camera_id, quality)
        with self._lock:
            holders = self._holders.setdefault(key, {})
            holders[holder] = size
            sup = self._supervisors.get(key)
            if sup is None:

                def changed(_sup: StreamSupervisor, k: StreamKey = key) -> None:
                    self._mark(k)

                sup = StreamSupervisor(self.url_for(camera_id, quality), camera.transport, size,
                                       name=f"{camera_id}/{quality}", prefer_backend=self.prefer_backend,
                                       on_change=changed, **self._options)
                self._supervisors[key] = sup
                sup.start()
                self._dirty.add(key)
                return True
        self._apply_size(key)
        return True

    def resize(self, camera_id: str, quality: str, holder: object, size: tuple[int, int]) -> None:
        key = (camera_id, quality)
        with self._lock:
            holders = self._holders.get(key)
            if holders is None or holder not in holders or holders[holder] == size:
                return
            holders[holder] = size
        self._apply_size(key)

    def set_watched(self, camera_id: str, quality: str, holder: object, watched: bool) -> None:
        """Whether ``holder`` shows the pictures (a wall behind another tab does not): a stream no holder
        watches is kept connected and live but not decoded (:meth:`Stream.set_decoding`)."""
        key = (camera_id, quality)
        with self._lock:
            if holder not in self._holders.get(key, {}):
                return
            if watched:
                self._unwatched.discard((key, holder))
            else:
                self._unwatched.add((key, holder))
        self._apply_size(key)

    def release(self, camera_id: str, quality: str, holder: object) -> None:
        """Drop ``holder``'s claim; the last release stops the stream (on its worker thread)."""
        key = (camera_id, quality)
        with self._lock:
            self._unwatched.discard((key, holder))
            holders = self._holders.get(key, {})
            holders.pop(holder, None)
            if holders:
                sup = None
            else:
                self._holders.pop(key, None)
                sup = self._supervisors.pop(key, None)
        if sup is None:
            self._apply_size(key)
            return
        threading.Thread(target=sup.stop, name=f"stop {key}", daemon=True).start()  # never block the caller

    def _apply_size(self, key: StreamKey) -> None:
        with self._lock:
            holders = self._holders.get(key)
            sup = self._supervisors.get(key)
            if not holders or sup is None:
                return
            size = (max(w for w, _ in holders.values()), max(h for _, h in holders.values()))
            decoding = any((key, holder) not in self._unwatched for holder in holders)
        sup.set_size(size)
        sup.set_decoding(decoding)

    def latest_frame(self, camera_id: str, quality: str) -> Frame | None:
        with self._lock:
            sup = self._supervisors.get((camera_id, quality))
        return sup.latest_frame() if sup is not None else None

    def status(self, camera_id: str, quality: str) -> StreamStatus | None:
        with self._lock:
            sup = self._supervisors.get((camera_id, quality))
        return sup.status() if sup is not None else None

    def active_streams(self) -> list[StreamKey]:
        with self._lock:
            return list(self._supervisors)

    def devices_report(self) -> list[dict[str, Any]]:
        """Every camera (drone downlinks included) as a device of the 设备状态 dock, in the shape of the device
        manager's report: its best open stream's state (live → online, stalled → stale, connecting, offline),
        frames as messages, reconnects and the last error. A camera nobody is watching has no stream, so its
        state is unknown: ``idle`` (the status bar leaves it out of 设备在线)."""
        with self._lock:
            sups = dict(self._supervisors)
        out = []
        for camera_id, camera in self.cameras.items():
            statuses = [sup.status() for (cid, _q), sup in sups.items() if cid == camera_id]
            best = min(statuses, key=lambda st: _STATE_RANK.get(st.state, 9), default=None)
            out.append({
                "id": camera_id,
                "name": camera.name or camera_id,
                "kind": "drone_video" if camera.group == DRONE_VIDEO_GROUP else "camera",
                "state": _DEVICE_STATE.get(best.state, "offline") if best is not None else IDLE,
                "messages": sum(st.frames for st in statuses),
                "bad_messages": 0,
                "reconnects": sum(st.reconnects for st in statuses),
                "last_error": best.last_error if best is not None else "",
            })
        return out

    def counts(self) -> tuple[int, int]:
        """(online, open) cameras for the status bar: idle cameras (no stream) count in neither."""
        states = [entry["state"] for entry in self.devices_report()]
        return sum(s == "online" for s in states), sum(s != IDLE for s in states)

    def reconnect_now(self, camera_id: str, quality: str) -> None:
        with self._lock:
            sup = self._supervisors.get((camera_id, quality))
        if sup is not None:
            sup.reconnect_now()

    def shutdown(self) -> None:
        """Stop every stream (at application exit); waits briefly for the workers."""
        self._timer.stop()
        with self._lock:
            sups = list(self._supervisors.values())
            self._supervisors.clear()
            self._holders.clear()
            self._unwatched.clear()
        threads = [threading.Thread(target=s.stop, daemon=True) for s in sups]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=3.0)

    # -- coalesced state --------------------------------------------------------------------------------------------
    def _mark(self, key: StreamKey) -> None:
        with self._lock:
            self._dirty.add(key)

    def _flush(self) -> None:
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            sups = {k: self._supervisors.get(k) for k in dirty}
        for (camera_id, quality), sup in sups.items():
            if sup is not None:
                self.statusChanged.emit(camera_id, quality, sup.status())

    # -- snapshots ------------------------------------------------------------------------------------------------
    def snapshot(self, camera_id: str, done: Callable[[Snapshot | None, str], None] | None = None) -> None:
        """Save a full-resolution PNG of the camera's current picture, on the task manager.

        Result: ``snapshotTaken`` (and every ``on_snapshot`` hook, and ``done(snapshot, "")``) or
        ``snapshotFailed`` (and ``done(None, reason)``).
        """
        try:
            self._snapshots.run(lambda: self._snapshot_worker(camera_id, done))
        except TasksStopped:
            self.snapshotFailed.emit(camera_id, "shutting down")
            if done is not None:
                done(None, "shutting down")

    def _snapshot_worker(self, camera_id: str, done: Callable[[Snapshot | None, str], None] | None) -> None:
        from pathlib import Path

        from commandcenter.video.pyav_backend import grab_one_frame

        with self._lock:
            candidates = [self._supervisors.get((camera_id, q)) for q in (MAIN, SUB)]
        image = None
        for sup in candidates:  # prefer a running main stream: its frames are already full resolution
            if sup is not None and sup.url == self.url_for(camera_id, MAIN):
                image = sup.grab_full_frame()
                if image is not None:
                    break
        camera = self.cameras.get(camera_id)
        if image is None and camera is not None:
            image = grab_one_frame(camera.url, camera.transport)
        if image is None:
            reason = "unknown camera" if camera is None else "no picture from the camera"
            self.snapshotFailed.emit(camera_id, reason)
            if done is not None:
                done(None, reason)
            return
        shot = save_snapshot(camera_id, image, Path(self.snapshot_dir) if self.snapshot_dir else snapshots_dir(),
                             when=time.time())
        for hook in list(self.on_snapshot):
            try:
                hook(camera_id, str(shot.path), shot.sha256, shot.time)
            except Exception:  # one faulty listener must not hide the snapshot from the others
                pass
        self.snapshotTaken.emit(camera_id, str(shot.path), shot.sha256, shot.time)
        if done is not None:
            done(shot, "")
