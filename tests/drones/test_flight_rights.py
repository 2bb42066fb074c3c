"""No one flies without the right: the patrol banner, the pilot screen's automatic mission download and the
tasking all go through the enforcement authorizer and the audit chain of a real SQLite store, against a simulated
vehicle over MAVLink on loopback."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commandcenter.drones.guarded import DroneCommands
from commandcenter.drones.missions import CMD_WAYPOINT, Mission, MissionItem, MissionPlan, lawnmower
from commandcenter.drones.planfile import save_plan
from commandcenter.drones.schedule import LOCAL_TZ, PatrolSchedule, PatrolScheduler
from commandcenter.drones.tasking import DroneTasking
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.enforcement.services import EnforcementServices
from tests.drones.flight_support import AREA, Clock
from widgets.drones import DronesScreen


@pytest.fixture
def enforcement(store: Any, tasks: Any) -> Iterator[EnforcementServices]:
    from commandcenter.demo.database import mark_demo_database
    from commandcenter.demo.users import create_demo_users

    mark_demo_database(store)  # the demo's pilot / observer accounts only go into a demo database
    create_demo_users(store)
    services = EnforcementServices.create(store, tasks=tasks)
    yield services
    services.close()


def audited_commands(flying: Any, enforcement: EnforcementServices) -> DroneCommands:
    """What compose.build wires: the link commander behind the authorizer and the audit chain."""
    return flying.commands_with(enforcement.authorize, enforcement.authorizer.allowed, enforcement.audit.record)


def records(enforcement: EnforcementServices, actor: str) -> list[tuple[str, str]]:
    enforcement.store.flush()
    return [(e.action, e.subject) for e in enforcement.audit.entries(actor=actor)
            if e.action.startswith(("drone.", "permission."))]


def patrol_screen(qtbot: Any, flying: Any, commands: DroneCommands, user: str, tmp_path: Path,
                  clock: Clock) -> tuple[DronesScreen, PatrolScheduler]:
    plan = tmp_path / "market.plan"
    save_plan(MissionPlan(mission=lawnmower(AREA, 25.0, 0.0, 30.0)), plan)
    scheduler = PatrolScheduler(commands, tasks=flying.tasks, fleet=flying.fleet, path=tmp_path / "s.json",
                                clock=clock, tick_ms=0)
    scheduler.add(PatrolSchedule("market", "uav-1", str(plan), "17:30", name="夫子庙夜市")).result(5)
    screen = DronesScreen(flying.fleet, commands.for_actor(user), scheduler=scheduler, operator=user)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.selected == "uav-1", timeout=5000)
    clock.now += timedelta(minutes=1)
    scheduler.check()
    assert screen.patrol_banner is not None and screen.patrol_banner.isVisible()
    return screen, scheduler


def test_observer_clicking_fly_on_the_patrol_banner_is_refused_and_the_vehicle_never_arms(
        qtbot: Any, flying: Any, enforcement: EnforcementServices, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 21, 17, 29, 30, tzinfo=LOCAL_TZ))
    screen, scheduler = patrol_screen(qtbot, flying, audited_commands(flying, enforcement), "observer", tmp_path,
                                      clock)
    try:
        banner = screen.patrol_banner
        assert banner is not None
        assert not banner.patrol_go.isEnabled() and "drone.arm" in banner.patrol_go.toolTip()
        assert not screen.commands_panel.arm_button.isEnabled() and screen.rtl_button.isEnabled()
        banner.patrol_go.setEnabled(True)  # a stale or tampered view: the core still says no
        qtbot.mouseClick(banner.patrol_go, qtbot_left())
        qtbot.waitUntil(lambda: bool(scheduler.history) and scheduler.history[-1].outcome == "refused",
                        timeout=5000)
        assert scheduler.history[-1].actor == "observer" and "drone.command" in scheduler.history[-1].text
        qtbot.waitUntil(lambda: "drone.command" in screen.status.text(), timeout=2000)
        time.sleep(1.0)  # give a wrongly sent plan time to arrive and arm
        state = flying.fleet.state("uav-1")
        assert state is not None and not state.armed and (state.alt_rel or 0.0) < 1.0
        assert state.mission_total == 0, "nothing was uploaded"
        assert records(enforcement, "observer") == [("permission.denied", "user:observer")], \
            "one refusal for one click, and no drone command recorded"
        # scheduling a flight is commanding one: offered to nobody without drone.command, refused in the core
        assert screen.schedules is not None and not screen.schedules.schedule_add.isEnabled()
        with pytest.raises(PermissionDenied, match=r"drone\.command"):
            scheduler.remove("market", actor="observer")
        assert scheduler.get("market") is not None
    finally:
        scheduler.shutdown()


def test_pilot_confirming_the_banner_flies_as_the_pilot_and_is_audited(
        qtbot: Any, flying: Any, enforcement: EnforcementServices, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 11, 21, 17, 29, 30, tzinfo=LOCAL_TZ))
    screen, scheduler = patrol_screen(qtbot, flying, audited_commands(flying, enforcement), "pilot", tmp_path,
                                      clock)
    try:
        assert screen.patrol_banner is not None and screen.patrol_banner.patrol_go.isEnabled()
        qtbot.mouseClick(screen.patrol_banner.patrol_go, qtbot_left())
        qtbot.waitUntil(lambda: bool(scheduler.history) and scheduler.history[-1].outcome == "started",
                        timeout=20000)
        qtbot.waitUntil(lambda: (s := flying.fleet.state("uav-1")) is not None and s.armed, timeout=5000)
        actions = [action for action, subject in records(enforcement, "pilot") if subject == "drone:uav-1"]
        assert actions[:4] == ["drone.upload_plan", "drone.set_mode", "drone.arm", "drone.start_mission"]
    finally:
        scheduler.shutdown()


def qtbot_left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_observer_watching_a_flying_drone_sends_nothing_and_floods_nothing(
        qtbot: Any, flying: Any, enforcement: EnforcementServices) -> None:
    commands = audited_commands(flying, enforcement)
    pilot = commands.for_actor("pilot")
    plan = MissionPlan(mission=lawnmower(AREA, 25.0, 0.0, 30.0, takeoff=True))
    assert pilot.upload_plan("uav-1", plan).result(10).ok
    for step in (lambda: pilot.set_mode("uav-1", "GUIDED"), lambda: pilot.arm("uav-1"),
                 lambda: pilot.start_mission("uav-1")):  # one after the other, as a pilot would
        assert step().result(10).ok
    screen = DronesScreen(flying.fleet, commands.for_actor("observer"))
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.selected == "uav-1", timeout=5000)
    # the vehicle flies its mission: state changes many times a second, the mission count is reported
    qtbot.waitUntil(lambda: (s := flying.fleet.state("uav-1")) is not None and (s.alt_rel or 0.0) > 5.0
                    and s.mission_total > 0, timeout=20000)
    qtbot.wait(2000)
    assert records(enforcement, "observer") == [], "an observer's screen issues no command it has no right to"
    assert screen.fleet_map.active_plans == {}
    assert not screen.editor.download_button.isEnabled() and not screen.editor.upload_button.isEnabled()
    assert not any(button.isEnabled() for button in screen.commands_panel.buttons())
    # bringing it home stays possible for whoever watches it, and is recorded
    screen.rtl_button.click()
    qtbot.waitUntil(lambda: ("drone.rtl", "drone:uav-1") in records(enforcement, "observer"), timeout=5000)


def test_tasking_flies_as_the_dispatcher_who_sent_it(qtbot: Any, flying: Any,
                                                    enforcement: EnforcementServices) -> None:
    tasking = DroneTasking(flying.fleet, audited_commands(flying, enforcement), tasks=flying.tasks)
    try:
        with pytest.raises(PermissionDenied, match=r"drone\.command"):
            tasking.send_to_case("uav-1", 1, "AJ1", 32.0610, 118.7975, actor="dispatcher")
        assert records(enforcement, "dispatcher") == [("permission.denied", "user:dispatcher")]
        state = flying.fleet.state("uav-1")
        assert state is not None and not state.armed
    finally:
        tasking.shutdown()


@pytest.mark.parametrize(("call", "reason"), [
    (lambda c: c.goto("uav-1", 95.0, 118.79, 30.0), "lat 95 is outside -90..90"),
    (lambda c: c.goto("uav-1", 320200.0, 118.78, 50.0), "lat 320200 is outside -90..90"),
    (lambda c: c.goto("uav-1", 32.06, 118.79, -20.0), "alt -20 m is below home"),
    (lambda c: c.takeoff("uav-1", float("inf")), "alt inf is not a finite number"),
    (lambda c: c.upload_plan("uav-1", MissionPlan(mission=Mission([MissionItem(CMD_WAYPOINT, 0.0, 0.0, 30.0)]))),
     "item 1 (WAYPOINT): lat/lon missing"),
    (lambda c: c.upload_plan("uav-1", MissionPlan(mission=Mission([MissionItem(999, 32.06, 118.79, 30.0)]))),
     "item 1: command 999 is not a known MAV_CMD"),
])
def test_every_screen_path_validates_before_the_link(qtbot: Any, flying: Any, call: Any, reason: str) -> None:
    """The link commander itself refuses what cannot be flown: screens, banner, tasking and demo alike."""
    packets = flying.sim.packets_in
    result = call(flying.commands.for_actor("pilot")).result(5)
    assert not result.ok and result.result_name == "REJECTED" and reason in result.text
    assert flying.sim.packets_in == packets
