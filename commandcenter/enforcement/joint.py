"""吹哨报到 (联合执法): the directory of departments the bureau can summon, with their contacts and how fast they
must answer; a summoned department reports in and finishes its task from its own seat (role ``department``) or
from its contact's paired phone (the field app, :mod:`commandcenter.field.departments`);
the case leaves 联合执法 once every task is done; a department past its answer time is flagged.

The tasks themselves are the cases package's ``case_tasks`` (one per summoned department, created by
``CaseService.summon``); this module adds who the departments are and who may speak for each. A department's
seat user (``departments.username``) may update only that department's tasks (``joint.report``); a dispatcher
(``case.joint``) may update any. Status moves go through ``CaseService`` as the system on the department's
behalf — the department user's act is audited first (``joint.report``), naming the task.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.model import CaseView
from commandcenter.cases.tables import CaseTask
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.tables import Department
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

AuthorizeFn = Callable[[str, str], None]
AllowedFn = Callable[[str, str], bool]
DEPARTMENT_KINDS = ("公安", "市场监管", "住建", "生态环境", "交通运输", "卫健", "街道", "社区", "其他")
OPEN_TASK_STATUSES = ("summoned", "reported")
TASK_STATUS_ZH = {"summoned": "已吹哨", "reported": "已报到", "done": "已完成", "refused": "已拒绝"}


class JointError(ValueError):
    """A directory entry or a task update that cannot be accepted, with the reason."""


class JointCases(Protocol):
    """The part of ``CaseService`` 吹哨报到 drives."""

    def summon(self, code: str, departments: Sequence[str | tuple[str, str]], actor: str,
               note: str = "") -> Future[CaseView]:
        ...

    def update_task(self, task_id: int, status: str, actor: str, note: str = "") -> Future[CaseView]:
        ...

    def feedback(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        ...


@dataclass(frozen=True, slots=True)
class DepartmentInfo:
    id: int
    name: str
    kind: str
    contact: str
    phone: str
    username: str
    response_hours: float
    active: bool


@dataclass(frozen=True, slots=True)
class JointTask:
    """One summoned department's task, with its contact and whether it is overdue."""

    id: int
    case_id: int
    case_code: str
    case_status: str
    department: str
    task: str
    status: str
    note: str
    summoned_at: datetime
    updated_at: datetime
    due_at: datetime | None
    overdue: bool
    contact: str
    phone: str

    @property
    def status_zh(self) -> str:
        return TASK_STATUS_ZH.get(self.status, self.status)


def _department(row: Department) -> DepartmentInfo:
    return DepartmentInfo(row.id, row.name, row.kind, row.contact, row.phone, row.username, row.response_hours,
                          row.active)


