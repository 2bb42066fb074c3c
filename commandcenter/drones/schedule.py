"""Patrol schedules (巡查计划): a saved mission flown by a drone at fixed local times, after an operator says yes.

A bureau patrols the same places at the same hours — the market street at 17:30 when the stalls come out, the
school gates at 07:20. A :class:`PatrolSchedule` names the drone, the saved plan (a QGroundControl ``.plan`` or
``.waypoints`` file, or the name of one in :func:`missions_dir`), the time of day in Asia/Shanghai local time and
the days. Schedules are kept as human-readable JSON in the user config dir so they survive restarts and can be
reviewed by a supervisor.

A scheduled flight never starts by itself: a drone taking off over a crowd needs a pilot who has looked at the
weather and the airspace. At the due time :class:`PatrolScheduler` emits ``due(schedule)``; the screen shows a
prompt and the operator either confirms (:meth:`PatrolScheduler.confirm`: upload the plan, arm, start the mission,
all off the GUI thread through a commander acting as the person who confirmed, so their permissions are checked
and their commands recorded in the audit chain, exactly as from the pilot screen) or declines. A prompt left
unanswered for ``grace_s`` seconds is a *missed* run. Every outcome — started, failed, declined, missed — is
logged (``logged`` signal; a confirmation by someone without ``drone.command`` and ``drone.arm`` is *refused*
before anything leaves for the vehicle, :attr:`PatrolScheduler.history` and a JSON-lines file next to the schedules) because
an inspector will ask why the 17:30 patrol did not fly on Tuesday.

The scheduler takes a ``clock`` (aware datetimes) so that tests can move time instead of waiting for it.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as TimeOfDay  # the schedule's field is called ``time``
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter import paths
from commandcenter.drones.fleet import CommandResult
from commandcenter.drones.guarded import AuthorizedCommander, DroneCommands
from commandcenter.drones.missions import CMD_TAKEOFF, FRAME_RELATIVE, MissionItem, MissionPlan
from commandcenter.drones.planfile import load_plan, save_plan
from commandcenter.runtime.tasks import TaskManager, TasksStopped

__all__ = ["DAY_SETS", "LOCAL_TZ", "PatrolSchedule", "PatrolScheduler", "ScheduleError", "load_schedules",
           "missions_dir", "parse_days", "save_schedules", "schedules_path"]

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SCHEDULES_VERSION = 1
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS: dict[str, frozenset[int]] = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A schedule (or schedules file) that cannot be used; the message says which field and why."""


def schedules_path() -> Path:
    return paths.config_dir() / "patrol_schedules.json"


def missions_dir() -> Path:
    """Where saved patrol missions live (``<name>.plan``), so a schedule can name a mission instead of a path."""
    path = paths.config_dir() / "missions"
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_days(days: str) -> frozenset[int]:
    """``daily`` / ``weekdays`` / ``weekends`` or a comma list of ``mon``…``sun``; Monday is 0 like ``weekday()``."""
    key = days.strip().lower()
    if key in DAY_SETS:
        return DAY_SETS[key]
    parts = [p.strip()[:3] for p in key.split(",") if p.strip()]
    if not parts or any(p not in DAY_NAMES for p in parts):
        raise ScheduleError(f"days {days!r}: use daily, weekdays, weekends or a list like mon,wed,fri")
    return frozenset(DAY_NAMES.index(p) for p in parts)


