"""Commands: the workflow of a case after intake — ONE table-driven transition over ``workflow.ACTIONS``.

(Intake, the command that makes a case, is :mod:`commandcenter.cases.intake_commands`; a leader's decision
and a summoned department's report are :mod:`commandcenter.cases.decisions`; evidence, map placement and
citizens' photos, which do not move the case, are :mod:`commandcenter.cases.records`.)

Every command authorises on the caller's thread, then runs as one job on the store's writer: the change, its
``case_events`` row(s) and the audit entry commit together or not at all (see :mod:`commandcenter.cases.core`).
A command's future holds the changed case; the :class:`~commandcenter.cases.changes.CaseChanges` of every
committed command (all cases and units it touched) is announced after the commit.

Which workflow action needs more than "check, change status, record": :data:`_PREPARED` maps such actions to
a preparation that validates the caller's data at once (no officer to dispatch to, no department to
summon …) and returns the writer job. Every other action is the plain job. One entry point,
:meth:`CaseCommands.transition`, serves them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases import workflow
from commandcenter.cases.changes import Operation, collector_of
from commandcenter.cases.core import CaseCore, case_row, view_of
from commandcenter.cases.dispatch import officer_kind
from commandcenter.cases.model import CaseView
from commandcenter.cases.tables import CaseMerge, CaseTask
from commandcenter.cases.workflow import CLOSED_STATUSES, TransitionError
from commandcenter.domain import OfficerStatus
from commandcenter.store.models import Case, CaseEvent, Officer, Vehicle

__all__ = ["TASK_STATUSES", "CaseCommands", "changed"]

T = TypeVar("T")
Job = Callable[[Session], CaseView]

# Which step's time limit applies once a case enters a status (None: the clock is not reset).
_STEP_OF_STATUS = {
    "reported": "register",
    "registered": "dispatch",
    "returned": "dispatch",
    "dispatched": "handle",
    "handled": "verify",
}
TASK_STATUSES = ("summoned", "reported", "done", "refused")


class CaseCommands:
    """The workflow transition and what it does to the assignee's status (officer, worker or vehicle).

    Leaders' approvals and joint-enforcement tasks are :class:`~commandcenter.cases.decisions.CaseDecisions`;
    evidence, map placement and citizens' photos :class:`~commandcenter.cases.records.CaseRecords`.
    """

    def __init__(self, core: CaseCore) -> None:
        self.core = core

    def submit_as(self, actor: str, permission: str, operation: str, job: Callable[[Session], T], *,
                  authorized: bool = False) -> Operation[T]:
        """Authorise ``actor`` (unless already done), then run ``job`` as one writer job announced after its commit."""
        if not authorized:
            self.core.authorize(actor, permission)
        return self.core.submit(operation, job)

    @staticmethod
    def _unit_changed(session: Session, unit_id: str, status: str | None, load_delta: int = 0) -> None:
        session.info.setdefault("unit_changes", []).append((unit_id, status, load_delta))


    # =========================================================================================== workflow
    def transition(self, code: str, action: str, actor: str, *, reason: str = "", **data: Any) -> Operation[CaseView]:
        """Any workflow action by name (see ``workflow.ACTIONS``): validated at once, applied on the writer."""
        spec = workflow.ACTIONS.get(action)
        if spec is None:
            raise TransitionError(f"案件 {code}: 未知操作 {action!r}", code=code, action=action)
        prepared = _PREPARED.get(action)
        if prepared is None:
            return self.submit_as(actor, spec.permission, action, self._plain(code, action, actor, reason, data))
        permission, prepare = prepared
        return self.submit_as(actor, permission or spec.permission, action, prepare(self, code, actor, reason, data))

    def _plain(self, code: str, action: str, actor: str, reason: str, data: dict[str, Any]) -> Job:
        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            self.apply_in(session, row, action, actor, reason, dict(data))
            return view_of(session, row)
        return job

    def _prepare_dispatch(self, code: str, actor: str, reason: str, data: dict[str, Any]) -> Job:
        officer_id = str(data.get("officer_id", ""))
        if not officer_id:
            raise TransitionError(f"案件 {code}: 派遣必须指定处置队员或车辆", code=code, action="dispatch")

        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            self.dispatch_in(session, row, officer_id, actor, reason, {})
            return view_of(session, row)
        return job

    def _prepare_transfer(self, code: str, actor: str, reason: str, data: dict[str, Any]) -> Job:
        if not str(data.get("department", "")).strip():
            raise TransitionError(f"案件 {code}: 转办必须指定承办部门", code=code, action="transfer")
        return self._plain(code, "transfer", actor, reason, data)

    def _prepare_summon(self, code: str, actor: str, reason: str, data: dict[str, Any]) -> Job:
        """吹哨报到: one task per department ("部门" or ("部门", "任务")); the case → 联合执法."""
        departments: Sequence[str | tuple[str, str]] = list(data.get("departments", []))
        tasks = [(d, "") if isinstance(d, str) else (d[0], d[1]) for d in departments]
        if not tasks or any(not d.strip() for d, _ in tasks):
            raise TransitionError(f"案件 {code}: 吹哨报到至少需要一个部门", code=code, action="summon")

        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            self.apply_in(session, row, "summon", actor, reason, {"departments": [d for d, _ in tasks]})
            now = self.core.clock()
            for dept, task in tasks:
                session.add(CaseTask(case_id=row.id, department=dept, task=task, status="summoned",
                                     created_at=now, updated_at=now, note=""))
            return view_of(session, row)
        return job

    def _prepare_merge(self, code: str, actor: str, reason: str, data: dict[str, Any]) -> Job:
        """Fold the duplicate ``code`` into ``data["into"]``: the duplicate becomes ``merged``; returns the kept case."""
        keep_code = str(data.get("into", ""))
        if keep_code == code:
            raise ValueError(f"案件 {keep_code} 不能与自身合并")

        def job(session: Session) -> CaseView:
            keep = case_row(session, keep_code)
            dup = case_row(session, code)
            if keep.status in CLOSED_STATUSES:
                raise TransitionError(f"案件 {keep_code} 已{workflow.STATUS_ZH.get(keep.status, keep.status).removeprefix('已')}，"
                                      f"不能再合并其它案件", code=keep_code, status=keep.status, action="merge")
            self.apply_in(session, dup, "merge", actor, reason or f"合并到 {keep_code}", {"into": keep_code})
            now = self.core.clock()
            session.add(CaseMerge(case_id=keep.id, merged_case_id=dup.id, time=now, actor=actor, note=reason))
            extra_keep: dict[str, Any] = dict(keep.extra or {})
            merged = [*list(extra_keep.get("merged", [])), dup.code]
            keep.extra = {**(keep.extra or {}), "merged": merged,
                          "possible_duplicates": [c for c in extra_keep.get("possible_duplicates", [])
                                                  if c != dup.code]}
            session.add(CaseEvent(case_id=keep.id, time=now, actor=actor, action="absorb",
                                  from_status=keep.status, to_status=keep.status, note=f"合并 {dup.code}",
                                  data={"merged": dup.code}))
            keep.updated_at = now
            changed(session, keep)
            return view_of(session, keep)
        return job

    def _prepare_suspend(self, code: str, actor: str, reason: str, data: dict[str, Any]) -> Job:
        """Ask a leader to suspend the case (缓办); nothing changes until :meth:`decide_request` approves."""
        return self._request_job(code, actor, "suspend", reason, {})

    def _prepare_extend(self, code: str, actor: str, reason: str, data: dict[str, Any]) -> Job:
        """Ask a leader to extend the current step's deadline by ``hours`` working hours (延期)."""
        hours = float(data.get("hours", 0))
        if hours <= 0:
            raise ValueError(f"案件 {code}: 延期时长必须大于 0（收到 {hours}）")
        return self._request_job(code, actor, "extend", reason, {"hours": hours})

    def _request_job(self, code: str, actor: str, kind: str, reason: str, data: dict[str, Any]) -> Job:
        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            workflow.check(row.code, row.status, kind, reason=reason)
            now = self.core.clock()
            request = {"kind": kind, "by": actor, "at": now.isoformat(), "reason": reason, **data}
            row.extra = {**(row.extra or {}), "pending_request": request}
            row.updated_at = now
            session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action=f"request_{kind}",
                                  from_status=row.status, to_status=row.status, note=reason, data=data))
            self.core.audit(session, actor, f"case.request_{kind}", row.code, {"reason": reason, **data})
            changed(session, row)
            return view_of(session, row)
        return job

    def dispatch_in(self, session: Session, row: Case, unit_id: str, actor: str, note: str,
                    data: dict[str, Any]) -> None:
        """The case → dispatched, its assignee → 出警; both in the caller's transaction.

        The assignee is an officer, a sanitation worker (an officer of a 环卫 team) or a vehicle (环卫车 …): its
        id goes in ``assigned_officer`` (unit ids are one namespace: positions, the unit board, status), its
        kind in the case's ``extra["assignee_kind"]`` and, for a vehicle, its plate in ``extra["assignee_plate"]``,
        so the queue, the detail, the map and the KPI say who or what was sent without guessing.
        """
        unit = _unit(session, unit_id)
        if unit is None:
            raise TransitionError(f"案件 {row.code}: 队员或车辆 {unit_id} 不存在", code=row.code, action="dispatch")
        if isinstance(unit, Vehicle):
            kind, name, plate = "vehicle", unit.plate or unit.id, unit.plate
            sent: dict[str, Any] = {"plate": unit.plate, "vehicle_kind": unit.kind}
        else:
            kind, name, plate, sent = officer_kind(unit.team), unit.name, "", {}
        previous = row.assigned_officer
        self.apply_in(session, row, "dispatch", actor, note,
                      {**data, "officer": unit_id, "officer_name": name, "assignee_kind": kind, **sent,
                       "previous": previous})
        row.assigned_officer = unit_id
        extra = {k: v for k, v in (row.extra or {}).items() if k not in ("assignee_kind", "assignee_plate")}
        row.extra = {**extra, "assignee_kind": kind, **({"assignee_plate": plate} if plate else {})}
        now = self.core.clock()
        if previous and previous != unit_id:
            self._release_unit(session, previous, now)
        unit.status = OfficerStatus.DISPATCHED.value
        unit.status_since = now
        self._unit_changed(session, unit_id, unit.status)
        if previous != unit_id:
            self._unit_changed(session, unit_id, None, +1)

    def _release_vehicle(self, session: Session, extra: dict[str, Any], now: datetime) -> None:
        """A vehicle recorded beside the assignee (``extra["vehicle"]``, cases auto-dispatched before vehicles
        were assignees) is available again once the case is handled or taken away."""
        vehicle = session.get(Vehicle, str(extra["vehicle"])) if extra.get("vehicle") else None
        if vehicle is not None and vehicle.status in (OfficerStatus.DISPATCHED, OfficerStatus.HANDLING):
            vehicle.status, vehicle.status_since = OfficerStatus.IDLE.value, now
            self._unit_changed(session, vehicle.id, vehicle.status)

    def _release_unit(self, session: Session, unit_id: str, now: datetime) -> None:
        """An assignee (officer, worker or vehicle) whose case is done (or taken away) is available again."""
        unit = _unit(session, unit_id)
        if unit is not None and unit.status in (OfficerStatus.DISPATCHED, OfficerStatus.HANDLING):
            unit.status = OfficerStatus.IDLE.value
            unit.status_since = now
            self._unit_changed(session, unit_id, unit.status)
        self._unit_changed(session, unit_id, None, -1)

    def apply_in(self, session: Session, row: Case, action: str, actor: str, reason: str, data: dict[str, Any]) -> None:
        """Check, guard, change status and timestamps, record the event, audit — inside the caller's transaction.

        What every action does is here; what one action does besides is its entry in :data:`_EFFECTS`.
        """
        spec = workflow.check(row.code, row.status, action, reason=reason)
        precondition = _PRECONDITIONS.get(action)
        if precondition is not None:
            precondition(session, row)
        if self.core.guard_hook is not None:
            self.core.guard_hook(session, view_of(session, row), action, data)
        changed(session, row)
        step = _Step(now=self.core.clock(), before=row.status, data=data, extra=dict(row.extra or {}))
        if spec.target is None:  # resume: back to where the suspension started, clock shifted by the pause
            target = str(step.extra.pop("suspended_from", "registered"))
            paused_at = step.extra.pop("suspended_at", None)
            if paused_at and row.deadline_at is not None:
                limits = self.core.time_limits(row)
                left = limits.working_time_between(datetime.fromisoformat(str(paused_at)), row.deadline_at)
                row.deadline_at = limits.add_working_time(step.now, max(0.0, left))
        else:
            target = spec.target or step.before  # "": the status does not change (an event only)
        effect = _EFFECTS.get(action)
        if effect is not None:
            effect(self, session, row, step)
        if reason:
            step.extra["status_note"] = reason
        row.extra = step.extra
        row.status = target
        row.updated_at = step.now
        if target in CLOSED_STATUSES:
            row.closed_at = step.now
        next_step = _STEP_OF_STATUS.get(target)
        if next_step is not None and target != step.before and spec.target is not None:
            self.core.set_step_deadline(row, next_step, step.now)
        event_data = {k: v for k, v in data.items() if _jsonable(v)}
        session.add(CaseEvent(case_id=row.id, time=step.now, actor=actor, action=action, from_status=step.before,
                              to_status=target, note=reason, data=event_data))
        self.core.audit(session, actor, f"case.{action}", row.code,
                        {"from": step.before, "to": target, "reason": reason, **event_data})

    # -- what single actions do besides changing the status (see _EFFECTS) ----------------------------------------
    def _registered(self, session: Session, row: Case, step: _Step) -> None:
        row.registered_at = step.now

    def _dispatched(self, session: Session, row: Case, step: _Step) -> None:
        if row.dispatched_at is None:  # a re-dispatch keeps the first dispatch time (the SLA statistics)
            row.dispatched_at = step.now

    def _arrived(self, session: Session, row: Case, step: _Step) -> None:
        if row.arrived_at is None:
            row.arrived_at = step.now
        unit = _unit(session, row.assigned_officer) if row.assigned_officer else None
        if unit is not None:
            unit.status, unit.status_since = OfficerStatus.HANDLING.value, step.now
            self._unit_changed(session, unit.id, unit.status)

    def _handled(self, session: Session, row: Case, step: _Step) -> None:
        row.handled_at = step.now
        if row.assigned_officer:  # the assignee stays on the case (核查 may send it back) but is free again
            self._release_unit(session, row.assigned_officer, step.now)
        self._release_vehicle(session, step.extra, step.now)

    def _taken_away(self, session: Session, row: Case, step: _Step) -> None:
        if row.assigned_officer:
            self._release_unit(session, row.assigned_officer, step.now)
            row.assigned_officer = None
            step.extra.pop("assignee_kind", None)
            step.extra.pop("assignee_plate", None)
        self._release_vehicle(session, step.extra, step.now)

    def _transferred(self, session: Session, row: Case, step: _Step) -> None:
        step.extra["transferred_to"] = step.data.get("department", "")
        self._taken_away(session, row, step)

    def _suspended(self, session: Session, row: Case, step: _Step) -> None:
        step.extra["suspended_from"] = step.before
        step.extra["suspended_at"] = step.now.isoformat()


