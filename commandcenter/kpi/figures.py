"""The bureau's performance figures for any period and breakdown — every figure computed here, in one place.

The briefing screen, the ``report kpi`` CLI, the scheduled reports and the 考核 all call :func:`compute_kpis`;
the drill-down calls :func:`cases_behind`, which selects cases with the very same per-case flags, so the cases a
leader opens are exactly the ones a number counted. The formulas are in ``docs/kpis.md``.

How it works: one read of the cases of the period (:func:`load_case_frame` is the straightforward read and the
reference; the figures use :func:`commandcenter.kpi.fastread.load_case_frame_fast`, the same frame read the fast
way), one read of the events that move the clock (返工, 缓办/恢复), then pandas: :func:`case_flags` gives every case its flags
(counted as registered? closed by the period's end? due for the on-time figure? met it? …) and :func:`_aggregate`
turns flags into figures per group. Dates are Asia/Shanghai; a period's end day is included.

The fast read comes from ``case_facts`` (commandcenter/kpi/facts.py), the group sums and quantiles from numpy
(commandcenter/kpi/grouping.py), and the figures of an ended period from the database while no change touched it
(commandcenter/kpi/stored.py).
"""

from __future__ import annotations

import calendar as _monthcal
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from time import monotonic
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Engine, String, func, or_, select, type_coerce

from commandcenter.cases.calendar import WorkCalendar, load_calendar
from commandcenter.cases.categories import CategoryTable, load_categories
from commandcenter.cases.tables import WorkCalendarDay
from commandcenter.kpi.workclock import WorkClock
from commandcenter.store.models import Case, CaseEvent, Officer, Vehicle

if TYPE_CHECKING:
    import pandas as pd

    from commandcenter.kpi.grouping import PreparedFlags
    from commandcenter.store import Store

__all__ = [
    "BREAKDOWNS",
    "FIGURES",
    "KpiContext",
    "KpiError",
    "KpiFigures",
    "KpiReport",
    "KpiRow",
    "Period",
    "PeriodKind",
    "case_flags",
    "cases_behind",
    "compute_breakdowns",
    "compute_kpis",
    "context_for",
    "engine_of",
    "forget_cached",
    "load_case_frame",
]

LOCAL_TZ: tzinfo = ZoneInfo("Asia/Shanghai")
RESPONSE_TARGET_MIN = 30.0
HANDLING_TARGET_MIN = 24 * 60.0
REOFFENCE_LOOKBACK = timedelta(days=365)
CLOSED_OK = ("closed", "archived")  # 结案 and 结案归档; 转办/不予立案/合并 end a case but are not 结案
HANDED_OVER = ("transferred", "merged")

PeriodKind = Literal["today", "this_week", "this_month", "last_month", "day", "week", "month", "custom"]
Breakdown = Literal["team", "grid", "area", "category", "source", "officer"]
BREAKDOWNS: tuple[str, ...] = ("team", "grid", "area", "category", "source", "officer")


class KpiError(ValueError):
    """A bad period, breakdown or figure name, saying which and what is allowed."""


# ----------------------------------------------------------------------------------------------- periods
def _today(now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(LOCAL_TZ).date()


def _month_end(day: date) -> date:
    return day.replace(day=_monthcal.monthrange(day.year, day.month)[1])


def _month_before(day: date) -> date:
    """The first day of the month before ``day``'s month."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True, slots=True)
class Period:
    """Local (Asia/Shanghai) days ``start`` … ``end``, both included. ``kind`` decides what "previous" means."""

    start: date
    end: date
    kind: PeriodKind = "custom"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise KpiError(f"period ends ({self.end}) before it starts ({self.start})")

    # -- constructors: what the briefing's period picker offers ---------------------------------------------
    @classmethod
    def today(cls, now: datetime | None = None) -> Period:
        day = _today(now)
        return cls(day, day, "today")

    @classmethod
    def this_week(cls, now: datetime | None = None) -> Period:
        """Monday of this week up to today (a week so far; compared with the same days of last week)."""
        day = _today(now)
        return cls(day - timedelta(days=day.weekday()), day, "this_week")

    @classmethod
    def this_month(cls, now: datetime | None = None) -> Period:
        """The 1st of this month up to today (compared with the same days of last month)."""
        day = _today(now)
        return cls(day.replace(day=1), day, "this_month")

    @classmethod
    def last_month(cls, now: datetime | None = None) -> Period:
        first = _month_before(_today(now))
        return cls(first, _month_end(first), "last_month")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, _month_end(first), "month")

    @classmethod
    def week_of(cls, day: date) -> Period:
        """The whole week (Monday–Sunday) holding ``day``."""
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=6), "week")

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        return cls(start, end, "custom")

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        """From the CLI's ``--from``/``--to`` (YYYY-MM-DD, local, ``--to`` included)."""
        try:
            return cls.custom(date.fromisoformat(start), date.fromisoformat(end))
        except ValueError as exc:
            raise KpiError(f"period {start!r} … {end!r}: {exc}") from None

    # -- comparison ----------------------------------------------------------------------------------------
    def previous(self) -> Period:
        """The period to compare with (▲▼): the day before, the same days of the previous week or month, or the
        equally long stretch right before a custom period."""
        days = (self.end - self.start).days + 1
        kind = self.kind
        if kind == "custom" and self.start.day == 1 and self.end == _month_end(self.start):
            kind = "month"  # a whole calendar month typed as --from/--to compares with the month before
        elif kind == "custom" and days == 7 and self.start.weekday() == 0:
            kind = "week"
        if kind in ("today", "day"):
            before = self.start - timedelta(days=1)
            return Period(before, before, "day")
        if kind in ("this_week", "week"):
            return Period(self.start - timedelta(days=7), self.end - timedelta(days=7), "week")
        if kind in ("last_month", "month"):
            first = _month_before(self.start)
            return Period(first, _month_end(first), "month")
        if kind == "this_month":
            first = _month_before(self.start)
            last = min(first + timedelta(days=days - 1), _month_end(first))
            return Period(first, last, "custom")
        return Period(self.start - timedelta(days=days), self.start - timedelta(days=1), "custom")

    # -- instants ------------------------------------------------------------------------------------------
    @property
    def start_utc(self) -> datetime:
        """Local midnight at the start of ``start``, as aware UTC."""
        return datetime.combine(self.start, time(0, 0), LOCAL_TZ).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """Local midnight after ``end`` (exclusive bound), as aware UTC."""
        return datetime.combine(self.end + timedelta(days=1), time(0, 0), LOCAL_TZ).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start.isoformat()} ~ {self.end.isoformat()}"

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "kind": self.kind}


