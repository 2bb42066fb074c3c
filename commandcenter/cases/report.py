"""Case figures for the snapshot report and the briefing screen.

``cases_report`` is the "cases" key of the snapshot JSON and must stay cheap with millions of cases: one
GROUP BY over the (status, source) index and one range count over the (status, deadline) index.

The CAD time figures follow computer-aided-dispatch practice: queue time (created → dispatched), response time
(created → arrived), travel time (dispatched → arrived) and on-scene time (arrived → handled). ``cad_summary``
aggregates them with pandas (median and 90th percentile per category and day).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from commandcenter.cases.workflow import CLOSED_STATUSES, OPEN_STATUSES
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

__all__ = ["CAD_FIGURES", "cad_summary", "cad_times", "cases_report"]

CAD_FIGURES = ("queue_s", "response_s", "travel_s", "on_scene_s")


def cases_report(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """``{"total", "open", "overdue", "by_status": {...}, "by_source": {...}}`` — exactly these keys."""
    now = now or utcnow()

    def q(session: Any) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        by_source: dict[str, int] = {}
        for status, source, n in session.execute(
                select(Case.status, Case.source, func.count()).group_by(Case.status, Case.source)):
            by_status[status] = by_status.get(status, 0) + int(n)
            by_source[source] = by_source.get(source, 0) + int(n)
        overdue = session.scalar(select(func.count()).select_from(Case).where(
            Case.status.in_(OPEN_STATUSES - {"suspended"}), Case.deadline_at < now)) or 0
        total = sum(by_status.values())
        closed = sum(n for s, n in by_status.items() if s in CLOSED_STATUSES)
        return {"total": total, "open": total - closed, "overdue": int(overdue),
                "by_status": dict(sorted(by_status.items())), "by_source": dict(sorted(by_source.items()))}

    return store.read(q)


def cad_times(store: Store, since: datetime, until: datetime | None = None) -> pd.DataFrame:
    """One row per case created in [since, until): code, category, day (local date), and the four CAD times (s)."""
    until = until or utcnow()

    def q(session: Any) -> list[tuple[Any, ...]]:
        return list(session.execute(
            select(Case.code, Case.category_name, Case.created_at, Case.dispatched_at, Case.arrived_at,
                   Case.handled_at).where(Case.created_at >= since, Case.created_at < until)))

    frame = pd.DataFrame(store.read(q), columns=["code", "category", "created", "dispatched", "arrived", "handled"])
    for col in ("created", "dispatched", "arrived", "handled"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["day"] = frame["created"].dt.tz_convert("Asia/Shanghai").dt.date
    frame["queue_s"] = (frame["dispatched"] - frame["created"]).dt.total_seconds()
    frame["response_s"] = (frame["arrived"] - frame["created"]).dt.total_seconds()
    frame["travel_s"] = (frame["arrived"] - frame["dispatched"]).dt.total_seconds()
    frame["on_scene_s"] = (frame["handled"] - frame["arrived"]).dt.total_seconds()
    return frame[["code", "category", "day", *CAD_FIGURES]]


def cad_summary(times: pd.DataFrame, by: tuple[str, ...] = ("category", "day")) -> pd.DataFrame:
    """Median, 90th percentile and count of each CAD figure per group (missing times are left out, not zero)."""
    if times.empty:
        return pd.DataFrame(columns=[*by, *(f"{f}_{s}" for f in CAD_FIGURES for s in ("median", "p90", "n"))])
    grouped = times.groupby(list(by), dropna=False)
    parts = {}
    for figure in CAD_FIGURES:
        parts[f"{figure}_median"] = grouped[figure].median()
        parts[f"{figure}_p90"] = grouped[figure].quantile(0.9)
        parts[f"{figure}_n"] = grouped[figure].count()
    return pd.DataFrame(parts).reset_index()
