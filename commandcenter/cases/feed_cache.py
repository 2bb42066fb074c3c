"""What a dispatch-feed refresh keeps between refreshes, so that a refresh re-reads only what changed.

Why: with a million cases a full refresh (500 queue rows read whole and decoded, the unit board with every
officer's current case, the SLA of every row) cost ~45 ms of CPU and 100-120 ms of wall time on a shared 2-core
machine, and the screen refreshes up to 20 times a second while cases change. Most of it re-decoded rows that
had not changed.

How it stays right:

* the queue's membership and order are read on every refresh: ids only, from per-status walks of the
  (status, deadline_at) index merged by the database; a row is read whole only when it is new to the queue or
  an announced change named it;
* the unit board's rows are re-read for the units an announced change named, and the officers' current cases
  for the officers of the cases it named (their assignee before and after);
* :meth:`FeedCache.forget` drops everything: the feed calls it for its explicit and safety refreshes, which
  are how writes of other processes (the CLI, another console) reach the screen — as before.

Only the feed's worker uses an instance (one refresh runs at a time), so there is no lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from commandcenter.cases.calendar import NATURAL, WorkCalendar
from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.core import CaseCore, officer_names, to_view
from commandcenter.cases.model import CaseView, Sla, sla_at, sla_of
from commandcenter.cases.queries import UnitRows, read_unit_rows
from commandcenter.cases.workflow import CLOSED_STATUSES, OPEN_STATUSES
from commandcenter.store.models import Case

__all__ = ["FeedCache", "SlaCache"]

def _open_ids(limit: int) -> Select[Any]:
    """Ids of the ``limit`` open cases due first, in queue order (deadline, then id; cases without a deadline
    last on every backend): per-status walks of the (status, deadline_at) index, no table rows read."""
    parts = [select(Case.id, Case.deadline_at).where(Case.status == status)
             .order_by(Case.deadline_at, Case.id).limit(limit).subquery() for status in sorted(OPEN_STATUSES)]
    merged = union_all(*(select(p.c.id, p.c.deadline_at) for p in parts)).subquery()
    no_deadline = sql_case((merged.c.deadline_at.is_(None), 1), else_=0)
    return select(merged.c.id).order_by(no_deadline, merged.c.deadline_at, merged.c.id).limit(limit)


def _today_closed_ids() -> Select[Any]:
    """Ids of today's closed cases, newest first (the queue's tail when fewer than ``limit`` are open)."""
    return (select(Case.id).where(Case.created_at >= bindparam("since"), Case.status.in_(CLOSED_STATUSES))
            .order_by(Case.created_at.desc()).limit(bindparam("n")))


def _latest_open_of(officers: list[str]) -> Select[Any]:
    """(officer, latest open case id) of the given officers: (status, assigned_officer) index lookups."""
    parts = union_all(*(select(Case.assigned_officer.label("officer"), Case.id.label("case_id"))
                        .where(Case.status == status, Case.assigned_officer.in_(officers))
                        for status in sorted(OPEN_STATUSES))).subquery()
    latest = select(parts.c.officer, func.max(parts.c.case_id).label("case_id")).group_by(parts.c.officer).subquery()
    return select(latest.c.officer, Case.code).join(Case, Case.id == latest.c.case_id)


class FeedCache:
    """Decoded queue rows and unit-board rows kept across refreshes (see the module docstring)."""

    def __init__(self, core: CaseCore) -> None:
        self.core = core
        self._views: dict[int, CaseView] = {}  # case id → view
        self._ids_stmt: dict[int, Select[Any]] = {}
        self._today_stmt = _today_closed_ids()
        self._rows_stmt = select(Case.__table__).where(Case.id.in_(bindparam("ids", expanding=True)))
        self._units: UnitRows | None = None
        self._stale_units: set[str] = set()  # named by announced changes: their rows are read again
        self._stale_cases: set[int] = set()  # named by announced changes: their officers' current case moves
        self._stale_codes: set[str] = set()  # the same by code (a change heard on the bus may name codes only)
        self.rows_read = 0  # case rows read whole since start (the benchmark reports it)

    def forget(self) -> None:
        """Drop everything: the next refresh reads it all again."""
        self._views.clear()
        self._units = None
        self._stale_units.clear()
        self._stale_cases.clear()
        self._stale_codes.clear()

    def changed(self, changes: Iterable[CaseChanges]) -> None:
        """Announced changes: their cases and units are read again by the next refresh."""
        for change in changes:
            for case_id in change.case_ids:
                self._views.pop(case_id, None)
            if change.codes:
                for case_id in [i for i, v in self._views.items() if v.code in change.codes]:
                    del self._views[case_id]
            self._stale_cases.update(change.case_ids)
            self._stale_codes.update(change.codes)
            self._stale_units.update(change.units)

    # ------------------------------------------------------------------------------------------ queue
    def queue(self, limit: int = 500) -> list[CaseView]:
        """The dispatch queue as :meth:`CaseQueries.queue` returns it: open cases most urgent deadline first,
        then today's closed ones up to ``limit``."""
        now = self.core.clock()
        midnight = now.astimezone(self.core.calendar.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        stmt = self._ids_stmt.get(limit)
        if stmt is None:
            stmt = self._ids_stmt[limit] = _open_ids(limit)

        def q(s: Session) -> list[CaseView]:
            ids = [int(i) for i in s.scalars(stmt)]
            if len(ids) < limit:
                ids += [int(i) for i in s.scalars(self._today_stmt, {"since": midnight.astimezone(UTC),
                                                                     "n": limit - len(ids)})]
            views = self._views
            missing = [i for i in ids if i not in views]
            if missing:
                self._read(s, missing)
            return [views[i] for i in ids if i in views]

        out = self.core.store.read(q)
        if len(self._views) > 2 * limit:  # rows that left the queue
            self._views = {v.id: v for v in out}
        return out

    def _read(self, s: Session, ids: list[int]) -> None:
        rows = []
        for chunk in range(0, len(ids), 500):
            rows += list(s.execute(self._rows_stmt, {"ids": ids[chunk:chunk + 500]}))
        names = officer_names(s, [r.assigned_officer for r in rows])
        for r in rows:
            self._views[r.id] = to_view(r, (), names)
        self.rows_read += len(rows)

    # ------------------------------------------------------------------------------------------ unit board
    def unit_rows(self) -> UnitRows:
        """(officers, vehicles, officer → current case code) as :meth:`CaseQueries.unit_board` reads them."""
        if self._units is None:
            self._units = self.core.store.read(read_unit_rows)
            self._stale_units.clear()
            self._stale_cases.clear()
            self._stale_codes.clear()
        elif self._stale_units or self._stale_cases or self._stale_codes:
            units, cases, codes = self._stale_units, self._stale_cases, self._stale_codes
            self._stale_units, self._stale_cases, self._stale_codes = set(), set(), set()
            self._units = self.core.store.read(lambda s: self._update_units(s, self._units, units, cases, codes))
        return self._units

    def _update_units(self, s: Session, held: UnitRows | None, units: set[str], cases: set[int],
                      codes: set[str]) -> UnitRows:
        assert held is not None
        officers, vehicles, current = held
        if units:
            fresh_o, fresh_v, _ = read_unit_rows(s, sorted(units), with_current=False)
            officers = _merged(officers, fresh_o, units)
            vehicles = _merged(vehicles, fresh_v, units)
        # Whose current case may have moved: the named units, the officers holding a named case as current,
        # and the named cases' assignees now.
        named = Case.id.in_(sorted(cases)) | Case.code.in_(sorted(codes))
        assignees = list(s.execute(select(Case.code, Case.assigned_officer).where(named))) if cases or codes else []
        codes = codes | {str(code) for code, _ in assignees}
        whose = set(units) | {o for o, code in current.items() if code in codes}
        whose.update(str(o) for _, o in assignees if o is not None)
        if whose:
            current = {o: c for o, c in current.items() if o not in whose}
            ordered = sorted(whose)
            for chunk in range(0, len(ordered), 500):
                current.update((str(o), str(c)) for o, c in s.execute(_latest_open_of(ordered[chunk:chunk + 500])))
        return officers, vehicles, current


def _merged(held: list[Any], fresh: list[Any], named: set[str]) -> list[Any]:
    """``held`` rows with those of the ``named`` ids replaced by ``fresh`` (ordered by id, like the read)."""
    if not any(r[0] in named for r in held) and not fresh:
        return held
    by_id = {r[0]: r for r in held if r[0] not in named}
    by_id.update((r[0], r) for r in fresh)
    return [by_id[k] for k in sorted(by_id)]


class SlaCache:
    """The SLA of queue rows at each refresh from one calendar computation instead of one per row.

    Working time is additive: remaining(now) = remaining(t0) − working time(t0 → now). Each row's remaining
    working hours at a base time ``t0`` are computed once per deadline (they depend on nothing else: natural-
    hour and suspended cases are graded directly, cheaply); a refresh computes working time(t0 → now) once and
    subtracts. Kept across full refreshes too — a new deadline is a new entry, new calendar overrides start
    again. Rows within a millisecond of their deadline are graded exactly (:func:`sla_of`), so "overdue at
    exactly zero" is never decided on a rounding error.
    """

    EXACT_BELOW_H = 0.001 / 3600  # a millisecond, in hours

    def __init__(self, core: CaseCore) -> None:
        self.core = core
        self._base: datetime | None = None
        self._calendar: WorkCalendar | None = None
        self._at_base: dict[int, tuple[datetime, float]] = {}  # case id → (deadline, remaining hours at base)

    def grade(self, cases: list[CaseView], now: datetime) -> list[Sla]:
        """The SLA of each case at ``now``, as :func:`sla_of` grades it."""
        core = self.core
        calendar, warn = core.calendar, core.warn_fraction
        if self._base is None or self._calendar is not calendar or now < self._base:
            self._base, self._calendar = now, calendar  # first use, calendar overrides loaded, clock set back
            self._at_base = {}
        elapsed = calendar.working_time_between(self._base, now)
        held = self._at_base
        out: list[Sla] = []
        kept: dict[int, tuple[datetime, float]] = {}
        for view in cases:
            deadline = view.deadline_at
            if not view.is_open or deadline is None or view.status == "suspended" \
                    or view.extra.get("timing") == NATURAL:
                out.append(sla_of(view, calendar, now, warn))  # no calendar arithmetic in these
                continue
            entry = held.get(view.id)
            if entry is None or entry[0] != deadline:
                remaining = calendar.working_time_between(now, deadline)
                entry = (deadline, remaining + elapsed)
            else:
                remaining = entry[1] - elapsed
            kept[view.id] = entry
            if abs(remaining) < self.EXACT_BELOW_H:
                out.append(sla_of(view, calendar, now, warn))
            else:
                out.append(sla_at(view, remaining, now, warn))
        self._at_base = kept
        return out