# ----------------------------------------------------------------------------------------------- results
# Every figure in the order reports show them: (name, Chinese label, kind). kind: "count", "rate" (fraction
# 0–1), "minutes" or "score". The JSON, the Excel columns and the PDF tables follow this list.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("reported", "上报数", "count"),
    ("registered", "立案数", "count"),
    ("closed", "结案数", "count"),
    ("closure_rate", "结案率", "rate"),
    ("on_time_rate", "按期结案率", "rate"),
    ("rework_rate", "返工率", "rate"),
    ("timely_dispatch_rate", "及时派遣率", "rate"),
    ("median_response_min", "到场时间中位数(分)", "minutes"),
    ("p90_response_min", "到场时间P90(分)", "minutes"),
    ("median_handling_min", "处置时间中位数(分)", "minutes"),
    ("responded_30min_rate", "30分钟到场率", "rate"),
    ("handled_24h_rate", "24小时处置率", "rate"),
    ("rating_avg", "群众评价(1-5)", "score"),
    ("rated", "评价数", "count"),
    ("field_use_rate", "城管通使用率", "rate"),
    ("reoffence_rate", "首违不罚再犯率", "rate"),
)
FIGURE_NAMES: tuple[str, ...] = tuple(f[0] for f in FIGURES)
FIGURE_LABELS: dict[str, str] = {f[0]: f[1] for f in FIGURES}

# Rate figures → the per-case flag columns of their numerator and denominator (see case_flags).
RATE_FLAGS: dict[str, tuple[str, str]] = {
    "closure_rate": ("closed", "registered"),
    "on_time_rate": ("on_time_met", "on_time_due"),
    "rework_rate": ("rework_met", "rework_due"),
    "timely_dispatch_rate": ("dispatch_met", "dispatch_due"),
    "responded_30min_rate": ("responded_met", "responded_due"),
    "handled_24h_rate": ("handled_met", "handled_due"),
    "field_use_rate": ("field_met", "field_due"),
}
# Time figures → the per-case value column they summarise.
TIME_COLUMNS: dict[str, str] = {
    "median_response_min": "response_min",
    "p90_response_min": "response_min",
    "median_handling_min": "handling_min",
}


