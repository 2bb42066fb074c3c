"""A simulated ArduCopter quadrotor that speaks real MAVLink 2 (pymavlink) over TCP or UDP.

It exists so that the drone link, the mission protocol, the pilot CLI and the 无人机 screen can be exercised end
to end without hardware or SITL: it is a *server* (``tcp:127.0.0.1:0`` listens, ``udp:127.0.0.1:0`` binds and
answers whoever talks to it) or a client (``udpout:host:port`` sends to a ground station's ``udpin:`` port, so
several simulated vehicles can share one link). One thread per vehicle runs a 50 Hz loop: read packets, step
simple speed-limited kinematics in local metres, send telemetry at the configured rates.

Faults are switched at run time through :attr:`SimVehicle.faults` (see :class:`SimFaults`) to test the unhappy
paths a real field day produces: a vehicle refusing to arm, denying a command, a lossy radio, a link that dies.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("MAVLINK20", "1")

from pymavlink.dialects.v20 import ardupilotmega as mav

from devices.mavlink import ArduCopterModes, MissionWireItem

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

    def __init__(self, vehicle: SimVehicle) -> None:
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


class SimVehicle:
    """A simulated multicopter. ``start()`` it, point a :class:`devices.mavlink.MavlinkLink` at ``bound_port``."""

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

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> SimVehicle:
        """Open the socket (so ``bound_port`` is known on return) and start the vehicle thread."""
        scheme, _, rest = self.listen.partition(":")
        host, _, port = rest.rpartition(":")
        if scheme == "tcp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, int(port)))
            sock.listen(4)
        elif scheme in ("udp", "udpin"):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((host, int(port)))
        elif scheme == "udpout":
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            self._udp_dest = (host, int(port))
            self._udp_peers[self._udp_dest] = self._parser()
        else:
            raise ValueError(f"SimVehicle listen must be tcp:, udp: or udpout:host:port, got {self.listen!r}")
        sock.setblocking(False)
        self._sock = sock
        self.bound_port = sock.getsockname()[1]
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"sim-vehicle-{self.sysid}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for client in list(self._clients):
                with contextlib.suppress(OSError):
                    client.close()
            self._clients.clear()
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def disconnect_clients(self) -> None:
        """Close every TCP client connection (the listening socket stays), as a radio bridge reboot would."""
        with self._lock:
            for client in list(self._clients):
                with contextlib.suppress(OSError):
                    client.close()
            self._clients.clear()

    @property
    def url(self) -> str:
        """The URL a ground station uses to reach this vehicle (for server modes)."""
        scheme = "tcp" if self.listen.startswith("tcp") else "udpout"
        return f"{scheme}:127.0.0.1:{self.bound_port}"

    # -- geometry ------------------------------------------------------------------------------------------------

    @property
    def lat(self) -> float:
        return self.home_lat + self.north / EARTH_M_PER_DEG

    @property
    def lon(self) -> float:
        return self.home_lon + self.east / (EARTH_M_PER_DEG * math.cos(math.radians(self.home_lat)))

    def to_local(self, lat: float, lon: float) -> tuple[float, float]:
        return ((lat - self.home_lat) * EARTH_M_PER_DEG,
                (lon - self.home_lon) * EARTH_M_PER_DEG * math.cos(math.radians(self.home_lat)))

    # -- transport -----------------------------------------------------------------------------------------------

    @staticmethod
    def _parser() -> Any:
        parser = mav.MAVLink(None)
        parser.robust_parsing = True
        return parser

    def _transmit(self, buf: bytes) -> None:
        if self.faults.link_loss:
            return
        with self._lock:
            sock = self._sock
            if sock is None:
                return
            if self.listen.startswith("tcp"):
                for client in list(self._clients):
                    try:
                        client.sendall(buf)
                    except OSError:
                        self._clients.pop(client, None)
                        with contextlib.suppress(OSError):
                            client.close()
            else:
                for peer in list(self._udp_peers):
                    with contextlib.suppress(OSError):
                        sock.sendto(buf, peer)

    def _receive(self, timeout: float) -> list[Any]:
        """Wait up to ``timeout`` for input; return decoded messages (empty while the link is 'lost')."""
        with self._lock:
            sock = self._sock
            readable = [sock, *self._clients] if sock is not None else []
        if not readable:
            time.sleep(timeout)
            return []
        try:
            ready, _, _ = select.select(readable, [], [], timeout)
        except (OSError, ValueError):
            return []
        messages: list[Any] = []
        for s in ready:
            if s is sock and self.listen.startswith("tcp"):
                with contextlib.suppress(OSError):
                    client, _ = sock.accept()
                    client.setblocking(False)
                    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    with self._lock:
                        self._clients[client] = self._parser()
                    self._greet = True
                continue
            try:
                if s is sock:
                    data, peer = sock.recvfrom(65535)
                    parser = self._udp_peers.get(peer)
                    if parser is None:
                        parser = self._udp_peers[peer] = self._parser()
                        self._greet = True
                else:
                    data = s.recv(65535)
                    parser = self._clients.get(s)
                    if not data:
                        raise ConnectionResetError("closed")
            except BlockingIOError:
                continue
            except OSError:
                with self._lock:
                    self._clients.pop(s, None)
                with contextlib.suppress(OSError):
                    s.close()
                continue
            if self.faults.link_loss or parser is None:
                continue
            messages.extend(parser.parse_buffer(data) or [])
        return messages

    def _send_mission(self, msg: Any) -> None:
        """Send a mission-protocol packet through the loss/duplication faults."""
        if self.rng.random() < self.faults.drop_mission_ratio:
            return
        self._mav.send(msg)
        if self.faults.duplicate_mission:
            self._transmit(msg.get_msgbuf())

    # -- main loop -----------------------------------------------------------------------------------------------

    def _run(self) -> None:
        last = time.monotonic()
        next_heartbeat = last
        while not self._stop.is_set():
            now = time.monotonic()
            wait = max(0.0, last + self.tick - now)
            for msg in self._receive(wait):
                self._dispatch(msg)
            now = time.monotonic()
            if now - last >= self.tick:
                with self._lock:
                    self._step((now - last) * self.time_scale)
                last = now
                self._telemetry(now)
                self._mission_timers(now)
            if now >= next_heartbeat or self._greet:
                self._greet = False
                next_heartbeat = now + 1.0
                if not self.faults.no_heartbeat:
                    self._heartbeat()

    def _dispatch(self, msg: Any) -> None:
        mtype = msg.get_type()
        if mtype == "BAD_DATA":
            return
        self.packets_in += 1
        target = getattr(msg, "target_system", None)
        if target not in (None, 0, self.sysid):
            return
        if mtype in MISSION_PROTOCOL:
            copies = 2 if self.faults.duplicate_mission else 1
            for _ in range(copies):
                if self.rng.random() >= self.faults.drop_mission_ratio:
                    with self._lock:
                        self._on_mission(msg, mtype)
            return
        with self._lock:
            if mtype == "COMMAND_LONG":
                self._on_command(msg, msg.command, [msg.param1, msg.param2, msg.param3, msg.param4, msg.param5,
                                                    msg.param6, msg.param7], None)
            elif mtype == "COMMAND_INT":
                self._on_command(msg, msg.command, [msg.param1, msg.param2, msg.param3, msg.param4, 0, 0, msg.z],
                                 (msg.x / 1e7, msg.y / 1e7, float(msg.z)))
            elif mtype == "SET_MODE":
                self._change_mode(ArduCopterModes.MODES.get(msg.custom_mode, ""))

    # -- telemetry -----------------------------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        base = mav.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | mav.MAV_MODE_FLAG_STABILIZE_ENABLED
        if self.mode in ("GUIDED", "AUTO", "RTL", "LOITER"):
            base |= mav.MAV_MODE_FLAG_GUIDED_ENABLED
        if self.armed:
            base |= mav.MAV_MODE_FLAG_SAFETY_ARMED
        status = mav.MAV_STATE_ACTIVE if self.armed else mav.MAV_STATE_STANDBY
        self._mav.heartbeat_send(mav.MAV_TYPE_QUADROTOR, mav.MAV_AUTOPILOT_ARDUPILOTMEGA, base,
                                 ArduCopterModes.NUMBERS[self.mode], status)

    def _telemetry(self, now: float) -> None:
        for name, hz in self.rates.items():
            if hz <= 0:
                continue
            due = self._next_due.get(name, 0.0)
            if now >= due:
                self._next_due[name] = max(due + 1.0 / hz, now - 1.0 / hz) if due else now + 1.0 / hz
                self.send_message(name)

    def send_message(self, name: str) -> None:
        """Send one telemetry message now (also used for MAV_CMD_REQUEST_MESSAGE)."""
        boot_ms = int((time.monotonic() - self._boot) * 1000) & 0xFFFFFFFF
        lat, lon = round(self.lat * 1e7), round(self.lon * 1e7)
        speed = math.hypot(self.vn, self.ve)
        heading = math.degrees(self.yaw) % 360.0
        voltage = 4 * (3.5 + 0.7 * self.battery_pct / 100.0)
        current = 18.0 if self.armed else 0.4
        m = self._mav
        if name == "GLOBAL_POSITION_INT":
            m.global_position_int_send(boot_ms, lat, lon, round((self.alt + self.home_alt) * 1000),
                                       round(self.alt * 1000), round(self.vn * 100), round(self.ve * 100),
                                       round(-self.vz * 100), round(heading * 100) % 36000)
        elif name == "ATTITUDE":
            m.attitude_send(boot_ms, self.roll, self.pitch, _wrap_pi(self.yaw), 0.0, 0.0, 0.0)
        elif name == "VFR_HUD":
            m.vfr_hud_send(speed, speed, round(heading) % 360, 55 if self.armed else 0, self.alt + self.home_alt,
                           self.vz)
        elif name == "SYS_STATUS":
            m.sys_status_send(0, 0, 0, 250, round(voltage * 1000), round(current * 100), round(self.battery_pct),
                              0, 0, 0, 0, 0, 0)
        elif name == "BATTERY_STATUS":
            cells = [round(voltage * 250)] * 4 + [0xFFFF] * 6
            left = self.battery_pct / (self.battery_drain_per_min / 60.0) if self.armed else 0
            m.battery_status_send(0, mav.MAV_BATTERY_FUNCTION_ALL, mav.MAV_BATTERY_TYPE_LIPO, 0x7FFF, cells,
                                  round(current * 100), round((100 - self.battery_pct) * 50), -1,
                                  round(self.battery_pct), round(left))
        elif name == "GPS_RAW_INT":
            m.gps_raw_int_send(boot_ms * 1000, self.gps_fix, lat, lon, round((self.alt + self.home_alt) * 1000),
                               80, 120, round(speed * 100), round(heading * 100) % 36000, self.satellites)
        elif name == "HOME_POSITION":
            m.home_position_send(round(self.home_lat * 1e7), round(self.home_lon * 1e7),
                                 round(self.home_alt * 1000), 0.0, 0.0, 0.0, [1.0, 0.0, 0.0, 0.0], 0.0, 0.0, 0.0)
        elif name == "EXTENDED_SYS_STATE":
            m.extended_sys_state_send(mav.MAV_VTOL_STATE_UNDEFINED, self._landed_state())
        elif name == "MISSION_CURRENT":
            m.mission_current_send(self.mission_seq, len(self.missions[0]))

    def _landed_state(self) -> int:
        if not self.armed or self.alt <= 0.05:
            return mav.MAV_LANDED_STATE_ON_GROUND
        if self.vz > 0.3:
            return mav.MAV_LANDED_STATE_TAKEOFF if self.alt < 3 else mav.MAV_LANDED_STATE_IN_AIR
        if self.vz < -0.3 and self.mode in ("LAND", "RTL"):
            return mav.MAV_LANDED_STATE_LANDING
        return mav.MAV_LANDED_STATE_IN_AIR

    def statustext(self, text: str, severity: int = mav.MAV_SEVERITY_INFO) -> None:
        self._mav.statustext_send(severity, text.encode("utf-8")[:50])

    # -- commands ------------------------------------------------------------------------------------------------

    def _ack(self, msg: Any, command: int, result: int) -> None:
        self._mav.command_ack_send(command, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent())

    def _on_command(self, msg: Any, command: int, p: list[float], position: tuple[float, float, float] | None
                    ) -> None:
        if command in self.faults.nack_commands:
            self._ack(msg, command, mav.MAV_RESULT_DENIED)
            return
        handler = _COMMANDS.get(command)
        if handler is None:
            self._ack(msg, command, mav.MAV_RESULT_UNSUPPORTED)
            return
        self._ack(msg, command, handler(self, p, position))

    def _cmd_arm(self, p: list[float], position: Any) -> int:
        force = abs(p[1] - 21196.0) < 0.5
        if p[0] >= 0.5:
            if self.armed:
                return mav.MAV_RESULT_ACCEPTED
            if not force:
                if self.faults.prearm_fail:
                    self.statustext(f"PreArm: {self.faults.prearm_fail}", mav.MAV_SEVERITY_CRITICAL)
                    return mav.MAV_RESULT_FAILED
                if self.battery_pct < 20.0:
                    self.statustext("PreArm: Battery below minimum arming capacity", mav.MAV_SEVERITY_CRITICAL)
                    return mav.MAV_RESULT_FAILED
                if self.gps_fix < 3:
                    self.statustext("PreArm: GPS not healthy", mav.MAV_SEVERITY_CRITICAL)
                    return mav.MAV_RESULT_FAILED
                if self.mode not in ArduCopterModes.armable:
                    self.statustext("Arm: Mode not armable", mav.MAV_SEVERITY_CRITICAL)
                    return mav.MAV_RESULT_FAILED
            self.armed = True
            self.statustext("Arming motors", mav.MAV_SEVERITY_INFO)
            return mav.MAV_RESULT_ACCEPTED
        if self.armed and self.alt > 0.3 and not force:
            self.statustext("Disarm: vehicle is flying", mav.MAV_SEVERITY_WARNING)
            return mav.MAV_RESULT_FAILED
        self._disarm()
        return mav.MAV_RESULT_ACCEPTED

    def _disarm(self) -> None:
        if self.armed:
            self.statustext("Disarming motors", mav.MAV_SEVERITY_INFO)
        self.armed = False
        self.alt = 0.0
        self.vn = self.ve = self.vz = 0.0
        self.target = None

    def _change_mode(self, name: str) -> bool:
        if name not in SUPPORTED_MODES:
            return False
        if name == "AUTO" and len(self.missions[0]) < 2:
            self.statustext("Flight mode change failed: no mission", mav.MAV_SEVERITY_WARNING)
            return False
        self.mode = name
        self.paused = False
        if name in ("LOITER", "GUIDED", "POSHOLD", "ALT_HOLD", "STABILIZE"):
            self.target = (self.north, self.east, self.alt) if self.alt > 0.3 else None
        elif name == "RTL":
            self.rtl_phase = "climb"
        elif name == "AUTO":
            self.mission_seq = max(1, self.mission_seq) if self.mission_seq < len(self.missions[0]) else 1
            self.target = None
        return True

    def _cmd_set_mode(self, p: list[float], position: Any) -> int:
        name = ArduCopterModes.MODES.get(int(p[1]), "")
        return mav.MAV_RESULT_ACCEPTED if self._change_mode(name) else mav.MAV_RESULT_FAILED

    def _cmd_takeoff(self, p: list[float], position: Any) -> int:
        if self.mode != "GUIDED":
            self.statustext("Takeoff: vehicle must be in GUIDED", mav.MAV_SEVERITY_WARNING)
            return mav.MAV_RESULT_FAILED
        if not self.armed:
            self.statustext("Takeoff: arm the vehicle first", mav.MAV_SEVERITY_WARNING)
            return mav.MAV_RESULT_FAILED
        alt = p[6]
        if not 1.0 <= alt <= 500.0:
            return mav.MAV_RESULT_DENIED
        self.target = (self.north, self.east, alt)
        return mav.MAV_RESULT_ACCEPTED

    def _cmd_land(self, p: list[float], position: Any) -> int:
        return mav.MAV_RESULT_ACCEPTED if self._change_mode("LAND") else mav.MAV_RESULT_FAILED

    def _cmd_rtl(self, p: list[float], position: Any) -> int:
        return mav.MAV_RESULT_ACCEPTED if self._change_mode("RTL") else mav.MAV_RESULT_FAILED

    def _cmd_reposition(self, p: list[float], position: tuple[float, float, float] | None) -> int:
        if position is None:
            position = (p[4], p[5], p[6])
        if not self.armed or self.alt < 0.5:
            self.statustext("Reposition: vehicle is not flying", mav.MAV_SEVERITY_WARNING)
            return mav.MAV_RESULT_FAILED
        if self.mode != "GUIDED":
            if not int(p[1]) & mav.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE:
                return mav.MAV_RESULT_FAILED
            self._change_mode("GUIDED")
        north, east = self.to_local(position[0], position[1])
        if p[0] > 0:
            self.max_speed = p[0]
        self.target = (north, east, position[2])
        return mav.MAV_RESULT_ACCEPTED

    def _cmd_change_speed(self, p: list[float], position: Any) -> int:
        if p[1] <= 0:
            return mav.MAV_RESULT_DENIED
        self.max_speed = p[1]
        return mav.MAV_RESULT_ACCEPTED

    def _cmd_pause_continue(self, p: list[float], position: Any) -> int:
        if self.mode != "AUTO":
            return mav.MAV_RESULT_FAILED
        self.paused = p[0] < 0.5
        return mav.MAV_RESULT_ACCEPTED

    def _cmd_mission_start(self, p: list[float], position: Any) -> int:
        if not self.armed:
            self.statustext("Mission start: arm the vehicle first", mav.MAV_SEVERITY_WARNING)
            return mav.MAV_RESULT_FAILED
        if len(self.missions[0]) < 2:
            self.statustext("Mission start: no mission loaded", mav.MAV_SEVERITY_WARNING)
            return mav.MAV_RESULT_FAILED
        self.mission_seq = max(1, int(p[0]))
        self._change_mode("AUTO")
        return mav.MAV_RESULT_ACCEPTED

    def _cmd_message_interval(self, p: list[float], position: Any) -> int:
        name = MSG_NAMES.get(int(p[0]))
        if name is None:
            return mav.MAV_RESULT_UNSUPPORTED
        self.rates[name] = 0.0 if p[1] < 0 else (1e6 / p[1] if p[1] > 0 else DEFAULT_RATES[name])
        return mav.MAV_RESULT_ACCEPTED

    def _cmd_request_message(self, p: list[float], position: Any) -> int:
        name = MSG_NAMES.get(int(p[0]))
        if name is None:
            return mav.MAV_RESULT_UNSUPPORTED
        self.send_message(name)
        return mav.MAV_RESULT_ACCEPTED

    def _cmd_get_home(self, p: list[float], position: Any) -> int:
        self.send_message("HOME_POSITION")
        return mav.MAV_RESULT_ACCEPTED

    # -- mission protocol server -----------------------------------------------------------------------------------

    def _on_mission(self, msg: Any, mtype: str) -> None:
        mtypeid = int(getattr(msg, "mission_type", 0))
        if mtypeid not in self.missions:
            self._mission_ack(msg, mav.MAV_MISSION_UNSUPPORTED, mtypeid)
            return
        if mtype == "MISSION_COUNT":
            self._upload_done.pop(mtypeid, None)
            if msg.count == 0:
                self._commit(mtypeid, [])
                self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)
                return
            upload = self._uploads.get(mtypeid)
            if upload is None or upload.count != msg.count or upload.items:
                upload = self._uploads[mtypeid] = _Upload(msg.count, (msg.get_srcSystem(), msg.get_srcComponent()))
            self._request_next(mtypeid, upload)
        elif mtype in ("MISSION_ITEM_INT", "MISSION_ITEM"):
            upload = self._uploads.get(mtypeid)
            if upload is None:
                if self._upload_done.get(mtypeid) == msg.seq + 1:  # our final ACK was lost; say it again
                    self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)
                return
            if msg.seq == len(upload.items):
                x, y = msg.x, msg.y
                if mtype == "MISSION_ITEM":
                    x, y = round(x * 1e7), round(y * 1e7)
                upload.items.append(MissionWireItem(
                    seq=msg.seq, frame=msg.frame, command=msg.command, param1=msg.param1, param2=msg.param2,
                    param3=msg.param3, param4=msg.param4, x=int(x), y=int(y), z=float(msg.z),
                    autocontinue=msg.autocontinue, current=msg.current))
                upload.retries = 0
                if len(upload.items) == upload.count:
                    del self._uploads[mtypeid]
                    self._commit(mtypeid, upload.items)
                    self._upload_done[mtypeid] = upload.count
                    self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)
                    return
            self._request_next(mtypeid, upload)
        elif mtype == "MISSION_REQUEST_LIST":
            self._send_mission(self._mav.mission_count_encode(msg.get_srcSystem(), msg.get_srcComponent(),
                                                              len(self.missions[mtypeid]), mtypeid))
        elif mtype in ("MISSION_REQUEST_INT", "MISSION_REQUEST"):
            items = self.missions[mtypeid]
            if msg.seq >= len(items):
                self._mission_ack(msg, mav.MAV_MISSION_INVALID_SEQUENCE, mtypeid)
                return
            it = items[msg.seq]
            self._send_mission(self._mav.mission_item_int_encode(
                msg.get_srcSystem(), msg.get_srcComponent(), it.seq, it.frame, it.command, it.current,
                it.autocontinue, it.param1, it.param2, it.param3, it.param4, it.x, it.y, it.z, mtypeid))
        elif mtype == "MISSION_CLEAR_ALL":
            self._commit(mtypeid, [])
            self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)

    def _commit(self, mission_type: int, items: list[MissionWireItem]) -> None:
        self.missions[mission_type] = list(items)
        if mission_type == 0:
            # As ArduCopter does: a vehicle flying AUTO keeps its mode and flies the new mission from its first
            # item; an upload never changes the flight mode behind the pilot's back.
            self.mission_seq = 1 if self.mode == "AUTO" and items else 0

    def _mission_ack(self, msg: Any, result: int, mission_type: int) -> None:
        self._send_mission(self._mav.mission_ack_encode(msg.get_srcSystem(), msg.get_srcComponent(), result,
                                                        mission_type))

    def _request_next(self, mission_type: int, upload: _Upload) -> None:
        upload.last_request = time.monotonic()
        self._send_mission(self._mav.mission_request_int_encode(*upload.peer, len(upload.items), mission_type))

    def _mission_timers(self, now: float) -> None:
        """Re-request an item the ground station seems not to have received; give up after 50 tries."""
        with self._lock:
            for mission_type, upload in list(self._uploads.items()):
                if now - upload.last_request < self.mission_retry_s:
                    continue
                upload.retries += 1
                if upload.retries > 50:
                    del self._uploads[mission_type]
                    self._send_mission(self._mav.mission_ack_encode(*upload.peer,
                                                                    mav.MAV_MISSION_OPERATION_CANCELLED, mission_type))
                    continue
                self._request_next(mission_type, upload)

    # -- kinematics ----------------------------------------------------------------------------------------------

    def _step(self, dt: float) -> None:
        if dt <= 0:
            return
        if self.armed:
            self.battery_pct = max(0.0, self.battery_pct - self.battery_drain_per_min / 60.0 * dt *
                                   (1.0 if self.alt > 0.3 else 0.2))
        if not self.armed:
            self.vn = self.ve = self.vz = 0.0
            self.roll = self.pitch = 0.0
            return
        mode = self.mode
        if mode == "AUTO":
            self._auto(dt)
        elif mode == "RTL":
            self._rtl()
        elif mode == "LAND":
            self.target = (self.north, self.east, -1.0)
        target = self.target
        if target is None or (self.paused and mode == "AUTO"):
            target = (self.north, self.east, self.alt)
        self._move(target, dt)
        if mode in ("LAND", "RTL") and self.alt <= 0.0 and self.vz <= 0:
            self.statustext("Land complete", mav.MAV_SEVERITY_INFO)
            self._disarm()

    def _move(self, target: tuple[float, float, float], dt: float) -> None:
        dn, de = target[0] - self.north, target[1] - self.east
        dist = math.hypot(dn, de)
        speed = min(self.max_speed, dist / dt) if dist > 1e-6 else 0.0
        # accelerate at most 5 m/s² so the attitude indicator shows something plausible
        want_vn = dn / dist * speed if dist > 1e-6 else 0.0
        want_ve = de / dist * speed if dist > 1e-6 else 0.0
        limit = 5.0 * dt
        accel_n = max(-limit, min(limit, want_vn - self.vn))
        accel_e = max(-limit, min(limit, want_ve - self.ve))
        if dist < self.max_speed * dt:  # arrive exactly instead of orbiting the point
            self.vn, self.ve = dn / dt, de / dt
        else:
            self.vn += accel_n
            self.ve += accel_e
        self.north += self.vn * dt
        self.east += self.ve * dt
        dz = target[2] - self.alt
        self.vz = max(-self.descent_rate, min(self.climb_rate, dz / dt))
        self.alt = max(0.0, self.alt + self.vz * dt)
        if self.alt == 0.0 and self.vz < 0:
            self.vz = 0.0
        if math.hypot(self.vn, self.ve) > 0.5:
            self.yaw = math.atan2(self.ve, self.vn)
        # body-frame tilt from acceleration (a small-angle copter model)
        forward = accel_n * math.cos(self.yaw) + accel_e * math.sin(self.yaw)
        right = -accel_n * math.sin(self.yaw) + accel_e * math.cos(self.yaw)
        self.pitch = 0.8 * self.pitch + 0.2 * -math.atan2(forward / dt, 9.81) * 0.5
        self.roll = 0.8 * self.roll + 0.2 * math.atan2(right / dt, 9.81) * 0.5

    def _rtl(self) -> None:
        if self.rtl_phase == "climb":
            climb_to = max(self.alt, self.rtl_alt)
            self.target = (self.north, self.east, climb_to)
            if self.alt >= climb_to - 0.3:
                self.rtl_phase = "return"
        if self.rtl_phase == "return":
            self.target = (0.0, 0.0, max(self.alt, 1.0) if self.alt >= self.rtl_alt - 0.5 else self.rtl_alt)
            if math.hypot(self.north, self.east) < 1.0:
                self.rtl_phase = "land"
        if self.rtl_phase == "land":
            self.target = (0.0, 0.0, -1.0)

    def _auto(self, dt: float) -> None:
        items = self.missions[0]
        if self.paused:
            return
        while self.mission_seq < len(items):
            item = items[self.mission_seq]
            cmd = item.command
            if cmd in (mav.MAV_CMD_NAV_WAYPOINT, mav.MAV_CMD_NAV_SPLINE_WAYPOINT, mav.MAV_CMD_NAV_LOITER_TIME):
                north, east = self.to_local(item.x / 1e7, item.y / 1e7)
                alt = item.z - self.home_alt if item.frame in (mav.MAV_FRAME_GLOBAL, mav.MAV_FRAME_GLOBAL_INT) \
                    else item.z
                self.target = (north, east, alt)
                if math.hypot(north - self.north, east - self.east) > 1.5 or abs(alt - self.alt) > 1.0:
                    return
                if cmd == mav.MAV_CMD_NAV_LOITER_TIME:
                    now = time.monotonic()
                    if not self.loiter_until:
                        self.loiter_until = now + item.param1 / max(self.time_scale, 1e-6)
                    if now < self.loiter_until:
                        return
                    self.loiter_until = 0.0
            elif cmd == mav.MAV_CMD_NAV_TAKEOFF:
                self.target = (self.north, self.east, item.z)
                if self.alt < item.z - 0.5:
                    return
            elif cmd == mav.MAV_CMD_NAV_LAND:
                self._change_mode("LAND")
                return
            elif cmd == mav.MAV_CMD_NAV_RETURN_TO_LAUNCH:
                self._change_mode("RTL")
                return
            self._mav.mission_item_reached_send(self.mission_seq)
            self.mission_seq += 1
            self.send_message("MISSION_CURRENT")
        self.statustext("Mission complete", mav.MAV_SEVERITY_INFO)
        self._change_mode("LOITER")


def _wrap_pi(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


_COMMANDS = {
    mav.MAV_CMD_COMPONENT_ARM_DISARM: SimVehicle._cmd_arm,
    mav.MAV_CMD_DO_SET_MODE: SimVehicle._cmd_set_mode,
    mav.MAV_CMD_NAV_TAKEOFF: SimVehicle._cmd_takeoff,
    mav.MAV_CMD_NAV_LAND: SimVehicle._cmd_land,
    mav.MAV_CMD_NAV_RETURN_TO_LAUNCH: SimVehicle._cmd_rtl,
    mav.MAV_CMD_DO_REPOSITION: SimVehicle._cmd_reposition,
    mav.MAV_CMD_DO_CHANGE_SPEED: SimVehicle._cmd_change_speed,
    mav.MAV_CMD_DO_PAUSE_CONTINUE: SimVehicle._cmd_pause_continue,
    mav.MAV_CMD_MISSION_START: SimVehicle._cmd_mission_start,
    mav.MAV_CMD_SET_MESSAGE_INTERVAL: SimVehicle._cmd_message_interval,
    mav.MAV_CMD_REQUEST_MESSAGE: SimVehicle._cmd_request_message,
    mav.MAV_CMD_GET_HOME_POSITION: SimVehicle._cmd_get_home,
}
