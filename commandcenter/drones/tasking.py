"""派无人机: send a drone from a case to the case location, put its video on the wall, attach a snapshot.

The dispatcher picks a drone on a case; :meth:`DroneTasking.send_to_case` then does what a pilot would do by
hand, in order: check the flight is allowed (no-fly zones, battery, link), switch to GUIDED, arm and take off
when the drone is on the ground, fly a guided go-to at a safe altitude above the rooftops, pop the drone's video
on the wall with the case code, and once the drone is over the scene (within ``arrive_radius`` metres) save a
snapshot of its video and file it as evidence of the case with the drone's position and the time.

Everything after the cheap validation runs on the tasking's own worker threads: the GUI thread only gets a
Future and Qt signals. Refusals never raise: the Future resolves to a :class:`TaskResult` whose ``reason`` says
why, in words a dispatcher can act on. Wall changes are marshalled back to the GUI thread (the WallModel is a
GUI-thread object), by a queued signal to this QObject, which must therefore be created on the GUI thread.

Drone state is read from :class:`~commandcenter.drones.fleet.DroneFleet` from worker threads: the fleet replaces
each drone's :class:`VehicleState` object as a whole on every update, so a reader always sees a consistent one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from commandcenter.drones.fleet import CommandResult, DroneFleet, VehicleState
from commandcenter.drones.guarded import AuthorizedCommander, DroneCommands
from commandcenter.drones.missions import (
    CMD_WAYPOINT,
    DEFAULT_NO_FLY_ZONES,
    Mission,
    MissionItem,
    NoFlyZone,
    distance_m,
    mission_problems,
)
from commandcenter.runtime.tasks import TaskManager

__all__ = ["DroneTasking", "TaskResult", "drone_camera"]


@dataclass(frozen=True)
class TaskResult:
    """How a 派无人机 task ended. ``ok`` with an empty ``snapshot_path`` means the drone arrived but had no video."""

    ok: bool
    drone_id: str
    case_id: int
    reason: str = ""
    steps: tuple[str, ...] = ()
    snapshot_path: str = ""
    snapshot_sha256: str = ""
    evidence_id: int | None = None
    lat: float | None = None  # where the drone was when the snapshot was taken (or when the task ended)
    lon: float | None = None
    alt: float | None = None
    captured_at: datetime | None = None


def drone_camera(video: Any, drone_id: str) -> str | None:
    """The wall camera id of a drone's video downlink: ``<id>-video`` (the runtime's naming), else ``<id>``
    (:func:`commandcenter.video.service.cameras_from_drones`); None when the drone has no video camera."""
    if video is None:
        return None
    cameras = getattr(video, "cameras", {})
    for candidate in (f"{drone_id}-video", drone_id):
        if candidate in cameras:
            return candidate
    return None


@dataclass
class _Task:
    drone_id: str
    case_id: int
    case_code: str
    lat: float
    lon: float
    actor: str
    commander: AuthorizedCommander
    steps: list[str] = field(default_factory=list)


class DroneTasking(QObject):
    """Sends drones to case locations. ``evidence`` is an EvidenceStore (``submit_add``); ``video`` a VideoService;
    ``wall`` a WallModel. Each is optional: without it, that part of the task is skipped and said so in the steps.
    """

    progress = Signal(str, int, str)  # drone id, case id, step text (from worker threads: connect queued)
    finished = Signal(object)  # TaskResult
    _wall_request = Signal(str, str)  # camera id, alarm text — queued to the GUI thread

    # What a task may send: all checked for the dispatcher before the drone is marked busy.
    STEPS = ("set_mode", "arm", "takeoff", "goto")

    def __init__(self, fleet: DroneFleet, commands: DroneCommands, *, tasks: TaskManager,
                 video: Any = None, wall: Any = None,
                 evidence: Any = None, safe_alt: float = 60.0, arrive_radius: float = 30.0,
                 min_battery_pct: float = 30.0, max_distance_m: float = 8000.0,
                 no_fly: Iterable[NoFlyZone] | None = None, command_timeout: float = 15.0,
                 takeoff_timeout: float = 90.0, arrival_timeout: float | None = None,
                 snapshot_timeout: float = 30.0, poll_s: float = 0.1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fleet = fleet
        self.commands = commands
        self.video = video
        self.wall = wall
        self.evidence = evidence
        self.safe_alt = safe_alt
        self.arrive_radius = arrive_radius
        self.min_battery_pct = min_battery_pct
        self.max_distance_m = max_distance_m
        # the commander's zones when it has some: the same airport must be refused here and on upload
        self.no_fly = tuple(no_fly if no_fly is not None else commands.no_fly or DEFAULT_NO_FLY_ZONES)
        self.command_timeout = command_timeout
        self.takeoff_timeout = takeoff_timeout
        self.arrival_timeout = arrival_timeout
        self.snapshot_timeout = snapshot_timeout
        self.poll_s = poll_s
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._flights = tasks.lane("drone-task", 4)  # a flight waits for minutes: its own workers
        self._wall_request.connect(self._raise_on_wall, Qt.ConnectionType.QueuedConnection)

    def shutdown(self) -> None:
        """Abandon running tasks (application exit): waits end at their next poll, the drones keep flying."""
        self._stop.set()
        self._flights.cancel_pending()

    def busy(self, drone_id: str) -> bool:
        with self._lock:
            return drone_id in self._busy

    # -- validation -----------------------------------------------------------------------------------------------

    def check(self, drone_id: str, lat: float, lon: float) -> str:
        """Why ``drone_id`` may not fly to (lat, lon) now; "" when it may. Cheap: safe on the GUI thread."""
        if drone_id not in self.fleet.ids():
            return f"unknown drone {drone_id}"
        name = self.fleet.name(drone_id)
        if self.busy(drone_id):
            return f"{name} is already on a task"
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or (lat == 0.0 and lon == 0.0):
            return f"the case has no valid location ({lat}, {lon})"
        link = self.fleet.link(drone_id)
        if link != "ok":
            return f"{name}: link {link}"
        state = self.fleet.state(drone_id)
        if state is None or state.lat is None or state.lon is None:
            return f"{name} has no position yet"
        if state.battery_pct is not None and state.battery_pct < self.min_battery_pct:
            return f"{name}: battery {state.battery_pct:.0f}% is below the {self.min_battery_pct:.0f}% needed"
        if state.gps_fix < 3:
            return f"{name}: no 3D GPS fix"
        distance = distance_m((state.lat, state.lon), (lat, lon))
        if distance > self.max_distance_m:
            return f"the case is {distance / 1000:.1f} km from {name}, beyond {self.max_distance_m / 1000:.1f} km"
        leg = Mission([MissionItem(CMD_WAYPOINT, lat, lon, self.safe_alt)])
        problems = mission_problems(leg, None, self.no_fly, (state.lat, state.lon))
        if problems:
            return "; ".join(problems[:2]).replace("waypoint 1", "the case location").replace("home", name)
        return ""

    # -- the task -------------------------------------------------------------------------------------------------

    def send_to_case(self, drone_id: str, case_id: int, case_code: str, lat: float, lon: float,
                     actor: str) -> Future[TaskResult]:
        """Fly ``drone_id`` to the case and document it; the Future resolves when the task ended (or was refused).

        Every command of the flight is sent as ``actor`` (checked and recorded like the pilot screen's); one the
        actor may not send raises PermissionDenied (audited) before anything leaves.
        """
        commander = self.commands.for_actor(actor)
        commander.require(*self.STEPS)
        reason = self.check(drone_id, lat, lon)
        if reason:
            result = TaskResult(False, drone_id, case_id, reason=reason)
            self.finished.emit(result)
            done: Future[TaskResult] = Future()
            done.set_result(result)
            return done
        with self._lock:
            self._busy.add(drone_id)
        task = _Task(drone_id, case_id, case_code, lat, lon, actor, commander)
        return self._flights.run(lambda: self._run(task))

    def _run(self, task: _Task) -> TaskResult:
        try:
            result = self._fly(task)
        except Exception as exc:  # a broken link or store must end the task with a reason, not a traceback
            result = self._end(task, False, f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._busy.discard(task.drone_id)
        self.finished.emit(result)
        return result

    def _step(self, task: _Task, text: str) -> None:
        task.steps.append(text)
        self.progress.emit(task.drone_id, task.case_id, text)

    def _end(self, task: _Task, ok: bool, reason: str = "", **values: Any) -> TaskResult:
        state = self.fleet.state(task.drone_id)
        values.setdefault("lat", state.lat if state else None)
        values.setdefault("lon", state.lon if state else None)
        values.setdefault("alt", state.alt_rel if state else None)
        if reason:
            self._step(task, reason)
        return TaskResult(ok, task.drone_id, task.case_id, reason=reason, steps=tuple(task.steps), **values)

    def _command(self, task: _Task, label: str, future: Future[CommandResult]) -> CommandResult:
        result = future.result(timeout=self.command_timeout)
        self._step(task, f"{label}: {'accepted' if result.ok else result.describe()}")
        return result

    def _wait(self, predicate: Callable[[VehicleState], bool], drone_id: str, timeout: float) -> bool:
        """Poll the fleet's state until ``predicate`` holds (True) or the deadline/shutdown (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stop.is_set():
            state = self.fleet.state(drone_id)
            if state is not None and predicate(state):
                return True
            self._stop.wait(self.poll_s)
        return False

    def _fly(self, task: _Task) -> TaskResult:
        drone_id, commander = task.drone_id, task.commander
        name = self.fleet.name(drone_id)
        state = self.fleet.state(drone_id)
        assert state is not None and state.lat is not None and state.lon is not None  # checked before submitting
        self._step(task, f"{name} → {task.case_code} ({task.lat:.6f}, {task.lon:.6f}) at {self.safe_alt:.0f} m")
        airborne = state.armed and (state.alt_rel or 0.0) > 2.0
        if not airborne:
            for label, future in (("GUIDED", lambda: commander.set_mode(drone_id, "GUIDED")),
                                  ("arm", lambda: commander.arm(drone_id)),
                                  ("take off", lambda: commander.takeoff(drone_id, self.safe_alt))):
                result = self._command(task, label, future())
                if not result.ok:
                    return self._end(task, False, f"{label} refused by {name}: {result.describe()}")
            # a go-to during the first metres of a climb is refused by ArduCopter: wait until clear of the ground
            climbed = min(self.safe_alt * 0.8, self.safe_alt - 2.0)
            if not self._wait(lambda s: (s.alt_rel or 0.0) >= climbed, drone_id, self.takeoff_timeout):
                return self._end(task, False, f"{name} did not climb to {climbed:.0f} m "
                                              f"within {self.takeoff_timeout:.0f} s")
        result = self._command(task, "go to", commander.goto(drone_id, task.lat, task.lon, self.safe_alt))
        if not result.ok:
            return self._end(task, False, f"go-to refused by {name}: {result.describe()}")
        camera = drone_camera(self.video, drone_id)
        if camera is not None and self.wall is not None:
            self._wall_request.emit(camera, f"派无人机 {task.case_code}")
            self._step(task, f"video {camera} on the wall")
        distance = distance_m((state.lat, state.lon), (task.lat, task.lon))
        timeout = self.arrival_timeout if self.arrival_timeout is not None else 60.0 + distance / 2.0
        if not self._wait(lambda s: s.lat is not None and s.lon is not None
                          and distance_m((s.lat, s.lon), (task.lat, task.lon)) <= self.arrive_radius,
                          drone_id, timeout):
            return self._end(task, False, f"{name} did not reach the case within {timeout:.0f} s")
        self._step(task, f"{name} over {task.case_code}")
        if camera is None or self.video is None:
            return self._end(task, True, f"{name} has no video camera: no snapshot taken")
        return self._snapshot(task, camera)

    def _snapshot(self, task: _Task, camera: str) -> TaskResult:
        """Save a frame of the drone's video and file it on the case with where and when it was taken."""
        state = self.fleet.state(task.drone_id)
        lat, lon, alt = (state.lat, state.lon, state.alt_rel) if state else (None, None, None)
        heading = state.heading if state and state.heading is not None else None
        finished = threading.Event()
        outcome: list[tuple[Any, str]] = []

        def done(shot: Any, reason: str) -> None:
            outcome.append((shot, reason))
            finished.set()

        self.video.snapshot(camera, done)
        if not finished.wait(self.snapshot_timeout):
            return self._end(task, False, f"no snapshot from {camera} within {self.snapshot_timeout:.0f} s",
                             lat=lat, lon=lon, alt=alt)
        shot, reason = outcome[0]
        if shot is None:
            return self._end(task, False, f"snapshot of {camera} failed: {reason}", lat=lat, lon=lon, alt=alt)
        captured = datetime.fromtimestamp(shot.time, UTC)
        self._step(task, f"snapshot {Path(shot.path).name}")
        values: dict[str, Any] = {"snapshot_path": str(shot.path), "snapshot_sha256": shot.sha256, "lat": lat,
                                  "lon": lon, "alt": alt, "captured_at": captured}
        if self.evidence is None:
            return self._end(task, True, "no evidence store: snapshot not attached to the case", **values)
        where = f"{lat:.6f}, {lon:.6f}" if lat is not None and lon is not None else "?"
        note = f"派无人机 {task.case_code}: {self.fleet.name(task.drone_id)} 航拍, 位置 {where}"
        if alt is not None:
            note += f", 高度 {alt:.0f} m"
        if heading is not None:
            note += f", 航向 {heading:.0f}°"
        info = self.evidence.submit_add(
            task.case_id, Path(shot.path), actor=task.actor,
            name=f"{task.drone_id}-{task.case_code}-{captured:%Y%m%dT%H%M%SZ}.png", mime="image/png",
            captured_at=captured, device=task.drone_id, lat=lat, lon=lon, note=note,
        ).result(timeout=self.snapshot_timeout)
        evidence_id = getattr(info, "id", None)
        self._step(task, f"evidence {evidence_id} attached to {task.case_code}")
        return self._end(task, True, evidence_id=evidence_id, **values)

    def _raise_on_wall(self, camera: str, text: str) -> None:
        """GUI thread: pop the drone's video into the wall's alarm cell with the case code."""
        if self.wall is not None:
            self.wall.raise_alarm(camera, text)