@dataclass(frozen=True, slots=True)
class KpiFigures:
    """The figures of one group (the bureau, one team, one grid …). Rates are 0–1 or None (nothing to divide)."""

    reported: int = 0
    registered: int = 0
    closed: int = 0
    closure_rate: float | None = None
    on_time_rate: float | None = None
    rework_rate: float | None = None
    timely_dispatch_rate: float | None = None
    median_response_min: float | None = None
    p90_response_min: float | None = None
    median_handling_min: float | None = None
    responded_30min_rate: float | None = None
    handled_24h_rate: float | None = None
    rating_avg: float | None = None
    rated: int = 0
    field_use_rate: float | None = None
    reoffence_rate: float | None = None
    # numerator and denominator of every rate, so each number on screen can be traced
    basis: dict[str, tuple[int, int]] = field(default_factory=dict)

    def value(self, name: str) -> float | int | None:
        if name not in FIGURE_NAMES:
            raise KpiError(f"unknown figure {name!r}; known: {', '.join(FIGURE_NAMES)}")
        return getattr(self, name)  # type: ignore[no-any-return]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["basis"] = {k: list(v) for k, v in self.basis.items()}
        return data


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One group of a breakdown: ``key`` as stored (team name, grid code, category code …), ``label`` to show."""

    key: str
    label: str
    figures: KpiFigures
    previous: KpiFigures | None = None


@dataclass(frozen=True, slots=True)
class KpiReport:
    """Figures of a period: the bureau's totals, optional breakdown rows, and the previous period's totals."""

    period: Period
    by: str | None
    totals: KpiFigures
    rows: list[KpiRow]
    previous_period: Period | None = None
    previous: KpiFigures | None = None
    computed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def change(self, name: str) -> float | None:
        """This period's value minus the previous one's (▲ > 0, ▼ < 0); None when either is missing."""
        if self.previous is None:
            return None
        now, before = self.totals.value(name), self.previous.value(name)
        if now is None or before is None:
            return None
        return float(now) - float(before)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``report kpi`` (contract: ``period``, ``totals`` and, with a breakdown, ``by``)."""
        data: dict[str, Any] = {
            "period": self.period.as_dict(),
            "totals": self.totals.as_dict(),
            "computed_at": self.computed_at.isoformat(),
        }
        if self.previous is not None and self.previous_period is not None:
            data["previous"] = {"period": self.previous_period.as_dict(), "totals": self.previous.as_dict()}
        if self.by is not None:
            data["breakdown"] = self.by
            data["by"] = [{"key": r.key, "label": r.label, **r.figures.as_dict()} for r in self.rows]
        return data


# ----------------------------------------------------------------------------------------------- reading
def engine_of(source: Store | Engine) -> Engine:
    """The engine of a Store (its read engine), or the Engine itself: the figures only read."""
    engine = getattr(source, "engine", source)
    if not isinstance(engine, Engine):
        raise KpiError(f"expected a Store or an SQLAlchemy Engine, not {type(source).__name__}")
    return engine


def calendar_with_overrides(engine: Engine, calendar: WorkCalendar | None = None) -> WorkCalendar:
    """The work calendar file plus the ``work_calendar_days`` edits, as the case service uses it."""
    base = calendar or load_calendar()
    with engine.connect() as conn:
        rows = [(r.day, r.kind, r.name) for r in conn.execute(
            select(WorkCalendarDay.day, WorkCalendarDay.kind, WorkCalendarDay.name))]
    return base.with_overrides(rows) if rows else base


_CASE_COLUMNS = ("id", "code", "source", "category", "category_name", "grid_code", "area_code",
                 "assigned_officer", "status")
_TIME_COLUMNS = ("created_at", "registered_at", "dispatched_at", "arrived_at", "handled_at", "closed_at")
# What the figures read from ``cases.extra`` (JSON), extracted by the database: decoding every case's whole
# JSON in Python was most of a month's time.
_EXTRA_PATHS = {"rating": ("rating",), "extended_hours": ("extended_hours",), "field_state": ("field", "state")}


def _raw_time(engine: Engine, column: Any) -> Any:
    """A timestamp column as the driver returns it (SQLite: naive-UTC text, PostgreSQL: aware datetime): pandas
    converts a whole column at once, far faster than the per-value ``UtcDateTime`` conversion."""
    return type_coerce(column, String() if engine.dialect.name == "sqlite" else DateTime(timezone=True))


def load_case_frame(engine: Engine, period: Period) -> pd.DataFrame:
    """The cases reported or registered in the period, with the officer's name and team and the clock events.

    Two range reads (created_at, registered_at) rather than one OR, so each uses its index. Columns: those of
    ``_CASE_COLUMNS`` and ``_TIME_COLUMNS`` (UTC timestamps), ``rating``, ``extended_hours`` and ``field_state``
    from ``extra``, ``officer_name``, ``team``, ``rework_n`` (返工 before the period's end) and
    ``suspended_spans`` (list of (start, end-or-None) 缓办 spans).
    """
    import pandas as pd  # imported when first used, not at start-up

    start, end = period.start_utc, period.end_utc
    cols = [getattr(Case, c) for c in _CASE_COLUMNS]
    times = [_raw_time(engine, getattr(Case, c)).label(c) for c in _TIME_COLUMNS]
    extras = [Case.extra[path if len(path) > 1 else path[0]].as_string().label(name)
              for name, path in _EXTRA_PATHS.items()]
    names = [*_CASE_COLUMNS, *_TIME_COLUMNS, *_EXTRA_PATHS, "officer_name", "team"]
    # A case's assignee is an officer or a vehicle (环卫 work): a vehicle reads "环卫车 苏A·H0002", of its team.
    assignee = func.coalesce(Officer.name, Vehicle.kind + " " + Vehicle.plate).label("officer_name")
    base = (select(*cols, *times, *extras, assignee, func.coalesce(Officer.team, Vehicle.team).label("team"))
            .select_from(Case).outerjoin(Officer, Officer.id == Case.assigned_officer)
            .outerjoin(Vehicle, Vehicle.id == Case.assigned_officer))
    by_created = base.where(Case.created_at >= start, Case.created_at < end)
    by_registered = base.where(Case.registered_at >= start, Case.registered_at < end,
                               or_(Case.created_at < start, Case.created_at >= end))
    with engine.connect() as conn:
        # .all() fetches in one call; iterating a result steps the cursor row by row (3× slower on SQLite)
        rows = [*map(tuple, conn.execute(by_created).all()), *map(tuple, conn.execute(by_registered).all())]
        events = clock_events(conn, period)
    frame = pd.DataFrame(rows, columns=names)
    for col in _TIME_COLUMNS:
        frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    return finish_case_frame(frame, events)


