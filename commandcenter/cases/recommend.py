"""Recommendation: which available officers should take a case, with the reasons (smart dispatch).

Its own job because it keeps its own state: the roster (officers, skills, open-case load) cached for a few
seconds and the per-unit status and load the commands report after each commit, so a recommendation right
after a dispatch already counts the new assignment without re-reading the database.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.core import CaseCore, case_row, open_by_officer, view_of
from commandcenter.cases.dispatch import Dispatcher, OfficerInfo, Recommendation, StreetRouter, router_for
from commandcenter.cases.model import CaseView
from commandcenter.cases.shifts import ShiftRoster
from commandcenter.domain import UnitPosition
from commandcenter.geo.streets import StreetGraph
from commandcenter.store.models import Officer

__all__ = ["Recommender"]


class Recommender:
    """Top-k officers for a case from live positions, streets, skills, duty grid and load; teams off 班次 left out."""

    def __init__(self, core: CaseCore, positions: Callable[[], Mapping[str, UnitPosition]], *,
                 streets: StreetGraph | StreetRouter | None = None, stale_after_s: float = 300.0,
                 roster_max_age_s: float = 5.0, shifts: ShiftRoster | None = None) -> None:
        self.core = core
        self.positions = positions
        self.shifts = shifts or ShiftRoster()
        self.roster_max_age_s = roster_max_age_s
        router: StreetRouter | None = router_for(streets)
        self.dispatcher = Dispatcher(positions, router, stale_after_s=stale_after_s,
                                     clock=lambda: self.core.clock().timestamp())
        self._roster_at = -math.inf
        self._lock = threading.Lock()
        core.unit_listeners.append(self._unit_changed)

    def _unit_changed(self, unit_id: str, status: str | None, delta: int) -> None:
        if delta:
            self.dispatcher.note_load(unit_id, delta)
        if status is not None:
            self.dispatcher.note_status(unit_id, status)

    def refresh_roster(self, session: Session | None = None) -> None:
        """Reload officers and their open-case counts for the recommender (a read; off the GUI thread).

        Inside a writer job pass its ``session``: the roster is then read in that transaction.
        """
        def q(s: Session) -> tuple[list[OfficerInfo], dict[str, int]]:
            officers = [OfficerInfo(o.id, o.name, o.team, tuple(o.skills or ()), o.duty_grid, o.status, o.status_since)
                        for o in s.scalars(select(Officer).order_by(Officer.id))]
            return officers, {officer: n for officer, (n, _) in open_by_officer(s).items()}

        officers, load = q(session) if session is not None else self.core.store.read(q)
        with self._lock:
            self.dispatcher.set_roster(officers, load)
            self._roster_at = time.monotonic()

    def refresh_if_old(self, session: Session | None = None) -> None:
        if time.monotonic() - self._roster_at > self.roster_max_age_s:
            self.refresh_roster(session)

    def for_case(self, case: CaseView, k: int) -> list[Recommendation]:
        """The top ``k`` for a case already read (no database access unless the roster is old)."""
        if case.lat is None or case.lon is None:
            return []
        cat = self.core.categories.get(case.category)
        return self.dispatcher.recommend(case.lat, case.lon, skills=cat.skills if cat else (),
                                         team=cat.team if cat else "", grid_code=case.grid_code,
                                         area_code=case.area_code, k=k,
                                         exclude=[case.assigned_officer] if case.assigned_officer else [],
                                         teams_off=self.teams_off())

    def teams_off(self) -> frozenset[str]:
        """Teams whose 班次 is not running now, by the bureau's wall clock (the work calendar's zone)."""
        if not self.shifts:
            return frozenset()
        return self.shifts.teams_off(self.core.clock().astimezone(self.core.calendar.tz).time())

    def recommend(self, case: str | CaseView, k: int = 3) -> list[Recommendation]:
        """Top-k available officers for a case with the reasons (off the GUI thread: may read the roster)."""
        self.refresh_if_old()
        view = self.core.store.read(lambda s: view_of(s, case_row(s, case))) if isinstance(case, str) else case
        return self.for_case(view, k)
