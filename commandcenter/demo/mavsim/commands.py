"""Commands of the simulated multicopter: COMMAND_LONG/COMMAND_INT handlers (arm, modes, take-off, land, RTL,
reposition, speed, pause, mission start, message rates) with the ArduCopter-like refusals a pilot meets."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mav

from commandcenter.demo.mavsim.base import DEFAULT_RATES, MSG_NAMES, SUPPORTED_MODES
from commandcenter.demo.mavsim.telemetry import SimTelemetry
from devices.mavlink import ArduCopterModes


class SimCommands(SimTelemetry):
    """Each command answered with COMMAND_ACK; faults can deny any (``faults.nack_commands``)."""

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


_COMMANDS = {
    mav.MAV_CMD_COMPONENT_ARM_DISARM: SimCommands._cmd_arm,
    mav.MAV_CMD_DO_SET_MODE: SimCommands._cmd_set_mode,
    mav.MAV_CMD_NAV_TAKEOFF: SimCommands._cmd_takeoff,
    mav.MAV_CMD_NAV_LAND: SimCommands._cmd_land,
    mav.MAV_CMD_NAV_RETURN_TO_LAUNCH: SimCommands._cmd_rtl,
    mav.MAV_CMD_DO_REPOSITION: SimCommands._cmd_reposition,
    mav.MAV_CMD_DO_CHANGE_SPEED: SimCommands._cmd_change_speed,
    mav.MAV_CMD_DO_PAUSE_CONTINUE: SimCommands._cmd_pause_continue,
    mav.MAV_CMD_MISSION_START: SimCommands._cmd_mission_start,
    mav.MAV_CMD_SET_MESSAGE_INTERVAL: SimCommands._cmd_message_interval,
    mav.MAV_CMD_REQUEST_MESSAGE: SimCommands._cmd_request_message,
    mav.MAV_CMD_GET_HOME_POSITION: SimCommands._cmd_get_home,
}