def clock_events(conn: Any, period: Period) -> list[tuple[int, str, datetime]]:
    """(case id, action, time) of the 返工, 缓办 and 恢复 events in the period, in order per case."""
    query = (select(CaseEvent.case_id, CaseEvent.action, CaseEvent.time)
             .where(CaseEvent.action.in_(("rework", "suspend", "resume")),
                    CaseEvent.time >= period.start_utc, CaseEvent.time < period.end_utc)
             .order_by(CaseEvent.case_id, CaseEvent.time, CaseEvent.id))
    return [(int(r[0]), str(r[1]), r[2]) for r in conn.execute(query).all()]


def finish_case_frame(frame: pd.DataFrame, events: list[tuple[int, str, datetime]]) -> pd.DataFrame:
    """The case frame's common last steps (both loaders): numbers from ``extra``, text columns without None, and
    ``rework_n`` / ``suspended_spans`` from the clock events."""
    import pandas as pd  # imported when first used, not at start-up

    for col in ("rating", "extended_hours"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    for col in ("assigned_officer", "officer_name", "team", "grid_code", "area_code", "category",
                "category_name", "source", "field_state"):
        column = frame[col]
        if column.dtype != object:  # all None in this period: pandas made it float (NaN), which "" cannot fill
            column = column.astype(object)
        frame[col] = column.fillna("").astype(str)
    rework: dict[int, int] = {}
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for case_id, action, when in events:
        if action == "rework":
            rework[case_id] = rework.get(case_id, 0) + 1
        elif action == "suspend":
            spans.setdefault(case_id, []).append((when, None))
        elif action == "resume" and spans.get(case_id) and spans[case_id][-1][1] is None:
            spans[case_id][-1] = (spans[case_id][-1][0], when)
    frame["rework_n"] = frame["id"].map(rework).fillna(0).astype(int)
    frame["suspended_spans"] = frame["id"].map(spans)  # NaN where the case was never suspended
    return frame


# ----------------------------------------------------------------------------------------------- per case
def _limit_hours(frame: pd.DataFrame, categories: CategoryTable, step: str) -> pd.Series:
    """The category's working-hour limit per case (NaN for an unknown category)."""
    import pandas as pd  # imported when first used, not at start-up

    limits: dict[str, float] = {}
    for code in frame["category"].unique():
        cat = categories.get(str(code)) if code else None
        if cat is not None:
            limits[str(code)] = (cat.dispatch_hours if step == "dispatch"
                                 else cat.dispatch_hours + cat.handle_hours + cat.verify_hours)
    return pd.to_numeric(frame["category"].map(limits), errors="coerce").astype(float)


def _suspended_hours(frame: pd.DataFrame, clock: WorkClock, until: datetime) -> Any:
    """Working hours each case spent 缓办 (the SLA clock stops), a still-open suspension counted to ``until``."""
    import numpy as np
    import pandas as pd  # imported when first used, not at start-up

    suspended = frame["suspended_spans"].dropna()
    pairs = [(i, s, e or until) for i, spans in zip(suspended.index, suspended, strict=True) for s, e in spans]
    hours = np.zeros(len(frame))
    if pairs:
        idx = np.array([frame.index.get_loc(p[0]) for p in pairs])
        spent = clock.hours_between(pd.Series([p[1] for p in pairs]), pd.Series([p[2] for p in pairs]))
        np.add.at(hours, idx, np.nan_to_num(spent))
    return hours


def case_flags(frame: pd.DataFrame, period: Period, clock: WorkClock, categories: CategoryTable,
               now: datetime | None = None) -> pd.DataFrame:
    """Every case's part in every figure: boolean ``*_due``/``*_met`` columns and minute values.

    This is the one place the formulas live (``docs/kpis.md`` describes each). ``cutoff`` is the period's end,
    or now for a period still running: a case only counts as late for a target once the target has passed.
    """
    import numpy as np
    import pandas as pd  # imported when first used, not at start-up

    out = frame.copy()
    start, end = pd.Timestamp(period.start_utc), pd.Timestamp(period.end_utc)
    cutoff = min(end, pd.Timestamp(now or datetime.now(UTC)))
    created, registered = out["created_at"], out["registered_at"]

    def by_end(col: str) -> pd.Series:
        return out[col].notna() & (out[col] < end)

    out["reported"] = (created >= start) & (created < end)
    reg = registered.notna() & (registered >= start) & (registered < end)
    out["registered"] = reg
    out["closed"] = reg & by_end("closed_at") & out["status"].isin(CLOSED_OK)
    # 转办 and 合并 hand a case over: it counts as registered (and not closed) but its time targets are the
    # receiving department's, so it leaves the on-time, dispatch, response and handling figures.
    own = reg & ~(out["status"].isin(HANDED_OVER) & by_end("closed_at"))

    # 按期结案: working hours 立案 → 结案, less 缓办 and approved extensions, within the category's limit.
    suspended = _suspended_hours(out, clock, cutoff.to_pydatetime())
    extended = out["extended_hours"].fillna(0.0).clip(lower=0.0).to_numpy(dtype=float)
    limit = _limit_hours(out, categories, "total").to_numpy(dtype=float) + extended
    reg_s = clock.seconds(registered)
    close_s = clock.seconds(out["closed_at"].where(out["closed"]))
    cutoff_s = float(clock.seconds(pd.Series([cutoff]))[0])
    took = (close_s - reg_s) / 3600.0 - suspended
    elapsed = (cutoff_s - reg_s) / 3600.0 - suspended
    known = ~np.isnan(limit)
    out["on_time_met"] = own & out["closed"] & known & (np.nan_to_num(took, nan=np.inf) <= limit + 1e-6)
    out["on_time_due"] = own & known & (out["closed"] | (np.nan_to_num(elapsed, nan=-np.inf) > limit + 1e-6))

    # 返工率: of the cases handled at least once by the period's end, those sent back by 核查.
    out["rework_met"] = reg & (out["rework_n"] > 0)
    out["rework_due"] = reg & (by_end("handled_at") | (out["rework_n"] > 0))

    # 及时派遣率: first 派遣 within the category's dispatch limit (working hours from 立案).
    dlimit = _limit_hours(out, categories, "dispatch").to_numpy(dtype=float)
    dispatched = by_end("dispatched_at")
    took_d = (clock.seconds(out["dispatched_at"].where(dispatched)) - reg_s) / 3600.0
    dknown = ~np.isnan(dlimit)
    out["dispatch_met"] = own & dispatched & dknown & (np.nan_to_num(took_d, nan=np.inf) <= dlimit + 1e-6)
    out["dispatch_due"] = own & dknown & (dispatched | (np.nan_to_num((cutoff_s - reg_s) / 3600.0, nan=-np.inf)
                                                         > dlimit + 1e-6))

    # 到场 and 处置 times from the report (上报), in minutes.
    arrived, handled = by_end("arrived_at"), by_end("handled_at")
    out["response_min"] = ((out["arrived_at"] - created).dt.total_seconds() / 60.0).where(own & arrived)
    out["handling_min"] = ((out["handled_at"] - created).dt.total_seconds() / 60.0).where(own & handled)
    old_30 = created + pd.Timedelta(minutes=RESPONSE_TARGET_MIN) <= cutoff
    old_24 = created + pd.Timedelta(minutes=HANDLING_TARGET_MIN) <= cutoff
    out["responded_met"] = own & (out["response_min"] <= RESPONSE_TARGET_MIN)
    out["responded_due"] = own & (old_30 | out["responded_met"])
    out["handled_met"] = own & (out["handling_min"] <= HANDLING_TARGET_MIN)
    out["handled_due"] = own & (old_24 | out["handled_met"])

    # 群众评价: cases.extra["rating"] (1–5) where the citizen rated.
    rating = out["rating"].astype(float)
    out["rating"] = rating.where(reg & (rating >= 1) & (rating <= 5))

    # 城管通使用率: of the cases handled by the period's end, those whose 处置反馈 came from the phone.
    out["field_due"] = reg & handled
    out["field_met"] = out["field_due"] & (out["field_state"] == "reported")
    return out


# ----------------------------------------------------------------------------------------------- aggregate
def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


_COUNT_COLUMNS = ("reported", "registered", "closed", *sorted({c for pair in RATE_FLAGS.values() for c in pair}
                                                              - {"closed", "registered"}))


def _figures(row: dict[str, Any], reoffence: tuple[int, int] | None = None) -> KpiFigures:
    """The figures of one summary row (see :func:`commandcenter.kpi.grouping.summarise`)."""
    import math

    def number(key: str, digits: int) -> float | None:
        value = row.get(key)
        return None if value is None or math.isnan(float(value)) else round(float(value), digits)

    basis = {name: (int(row[num]), int(row[den])) for name, (num, den) in RATE_FLAGS.items()}
    rates = {name: _rate(*pair) for name, pair in basis.items()}
    if reoffence is not None:
        basis["reoffence_rate"] = reoffence
    return KpiFigures(
        reported=int(row["reported"]), registered=int(row["registered"]), closed=int(row["closed"]),
        closure_rate=rates["closure_rate"], on_time_rate=rates["on_time_rate"], rework_rate=rates["rework_rate"],
        timely_dispatch_rate=rates["timely_dispatch_rate"],
        median_response_min=number("response_p50", 1), p90_response_min=number("response_p90", 1),
        median_handling_min=number("handling_p50", 1),
        responded_30min_rate=rates["responded_30min_rate"], handled_24h_rate=rates["handled_24h_rate"],
        rating_avg=number("rating_mean", 2), rated=int(row["rating_n"]), field_use_rate=rates["field_use_rate"],
        reoffence_rate=_rate(*reoffence) if reoffence is not None else None, basis=basis,
    )


def _aggregate(flags: pd.DataFrame, reoffence: tuple[int, int] | None = None, *,
               prepared: PreparedFlags | None = None) -> KpiFigures:
    """The figures of all of ``flags`` (the bureau's totals)."""
    if not len(flags):
        empty = {c: 0 for c in _COUNT_COLUMNS} | {"rating_n": 0}
        return _figures(empty, reoffence)
    from commandcenter.kpi.grouping import PreparedFlags

    _keys, columns = (prepared or PreparedFlags(flags, _COUNT_COLUMNS)).summarise(None)
    return _figures({name: values[0] for name, values in columns.items()}, reoffence)


# The label of the empty key of a breakdown (a case with no officer, no grid …).
UNASSIGNED: dict[str, str] = {"team": "（未分派）", "officer": "（未分派）", "grid": "（无网格）",
                              "area": "（无责任区）", "category": "（未分类）", "source": "（未知来源）"}


def _group_key(flags: pd.DataFrame, by: str) -> tuple[pd.Series, dict[str, str]]:
    """The breakdown key per case and a label per key (names for officers and categories)."""
    column = {"team": "team", "grid": "grid_code", "area": "area_code", "category": "category",
              "source": "source", "officer": "assigned_officer"}[by]
    keys = flags[column].astype(str)
    labels: dict[str, str] = {}
    names = {"category": "category_name", "officer": "officer_name"}.get(by)
    if names is not None:
        pairs = flags[[column, names]].drop_duplicates(column)
        labels = dict(zip(pairs[column].astype(str), pairs[names].astype(str), strict=True))
    return keys, {k: (labels.get(k) or k or UNASSIGNED[by]) for k in keys.unique()}


def _check_by(by: str | None) -> None:
    if by is not None and by not in BREAKDOWNS:
        raise KpiError(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}")


def reoffence_basis(engine: Engine, period: Period) -> tuple[int, int]:
    """(parties who offended again, parties granted 首违不罚) — the re-offence rate's numerator and denominator,
    counted by the enforcement domain's one definition (commandcenter.enforcement.parties.reoffence_rate) over
    the grants of the 365 days before the period's end, and the later cases up to that end."""
    from commandcenter.enforcement.parties import reoffence_rate

    end = period.end_utc
    rate = reoffence_rate(engine, end - REOFFENCE_LOOKBACK, end)
    return (rate.reoffended, rate.let_off)


@dataclass
class KpiContext:
    """What the figures need besides the database: the work calendar and the category limits (cached)."""

    calendar: WorkCalendar
    categories: CategoryTable
    clock: WorkClock = field(init=False)

    def __post_init__(self) -> None:
        self.clock = WorkClock(self.calendar)

    @classmethod
    def load(cls, engine: Engine, calendar: WorkCalendar | None = None,
             categories: CategoryTable | None = None) -> KpiContext:
        return cls(calendar_with_overrides(engine, calendar), categories or load_categories())


# A period that has ended is read again only after PAST_CACHE_S: its figures change only through late
# corrections (a case re-handled after a 返工 moves its handling time), and the briefing's comparison period
# is always one that has ended. Running periods are always read fresh.
PAST_CACHE_S = 600.0
_PAST_MAX = 8
_past: dict[tuple[str, date, date], tuple[float, KpiContext, pd.DataFrame, str | None]] = {}
_contexts: dict[str, tuple[float, KpiContext]] = {}
_cache_lock = threading.Lock()


def forget_cached() -> None:
    """Drop what this process keeps of past periods (their flags, their decoded kept figures) and the contexts
    (tests, the benchmark, or after an administrative data repair). The figures kept in the database stay."""
    from commandcenter.kpi import stored

    with _cache_lock:
        _past.clear()
        _contexts.clear()
    stored.forget_decoded()


def context_for(engine: Engine) -> KpiContext:
    """The calendar and categories of a database, kept for PAST_CACHE_S (``work_calendar_days`` edits show after)."""
    key = engine.url.render_as_string(hide_password=True)
    with _cache_lock:
        hit = _contexts.get(key)
        if hit is not None and monotonic() - hit[0] < PAST_CACHE_S:
            return hit[1]
    context = KpiContext.load(engine)
    with _cache_lock:
        _contexts[key] = (monotonic(), context)
    return context


def _flags_for(engine: Engine, period: Period, context: KpiContext, now: datetime | None) -> pd.DataFrame:
    return _flags_and_mark(engine, period, context, now)[0]


def _flags_and_mark(engine: Engine, period: Period, context: KpiContext,
                    now: datetime | None) -> tuple[pd.DataFrame, str | None]:
    """The flags of a period and, for an ended one in a database that marks its changes, the stamp taken before
    they were read. Kept flags of an ended period are used while a stamp shows no change since (or, in a
    database without the marks, for PAST_CACHE_S)."""
    from commandcenter.kpi import stored as kept

    ended = period.end_utc <= (now or datetime.now(UTC))
    key = (engine.url.render_as_string(hide_password=True), period.start, period.end)
    if ended:
        with _cache_lock:
            hit = _past.get(key)
        if hit is not None and hit[1] is context and monotonic() - hit[0] < PAST_CACHE_S and (
                hit[3] is None or kept.unchanged_since(engine, period, hit[3])):
            return hit[2], hit[3]
    from commandcenter.kpi.fastread import load_case_frame_fast  # the same frame as load_case_frame, faster

    mark = kept.stamp(engine) if ended else None  # before the cases are read
    flags = case_flags(load_case_frame_fast(engine, period), period, context.clock, context.categories, now)
    if ended:
        with _cache_lock:
            _past[key] = (monotonic(), context, flags, mark)
            while len(_past) > _PAST_MAX:
                _past.pop(min(_past, key=lambda k: _past[k][0]))
    return flags, mark


def _groups(flags: pd.DataFrame, by: str | None,
            prepared: PreparedFlags | None = None) -> dict[str, tuple[str, KpiFigures]]:
    """The figures of each group of breakdown ``by`` ({} for None); ``prepared``: the flags made ready once for
    several breakdowns."""
    groups: dict[str, tuple[str, KpiFigures]] = {}
    if by is not None and len(flags):
        from commandcenter.kpi.grouping import PreparedFlags

        keys, labels = _group_key(flags, by)
        found, columns = (prepared or PreparedFlags(flags, _COUNT_COLUMNS)).summarise(keys)
        names = list(columns)
        for i, key in enumerate(found):
            row = {name: columns[name][i] for name in names}
            groups[str(key)] = (labels.get(str(key), str(key)), _figures(row))
    return groups


def _with_reoffence(figures: KpiFigures, reoffence: tuple[int, int]) -> KpiFigures:
    return replace(figures, reoffence_rate=_rate(*reoffence), basis={**figures.basis, "reoffence_rate": reoffence})


_Groups = dict[str, dict[str, tuple[str, KpiFigures]]]


def _decode_kept(data: dict[str, Any]) -> tuple[KpiFigures, _Groups]:
    from commandcenter.kpi import stored as kept

    return kept.figures_of(data["totals"]), {
        by: {k: (label, kept.figures_of(f)) for k, label, f in rows} for by, rows in data["groups"].items()}


def _period_figures(source: Store | Engine, period: Period, wanted: Sequence[str], context: KpiContext,
                    now: datetime | None, stored: bool) -> tuple[KpiFigures, _Groups]:
    """The totals (without the re-offence figure) and the groups of each breakdown of ``wanted``: for an ended
    period from the figures kept in the database while still valid (commandcenter/kpi/stored.py), else
    computed — and then kept, when ``source`` is a Store."""
    from commandcenter.kpi import stored as kept
    from commandcenter.kpi.grouping import PreparedFlags

    engine = engine_of(source)
    if stored and period.end_utc <= (now or datetime.now(UTC)):
        key = kept.context_key(context)
        data = kept.load(engine, period, key, _decode_kept)
        if data is not None:
            return data[0], {by: data[1][by] for by in wanted}
        flags, mark = _flags_and_mark(engine, period, context, now)
        ready = PreparedFlags(flags, _COUNT_COLUMNS)
        totals = _aggregate(flags, prepared=ready)
        keep = mark is not None and hasattr(source, "submit")  # a Store whose database marks its changes
        groups = {by: _groups(flags, by, ready) for by in (BREAKDOWNS if keep else wanted)}
        if keep and mark is not None:
            kept.save(source, period, key, mark, kept.figures_payload(totals, groups))
        return totals, {by: groups[by] for by in wanted}
    flags = _flags_for(engine, period, context, now)
    ready = PreparedFlags(flags, _COUNT_COLUMNS)
    return _aggregate(flags, prepared=ready), {by: _groups(flags, by, ready) for by in wanted}


def compute_breakdowns(source: Store | Engine, period: Period, breakdowns: Sequence[str | None], *,
                       compare: bool = True, context: KpiContext | None = None,
                       now: datetime | None = None, stored: bool = True) -> dict[str | None, KpiReport]:
    """Several breakdowns of one period from one read of the cases (the Excel workbook, scheduled reports):
    ``{by: KpiReport}`` for each ``by`` of ``breakdowns`` (None: totals only). ``stored=False`` computes an
    ended period even when the database keeps its figures (the benchmark; a check of the kept figures)."""
    for by in breakdowns:
        _check_by(by)
    engine = engine_of(source)
    context = context or context_for(engine)
    wanted = [by for by in breakdowns if by is not None]
    totals, groups = _period_figures(source, period, wanted, context, now, stored)
    totals = _with_reoffence(totals, reoffence_basis(engine, period))
    previous_period = previous = None
    before_groups: _Groups = {}
    if compare:
        previous_period = period.previous()
        previous, before_groups = _period_figures(source, previous_period, wanted, context, now, stored)
        previous = _with_reoffence(previous, reoffence_basis(engine, previous_period))
    computed_at = datetime.now(UTC)
    reports: dict[str | None, KpiReport] = {}
    for by in breakdowns:
        before = before_groups.get(by, {}) if by is not None else {}
        rows = [KpiRow(key, label, figures, before[key][1] if key in before else None)
                for key, (label, figures) in (groups[by].items() if by is not None else [])]
        rows.sort(key=lambda r: (-r.figures.registered, -r.figures.reported, r.key))
        reports[by] = KpiReport(period, by, totals, rows, previous_period, previous, computed_at)
    return reports


def compute_kpis(source: Store | Engine, period: Period, by: str | None = None, *, compare: bool = True,
                 context: KpiContext | None = None, now: datetime | None = None) -> KpiReport:
    """The figures of ``period`` (bureau totals and, with ``by``, one row per group), and with ``compare`` the
    previous period's (``report.previous`` and each row's ``previous``). Runs queries: call off the GUI thread.

    ``by``: team, grid (单元网格), area (责任区), category, source or officer. Rows are sorted by registered
    cases, busiest first; a group present only in the previous period is not listed. ``now`` (default: the
    clock) matters only for a period still running: targets not yet passed do not count as missed.
    """
    return compute_breakdowns(source, period, [by], compare=compare, context=context, now=now)[by]


def cases_behind(source: Store | Engine, period: Period, figure: str, key: str | None = None, *,
                 by: str | None = None, which: Literal["all", "met", "missed"] = "all",
                 context: KpiContext | None = None, now: datetime | None = None) -> list[str]:
    """The case codes behind a number on screen (drill-down), from the same flags the number was counted with.

    ``figure``: a count (reported, registered, closed, rated) → the cases counted; a rate → the cases of its
    denominator (``which="met"``: its numerator, ``"missed"``: denominator minus numerator); a time figure →
    the cases with a measured time, slowest first. ``key`` with ``by`` narrows to one row of a breakdown (the
    row's ``key``); ``key`` without ``by`` is an error. Other cases are sorted by code.
    """
    _check_by(by)
    if key is not None and by is None:
        raise KpiError(f"cases_behind: key {key!r} given without the breakdown (by=team|grid|…) it belongs to")
    if figure == "reoffence_rate":
        raise KpiError("reoffence_rate counts parties, not cases of the period: open the party's record instead")
    engine = engine_of(source)
    context = context or context_for(engine)
    flags = _flags_for(engine, period, context, now)
    if key is not None and by is not None:
        keys, _ = _group_key(flags, by) if len(flags) else (flags["code"], {})
        flags = flags[keys == key]
    if figure in ("reported", "registered", "closed"):
        chosen = flags[flags[figure]]
    elif figure in ("rated", "rating_avg"):
        chosen = flags[flags["rating"].notna()]
    elif figure in RATE_FLAGS:
        num_col, den_col = RATE_FLAGS[figure]
        mask = flags[den_col]
        if which == "met":
            mask = mask & flags[num_col]
        elif which == "missed":
            mask = mask & ~flags[num_col]
        chosen = flags[mask]
    elif figure in TIME_COLUMNS:
        column = TIME_COLUMNS[figure]
        chosen = flags[flags[column].notna()].sort_values([column, "code"], ascending=[False, True])
        return [str(c) for c in chosen["code"]]
    else:
        raise KpiError(f"unknown figure {figure!r}; known: {', '.join(FIGURE_NAMES)}")
    return sorted(str(c) for c in chosen["code"])


def figure_rows(report: KpiReport) -> Iterable[Sequence[object]]:
    """Table rows (key, label, figure values …) of a report's breakdown, for the Excel and PDF writers."""
    for row in report.rows:
        yield (row.key, row.label, *(row.figures.value(n) for n in FIGURE_NAMES))
