"""Work calendar: SLA time limits of the digital-urban-management workflow count working hours, not clock hours.

A case registered on Friday at 17:00 with a 2-working-hour limit is due on Monday at 09:30 — or on Sunday at
09:30 when that Sunday is a 调休 make-up working day, or after the Spring Festival when Monday is a holiday. The
rules (time zone, daily working periods, weekend days, holidays, make-up days) come from an editable TOML file
(``resources/cases/calendar_2026.toml``) plus overrides stored in the ``work_calendar_days`` table.

All public functions take and return timezone-aware datetimes (any zone; results are UTC), because the store
refuses naive ones and a deadline in the wrong zone is a missed SLA.
"""

from __future__ import annotations

import tomllib
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

__all__ = ["NATURAL", "NATURAL_HOURS", "WORKING", "CalendarError", "NaturalHours", "WorkCalendar", "default_calendar_path", "load_calendar"]

_RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "cases"


def default_calendar_path() -> Path:
    """The shipped calendar file (China's 2026 public holidays)."""
    return _RESOURCES / "calendar_2026.toml"


class CalendarError(ValueError):
    """A bad calendar file or value, naming the file and the key."""


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        if name == "Asia/Shanghai":  # no tz database on the machine: China has had no DST since 1991
            from datetime import timezone

            return timezone(timedelta(hours=8), "CST")
        raise CalendarError(f"unknown time zone {name!r}") from None


