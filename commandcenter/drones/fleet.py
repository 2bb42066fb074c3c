"""The drone fleet core service: latest state per drone, link health, messages, and the command routing contract.

:class:`DroneFleet` lives on the GUI thread and is fed by the runtime with the batches the DeviceManager emits
(``fleet.apply(events)``; other devices' events are ignored) and folds the link's typed events into one
:class:`~commandcenter.drones.state.VehicleState` per drone. It coalesces change notifications to at most
``max_hz`` per second so that ten vehicles streaming at 50 Hz cost the views twenty repaints a second, not five
hundred. It also owns the mapping between configured drone ids and (link id, MAVLink system id) pairs.

Drones are units like officers and vehicles: given the :class:`~commandcenter.runtime.units.UnitTracker`, the
fleet declares each drone there (kind ``drone``, the drone id as device key) and hands it each position as a
``PositionFix`` (``valid`` only with a 2D/3D GPS fix), so drones pass the same fix chain, appear on the map and
are kept in the position history for replay.

Commands never run on the GUI thread: views talk to a :class:`DroneCommander`, whose methods return
``concurrent.futures.Future`` objects. :class:`LinkCommander` is the implementation over
:class:`devices.mavlink.MavlinkLink` objects, running each command on a small thread pool.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.config import DroneConfig
from commandcenter.drones.missions import (
    DEFAULT_NO_FLY_ZONES,
    MissionPlan,
    MissionRejected,
    NoFlyZone,
    altitude_problems,
    fence_from_wire,
    fence_to_wire,
    mission_from_wire,
    mission_to_wire,
    rally_from_wire,
    rally_to_wire,
    target_problems,
    validate_mission,
)
from commandcenter.drones.state import VehicleState
from commandcenter.runtime.tasks import TaskManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from devices.base import PositionFix
from devices.mavlink import (
    CommandResult,
    DroneEvent,
    DroneLinkEvent,
    DroneMessage,
    DronePosition,
    MavlinkLink,
    mav,
)

__all__ = ["CommandResult", "DroneCommander", "DroneFleet", "LinkCommander", "VehicleState", "download_plan",
           "upload_plan"]  # CommandResult/VehicleState re-exported: widgets never import devices directly

TRAIL_POINTS = 600
LINK_STATES = ("connecting", "ok", "lost", "offline")


class DroneCommander(Protocol):
    """What the pilot screen needs to command drones; every call returns at once with a Future."""

    def arm(self, drone_id: str, force: bool = False) -> Future[CommandResult]: ...
    def disarm(self, drone_id: str, force: bool = False) -> Future[CommandResult]: ...
    def set_mode(self, drone_id: str, name: str) -> Future[CommandResult]: ...
    def takeoff(self, drone_id: str, alt: float) -> Future[CommandResult]: ...
    def land(self, drone_id: str) -> Future[CommandResult]: ...
    def rtl(self, drone_id: str) -> Future[CommandResult]: ...
    def goto(self, drone_id: str, lat: float, lon: float, alt: float) -> Future[CommandResult]: ...
    def change_speed(self, drone_id: str, speed: float) -> Future[CommandResult]: ...
    def pause_mission(self, drone_id: str) -> Future[CommandResult]: ...
    def continue_mission(self, drone_id: str) -> Future[CommandResult]: ...
    def start_mission(self, drone_id: str) -> Future[CommandResult]: ...
    def upload_plan(self, drone_id: str, plan: MissionPlan) -> Future[CommandResult]: ...
    def download_plan(self, drone_id: str) -> Future[tuple[CommandResult, MissionPlan]]: ...
    def mode_names(self, drone_id: str) -> list[str]: ...


@dataclass
class _Drone:
    id: str
    name: str
    device_id: str
    sysid: int  # 0 until bound to the first vehicle seen on its link
    state: VehicleState | None = None
    link: str = "connecting"
    trail: deque[tuple[float, float]] | None = None


class DroneFleet(QObject):
    """Latest state of every drone, fed with adapter event batches on the GUI thread."""

    changed = Signal(list)  # ids of drones whose state changed since the last emission (≤ max_hz per second)
    message = Signal(str, int, str)  # drone id, MAV_SEVERITY, text
    link_changed = Signal(str, str)  # drone id, connecting | ok | lost | offline

    def __init__(self, drones: Iterable[DroneConfig] = (), *, units: UnitTracker | None = None,
                 auto_add: bool = True, max_hz: float = 20.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._units = units
        self._drones: dict[str, _Drone] = {}
        self._bound: dict[tuple[str, int], str] = {}
        self.auto_add = auto_add
        self._interval = 1.0 / max_hz
        self._dirty: set[str] = set()
        self._last_emit = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        for cfg in drones:
            self.add(cfg.id, cfg.name or cfg.id, cfg.id, cfg.sysid)

    # -- registry ------------------------------------------------------------------------------------------------

    def add(self, drone_id: str, name: str, device_id: str, sysid: int = 0) -> None:
        """Declare a drone reached through link ``device_id`` as MAVLink system ``sysid`` (0 = first seen)."""
        self._drones[drone_id] = _Drone(drone_id, name, device_id, sysid, trail=deque(maxlen=TRAIL_POINTS))
        if sysid:
            self._bound[(device_id, sysid)] = drone_id
        if self._units is not None:  # a unit of the map and the history like any other (its id is its key)
            self._units.register([UnitInfo(id=drone_id, kind="drone", name=name)])

    def ids(self) -> list[str]:
        return list(self._drones)

    def name(self, drone_id: str) -> str:
        return self._drones[drone_id].name

    def state(self, drone_id: str) -> VehicleState | None:
        drone = self._drones.get(drone_id)
        return drone.state if drone else None

    def link(self, drone_id: str) -> str:
        drone = self._drones.get(drone_id)
        return drone.link if drone else "offline"

    def trail(self, drone_id: str) -> list[tuple[float, float]]:
        drone = self._drones.get(drone_id)
        return list(drone.trail) if drone and drone.trail is not None else []

    def airborne(self) -> int:
        """How many drones are flying now (armed and off the ground), for the briefing screen."""
        return sum(1 for drone_id in self._drones if self.flying(drone_id))

    def flying(self, drone_id: str) -> bool:
        """Armed, linked and off the ground (a drone's ``record = "airborne"`` records while this holds)."""
        d = self._drones.get(drone_id)
        return (d is not None and d.state is not None and d.state.armed and d.link == "ok"
                and (d.state.landed_state in ("IN_AIR", "TAKEOFF", "LANDING") or (d.state.alt_rel or 0.0) > 0.5))

    def route(self, drone_id: str) -> tuple[str, int] | None:
        """(link id, system id) to command ``drone_id``, or None while its vehicle has not been seen."""
        drone = self._drones.get(drone_id)
        if drone is None or not drone.sysid:
            return None
        return drone.device_id, drone.sysid

    def _resolve(self, device_id: str, sysid: int) -> _Drone | None:
        drone_id = self._bound.get((device_id, sysid))
        if drone_id is not None:
            return self._drones[drone_id]
        for drone in self._drones.values():
            if drone.device_id == device_id and drone.sysid == 0:
                drone.sysid = sysid
                self._bound[(device_id, sysid)] = drone.id
                return drone
        if not self.auto_add:
            return None
        new_id = device_id if device_id not in self._drones else f"{device_id}:{sysid}"
        self.add(new_id, new_id, device_id, sysid)
        return self._drones[new_id]

    # -- feeding -------------------------------------------------------------------------------------------------

    def apply(self, events: list[Any]) -> None:
        """Take one batch of adapter events (any devices); fold drone ones, notify views (coalesced).

        Drone positions continue to the unit tracker's fix chain as one batch, in the order they came.
        """
        fixes: list[PositionFix] = []
        for event in events:
            if not isinstance(event, DroneEvent):
                continue
            if isinstance(event, DroneLinkEvent):
                self._on_link_event(event)
                continue
            drone = self._resolve(event.device_id, event.sysid)
            if drone is None:
                continue
            if isinstance(event, DroneMessage):
                self.message.emit(drone.id, event.severity, event.text)
            state = (drone.state or VehicleState(event.sysid)).apply(event)
            if state is drone.state:
                continue
            drone.state = state
            self._dirty.add(drone.id)
            if isinstance(event, DronePosition):
                if drone.trail is not None and event.valid:
                    point = (event.lat, event.lon)
                    if not drone.trail or drone.trail[-1] != point:
                        drone.trail.append(point)
                fixes.append(self._fix(drone.id, event, state))
            if state.link_ok:
                self._set_link(drone, "ok")
        if fixes and self._units is not None:
            self._units.apply(fixes)
        self._schedule()

    def apply_remote(self, drone_id: str, name: str, sysid: int, link: str, state: VehicleState) -> None:
        """A drone's state as the server's fleet holds it, delivered to a seat by the bus: the seat's views see it
        as if its own link had folded it. Its position reaches the seat's units on their own topic, so no fix
        goes to the tracker here."""
        drone = self._drones.get(drone_id)
        if drone is None:
            self.add(drone_id, name, drone_id, sysid)
            drone = self._drones[drone_id]
        drone.sysid = drone.sysid or sysid
        if state != drone.state:
            drone.state = state
            self._dirty.add(drone_id)
            if drone.trail is not None and state.lat is not None and state.lon is not None:
                point = (state.lat, state.lon)
                if not drone.trail or drone.trail[-1] != point:
                    drone.trail.append(point)
        if link in LINK_STATES:
            self._set_link(drone, link)
        self._schedule()

    @staticmethod
    def _fix(drone_id: str, event: DronePosition, state: VehicleState) -> PositionFix:
        """The drone's position as the position stream carries every unit's (ground speed in km/h)."""
        speed = None if state.groundspeed is None else state.groundspeed * 3.6
        return PositionFix(drone_id, "mavlink", datetime.fromtimestamp(event.time, UTC), event.lat, event.lon,
                           speed, state.heading, event.alt_msl, None,
                           {"alt_rel": event.alt_rel, "sysid": event.sysid, "gps_fix": event.fix_type},
                           valid=event.valid)

    def _on_link_event(self, event: DroneLinkEvent) -> None:
        if event.sysid == 0:
            if event.kind == "disconnected":
                for each in self._drones.values():
                    if each.device_id == event.device_id:
                        if each.state is not None:
                            each.state = each.state.apply(event)
                            self._dirty.add(each.id)
                        self._set_link(each, "offline")
            return
        drone = self._resolve(event.device_id, event.sysid)
        if drone is None:
            return
        if drone.state is not None:
            drone.state = drone.state.apply(event)
            self._dirty.add(drone.id)
        self._set_link(drone, {"lost": "lost", "connected": "ok", "recovered": "ok"}.get(event.kind, drone.link))

    def _set_link(self, drone: _Drone, link: str) -> None:
        if drone.link != link:
            drone.link = link
            self._dirty.add(drone.id)
            self.link_changed.emit(drone.id, link)

    def _schedule(self) -> None:
        if not self._dirty or self._timer.isActive():
            return
        wait = self._last_emit + self._interval - time.monotonic()
        if wait <= 0:
            self._flush()
        else:
            self._timer.start(max(1, int(wait * 1000)))

    def _flush(self) -> None:
        if not self._dirty:
            return
        ids = sorted(self._dirty)
        self._dirty.clear()
        self._last_emit = time.monotonic()
        self.changed.emit(ids)

    # -- report --------------------------------------------------------------------------------------------------

    def report(self) -> list[dict[str, Any]]:
        """The snapshot report's ``"drones"`` section, one dict per drone with exactly the documented keys."""
        now = time.time()
        rows = []
        for drone in self._drones.values():
            s = drone.state
            rows.append({
                "id": drone.id,
                "sysid": drone.sysid,
                "link": drone.link,
                "mode": s.mode if s else None,
                "armed": s.armed if s else None,
                "lat": s.lat if s else None,
                "lon": s.lon if s else None,
                "alt_rel": s.alt_rel if s else None,
                "heading": s.heading if s else None,
                "groundspeed": s.groundspeed if s else None,
                "battery_pct": s.battery_pct if s else None,
                "gps_fix": s.gps_fix if s else None,
                "satellites": s.satellites if s else None,
                "last_heartbeat_age": round(now - s.last_heartbeat, 2) if s and s.last_heartbeat else None,
            })
        return rows


def _done(result: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(result)
    return future


class LinkCommander:
    """:class:`DroneCommander` over MavlinkLink objects; ``resolve(drone_id)`` gives (link, system id).

    Use :meth:`for_fleet` in the runtime: the fleet knows which system id a drone turned out to be.
    """

    def __init__(self, resolve: Callable[[str], tuple[MavlinkLink, int] | None], *, tasks: TaskManager,
                 max_workers: int = 8, no_fly: Iterable[NoFlyZone] = DEFAULT_NO_FLY_ZONES) -> None:
        self._resolve = resolve
        self._pool = tasks.lane("drone-cmd", max_workers)  # a command waits for its ACK: the lane's own workers
        self.no_fly = tuple(no_fly)

    @classmethod
    def for_fleet(cls, fleet: DroneFleet, links: Mapping[str, MavlinkLink], *, tasks: TaskManager,
                  **kwargs: Any) -> LinkCommander:
        def resolve(drone_id: str) -> tuple[MavlinkLink, int] | None:
            route = fleet.route(drone_id)
            if route is None or route[0] not in links:
                return None
            return links[route[0]], route[1]

        return cls(resolve, tasks=tasks, **kwargs)

    def shutdown(self) -> None:
        self._pool.cancel_pending()

    def _run(self, drone_id: str, call: Callable[[MavlinkLink, int], Any],
             fallback: Callable[[CommandResult], Any] = lambda r: r) -> Future[Any]:
        target = self._resolve(drone_id)
        if target is None:
            return _done(fallback(CommandResult(False, "NO_VEHICLE",
                                                f"drone {drone_id} has not been seen on its link")))
        link, sysid = target
        return self._pool.run(lambda: call(link, sysid))

    def arm(self, drone_id: str, force: bool = False) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.arm(s, force))

    def disarm(self, drone_id: str, force: bool = False) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.disarm(s, force))

    def set_mode(self, drone_id: str, name: str) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.set_mode(s, name))

    def takeoff(self, drone_id: str, alt: float) -> Future[CommandResult]:
        problems = altitude_problems(alt)
        if problems:  # refused here, whoever asked: nothing leaves for the vehicle
            return _done(CommandResult(False, "REJECTED", f"takeoff: {'; '.join(problems)}"))
        return self._run(drone_id, lambda link, s: link.takeoff(s, alt))

    def land(self, drone_id: str) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.land(s))

    def rtl(self, drone_id: str) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.rtl(s))

    def goto(self, drone_id: str, lat: float, lon: float, alt: float) -> Future[CommandResult]:
        problems = target_problems(lat, lon, alt)
        if problems:
            return _done(CommandResult(False, "REJECTED", f"goto: {'; '.join(problems)}"))
        return self._run(drone_id, lambda link, s: link.goto(s, lat, lon, alt))

    def change_speed(self, drone_id: str, speed: float) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.change_speed(s, speed))

    def pause_mission(self, drone_id: str) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.pause_mission(s))

    def continue_mission(self, drone_id: str) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.continue_mission(s))

    def start_mission(self, drone_id: str) -> Future[CommandResult]:
        return self._run(drone_id, lambda link, s: link.start_mission(s))

    def mode_names(self, drone_id: str) -> list[str]:
        target = self._resolve(drone_id)
        if target is None:
            return ["STABILIZE", "GUIDED", "LOITER", "AUTO", "RTL", "LAND"]
        return target[0].mode_names(target[1])

    def upload_plan(self, drone_id: str, plan: MissionPlan) -> Future[CommandResult]:
        """Validate against the plan's fence and the no-fly zones first; refused plans never reach the link."""
        target = self._resolve(drone_id)
        home = None
        if target is not None:
            vehicle = target[0].vehicle(target[1])
            if vehicle is not None and vehicle.home is not None:
                home = (vehicle.home[0], vehicle.home[1])
        if plan.mission.items:
            try:
                validate_mission(plan.mission, plan.fence, self.no_fly, home)
            except MissionRejected as exc:
                return _done(CommandResult(False, "REJECTED", str(exc)))
        return self._run(drone_id, lambda link, s: upload_plan(link, s, plan))

    def download_plan(self, drone_id: str) -> Future[tuple[CommandResult, MissionPlan]]:
        return self._run(drone_id, download_plan, fallback=lambda r: (r, MissionPlan()))


