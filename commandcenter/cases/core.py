"""What the parts of the cases package share: the store, the rules (calendar, categories), the hooks, the
clock, the change announcer — and the small row helpers every part reads cases with.

Why a shared object instead of one big class: commands, queries, recommendation and escalation are separate
jobs (:mod:`~commandcenter.cases.commands`, :mod:`~commandcenter.cases.queries`,
:mod:`~commandcenter.cases.recommend`, :mod:`~commandcenter.cases.escalation`), but they must agree on the
calendar in force (work-calendar overrides replace it at run time), on the clock and on who hears about
changes. They all hold the same :class:`CaseCore`.

Threading (the store's rules): a command authorises first (on the caller's thread, so a missing permission
is reported at once), then runs as ONE job on the store's writer thread that applies the change, appends the
``case_events`` row(s) and calls the audit hook in the same transaction; after the commit the change is
announced (:mod:`~commandcenter.cases.changes`). Reads run on the caller's thread and must be called off the
GUI thread (through the task manager).

Hooks supplied by the application (enforcement package):

* ``authorize(actor, permission)`` raises (PermissionError-like) when ``actor`` lacks ``permission``;
* ``audit(session, actor, action, subject, data)`` appends to the hash-chained audit log inside the transaction;
* ``guard(session, case, action, data)`` may refuse a transition (e.g. a penalty decision without a legal
  review) by raising; it sees the case as a :class:`CaseView` and runs inside the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Subquery, func, select, union_all
from sqlalchemy.orm import Session

from commandcenter import labels
from commandcenter.cases.calendar import NATURAL, NATURAL_HOURS, WORKING, NaturalHours, WorkCalendar
from commandcenter.cases.categories import Category, CategoryError, CategoryTable
from commandcenter.cases.changes import ChangeAnnouncer, ChangeCollector, Operation
from commandcenter.cases.model import CaseView, EvidenceRef, Sla, TaskView, sla_of
from commandcenter.cases.tables import CaseTask, WorkCalendarDay
from commandcenter.cases.workflow import OPEN_STATUSES
from commandcenter.domain import ZoneKind
from commandcenter.geo.zones import GridIndex
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case, Evidence, Officer, Vehicle, Zone

__all__ = ["Audit", "Authorize", "CaseCore", "Guard", "current_case_codes", "officer_names", "open_by_deadline",
           "open_by_officer", "to_view"]

log = logging.getLogger(__name__)

Authorize = Callable[[str, str], None]
Audit = Callable[[Session, str, str, str, dict[str, Any]], None]
Guard = Callable[[Session, CaseView, str, dict[str, Any]], None]
T = TypeVar("T")


class CaseCore:
    """Store, rules, hooks, clock and announcer shared by the parts of the cases package."""

    def __init__(self, store: Store, calendar: WorkCalendar, categories: CategoryTable, *,
                 authorize: Authorize | None = None, audit: Audit | None = None, guard: Guard | None = None,
                 clock: Callable[[], datetime] = utcnow, warn_fraction: float = 0.2) -> None:
        self.store = store
        self.calendar = calendar
        self.categories = categories
        labels.register_categories(categories)  # English names of a bureau's own table, for category_label
        self.authorize_hook = authorize
        self.audit_hook = audit
        self.guard_hook = guard
        self.clock = clock
        self.warn_fraction = warn_fraction
        self.announcer = ChangeAnnouncer()
        self._grid: GridIndex | None = None
        # Called after a commit for every unit whose status or load changed: (unit id, status or None, load delta).
        self.unit_listeners: list[Callable[[str, str | None, int], None]] = []

    # ------------------------------------------------------------------------------------------ rules
    def authorize(self, actor: str, permission: str) -> None:
        """Ask the permission hook (no hook: everything allowed, for tools and tests)."""
        if self.authorize_hook is not None:
            self.authorize_hook(actor, permission)

    def audit(self, session: Session, actor: str, action: str, subject: str, data: dict[str, Any]) -> None:
        if self.audit_hook is not None:
            self.audit_hook(session, actor, action, subject, data)

    def category(self, key: str) -> Category:
        try:
            return self.categories.resolve(key)
        except CategoryError as exc:
            raise ValueError(str(exc)) from None

    def sla(self, case: CaseView, now: datetime | None = None) -> Sla:
        return sla_of(case, self.calendar, now or self.clock(), self.warn_fraction)

    def grid(self, session: Session | None = None) -> GridIndex:
        """The grid locator, loaded from the zones table on first use (``reload_zones`` after editing zones)."""
        if self._grid is None:
            def load(s: Session) -> GridIndex:
                rows = s.execute(select(Zone.code, Zone.name, Zone.parent_code, Zone.polygon)
                                 .where(Zone.kind == ZoneKind.GRID_CELL.value).order_by(Zone.id)).all()
                return GridIndex.from_polygons((r[0], r[1], r[2], r[3]) for r in rows)

            self._grid = load(session) if session is not None else self.store.read(load)
        return self._grid

    def reload_zones(self) -> None:
        self._grid = None

    def load_calendar_overrides(self) -> None:
        """Apply the ``work_calendar_days`` table on top of the calendar file (call off the GUI thread)."""
        rows = self.store.read(lambda s: [(r.day, r.kind, r.name) for r in s.scalars(select(WorkCalendarDay))])
        if rows:
            self.calendar = self.calendar.with_overrides(rows)

    def set_step_deadline(self, row: Case, step: str, start: datetime) -> None:
        """Start the clock of ``step`` (the category's limit in working hours; an external limit wins if sooner)."""
        cat = self.categories.get(row.category)
        if cat is None:
            return
        hours = cat.step_hours(step)
        clock = NATURAL_HOURS if cat.natural_hours else self.calendar
        deadline = clock.add_working_time(start, hours)
        external = (row.extra or {}).get("external_deadline")
        if external:
            deadline = min(deadline, datetime.fromisoformat(str(external)))
        row.deadline_at = deadline
        extra = {k: v for k, v in (row.extra or {}).items() if k not in ("escalation", "escalated_at")}
        row.extra = {**extra, "step": step, "step_hours": hours, "step_started": start.isoformat(),
                     "timing": NATURAL if cat.natural_hours else WORKING}

    def time_limits(self, row: Case) -> WorkCalendar | NaturalHours:
        """How the case's limits count: clock hours for a 自然时 category's case, else the work calendar."""
        return NATURAL_HOURS if (row.extra or {}).get("timing") == NATURAL else self.calendar

    def add_evidence_row(self, session: Session, case_id: int, ev: EvidenceRef, actor: str) -> int:
        """An evidence row of a case inside a writer job (intake attachments, ``add_evidence``)."""
        row = Evidence(case_id=case_id, path=ev.path, sha256=ev.sha256, mime=ev.mime or guess_mime(ev.path),
                       size=ev.size, captured_at=ev.captured_at, device=ev.device, officer="", lat=ev.lat, lon=ev.lon,
                       added_at=self.clock(), added_by=actor, note=ev.note)
        session.add(row)
        session.flush()
        return int(row.id)

    # ------------------------------------------------------------------------------------------ writes
    def submit(self, operation: str, job: Callable[[Session], T]) -> Operation[T]:
        """Run ``job`` on the writer; the operation reports what it changed, announced after the commit only."""
        collector = ChangeCollector(operation)
        unit_changes: list[tuple[str, str | None, int]] = []

        def run(session: Session) -> T:
            session.info["case_changes"] = collector
            session.info["unit_changes"] = []
            try:
                return job(session)
            finally:
                collector.units.update(u for u, _, _ in session.info["unit_changes"])
                unit_changes.extend(session.info["unit_changes"])

        op: Operation[T] = Operation(operation)
        future = self.store.submit(run)
        future.add_done_callback(lambda f: self._committed(f, op, collector, unit_changes))
        return op

    def _committed(self, future: Future[T], op: Operation[T], collector: ChangeCollector,
                   units: list[tuple[str, str | None, int]]) -> None:
        exc = future.exception() if not future.cancelled() else None
        if future.cancelled() or exc is not None:
            if op.set_running_or_notify_cancel():  # False: the caller cancelled its operation meanwhile
                op.set_exception(exc or RuntimeError(f"case operation {collector.operation} was cancelled"))
            return
        for unit_id, status, delta in units:  # the recommender counts a dispatch before anyone hears of it
            for listener in self.unit_listeners:
                try:
                    listener(unit_id, status, delta)
                except Exception:
                    log.exception("unit change listener failed for %s → %s", unit_id, status)
        op.changes = collector.frozen()
        if op.set_running_or_notify_cancel():
            op.set_result(future.result())
        self.announcer.announce(op.changes)  # committed: the views must hear of it even if the caller gave up


# ============================================================================================ row helpers
def case_row(session: Session, code: str) -> Case:
    row = session.scalar(select(Case).where(Case.code == code))
    if row is None:
        raise KeyError(f"案件 {code} 不存在")
    return row


def officer_names(session: Session, officer_ids: Iterable[str | None]) -> dict[str, tuple[str, str]]:
    """Assignee id → (name, badge) for the given ids (one query per 500 per table): what a person reads instead
    of ids. A vehicle (a case's assignee too) reads as (plate, type): 苏A·H0002 (环卫车)."""
    ids = sorted({i for i in officer_ids if i})
    out: dict[str, tuple[str, str]] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        for oid, name, badge in session.execute(select(Officer.id, Officer.name, Officer.badge)
                                                .where(Officer.id.in_(part))):
            out[str(oid)] = (str(name or ""), str(badge or ""))
        missing = [i for i in part if i not in out]
        if missing:
            for vid, plate, kind in session.execute(select(Vehicle.id, Vehicle.plate, Vehicle.kind)
                                                    .where(Vehicle.id.in_(missing))):
                out[str(vid)] = (str(plate or vid), str(kind or ""))
    return out


def view_of(session: Session, row: Case) -> CaseView:
    """A case with its joint-enforcement tasks and its officer's name, read inside ``session``."""
    tasks = tuple(
        TaskView(t.id, t.department, t.task, t.status, t.updated_at, t.note)
        for t in session.scalars(select(CaseTask).where(CaseTask.case_id == row.id).order_by(CaseTask.id))
    )
    return to_view(row, tasks, officer_names(session, [row.assigned_officer]))


def to_view(row: Any, tasks: tuple[TaskView, ...] = (),
            officers: dict[str, tuple[str, str]] | None = None) -> CaseView:
    """A CaseView from an ORM Case or a Core row of the cases table (same attribute names)."""
    name, badge = (officers or {}).get(row.assigned_officer or "", ("", ""))
    return CaseView(
        id=row.id, code=row.code, source=row.source, external_id=row.external_id, category=row.category,
        category_name=row.category_name, description=row.description, address=row.address, lat=row.lat, lon=row.lon,
        grid_code=row.grid_code, area_code=row.area_code, status=row.status, urgency=row.urgency,
        assigned_officer=row.assigned_officer, reporter=row.reporter, created_at=row.created_at,
        registered_at=row.registered_at, dispatched_at=row.dispatched_at, arrived_at=row.arrived_at,
        handled_at=row.handled_at, closed_at=row.closed_at, deadline_at=row.deadline_at, updated_at=row.updated_at,
        extra=dict(row.extra or {}), tasks=tasks, officer_name=name, officer_badge=badge,
    )


def open_by_deadline(session: Session, limit: int) -> list[tuple[datetime | None, int]]:
    """(deadline_at, id) of the ``limit`` open cases due first: per-status index walks in one UNION ALL query.

    Why not ``status IN (…) ORDER BY deadline_at``: most cases of a bureau are closed, and with a dozen open
    statuses SQLite's planner estimates the IN list as most of the table and scans and sorts a million rows;
    an equality per status walks the (status, deadline_at) index in order and stops at ``limit``, on
    PostgreSQL too, and the database merges the dozen short lists so only ``limit`` rows come back. (Cases
    without a deadline sort first on SQLite and last on PostgreSQL; every category has time limits, so open
    cases have deadlines.)
    """
    parts = [select(Case.id, Case.deadline_at).where(Case.status == status)
             .order_by(Case.deadline_at, Case.id).limit(limit).subquery() for status in sorted(OPEN_STATUSES)]
    merged = union_all(*(select(p.c.id, p.c.deadline_at) for p in parts)).subquery()
    rows = session.execute(select(merged.c.id, merged.c.deadline_at)
                           .order_by(merged.c.deadline_at, merged.c.id).limit(limit)).all()
    far = datetime.max.replace(tzinfo=UTC)
    keys = [(d, int(i)) for i, d in rows]
    keys.sort(key=lambda k: (k[0] or far, k[1]))  # one NULL ordering on every backend
    return keys


def _open_assignments() -> Subquery:
    """(officer, case_id) of every open case with an officer: covering (status, assigned_officer) index walks
    per open status."""
    return union_all(*(select(Case.assigned_officer.label("officer"), Case.id.label("case_id"))
                       .where(Case.status == status, Case.assigned_officer.is_not(None))
                       for status in sorted(OPEN_STATUSES))).subquery()


def open_by_officer(session: Session) -> dict[str, tuple[int, int]]:
    """Officer → (open cases assigned, id of the latest one), grouped by the database in one query."""
    parts = _open_assignments()
    rows = session.execute(select(parts.c.officer, func.count(), func.max(parts.c.case_id))
                           .group_by(parts.c.officer)).all()
    return {str(officer): (int(n), int(last)) for officer, n, last in rows if officer is not None}


def current_case_codes(session: Session) -> dict[str, str]:
    """Officer → code of the latest open case assigned to them (the unit board's 当前案件), in one query: the
    database looks the codes up by primary key instead of the caller sending it a thousand ids."""
    parts = _open_assignments()
    latest = select(parts.c.officer, func.max(parts.c.case_id).label("case_id")).group_by(parts.c.officer).subquery()
    rows = session.execute(select(latest.c.officer, Case.code).join(Case, Case.id == latest.c.case_id)).all()
    return {str(officer): str(code) for officer, code in rows if officer is not None}


def guess_mime(path: str) -> str:
    """The MIME type of an attachment from its name or URL (what the evidence row records when none was given)."""
    lower = path.lower().split("?", 1)[0]
    for ext, mime in ((".jpg", "image/jpeg"), (".jpeg", "image/jpeg"), (".png", "image/png"), (".gif", "image/gif"),
                      (".webp", "image/webp"), (".mp4", "video/mp4"), (".pdf", "application/pdf")):
        if lower.endswith(ext):
            return mime
    return "application/octet-stream"