Prepare = Callable[[CaseCommands, str, str, str, dict[str, Any]], Job]

# Actions needing more than the plain transition: (permission when not the action's own, preparation).
# Suspension and extension are requests to a leader: asking needs ``case.suspend``; the leader's decision
# (:meth:`commandcenter.cases.decisions.CaseDecisions.decide_request`) needs ``case.approve_extension``.
_PREPARED: dict[str, tuple[str | None, Prepare]] = {
    "dispatch": (None, CaseCommands._prepare_dispatch),
    "transfer": (None, CaseCommands._prepare_transfer),
    "summon": (None, CaseCommands._prepare_summon),
    "merge": (None, CaseCommands._prepare_merge),
    "suspend": ("case.suspend", CaseCommands._prepare_suspend),
    "extend": ("case.suspend", CaseCommands._prepare_extend),
}


@dataclass(slots=True)
class _Step:
    """One transition being applied: when, from which status, the caller's data, the case's extra being built."""

    now: datetime
    before: str
    data: dict[str, Any]
    extra: dict[str, Any]


def _joint_tasks_done(session: Session, row: Case) -> None:
    """Feedback on a joint enforcement only once every summoned department is done (or refused)."""
    if row.status != "joint":
        return
    open_tasks = session.scalars(select(CaseTask.department).where(
        CaseTask.case_id == row.id, CaseTask.status.not_in(("done", "refused")))).all()
    if open_tasks:
        raise TransitionError(f"案件 {row.code} 联合执法任务未全部完成（{'、'.join(open_tasks)}），不能反馈核查",
                              code=row.code, status=row.status, action="feedback")


Effect = Callable[[CaseCommands, Session, Case, _Step], None]

# Checks beyond the state machine, inside the transaction, before anything changes.
_PRECONDITIONS: dict[str, Callable[[Session, Case], None]] = {"feedback": _joint_tasks_done}

# What an action does besides moving the status, stamping updated_at/closed_at and starting the next step's
# clock (which every action does): its own timestamps, the officer's status, remembered facts.
_EFFECTS: dict[str, Effect] = {
    "register": CaseCommands._registered,
    "dispatch": CaseCommands._dispatched,
    "arrive": CaseCommands._arrived,
    "feedback": CaseCommands._handled,
    "return": CaseCommands._taken_away,
    "transfer": CaseCommands._transferred,
    "suspend": CaseCommands._suspended,
}


def changed(session: Session, row: Case) -> None:
    """Note a case as changed by the running writer job (announced after its commit)."""
    collector_of(session).case(row.id, row.code)


def _unit(session: Session, unit_id: str) -> Officer | Vehicle | None:
    """The officer or vehicle a case can be assigned to (one namespace of unit ids)."""
    return session.get(Officer, unit_id) or session.get(Vehicle, unit_id)


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)