def upload_plan(link: MavlinkLink, sysid: int, plan: MissionPlan, *, mission: bool = True, fence: bool = True,
                rally: bool = True) -> CommandResult:
    """Upload the selected parts of a plan (fence first so the mission is never active without it)."""
    vehicle = link.vehicle(sysid)
    ardupilot = vehicle is None or vehicle.firmware == "ardupilot"
    home = vehicle.home if vehicle is not None else None
    steps: list[tuple[str, list[Any], int]] = []
    if fence:
        steps.append(("fence", fence_to_wire(plan.fence), mav.MAV_MISSION_TYPE_FENCE))
    if rally:
        steps.append(("rally", rally_to_wire(plan.rally), mav.MAV_MISSION_TYPE_RALLY))
    if mission:
        steps.append(("mission", mission_to_wire(plan.mission, home or plan.home, ardupilot),
                      mav.MAV_MISSION_TYPE_MISSION))
    done = []
    for name, items, mission_type in steps:
        result = link.upload_items(sysid, items, mission_type)
        if not result.ok:
            return CommandResult(False, result.result_name, f"{name} upload: {result.text}")
        done.append(f"{name} {len(items)}")
    return CommandResult(True, "MAV_MISSION_ACCEPTED", ", ".join(done))


def download_plan(link: MavlinkLink, sysid: int) -> tuple[CommandResult, MissionPlan]:
    """Download mission, fence and rally points into one plan (what the vehicle will actually fly)."""
    vehicle = link.vehicle(sysid)
    ardupilot = vehicle is None or vehicle.firmware == "ardupilot"
    result, items = link.download_items(sysid, mav.MAV_MISSION_TYPE_MISSION)
    if not result.ok:
        return CommandResult(False, result.result_name, f"mission download: {result.text}"), MissionPlan()
    mission, home = mission_from_wire(items, ardupilot)
    plan = MissionPlan(mission=mission, home=home)
    for name, mission_type in (("fence", mav.MAV_MISSION_TYPE_FENCE), ("rally", mav.MAV_MISSION_TYPE_RALLY)):
        result, items = link.download_items(sysid, mission_type)
        if not result.ok:
            return CommandResult(False, result.result_name, f"{name} download: {result.text}"), plan
        if name == "fence":
            plan.fence = fence_from_wire(items)
        else:
            plan.rally = rally_from_wire(items)
    summary = f"mission {len(plan.mission.items)}, fence {len(plan.fence.polygons) + len(plan.fence.circles)}" \
              f" zones, rally {len(plan.rally)}"
    return CommandResult(True, "MAV_MISSION_ACCEPTED", summary), plan
