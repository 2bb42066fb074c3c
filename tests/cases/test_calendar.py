"""Working-time arithmetic across evenings, weekends, holidays and 调休 make-up working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from commandcenter.cases.calendar import CalendarError, WorkCalendar, load_calendar

CST = timezone(timedelta(hours=8))


def t(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CST)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return load_calendar()


@pytest.mark.parametrize(("start", "hours", "expected"), [
    (t(2026, 11, 24, 9, 0), 1, t(2026, 11, 24, 10, 0)),  # inside the morning
    (t(2026, 11, 24, 11, 0), 2, t(2026, 11, 24, 14, 30)),  # across the lunch break
    (t(2026, 11, 24, 7, 0), 1, t(2026, 11, 24, 9, 30)),  # before work starts
    (t(2026, 11, 24, 12, 30), 0.5, t(2026, 11, 24, 14, 0)),  # during lunch
    (t(2026, 11, 20, 17, 0), 2, t(2026, 11, 23, 10, 0)),  # Friday evening → Monday
    (t(2026, 11, 21, 10, 0), 1, t(2026, 11, 23, 9, 30)),  # Saturday → Monday
    (t(2026, 11, 24, 9, 0), 7.5 * 3, t(2026, 11, 27, 9, 0)),  # whole days
    (t(2026, 9, 30, 16, 30), 2, t(2026, 10, 8, 9, 30)),  # 国庆: 1–7 Oct off, the 8th is a Thursday
    (t(2026, 10, 9, 17, 0), 1, t(2026, 10, 10, 9, 0)),  # 10 Oct (Saturday) is a 调休 working day
    (t(2026, 2, 13, 16, 0), 3, t(2026, 2, 14, 10, 0)),  # 14 Feb (Saturday) make-up day before 春节
    (t(2026, 2, 14, 17, 0), 1, t(2026, 2, 24, 9, 0)),  # 春节 15–23 Feb
    (t(2025, 12, 31, 17, 0), 1, t(2026, 1, 4, 9, 0)),  # 元旦 1–3 Jan, Sunday 4 Jan worked
    (t(2026, 4, 3, 17, 0), 1, t(2026, 4, 7, 9, 0)),  # 清明 4–6 Apr
    (t(2026, 11, 24, 10, 0), 0, t(2026, 11, 24, 10, 0)),
])
def test_add_working_time(cal: WorkCalendar, start: datetime, hours: float, expected: datetime) -> None:
    assert cal.add_working_time(start, hours) == expected


@pytest.mark.parametrize(("a", "b", "hours"), [
    (t(2026, 11, 24, 9, 0), t(2026, 11, 24, 10, 0), 1.0),
    (t(2026, 11, 24, 11, 0), t(2026, 11, 24, 14, 30), 2.0),
    (t(2026, 11, 20, 17, 0), t(2026, 11, 23, 10, 0), 2.0),
    (t(2026, 9, 30, 8, 30), t(2026, 10, 9, 8, 30), 7.5 * 2),  # 30 Sep + 8 Oct only
    (t(2026, 11, 23, 10, 0), t(2026, 11, 20, 17, 0), -2.0),
    (t(2026, 11, 21, 0, 0), t(2026, 11, 22, 23, 0), 0.0),  # an ordinary weekend
])
def test_working_time_between(cal: WorkCalendar, a: datetime, b: datetime, hours: float) -> None:
    assert cal.working_time_between(a, b) == pytest.approx(hours)


def test_round_trip_many_offsets(cal: WorkCalendar) -> None:
    start = t(2026, 9, 18, 16, 45)
    for hours in (0.25, 1, 3.5, 7.5, 12, 40, 100):
        end = cal.add_working_time(start, hours)
        assert cal.working_time_between(start, end) == pytest.approx(hours)


def test_days_and_names(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(date(2026, 10, 1))
    assert cal.is_working_day(date(2026, 9, 20))  # Sunday 调休
    assert cal.day_name(date(2026, 2, 17)) == "春节"
    overridden = cal.with_overrides([("2026-11-24", "holiday", "停电"), ("2026-11-21", "workday", "加班")])
    assert not overridden.is_working_day(date(2026, 11, 24))
    assert overridden.is_working_day(date(2026, 11, 21))


def test_errors(cal: WorkCalendar, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CalendarError, match="naive"):
        cal.add_working_time(datetime(2026, 1, 5, 9), 1)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[holidays]]\nname = "x"\ndates = ["2026-13-01"]\n', encoding="utf-8")
    with pytest.raises(CalendarError, match=r"bad.toml: holidays\[0\]"):
        load_calendar(bad)
