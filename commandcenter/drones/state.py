"""What the command center knows about one drone, folded from the MAVLink link's typed events.

The link (``devices.mavlink``) decodes and tells facts; this module keeps the state. :class:`VehicleState` is
frozen: :meth:`VehicleState.apply` returns a new one, so a reader on another thread (drone tasking, patrols,
the pilot CLI) always holds a consistent snapshot while the fleet replaces it on the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from devices.mavlink import (
    DroneAttitude,
    DroneBattery,
    DroneCommandAck,
    DroneEvent,
    DroneGps,
    DroneHeartbeat,
    DroneHome,
    DroneHud,
    DroneLandedState,
    DroneLinkEvent,
    DroneLinkQuality,
    DroneMessage,
    DroneMissionProgress,
    DronePosition,
    DroneWaypointReached,
)

MESSAGES_KEPT = 50


@dataclass(frozen=True, slots=True)
class VehicleState:
    """Everything the command center knows about one vehicle. Angles in degrees, altitudes in metres.

    ``last_heartbeat`` is the wall-clock time (``time.time()``) the link decoded the last heartbeat.
    """

    sysid: int
    firmware: str = "ardupilot"
    vehicle_type: int = 0
    mode: str = "UNKNOWN"
    custom_mode: int = 0
    base_mode: int = 0
    system_status: int = 0
    armed: bool = False
    lat: float | None = None
    lon: float | None = None
    alt_rel: float | None = None
    alt_msl: float | None = None
    heading: float | None = None
    groundspeed: float | None = None
    airspeed: float | None = None
    climb: float | None = None
    roll: float = 0.0
    pitch: float = 0.0
    yaw: float = 0.0
    battery_voltage: float | None = None
    battery_pct: float | None = None
    battery_current: float | None = None
    time_left_s: float | None = None
    gps_fix: int = 0
    satellites: int = 0
    hdop: float | None = None
    mission_seq: int = 0
    mission_total: int = 0
    last_reached: int = -1
    home_lat: float | None = None
    home_lon: float | None = None
    home_alt: float | None = None
    landed_state: str = "UNDEFINED"
    messages: tuple[tuple[float, int, str], ...] = ()
    last_ack: str = ""  # "MAV_CMD_… MAV_RESULT_…" of the last COMMAND_ACK
    last_heartbeat: float = 0.0
    link_ok: bool = False
    link_quality: float = 1.0
    packets: int = 0
    lost_packets: int = 0

    def apply(self, event: DroneEvent) -> VehicleState:
        """The state after ``event`` (self when the event says nothing about the vehicle's state)."""
        match event:
            case DroneHeartbeat():
                return replace(self, firmware=event.firmware, vehicle_type=event.vehicle_type, mode=event.mode,
                               base_mode=event.base_mode, custom_mode=event.custom_mode,
                               system_status=event.system_status, armed=event.armed,
                               last_heartbeat=event.time, link_ok=True)
            case DronePosition():
                return replace(self, lat=event.lat, lon=event.lon, alt_msl=event.alt_msl, alt_rel=event.alt_rel,
                               heading=self.heading if event.heading is None else event.heading,
                               climb=event.climb)
            case DroneAttitude():
                return replace(self, roll=event.roll, pitch=event.pitch, yaw=event.yaw)
            case DroneHud():
                return replace(self, groundspeed=event.groundspeed, airspeed=event.airspeed, heading=event.heading,
                               climb=event.climb)
            case DroneBattery():
                return replace(self, battery_voltage=event.voltage, battery_pct=event.pct,
                               battery_current=event.current, time_left_s=event.time_left_s)
            case DroneGps():
                return replace(self, gps_fix=event.fix_type, satellites=event.satellites, hdop=event.hdop)
            case DroneMissionProgress():
                return replace(self, mission_seq=event.seq,
                               mission_total=self.mission_total if event.total is None else event.total)
            case DroneWaypointReached():
                return replace(self, last_reached=event.seq)
            case DroneHome():
                return replace(self, home_lat=event.lat, home_lon=event.lon, home_alt=event.alt)
            case DroneLandedState():
                return replace(self, landed_state=event.landed_state)
            case DroneLinkQuality():
                return replace(self, packets=event.packets, lost_packets=event.lost_packets,
                               link_quality=event.quality)
            case DroneMessage():
                kept = (*self.messages[-(MESSAGES_KEPT - 1):], (event.time, event.severity, event.text))
                return replace(self, messages=kept)
            case DroneCommandAck():
                return replace(self, last_ack=f"{event.command_name} {event.result_name}")
            case DroneLinkEvent(kind="lost" | "disconnected"):
                return replace(self, link_ok=False)
            case DroneLinkEvent(kind="connected" | "recovered"):
                return replace(self, link_ok=True)
        return self


class VehicleStates:
    """Vehicle states of one link by system id, folded from its events; thread-safe.

    For users of a bare link without the fleet (the pilot CLI, tests): pass :meth:`apply` as the link's sink.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[int, VehicleState] = {}

    def apply(self, event: object) -> None:
        if not isinstance(event, DroneEvent):
            return
        with self._lock:
            if event.sysid == 0:  # the whole connection: every vehicle on it
                if isinstance(event, DroneLinkEvent):
                    self._states = {k: s.apply(event) for k, s in self._states.items()}
                return
            state = self._states.get(event.sysid) or VehicleState(event.sysid)
            self._states[event.sysid] = state.apply(event)

    def get(self, sysid: int) -> VehicleState | None:
        with self._lock:
            return self._states.get(sysid)

    def all(self) -> dict[int, VehicleState]:
        with self._lock:
            return dict(self._states)