class JointService:
    """Directory (``department.manage``), summoning (``case.joint``, through CaseService) and the departments'
    reports (``joint.report`` for their own tasks, ``case.joint`` for any)."""

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, allowed: AllowedFn, cases: JointCases,
                 *, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.audit = audit
        self.authorize = authorize
        self.allowed = allowed
        self.cases = cases
        self.clock = clock

    # ------------------------------------------------------------------------------------------- directory
    def departments(self, *, include_inactive: bool = False) -> list[DepartmentInfo]:
        def query(session: Session) -> list[DepartmentInfo]:
            stmt = select(Department).order_by(Department.kind, Department.name)
            if not include_inactive:
                stmt = stmt.where(Department.active.is_(True))
            return [_department(r) for r in session.scalars(stmt)]

        return self.store.read(query)

    def save_department(self, *, actor: str, name: str, kind: str, contact: str = "", phone: str = "",
                        username: str = "", response_hours: float = 24.0, active: bool = True) -> DepartmentInfo:
        """Add a department or change the one of that name (the name is what cases' tasks refer to)."""
        self.authorize(actor, "department.manage")
        name, kind = name.strip(), kind.strip()
        if not name:
            raise JointError("部门名称不能为空")
        if kind not in DEPARTMENT_KINDS:
            raise JointError(f"部门类别须为 {'、'.join(DEPARTMENT_KINDS)} 之一，而不是 {kind!r}")
        if not 0 < response_hours <= 24 * 30:
            raise JointError(f"{name}：报到时限须在 0–720 小时之间，而不是 {response_hours:g}")

        def job(session: Session) -> DepartmentInfo:
            row = session.scalars(select(Department).where(Department.name == name)).first()
            if row is None:
                row = Department(name=name, created_at=self.clock())
                session.add(row)
            row.kind, row.contact, row.phone = kind, contact.strip(), phone.strip()
            row.username, row.response_hours, row.active = username.strip(), float(response_hours), active
            session.flush()
            self.audit.append(session, actor, "department.save", f"department:{row.id}", {
                "name": name, "kind": kind, "contact": row.contact, "phone": row.phone, "username": row.username,
                "response_hours": row.response_hours, "active": active})
            return _department(row)

        return self.store.write(job)

    def department_of(self, username: str) -> DepartmentInfo | None:
        """The department a seat user speaks for (None: not a department's account)."""
        return self.store.read(lambda s: next((_department(r) for r in s.scalars(
            select(Department).where(Department.username == username, Department.active.is_(True)))), None))

    # ------------------------------------------------------------------------------------------- tasks
    def case_code(self, case_id: int) -> str:
        code = self.store.read(lambda s: s.scalar(select(Case.code).where(Case.id == case_id)))
        if code is None:
            raise JointError(f"no case {case_id}")
        return str(code)

    def summon(self, case_code: str, departments: Sequence[tuple[str, str]], *, actor: str,
               note: str = "") -> CaseView:
        """吹哨: one task per department (name, task text); the case → 联合执法. Unknown names are refused."""
        known = {d.name for d in self.departments()}
        unknown = [name for name, _task in departments if name not in known]
        if unknown:
            raise JointError(f"部门名录中没有 {'、'.join(unknown)}，请先在部门名录中添加")
        return self.cases.summon(case_code, list(departments), actor, note).result(60)

    def tasks(self, *, case_id: int | None = None, department: str | None = None,
              open_only: bool = False) -> list[JointTask]:
        """Tasks with their department's contact and due time (summoned + the department's response hours)."""
        now = self.clock()

        def query(session: Session) -> list[JointTask]:
            stmt = (select(CaseTask, Case.code, Case.status, Department)
                    .join(Case, Case.id == CaseTask.case_id)
                    .outerjoin(Department, Department.name == CaseTask.department).order_by(CaseTask.id))
            if case_id is not None:
                stmt = stmt.where(CaseTask.case_id == case_id)
            if department is not None:
                stmt = stmt.where(CaseTask.department == department)
            if open_only:
                stmt = stmt.where(CaseTask.status.in_(OPEN_TASK_STATUSES), Case.status == "joint")
            out = []
            for task, code, status, dept in session.execute(stmt):
                due = task.created_at + timedelta(hours=dept.response_hours) if dept is not None else None
                overdue = due is not None and task.status in OPEN_TASK_STATUSES and now > due
                out.append(JointTask(task.id, task.case_id, code, status, task.department, task.task, task.status,
                                     task.note, task.created_at, task.updated_at, due, overdue,
                                     dept.contact if dept else "", dept.phone if dept else ""))
            return out

        return self.store.read(query)

    def my_tasks(self, actor: str) -> list[JointTask]:
        """The open tasks of the department ``actor`` speaks for (a department seat's queue)."""
        department = self.department_of(actor)
        return [] if department is None else self.tasks(department=department.name, open_only=True)

    def report(self, task_id: int, status: str, *, actor: str, note: str = "") -> JointTask:
        """报到 (``reported``), 完成 (``done``) or 拒绝 (``refused``, with a reason) a task. When the last open task
        of the case is finished, the case leaves 联合执法 (处理反馈 by the system)."""
        task = self._checked(task_id, status, note)
        if self.allowed(actor, "case.joint"):
            on_behalf = False
        else:
            self.authorize(actor, "joint.report")
            mine = self.department_of(actor)
            if mine is None or mine.name != task.department:
                raise JointError(f"{actor} 不是{task.department}的账号，不能办理该部门的任务")
            on_behalf = True
        return self._apply(task, status, actor=actor, note=note, on_behalf=on_behalf)

    def report_for_department(self, task_id: int, status: str, *, department: str, actor: str,
                              note: str = "") -> JointTask:
        """The same acts from a department contact's paired phone (the field app): the bearer token already
        says which department speaks, so the task must be that department's; ``actor`` names the phone in the
        audit chain (``field-department:<id>``)."""
        task = self._checked(task_id, status, note)
        if task.department != department:
            raise JointError(f"联合执法任务 {task_id} 属于{task.department}，不是{department}的任务")
        if task.status not in OPEN_TASK_STATUSES:
            raise JointError(f"{department}的任务 {task_id} 已{task.status_zh}，不能再办理")
        return self._apply(task, status, actor=actor, note=note, on_behalf=True, via="城管通")

    def _checked(self, task_id: int, status: str, note: str) -> JointTask:
        if status not in ("reported", "done", "refused"):
            raise JointError(f"task {task_id}: status must be reported, done or refused, not {status!r}")
        if status == "refused" and not note.strip():
            raise JointError("拒绝任务须说明理由")
        task = next((t for t in self.tasks() if t.id == task_id), None)
        if task is None:
            raise JointError(f"联合执法任务 {task_id} 不存在")
        return task

    def _apply(self, task: JointTask, status: str, *, actor: str, note: str, on_behalf: bool,
               via: str = "") -> JointTask:
        """Audit the department's act, move the task, and take the case out of 联合执法 after the last one."""
        self.audit.record(actor, "joint.report", task.case_code, {
            "task": task.id, "department": task.department, "status": status, "note": note.strip()}).result(30)
        who = f"{task.department}（{via or actor}）" + (f"：{note.strip()}" if note.strip() else "")
        view = self.cases.update_task(task.id, status, "system" if on_behalf else actor, who).result(60)
        remaining = [t for t in self.tasks(case_id=task.case_id) if t.status in OPEN_TASK_STATUSES]
        if not remaining and view.status == "joint":
            self.cases.feedback(view.code, "system", "联合执法各部门任务均已完成").result(60)
        return next(t for t in self.tasks(case_id=task.case_id) if t.id == task.id)


def seed_rows() -> list[dict[str, Any]]:
    """A typical district's departments (the demo seeds these; a real bureau enters its own)."""
    return [
        {"name": "区公安分局", "kind": "公安", "contact": "治安大队值班室", "phone": "025-110"},
        {"name": "区市场监管局", "kind": "市场监管", "contact": "执法稽查科", "phone": "025-12315"},
        {"name": "区住建局", "kind": "住建", "contact": "建筑市场监管科", "phone": "025-12319"},
        {"name": "区生态环境局", "kind": "生态环境", "contact": "环境执法大队", "phone": "025-12369"},
        {"name": "兴隆街道办事处", "kind": "街道", "contact": "城管科", "phone": "025-86661234"},
    ]
