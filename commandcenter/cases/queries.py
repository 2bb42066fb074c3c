"""Queries: reading cases — one case, its history and evidence, the dispatch queue, searches, the leaders' list
and the unit board. Plain data out (CaseView, dicts, UnitRow), never ORM rows.

Every query blocks on the database: call it off the GUI thread (the dispatch feed and the widgets go through
the task manager). Officers come back with their names and badges: a dispatcher reads 彭海雪 (B0069), not
``officer-0069``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from commandcenter import labels
from commandcenter.cases.core import (
    CaseCore,
    case_row,
    current_case_codes,
    officer_names,
    open_by_deadline,
    to_view,
    view_of,
)
from commandcenter.cases.intake_commands import CaseIntake, DuplicateCandidate
from commandcenter.cases.model import CaseView, Sla, officer_label
from commandcenter.cases.workflow import CLOSED_STATUSES, OPEN_STATUSES
from commandcenter.domain import UnitPosition
from commandcenter.enforcement.tables import User
from commandcenter.store.models import Case, CaseEvent, Evidence, Officer, Vehicle

__all__ = ["CaseQueries", "UnitRow", "UnitRows", "read_unit_rows"]


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
    badge: str = ""  # officers: the badge number; vehicles: the plate is the name


# The unit board as read from the store: officers (id, name, team, status, status_since, badge), vehicles (the
# same, the plate as name, the type as team, no badge) and officer → code of their current case.
UnitRows = tuple[list[Any], list[Any], dict[str, str]]


def read_unit_rows(s: Session, ids: Sequence[str] | None = None, *, with_current: bool = True) -> UnitRows:
    """The unit board's reads, in one session: every unit, or those of ``ids``; current cases if asked."""
    officers = select(Officer.id, Officer.name, Officer.team, Officer.status, Officer.status_since, Officer.badge)
    vehicles = select(Vehicle.id, Vehicle.plate, Vehicle.kind, Vehicle.status, Vehicle.status_since)
    if ids is not None:
        officers = officers.where(Officer.id.in_(list(ids)))
        vehicles = vehicles.where(Vehicle.id.in_(list(ids)))
    return (list(s.execute(officers.order_by(Officer.id)).all()),
            [(*v, "") for v in s.execute(vehicles.order_by(Vehicle.id))],
            current_case_codes(s) if with_current else {})


