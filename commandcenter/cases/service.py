"""CaseService: the façade of the cases package — intake, workflow actions, SLA, dispatch, unit board.

Threading (the store's rules): every action authorises first (on the caller's thread, so a missing permission
is reported at once), then runs as ONE job on the store's writer thread that applies the change, appends the
``case_events`` row(s) and calls the audit hook in the same transaction — an action and its audit entry are
committed together or not at all. Actions return ``Future[CaseView]``; the GUI never waits on them (it adds a
done-callback), the CLI and tests call ``.result()``. Reads (``get``, ``queue``, ``unit_board`` …) run on the
caller's thread and must be called off the GUI thread (the dispatch feed does that on its worker).

Hooks supplied by the application (enforcement package):

* ``authorize(actor, permission)`` raises (PermissionError-like) when ``actor`` lacks ``permission``;
* ``audit(session, actor, action, subject, data)`` appends to the hash-chained audit log inside the transaction;
* ``guard(session, case, action, data)`` may refuse a transition (e.g. a penalty decision without a legal
  review) by raising; it sees the case as a :class:`CaseView` and runs inside the transaction.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, select, union_all
from sqlalchemy.orm import Session

from commandcenter import labels
from commandcenter.cases import workflow
from commandcenter.cases.calendar import WorkCalendar
from commandcenter.cases.categories import Category, CategoryError, CategoryTable
from commandcenter.cases.dispatch import Dispatcher, OfficerInfo, Recommendation, StreetRouter, router_for
from commandcenter.cases.model import CaseView, EvidenceRef, NewCase, Sla, TaskView, sla_of
from commandcenter.cases.tables import CaseMerge, CaseTask, WorkCalendarDay
from commandcenter.cases.workflow import CLOSED_STATUSES, OPEN_STATUSES, TransitionError
from commandcenter.domain import OfficerStatus, UnitPosition, ZoneKind
from commandcenter.enforcement.tables import User
from commandcenter.geo.coords import haversine_m
from commandcenter.geo.streets import StreetGraph
from commandcenter.geo.zones import GridIndex
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case, CaseEvent, Evidence, Officer, Vehicle, Zone

__all__ = ["CaseService", "DuplicateCandidate", "UnitRow"]

log = logging.getLogger(__name__)

Authorize = Callable[[str, str], None]
Audit = Callable[[Session, str, str, str, dict[str, Any]], None]
Guard = Callable[[Session, CaseView, str, dict[str, Any]], None]
T = TypeVar("T")

# Which step's time limit applies once a case enters a status (None: the clock is not reset).
_STEP_OF_STATUS = {
    "reported": "register",
    "registered": "dispatch",
    "returned": "dispatch",
    "dispatched": "handle",
    "handled": "verify",
}
TASK_STATUSES = ("summoned", "reported", "done", "refused")


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    code: str
    status: str
    distance_m: float
    minutes_apart: float
    description: str


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One line of the unit status board (CAD convention: stale units are flagged)."""

    id: str
    kind: str  # officer | vehicle
    name: str
    team: str
    status: str
    status_label: str
    current_case: str
    seconds_in_status: float | None
    fix_age_s: float | None
    stale: bool
    lat: float | None
    lon: float | None


