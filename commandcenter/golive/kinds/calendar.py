"""``data import calendar``: holidays and 调休 working days for any year, as the State Council publishes them.

Rows go to ``work_calendar_days``, which every case service applies over the bundled calendar file at start
(``CaseService.load_calendar_overrides``). Columns: 日期 (a date, or a range ``2027-02-06..2027-02-14``),
类型 (放假/节假日/holiday or 调休/上班/workday) and 名称.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.orm import Session

from commandcenter.cases.tables import WorkCalendarDay
from commandcenter.golive.framework import ImportCounts, RowProblems, upsert
from commandcenter.golive.sheets import Column, SheetRow

__all__ = ["CALENDAR_COLUMNS", "import_calendar"]

CALENDAR_COLUMNS = (
    Column("day", ("日期", "date", "day"), required=True),
    Column("kind", ("类型", "kind", "type"), required=True),
    Column("name", ("名称", "name", "节日")),
)
_HOLIDAY = {"放假", "节假日", "假日", "休", "休息", "holiday", "off"}
_WORKDAY = {"调休", "上班", "补班", "班", "工作日", "workday", "work"}


def _days(text: str) -> list[date]:
    """One date or an inclusive ``A..B`` range (also ``A~B``, ``A至B``); ValueError when unreadable."""
    for sep in ("..", "~", "至"):
        if sep in text:
            first, last = (date.fromisoformat(t.strip().replace("/", "-")) for t in text.split(sep, 1))
            if last < first or (last - first).days > 31:
                raise ValueError("the range must run forwards and span at most a month")
            return [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [date.fromisoformat(text.strip().replace("/", "-").split(" ")[0])]


def import_calendar(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    counts = ImportCounts()
    seen: dict[date, tuple[int, str]] = {}
    for row in rows:
        n = row.number
        try:
            days = _days(row.get("day"))
        except ValueError as exc:
            problems.add(n, "日期", f"{row.get('day')!r} is not a date YYYY-MM-DD or a range A..B ({exc})")
            continue
        raw_kind = row.get("kind").lower()
        kind = "holiday" if raw_kind in _HOLIDAY else "workday" if raw_kind in _WORKDAY else ""
        if not kind:
            problems.add(n, "类型", f"{row.get('kind')!r} is neither 放假 nor 调休")
            continue
        for day in days:
            earlier = seen.get(day)
            if earlier is not None and earlier[1] != kind:
                problems.add(n, "日期", f"{day.isoformat()} is also on row {earlier[0]} as the other kind")
                continue
            seen[day] = (n, kind)
            values: dict[str, object] = {"day": day.isoformat(), "kind": kind, "name": row.get("name"),
                                         "minutes": 0}
            counts.count(upsert(session, WorkCalendarDay, day.isoformat(), values))
    return counts
