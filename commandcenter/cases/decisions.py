"""Answers to a case from outside its workflow's actor: a leader's decision on a pending 缓办/延期 request, and a
summoned department's report on its joint-enforcement task (联合执法 “吹哨报到”).

Why apart from :class:`~commandcenter.cases.commands.CaseCommands`: these respond to something the workflow
started (a request, a summons) and are checked by other permissions (``case.approve_extension``,
``case.joint``); an approved suspension still moves the case through the one transition
(:meth:`CaseCommands.apply_in`), in the same writer job, so its event, audit entry and deadline arithmetic are
the workflow's own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from commandcenter.cases import workflow
from commandcenter.cases.changes import Operation
from commandcenter.cases.commands import TASK_STATUSES, CaseCommands, changed
from commandcenter.cases.core import case_row, view_of
from commandcenter.cases.model import CaseView
from commandcenter.cases.tables import CaseTask
from commandcenter.cases.workflow import TransitionError
from commandcenter.store.models import Case, CaseEvent

__all__ = ["CaseDecisions"]


class CaseDecisions:
    """``decide_request`` (leaders' approvals) and ``update_task`` (joint enforcement) over one workflow."""

    def __init__(self, workflow: CaseCommands) -> None:
        self.workflow = workflow
        self.core = workflow.core

    def decide_request(self, code: str, leader: str, approve: bool, note: str = "") -> Operation[CaseView]:
        """A leader approves or refuses the pending 缓办/延期 request of a case."""

        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            request: dict[str, Any] = dict((row.extra or {}).get("pending_request") or {})  # type: ignore[call-overload]
            if not request:
                raise TransitionError(f"案件 {code} 没有待审批的缓办/延期申请", code=code, status=row.status,
                                      action="approve")
            changed(session, row)
            row.extra = {k: v for k, v in (row.extra or {}).items() if k != "pending_request"}
            now = self.core.clock()
            if approve and request["kind"] == "suspend":
                self.workflow.apply_in(session, row, "suspend", leader, str(request.get("reason", "")),
                                       {"requested_by": request.get("by"), "approved_by": leader})
            elif approve:
                hours = float(request.get("hours", 0))
                workflow.check(row.code, row.status, "extend", reason=str(request.get("reason", "")))
                base = row.deadline_at or now
                row.deadline_at = self.core.time_limits(row).add_working_time(base, hours)
                extra: dict[str, Any] = dict(row.extra)
                extra["step_hours"] = float(extra.get("step_hours") or 0) + hours
                extra["extended_hours"] = float(extra.get("extended_hours") or 0) + hours
                extra.pop("escalation", None)
                row.extra = extra
                self.workflow.apply_in(session, row, "extend", leader, str(request.get("reason", "")),
                                       {"hours": hours, "requested_by": request.get("by"), "approved_by": leader})
            else:
                session.add(CaseEvent(case_id=row.id, time=now, actor=leader, action=f"deny_{request['kind']}",
                                      from_status=row.status, to_status=row.status, note=note,
                                      data={"requested_by": request.get("by")}))
                self.core.audit(session, leader, f"case.deny_{request['kind']}", row.code, {"note": note})
            row.updated_at = now
            return view_of(session, row)

        return self.workflow.submit_as(leader, "case.approve_extension", "decide_request", job)

    def update_task(self, task_id: int, status: str, actor: str, note: str = "") -> Operation[CaseView]:
        """A summoned department reports in (报到), finishes (done) or refuses its task."""
        if status not in TASK_STATUSES:
            raise ValueError(f"task {task_id}: status must be one of {', '.join(TASK_STATUSES)}, not {status!r}")

        def job(session: Session) -> CaseView:
            task = session.get(CaseTask, task_id)
            if task is None:
                raise KeyError(f"联合执法任务 {task_id} 不存在")
            row = session.get(Case, task.case_id)
            assert row is not None
            if row.status != "joint":
                raise TransitionError(f"案件 {row.code} 处于 {workflow.STATUS_ZH.get(row.status, row.status)}，不能更新联合执法任务",
                                      code=row.code, status=row.status, action="task")
            now = self.core.clock()
            before = task.status
            task.status, task.updated_at, task.note = status, now, note or task.note
            session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action="task", from_status=row.status,
                                  to_status=row.status, note=note,
                                  data={"task": task_id, "department": task.department, "from": before, "to": status}))
            self.core.audit(session, actor, "case.task", row.code, {"task": task_id, "department": task.department,
                                                                    "status": status})
            row.updated_at = now
            changed(session, row)
            return view_of(session, row)

        return self.workflow.submit_as(actor, "case.joint", "task", job)
