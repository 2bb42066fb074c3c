"""The simulated multicopter's state: configuration, vehicle state, geometry (local metres ↔ WGS-84).

:class:`VehicleBase` holds what every concern of :class:`~commandcenter.demo.mav_vehicle.SimVehicle` reads and
writes — telemetry (:mod:`.telemetry`), commands (:mod:`.commands`), the mission protocol (:mod:`.mission`) and
the flight model (:mod:`.flight`) are layered on it, and the vehicle itself adds the transport and the loop.
"""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import math
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mav

from devices.mavlink import MissionWireItem

EARTH_M_PER_DEG = 111_320.0
MISSION_PROTOCOL = frozenset({"MISSION_COUNT", "MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ITEM",
                              "MISSION_ITEM_INT", "MISSION_ACK", "MISSION_REQUEST_LIST", "MISSION_CLEAR_ALL"})
DEFAULT_RATES = {"GLOBAL_POSITION_INT": 10.0, "ATTITUDE": 10.0, "VFR_HUD": 4.0, "SYS_STATUS": 2.0,
                 "BATTERY_STATUS": 1.0, "GPS_RAW_INT": 2.0, "HOME_POSITION": 0.5, "EXTENDED_SYS_STATE": 1.0,
                 "MISSION_CURRENT": 1.0}
SUPPORTED_MODES = {"STABILIZE", "ALT_HOLD", "AUTO", "GUIDED", "LOITER", "RTL", "LAND", "POSHOLD"}
MSG_NAMES = {getattr(mav, f"MAVLINK_MSG_ID_{name}"): name for name in DEFAULT_RATES}


@dataclass
class SimFaults:
    """Switchable faults, read by the vehicle thread on every packet/tick (plain attribute writes are atomic)."""

    no_heartbeat: bool = False
    drop_mission_ratio: float = 0.0  # share of mission-protocol packets lost, each direction
    duplicate_mission: bool = False  # every mission-protocol packet delivered twice, each direction
    nack_commands: set[int] = field(default_factory=set)  # MAV_CMD ids answered MAV_RESULT_DENIED
    link_loss: bool = False  # neither send nor receive anything
    prearm_fail: str = ""  # non-empty: arming refused with "PreArm: <text>"


class _Writer:
    """The file-like object pymavlink's encoder writes packed frames to; fans out to the current peers."""

    def __init__(self, vehicle: VehicleBase) -> None:
        self.vehicle = vehicle

    def write(self, buf: bytes) -> None:
        self.vehicle._transmit(bytes(buf))


@dataclass
class _Upload:
    """A mission upload in progress (vehicle side): what is expected next and when we last asked for it."""

    count: int
    peer: tuple[int, int] = (255, 0)  # system and component of the ground station uploading
    items: list[MissionWireItem] = field(default_factory=list)
    last_request: float = 0.0
    retries: int = 0



class VehicleBase:
    """State and geometry of a simulated multicopter (see the module docstring); sends through ``_transmit``."""

    def __init__(self, sysid: int = 1, home_lat: float = 32.0603, home_lon: float = 118.7969,
                 listen: str = "tcp:127.0.0.1:0", *, home_alt: float = 12.0, rates: dict[str, float] | None = None,
                 tick_hz: float = 50.0, time_scale: float = 1.0, max_speed: float = 10.0, climb_rate: float = 3.0,
                 descent_rate: float = 2.0, rtl_alt: float = 15.0, battery_drain_per_min: float = 3.0,
                 mission_retry_s: float = 0.1, seed: int | None = None) -> None:
        self.sysid = sysid
        self.home_lat = home_lat
        self.home_lon = home_lon
        self.home_alt = home_alt
        self.listen = listen
        self.rates = dict(DEFAULT_RATES if rates is None else rates)
        self.tick = 1.0 / tick_hz
        self.time_scale = time_scale
        self.max_speed = max_speed
        self.climb_rate = climb_rate
        self.descent_rate = descent_rate
        self.rtl_alt = rtl_alt
        self.battery_drain_per_min = battery_drain_per_min
        self.mission_retry_s = mission_retry_s
        self.faults = SimFaults()
        self.rng = random.Random(seed if seed is not None else sysid)
        # vehicle state (local ENU metres from home; alt relative to home)
        self.north = 0.0
        self.east = 0.0
        self.alt = 0.0
        self.vn = self.ve = self.vz = 0.0
        self.yaw = 0.0
        self.roll = self.pitch = 0.0
        self.armed = False
        self.mode = "STABILIZE"
        self.battery_pct = 100.0
        self.gps_fix = 3
        self.satellites = 14
        self.target: tuple[float, float, float] | None = None
        self.rtl_phase = ""
        self.paused = False
        self.mission_seq = 0
        self.loiter_until = 0.0
        self.missions: dict[int, list[MissionWireItem]] = {0: [], 1: [], 2: []}
        self.packets_in = 0
        # transport
        self._lock = threading.RLock()
        self._sock: socket.socket | None = None
        self._clients: dict[socket.socket, Any] = {}
        self._udp_peers: dict[tuple[str, int], Any] = {}
        self._udp_dest: tuple[str, int] | None = None
        self._mav = mav.MAVLink(_Writer(self), srcSystem=sysid, srcComponent=mav.MAV_COMP_ID_AUTOPILOT1)
        self._uploads: dict[int, _Upload] = {}
        self._upload_done: dict[int, int] = {}
        self._next_due: dict[str, float] = {}
        self._stop = threading.Event()
        self._greet = False  # a new peer appeared: heartbeat at once instead of up to a second later
        self._thread: threading.Thread | None = None
        self._boot = time.monotonic()
        self.bound_port = 0

    def _transmit(self, buf: bytes) -> None:
        """Send packed frames to the current peers (the transport: SimVehicle)."""
        raise NotImplementedError

    @property
    def lat(self) -> float:
        return self.home_lat + self.north / EARTH_M_PER_DEG

    @property
    def lon(self) -> float:
        return self.home_lon + self.east / (EARTH_M_PER_DEG * math.cos(math.radians(self.home_lat)))

    def to_local(self, lat: float, lon: float) -> tuple[float, float]:
        return ((lat - self.home_lat) * EARTH_M_PER_DEG,
                (lon - self.home_lon) * EARTH_M_PER_DEG * math.cos(math.radians(self.home_lat)))
