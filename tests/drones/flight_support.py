"""A flying vehicle for the drone tests: a SimVehicle behind a real MAVLink link, feeding a DroneFleet the way the
runtime does (link on a worker thread, 50 ms batches into the fleet on the GUI thread)."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QTimer

from commandcenter.config import DroneConfig
from commandcenter.drones.fleet import DroneFleet, LinkCommander
from commandcenter.runtime.tasks import TaskManager
from commandcenter.simulator.mav_vehicle import SimVehicle
from devices.mavlink import MavlinkLink

FLY_HOME = (32.0603, 118.7969)


class FlyingHarness:
    """Sim + link on a worker thread + a 50 ms batch pump into the fleet, as the runtime's DeviceManager does."""

    def __init__(self, drone_id: str = "uav-1", home: tuple[float, float] = FLY_HOME, *, sysid: int = 1,
                 name: str = "巡查1号", time_scale: float = 4.0) -> None:
        self.drone_id = drone_id
        self.sim = SimVehicle(sysid, *home, listen="tcp:127.0.0.1:0", time_scale=time_scale,
                              mission_retry_s=0.1).start()
        self.link = MavlinkLink(drone_id, self.sim.url, command_timeout=0.5)
        self.buffer: list[Any] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.link.serve, args=(self._sink, self.stop), daemon=True)
        self.thread.start()
        self.fleet = DroneFleet([DroneConfig(drone_id, name, self.sim.url)])
        self.timer = QTimer()
        self.timer.timeout.connect(self.pump)
        self.timer.start(50)
        self.tasks = TaskManager(name=f"flight-{drone_id}")  # the application's one way to run work
        self.commander = LinkCommander.for_fleet(self.fleet, {drone_id: self.link}, tasks=self.tasks)

    def _sink(self, event: Any) -> None:
        with self.lock:
            self.buffer.append(event)

    def pump(self) -> None:
        with self.lock:
            batch, self.buffer = self.buffer, []
        self.fleet.apply(batch)

    def close(self) -> None:
        self.timer.stop()
        self.commander.shutdown()
        self.stop.set()
        self.thread.join(timeout=5)
        self.tasks.stop()
        self.sim.stop()
