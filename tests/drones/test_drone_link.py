"""The MAVLink link against the simulated ArduCopter over real loopback sockets: telemetry, commands, link loss."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.state import VehicleState, VehicleStates
from devices.base import RejectedInput
from devices.mavlink import (
    DroneAttitude,
    DroneCommandAck,
    DroneEvent,
    DroneLinkEvent,
    DroneMessage,
    DronePosition,
    MavlinkLink,
    mav,
)
from tests.devices.adapter_support import RunningAdapter

HOME = (32.0603, 118.7969)
STATES: dict[str, VehicleStates] = {}  # link id → vehicle states folded from its events, as the fleet does


def st(link: MavlinkLink, sysid: int) -> VehicleState:
    """The vehicle's current state as folded from what the link emitted, which must exist."""
    state = STATES[link.id].get(sysid)
    assert state is not None, f"no state for system {sysid}"
    return state


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll until ``predicate`` is truthy; fail with ``what`` at the deadline (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Running(RunningAdapter[MavlinkLink]):
    """A link run by the real DeviceManager (the one adapter harness), collecting what it emits."""

    def __init__(self, link: MavlinkLink) -> None:
        self.states = STATES[link.id] = VehicleStates()
        super().__init__(link)

    @property
    def link(self) -> MavlinkLink:
        return self.server

    def _collect(self, batch: list[Any]) -> None:
        super()._collect(batch)
        for event in batch:  # folded as the fleet folds them
            self.states.apply(event)


@pytest.fixture
def sim() -> Iterator[SimVehicle]:
    vehicle = SimVehicle(1, *HOME, listen="tcp:127.0.0.1:0", time_scale=3.0).start()
    yield vehicle
    vehicle.stop()


@pytest.fixture
def running(sim: SimVehicle, tmp_path: Path) -> Iterator[Running]:
    link = MavlinkLink("drone-1", sim.url, tlog=tmp_path / "drone-1.tlog", command_timeout=0.5,
                       heartbeat_timeout=3.0)
    run = Running(link)
    assert link.wait_vehicle(0, 5) == 1
    wait_for(lambda: run.states.get(1), what="the vehicle's first state through the manager's batches")
    yield run
    run.close()


def test_telemetry_is_parsed(running: Running, tmp_path: Path) -> None:
    link = running.link
    state = wait_for(lambda: (s := running.states.get(1)) and s.lat is not None and s.battery_pct is not None
                     and s.home_lat is not None and s.gps_fix == 3 and s.landed_state != "UNDEFINED" and s,
                     what="position, battery, home and landed state")
    assert state.lat == pytest.approx(HOME[0], abs=1e-6)
    assert state.lon == pytest.approx(HOME[1], abs=1e-6)
    assert state.mode == "STABILIZE"
    assert state.armed is False
    assert state.battery_pct == pytest.approx(100.0)
    assert state.battery_voltage == pytest.approx(16.8, abs=0.05)
    assert state.satellites == 14
    assert state.landed_state == "ON_GROUND"
    assert state.firmware == "ardupilot"
    assert state.link_ok and state.link_quality > 0.9
    events = running.of(DroneEvent)
    assert events and all(e.device_id == "drone-1" and e.sysid in (0, 1) for e in events)
    # positions decoded before the first GPS_RAW_INT carry no fix type: they are not positions yet
    valid = wait_for(lambda: [p for p in running.of(DronePosition) if p.valid], what="a position with a 3D fix")
    assert valid[-1].fix_type == 3 and valid[-1].lat == pytest.approx(HOME[0], abs=1e-6)
    vehicle = link.vehicle(1)
    assert vehicle is not None and vehicle.firmware == "ardupilot" and vehicle.link_ok
    assert vehicle.home is not None and vehicle.home[0] == pytest.approx(HOME[0], abs=1e-6)
    assert any(e.kind == "connected" and e.sysid == 1 for e in running.of(DroneLinkEvent))
    wait_for(lambda: (tmp_path / "drone-1.tlog").stat().st_size > 0, what="the tlog to be written")


def test_snapshots_are_rate_limited(sim: SimVehicle) -> None:
    sim.rates = {name: 50.0 for name in sim.rates}
    run = Running(MavlinkLink("fast", sim.url, rates={}))
    try:
        assert run.link.wait_vehicle(0, 5)
        start = len(run.of(DroneAttitude))
        t0 = time.monotonic()
        wait_for(lambda: run.link.stats.messages > 300, what="300 messages")
        elapsed = time.monotonic() - t0
        produced = len(run.of(DroneAttitude)) - start
        assert produced <= 20 * elapsed + 3, f"{produced} attitude events from 50 Hz ATTITUDE in {elapsed:.2f} s"
    finally:
        run.close()


def test_commands_are_acknowledged(running: Running, sim: SimVehicle) -> None:
    link = running.link
    assert link.set_mode(1, "GUIDED").ok
    wait_for(lambda: st(link, 1).mode == "GUIDED", what="GUIDED in the heartbeat")
    result = link.arm(1)
    assert result.ok and result.result_name == "MAV_RESULT_ACCEPTED"
    wait_for(lambda: any(a.command_name == "MAV_CMD_COMPONENT_ARM_DISARM" and a.result_name == "MAV_RESULT_ACCEPTED"
                         for a in running.of(DroneCommandAck)), what="the COMMAND_ACK event")
    wait_for(lambda: st(link, 1).armed, what="armed heartbeat")
    assert link.takeoff(1, 12).ok
    wait_for(lambda: (st(link, 1).alt_rel or 0) > 5, what="climbing above 5 m")
    lat, lon = HOME[0] + 0.0005, HOME[1] + 0.0005
    assert link.goto(1, lat, lon, 15).ok
    wait_for(lambda: (st(link, 1).lat or 0.0) > HOME[0] + 0.0002, what="moving north-east")
    assert link.change_speed(1, 6).ok
    assert link.set_mode(1, "LOITER").ok
    wait_for(lambda: st(link, 1).mode == "LOITER", what="LOITER")
    assert link.rtl(1).ok
    wait_for(lambda: st(link, 1).mode == "RTL", what="RTL")
    assert link.land(1).ok
    wait_for(lambda: st(link, 1).mode == "LAND", what="LAND")
    wait_for(lambda: not st(link, 1).armed, timeout=15, what="landed and disarmed")
    assert any("Land complete" in m.text for m in running.of(DroneMessage))


def test_denied_command_reports_reason(running: Running, sim: SimVehicle) -> None:
    sim.faults.nack_commands = {mav.MAV_CMD_DO_SET_MODE}
    result = running.link.set_mode(1, "GUIDED")
    assert not result.ok
    assert result.result_name == "MAV_RESULT_DENIED"
    assert "MAV_CMD_DO_SET_MODE" in result.text
    unknown = running.link.set_mode(1, "WARP")
    assert not unknown.ok and unknown.result_name == "UNKNOWN_MODE"


def test_prearm_failure_carries_statustext(running: Running, sim: SimVehicle) -> None:
    sim.faults.prearm_fail = "GPS not healthy"
    result = running.link.arm(1)
    assert not result.ok
    assert result.result_name == "MAV_RESULT_FAILED"
    assert result.text == "PreArm: GPS not healthy"
    wait_for(lambda: any(m.text == "PreArm: GPS not healthy" for m in running.of(DroneMessage)),
             what="the STATUSTEXT event")
    sim.faults.prearm_fail = ""
    assert running.link.set_mode(1, "RTL").ok
    refused = running.link.arm(1)
    assert not refused.ok and "Mode not armable" in refused.text


def test_timeout_has_a_reason(running: Running, sim: SimVehicle) -> None:
    sim.faults.drop_mission_ratio = 0.0
    running.link.command_retries = 2
    running.link.command_timeout = 0.2
    sim.faults.link_loss = True
    # The link has not yet noticed the loss (3 s): the command itself must time out with an explanation.
    result = running.link.arm(1)
    assert not result.ok and result.result_name == "TIMEOUT"
    assert "no COMMAND_ACK for MAV_CMD_COMPONENT_ARM_DISARM after 2 tries" in result.text


def test_link_loss_detected_and_recovered(running: Running, sim: SimVehicle) -> None:
    link = running.link
    wait_for(lambda: st(link, 1).lat is not None, what="telemetry")
    sim.faults.link_loss = True
    lost_at = time.monotonic()
    wait_for(lambda: any(e.kind == "lost" and e.sysid == 1 for e in running.of(DroneLinkEvent)), timeout=5,
             what="link lost event")
    # the last heartbeat was up to 1 s before the fault: lost within 3 s of the last heartbeat (+ tick slack)
    assert time.monotonic() - lost_at < 3.5
    assert not st(link, 1).link_ok
    refused = link.arm(1)
    assert not refused.ok and refused.result_name == "LINK_LOST"
    sim.faults.link_loss = False
    wait_for(lambda: any(e.kind == "recovered" for e in running.of(DroneLinkEvent)), timeout=4,
             what="link recovered event")
    assert link.set_mode(1, "GUIDED").ok


def test_tcp_reconnects_after_drop(running: Running, sim: SimVehicle) -> None:
    link = running.link
    sim.disconnect_clients()
    wait_for(lambda: any(e.kind == "disconnected" for e in running.of(DroneLinkEvent)), what="disconnect")
    wait_for(lambda: any(e.kind == "reconnected" for e in running.of(DroneLinkEvent)), what="reconnect")
    assert link.stats.reconnects >= 1
    wait_for(lambda: st(link, 1).link_ok, what="heartbeat after reconnect")
    assert link.set_mode(1, "GUIDED").ok


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_several_vehicles_on_one_udp_link() -> None:
    port = free_udp_port()
    sims = [SimVehicle(sysid, HOME[0] + sysid * 0.001, HOME[1], listen=f"udpout:127.0.0.1:{port}").start()
            for sysid in (3, 7)]
    run = Running(MavlinkLink("fleet", f"udpin:127.0.0.1:{port}"))
    try:
        wait_for(lambda: set(run.link.vehicles()) == {3, 7}, what="both vehicles")
        wait_for(lambda: len(run.states.all()) == 2 and all(s.lat is not None for s in run.states.all().values()),
                 what="both positions")
        states = run.states.all()
        assert states[3].lat == pytest.approx(HOME[0] + 0.003, abs=1e-6)
        assert states[7].lat == pytest.approx(HOME[0] + 0.007, abs=1e-6)
        assert run.link.set_mode(7, "GUIDED").ok
        wait_for(lambda: st(run.link, 7).mode == "GUIDED", what="vehicle 7 in GUIDED")
        assert sims[0].mode == "STABILIZE"  # the command was addressed to 7 only
    finally:
        run.close()
        for s in sims:
            s.stop()


def test_unopenable_link_raises() -> None:
    port = free_udp_port()  # nothing listens on this TCP port
    link = MavlinkLink("dead", f"tcp:127.0.0.1:{port}")
    with pytest.raises(OSError):
        link.serve(lambda e: None, threading.Event())


def test_tlog_replay(running: Running, sim: SimVehicle, tmp_path: Path) -> None:
    wait_for(lambda: st(running.link, 1).lat is not None, what="telemetry")
    running.close()
    replay = Running(MavlinkLink("replay", str(tmp_path / "drone-1.tlog")))
    try:
        wait_for(lambda: (s := replay.states.get(1)) and s.lat is not None, what="replayed position")
        assert st(replay.link, 1).lat == pytest.approx(HOME[0], abs=1e-6)
    finally:
        replay.close()


def test_a_position_off_the_globe_is_refused_not_shown() -> None:
    """Latitude 214.7° (an int32 ×1e7 near its limit) was shown on the map: it is counted and never a position."""
    sim = SimVehicle(1, 214.7, HOME[1], listen="tcp:127.0.0.1:0").start()
    run = Running(MavlinkLink("drone-far", sim.url, heartbeat_timeout=3.0))
    try:
        assert run.link.wait_vehicle(0, 5) == 1
        reasons = wait_for(lambda: [e.reason for e in run.of(RejectedInput) if "GLOBAL_POSITION_INT" in e.reason],
                           what="the refused position")
        assert reasons[0] == "system 1: GLOBAL_POSITION_INT latitude 214.7000000, longitude 118.7969000 out of range"
        wait_for(lambda: any("HOME_POSITION" in e.reason for e in run.of(RejectedInput)), what="the refused home")
        wait_for(lambda: (s := run.states.get(1)) and s.battery_pct is not None, what="other telemetry still flowing")
        assert run.of(DronePosition) == [] and st(run.link, 1).lat is None and st(run.link, 1).home_lat is None
        assert run.link.stats.bad_messages >= 2 and run.errors == []
    finally:
        run.close()
        sim.stop()
    assert not DronePosition("d", 1, 95.0, 0.0, 0.0, 0.0, None, 0.0, fix_type=3).valid
    assert not DronePosition("d", 1, float("nan"), 0.0, 0.0, 0.0, None, 0.0, fix_type=3).valid
    assert DronePosition("d", 1, 32.0, 118.0, 0.0, 0.0, None, 0.0, fix_type=3).valid
