"""Case figures for the snapshot report and the briefing screen.

``cases_report`` is the "cases" key of the snapshot JSON and must stay cheap with millions of cases (see its
docstring for how closed cases are counted once).

The CAD time figures follow computer-aided-dispatch practice: queue time (created → dispatched), response time
(created → arrived), travel time (dispatched → arrived) and on-scene time (arrived → handled). ``cad_summary``
aggregates them with pandas (median and 90th percentile per category and day).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select, union_all

from commandcenter.cases.workflow import CLOSED_STATUSES, OPEN_STATUSES
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CAD_FIGURES", "cad_summary", "cad_times", "cases_report", "forget_settled"]

CAD_FIGURES = ("queue_s", "response_s", "travel_s", "on_scene_s")


@dataclass
class _Settled:
    """Counts of closed cases up to an id watermark: closed is final, so they never need counting again."""

    watermark: int
    final: Counter[tuple[str, str]]
    open_ids: list[int]  # ids ≤ watermark that were open then: they may have closed since
    built: float


_SETTLED: dict[str, _Settled] = {}
_SETTLED_LOCK = threading.Lock()
SETTLED_MAX_AGE_S = 900.0


def _settle(session: Any) -> _Settled:
    """The one full pass over the cases table (per process and store, refreshed every 15 minutes)."""
    watermark = int(session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0)
    final: Counter[tuple[str, str]] = Counter()
    for status in sorted(CLOSED_STATUSES):
        for source, n in session.execute(select(Case.source, func.count()).where(
                Case.status == status, Case.id <= watermark).group_by(Case.source)):
            final[(status, source)] += int(n)
    open_ids: list[int] = []
    for status in sorted(OPEN_STATUSES):
        open_ids.extend(int(i) for i in session.scalars(select(Case.id).where(Case.status == status,
                                                                            Case.id <= watermark)))
    return _Settled(watermark, final, sorted(open_ids), time.monotonic())


def cases_report(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """``{"total", "open", "overdue", "by_status": {...}, "by_source": {...}}`` — exactly these keys.

    Why not one ``GROUP BY status, source``: that scans every case, 100+ ms at a million. Closed cases never
    change (closed statuses have no outgoing transition and cases are never deleted), so their counts up to
    an id watermark are computed once and kept; each report then counts only the open cases (covering index
    ranges per open status), the cases added since the watermark (a primary-key range) and the cases that
    were open at the watermark and have closed since (primary-key lookups of just those).
    """
    now = now or utcnow()

    def q(session: Any) -> dict[str, Any]:
        with _SETTLED_LOCK:
            settled = _SETTLED.get(store.url)
            if settled is not None and settled.watermark > int(
                    session.scalar(select(func.coalesce(func.max(Case.id), 0))) or 0):
                settled = None  # the database was recreated under the same URL
            if settled is None or time.monotonic() - settled.built > SETTLED_MAX_AGE_S:
                settled = _SETTLED[store.url] = _settle(session)
        counts: Counter[tuple[str, str]] = Counter(settled.final)
        open_now: set[int] = set()
        for status in sorted(OPEN_STATUSES):  # (status, source) index: covering, no table lookups
            for case_id, source in session.execute(select(Case.id, Case.source).where(Case.status == status)):
                counts[(status, source)] += 1
                open_now.add(case_id)
        # The cases added since the watermark, grouped here rather than by the database: with a GROUP BY,
        # SQLite prefers walking the whole (status, source) index (it is already grouped; 200-350 ms at a
        # million cases) over the primary-key range of the few new rows.
        for status, source in session.execute(select(Case.status, Case.source).where(Case.id > settled.watermark)):
            if status in CLOSED_STATUSES:
                counts[(status, source)] += 1
        closed_since = [i for i in settled.open_ids if i not in open_now]
        lookup = select(Case.status, Case.source).where(Case.id.in_(bindparam("ids", expanding=True)))
        for chunk in range(0, len(closed_since), 500):
            for status, source in session.execute(lookup, {"ids": closed_since[chunk:chunk + 500]}):
                if status in CLOSED_STATUSES:
                    counts[(status, source)] += 1
        by_status: dict[str, int] = {}
        by_source: dict[str, int] = {}
        for (status, source), n in counts.items():
            if n:
                by_status[status] = by_status.get(status, 0) + n
                by_source[source] = by_source.get(source, 0) + n
        late = union_all(*(select(Case.id).where(Case.status == status, Case.deadline_at < now)
                            for status in sorted(OPEN_STATUSES - {"suspended"}))).subquery()
        overdue = int(session.scalar(select(func.count()).select_from(late)) or 0)
        total = sum(by_status.values())
        closed = sum(n for s, n in by_status.items() if s in CLOSED_STATUSES)
        return {"total": total, "open": total - closed, "overdue": overdue,
                "by_status": dict(sorted(by_status.items())), "by_source": dict(sorted(by_source.items()))}

    return store.read(q)


def forget_settled(store: Store) -> None:
    """Drop the cached closed-case counts of a store (tests, or after an administrative data repair)."""
    with _SETTLED_LOCK:
        _SETTLED.pop(store.url, None)


def cad_times(store: Store, since: datetime, until: datetime | None = None) -> pd.DataFrame:
    """One row per case created in [since, until): code, category, day (local date), and the four CAD times (s)."""
    import pandas as pd  # imported when first used, not at start-up

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
    import pandas as pd  # imported when first used, not at start-up

    if times.empty:
        return pd.DataFrame(columns=[*by, *(f"{f}_{s}" for f in CAD_FIGURES for s in ("median", "p90", "n"))])
    grouped = times.groupby(list(by), dropna=False)
    parts = {}
    for figure in CAD_FIGURES:
        parts[f"{figure}_median"] = grouped[figure].median()
        parts[f"{figure}_p90"] = grouped[figure].quantile(0.9)
        parts[f"{figure}_n"] = grouped[figure].count()
    return pd.DataFrame(parts).reset_index()