@dataclass
class PatrolSchedule:
    """One recurring patrol. ``time`` is "HH:MM" Asia/Shanghai; ``alt`` (m above home) overrides the plan's."""

    id: str
    drone_id: str
    plan: str
    time: str
    days: str = "daily"
    alt: float | None = None
    name: str = ""
    enabled: bool = True

    def __post_init__(self) -> None:
        if not self.id:
            raise ScheduleError("schedule id must not be empty")
        if not self.drone_id:
            raise ScheduleError(f"schedule {self.id}: no drone")
        if not self.plan:
            raise ScheduleError(f"schedule {self.id}: no plan file or mission name")
        if not _TIME.match(self.time):
            raise ScheduleError(f"schedule {self.id}: time {self.time!r} is not HH:MM (24 h)")
        parse_days(self.days)
        if self.alt is not None and not 5.0 <= self.alt <= 120.0:
            raise ScheduleError(f"schedule {self.id}: altitude {self.alt} m is outside 5–120 m")

    @classmethod
    def create(cls, drone_id: str, plan: str, time_of_day: str, days: str = "daily", alt: float | None = None,
               name: str = "") -> PatrolSchedule:
        return cls(uuid.uuid4().hex[:8], drone_id, plan, time_of_day, days, alt, name)

    @property
    def label(self) -> str:
        return self.name or Path(self.plan).stem

    def time_of_day(self) -> TimeOfDay:
        hours, minutes = self.time.split(":")
        return TimeOfDay(int(hours), int(minutes))

    def runs_on(self, day: date) -> bool:
        return day.weekday() in parse_days(self.days)

    def last_occurrence(self, now: datetime) -> datetime | None:
        """The latest scheduled start at or before ``now`` (local time), within the past week; None if none."""
        local = now.astimezone(LOCAL_TZ)
        for back in range(8):
            day = local.date() - timedelta(days=back)
            at = datetime.combine(day, self.time_of_day(), LOCAL_TZ)
            if at <= local and self.runs_on(day):
                return at
        return None

    def next_occurrence(self, now: datetime) -> datetime | None:
        """The next scheduled start after ``now`` (local time), within the coming week."""
        local = now.astimezone(LOCAL_TZ)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            at = datetime.combine(day, self.time_of_day(), LOCAL_TZ)
            if at > local and self.runs_on(day):
                return at
        return None

    def plan_path(self) -> Path:
        """The plan file: as given when it is a path, else ``<missions dir>/<name>.plan``."""
        given = Path(self.plan).expanduser()
        if given.is_absolute() or given.suffix in (".plan", ".waypoints", ".txt") or len(given.parts) > 1:
            return given
        return missions_dir() / f"{self.plan}.plan"

    def load(self) -> MissionPlan:
        """The plan to fly (file I/O: call off the GUI thread), with the schedule's altitude applied."""
        plan = load_plan(self.plan_path())
        if self.alt is not None:
            for item in plan.mission.items:
                if item.frame == FRAME_RELATIVE and (item.positional or item.command == CMD_TAKEOFF):
                    item.alt = self.alt
        return plan


def load_schedules(path: Path | None = None) -> list[PatrolSchedule]:
    """Read the schedules file; a missing file is no schedules, a malformed one raises ScheduleError."""
    p = path or schedules_path()
    if not p.exists():
        return []
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScheduleError(f"{p}: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != SCHEDULES_VERSION or not isinstance(
            data.get("schedules"), list):
        raise ScheduleError(f"{p}: expected {{'version': {SCHEDULES_VERSION}, 'schedules': [...]}}")
    known = set(PatrolSchedule.__dataclass_fields__)
    schedules = []
    for i, raw in enumerate(data["schedules"]):
        if not isinstance(raw, dict) or set(raw) - known:
            raise ScheduleError(f"{p}: schedules[{i}] is not a schedule object")
        try:
            schedules.append(PatrolSchedule(**raw))
        except TypeError as exc:
            raise ScheduleError(f"{p}: schedules[{i}]: {exc}") from exc
    return schedules


def save_schedules(schedules: Iterable[PatrolSchedule], path: Path | None = None) -> None:
    """Write atomically (temp file + rename): a crash mid-write must not lose every schedule."""
    p = path or schedules_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": SCHEDULES_VERSION, "schedules": [asdict(s) for s in schedules]},
                      ensure_ascii=False, indent=2)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, p)


def _now() -> datetime:
    return datetime.now(LOCAL_TZ)


@dataclass
class _Pending:
    schedule: PatrolSchedule
    due_at: datetime


@dataclass(frozen=True)
class RunRecord:
    """One logged outcome: ``started`` | ``failed`` | ``refused`` (no right) | ``declined`` | ``missed``."""

    at: datetime
    schedule_id: str
    drone_id: str
    outcome: str
    actor: str = ""
    text: str = ""
    due_at: datetime | None = None

    def to_json(self) -> str:
        return json.dumps({"at": self.at.isoformat(), "schedule": self.schedule_id, "drone": self.drone_id,
                           "outcome": self.outcome, "actor": self.actor, "text": self.text,
                           "due_at": self.due_at.isoformat() if self.due_at else None}, ensure_ascii=False)


@dataclass
class _State:
    pending: dict[str, _Pending] = field(default_factory=dict)
    handled: dict[str, datetime] = field(default_factory=dict)  # schedule id → last occurrence prompted