@dataclass
class WorkCalendar:
    """Working periods per day, weekend days, holidays and make-up working days, in one local time zone."""

    timezone: str = "Asia/Shanghai"
    periods: Sequence[tuple[time, time]] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
    weekend: frozenset[int] = frozenset({6, 7})  # ISO weekdays
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)  # 调休: weekend days that are worked

    def __post_init__(self) -> None:
        self.tz = _zone(self.timezone)
        previous = time(0, 0)
        for start, end in self.periods:
            if not previous <= start < end:
                raise CalendarError(f"work periods must be in order and not overlap: {self.periods!r}")
            previous = end
        # The periods as seconds of the day: the SLA of every open case is computed on each dispatch refresh.
        self._period_secs = tuple((float(_seconds(start)), float(_seconds(end))) for start, end in self.periods)
        self._day_seconds = sum(end - start for start, end in self._period_secs)
        if self._day_seconds <= 0:
            raise CalendarError("a working day needs at least one working period")
        # Whole-day counting for long spans (an overdue case's remaining time over months): numpy business
        # days with the holidays, plus the 调休 days that fall on weekend days.
        weekmask = "".join("0" if d in self.weekend else "1" for d in range(1, 8))
        self._busdays = np.busdaycalendar(weekmask=weekmask, holidays=sorted(self.holidays)) if "1" in weekmask \
            else None
        self._weekend_workdays = sorted(d for d in self.workdays if d.isoweekday() in self.weekend)

    @property
    def hours_per_day(self) -> float:
        """Working hours of one working day (7.5 with the default periods): what "N 个工作日" converts with."""
        return self._day_seconds / 3600.0

    # ------------------------------------------------------------------------------------------- days
    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() not in self.weekend

    def day_name(self, day: date) -> str:
        """The holiday or make-up-day name of a date ("" for an ordinary day)."""
        return self.holidays.get(day) or self.workdays.get(day) or ""

    def with_overrides(self, overrides: Iterable[tuple[str, str, str]]) -> WorkCalendar:
        """A copy with (YYYY-MM-DD, "holiday"|"workday", name) overrides applied (from ``work_calendar_days``)."""
        holidays, workdays = dict(self.holidays), dict(self.workdays)
        for day_text, kind, name in overrides:
            day = _parse_day(day_text, "work_calendar_days")
            holidays.pop(day, None)
            workdays.pop(day, None)
            if kind == "holiday":
                holidays[day] = name
            elif kind == "workday":
                workdays[day] = name
            else:
                raise CalendarError(f"work_calendar_days {day_text}: kind must be holiday or workday, not {kind!r}")
        return WorkCalendar(self.timezone, self.periods, self.weekend, holidays, workdays)

    # ------------------------------------------------------------------------------------------- arithmetic
    def add_working_time(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` working hours after ``start`` (UTC). Starting off-hours counts from the next period."""
        _aware(start, "start")
        if hours < 0:
            raise CalendarError(f"cannot add a negative working time ({hours} h)")
        remaining = hours * 3600.0
        local = start.astimezone(self.tz)
        day = local.date()
        offset = _seconds(local.timetz().replace(tzinfo=None)) + local.microsecond / 1e6
        for _ in range(3660):  # ten years of days: a limit, not a loop that can spin forever on a bad calendar
            if self.is_working_day(day):
                # Skip whole days cheaply when the day starts before the first period.
                if offset <= _seconds(self.periods[0][0]) and remaining > self._day_seconds:
                    remaining -= self._day_seconds
                else:
                    for p_start, p_end in self.periods:
                        s, e = _seconds(p_start), _seconds(p_end)
                        begin = max(s, offset)
                        if begin >= e:
                            continue
                        if remaining <= e - begin:
                            return self._at(day, begin + remaining)
                        remaining -= e - begin
            day += timedelta(days=1)
            offset = 0.0
        raise CalendarError(f"no working time found within ten years after {start.isoformat()}")

    def working_time_between(self, a: datetime, b: datetime) -> float:
        """Working hours from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        _aware(a, "a")
        _aware(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        la, lb = a.astimezone(self.tz), b.astimezone(self.tz)
        total = 0.0
        day = la.date()
        if (lb.date() - day).days > 3:
            # Partial first and last days below; whole days in between counted in one go.
            first_full, last_day = day + timedelta(days=1), lb.date()
            total += self._whole_days(first_full, last_day) * self._day_seconds
            total += self._seconds_within(day, la, None) + self._seconds_within(last_day, None, lb)
            return total / 3600.0
        first_day, last_day = day, lb.date()
        while day <= last_day:
            if self.is_working_day(day):
                lo = _day_offset(la) if day == first_day else 0.0
                hi = _day_offset(lb) if day == last_day else 86400.0
                if lo <= 0 and hi >= 86400.0:
                    total += self._day_seconds
                else:
                    for p_start, p_end in self._period_secs:
                        s, e = max(p_start, lo), min(p_end, hi)
                        if e > s:
                            total += e - s
            day += timedelta(days=1)
        return total / 3600.0

    def _whole_days(self, first: date, end: date) -> int:
        """Working days in [first, end)."""
        count = int(np.busday_count(first, end, busdaycal=self._busdays)) if self._busdays is not None else 0
        count += bisect_left(self._weekend_workdays, end) - bisect_left(self._weekend_workdays, first)
        return count

    def _seconds_within(self, day: date, start: datetime | None, end: datetime | None) -> float:
        """Working seconds of ``day`` from ``start`` (None: midnight) to ``end`` (None: the day's end)."""
        if not self.is_working_day(day):
            return 0.0
        lo = _day_offset(start) if start else 0.0
        hi = _day_offset(end) if end else 86400.0
        return sum(max(0.0, min(e, hi) - max(s, lo)) for s, e in self._period_secs)

    def _at(self, day: date, seconds: float) -> datetime:
        # Attach the zone to the wall-clock time (correct across DST in zones that have one).
        wall = datetime.combine(day, time(0, 0)) + timedelta(seconds=seconds)
        local = wall.replace(tzinfo=self.tz)
        return local.astimezone(UTC)


class NaturalHours:
    """Clock hours, night and weekend included: the time limits of urgent safety categories (井盖缺失, 燃气泄漏 …).

    A missing manhole cover reported on Saturday morning is a danger on Saturday, not on Monday, so categories
    marked 自然时 in ``categories.csv`` count with this instead of the :class:`WorkCalendar`. Same two methods.
    """

    def add_working_time(self, start: datetime, hours: float) -> datetime:
        _aware(start, "start")
        if hours < 0:
            raise CalendarError(f"cannot add a negative time limit ({hours} h)")
        return (start + timedelta(hours=hours)).astimezone(UTC)

    def working_time_between(self, a: datetime, b: datetime) -> float:
        _aware(a, "a")
        _aware(b, "b")
        return (b - a).total_seconds() / 3600.0


NATURAL_HOURS = NaturalHours()
# A case's ``extra["timing"]``: how its current step's limit counts (set with the step's deadline).
NATURAL = "natural"
WORKING = "working"


def _seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second


def _day_offset(moment: datetime) -> float:
    """Seconds since local midnight of a local (zone-converted) time, microseconds included."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise CalendarError(f"{name}={value!r} is naive; the work calendar needs timezone-aware datetimes")


def _parse_day(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CalendarError(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from None


def _parse_time(text: str, where: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise CalendarError(f"{where}: {text!r} is not a time (HH:MM)") from None


def _expand(entries: list[object], where: str) -> Iterable[tuple[date, str]]:
    """Dates of ``[[holidays]]``/``[[workdays]]`` tables; a ``"A..B"`` string is an inclusive range."""
    for i, entry in enumerate(entries):
        spot = f"{where}[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("dates"), list):
            raise CalendarError(f"{spot}: expected a table with name and a list of dates")
        name = str(entry.get("name", ""))
        for item in entry["dates"]:
            text = str(item)
            if ".." in text:
                first, last = (_parse_day(t, spot) for t in text.split("..", 1))
                if last < first:
                    raise CalendarError(f"{spot}: range {text!r} ends before it starts")
                day = first
                while day <= last:
                    yield day, name
                    day += timedelta(days=1)
            else:
                yield _parse_day(text, spot), name


def load_calendar(path: str | Path | None = None) -> WorkCalendar:
    """Read a calendar TOML file (default: the shipped 2026 calendar). Errors name the file and the key."""
    p = Path(path) if path is not None else default_calendar_path()
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalendarError(f"{p}: calendar file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{p}: not valid TOML: {exc}") from None
    periods: list[tuple[time, time]] = []
    for i, pair in enumerate(raw.get("work_hours", [["08:30", "12:00"], ["13:30", "17:30"]])):
        if not isinstance(pair, list) or len(pair) != 2:
            raise CalendarError(f"{p}: work_hours[{i}] must be [start, end]")
        periods.append((_parse_time(pair[0], f"{p}: work_hours[{i}]"), _parse_time(pair[1], f"{p}: work_hours[{i}]")))
    weekend = raw.get("weekend", [6, 7])
    if not isinstance(weekend, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in weekend):
        raise CalendarError(f"{p}: weekend must be a list of ISO weekdays 1-7")
    holidays = dict(_expand(raw.get("holidays", []), f"{p}: holidays"))
    workdays = dict(_expand(raw.get("workdays", []), f"{p}: workdays"))
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise CalendarError(f"{p}: {both[0].isoformat()} is listed both as a holiday and as a working day")
    try:
        return WorkCalendar(str(raw.get("timezone", "Asia/Shanghai")), tuple(periods), frozenset(weekend),
                            holidays, workdays)
    except CalendarError as exc:
        raise CalendarError(f"{p}: {exc}") from None
