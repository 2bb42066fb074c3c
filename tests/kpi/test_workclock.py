"""The vectorised work clock gives the work calendar's own answers (weekends, holidays, 调休 days, off-hours)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd

from commandcenter.cases.calendar import load_calendar
from commandcenter.kpi.workclock import WorkClock


def test_working_hours_equal_the_calendar_over_random_spans() -> None:
    calendar = load_calendar().with_overrides([("2026-11-21", "workday", "调休"), ("2026-11-24", "holiday", "x")])
    clock = WorkClock(calendar)
    rng = random.Random(18)
    base = datetime(2026, 9, 20, tzinfo=UTC)  # spans cross 国庆, its 调休 Sundays and the overrides
    starts = [base + timedelta(minutes=rng.randrange(0, 90 * 24 * 60)) for _ in range(300)]
    ends = [s + timedelta(minutes=rng.randrange(0, 12 * 24 * 60)) for s in starts]
    got = clock.hours_between(pd.Series(starts), pd.Series(ends))
    for start, end, hours in zip(starts, ends, got, strict=True):
        assert abs(hours - calendar.working_time_between(start, end)) < 1e-6, (start, end)


def test_missing_moments_stay_missing() -> None:
    clock = WorkClock(load_calendar())
    got = clock.hours_between(pd.Series([datetime(2026, 11, 2, 1, tzinfo=UTC), None]),
                              pd.Series([datetime(2026, 11, 2, 3, tzinfo=UTC), datetime(2026, 11, 2, 3, tzinfo=UTC)]))
    assert got[0] == 2.0  # Monday 09:00–11:00 Beijing time
    assert pd.isna(got[1])
