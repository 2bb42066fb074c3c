"""MAVLink link to drones (pymavlink, MAVLink 2, ardupilotmega dialect): telemetry, commands, mission protocol.

One :class:`MavlinkLink` owns one connection (``udpin:``/``udpout:``/``tcp:``/serial ``/dev/ttyUSB0,57600``/a
``.tlog`` replay) that may carry several vehicles, told apart by MAVLink system id. The runtime runs
:meth:`MavlinkLink.serve` on a worker thread (the :class:`devices.base.Adapter` contract); that thread is the only
reader of the connection. It decodes messages into typed, frozen events (:class:`DroneHeartbeat`,
:class:`DronePosition`, :class:`DroneAttitude`, :class:`DroneBattery`, :class:`DroneMissionProgress`, …, all
:class:`DroneEvent`); the core (``commandcenter.drones``) folds them into its vehicle state. Telemetry kinds are
coalesced per vehicle: the sink gets the newest of each kind at most ``snapshot_hz`` times a second (a 50 Hz
ATTITUDE stream must not become 50 Qt model updates); link changes, STATUSTEXT, waypoints reached and command
acks go out as they happen.

The command façade (:meth:`arm`, :meth:`set_mode`, :meth:`goto`, :meth:`upload_items`, …) is called from any
*other* thread while ``serve`` runs: it writes under a send lock and waits on a private queue that the receive
thread fills with the replies it subscribed to (COMMAND_ACK, STATUSTEXT, MISSION_*). Every command returns a
:class:`CommandResult` that always says why it was refused or timed out — a pilot told only "failed" cannot act.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import queue
import struct
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("MAVLINK20", "1")  # pymavlink picks the wire version at import time

from pymavlink.dialects.v20 import ardupilotmega as mav

from devices.base import LinkStats, RejectedInput, Sink

GCS_SYSID = 255
GCS_COMPID = mav.MAV_COMP_ID_MISSIONPLANNER
HEARTBEAT_TIMEOUT = 3.0
FORCE_ARM_MAGIC = 21196.0

MISSION_TYPES = {
    "mission": mav.MAV_MISSION_TYPE_MISSION,
    "fence": mav.MAV_MISSION_TYPE_FENCE,
    "rally": mav.MAV_MISSION_TYPE_RALLY,
}

# Message rates (Hz) asked of every vehicle with MAV_CMD_SET_MESSAGE_INTERVAL: enough for a smooth attitude
# indicator and map without saturating a 57600 baud telemetry radio shared by a few vehicles.
DEFAULT_RATES: dict[int, float] = {
    mav.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: 5.0,
    mav.MAVLINK_MSG_ID_ATTITUDE: 10.0,
    mav.MAVLINK_MSG_ID_VFR_HUD: 4.0,
    mav.MAVLINK_MSG_ID_SYS_STATUS: 2.0,
    mav.MAVLINK_MSG_ID_BATTERY_STATUS: 1.0,
    mav.MAVLINK_MSG_ID_GPS_RAW_INT: 2.0,
    mav.MAVLINK_MSG_ID_EXTENDED_SYS_STATE: 1.0,
    mav.MAVLINK_MSG_ID_MISSION_CURRENT: 1.0,
    mav.MAVLINK_MSG_ID_HOME_POSITION: 0.2,
}

LANDED_STATES = {0: "UNDEFINED", 1: "ON_GROUND", 2: "IN_AIR", 3: "TAKEOFF", 4: "LANDING"}
GPS_FIX_NAMES = {0: "NO_GPS", 1: "NO_FIX", 2: "2D", 3: "3D", 4: "DGPS", 5: "RTK_FLOAT", 6: "RTK_FIXED"}


def on_globe(lat: float, lon: float) -> bool:
    """Finite latitude within ±90° and longitude within ±180°: a place that exists."""
    return math.isfinite(lat) and math.isfinite(lon) and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def enum_name(enum: str, value: int) -> str:
    """``MAV_RESULT`` 2 -> ``"MAV_RESULT_DENIED"``; unknown values keep their number so nothing is hidden."""
    entry = mav.enums.get(enum, {}).get(value)
    return entry.name if entry is not None else f"{enum}_{value}"


# ---------------------------------------------------------------------------------------------------------------
# Firmware strategies: how a flight mode is named and requested differs between ArduCopter and PX4.
# ---------------------------------------------------------------------------------------------------------------


class ModeStrategy:
    """Decodes HEARTBEAT custom modes to names and encodes MAV_CMD_DO_SET_MODE parameters for a firmware."""

    name = "generic"
    guided = "GUIDED"
    auto = "AUTO"
    armable: frozenset[str] = frozenset()

    def decode(self, base_mode: int, custom_mode: int) -> str:
        raise NotImplementedError

    def encode(self, mode: str) -> tuple[float, float, float] | None:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError


class ArduCopterModes(ModeStrategy):
    """ArduCopter: ``custom_mode`` is the mode number; DO_SET_MODE takes it as param2."""

    name = "ardupilot"
    MODES = {0: "STABILIZE", 1: "ACRO", 2: "ALT_HOLD", 3: "AUTO", 4: "GUIDED", 5: "LOITER", 6: "RTL", 7: "CIRCLE",
             9: "LAND", 11: "DRIFT", 13: "SPORT", 14: "FLIP", 15: "AUTOTUNE", 16: "POSHOLD", 17: "BRAKE",
             18: "THROW", 19: "AVOID_ADSB", 20: "GUIDED_NOGPS", 21: "SMART_RTL", 22: "FLOWHOLD", 23: "FOLLOW",
             24: "ZIGZAG", 25: "SYSTEMID", 26: "AUTOROTATE", 27: "AUTO_RTL"}
    NUMBERS = {v: k for k, v in MODES.items()}
    armable = frozenset({"STABILIZE", "ACRO", "ALT_HOLD", "GUIDED", "LOITER", "POSHOLD", "SPORT", "DRIFT"})

    def decode(self, base_mode: int, custom_mode: int) -> str:
        if not base_mode & mav.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
            return "UNKNOWN"
        return self.MODES.get(custom_mode, f"MODE_{custom_mode}")

    def encode(self, mode: str) -> tuple[float, float, float] | None:
        number = self.NUMBERS.get(mode.upper())
        if number is None:
            return None
        return float(mav.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED), float(number), 0.0

    def names(self) -> list[str]:
        return list(self.NUMBERS)


class Px4Modes(ModeStrategy):
    """PX4: ``custom_mode`` packs main mode in bits 16-23 and sub mode in bits 24-31."""

    name = "px4"
    guided = "LOITER"  # PX4 repositions in Hold (AUTO.LOITER) via DO_REPOSITION
    auto = "MISSION"
    MAIN = {1: "MANUAL", 2: "ALTCTL", 3: "POSCTL", 5: "ACRO", 6: "OFFBOARD", 7: "STABILIZED", 8: "RATTITUDE"}
    AUTO_SUB = {1: "READY", 2: "TAKEOFF", 3: "LOITER", 4: "MISSION", 5: "RTL", 6: "LAND", 7: "RTGS",
                8: "FOLLOW_TARGET", 9: "PRECLAND"}
    armable = frozenset({"MANUAL", "ALTCTL", "POSCTL", "STABILIZED", "LOITER", "MISSION", "TAKEOFF", "ACRO"})

    def decode(self, base_mode: int, custom_mode: int) -> str:
        main = (custom_mode >> 16) & 0xFF
        sub = (custom_mode >> 24) & 0xFF
        if main == 4:
            return self.AUTO_SUB.get(sub, f"AUTO_{sub}")
        return self.MAIN.get(main, f"MODE_{main}")

    def encode(self, mode: str) -> tuple[float, float, float] | None:
        upper = mode.upper()
        flag = float(mav.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED)
        for number, name in self.MAIN.items():
            if name == upper:
                return flag, float(number), 0.0
        for number, name in self.AUTO_SUB.items():
            if name == upper:
                return flag, 4.0, float(number)
        return None

    def names(self) -> list[str]:
        return list(self.MAIN.values()) + list(self.AUTO_SUB.values())


def mode_strategy(firmware: str, autopilot: int | None = None) -> ModeStrategy:
    """Pick the strategy from what the heartbeat says the autopilot is, else from the configured firmware."""
    if autopilot == mav.MAV_AUTOPILOT_PX4:
        return Px4Modes()
    if autopilot == mav.MAV_AUTOPILOT_ARDUPILOTMEGA:
        return ArduCopterModes()
    return Px4Modes() if firmware == "px4" else ArduCopterModes()


# ---------------------------------------------------------------------------------------------------------------
# Decoded events: what the link tells the core. Each is one fact from one vehicle, already in SI/degrees.
# The core (commandcenter.drones) folds them into its vehicle state; this module keeps no state for the views.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DroneEvent:
    """Base of every event a :class:`MavlinkLink` emits: which link (``device_id``) and which vehicle (``sysid``,
    0 = the whole connection). ``time`` is wall-clock seconds when the link decoded it."""

    device_id: str
    sysid: int
    time: float = field(default_factory=time.time, kw_only=True)


@dataclass(frozen=True, slots=True)
class DroneHeartbeat(DroneEvent):
    """HEARTBEAT: who the vehicle is, its flight mode (decoded for its firmware) and whether it is armed."""

    firmware: str
    vehicle_type: int
    mode: str
    base_mode: int
    custom_mode: int
    system_status: int
    armed: bool


@dataclass(frozen=True, slots=True)
class DronePosition(DroneEvent):
    """GLOBAL_POSITION_INT, with the GPS fix type last reported (GPS_RAW_INT): below 2 (2D) it is no position."""

    lat: float
    lon: float
    alt_msl: float
    alt_rel: float
    heading: float | None
    climb: float
    fix_type: int

    @property
    def valid(self) -> bool:
        """A position: a 2D fix or better and coordinates on the globe."""
        return self.fix_type >= 2 and on_globe(self.lat, self.lon)


@dataclass(frozen=True, slots=True)
class DroneAttitude(DroneEvent):
    """ATTITUDE in degrees (yaw 0-360)."""

    roll: float
    pitch: float
    yaw: float


@dataclass(frozen=True, slots=True)
class DroneHud(DroneEvent):
    """VFR_HUD: speeds in m/s, heading in degrees, climb in m/s."""

    groundspeed: float
    airspeed: float
    heading: float
    climb: float


@dataclass(frozen=True, slots=True)
class DroneBattery(DroneEvent):
    """SYS_STATUS / BATTERY_STATUS merged: volts, percent, amps, and seconds left (the vehicle's or estimated)."""

    voltage: float | None
    pct: float | None
    current: float | None
    time_left_s: float | None


@dataclass(frozen=True, slots=True)
class DroneGps(DroneEvent):
    """GPS_RAW_INT: fix type (0 no GPS, 1 no fix, 2 2D, 3 3D, …), satellites, HDOP."""

    fix_type: int
    satellites: int
    hdop: float | None


@dataclass(frozen=True, slots=True)
class DroneMissionProgress(DroneEvent):
    """MISSION_CURRENT: the item being flown and (when the vehicle says) how many there are."""

    seq: int
    total: int | None


@dataclass(frozen=True, slots=True)
class DroneWaypointReached(DroneEvent):
    """MISSION_ITEM_REACHED: a mission item was reached (tasks and patrols wait for this)."""

    seq: int


@dataclass(frozen=True, slots=True)
class DroneHome(DroneEvent):
    """HOME_POSITION: where RTL returns to (altitude AMSL, metres)."""

    lat: float
    lon: float
    alt: float


@dataclass(frozen=True, slots=True)
class DroneLandedState(DroneEvent):
    """EXTENDED_SYS_STATE: ON_GROUND | IN_AIR | TAKEOFF | LANDING | UNDEFINED."""

    landed_state: str


@dataclass(frozen=True, slots=True)
class DroneLinkQuality(DroneEvent):
    """Packets received and lost (sequence gaps) and the weighted share that arrives (0-1)."""

    packets: int
    lost_packets: int
    quality: float


@dataclass(frozen=True, slots=True)
class DroneCommandAck(DroneEvent):
    """COMMAND_ACK from the vehicle (whoever sent the command), with the MAV_CMD and MAV_RESULT names."""

    command: int
    command_name: str
    result: int
    result_name: str


@dataclass(frozen=True, slots=True)
class DroneLinkEvent(DroneEvent):
    """Link-level change. ``kind``: connected | lost | recovered | disconnected | reconnected.

    ``sysid`` 0 means the whole connection (a TCP socket closed), otherwise one vehicle's heartbeat.
    """

    kind: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DroneMessage(DroneEvent):
    """A STATUSTEXT from a vehicle (severity: MAV_SEVERITY, 0 emergency … 7 debug)."""

    severity: int
    text: str


@dataclass(frozen=True, slots=True)
class LinkVehicle:
    """What the link itself knows of a vehicle, for commanding it (not the telemetry: that is the core's)."""

    sysid: int
    firmware: str
    mode: str
    armed: bool
    link_ok: bool
    last_heartbeat: float  # time.monotonic() of the last heartbeat
    home: tuple[float, float, float] | None  # lat, lon, alt AMSL


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Outcome of a command or mission transfer. When ``ok`` is false, ``result_name`` and ``text`` say why."""

    ok: bool
    result_name: str
    text: str = ""

    def describe(self) -> str:
        return f"{self.result_name}: {self.text}" if self.text else self.result_name


@dataclass(frozen=True, slots=True)
class MissionWireItem:
    """One MISSION_ITEM_INT as it travels (lat/lon ×1e7 as x/y for global frames)."""

    seq: int
    frame: int
    command: int
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    x: int = 0
    y: int = 0
    z: float = 0.0
    autocontinue: int = 1
    current: int = 0

    def same_content(self, other: MissionWireItem, tol: float = 1e-3) -> bool:
        """Equality that ignores float32 rounding (params travel as float32)."""

        def close(a: float, b: float) -> bool:
            return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol * max(1.0, abs(a))

        return (self.seq, self.frame, self.command, self.x, self.y, self.autocontinue) == (
            other.seq, other.frame, other.command, other.x, other.y, other.autocontinue) and all(
            close(a, b) for a, b in ((self.param1, other.param1), (self.param2, other.param2),
                                     (self.param3, other.param3), (self.param4, other.param4),
                                     (self.z, other.z)))


class _LinkDropped(Exception):
    """The stream connection closed; serve() reopens it with backoff."""


class _Waiter:
    """A subscription of a command caller to replies of one vehicle, filled by the receive thread."""

    __slots__ = ("queue", "sysid", "types")

    def __init__(self, sysid: int, types: Iterable[str]) -> None:
        self.sysid = sysid
        self.types = frozenset(types)
        self.queue: queue.Queue[Any] = queue.Queue()

    def get(self, deadline: float) -> Any | None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            return self.queue.get(timeout=remaining)
        except queue.Empty:
            return None


@dataclass(slots=True)
class _Vehicle:
    """Receive-thread bookkeeping for one vehicle: what commanding it needs, and the events not yet emitted.

    ``pending`` holds the newest event of each coalesced kind; :meth:`MavlinkLink._housekeeping` hands them to
    the sink at most ``snapshot_hz`` times a second (a 50 Hz ATTITUDE stream must not become 50 model updates).
    """

    sysid: int
    modes: ModeStrategy
    mode: str = "UNKNOWN"
    armed: bool = False
    link_ok: bool = False
    last_heartbeat: float = 0.0
    home: tuple[float, float, float] | None = None
    fix_type: int = 0
    battery: tuple[float | None, float | None, float | None, float | None] = (None, None, None, None)
    packets: int = 0
    lost_packets: int = 0
    link_quality: float = 1.0
    pending: dict[type, DroneEvent] = field(default_factory=dict)
    last_emit: float = 0.0
    streams_requested: bool = False
    last_seq: dict[int, int] = field(default_factory=dict)
    battery_samples: list[tuple[float, float]] = field(default_factory=list)

    def view(self) -> LinkVehicle:
        return LinkVehicle(self.sysid, self.modes.name, self.mode, self.armed, self.link_ok, self.last_heartbeat,
                           self.home)


class MavlinkLink:
    """A MAVLink connection: the Adapter (``serve``) plus a thread-safe command and mission façade.

    ``sysid`` = 0 accepts every vehicle on the link; otherwise only that system id is tracked. ``tlog`` is the
    path of the telemetry log written for the whole life of the link (both directions, QGC/MAVProxy format).
    """

    kind = "mavlink"

    def __init__(self, device_id: str, url: str, *, sysid: int = 0, firmware: str = "ardupilot",
                 tlog: str | os.PathLike[str] | None = None, rates: dict[int, float] | None = None,
                 snapshot_hz: float = 20.0, command_timeout: float = 1.5, command_retries: int = 3,
                 mission_timeout: float = 1.5, mission_retries: int = 10,
                 heartbeat_timeout: float = HEARTBEAT_TIMEOUT, reconnect_max: float = 5.0) -> None:
        self.id = device_id
        self.url = url
        self.sysid_filter = sysid
        self.firmware = firmware
        self.tlog_path = os.fspath(tlog) if tlog is not None else None
        self.rates = dict(DEFAULT_RATES if rates is None else rates)
        self.snapshot_interval = 1.0 / snapshot_hz if snapshot_hz > 0 else 0.0
        self.command_timeout = command_timeout
        self.command_retries = command_retries
        self.mission_timeout = mission_timeout
        self.mission_retries = mission_retries
        self.heartbeat_timeout = heartbeat_timeout
        self.reconnect_max = reconnect_max
        self.stats = LinkStats()
        self._conn: Any = None
        self._send_lock = threading.Lock()
        self._waiters: list[_Waiter] = []
        self._waiters_lock = threading.Lock()
        self._vehicle_locks: dict[int, threading.Lock] = {}
        self._vehicles: dict[int, _Vehicle] = {}
        self._seen = threading.Condition()
        self._tlog: Any = None
        self._running = threading.Event()
        self._last_gcs_heartbeat = 0.0

    # -- Adapter -------------------------------------------------------------------------------------------------

    @property
    def is_replay(self) -> bool:
        return self.url.lower().endswith((".tlog", ".bin")) and not self.url.startswith(("tcp:", "udp"))

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Receive until ``stop``; reopen a dropped TCP connection with backoff; raise if it cannot be opened."""
        conn = self._open()
        if self.tlog_path and self._tlog is None:
            self._tlog = open(self.tlog_path, "ab")  # closed in the finally below
        self._running.set()
        sink(DroneLinkEvent(self.id, 0, "connected", self.url))
        try:
            while not stop.is_set():
                try:
                    self._pump(conn, sink, stop)
                except (_LinkDropped, OSError) as exc:
                    if not self.url.startswith("tcp:"):
                        raise
                    self.stats.last_error = f"connection dropped: {exc}"
                    self._mark_all_lost(sink, "connection dropped")
                    sink(DroneLinkEvent(self.id, 0, "disconnected", str(exc) or "connection closed"))
                    with self._send_lock:
                        with contextlib.suppress(OSError):
                            conn.close()
                        self._conn = None
                    reopened = self._reopen(stop)
                    if reopened is None:
                        break
                    conn = reopened
                    self.stats.reconnects += 1
                    sink(DroneLinkEvent(self.id, 0, "reconnected", self.url))
        finally:
            self._running.clear()
            with self._send_lock:
                if self._conn is not None:
                    with contextlib.suppress(OSError):
                        self._conn.close()
                self._conn = None
                if self._tlog is not None:
                    self._tlog.close()
                    self._tlog = None

    def _open(self) -> Any:
        """Open the connection from the URL; raises OSError/ValueError when it cannot be opened."""
        url = self.url
        kwargs: dict[str, Any] = {"source_system": GCS_SYSID, "source_component": GCS_COMPID,
                                  "dialect": "ardupilotmega"}
        if url.startswith("tcp:"):
            kwargs.update(autoreconnect=False, retries=0)
        device = url
        if "," in url and not url.startswith(("tcp:", "udp")):
            device, baud = url.rsplit(",", 1)
            kwargs["baud"] = int(baud)
        if self.is_replay:
            kwargs = {"dialect": "ardupilotmega", "notimestamps": False}
        # pymavlink's connection module and its dialect tables cost start-up time: loaded by the link's own thread
        from pymavlink import mavutil

        conn = mavutil.mavlink_connection(device, **kwargs)
        if url.startswith("tcp:"):
            # Without autoreconnect pymavlink would swallow an EOF and spin; we want to know and reopen ourselves.
            conn.handle_eof = self._dropped
            conn.handle_disconnect = self._dropped
        if hasattr(conn, "mav") and conn.mav is not None:
            conn.mav.robust_parsing = True
        with self._send_lock:
            self._conn = conn
        return conn

    @staticmethod
    def _dropped() -> None:
        raise _LinkDropped("connection closed by peer")

    def _reopen(self, stop: threading.Event) -> Any | None:
        delay = 0.25
        while not stop.wait(delay):
            try:
                return self._open()
            except OSError as exc:
                self.stats.last_error = f"reconnect failed: {exc}"
                delay = min(delay * 2, self.reconnect_max)
        return None

    def _pump(self, conn: Any, sink: Sink, stop: threading.Event) -> None:
        replay_start: float | None = None
        replay_first = 0.0
        while not stop.is_set():
            now = time.monotonic()
            if not self.is_replay and now - self._last_gcs_heartbeat >= 1.0:
                self._last_gcs_heartbeat = now
                if self._tlog is not None:
                    self._tlog.flush()  # at most a second of recording is lost if the process dies
                self._send(lambda m: m.heartbeat_encode(mav.MAV_TYPE_GCS, mav.MAV_AUTOPILOT_INVALID, 0, 0,
                                                        mav.MAV_STATE_ACTIVE))
            msg = conn.recv_msg()
            if msg is None:
                self._housekeeping(sink)
                if self.is_replay:
                    stop.wait(0.1)
                else:
                    conn.select(0.02)
                continue
            if self.is_replay:
                stamp = getattr(msg, "_timestamp", 0.0)
                if replay_start is None:
                    replay_start, replay_first = time.monotonic(), stamp
                wait = (stamp - replay_first) - (time.monotonic() - replay_start)
                if wait > 0 and stop.wait(min(wait, 5.0)):
                    return
            self._handle(msg, sink)
            self._housekeeping(sink)

    def _housekeeping(self, sink: Sink) -> None:
        """Flush due coalesced events and declare vehicles lost whose heartbeat stopped (checked every ≤ 20 ms)."""
        now = time.monotonic()
        for vehicle in list(self._vehicles.values()):
            if vehicle.link_ok and now - vehicle.last_heartbeat > self.heartbeat_timeout and not self.is_replay:
                vehicle.link_ok = False
                sink(DroneLinkEvent(self.id, vehicle.sysid, "lost",
                                    f"no heartbeat for {now - vehicle.last_heartbeat:.1f} s"))
                vehicle.last_emit = 0.0
            if vehicle.pending and now - vehicle.last_emit >= self.snapshot_interval:
                vehicle.last_emit = now
                pending, vehicle.pending = vehicle.pending, {}
                for event in pending.values():
                    sink(event)

    def _mark_all_lost(self, sink: Sink, reason: str) -> None:
        for vehicle in self._vehicles.values():
            if vehicle.link_ok:
                vehicle.link_ok = False
                sink(DroneLinkEvent(self.id, vehicle.sysid, "lost", reason))
        self._housekeeping(sink)

    # -- decoding ------------------------------------------------------------------------------------------------

    def _handle(self, msg: Any, sink: Sink) -> None:
        mtype = msg.get_type()
        if mtype == "BAD_DATA":
            reason = str(getattr(msg, "reason", "bad data"))
            self.stats.bad(reason)
            raw = bytes(getattr(msg, "data", b"") or b"")
            sink(RejectedInput(self.id, reason, raw[:64].hex()))
            return
        self.stats.good()
        if self._tlog is not None:
            self._tlog.write(struct.pack(">Q", int(time.time() * 1e6)) + msg.get_msgbuf())
        src = msg.get_srcSystem()
        if src == GCS_SYSID or (self.sysid_filter and src != self.sysid_filter):
            return
        if self._waiters:
            with self._waiters_lock:
                waiters = list(self._waiters)
            for waiter in waiters:
                if mtype in waiter.types and waiter.sysid == src:
                    waiter.queue.put(msg)
        vehicle = self._vehicles.get(src)
        if mtype == "HEARTBEAT":
            if msg.autopilot == mav.MAV_AUTOPILOT_INVALID or msg.type in (mav.MAV_TYPE_GCS,
                                                                           mav.MAV_TYPE_ONBOARD_CONTROLLER):
                return
            vehicle = self._on_heartbeat(vehicle, src, msg, sink)
        if vehicle is None:
            return
        self._track_sequence(vehicle, msg)
        decode = _DECODERS.get(mtype)
        if decode is not None:
            decode(self, vehicle, msg, sink)

    @staticmethod
    def _later(vehicle: _Vehicle, event: DroneEvent) -> None:
        """Coalesce: keep only the newest event of its kind until the next flush."""
        vehicle.pending.pop(type(event), None)  # re-insert so the flush keeps arrival order of kinds
        vehicle.pending[type(event)] = event

    def _on_heartbeat(self, vehicle: _Vehicle | None, src: int, msg: Any, sink: Sink) -> _Vehicle:
        now = time.monotonic()
        if vehicle is None:
            modes = mode_strategy(self.firmware, msg.autopilot)
            vehicle = _Vehicle(src, modes)
            self._vehicles[src] = vehicle
            self.stats.clients = len(self._vehicles)  # vehicles seen on this link, for the health report
            self._vehicle_locks.setdefault(src, threading.Lock())
            sink(DroneLinkEvent(self.id, src, "connected", f"{modes.name} vehicle type {msg.type}"))
            with self._seen:
                self._seen.notify_all()
        elif not vehicle.link_ok:
            sink(DroneLinkEvent(self.id, src, "recovered", "heartbeat back"))
            vehicle.streams_requested = False
        vehicle.last_heartbeat = now
        vehicle.link_ok = True
        vehicle.armed = bool(msg.base_mode & mav.MAV_MODE_FLAG_SAFETY_ARMED)
        vehicle.mode = vehicle.modes.decode(msg.base_mode, msg.custom_mode)
        self._later(vehicle, DroneHeartbeat(self.id, src, vehicle.modes.name, int(msg.type), vehicle.mode,
                                            int(msg.base_mode), int(msg.custom_mode), int(msg.system_status),
                                            vehicle.armed))
        if not vehicle.streams_requested and not self.is_replay:
            vehicle.streams_requested = True
            self._request_streams(src)
        return vehicle

    def _track_sequence(self, vehicle: _Vehicle, msg: Any) -> None:
        """Link quality = exponentially weighted share of packets that arrived (gaps in the per-sender seq)."""
        comp = msg.get_srcComponent()
        seq = msg.get_seq()
        last = vehicle.last_seq.get(comp)
        vehicle.last_seq[comp] = seq
        vehicle.packets += 1
        quality = vehicle.link_quality
        if last is not None:
            gap = (seq - last - 1) % 256
            if gap and gap < 128:  # a huge "gap" is a reboot or reordering, not loss
                vehicle.lost_packets += gap
                quality *= 0.98 ** gap
        vehicle.link_quality = quality * 0.98 + 0.02
        self._later(vehicle, DroneLinkQuality(self.id, vehicle.sysid, vehicle.packets, vehicle.lost_packets,
                                              vehicle.link_quality))

    def _request_streams(self, sysid: int) -> None:
        for msg_id, hz in self.rates.items():
            interval = 1e6 / hz if hz > 0 else -1
            self._send_command_long(sysid, mav.MAV_CMD_SET_MESSAGE_INTERVAL, (msg_id, interval, 0, 0, 0, 0, 0))
        self._send_command_long(sysid, mav.MAV_CMD_REQUEST_MESSAGE,
                                (mav.MAVLINK_MSG_ID_HOME_POSITION, 0, 0, 0, 0, 0, 0))

    def _on_sys_status(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        voltage = msg.voltage_battery / 1000.0 if msg.voltage_battery != 0xFFFF else None
        current = msg.current_battery / 100.0 if msg.current_battery >= 0 else None
        pct = float(msg.battery_remaining) if msg.battery_remaining >= 0 else None
        self._battery(vehicle, voltage, pct, current, None)

    def _on_battery_status(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        cells = [v for v in msg.voltages if v != 0xFFFF]
        voltage = sum(cells) / 1000.0 if cells else None
        current = msg.current_battery / 100.0 if msg.current_battery >= 0 else None
        pct = float(msg.battery_remaining) if msg.battery_remaining >= 0 else None
        remaining = getattr(msg, "time_remaining", 0)
        self._battery(vehicle, voltage, pct, current, float(remaining) if remaining > 0 else None)

    def _battery(self, vehicle: _Vehicle, voltage: float | None, pct: float | None, current: float | None,
                 time_left: float | None) -> None:
        """Merge what this message says into the battery picture (SYS_STATUS and BATTERY_STATUS each say part)."""
        old_voltage, old_pct, old_current, old_left = vehicle.battery
        if pct is not None and time_left is None:
            time_left = self._time_left(vehicle, pct)
        vehicle.battery = (old_voltage if voltage is None else voltage, old_pct if pct is None else pct,
                           old_current if current is None else current, old_left if time_left is None else time_left)
        self._later(vehicle, DroneBattery(self.id, vehicle.sysid, *vehicle.battery))

    @staticmethod
    def _time_left(vehicle: _Vehicle, pct: float) -> float | None:
        """Time-left estimate from the discharge rate over the last minute, when the vehicle gives none."""
        now = time.monotonic()
        samples = vehicle.battery_samples
        if not samples or samples[-1][1] != pct:
            samples.append((now, pct))
        while samples and now - samples[0][0] > 60.0:
            samples.pop(0)
        if len(samples) >= 2 and samples[-1][0] - samples[0][0] >= 5.0:
            rate = (samples[0][1] - samples[-1][1]) / (samples[-1][0] - samples[0][0])
            return pct / rate if rate > 0 else None
        return None

    def _off_globe(self, vehicle: _Vehicle, what: str, lat: float, lon: float, msg: Any, sink: Sink) -> bool:
        """Refuse a message whose lat/lon cannot be on Earth (int32 ×1e7 reaches ±214.7°): counted, never shown."""
        if on_globe(lat, lon):
            return False
        reason = f"system {vehicle.sysid}: {what} latitude {lat:.7f}, longitude {lon:.7f} out of range"
        self.stats.bad(reason)
        sink(RejectedInput(self.id, reason, bytes(msg.get_msgbuf())[:64].hex()))
        return True

    def _on_global_position(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        lat, lon = msg.lat / 1e7, msg.lon / 1e7
        if self._off_globe(vehicle, "GLOBAL_POSITION_INT", lat, lon, msg, sink):
            return
        self._later(vehicle, DronePosition(
            self.id, vehicle.sysid, lat, lon, msg.alt / 1000.0, msg.relative_alt / 1000.0,
            msg.hdg / 100.0 if msg.hdg != 0xFFFF else None, -msg.vz / 100.0, vehicle.fix_type))

    def _on_attitude(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        self._later(vehicle, DroneAttitude(self.id, vehicle.sysid, math.degrees(msg.roll), math.degrees(msg.pitch),
                                           math.degrees(msg.yaw) % 360.0))

    def _on_vfr_hud(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        self._later(vehicle, DroneHud(self.id, vehicle.sysid, float(msg.groundspeed), float(msg.airspeed),
                                      float(msg.heading), float(msg.climb)))

    def _on_gps_raw(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        vehicle.fix_type = int(msg.fix_type)
        self._later(vehicle, DroneGps(self.id, vehicle.sysid, vehicle.fix_type,
                                      int(msg.satellites_visible) if msg.satellites_visible != 255 else 0,
                                      msg.eph / 100.0 if msg.eph != 0xFFFF else None))

    def _on_mission_current(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        total = getattr(msg, "total", 0)
        self._later(vehicle, DroneMissionProgress(self.id, vehicle.sysid, int(msg.seq),
                                                  int(total) if total and total != 0xFFFF else None))

    def _on_item_reached(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        sink(DroneWaypointReached(self.id, vehicle.sysid, int(msg.seq)))

    def _on_statustext(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        text = msg.text if isinstance(msg.text, str) else bytes(msg.text).decode("utf-8", "replace")
        sink(DroneMessage(self.id, vehicle.sysid, int(msg.severity), text.rstrip("\x00")))

    def _on_home(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        if self._off_globe(vehicle, "HOME_POSITION", msg.latitude / 1e7, msg.longitude / 1e7, msg, sink):
            return
        vehicle.home = (msg.latitude / 1e7, msg.longitude / 1e7, msg.altitude / 1000.0)
        self._later(vehicle, DroneHome(self.id, vehicle.sysid, *vehicle.home))

    def _on_ext_state(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        self._later(vehicle, DroneLandedState(self.id, vehicle.sysid,
                                              LANDED_STATES.get(int(msg.landed_state), "UNDEFINED")))

    def _on_command_ack(self, vehicle: _Vehicle, msg: Any, sink: Sink) -> None:
        command, result = int(msg.command), int(msg.result)
        sink(DroneCommandAck(self.id, vehicle.sysid, command, enum_name("MAV_CMD", command), result,
                             enum_name("MAV_RESULT", result)))

    # -- sending -------------------------------------------------------------------------------------------------

    def _send(self, build: Callable[[Any], Any]) -> bool:
        """Encode with the connection's MAVLink object and write it, under the send lock; False if no link."""
        with self._send_lock:
            conn = self._conn
            if conn is None or self.is_replay:
                return False
            msg = build(conn.mav)
            try:
                conn.mav.send(msg)
            except (OSError, _LinkDropped):
                return False
            if self._tlog is not None:
                self._tlog.write(struct.pack(">Q", int(time.time() * 1e6)) + msg.get_msgbuf())
            return True

    def _send_command_long(self, sysid: int, command: int, params: Sequence[float], confirmation: int = 0) -> bool:
        p = [float(v) for v in params] + [0.0] * (7 - len(params))
        return self._send(lambda m: m.command_long_encode(sysid, mav.MAV_COMP_ID_AUTOPILOT1, command,
                                                          confirmation, *p[:7]))

    # -- command façade ------------------------------------------------------------------------------------------

    def vehicles(self) -> dict[int, LinkVehicle]:
        """What the link knows of each vehicle it has heard, keyed by system id (safe from any thread)."""
        return {sysid: v.view() for sysid, v in list(self._vehicles.items())}

    def vehicle(self, sysid: int) -> LinkVehicle | None:
        vehicle = self._vehicles.get(sysid)
        return vehicle.view() if vehicle else None

    def wait_vehicle(self, sysid: int = 0, timeout: float = 10.0) -> int | None:
        """Block until a heartbeat of ``sysid`` (0: any vehicle) has been seen; its sysid, or None on timeout."""
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                found = [s for s, v in self._vehicles.items() if v.link_ok and (not sysid or s == sysid)]
                if found:
                    return min(found)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._seen.wait(min(remaining, 0.1))

    def _subscribe(self, sysid: int, types: Iterable[str]) -> _Waiter:
        waiter = _Waiter(sysid, types)
        with self._waiters_lock:
            self._waiters.append(waiter)
        return waiter

    def _unsubscribe(self, waiter: _Waiter) -> None:
        with self._waiters_lock:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _precheck(self, sysid: int) -> CommandResult | None:
        if not self._running.is_set() or self._conn is None:
            return CommandResult(False, "NO_LINK", f"link {self.id} ({self.url}) is not connected")
        vehicle = self._vehicles.get(sysid)
        if vehicle is None:
            return CommandResult(False, "NO_VEHICLE", f"no heartbeat ever received from system {sysid}")
        if not vehicle.link_ok:
            return CommandResult(False, "LINK_LOST", f"system {sysid} heartbeat lost")
        return None

    def command(self, sysid: int, command: int, params: Sequence[float] = (), *, frame: int | None = None,
                position: tuple[int, int, float] | None = None) -> CommandResult:
        """Send COMMAND_LONG (or COMMAND_INT when ``frame`` is given) and wait for its COMMAND_ACK with retries."""
        problem = self._precheck(sysid)
        if problem:
            return problem
        lock = self._vehicle_locks.setdefault(sysid, threading.Lock())
        name = enum_name("MAV_CMD", command)
        with lock:
            waiter = self._subscribe(sysid, ("COMMAND_ACK", "STATUSTEXT"))
            texts: list[str] = []
            try:
                for attempt in range(self.command_retries):
                    if frame is not None:
                        p = [float(v) for v in params] + [0.0] * (4 - len(params))
                        x, y, z = position or (0, 0, 0.0)

                        def build_int(m: Any, p: list[float] = p, x: int = x, y: int = y, z: float = z) -> Any:
                            return m.command_int_encode(sysid, mav.MAV_COMP_ID_AUTOPILOT1, frame, command, 0, 0,
                                                        *p[:4], x, y, z)

                        self._send(build_int)
                    else:
                        self._send_command_long(sysid, command, params, confirmation=attempt)
                    deadline = time.monotonic() + self.command_timeout
                    while (reply := waiter.get(deadline)) is not None:
                        if reply.get_type() == "STATUSTEXT":
                            texts.append(str(reply.text).rstrip("\x00"))
                            continue
                        if reply.command != command:
                            continue
                        if reply.result == mav.MAV_RESULT_IN_PROGRESS:
                            deadline = time.monotonic() + self.command_timeout
                            continue
                        result = enum_name("MAV_RESULT", reply.result)
                        if reply.result == mav.MAV_RESULT_ACCEPTED:
                            return CommandResult(True, result, texts[-1] if texts else "")
                        if not texts:  # the reason usually arrives just before the ACK; allow it to trail
                            late = waiter.get(time.monotonic() + 0.3)
                            while late is not None and late.get_type() != "STATUSTEXT":
                                late = waiter.get(time.monotonic() + 0.3)
                            if late is not None:
                                texts.append(str(late.text).rstrip("\x00"))
                        return CommandResult(False, result, texts[-1] if texts else f"{name} refused")
                return CommandResult(False, "TIMEOUT",
                                     f"no COMMAND_ACK for {name} after {self.command_retries} tries "
                                     f"({self.command_timeout:g} s each)" + (f"; last: {texts[-1]}" if texts else ""))
            finally:
                self._unsubscribe(waiter)

    def _modes(self, sysid: int) -> ModeStrategy:
        vehicle = self._vehicles.get(sysid)
        return vehicle.modes if vehicle else mode_strategy(self.firmware)

    def mode_names(self, sysid: int) -> list[str]:
        """Flight modes :meth:`set_mode` accepts for this vehicle's firmware."""
        return self._modes(sysid).names()

    def arm(self, sysid: int, force: bool = False) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_COMPONENT_ARM_DISARM, (1, FORCE_ARM_MAGIC if force else 0))

    def disarm(self, sysid: int, force: bool = False) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_COMPONENT_ARM_DISARM, (0, FORCE_ARM_MAGIC if force else 0))

    def set_mode(self, sysid: int, name: str) -> CommandResult:
        modes = self._modes(sysid)
        params = modes.encode(name)
        if params is None:
            return CommandResult(False, "UNKNOWN_MODE",
                                 f"mode {name!r} is not a {modes.name} mode; known: {', '.join(modes.names())}")
        return self.command(sysid, mav.MAV_CMD_DO_SET_MODE, params)

    def takeoff(self, sysid: int, alt: float) -> CommandResult:
        """ArduCopter: climb to ``alt`` m above home (GUIDED, armed). PX4 takes an AMSL altitude."""
        target = alt
        if isinstance(self._modes(sysid), Px4Modes):
            vehicle = self.vehicle(sysid)
            if vehicle is not None and vehicle.home is not None:
                target = vehicle.home[2] + alt
        return self.command(sysid, mav.MAV_CMD_NAV_TAKEOFF, (0, 0, 0, math.nan, 0, 0, target))

    def land(self, sysid: int) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_NAV_LAND, (0, 0, 0, math.nan, 0, 0, 0))

    def rtl(self, sysid: int) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_NAV_RETURN_TO_LAUNCH)

    def goto(self, sysid: int, lat: float, lon: float, alt: float) -> CommandResult:
        """Guided reposition (MAV_CMD_DO_REPOSITION as COMMAND_INT, relative altitude, switch mode if needed)."""
        return self.command(sysid, mav.MAV_CMD_DO_REPOSITION,
                            (-1, mav.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE, 0, math.nan),
                            frame=mav.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
                            position=(round(lat * 1e7), round(lon * 1e7), float(alt)))

    def change_speed(self, sysid: int, speed: float) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_DO_CHANGE_SPEED, (1, speed, -1, 0))

    def pause_mission(self, sysid: int) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_DO_PAUSE_CONTINUE, (0,))

    def continue_mission(self, sysid: int) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_DO_PAUSE_CONTINUE, (1,))

    def start_mission(self, sysid: int) -> CommandResult:
        return self.command(sysid, mav.MAV_CMD_MISSION_START, (0, 0))

    # -- mission protocol client ---------------------------------------------------------------------------------

    def upload_items(self, sysid: int, items: Sequence[MissionWireItem],
                     mission_type: int = mav.MAV_MISSION_TYPE_MISSION) -> CommandResult:
        """Upload a whole list (MISSION_COUNT, answer each request, final MISSION_ACK); replaces what is there.

        The vehicle drives the transfer. Lost packets are recovered by re-sending the last thing we sent when no
        reply arrives within ``mission_timeout`` (COUNT before the first request, else the last item, which the
        vehicle answers with a re-request or the final ACK); duplicates and re-requests are answered again.
        """
        problem = self._precheck(sysid)
        if problem:
            return problem
        kind = enum_name("MAV_MISSION_TYPE", mission_type)
        lock = self._vehicle_locks.setdefault(sysid, threading.Lock())
        with lock:
            waiter = self._subscribe(sysid, ("MISSION_REQUEST_INT", "MISSION_REQUEST", "MISSION_ACK", "STATUSTEXT"))
            try:
                count = len(items)

                def send_count() -> None:
                    self._send(lambda m: m.mission_count_encode(sysid, mav.MAV_COMP_ID_AUTOPILOT1, count,
                                                                mission_type))

                def send_item(seq: int) -> None:
                    it = items[seq]
                    self._send(lambda m: m.mission_item_int_encode(
                        sysid, mav.MAV_COMP_ID_AUTOPILOT1, seq, it.frame, it.command, it.current, it.autocontinue,
                        it.param1, it.param2, it.param3, it.param4, it.x, it.y, it.z, mission_type))

                resend: Callable[[], None] = send_count
                resend()
                failures = 0
                texts: list[str] = []
                highest = -1
                while True:
                    reply = waiter.get(time.monotonic() + self.mission_timeout)
                    if reply is None:
                        failures += 1
                        if failures > self.mission_retries:
                            stage = "MISSION_COUNT" if highest < 0 else f"item {highest}"
                            return CommandResult(False, "TIMEOUT",
                                                 f"{kind} upload stalled after {stage} ({self.mission_retries} "
                                                 f"retries of {self.mission_timeout:g} s)")
                        resend()
                        continue
                    rtype = reply.get_type()
                    if rtype == "STATUSTEXT":
                        texts.append(str(reply.text).rstrip("\x00"))
                        continue
                    if getattr(reply, "mission_type", mission_type) != mission_type:
                        continue
                    if rtype == "MISSION_ACK":
                        if reply.type == mav.MAV_MISSION_ACCEPTED and highest >= count - 1:
                            return CommandResult(True, "MAV_MISSION_ACCEPTED", f"{count} {kind} items")
                        if reply.type in (mav.MAV_MISSION_INVALID_SEQUENCE, mav.MAV_MISSION_ACCEPTED):
                            continue  # a late ack of an earlier transfer or a duplicate item: not fatal
                        return CommandResult(False, enum_name("MAV_MISSION_RESULT", reply.type),
                                             texts[-1] if texts else f"{kind} upload refused")
                    seq = int(reply.seq)
                    if seq >= count:
                        return CommandResult(False, "MAV_MISSION_INVALID_SEQUENCE",
                                             f"vehicle requested item {seq} of {count}")
                    failures = 0
                    highest = max(highest, seq)
                    send_item(seq)
                    resend = functools.partial(send_item, seq)
            finally:
                self._unsubscribe(waiter)

    def download_items(self, sysid: int, mission_type: int = mav.MAV_MISSION_TYPE_MISSION
                       ) -> tuple[CommandResult, list[MissionWireItem]]:
        """Download a list: MISSION_REQUEST_LIST → COUNT → REQUEST_INT per item (retried) → MISSION_ACK."""
        problem = self._precheck(sysid)
        if problem:
            return problem, []
        kind = enum_name("MAV_MISSION_TYPE", mission_type)
        lock = self._vehicle_locks.setdefault(sysid, threading.Lock())
        with lock:
            waiter = self._subscribe(sysid, ("MISSION_COUNT", "MISSION_ITEM_INT", "MISSION_ITEM", "MISSION_ACK"))
            try:
                count = self._await(waiter, "MISSION_COUNT", None, mission_type, lambda: self._send(
                    lambda m: m.mission_request_list_encode(sysid, mav.MAV_COMP_ID_AUTOPILOT1, mission_type)))
                if isinstance(count, CommandResult):
                    return count, []
                total = int(count.count)
                items: list[MissionWireItem] = []
                for seq in range(total):
                    reply = self._await(waiter, "MISSION_ITEM_INT", seq, mission_type,
                                        functools.partial(self._request_item, sysid, seq, mission_type))
                    if isinstance(reply, CommandResult):
                        return reply, items
                    items.append(_wire_from_msg(reply))
                self._send(lambda m: m.mission_ack_encode(sysid, mav.MAV_COMP_ID_AUTOPILOT1,
                                                          mav.MAV_MISSION_ACCEPTED, mission_type))
                return CommandResult(True, "MAV_MISSION_ACCEPTED", f"{total} {kind} items"), items
            finally:
                self._unsubscribe(waiter)

    def _request_item(self, sysid: int, seq: int, mission_type: int) -> bool:
        return self._send(lambda m: m.mission_request_int_encode(sysid, mav.MAV_COMP_ID_AUTOPILOT1, seq,
                                                                 mission_type))

    def _await(self, waiter: _Waiter, want: str, seq: int | None, mission_type: int,
               send: Callable[[], Any]) -> Any:
        """Send, wait for ``want`` (with ``seq``), resend on timeout; a CommandResult on refusal or give-up."""
        kind = enum_name("MAV_MISSION_TYPE", mission_type)
        for _ in range(self.mission_retries + 1):
            send()
            deadline = time.monotonic() + self.mission_timeout
            while (reply := waiter.get(deadline)) is not None:
                rtype = reply.get_type()
                if getattr(reply, "mission_type", mission_type) != mission_type:
                    continue
                if rtype == "MISSION_ACK":
                    if reply.type != mav.MAV_MISSION_ACCEPTED:
                        return CommandResult(False, enum_name("MAV_MISSION_RESULT", reply.type),
                                             f"{kind} download refused")
                    continue
                if rtype == "MISSION_ITEM":
                    rtype = "MISSION_ITEM_INT"
                if rtype == want and (seq is None or reply.seq == seq):
                    return reply
        what = "MISSION_COUNT" if seq is None else f"item {seq}"
        return CommandResult(False, "TIMEOUT", f"{kind} download: no {what} after {self.mission_retries + 1} "
                                               f"requests ({self.mission_timeout:g} s each)")


def _wire_from_msg(msg: Any) -> MissionWireItem:
    x, y = msg.x, msg.y
    if msg.get_type() == "MISSION_ITEM":  # float degrees in the legacy message
        x, y = round(x * 1e7), round(y * 1e7)
    return MissionWireItem(seq=int(msg.seq), frame=int(msg.frame), command=int(msg.command),
                           param1=float(msg.param1), param2=float(msg.param2), param3=float(msg.param3),
                           param4=float(msg.param4), x=int(x), y=int(y), z=float(msg.z),
                           autocontinue=int(msg.autocontinue), current=int(msg.current))


_DECODERS: dict[str, Callable[[MavlinkLink, _Vehicle, Any, Sink], None]] = {
    "SYS_STATUS": MavlinkLink._on_sys_status,
    "BATTERY_STATUS": MavlinkLink._on_battery_status,
    "GLOBAL_POSITION_INT": MavlinkLink._on_global_position,
    "ATTITUDE": MavlinkLink._on_attitude,
    "VFR_HUD": MavlinkLink._on_vfr_hud,
    "GPS_RAW_INT": MavlinkLink._on_gps_raw,
    "MISSION_CURRENT": MavlinkLink._on_mission_current,
    "MISSION_ITEM_REACHED": MavlinkLink._on_item_reached,
    "STATUSTEXT": MavlinkLink._on_statustext,
    "HOME_POSITION": MavlinkLink._on_home,
    "EXTENDED_SYS_STATE": MavlinkLink._on_ext_state,
    "COMMAND_ACK": MavlinkLink._on_command_ack,
}
