"""Telemetry of the simulated multicopter: heartbeat, the periodic messages at their rates, status texts."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import math
import time

from pymavlink.dialects.v20 import ardupilotmega as mav

from commandcenter.demo.mavsim.base import VehicleBase
from devices.mavlink import ArduCopterModes


class SimTelemetry(VehicleBase):
    """What the vehicle says unasked (heartbeat, telemetry at ``rates``) and on request (``send_message``)."""

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


def _wrap_pi(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi
