"""Leadership KPIs: the figures the briefing screen and printed reports show, computed with pandas off the GUI thread.

``BriefingModel`` refreshes on the task manager every few seconds and hands the GUI thread a plain dict, so a
slow query on a million cases never freezes the big screen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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


BOARD_FIGURES = ("today", "open", "overdue", "closed")


def board_cases(store: Store, figure: str, now: datetime | None = None, limit: int = 5000) -> list[str]:
    """The case codes behind a number of the today board (drill-down), newest first, selected with the very
    conditions :func:`case_kpis` counts with: ``today`` (reported since local midnight), ``open`` (not
    closed), ``overdue`` (open and past the deadline), ``closed`` (reported today and closed)."""
    if figure not in BOARD_FIGURES:
        raise ValueError(f"unknown board figure {figure!r}; expected one of {', '.join(BOARD_FIGURES)}")
    now = now or datetime.now(UTC)
    excluded = ", ".join(f"'{s}'" for s in OPEN_EXCLUDED)
    where = {
        "today": "created_at >= :today",
        "open": f"status NOT IN ({excluded})",
        "overdue": f"status NOT IN ({excluded}) AND deadline_at IS NOT NULL AND deadline_at < :now",
        "closed": "created_at >= :today AND status = 'closed'",
    }[figure]
    frame = store.frame(f"SELECT code FROM cases WHERE {where} ORDER BY created_at DESC LIMIT {int(limit)}",
                        {"today": _db_time(store, local_day_start(now)), "now": _db_time(store, now)})
    return [str(code) for code in frame["code"]]


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


RESPONSE_TARGET = timedelta(minutes=30)
HANDLING_TARGET = timedelta(hours=24)


def source_performance(store: Store, now: datetime | None = None, days: float = 7.0) -> list[dict[str, Any]]:
    """Per source (camera AI, sensors, citizens, 12345, patrol …): the share of cases an officer reached within
    30 minutes and the share handled within 24 hours, over cases created in the last ``days`` days.

    The times come from the recorded case events (the first ``arrive``, the first change to ``handled``), not
    from columns a later correction could rewrite. A case counts for a target only once it is old enough to
    have met it (one reported ten minutes ago has not failed the 30-minute target yet); a share is None when no
    case is old enough. Rows: ``{"source", "cases", "responded_30min", "responded_of", "handled_24h",
    "handled_of", "responded_share", "handled_share"}``, busiest source first.
    """
    import pandas as pd  # loaded when first used: start-up does not wait for it

    now = now or datetime.now(UTC)
    frame = store.frame(
        "SELECT c.id, c.source, c.created_at, "
        "MIN(CASE WHEN e.action = 'arrive' THEN e.time END) AS arrived, "
        "MIN(CASE WHEN e.to_status = 'handled' THEN e.time END) AS handled "
        "FROM cases c LEFT JOIN case_events e ON e.case_id = c.id AND (e.action = 'arrive' OR e.to_status = 'handled') "
        "WHERE c.created_at >= :since GROUP BY c.id, c.source, c.created_at",
        {"since": _db_time(store, now - timedelta(days=days))},
    )
    if frame.empty:
        return []
    for col in ("created_at", "arrived", "handled"):
        frame[col] = pd.to_datetime(frame[col], utc=True, errors="coerce", format="mixed")
    now_ts = pd.Timestamp(now)
    rows = []
    for source, group in frame.groupby("source"):
        due_response = group[group["created_at"] <= now_ts - RESPONSE_TARGET]
        due_handling = group[group["created_at"] <= now_ts - HANDLING_TARGET]
        responded = int(((due_response["arrived"] - due_response["created_at"]) <= RESPONSE_TARGET).sum())
        handled = int(((due_handling["handled"] - due_handling["created_at"]) <= HANDLING_TARGET).sum())
        rows.append({"source": str(source), "cases": len(group),
                     "responded_30min": responded, "responded_of": len(due_response),
                     "handled_24h": handled, "handled_of": len(due_handling),
                     "responded_share": round(responded / len(due_response), 3) if len(due_response) else None,
                     "handled_share": round(handled / len(due_handling), 3) if len(due_handling) else None})
    return sorted(rows, key=lambda r: (-r["cases"], r["source"]))


def _db_time(store: Store, value: datetime) -> Any:
    """Bind parameter for a timestamp compared in raw SQL (SQLite stores naive UTC text)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ") if store.is_sqlite else value


class BriefingModel(QObject):
    """Periodically recomputed KPI dict for the leadership screen (worker thread → ``updated`` signal).

    The periodic recomputation starts with the first :meth:`refresh` (the briefing screen asks when it is built):
    a seat that never opens the briefing (the wall PC, a dispatch desk, the pilot station) runs no KPI queries
    every few seconds, and does not load pandas for them, beside its own work."""

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
        self._performance: list[dict[str, Any]] = []
        self._performance_at: float | None = None
        self._interval_ms = interval_ms  # 0: only on demand (the headless server, which shows no briefing)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)

    @property
    def periodic(self) -> bool:
        """Whether the KPIs are recomputed every ``interval_ms`` (from the first request on)."""
        return self._timer.isActive()

    def stop(self) -> None:
        """No more periodic recomputation (shutting down); a later :meth:`refresh` starts it again."""
        self._timer.stop()

    def refresh(self) -> None:
        """Start a recomputation on the task manager unless one is still running; the first request also starts
        the periodic recomputation."""
        if self._interval_ms > 0 and not self._timer.isActive():
            self._timer.start(self._interval_ms)
        if not self._busy.acquire(blocking=False):
            return
        extra = self._extra() if self._extra else {}  # cheap in-memory figures, taken on the GUI thread
        try:
            self._tasks.run(lambda: self._compute(extra))
        except TasksStopped:  # shutting down: no more briefings
            self._timer.stop()
            self._busy.release()

    def _source_performance(self) -> list[dict[str, Any]]:
        """Per-source shares over seven days, recomputed once a minute (they move slowly; the scan is not free).
        An empty answer is not kept: the first cases of a new database show at the next refresh, not a minute on."""
        now = time.monotonic()
        if self._performance_at is None or not self._performance or now - self._performance_at >= 60.0:
            self._performance = source_performance(self._store)
            self._performance_at = now
        return self._performance

    def _compute(self, extra: dict[str, Any]) -> None:
        try:
            data = {"cases": case_kpis(self._store), **extra, "at": datetime.now(UTC).isoformat(),
                    "source_performance": self._source_performance(),
                    "escalations": self._escalations() if self._escalations else []}
            self.latest = data
            self.updated.emit(data)
        except Exception:
            log.exception("briefing KPIs failed")
        finally:
            self._busy.release()

