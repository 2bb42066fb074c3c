"""DroneFleet (binding, link states, coalescing, report) and the firmware mode strategies, without sockets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from typing import Any

from commandcenter.config import DroneConfig
from commandcenter.drones.fleet import DroneFleet, LinkCommander
from commandcenter.runtime.tasks import TaskManager
from devices.base import PositionFix
from devices.mavlink import (
    ArduCopterModes,
    DroneEvent,
    DroneHeartbeat,
    DroneLandedState,
    DroneLinkEvent,
    DroneMessage,
    DronePosition,
    Px4Modes,
    mav,
    mode_strategy,
)


def telemetry(device: str, sysid: int, lat: float, lon: float, *, mode: str = "STABILIZE", armed: bool = False,
              alt_rel: float = 0.0, landed_state: str = "ON_GROUND") -> list[DroneEvent]:
    """What a link emits for one vehicle in one flush: heartbeat, position (3D fix), landed state."""
    return [DroneHeartbeat(device, sysid, "ardupilot", 2, mode, 0, 0, 4, armed),
            DronePosition(device, sysid, lat, lon, 12.0 + alt_rel, alt_rel, 90.0, 0.0, 3),
            DroneLandedState(device, sysid, landed_state)]


def test_binding_and_link_states(qtbot: Any) -> None:
    fleet = DroneFleet([DroneConfig("uav-1", "一号", "tcp:x:1"), DroneConfig("uav-2", "", "udpin:y:2", sysid=7)])
    links: list[tuple[str, str]] = []
    messages: list[tuple[str, int, str]] = []
    fleet.link_changed.connect(lambda d, s: links.append((d, s)))
    fleet.message.connect(lambda d, sev, text: messages.append((d, sev, text)))
    assert fleet.route("uav-1") is None and fleet.route("uav-2") == ("uav-2", 7)
    fleet.apply([*telemetry("uav-1", 3, lat=32.0, lon=118.0, mode="GUIDED"),
                 PositionFix("x", "jt808", None, 0.0, 0.0),  # type: ignore[arg-type]  # other devices: ignored
                 *telemetry("uav-2", 7, lat=32.1, lon=118.1),
                 *telemetry("uav-2", 9, lat=32.2, lon=118.2),  # an unconfigured vehicle on the same link
                 DroneMessage("uav-1", 3, 2, "PreArm: GPS not healthy")])
    assert fleet.route("uav-1") == ("uav-1", 3)
    assert fleet.ids() == ["uav-1", "uav-2", "uav-2:9"]
    assert fleet.name("uav-1") == "一号" and fleet.link("uav-1") == "ok"
    assert fleet.airborne() == 0
    fleet.apply(telemetry("uav-2", 7, lat=32.1, lon=118.1, armed=True, alt_rel=12.0, landed_state="IN_AIR"))
    assert fleet.airborne() == 1
    assert messages == [("uav-1", 2, "PreArm: GPS not healthy")]
    fleet.apply([DroneLinkEvent("uav-1", 3, "lost", "no heartbeat for 3.0 s")])
    assert fleet.link("uav-1") == "lost"
    state = fleet.state("uav-1")
    assert state is not None and not state.link_ok and state.mode == "GUIDED"
    assert state.messages[-1][1:] == (2, "PreArm: GPS not healthy")
    fleet.apply([DroneLinkEvent("uav-2", 0, "disconnected")])
    assert fleet.link("uav-2") == "offline" and fleet.link("uav-2:9") == "offline"
    assert ("uav-1", "lost") in links
    report = {row["id"]: row for row in fleet.report()}
    assert report["uav-1"]["mode"] == "GUIDED" and report["uav-1"]["link"] == "lost"
    assert report["uav-1"]["last_heartbeat_age"] is not None and report["uav-1"]["last_heartbeat_age"] < 5


def test_change_notifications_are_coalesced(qtbot: Any) -> None:
    fleet = DroneFleet(max_hz=20.0)
    emitted: list[list[str]] = []
    fleet.changed.connect(emitted.append)
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < 1.0:  # 10 vehicles, a batch every ~5 ms
        fleet.apply([e for k in range(10) for e in telemetry(f"d{k}", 1, lat=32.0 + n * 1e-6, lon=118.0)])
        n += 1
        qtbot.wait(5)
    qtbot.wait(100)
    assert n > 50
    assert 5 <= len(emitted) <= 23, len(emitted)
    assert set().union(*map(set, emitted)) == {f"d{k}" for k in range(10)}
    assert len(fleet.trail("d0")) > 10


def test_commander_without_vehicle_refuses_at_once(qtbot: Any, tasks: TaskManager) -> None:
    fleet = DroneFleet([DroneConfig("uav-1", "", "tcp:x:1")])
    commander = LinkCommander.for_fleet(fleet, {}, tasks=tasks)
    try:
        result = commander.arm("uav-1").result(timeout=1)
        assert not result.ok and result.result_name == "NO_VEHICLE"
        outcome, plan = commander.download_plan("uav-1").result(timeout=1)
        assert not outcome.ok and not plan.mission.items
    finally:
        commander.shutdown()


def test_mode_strategies() -> None:
    ardu = ArduCopterModes()
    custom = mav.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
    assert ardu.decode(custom, 4) == "GUIDED" and ardu.decode(custom, 6) == "RTL"
    assert ardu.encode("loiter") == (float(custom), 5.0, 0.0) and ardu.encode("WARP") is None
    px4 = Px4Modes()
    assert px4.decode(custom, (4 << 16) | (4 << 24)) == "MISSION"
    assert px4.decode(custom, (4 << 16) | (5 << 24)) == "RTL"
    assert px4.decode(custom, 3 << 16) == "POSCTL"
    assert px4.encode("POSCTL") == (float(custom), 3.0, 0.0)
    assert px4.encode("LAND") == (float(custom), 4.0, 6.0)
    assert isinstance(mode_strategy("ardupilot", mav.MAV_AUTOPILOT_PX4), Px4Modes)
    assert isinstance(mode_strategy("px4", None), Px4Modes)
    assert isinstance(mode_strategy("px4", mav.MAV_AUTOPILOT_ARDUPILOTMEGA), ArduCopterModes)
