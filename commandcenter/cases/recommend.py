"""Recommendation: which available units should take a case, with the reasons (smart dispatch).

For 环卫 work (a category whose 处置队伍 is a sanitation team, e.g. 垃圾满溢 → 环卫队) the candidates are the
sanitation team's workers and the idle sanitation vehicles (环卫车, 清扫车, 洒水车, 垃圾转运车), ranked together by
travel time (the same model as for officers: streets when there is a network, each by its own mode): an
enforcement officer standing nearer is not who empties a bin. A vehicle is a first-class assignee: the case is
assigned to it, its load counts, the field app and the KPI see it. Only when no sanitation worker or vehicle
is available does the list fall back to the other officers.

Its own job because it keeps its own state: the roster (officers, skills, open-case load) cached for a few
seconds and the per-unit status and load the commands report after each commit, so a recommendation right
after a dispatch already counts the new assignment without re-reading the database.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.categories import Category
from commandcenter.cases.core import CaseCore, case_row, open_by_officer, view_of
from commandcenter.cases.dispatch import (
    Dispatcher,
    OfficerInfo,
    Recommendation,
    StreetRouter,
    is_sanitation_team,
    officer_kind,
    router_for,
    team_serves,
)
from commandcenter.cases.model import CaseView
from commandcenter.cases.shifts import ShiftRoster
from commandcenter.domain import UnitPosition
from commandcenter.geo.streets import StreetGraph
from commandcenter.store.models import Officer, Vehicle

__all__ = ["SANITATION_VEHICLE_KINDS", "VEHICLE_SPEED_MPS", "Recommender", "is_sanitation_team", "skills_for"]

SANITATION_VEHICLE_KINDS = frozenset({"环卫车", "清扫车", "洒水车", "垃圾转运车"})
VEHICLE_SPEED_MPS = 20 / 3.6  # a sanitation truck in city traffic (straight-line estimate without streets)


def skills_for(category: Category | None) -> tuple[str, ...]:
    """The officer skills that fit a category: its 所需技能, and its 小类 and 大类 themselves (a roster that
    lists 占道经营 or 街面秩序 as a skill has the officers for that work)."""
    if category is None:
        return ()
    return (*category.skills, category.name, category.major)


class Recommender:
    """Top-k units for a case from live positions, streets, skills, duty grid and load; teams off 班次 left out."""

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
        # Sanitation vehicles drive: the street graph's car speeds (a router given as such is used as it is).
        self.vehicles = Dispatcher(positions, router_for(streets, "car"), speed_mps=VEHICLE_SPEED_MPS,
                                   stale_after_s=stale_after_s, clock=lambda: self.core.clock().timestamp())
        self._officer_teams: frozenset[str] = frozenset()
        self._vehicle_teams: frozenset[str] = frozenset()
        self._vehicle_kinds: dict[str, str] = {}
        self._roster_at = -math.inf
        self._lock = threading.Lock()
        core.unit_listeners.append(self._unit_changed)

    def _unit_changed(self, unit_id: str, status: str | None, delta: int) -> None:
        if delta:
            self.dispatcher.note_load(unit_id, delta)
            self.vehicles.note_load(unit_id, delta)
        if status is not None:
            self.dispatcher.note_status(unit_id, status)
            self.vehicles.note_status(unit_id, status)

    def refresh_roster(self, session: Session | None = None) -> None:
        """Reload officers and their open-case counts for the recommender (a read; off the GUI thread).

        Inside a writer job pass its ``session``: the roster is then read in that transaction.
        """
        def q(s: Session) -> tuple[list[OfficerInfo], dict[str, int], list[OfficerInfo], dict[str, str]]:
            officers = [OfficerInfo(o.id, o.name, o.team, tuple(o.skills or ()), o.duty_grid, o.status, o.status_since)
                        for o in s.scalars(select(Officer).order_by(Officer.id))]
            rows = list(s.scalars(select(Vehicle).where(Vehicle.kind.in_(SANITATION_VEHICLE_KINDS)).order_by(Vehicle.id)))
            vehicles = [OfficerInfo(v.id, v.plate or v.id, v.team, (), "", v.status, v.status_since) for v in rows]
            load = {unit: n for unit, (n, _) in open_by_officer(s).items()}  # officers and vehicles alike
            return officers, load, vehicles, {v.id: v.kind for v in rows}

        officers, load, vehicles, kinds = q(session) if session is not None else self.core.store.read(q)
        with self._lock:
            self.dispatcher.set_roster(officers, load)
            self.vehicles.set_roster(vehicles, load)
            self._officer_teams = frozenset(o.team for o in officers)
            self._vehicle_teams = frozenset(v.team for v in vehicles)
            self._vehicle_kinds = kinds
            self._roster_at = time.monotonic()

    def refresh_if_old(self, session: Session | None = None) -> None:
        if time.monotonic() - self._roster_at > self.roster_max_age_s:
            self.refresh_roster(session)

    def for_case(self, case: CaseView, k: int) -> list[Recommendation]:
        """The top ``k`` for a case already read (no database access unless the roster is old).

        环卫 categories: the sanitation team's workers and the sanitation vehicles (of that team, or of none)
        merged by score; fewer than ``k`` of them → the list is filled with the other officers' best.
        """
        lat, lon = case.lat, case.lon
        if lat is None or lon is None:
            return []
        cat = self.core.categories.get(case.category)
        exclude = [case.assigned_officer] if case.assigned_officer else []
        off = self.teams_off()

        def general(k: int) -> list[Recommendation]:
            return [self._person(r) for r in self.dispatcher.recommend(
                lat, lon, skills=skills_for(cat), team=cat.team if cat else "",
                grid_code=case.grid_code, area_code=case.area_code, k=k, exclude=exclude, teams_off=off)]

        if cat is None or not is_sanitation_team(cat.team):
            return general(k)
        other_teams = frozenset(t for t in self._officer_teams if not team_serves(t, cat.team))
        workers = self.dispatcher.recommend(lat, lon, skills=skills_for(cat), team=cat.team,
                                            grid_code=case.grid_code, area_code=case.area_code, k=k,
                                            exclude=exclude, teams_off=off | other_teams)
        other_fleets = frozenset(t for t in self._vehicle_teams if t and not team_serves(t, cat.team))
        vehicles = self.vehicles.recommend(lat, lon, k=k, exclude=exclude, teams_off=off | other_fleets)
        ranked = sorted([*(self._person(r) for r in workers), *(self._vehicle(r) for r in vehicles)],
                        key=lambda r: (r.score, r.officer_id))[:k]
        if len(ranked) == k:  # the usual case: no need to rank the other officers at all
            return ranked
        chosen = {r.officer_id for r in ranked}
        return ranked + [r for r in general(k) if r.officer_id not in chosen][:k - len(ranked)]

    def _person(self, rec: Recommendation) -> Recommendation:
        return replace(rec, kind=officer_kind(rec.team))

    def _vehicle(self, rec: Recommendation) -> Recommendation:
        # A vehicle has no duty grid or skills: those reasons would only be noise next to its travel time.
        return replace(rec, kind="vehicle", vehicle_kind=self._vehicle_kinds.get(rec.officer_id, ""),
                       reasons=tuple(r for r in rec.reasons if r not in ("本网格", "技能匹配")))

    def pick_for_dispatch(self, case: CaseView) -> Recommendation | None:
        """Whom auto-dispatch sends to a case: the top recommendation (for 环卫 work the nearest sanitation
        vehicle or worker by travel time). The roster must be fresh: :meth:`refresh_if_old` first. None:
        nobody available."""
        top = self.for_case(case, 1)
        return top[0] if top else None

    def teams_off(self) -> frozenset[str]:
        """Teams whose 班次 is not running now, by the bureau's wall clock (the work calendar's zone)."""
        if not self.shifts:
            return frozenset()
        return self.shifts.teams_off(self.core.clock().astimezone(self.core.calendar.tz).time())

    def recommend(self, case: str | CaseView, k: int = 3) -> list[Recommendation]:
        """Top-k available units for a case with the reasons (off the GUI thread: may read the roster)."""
        self.refresh_if_old()
        view = self.core.store.read(lambda s: view_of(s, case_row(s, case))) if isinstance(case, str) else case
        return self.for_case(view, k)