class CaseService:
    """Cases from every channel through the workflow; see the module docstring for threads and hooks."""

    def __init__(
        self,
        store: Store,
        calendar: WorkCalendar,
        categories: CategoryTable,
        *,
        authorize: Authorize | None = None,
        audit: Audit | None = None,
        guard: Guard | None = None,
        positions: Callable[[], Mapping[str, UnitPosition]] | None = None,
        streets: StreetGraph | StreetRouter | None = None,
        clock: Callable[[], datetime] = utcnow,
        duplicate_radius_m: float = 50.0,
        duplicate_window_min: float = 60.0,
        warn_fraction: float = 0.2,
        stale_after_s: float = 300.0,
        roster_max_age_s: float = 5.0,
        unit_status_changed: Callable[[str, str], None] | None = None,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.categories = categories
        labels.register_categories(categories)  # English names of a bureau's own table, for category_label
        self._authorize = authorize
        self._audit = audit
        self._guard = guard
        self._unit_status_changed = unit_status_changed
        self.positions: Callable[[], Mapping[str, UnitPosition]] = positions or dict
        self.clock = clock
        self.duplicate_radius_m = duplicate_radius_m
        self.duplicate_window_min = duplicate_window_min
        self.warn_fraction = warn_fraction
        self.stale_after_s = stale_after_s
        self.roster_max_age_s = roster_max_age_s
        router: StreetRouter | None = router_for(streets)
        self.dispatcher = Dispatcher(self.positions, router, stale_after_s=stale_after_s,
                                     clock=lambda: self.clock().timestamp())
        self._grid: GridIndex | None = None
        self._roster_at = -math.inf
        self._lock = threading.Lock()
        self.load_calendar_overrides()  # the bureau's own holidays/调休 days count in every deadline

    # =========================================================================================== helpers
    def authorize(self, actor: str, permission: str) -> None:
        """Ask the permission hook (no hook: everything allowed, for tools and tests)."""
        if self._authorize is not None:
            self._authorize(actor, permission)

    def _submit(self, actor: str, permission: str, job: Callable[[Session], T], *,
                authorized: bool = False) -> Future[T]:
        """Authorise, then run ``job`` on the writer; unit status changes are published only after the commit."""
        if not authorized:
            self.authorize(actor, permission)
        changes: list[tuple[str, str | None, int]] = []

        def run(session: Session) -> T:
            session.info["unit_changes"] = changes
            return job(session)

        future = self.store.submit(run)
        future.add_done_callback(lambda f: self._publish_unit_changes(f, changes))
        return future

    def _unit_changed(self, session: Session, unit_id: str, status: str | None, load_delta: int = 0) -> None:
        session.info.setdefault("unit_changes", []).append((unit_id, status, load_delta))

    def _publish_unit_changes(self, future: Future[Any], changes: list[tuple[str, str | None, int]]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        for unit_id, status, delta in changes:
            if delta:
                self.dispatcher.note_load(unit_id, delta)
            if status is not None:
                self.dispatcher.note_status(unit_id, status)
                if self._unit_status_changed is not None:
                    try:
                        self._unit_status_changed(unit_id, status)
                    except Exception:
                        log.exception("unit status hook failed for %s → %s", unit_id, status)

    def _audit_in(self, session: Session, actor: str, action: str, subject: str, data: dict[str, Any]) -> None:
        if self._audit is not None:
            self._audit(session, actor, action, subject, data)

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

    def sla(self, case: CaseView, now: datetime | None = None) -> Sla:
        return sla_of(case, self.calendar, now or self.clock(), self.warn_fraction)

    # =========================================================================================== intake
    def create_case(self, spec: NewCase, actor: str, *, register: bool = False) -> Future[CaseView]:
        """A new case from any channel (dispatcher form, patrol, camera …). ``register`` also 立案 at once."""
        self.category(spec.category)  # refuse an unknown category before queueing anything

        def job(session: Session) -> CaseView:
            row = self.insert_case(session, spec, actor)
            if register:
                self._apply(session, row, "register", actor, "", {})
            return self._view(session, row)

        return self._submit(actor, "case.create", job)

    def intake_event(
        self,
        source: str,
        category: str,
        lat: float,
        lon: float,
        text: str,
        camera_id: str | None = None,
        evidence: Sequence[EvidenceRef] = (),
        *,
        actor: str = "system",
        urgency: int | None = None,
        external_id: str | None = None,
    ) -> Future[CaseView]:
        """A machine-detected event (camera AI, sensor, geofence, drone) becomes a case.

        Categories marked 自动派遣 with urgency 1 (紧急) are registered and dispatched to the best available
        officer in the same transaction, without a human in between; the dispatcher can still re-dispatch.
        """
        cat = self.category(category)
        extra: dict[str, Any] = {"camera_id": camera_id} if camera_id else {}
        spec = NewCase(source=source, category=cat.code, description=text, lat=lat, lon=lon, reporter=camera_id or source,
                       external_id=external_id, urgency=urgency, evidence=list(evidence), extra=extra)
        auto = cat.auto_dispatch and (urgency or cat.urgency) == 1

        def job(session: Session) -> CaseView:
            row = self.insert_case(session, spec, actor)
            if auto:
                self._refresh_roster_if_old(session)  # on the writer: the caller may be the GUI thread
                self._apply(session, row, "register", actor, "自动立案", {"auto": True})
                view = self._view(session, row)
                picks = self._recommend_for(view, 1)
                if picks:
                    self._dispatch_in(session, row, picks[0].officer_id, actor, "自动派遣: " + picks[0].summary,
                                      {"auto": True})
                else:
                    row.extra = {**(row.extra or {}), "auto_dispatch_failed": "无空闲队员"}
            return self._view(session, row)

        return self._submit(actor, "case.create", job)

    def category(self, key: str) -> Category:
        try:
            return self.categories.resolve(key)
        except CategoryError as exc:
            raise ValueError(str(exc)) from None

    def _locate(self, session: Session, spec: NewCase) -> tuple[float | None, float | None, str, str]:
        """Coordinates, grid cell and 责任区 of a new case: from lat/lon when given, else the typed grid cell."""
        grid = self.grid(session)
        lat, lon = spec.lat, spec.lon
        if lat is not None and lon is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"location ({lat}, {lon}) is not a WGS-84 latitude/longitude")
            cell = grid.unit_cell_at(lat, lon)
            if cell is not None:
                return lat, lon, cell.code, cell.area_code
            return lat, lon, spec.grid_code, ""
        if spec.grid_code:
            cell = grid.get(spec.grid_code)
            if cell is None and len(grid):
                raise ValueError(f"unknown grid cell {spec.grid_code!r}")
            centre = cell.centre if cell is not None else None
            return (centre[0] if centre else None, centre[1] if centre else None, spec.grid_code,
                    cell.area_code if cell else "")
        if not spec.address:
            raise ValueError("a case needs a location: lat/lon, a grid cell or an address")
        return None, None, "", ""

    def _next_code(self, session: Session, now: datetime) -> str:
        """AJ + local date + 6-digit serial, unique per day. Read from the database inside the writing transaction,
        which holds the database's write lock (see ``commandcenter.store.store``), so processes writing to one
        database at once never hand out the same code."""
        day = now.astimezone(self.calendar.tz).strftime("%Y%m%d")
        prefix = f"AJ{day}"
        last = session.scalar(select(func.max(Case.code)).where(Case.code >= prefix, Case.code < f"AJ{day}~"))
        serial = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
        return f"{prefix}{serial:06d}"

    def insert_case(self, session: Session, spec: NewCase, actor: str) -> Case:
        """Insert a new case inside a writer job (used by the bulk hotline import); callers authorise first."""
        cat = self.category(spec.category)
        now = self.clock()
        created = spec.created_at or now
        lat, lon, grid_code, area_code = self._locate(session, spec)
        extra = dict(spec.extra)
        if spec.deadline_at is not None:
            extra["external_deadline"] = spec.deadline_at.astimezone(UTC).isoformat()
        dupes = self._find_duplicates(session, cat.code, lat, lon, created) if lat is not None and lon is not None else []
        if dupes:
            extra["possible_duplicates"] = [d.code for d in dupes]
        row = Case(
            code=self._next_code(session, now), source=spec.source, external_id=spec.external_id, category=cat.code,
            category_name=cat.name, description=spec.description, address=spec.address, lat=lat, lon=lon,
            grid_code=grid_code, area_code=area_code, status="reported", urgency=spec.urgency or cat.urgency,
            assigned_officer=None, reporter=spec.reporter, created_at=created, updated_at=now, extra=extra,
        )
        self._set_step_deadline(row, "register", now)
        session.add(row)
        session.flush()
        for ev in spec.evidence:
            self._add_evidence_row(session, row.id, ev, actor)
        session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action="create", from_status="",
                              to_status="reported", note=spec.description[:200],
                              data={"source": spec.source, "category": cat.code, "duplicates": extra.get(
                                  "possible_duplicates", [])}))
        self._audit_in(session, actor, "case.create", row.code,
                       {"source": spec.source, "category": cat.code, "external_id": spec.external_id,
                        "grid": grid_code})
        return row

    def _set_step_deadline(self, row: Case, step: str, start: datetime) -> None:
        cat = self.categories.get(row.category)
        if cat is None:
            return
        hours = cat.step_hours(step)
        deadline = self.calendar.add_working_time(start, hours)
        external = (row.extra or {}).get("external_deadline")
        if external:
            deadline = min(deadline, datetime.fromisoformat(str(external)))
        row.deadline_at = deadline
        extra = {k: v for k, v in (row.extra or {}).items() if k not in ("escalation", "escalated_at")}
        row.extra = {**extra, "step": step, "step_hours": hours, "step_started": start.isoformat()}

    # ------------------------------------------------------------------------------------------ duplicates
    def _find_duplicates(self, session: Session, category: str, lat: float, lon: float, at: datetime,
                         exclude: str = "") -> list[DuplicateCandidate]:
        window = timedelta(minutes=self.duplicate_window_min)
        dlat = self.duplicate_radius_m / 111_320.0
        dlon = dlat / max(0.01, math.cos(math.radians(lat)))
        rows = session.execute(
            select(Case.code, Case.status, Case.lat, Case.lon, Case.created_at, Case.description)
            .where(Case.category == category, Case.created_at >= at - window, Case.created_at <= at + window,
                   Case.status.in_(OPEN_STATUSES),
                   Case.lat.between(lat - dlat, lat + dlat), Case.lon.between(lon - dlon, lon + dlon),
                   Case.code != exclude)
        ).all()
        out = []
        for code, status, clat, clon, created, desc in rows:
            if clat is None or clon is None:
                continue
            d = haversine_m(lat, lon, clat, clon)
            if d <= self.duplicate_radius_m:
                out.append(DuplicateCandidate(code, status, d, abs((at - created).total_seconds()) / 60, desc or ""))
        return sorted(out, key=lambda c: (c.distance_m, c.minutes_apart))

    def find_duplicates(self, category: str, lat: float, lon: float, at: datetime | None = None,
                        exclude: str = "") -> list[DuplicateCandidate]:
        """Open cases of the same category within the radius and time window (offered for merging)."""
        code = self.category(category).code
        return self.store.read(lambda s: self._find_duplicates(s, code, lat, lon, at or self.clock(), exclude))

    def merge(self, keep_code: str, duplicate_code: str, actor: str, note: str = "") -> Future[CaseView]:
        """Fold a duplicate report into ``keep_code``: the duplicate becomes ``merged``; returns the kept case."""
        if keep_code == duplicate_code:
            raise ValueError(f"案件 {keep_code} 不能与自身合并")

        def job(session: Session) -> CaseView:
            keep = self._case_row(session, keep_code)
            dup = self._case_row(session, duplicate_code)
            if keep.status in CLOSED_STATUSES:
                raise TransitionError(f"案件 {keep_code} 已{workflow.STATUS_ZH.get(keep.status, keep.status).removeprefix('已')}，"
                                      f"不能再合并其它案件", code=keep_code, status=keep.status, action="merge")
            self._apply(session, dup, "merge", actor, note or f"合并到 {keep_code}", {"into": keep_code})
            session.add(CaseMerge(case_id=keep.id, merged_case_id=dup.id, time=self.clock(), actor=actor, note=note))
            extra_keep: dict[str, Any] = dict(keep.extra or {})
            merged = [*list(extra_keep.get("merged", [])), dup.code]
            keep.extra = {**(keep.extra or {}), "merged": merged,
                          "possible_duplicates": [c for c in extra_keep.get("possible_duplicates", [])
                                                  if c != dup.code]}
            session.add(CaseEvent(case_id=keep.id, time=self.clock(), actor=actor, action="absorb",
                                  from_status=keep.status, to_status=keep.status, note=f"合并 {dup.code}",
                                  data={"merged": dup.code}))
            keep.updated_at = self.clock()
            return self._view(session, keep)

        return self._submit(actor, "case.merge", job)

    # =========================================================================================== workflow
    def transition(self, code: str, action: str, actor: str, *, reason: str = "",
                   **data: Any) -> Future[CaseView]:
        """Any workflow action by name (see ``workflow.ACTIONS``); the named methods below are thin wrappers."""
        spec = workflow.ACTIONS.get(action)
        if spec is None:
            raise TransitionError(f"案件 {code}: 未知操作 {action!r}", code=code, action=action)
        if action == "dispatch":
            return self.dispatch(code, str(data.get("officer_id", "")), actor, note=reason)
        if action == "summon":
            return self.summon(code, list(data.get("departments", [])), actor, note=reason)
        if action == "merge":
            return self.merge(str(data.get("into", "")), code, actor, reason)
        if action == "extend":
            return self.request_extension(code, float(data.get("hours", 0)), actor, reason)
        if action == "suspend":
            return self.request_suspend(code, actor, reason)

        def job(session: Session) -> CaseView:
            row = self._case_row(session, code)
            self._apply(session, row, action, actor, reason, dict(data))
            return self._view(session, row)

        return self._submit(actor, spec.permission, job)

    def register(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "register", actor, reason=note)

    def reject(self, code: str, actor: str, reason: str) -> Future[CaseView]:
        return self.transition(code, "reject", actor, reason=reason)

    def arrive(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "arrive", actor, reason=note)

    def feedback(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "feedback", actor, reason=note)

    def verify(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "verify", actor, reason=note)

    def close(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "close", actor, reason=note)

    def rework(self, code: str, actor: str, reason: str) -> Future[CaseView]:
        return self.transition(code, "rework", actor, reason=reason)

    def return_case(self, code: str, actor: str, reason: str) -> Future[CaseView]:
        return self.transition(code, "return", actor, reason=reason)

    def transfer(self, code: str, department: str, actor: str, reason: str) -> Future[CaseView]:
        if not department.strip():
            raise TransitionError(f"案件 {code}: 转办必须指定承办部门", code=code, action="transfer")
        return self.transition(code, "transfer", actor, reason=reason, department=department)

    def resume(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "resume", actor, reason=note)

    def investigate(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "investigate", actor, reason=note)

    def decide(self, code: str, actor: str, note: str = "", **data: Any) -> Future[CaseView]:
        return self.transition(code, "decide", actor, reason=note, **data)

    def legal_review(self, code: str, actor: str, note: str = "", **data: Any) -> Future[CaseView]:
        return self.transition(code, "legal_review", actor, reason=note, **data)

    def execute(self, code: str, actor: str, note: str = "", **data: Any) -> Future[CaseView]:
        return self.transition(code, "execute", actor, reason=note, **data)

    def archive(self, code: str, actor: str, note: str = "") -> Future[CaseView]:
        return self.transition(code, "archive", actor, reason=note)

    def dispatch(self, code: str, officer_id: str, actor: str, note: str = "") -> Future[CaseView]:
        """One-click assign: the case → dispatched, the officer → 出警; both recorded in one transaction."""
        if not officer_id:
            raise TransitionError(f"案件 {code}: 派遣必须指定处置队员", code=code, action="dispatch")

        def job(session: Session) -> CaseView:
            row = self._case_row(session, code)
            self._dispatch_in(session, row, officer_id, actor, note, {})
            return self._view(session, row)

        return self._submit(actor, "case.dispatch", job)

    def _dispatch_in(self, session: Session, row: Case, officer_id: str, actor: str, note: str,
                     data: dict[str, Any]) -> None:
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise TransitionError(f"案件 {row.code}: 队员 {officer_id} 不存在", code=row.code, action="dispatch")
        previous = row.assigned_officer
        self._apply(session, row, "dispatch", actor, note, {**data, "officer": officer_id, "previous": previous})
        row.assigned_officer = officer_id
        now = self.clock()
        if previous and previous != officer_id:
            self._release_officer(session, previous, now)
        officer.status = OfficerStatus.DISPATCHED.value
        officer.status_since = now
        self._unit_changed(session, officer_id, officer.status)
        if previous != officer_id:
            self._unit_changed(session, officer_id, None, +1)

    def _release_officer(self, session: Session, officer_id: str, now: datetime) -> None:
        """An officer whose case is done (or taken away) is available again."""
        officer = session.get(Officer, officer_id)
        if officer is not None and officer.status in (OfficerStatus.DISPATCHED, OfficerStatus.HANDLING):
            officer.status = OfficerStatus.IDLE.value
            officer.status_since = now
            self._unit_changed(session, officer_id, officer.status)
        self._unit_changed(session, officer_id, None, -1)

    def _apply(self, session: Session, row: Case, action: str, actor: str, reason: str, data: dict[str, Any]) -> None:
        """Check, guard, change status and timestamps, record the event, audit — inside the caller's transaction."""
        spec = workflow.check(row.code, row.status, action, reason=reason)
        if action == "feedback" and row.status == "joint":
            open_tasks = session.scalars(select(CaseTask.department).where(
                CaseTask.case_id == row.id, CaseTask.status.not_in(("done", "refused")))).all()
            if open_tasks:
                raise TransitionError(f"案件 {row.code} 联合执法任务未全部完成（{'、'.join(open_tasks)}），不能反馈核查",
                                      code=row.code, status=row.status, action=action)
        if self._guard is not None:
            self._guard(session, self._view(session, row), action, data)
        now = self.clock()
        before = row.status
        extra = dict(row.extra or {})
        if spec.target is None:  # resume: back to where the suspension started, clock shifted by the pause
            target = str(extra.pop("suspended_from", "registered"))
            paused_at = extra.pop("suspended_at", None)
            if paused_at and row.deadline_at is not None:
                left = self.calendar.working_time_between(datetime.fromisoformat(str(paused_at)), row.deadline_at)
                row.deadline_at = self.calendar.add_working_time(now, max(0.0, left))
        elif spec.target == "":
            target = before
        else:
            target = spec.target
        if action == "suspend":
            extra["suspended_from"] = before
            extra["suspended_at"] = now.isoformat()
        if action == "transfer":
            extra["transferred_to"] = data.get("department", "")
        if reason:
            extra["status_note"] = reason
        row.extra = extra
        row.status = target
        row.updated_at = now
        if action == "register":
            row.registered_at = now
        elif action == "dispatch" and row.dispatched_at is None:
            row.dispatched_at = now
        elif action == "arrive":
            if row.arrived_at is None:
                row.arrived_at = now
            if row.assigned_officer:
                officer = session.get(Officer, row.assigned_officer)
                if officer is not None:
                    officer.status, officer.status_since = OfficerStatus.HANDLING.value, now
                    self._unit_changed(session, officer.id, officer.status)
        elif action == "feedback":
            row.handled_at = now
        elif target in ("closed", "archived", "merged", "rejected", "transferred"):
            row.closed_at = now
        if action in ("feedback", "return", "transfer") and row.assigned_officer:
            self._release_officer(session, row.assigned_officer, now)
            if action != "feedback":
                row.assigned_officer = None
        step = _STEP_OF_STATUS.get(target)
        if step is not None and target != before and spec.target is not None:
            self._set_step_deadline(row, step, now)
        event_data = {k: v for k, v in data.items() if _jsonable(v)}
        session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action=action, from_status=before,
                              to_status=target, note=reason, data=event_data))
        self._audit_in(session, actor, f"case.{action}", row.code,
                       {"from": before, "to": target, "reason": reason, **event_data})

    # ------------------------------------------------------------------------------------ leader approvals
    def request_suspend(self, code: str, actor: str, reason: str) -> Future[CaseView]:
        """Ask a leader to suspend the case (缓办); nothing changes until :meth:`decide_request` approves."""
        return self._request(code, actor, "suspend", reason, {})

    def request_extension(self, code: str, hours: float, actor: str, reason: str) -> Future[CaseView]:
        """Ask a leader to extend the current step's deadline by ``hours`` working hours (延期)."""
        if hours <= 0:
            raise ValueError(f"案件 {code}: 延期时长必须大于 0（收到 {hours}）")
        return self._request(code, actor, "extend", reason, {"hours": hours})

    def _request(self, code: str, actor: str, kind: str, reason: str, data: dict[str, Any]) -> Future[CaseView]:
        def job(session: Session) -> CaseView:
            row = self._case_row(session, code)
            workflow.check(row.code, row.status, kind, reason=reason)
            now = self.clock()
            request = {"kind": kind, "by": actor, "at": now.isoformat(), "reason": reason, **data}
            row.extra = {**(row.extra or {}), "pending_request": request}
            row.updated_at = now
            session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action=f"request_{kind}",
                                  from_status=row.status, to_status=row.status, note=reason, data=data))
            self._audit_in(session, actor, f"case.request_{kind}", row.code, {"reason": reason, **data})
            return self._view(session, row)

        return self._submit(actor, "case.suspend", job)

    def decide_request(self, code: str, leader: str, approve: bool, note: str = "") -> Future[CaseView]:
        """A leader approves or refuses the pending 缓办/延期 request of a case."""

        def job(session: Session) -> CaseView:
            row = self._case_row(session, code)
            request: dict[str, Any] = dict((row.extra or {}).get("pending_request") or {})  # type: ignore[call-overload]
            if not request:
                raise TransitionError(f"案件 {code} 没有待审批的缓办/延期申请", code=code, status=row.status,
                                      action="approve")
            row.extra = {k: v for k, v in (row.extra or {}).items() if k != "pending_request"}
            now = self.clock()
            if approve and request["kind"] == "suspend":
                self._apply(session, row, "suspend", leader, str(request.get("reason", "")),
                            {"requested_by": request.get("by"), "approved_by": leader})
            elif approve:
                hours = float(request.get("hours", 0))
                workflow.check(row.code, row.status, "extend", reason=str(request.get("reason", "")))
                base = row.deadline_at or now
                row.deadline_at = self.calendar.add_working_time(base, hours)
                extra: dict[str, Any] = dict(row.extra)
                extra["step_hours"] = float(extra.get("step_hours") or 0) + hours
                extra["extended_hours"] = float(extra.get("extended_hours") or 0) + hours
                extra.pop("escalation", None)
                row.extra = extra
                self._apply(session, row, "extend", leader, str(request.get("reason", "")),
                            {"hours": hours, "requested_by": request.get("by"), "approved_by": leader})
            else:
                session.add(CaseEvent(case_id=row.id, time=now, actor=leader, action=f"deny_{request['kind']}",
                                      from_status=row.status, to_status=row.status, note=note,
                                      data={"requested_by": request.get("by")}))
                self._audit_in(session, leader, f"case.deny_{request['kind']}", row.code, {"note": note})
            row.updated_at = now
            return self._view(session, row)

        return self._submit(leader, "case.approve_extension", job)

    # ------------------------------------------------------------------------------------ joint enforcement
    def summon(self, code: str, departments: Sequence[str | tuple[str, str]], actor: str,
               note: str = "") -> Future[CaseView]:
        """吹哨报到: summon departments, one task each ("部门" or ("部门", "任务")); the case → 联合执法."""
        tasks = [(d, "") if isinstance(d, str) else (d[0], d[1]) for d in departments]
        if not tasks or any(not d.strip() for d, _ in tasks):
            raise TransitionError(f"案件 {code}: 吹哨报到至少需要一个部门", code=code, action="summon")

        def job(session: Session) -> CaseView:
            row = self._case_row(session, code)
            self._apply(session, row, "summon", actor, note, {"departments": [d for d, _ in tasks]})
            now = self.clock()
            for dept, task in tasks:
                session.add(CaseTask(case_id=row.id, department=dept, task=task, status="summoned",
                                     created_at=now, updated_at=now, note=""))
            return self._view(session, row)

        return self._submit(actor, "case.joint", job)

    def update_task(self, task_id: int, status: str, actor: str, note: str = "") -> Future[CaseView]:
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
            now = self.clock()
            before = task.status
            task.status, task.updated_at, task.note = status, now, note or task.note
            session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action="task", from_status=row.status,
                                  to_status=row.status, note=note,
                                  data={"task": task_id, "department": task.department, "from": before, "to": status}))
            self._audit_in(session, actor, "case.task", row.code, {"task": task_id, "department": task.department,
                                                                   "status": status})
            row.updated_at = now
            return self._view(session, row)

        return self._submit(actor, "case.joint", job)

    # ------------------------------------------------------------------------------------------ evidence
    def add_evidence(self, code: str, evidence: EvidenceRef, actor: str) -> Future[CaseView]:
        def job(session: Session) -> CaseView:
            row = self._case_row(session, code)
            ev_id = self._add_evidence_row(session, row.id, evidence, actor)
            session.add(CaseEvent(case_id=row.id, time=self.clock(), actor=actor, action="evidence",
                                  from_status=row.status, to_status=row.status, note=evidence.note,
                                  data={"evidence": ev_id, "path": evidence.path}))
            self._audit_in(session, actor, "evidence.add", row.code, {"evidence": ev_id, "sha256": evidence.sha256})
            return self._view(session, row)

        return self._submit(actor, "evidence.add", job)

    def _add_evidence_row(self, session: Session, case_id: int, ev: EvidenceRef, actor: str) -> int:
        row = Evidence(case_id=case_id, path=ev.path, sha256=ev.sha256, mime=ev.mime or _guess_mime(ev.path),
                       size=ev.size, captured_at=ev.captured_at, device=ev.device, officer="", lat=ev.lat, lon=ev.lon,
                       added_at=self.clock(), added_by=actor, note=ev.note)
        session.add(row)
        session.flush()
        return int(row.id)

    # =========================================================================================== reads
    def _case_row(self, session: Session, code: str) -> Case:
        row = session.scalar(select(Case).where(Case.code == code))
        if row is None:
            raise KeyError(f"案件 {code} 不存在")
        return row

    def _view(self, session: Session, row: Case) -> CaseView:
        tasks = tuple(
            TaskView(t.id, t.department, t.task, t.status, t.updated_at, t.note)
            for t in session.scalars(select(CaseTask).where(CaseTask.case_id == row.id).order_by(CaseTask.id))
        )
        return _to_view(row, tasks)

    def get(self, code: str) -> CaseView:
        """One case (KeyError when unknown). Off the GUI thread."""
        return self.store.read(lambda s: self._view(s, self._case_row(s, code)))

    def events(self, code: str) -> list[dict[str, Any]]:
        """The case's history, oldest first, as plain dicts; ``actor_role``/``actor_name`` name the person
        (from the users table, empty for the system and intake channels) so history reads "值班长 张三 立案"."""
        def q(s: Session) -> list[dict[str, Any]]:
            case_id = self._case_row(s, code).id
            events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
            actors = sorted({e.actor for e in events})
            people = {u: (role, name) for u, role, name in s.execute(
                select(User.username, User.role, User.display_name).where(User.username.in_(actors)))}
            return [{"time": e.time, "actor": e.actor, "action": e.action, "from": e.from_status, "to": e.to_status,
                     "note": e.note, "data": e.data, "actor_role": people.get(e.actor, ("", ""))[0],
                     "actor_name": people.get(e.actor, ("", ""))[1]}
                    for e in events]
        return self.store.read(q)

    def evidence(self, code: str) -> list[dict[str, Any]]:
        def q(s: Session) -> list[dict[str, Any]]:
            case_id = self._case_row(s, code).id
            return [{"id": e.id, "path": e.path, "mime": e.mime, "sha256": e.sha256, "added_at": e.added_at}
                    for e in s.scalars(select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id))]
        return self.store.read(q)

    def first_evidence(self, case_ids: Sequence[int]) -> dict[int, str]:
        """The first attachment's path/URL of each case (one query for a whole Open311 result page)."""
        if not case_ids:
            return {}

        def q(s: Session) -> dict[int, str]:
            out: dict[int, str] = {}
            for chunk in range(0, len(case_ids), 500):
                rows = s.execute(select(Evidence.case_id, Evidence.path).where(
                    Evidence.case_id.in_(list(case_ids[chunk:chunk + 500]))).order_by(Evidence.id))
                for case_id, path in rows:
                    out.setdefault(int(case_id or 0), path)
            return out

        return self.store.read(q)

    def queue(self, *, limit: int = 500, include_today: bool = True) -> list[CaseView]:
        """The dispatch queue: open cases (most urgent deadline first) plus today's closed ones."""
        now = self.clock()
        local_midnight = now.astimezone(self.calendar.tz).replace(hour=0, minute=0, second=0, microsecond=0)

        def q(s: Session) -> list[CaseView]:
            keys = _open_by_deadline(s, limit)
            table = Case.__table__
            # Core rows, not ORM objects: same attribute names, a fraction of the cost for 500 rows per second.
            wanted = select(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
            by_id = {r.id: r for r in s.execute(wanted, {"ids": [i for _, i in keys]})} if keys else {}
            rows = [by_id[i] for _, i in keys if i in by_id]
            if include_today and len(rows) < limit:
                rows += list(s.execute(select(table).where(table.c.created_at >= local_midnight.astimezone(UTC),
                                                           table.c.status.in_(CLOSED_STATUSES))
                                       .order_by(table.c.created_at.desc()).limit(limit - len(rows))))
            return [_to_view(r, ()) for r in rows]

        return self.store.read(q)

    def find_cases(self, *, codes: Sequence[str] | None = None, category: str | None = None,
                   source: str | None = None, since: datetime | None = None, until: datetime | None = None,
                   is_open: bool | None = None, external_id: str | None = None, limit: int = 1000) -> list[CaseView]:
        """Cases matching every given filter, newest first (Open311 queries, searches)."""
        stmt = select(Case)
        if codes is not None:
            stmt = stmt.where(Case.code.in_(list(codes)))
        if category is not None:
            stmt = stmt.where(Case.category == category)
        if source is not None:
            stmt = stmt.where(Case.source == source)
        if since is not None:
            stmt = stmt.where(Case.created_at >= since)
        if until is not None:
            stmt = stmt.where(Case.created_at <= until)
        if is_open is not None:
            stmt = stmt.where(Case.status.in_(OPEN_STATUSES if is_open else CLOSED_STATUSES))
        if external_id is not None:
            stmt = stmt.where(Case.external_id == external_id)
        stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
        return self.store.read(lambda s: [_to_view(r, ()) for r in s.scalars(stmt)])

    def leader_list(self, now: datetime | None = None, limit: int = 200) -> list[tuple[CaseView, Sla]]:
        """Escalated cases for the leaders' list: overdue first, then about to be overdue; pending approvals too."""
        now = now or self.clock()
        out = []
        for case in self.queue(limit=limit * 5, include_today=False):
            sla = self.sla(case, now)
            if sla.escalated or "pending_request" in case.extra:
                out.append((case, sla))
        out.sort(key=lambda cs: (cs[1].level != "overdue", cs[1].remaining_hours or 0.0))
        return out[:limit]

    # ------------------------------------------------------------------------------------------ escalation
    def sweep_escalations(self, now: datetime | None = None, actor: str = "system") -> Future[list[tuple[str, str]]]:
        """Flag cases that became about-to-be-overdue or overdue since the last sweep (one writer job).

        Each new level is recorded once: ``extra["escalation"]`` (what the leaders' list and the queue show)
        and an ``escalate`` case event (who was late, when — for the monthly assessment). Returns the newly
        escalated (code, level) pairs so the screen can sound its hint. Only cases due soon are examined
        (one (status, deadline) index range per open status), so a sweep stays cheap with millions of cases.
        """
        now = now or self.clock()
        longest = max((c.step_hours(step) for c in self.categories for step in ("register", "dispatch", "handle",
                                                                               "verify")), default=0.0)
        horizon = self.calendar.add_working_time(now, longest * self.warn_fraction)

        def job(session: Session) -> list[tuple[str, str]]:
            changed: list[tuple[str, str]] = []
            for status in sorted(OPEN_STATUSES - {"suspended"}):
                for row in session.scalars(select(Case).where(Case.status == status, Case.deadline_at <= horizon)):
                    level = sla_of(_to_view(row, ()), self.calendar, now, self.warn_fraction).level
                    extra = dict(row.extra or {})
                    if level not in ("warning", "overdue") or extra.get("escalation") in (level, "overdue"):
                        continue
                    extra["escalation"] = level
                    extra["escalated_at"] = now.isoformat()
                    row.extra = extra
                    session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action="escalate",
                                          from_status=row.status, to_status=row.status,
                                          note="已超时" if level == "overdue" else "即将超时",
                                          data={"level": level, "deadline": row.deadline_at.isoformat()
                                                if row.deadline_at else None}))
                    self._audit_in(session, actor, "case.escalate", row.code, {"level": level})
                    changed.append((row.code, level))
            return changed

        return self.store.submit(job)

    # ------------------------------------------------------------------------------------------ dispatch
    def refresh_roster(self, session: Session | None = None) -> None:
        """Reload officers and their open-case counts for the recommender (a read; off the GUI thread).

        Inside a writer job pass its ``session``: the roster is then read in that transaction.
        """
        def q(s: Session) -> tuple[list[OfficerInfo], dict[str, int]]:
            officers = [OfficerInfo(o.id, o.name, o.team, tuple(o.skills or ()), o.duty_grid, o.status, o.status_since)
                        for o in s.scalars(select(Officer).order_by(Officer.id))]
            return officers, {officer: n for officer, (n, _) in _open_by_officer(s).items()}

        officers, load = q(session) if session is not None else self.store.read(q)
        with self._lock:
            self.dispatcher.set_roster(officers, load)
            self._roster_at = time.monotonic()

    def _refresh_roster_if_old(self, session: Session | None = None) -> None:
        if time.monotonic() - self._roster_at > self.roster_max_age_s:
            self.refresh_roster(session)

    def _recommend_for(self, case: CaseView, k: int) -> list[Recommendation]:
        if case.lat is None or case.lon is None:
            return []
        cat = self.categories.get(case.category)
        return self.dispatcher.recommend(case.lat, case.lon, skills=cat.skills if cat else (),
                                         team=cat.team if cat else "", grid_code=case.grid_code,
                                         area_code=case.area_code, k=k,
                                         exclude=[case.assigned_officer] if case.assigned_officer else [])

    def recommend(self, case: str | CaseView, k: int = 3) -> list[Recommendation]:
        """Top-k available officers for a case with the reasons (off the GUI thread: may read the roster)."""
        self._refresh_roster_if_old()
        view = self.get(case) if isinstance(case, str) else case
        return self._recommend_for(view, k)

    def unit_board(self, now: datetime | None = None) -> list[UnitRow]:
        """Every officer and vehicle: status, current case, time in status, last fix age, stale flag."""
        now = now or self.clock()
        positions = self.positions()

        def q(s: Session) -> tuple[list[Any], list[Any], dict[str, str]]:
            officers = s.execute(select(Officer.id, Officer.name, Officer.team, Officer.status, Officer.status_since)
                                 .order_by(Officer.id)).all()
            vehicles = s.execute(select(Vehicle.id, Vehicle.plate, Vehicle.kind, Vehicle.status, Vehicle.status_since)
                                 .order_by(Vehicle.id)).all()
            latest = {officer: last for officer, (_, last) in _open_by_officer(s).items()}
            ids = list(latest.values())
            codes: dict[int, str] = {}
            for chunk in range(0, len(ids), 500):
                codes.update(s.execute(select(Case.id, Case.code).where(Case.id.in_(ids[chunk:chunk + 500]))).all())
            current = {officer: str(codes.get(i, "")) for officer, i in latest.items()}
            return list(officers), list(vehicles), current

        officers, vehicles, current = self.store.read(q)
        rows: list[UnitRow] = []
        for kind, items in (("officer", officers), ("vehicle", vehicles)):
            for uid, name, team, status, since in items:
                pos = positions.get(uid)
                age = (now - pos.fix_time).total_seconds() if pos is not None else None
                rows.append(UnitRow(uid, kind, name, team, status, labels.unit_status_label(status),
                                    current.get(uid, ""), (now - since).total_seconds() if since else None, age,
                                    age is None or age > self.stale_after_s, pos.lat if pos else None,
                                    pos.lon if pos else None))
        return rows


