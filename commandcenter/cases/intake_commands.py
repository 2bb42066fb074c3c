"""Intake: a new case from any channel — dispatcher form, hotline, Open311, patrol app, camera AI, sensors.

The first of the case commands (see :mod:`commandcenter.cases.commands` for the workflow after it): locate the
report (coordinates → 单元网格 and 责任区), number it, flag possible duplicates, start the 立案 clock, record
and audit it — one writer job, announced after the commit. A machine-detected event of a 自动派遣 category
is registered and dispatched in the same transaction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commandcenter.cases.calendar import WorkCalendar
from commandcenter.cases.changes import Operation, collector_of
from commandcenter.cases.commands import CaseCommands
from commandcenter.cases.core import CaseCore, view_of
from commandcenter.cases.model import CaseView, EvidenceRef, NewCase
from commandcenter.cases.recommend import Recommender
from commandcenter.cases.workflow import OPEN_STATUSES
from commandcenter.enforcement.audit import case_fingerprint
from commandcenter.geo.coords import haversine_m
from commandcenter.store.models import Case, CaseEvent

__all__ = ["CaseIntake", "DuplicateCandidate"]


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    code: str
    status: str
    distance_m: float
    minutes_apart: float
    description: str


class CaseIntake:
    """New cases: ``create_case`` (people), ``intake_event`` (machines), ``insert_case`` (bulk import)."""

    def __init__(self, core: CaseCore, workflow: CaseCommands, recommender: Recommender, *,
                 duplicate_radius_m: float = 50.0, duplicate_window_min: float = 60.0) -> None:
        self.core = core
        self.workflow = workflow
        self.recommender = recommender
        self.duplicate_radius_m = duplicate_radius_m
        self.duplicate_window_min = duplicate_window_min

    def _submit(self, actor: str, job: Callable[[Session], CaseView]) -> Operation[CaseView]:
        self.core.authorize(actor, "case.create")
        return self.core.submit("create", job)

    def create_case(self, spec: NewCase, actor: str, *, register: bool = False,
                    dispatch_by_flag: bool = False) -> Operation[CaseView]:
        """A new case from any channel (dispatcher form, patrol, camera …). ``register`` also 立案 at once.

        ``dispatch_by_flag``: a category marked 自动派遣 is registered and dispatched to the top recommendation
        in the same transaction (citizen reports: 广州's "系统自动定位并派单至执法队员"); other categories wait
        for the desk as usual.
        """
        cat = self.core.category(spec.category)  # refuse an unknown category before queueing anything
        auto = dispatch_by_flag and cat.auto_dispatch

        def job(session: Session) -> CaseView:
            row = self.insert_case(session, spec, actor)
            if auto:
                self._auto_dispatch_in(session, row, actor)
            elif register:
                self.workflow.apply_in(session, row, "register", actor, "", {})
            return view_of(session, row)

        return self._submit(actor, job)

    def intake_event(self, source: str, category: str, lat: float, lon: float, text: str,
                     camera_id: str | None = None, evidence: Sequence[EvidenceRef] = (), *, actor: str = "system",
                     urgency: int | None = None, external_id: str | None = None,
                     extra: Mapping[str, Any] | None = None, dispatch_by_flag: bool = False) -> Operation[CaseView]:
        """A machine-detected event (camera AI, sensor, geofence, drone) becomes a case.

        Categories marked 自动派遣 with urgency 1 (紧急) are registered and dispatched to the best available
        officer in the same transaction, without a human in between; the dispatcher can still re-dispatch.
        ``dispatch_by_flag``: the 自动派遣 flag alone decides (camera AI and sensors: the box already judged the
        scene, the category's flag is the bureau's standing order). ``extra`` is kept with the case (which box
        and which rule produced it).
        """
        cat = self.core.category(category)
        extra_data: dict[str, Any] = {"camera_id": camera_id} if camera_id else {}
        extra_data.update(extra or {})
        spec = NewCase(source=source, category=cat.code, description=text, lat=lat, lon=lon, reporter=camera_id or source,
                       external_id=external_id, urgency=urgency, evidence=list(evidence), extra=extra_data)
        auto = cat.auto_dispatch and (dispatch_by_flag or (urgency or cat.urgency) == 1)

        def job(session: Session) -> CaseView:
            row = self.insert_case(session, spec, actor)
            if auto:
                self._auto_dispatch_in(session, row, actor)
            return view_of(session, row)

        return self._submit(actor, job)

    def _auto_dispatch_in(self, session: Session, row: Case, actor: str) -> None:
        """立案 and 派遣 to the top recommendation inside the intake's transaction; no officer free → noted."""
        self.recommender.refresh_if_old(session)  # on the writer: the caller may be the GUI thread
        self.workflow.apply_in(session, row, "register", actor, "自动立案", {"auto": True})
        pick = self.recommender.pick_for_dispatch(view_of(session, row))
        if pick is not None:
            sent = f"{pick.vehicle_kind or '车辆'} {pick.plate}: " if pick.kind == "vehicle" else ""
            self.workflow.dispatch_in(session, row, pick.officer_id, actor, f"自动派遣: {sent}{pick.summary}",
                                      {"auto": True})
        else:
            row.extra = {**(row.extra or {}), "auto_dispatch_failed": "无空闲队员"}

    def _locate(self, session: Session, spec: NewCase) -> tuple[float | None, float | None, str, str]:
        """Coordinates, grid cell and 责任区 of a new case: from lat/lon when given, else the typed grid cell."""
        grid = self.core.grid(session)
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
        """AJ + local date + 6-digit serial, unique per day (the writer thread is the only one numbering)."""
        day = now.astimezone(self.calendar.tz).strftime("%Y%m%d")
        prefix = f"AJ{day}"
        last = session.scalar(select(func.max(Case.code)).where(Case.code >= prefix, Case.code < f"AJ{day}~"))
        serial = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
        return f"{prefix}{serial:06d}"

    @property
    def calendar(self) -> WorkCalendar:
        """The work calendar in force (``_next_code`` numbers by its local day)."""
        return self.core.calendar

    def insert_case(self, session: Session, spec: NewCase, actor: str) -> Case:
        """Insert a new case inside a writer job (used by the bulk hotline import); callers authorise first."""
        cat = self.core.category(spec.category)
        now = self.core.clock()
        created = spec.created_at or now
        lat, lon, grid_code, area_code = self._locate(session, spec)
        extra = dict(spec.extra)
        if spec.deadline_at is not None:
            extra["external_deadline"] = spec.deadline_at.astimezone(UTC).isoformat()
        dupes = self.duplicates_in(session, cat.code, lat, lon, created) if lat is not None and lon is not None else []
        if dupes:
            extra["possible_duplicates"] = [d.code for d in dupes]
        row = Case(
            code=self._next_code(session, now), source=spec.source, external_id=spec.external_id, category=cat.code,
            category_name=cat.name, description=spec.description, address=spec.address, lat=lat, lon=lon,
            grid_code=grid_code, area_code=area_code, status="reported", urgency=spec.urgency or cat.urgency,
            assigned_officer=None, reporter=spec.reporter, created_at=created, updated_at=now, extra=extra,
        )
        self.core.set_step_deadline(row, "register", now)
        session.add(row)
        session.flush()
        collector_of(session).case(row.id, row.code)
        evidence_ids = [self.core.add_evidence_row(session, row.id, ev, actor) for ev in spec.evidence]
        session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action="create", from_status="",
                              to_status="reported", note=spec.description[:200],
                              data={"source": spec.source, "category": cat.code, "duplicates": extra.get(
                                  "possible_duplicates", [])}))
        # The case's id and fingerprint, and each attachment's id and hash, go into the chain: `audit verify`
        # finds a case or evidence row deleted or swapped behind the application's back.
        self.core.audit(session, actor, "case.create", row.code,
                        {"source": spec.source, "category": cat.code, "external_id": spec.external_id,
                         "grid": grid_code, "case_id": row.id, "code": row.code,
                         "content": case_fingerprint(row.code, row.source, row.external_id, row.created_at)})
        for ev_id, ev in zip(evidence_ids, spec.evidence, strict=True):
            self.core.audit(session, actor, "evidence.add", row.code,
                            {"evidence": ev_id, "sha256": ev.sha256, "path": ev.path})
        return row

    def duplicates_in(self, session: Session, category: str, lat: float, lon: float, at: datetime,
                      exclude: str = "") -> list[DuplicateCandidate]:
        """Open cases of the same category within the radius and time window, nearest first."""
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
