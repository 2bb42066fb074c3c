"""Patrol schedules: persistence, due times in Asia/Shanghai with a fake clock, confirm/decline/missed, a real flight."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commandcenter.drones.fleet import CommandResult
from commandcenter.drones.guarded import DroneCommands
from commandcenter.drones.missions import CMD_TAKEOFF, MissionPlan, lawnmower
from commandcenter.drones.planfile import save_plan
from commandcenter.drones.schedule import (
    LOCAL_TZ,
    PatrolSchedule,
    PatrolScheduler,
    RunRecord,
    ScheduleError,
    load_schedules,
    missions_dir,
    parse_days,
)
from commandcenter.runtime.tasks import TaskManager

MARKET = [(32.0606, 118.7966), (32.0606, 118.7974), (32.0611, 118.7974), (32.0611, 118.7966)]


class FakeClock:
    """Aware 'now' the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class RecordingCommander:
    """Answers every command at once and remembers the calls (the order of the steps is what is tested here)."""

    def __init__(self, refuse: str = "") -> None:
        self.calls: list[tuple[str, Any]] = []
        self.refuse = refuse

    def _answer(self, name: str, arg: Any = None) -> Future[CommandResult]:
        self.calls.append((name, arg))
        future: Future[CommandResult] = Future()
        ok = name != self.refuse
        future.set_result(CommandResult(ok, "MAV_RESULT_ACCEPTED" if ok else "MAV_RESULT_DENIED"))
        return future

    def upload_plan(self, drone_id: str, plan: MissionPlan) -> Future[CommandResult]:
        return self._answer("upload", plan)

    def set_mode(self, drone_id: str, name: str) -> Future[CommandResult]:
        return self._answer("mode", name)

    def arm(self, drone_id: str, force: bool = False) -> Future[CommandResult]:
        return self._answer("arm")

    def start_mission(self, drone_id: str) -> Future[CommandResult]:
        return self._answer("start")


def open_commands(commander: Any) -> DroneCommands:
    """Every permission granted: these tests are about the schedule (tests/drones/test_flight_rights.py checks)."""
    return DroneCommands(commander, lambda actor, permission: None, lambda actor, permission: True)


@pytest.fixture
def market_plan(tmp_path: Path) -> Path:
    path = tmp_path / "market.plan"
    save_plan(MissionPlan(mission=lawnmower(MARKET, 20.0, 0.0, 30.0, rtl=True)), path)
    return path


def shanghai(y: int, mo: int, d: int, h: int, mi: int, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=LOCAL_TZ)


def test_schedule_validation_days_and_occurrences(tmp_path: Path) -> None:
    assert parse_days("weekdays") == frozenset(range(5)) and parse_days("Mon, fri") == frozenset({0, 4})
    bad_fields: list[dict[str, Any]] = [{"time": "25:00"}, {"time": "7.30"}, {"days": "someday"}, {"alt": 500.0},
                                        {"drone_id": ""}]
    for bad in bad_fields:
        with pytest.raises(ScheduleError):
            PatrolSchedule(**{"id": "a", "drone_id": "uav-1", "plan": "market", "time": "17:30", **bad})
    weekdays = PatrolSchedule("w", "uav-1", "market", "17:30", "weekdays")
    friday_evening = shanghai(2026, 11, 20, 18, 0)  # a Friday
    assert weekdays.last_occurrence(friday_evening) == shanghai(2026, 11, 20, 17, 30)
    assert weekdays.next_occurrence(friday_evening) == shanghai(2026, 11, 23, 17, 30)  # Monday
    # the clock may be in UTC: 09:30 UTC is 17:30 in Shanghai
    assert weekdays.last_occurrence(datetime(2026, 11, 20, 9, 30, tzinfo=UTC)) == shanghai(2026, 11, 20, 17, 30)
    assert weekdays.plan_path() == missions_dir() / "market.plan"
    assert PatrolSchedule("p", "uav-1", str(tmp_path / "x.plan"), "07:05").plan_path() == tmp_path / "x.plan"