class PatrolScheduler(QObject):
    """Emits ``due`` at each schedule's time and flies it on :meth:`confirm`. Create on the GUI thread."""

    due = Signal(object)  # PatrolSchedule whose time has come (the operator must confirm or decline)
    expired = Signal(str)  # schedule id whose prompt went unanswered (missed)
    changed = Signal()  # schedules added/removed
    logged = Signal(object)  # RunRecord (from worker threads too: connect queued in views)

    # The steps a patrol sends: all their permissions are checked before the first leaves.
    STEPS = ("upload_plan", "set_mode", "arm", "start_mission")

    def __init__(self, commands: DroneCommands, *, tasks: TaskManager, fleet: Any = None,
                 path: Path | None = None,
                 clock: Callable[[], datetime] = _now, grace_s: float = 600.0, tick_ms: int = 1000,
                 command_timeout: float = 30.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.commands = commands
        self.fleet = fleet
        self.path = path or schedules_path()
        self.log_path = self.path.with_name("patrol_runs.jsonl")
        self.clock = clock
        self.grace = timedelta(seconds=grace_s)
        self.command_timeout = command_timeout
        self.schedules: list[PatrolSchedule] = load_schedules(self.path)
        self.history: list[RunRecord] = []
        self._state = _State()
        self._started = self.clock()
        self._log_lock = threading.Lock()
        self._pool = tasks.lane("patrol", 2)
        self._io = tasks.lane("patrol-io", 1)  # one at a time: writes stay in order
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.check)
        if tick_ms > 0:
            self._timer.start()

    def shutdown(self) -> None:
        """Stop prompting; pending writes still finish (a schedule saved a second before exit must not be lost)."""
        self._timer.stop()
        self._pool.cancel_pending()
        try:
            self.flush()
        except TasksStopped:  # the task manager went first: it let running writes finish
            pass

    # -- the list -------------------------------------------------------------------------------------------------

    def get(self, schedule_id: str) -> PatrolSchedule | None:
        return next((s for s in self.schedules if s.id == schedule_id), None)

    def _require_planner(self, actor: str | None) -> None:
        """Scheduling a flight is commanding one: ``actor`` needs drone.command (refusal raised and audited).
        None is the application itself (tests, tools) acting without a person."""
        if actor is not None:
            self.commands.for_actor(actor).require("upload_plan")

    def add(self, schedule: PatrolSchedule, plan: MissionPlan | None = None, *,
            actor: str | None = None) -> Future[None]:
        """Add (or replace, same id) and save; with ``plan``, first save it as the schedule's plan file.

        The list changes at once; the files are written on the scheduler's I/O thread (the returned Future), in
        order, so the GUI thread never waits for a disk. An occurrence already past is not prompted afterwards.
        A person (``actor``) without drone.command gets PermissionDenied and nothing changes.
        """
        self._require_planner(actor)
        self.schedules = [s for s in self.schedules if s.id != schedule.id] + [schedule]
        last = schedule.last_occurrence(self.clock())
        if last is not None:
            self._state.handled[schedule.id] = last
        snapshot = list(self.schedules)
        plan_copy = copy.deepcopy(plan) if plan is not None else None

        def write() -> None:
            if plan_copy is not None:
                target = schedule.plan_path()
                target.parent.mkdir(parents=True, exist_ok=True)
                save_plan(plan_copy, target)
            save_schedules(snapshot, self.path)

        future = self._io.run(write)
        self.changed.emit()
        return future

    def remove(self, schedule_id: str, *, actor: str | None = None) -> Future[None]:
        """Forget a schedule (its plan file stays: other schedules may fly it too); ``actor`` as for :meth:`add`."""
        self._require_planner(actor)
        self.schedules = [s for s in self.schedules if s.id != schedule_id]
        self._state.pending.pop(schedule_id, None)
        snapshot = list(self.schedules)
        future = self._io.run(lambda: save_schedules(snapshot, self.path))
        self.changed.emit()
        return future

    def pending(self) -> list[PatrolSchedule]:
        """Schedules waiting for the operator's answer, oldest first."""
        return [p.schedule for p in sorted(self._state.pending.values(), key=lambda p: p.due_at)]

    def next_runs(self) -> list[tuple[PatrolSchedule, datetime | None]]:
        now = self.clock()
        return [(s, s.next_occurrence(now) if s.enabled else None) for s in self.schedules]

    # -- time -----------------------------------------------------------------------------------------------------

    def check(self) -> None:
        """Prompt due schedules and expire unanswered prompts; the timer calls this every tick."""
        now = self.clock()
        for schedule_id, pending in list(self._state.pending.items()):
            if now - pending.due_at > self.grace:
                del self._state.pending[schedule_id]
                self._record(pending.schedule, "missed", "", f"not confirmed within "
                             f"{self.grace.total_seconds() / 60:.0f} min", pending.due_at)
                self.expired.emit(schedule_id)
        for schedule in self.schedules:
            if not schedule.enabled or schedule.id in self._state.pending:
                continue
            at = schedule.last_occurrence(now)
            if at is None or now - at > self.grace or at < self._started - self.grace:
                continue
            if self._state.handled.get(schedule.id) == at:
                continue
            self._state.handled[schedule.id] = at
            self._state.pending[schedule.id] = _Pending(schedule, at)
            self.due.emit(schedule)

    # -- answers --------------------------------------------------------------------------------------------------

    def decline(self, schedule_id: str, actor: str, reason: str = "") -> None:
        pending = self._state.pending.pop(schedule_id, None)
        schedule = pending.schedule if pending else self.get(schedule_id)
        if schedule is not None:
            self._record(schedule, "declined", actor, reason, pending.due_at if pending else None)

    def confirm(self, schedule_id: str, actor: str) -> Future[CommandResult]:
        """Fly the schedule now: load and upload its plan, arm if needed, start the mission — on a worker.

        Also works for a schedule that is not due (a manual run); the outcome is logged either way.
        """
        pending = self._state.pending.pop(schedule_id, None)
        schedule = pending.schedule if pending else self.get(schedule_id)
        if schedule is None:
            done: Future[CommandResult] = Future()
            done.set_result(CommandResult(False, "UNKNOWN_SCHEDULE", f"no patrol schedule {schedule_id}"))
            return done
        due_at = pending.due_at if pending else None
        flight = copy.deepcopy(schedule)
        return self._pool.run(lambda: self._fly(flight, actor, due_at))

    def _fly(self, schedule: PatrolSchedule, actor: str, due_at: datetime | None) -> CommandResult:
        commander = self.commands.for_actor(actor)
        try:
            commander.require(*self.STEPS)  # one refusal, audited once, and nothing sent
        except PermissionError as exc:
            result = CommandResult(False, "PERMISSION_DENIED", getattr(exc, "message_zh", str(exc)))
            self._record(schedule, "refused", actor, result.describe(), due_at)
            return result
        try:
            result = self._run_plan(schedule, commander)
        except Exception as exc:  # a missing plan file or a dead link: logged with its reason, never lost
            result = CommandResult(False, "ERROR", f"{type(exc).__name__}: {exc}")
        self._record(schedule, "started" if result.ok else "failed", actor, result.describe(), due_at)
        return result

    def _run_plan(self, schedule: PatrolSchedule, commander: AuthorizedCommander) -> CommandResult:
        plan = schedule.load()
        drone_id = schedule.drone_id
        state = self.fleet.state(drone_id) if self.fleet is not None else None
        on_ground = state is None or not state.armed or (state.alt_rel or 0.0) < 1.0
        items = plan.mission.items
        if on_ground and items and items[0].command != CMD_TAKEOFF:
            # from the ground AUTO starts with a take-off; a plan drawn for an airborne start gets one prepended
            first_alt = next((it.alt for _, it in plan.mission.waypoints()), schedule.alt or 30.0)
            items.insert(0, MissionItem(CMD_TAKEOFF, 0.0, 0.0, schedule.alt or first_alt))
        steps = [("upload", lambda: commander.upload_plan(drone_id, plan))]
        if state is None or not state.armed:
            steps += [("GUIDED", lambda: commander.set_mode(drone_id, "GUIDED")),
                      ("arm", lambda: commander.arm(drone_id))]
        steps.append(("start", lambda: commander.start_mission(drone_id)))
        done = []
        for label, call in steps:
            result: CommandResult = call().result(timeout=self.command_timeout)
            if not result.ok:
                return CommandResult(False, result.result_name, f"{label}: {result.text or result.result_name}")
            done.append(label)
        return CommandResult(True, "STARTED", f"{schedule.label} on {drone_id}: {', '.join(done)}")

    def _record(self, schedule: PatrolSchedule, outcome: str, actor: str, text: str,
                due_at: datetime | None) -> None:
        record = RunRecord(self.clock(), schedule.id, schedule.drone_id, outcome, actor, text, due_at)
        level = logging.INFO if outcome == "started" else logging.WARNING
        log.log(level, "patrol %s (%s, %s): %s %s", schedule.id, schedule.label, schedule.drone_id, outcome, text)
        with self._log_lock:
            self.history.append(record)
        try:
            self._io.run(lambda: self._append_log(record))
        except TasksStopped:  # shut down: the record still went to the Python log above
            pass
        self.logged.emit(record)

    def _append_log(self, record: RunRecord) -> None:
        try:
            with self.log_path.open("a", encoding="utf-8") as handle:
                handle.write(record.to_json() + "\n")
        except OSError as exc:
            log.warning("patrol log %s not writable: %s", self.log_path, exc)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for the queued file writes (tests, and before reading the run log)."""
        self._io.run(lambda: None).result(timeout)