def _open_by_deadline(session: Session, limit: int) -> list[tuple[datetime | None, int]]:
    """(deadline_at, id) of the ``limit`` open cases due first: per-status index walks in one UNION ALL query.

    Why not ``status IN (…) ORDER BY deadline_at``: most cases of a bureau are closed, and with a dozen open
    statuses SQLite's planner estimates the IN list as most of the table and scans and sorts a million rows;
    an equality per status walks the (status, deadline_at) index in order and stops at ``limit``, on
    PostgreSQL too, and the database merges the dozen short lists so only ``limit`` rows come back. (Cases without a deadline sort first on SQLite and last on PostgreSQL; every category has
    time limits, so open cases have deadlines.)
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


def _open_by_officer(session: Session) -> dict[str, tuple[int, int]]:
    """Officer → (open cases assigned, id of the latest one): covering (status, assigned_officer) index walks
    per open status, grouped by the database in one query."""
    parts = union_all(*(select(Case.assigned_officer.label("officer"), Case.id.label("case_id"))
                        .where(Case.status == status, Case.assigned_officer.is_not(None))
                        for status in sorted(OPEN_STATUSES))).subquery()
    rows = session.execute(select(parts.c.officer, func.count(), func.max(parts.c.case_id))
                           .group_by(parts.c.officer)).all()
    return {str(officer): (int(n), int(last)) for officer, n, last in rows if officer is not None}


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


def _guess_mime(path: str) -> str:
    lower = path.lower().split("?", 1)[0]
    for ext, mime in ((".jpg", "image/jpeg"), (".jpeg", "image/jpeg"), (".png", "image/png"), (".gif", "image/gif"),
                      (".webp", "image/webp"), (".mp4", "video/mp4"), (".pdf", "application/pdf")):
        if lower.endswith(ext):
            return mime
    return "application/octet-stream"


def _to_view(row: Any, tasks: tuple[TaskView, ...]) -> CaseView:
    """A CaseView from an ORM Case or a Core row of the cases table (same attribute names)."""
    return CaseView(
        id=row.id, code=row.code, source=row.source, external_id=row.external_id, category=row.category,
        category_name=row.category_name, description=row.description, address=row.address, lat=row.lat, lon=row.lon,
        grid_code=row.grid_code, area_code=row.area_code, status=row.status, urgency=row.urgency,
        assigned_officer=row.assigned_officer, reporter=row.reporter, created_at=row.created_at,
        registered_at=row.registered_at, dispatched_at=row.dispatched_at, arrived_at=row.arrived_at,
        handled_at=row.handled_at, closed_at=row.closed_at, deadline_at=row.deadline_at, updated_at=row.updated_at,
        extra=dict(row.extra or {}), tasks=tasks,
    )

