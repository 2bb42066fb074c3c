"""A flying vehicle for the drone tests: a SimVehicle behind a real MAVLink link, feeding a DroneFleet the way the
runtime does (link on a worker thread, 50 ms batches into the fleet on the GUI thread); given a UnitTracker, the
fleet hands it the drone's positions as the runtime's does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from commandcenter.config import DroneConfig
from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.fleet import DroneFleet, LinkCommander
from commandcenter.drones.guarded import AuditFn, AuthorizeFn, DroneCommands
from commandcenter.runtime.tasks import TaskManager
from commandcenter.runtime.units import UnitTracker
from devices.mavlink import MavlinkLink
from tests.devices.adapter_support import RunningAdapter

FLY_HOME = (32.0603, 118.7969)


class FlyingHarness:
    """Sim + link run by the real DeviceManager, whose 50 ms batches feed the fleet on the GUI thread."""

    def __init__(self, drone_id: str = "uav-1", home: tuple[float, float] = FLY_HOME, *, sysid: int = 1,
                 name: str = "巡查1号", time_scale: float = 4.0, units: UnitTracker | None = None) -> None:
        self.drone_id = drone_id
        self.sim = SimVehicle(sysid, *home, listen="tcp:127.0.0.1:0", time_scale=time_scale,
                              mission_retry_s=0.1).start()
        self.link = MavlinkLink(drone_id, self.sim.url, command_timeout=0.5)
        self.fleet = DroneFleet([DroneConfig(drone_id, name, self.sim.url)], units=units)
        self.running = RunningAdapter(self.link, start=False)
        self.running.manager.events.connect(self.fleet.apply)  # queued to the GUI thread, as in the application
        self.running.start()
        self.tasks = TaskManager(name=f"flight-{drone_id}")  # the application's one way to run work
        self.commander = LinkCommander.for_fleet(self.fleet, {drone_id: self.link}, tasks=self.tasks)
        # every permission granted: tests of what a flight does; test_flight_rights uses the real authorizer
        self.commands = DroneCommands(self.commander, lambda actor, permission: None, lambda actor, permission: True)

    def commands_with(self, authorize: AuthorizeFn, allowed: Callable[[str, str], bool],
                      audit: AuditFn | None = None) -> DroneCommands:
        """The link behind the application's check: the enforcement authorizer and audit chain of a test store."""
        return DroneCommands(self.commander, authorize, allowed, audit)

    def close(self) -> None:
        self.commander.shutdown()
        self.running.close()
        self.tasks.stop()
        self.sim.stop()


# A small patrol area over the test vehicle's home, and a settable clock for the patrol schedules.
AREA = [(32.0600, 118.7962), (32.0600, 118.7976), (32.0609, 118.7976), (32.0609, 118.7962)]


class Clock:
    """A clock the test sets (patrol schedules ask it what time it is)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