def test_due_confirm_decline_missed_and_persistence(qtbot: Any, tmp_path: Path, market_plan: Path,
                                                    tasks: TaskManager) -> None:
    clock = FakeClock(shanghai(2026, 11, 21, 17, 0))
    commander = RecordingCommander()
    path = tmp_path / "patrol_schedules.json"
    scheduler = PatrolScheduler(open_commands(commander), tasks=tasks, path=path, clock=clock, grace_s=600, tick_ms=0)
    due: list[PatrolSchedule] = []
    records: list[RunRecord] = []
    scheduler.due.connect(due.append)
    scheduler.logged.connect(records.append)
    market = PatrolSchedule("market", "uav-1", str(market_plan), "17:30", "daily", alt=40.0, name="夫子庙夜市")
    scheduler.add(market).result(timeout=5)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["version"] == 1 and saved["schedules"][0]["name"] == "夫子庙夜市"
    assert [s.id for s in load_schedules(path)] == ["market"]

    scheduler.check()
    assert due == []  # 17:00: not yet
    clock.advance(minutes=30, seconds=5)
    scheduler.check()
    scheduler.check()  # one prompt per occurrence, however often the timer ticks
    assert [s.id for s in due] == ["market"] and [s.id for s in scheduler.pending()] == ["market"]
    future = scheduler.confirm("market", "pilot")
    result = future.result(timeout=5)
    assert result.ok, result.describe()
    assert [name for name, _ in commander.calls] == ["upload", "mode", "arm", "start"]
    uploaded: MissionPlan = commander.calls[0][1]
    assert uploaded.mission.items[0].command == CMD_TAKEOFF  # prepended: the drone starts on the ground
    assert all(it.alt == 40.0 for _, it in uploaded.mission.waypoints())  # the schedule's altitude
    qtbot.waitUntil(lambda: len(records) == 1, timeout=2000)
    assert records[0].outcome == "started" and records[0].actor == "pilot"
    assert records[0].due_at == shanghai(2026, 11, 21, 17, 30)

    # next day: declined
    clock.advance(days=1)
    scheduler.check()
    assert len(due) == 2
    scheduler.decline("market", "pilot", "大风")
    assert records[-1].outcome == "declined" and records[-1].text == "大风" and scheduler.pending() == []
    # the day after: nobody answers within the grace period → missed
    clock.advance(days=1)
    scheduler.check()
    assert len(due) == 3
    expired: list[str] = []
    scheduler.expired.connect(expired.append)
    clock.advance(minutes=11)
    scheduler.check()
    assert expired == ["market"] and records[-1].outcome == "missed" and scheduler.pending() == []
    scheduler.flush()
    lines = [json.loads(line) for line in (tmp_path / "patrol_runs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["outcome"] for line in lines] == ["started", "declined", "missed"]

    # a restarted scheduler reads the schedules back; an occurrence long past is not prompted after a restart
    clock.advance(hours=3)
    again = PatrolScheduler(open_commands(commander), tasks=tasks, path=path, clock=clock, tick_ms=0)
    again.due.connect(due.append)
    again.check()
    assert [s.id for s in again.schedules] == ["market"] and len(due) == 3
    again.remove("market").result(timeout=5)
    assert load_schedules(path) == []
    scheduler.shutdown()
    again.shutdown()


def test_plan_saved_with_the_schedule(qtbot: Any, tmp_path: Path, tasks: TaskManager) -> None:
    clock = FakeClock(shanghai(2026, 11, 21, 12, 0))
    scheduler = PatrolScheduler(open_commands(RecordingCommander()), tasks=tasks, path=tmp_path / "s.json", clock=clock,
                                tick_ms=0)
    plan = MissionPlan(mission=lawnmower(MARKET, 20.0, 0.0, 30.0))
    schedule = PatrolSchedule.create("uav-1", "夫子庙夜市", "17:30", "weekdays", name="夫子庙夜市")
    scheduler.add(schedule, plan).result(timeout=5)
    assert schedule.plan_path() == missions_dir() / "夫子庙夜市.plan"
    assert len(schedule.load().mission.items) == len(plan.mission.items)
    scheduler.shutdown()


def test_refused_step_and_missing_plan_are_logged(qtbot: Any, tmp_path: Path, market_plan: Path,
                                                  tasks: TaskManager) -> None:
    clock = FakeClock(shanghai(2026, 11, 21, 7, 0))
    scheduler = PatrolScheduler(open_commands(RecordingCommander(refuse="arm")), tasks=tasks, path=tmp_path / "s.json", clock=clock,
                                tick_ms=0)
    scheduler.add(PatrolSchedule("gate", "uav-1", str(market_plan), "07:20"))
    scheduler.add(PatrolSchedule("lost", "uav-1", str(tmp_path / "gone.plan"), "07:20"))
    result = scheduler.confirm("gate", "pilot").result(timeout=5)
    assert not result.ok and result.text.startswith("arm:")
    result = scheduler.confirm("lost", "pilot").result(timeout=5)
    assert not result.ok and "gone.plan" in result.text
    assert [r.outcome for r in scheduler.history] == ["failed", "failed"]
    assert not scheduler.confirm("nope", "pilot").result(timeout=1).ok
    scheduler.shutdown()


def test_confirmed_schedule_flies_on_a_real_vehicle(qtbot: Any, tmp_path: Path, market_plan: Path,
                                                     flying: Any) -> None:
    clock = FakeClock(shanghai(2026, 11, 21, 17, 29, 50))
    scheduler = PatrolScheduler(flying.commands, tasks=flying.tasks, fleet=flying.fleet, path=tmp_path / "s.json", clock=clock,
                                tick_ms=50)
    scheduler.add(PatrolSchedule("market", "uav-1", str(market_plan), "17:30", alt=25.0))
    due: list[PatrolSchedule] = []
    scheduler.due.connect(due.append)
    clock.advance(seconds=15)
    qtbot.waitUntil(lambda: len(due) == 1, timeout=2000)  # the scheduler's own timer noticed
    result = scheduler.confirm("market", "pilot").result(timeout=20)
    assert result.ok, result.describe()
    qtbot.waitUntil(lambda: (s := flying.fleet.state("uav-1")) is not None and s.mode == "AUTO" and s.armed
                    and (s.alt_rel or 0) > 5, timeout=15000)
    assert len(flying.sim.missions[0]) >= 3
    scheduler.shutdown()