class CaseQueries:
    """Reads of the cases package (see the module docstring)."""

    def __init__(self, core: CaseCore, intake: CaseIntake,
                 positions: Callable[[], Mapping[str, UnitPosition]], *, stale_after_s: float = 300.0) -> None:
        self.core = core
        self.intake = intake  # the duplicate search is intake's
        self.positions = positions
        self.stale_after_s = stale_after_s

    def get(self, code: str) -> CaseView:
        """One case (KeyError when unknown)."""
        return self.core.store.read(lambda s: view_of(s, case_row(s, code)))

    def events(self, code: str) -> list[dict[str, Any]]:
        """The case's history, oldest first, as plain dicts; ``officer`` is the officer an event concerns, by name;
        ``actor_role``/``actor_name`` name the person who acted (from the users table, empty for the system and
        intake channels) so history reads "值班长 张三 立案"."""
        def q(s: Session) -> list[dict[str, Any]]:
            case_id = case_row(s, code).id
            rows = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
            names = officer_names(s, [str((e.data or {}).get("officer") or "") for e in rows])
            actors = sorted({e.actor for e in rows})
            people = {u: (role, name) for u, role, name in s.execute(
                select(User.username, User.role, User.display_name).where(User.username.in_(actors)))}
            out = []
            for e in rows:
                officer_id = str((e.data or {}).get("officer") or "")
                name, badge = names.get(officer_id, ("", ""))
                out.append({"time": e.time, "actor": e.actor, "action": e.action, "from": e.from_status,
                            "to": e.to_status, "note": e.note, "data": e.data,
                            "officer": officer_label(officer_id, name, badge),
                            "actor_role": people.get(e.actor, ("", ""))[0],
                            "actor_name": people.get(e.actor, ("", ""))[1]})
            return out
        return self.core.store.read(q)

    def evidence(self, code: str) -> list[dict[str, Any]]:
        def q(s: Session) -> list[dict[str, Any]]:
            case_id = case_row(s, code).id
            return [{"id": e.id, "path": e.path, "mime": e.mime, "sha256": e.sha256, "added_at": e.added_at,
                     "device": e.device, "note": e.note}
                    for e in s.scalars(select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id))]
        return self.core.store.read(q)

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

        return self.core.store.read(q)

    def find_duplicates(self, category: str, lat: float, lon: float, at: datetime | None = None,
                        exclude: str = "") -> list[DuplicateCandidate]:
        """Open cases of the same category within the radius and time window (offered for merging)."""
        code = self.core.category(category).code
        return self.core.store.read(
            lambda s: self.intake.duplicates_in(s, code, lat, lon, at or self.core.clock(), exclude))

    def queue(self, *, limit: int = 500, include_today: bool = True) -> list[CaseView]:
        """The dispatch queue: open cases (most urgent deadline first) plus today's closed ones."""
        now = self.core.clock()
        local_midnight = now.astimezone(self.core.calendar.tz).replace(hour=0, minute=0, second=0, microsecond=0)

        def q(s: Session) -> list[CaseView]:
            keys = open_by_deadline(s, limit)
            table = Case.__table__
            # Core rows, not ORM objects: same attribute names, a fraction of the cost for 500 rows per refresh.
            wanted = select(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
            by_id = {r.id: r for r in s.execute(wanted, {"ids": [i for _, i in keys]})} if keys else {}
            rows = [by_id[i] for _, i in keys if i in by_id]
            if include_today and len(rows) < limit:
                rows += list(s.execute(select(table).where(table.c.created_at >= local_midnight.astimezone(UTC),
                                                           table.c.status.in_(CLOSED_STATUSES))
                                       .order_by(table.c.created_at.desc()).limit(limit - len(rows))))
            names = officer_names(s, [r.assigned_officer for r in rows])
            return [to_view(r, (), names) for r in rows]

        return self.core.store.read(q)

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

        def q(s: Session) -> list[CaseView]:
            rows = list(s.scalars(stmt))
            names = officer_names(s, [r.assigned_officer for r in rows])
            return [to_view(r, (), names) for r in rows]

        return self.core.store.read(q)

    def leader_list(self, now: datetime | None = None, limit: int = 200) -> list[tuple[CaseView, Sla]]:
        """Escalated cases for the leaders' list: overdue first, then about to be overdue; pending approvals too."""
        now = now or self.core.clock()
        out = []
        for case in self.queue(limit=limit * 5, include_today=False):
            sla = self.core.sla(case, now)
            if sla.escalated or "pending_request" in case.extra:
                out.append((case, sla))
        out.sort(key=lambda cs: (cs[1].level != "overdue", cs[1].remaining_hours or 0.0))
        return out[:limit]

    def unit_board(self, now: datetime | None = None) -> list[UnitRow]:
        """Every officer and vehicle: status, current case, time in status, last fix age, stale flag."""
        now = now or self.core.clock()
        positions = self.positions()
        return self.unit_board_of(self.core.store.read(read_unit_rows), now, positions)

    def unit_board_of(self, read: UnitRows, now: datetime,
                      positions: Mapping[str, UnitPosition] | None = None) -> list[UnitRow]:
        """The board from rows already read (officers, vehicles, current case codes): the dispatch feed keeps
        them between refreshes and only the fix ages move."""
        officers, vehicles, current = read
        if positions is None:
            positions = self.positions()
        rows: list[UnitRow] = []
        status_labels: dict[str, str] = {}  # a handful of statuses for a thousand units: translate each once
        for kind, items in (("officer", officers), ("vehicle", vehicles)):
            for uid, name, team, status, since, badge in items:
                pos = positions.get(uid)
                age = (now - pos.fix_time).total_seconds() if pos is not None else None
                label = status_labels.get(status)
                if label is None:
                    label = status_labels[status] = labels.unit_status_label(status)
                rows.append(UnitRow(uid, kind, name, team, status, label,
                                    current.get(uid, ""), (now - since).total_seconds() if since else None, age,
                                    age is None or age > self.stale_after_s, pos.lat if pos else None,
                                    pos.lon if pos else None, badge or ""))
        return rows
