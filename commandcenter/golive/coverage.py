"""Which years the work calendar knows, and the loud warning when the one in use does not.

A year without its holidays counts 春节 and 国庆 as working days: every deadline in them is wrong, silently.
The health report (``calendar`` section) and the leaders' briefing show these warnings until the year's
holidays are imported (``commandcenter data import calendar FILE``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from commandcenter.cases.calendar import WorkCalendar

__all__ = ["LOOKAHEAD_DAYS", "calendar_coverage_warnings", "covered_years", "missing_calendar_years"]

LOOKAHEAD_DAYS = 60  # deadlines run weeks ahead: next year's holidays matter from early November


def covered_years(calendar: WorkCalendar) -> list[int]:
    """Years with at least one holiday in the calendar (file plus imported days): China has holidays every year."""
    return sorted({day.year for day in calendar.holidays})


def missing_calendar_years(calendar: WorkCalendar, today: date | None = None) -> list[int]:
    """Years deadlines may reach (this year; next year within ``LOOKAHEAD_DAYS``) without any holiday."""
    now = today or datetime.now(calendar.tz).date()
    needed = sorted({now.year, (now + timedelta(days=LOOKAHEAD_DAYS)).year})
    covered = set(covered_years(calendar))
    return [year for year in needed if year not in covered]


def calendar_coverage_warnings(calendar: WorkCalendar, today: date | None = None) -> list[str]:
    """One warning per year of :func:`missing_calendar_years`; empty when the calendar is complete."""
    return [f"工作日历缺少 {year} 年的节假日, 节假日将按工作日计算时限 (commandcenter data import calendar FILE); "
            f"the work calendar has no holidays for {year}" for year in missing_calendar_years(calendar, today)]
