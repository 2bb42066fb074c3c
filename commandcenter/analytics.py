"""Leadership KPIs: the figures the briefing screen and printed reports show, computed with pandas off the GUI thread.

``BriefingModel`` refreshes on the task manager every few seconds and hands the GUI thread a plain dict, so a
slow query on a million cases never freezes the big screen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.cases.workflow import CLOSED_STATUSES
from commandcenter.runtime.tasks import TaskManager, TasksStopped
from commandcenter.store import Store

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
OPEN_EXCLUDED = tuple(sorted(CLOSED_STATUSES))


def local_day_start(now: datetime) -> datetime:
    """Midnight (Beijing time) of ``now``'s day, as aware UTC: 'today' for a Chinese bureau."""
    local = now.astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def case_kpis(store: Store, now: datetime | None = None) -> dict[str, Any]:
    """Counts and CAD times for today and the open backlog, straight from the cases table."""
    now = now or datetime.now(UTC)
    today = local_day_start(now)
    excluded = ", ".join(f"'{s}'" for s in OPEN_EXCLUDED)
    totals = store.frame(
        f"SELECT COUNT(*) AS total, "
        f"SUM(CASE WHEN status NOT IN ({excluded}) THEN 1 ELSE 0 END) AS open, "
        f"SUM(CASE WHEN status NOT IN ({excluded}) AND deadline_at IS NOT NULL AND deadline_at < :now "
        f"THEN 1 ELSE 0 END) AS overdue FROM cases",
        {"now": _db_time(store, now)},
    ).iloc[0]
    day = store.frame(
        "SELECT source, status, created_at, dispatched_at, arrived_at, closed_at FROM cases "
        "WHERE created_at >= :today",
        {"today": _db_time(store, today)},
    )
    result: dict[str, Any] = {
        "total": int(totals["total"] or 0),
        "open": int(totals["open"] or 0),
        "overdue": int(totals["overdue"] or 0),
        "today": len(day),
        "today_closed": int((day["status"] == "closed").sum()) if len(day) else 0,
        "today_by_source": day["source"].value_counts().to_dict() if len(day) else {},
        "median_queue_min": None,
        "median_response_min": None,
        "per_hour": [],
    }
    if len(day):
        import pandas as pd  # imported when first used, not at start-up

        for col in ("created_at", "dispatched_at", "arrived_at", "closed_at"):
            day[col] = pd.to_datetime(day[col], utc=True, errors="coerce", format="mixed")
        queue = (day["dispatched_at"] - day["created_at"]).dt.total_seconds().dropna() / 60
        response = (day["arrived_at"] - day["created_at"]).dt.total_seconds().dropna() / 60
        result["median_queue_min"] = round(float(queue.median()), 1) if len(queue) else None
        result["median_response_min"] = round(float(response.median()), 1) if len(response) else None
        hours = day["created_at"].dt.tz_convert(LOCAL_TZ).dt.hour.value_counts().sort_index()
        result["per_hour"] = [(int(h), int(n)) for h, n in hours.items()]
    result["cad_by_category"] = cad_by_category(store, today, now)
    return result


def cad_by_category(store: Store, since: datetime, until: datetime, top: int = 12) -> list[dict[str, Any]]:
    """CAD time figures (medians, minutes) per category for cases created in [since, until), busiest first."""
    from commandcenter.cases.report import cad_summary, cad_times

    summary = cad_summary(cad_times(store, since, until), by=("category",))
    if summary.empty:
        return []
    import pandas as pd  # imported when first used, not at start-up

    rows = []
    for rec in summary.sort_values("queue_s_n", ascending=False).head(top).to_dict("records"):
        def minutes(key: str, rec: dict[str, Any] = rec) -> float | None:
            value = rec.get(key)
            return None if value is None or pd.isna(value) else round(float(value) / 60.0, 1)

        rows.append({"category": rec["category"], "cases": int(rec.get("queue_s_n", 0) or 0),
                     "queue_min": minutes("queue_s_median"), "response_min": minutes("response_s_median"),
                     "on_scene_min": minutes("on_scene_s_median")})
    return rows


def _db_time(store: Store, value: datetime) -> Any:
    """Bind parameter for a timestamp compared in raw SQL (SQLite stores naive UTC text)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ") if store.is_sqlite else value


class BriefingModel(QObject):
    """Periodically recomputed KPI dict for the leadership screen (worker thread → ``updated`` signal)."""

    updated = Signal(dict)

    def __init__(self, store: Store, tasks: TaskManager, extra: Callable[[], dict[str, Any]] | None = None,
                 interval_ms: int = 5000, parent: QObject | None = None, *,
                 escalations: Callable[[], list[dict[str, Any]]] | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tasks = tasks
        self._extra = extra
        self._escalations = escalations  # the leaders' 督办 list, read on the worker thread
        self._busy = threading.Lock()
        self.latest: dict[str, Any] = {}
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(interval_ms)

    def refresh(self) -> None:
        """Start a recomputation on the task manager unless one is still running."""
        if not self._busy.acquire(blocking=False):
            return
        extra = self._extra() if self._extra else {}  # cheap in-memory figures, taken on the GUI thread
        try:
            self._tasks.run(lambda: self._compute(extra))
        except TasksStopped:  # shutting down: no more briefings
            self._timer.stop()
            self._busy.release()

    def _compute(self, extra: dict[str, Any]) -> None:
        try:
            data = {"cases": case_kpis(self._store), **extra, "at": datetime.now(UTC).isoformat(),
                    "escalations": self._escalations() if self._escalations else []}
            self.latest = data
            self.updated.emit(data)
        except Exception:
            log.exception("briefing KPIs failed")
        finally:
            self._busy.release()

