"""The flight model of the simulated multicopter: speed-limited kinematics in local metres, RTL, AUTO missions."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import math
import time

from pymavlink.dialects.v20 import ardupilotmega as mav

from commandcenter.demo.mavsim.mission import SimMission


class SimFlight(SimMission):
    """``_step(dt)`` moves the vehicle toward its target by its mode (GUIDED/LOITER target, RTL phases, AUTO)."""

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

