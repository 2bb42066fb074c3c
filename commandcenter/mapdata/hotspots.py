"""Hot spots by time: cases per grid by local hour × weekday, against the officers on duty there at that hour.

Why: 南京 moved its night patrols after a heat map showed night-time 占道经营. A leader needs to see *when* a
grid's cases come and whether anyone is on shift then. Cases come from the store (``created_at`` in the bureau's
zone, Asia/Shanghai); officers on duty from the officers table (each officer's ``duty_grid`` and ``team``) and
the 班次 roster (:mod:`commandcenter.cases.shifts`, a team without shifts is on around the clock). A patrol gap is
an hour × weekday of a grid with regular cases and few officers on duty, busiest per officer first.
Blocking functions: call them on a worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select

from commandcenter.cases.shifts import ShiftRoster
from commandcenter.mapdata.heatmap import LOCAL_TZ, local_hour_weekday
from commandcenter.store import Store
from commandcenter.store.models import Case, Officer

__all__ = ["HotspotReport", "PatrolGap", "cases_by_hour_weekday", "hotspot_report", "officers_on_duty",
           "patrol_gaps", "weekday_counts"]

UNGRIDDED = ""  # cases without a grid code are counted under the empty code


@dataclass(frozen=True, slots=True)
class PatrolGap:
    """One hour of one weekday in a grid where cases come regularly and officers on duty are few."""

    grid: str
    weekday: int  # 0 = Monday
    hour: int  # local hour 0–23
    cases_per_week: float
    officers: int


@dataclass(frozen=True, slots=True)
class HotspotReport:
    """Per grid: ``cases[grid]`` (7 × 24 counts over the period), ``duty[grid]`` (24 officers on duty per hour);
    ``weeks[d]`` how many of weekday ``d`` the period holds (cases per week = cases / weeks)."""

    start: date
    end: date
    grids: list[str]  # busiest first
    cases: dict[str, NDArray[np.int64]]
    duty: dict[str, NDArray[np.int64]]
    weeks: NDArray[np.float64]
    gaps: list[PatrolGap] = field(default_factory=list)

    def per_week(self, grid: str) -> NDArray[np.float64]:
        """Average cases per week for each weekday × hour of a grid."""
        counts = self.cases.get(grid, np.zeros((7, 24), dtype=np.int64)).astype(np.float64)
        return counts / np.maximum(self.weeks, 1.0)[:, None]


def weekday_counts(start: date, end: date) -> NDArray[np.float64]:
    """How many Mondays … Sundays the local days ``start`` … ``end`` (inclusive) hold."""
    counts = np.zeros(7)
    day = start
    while day <= end:
        counts[day.weekday()] += 1
        day += timedelta(days=1)
    return counts


def cases_by_hour_weekday(store: Store, start: date, end: date,
                          category: str | None = None) -> dict[str, NDArray[np.int64]]:
    """Cases reported on local days ``start`` … ``end`` per grid code, as 7 × 24 arrays [weekday, hour]."""
    begin = datetime.combine(start, time(0, 0), LOCAL_TZ).astimezone(UTC)
    finish = datetime.combine(end + timedelta(days=1), time(0, 0), LOCAL_TZ).astimezone(UTC)

    def query(session):  # type: ignore[no-untyped-def]
        stmt = select(Case.grid_code, Case.created_at).where(Case.created_at >= begin, Case.created_at < finish)
        if category:
            stmt = stmt.where((Case.category == category) | (Case.category_name == category))
        return session.execute(stmt).all()

    result: dict[str, NDArray[np.int64]] = {}
    for grid, created in store.read(query):
        hour, weekday = local_hour_weekday(created)
        cells = result.setdefault(grid or UNGRIDDED, np.zeros((7, 24), dtype=np.int64))
        cells[weekday, hour] += 1
    return result


def officers_on_duty(officers: Iterable[tuple[str, str]], roster: ShiftRoster) -> dict[str, NDArray[np.int64]]:
    """Officers on shift in each grid at each local hour, from (duty grid, team) pairs and the 班次 roster.

    An hour counts an officer whose team's shift covers the middle of that hour (so 夜班 20:00–08:00 covers
    20:00–07:59)."""
    duty: dict[str, NDArray[np.int64]] = {}
    for grid, team in officers:
        hours = duty.setdefault(grid or UNGRIDDED, np.zeros(24, dtype=np.int64))
        for hour in range(24):
            if roster.on_shift(team, time(hour, 30)):
                hours[hour] += 1
    return duty


def patrol_gaps(cases: dict[str, NDArray[np.int64]], duty: dict[str, NDArray[np.int64]],
                weeks: NDArray[np.float64], *, min_per_week: float = 1.0, limit: int = 12) -> list[PatrolGap]:
    """Hours × weekdays with at least ``min_per_week`` cases a week, most cases per officer on duty first
    (none on duty counts as half an officer, so an empty hour with cases ranks above a staffed one)."""
    found: list[tuple[float, PatrolGap]] = []
    for grid, cells in cases.items():
        if grid == UNGRIDDED:
            continue  # no grid, no patrol to move
        per_week = cells / np.maximum(weeks, 1.0)[:, None]
        on_duty = duty.get(grid, np.zeros(24, dtype=np.int64))
        for weekday, hour in zip(*np.nonzero(per_week >= min_per_week), strict=True):
            officers = int(on_duty[hour])
            rate = float(per_week[weekday, hour])
            found.append((rate / max(officers, 0.5), PatrolGap(grid, int(weekday), int(hour), round(rate, 2),
                                                               officers)))
    found.sort(key=lambda pair: (-pair[0], pair[1].grid, pair[1].weekday, pair[1].hour))
    return [gap for _score, gap in found[:limit]]


def hotspot_report(store: Store, start: date, end: date, roster: ShiftRoster, category: str | None = None,
                   *, min_per_week: float = 1.0) -> HotspotReport:
    """Everything the hour × weekday view shows for a period: cases, officers on duty, patrol gaps."""
    cases = cases_by_hour_weekday(store, start, end, category)

    def officer_posts(session):  # type: ignore[no-untyped-def]
        return [(grid or "", team or "") for grid, team in session.execute(select(Officer.duty_grid, Officer.team))]

    duty = officers_on_duty(store.read(officer_posts), roster)
    weeks = weekday_counts(start, end)
    grids = sorted((set(cases) | set(duty)) - {UNGRIDDED},
                   key=lambda g: (-int(cases[g].sum()) if g in cases else 0, g))
    return HotspotReport(start, end, grids, cases, duty, weeks,
                         patrol_gaps(cases, duty, weeks, min_per_week=min_per_week))
