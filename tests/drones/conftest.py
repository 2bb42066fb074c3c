"""Fixtures of the drone tests that fly: a SimVehicle behind a real MAVLink link feeding a DroneFleet the way the
runtime does, and a real RTSP server standing in for a drone's video downlink."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from commandcenter.config import DroneConfig
from commandcenter.drones.fleet import DroneFleet, LinkCommander
from commandcenter.simulator.mav_vehicle import SimVehicle
from commandcenter.video.testserver import ClipSpec, RtspTestServer, make_clip
from devices.mavlink import MavlinkLink

FLY_HOME = (32.0603, 118.7969)


class FlyingHarness:
    """Sim + link on a worker thread + a 50 ms batch pump into the fleet, as the runtime's DeviceManager does."""

    def __init__(self, drone_id: str = "uav-1", home: tuple[float, float] = FLY_HOME) -> None:
        self.drone_id = drone_id
        self.sim = SimVehicle(1, *home, listen="tcp:127.0.0.1:0", time_scale=4.0, mission_retry_s=0.1).start()
        self.link = MavlinkLink(drone_id, self.sim.url, command_timeout=0.5)
        self.buffer: list[Any] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.link.serve, args=(self._sink, self.stop), daemon=True)
        self.thread.start()
        self.fleet = DroneFleet([DroneConfig(drone_id, "巡查1号", self.sim.url)])
        self.timer = QTimer()
        self.timer.timeout.connect(self.pump)
        self.timer.start(50)
        self.commander = LinkCommander.for_fleet(self.fleet, {drone_id: self.link})

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
        self.sim.stop()


@pytest.fixture
def flying(qtbot: Any) -> Iterator[FlyingHarness]:
    """A vehicle on the ground at FLY_HOME with position, home and a 3D fix already in the fleet."""
    h = FlyingHarness()
    qtbot.waitUntil(lambda: (s := h.fleet.state("uav-1")) is not None and s.lat is not None and s.gps_fix == 3
                    and s.home_lat is not None, timeout=5000)
    yield h
    h.close()


@pytest.fixture(scope="session")
def downlink() -> Iterator[RtspTestServer]:
    """A drone video downlink: one small clip over real RTSP on loopback (``downlink.url(1)``)."""
    clip = make_clip(ClipSpec(label="巡查1号 机载", width=320, height=180, seconds=4.0, gop=10, variant=7,
                              timecode=False))
    server = RtspTestServer([clip])
    server.start()
    yield server
    server.stop()
