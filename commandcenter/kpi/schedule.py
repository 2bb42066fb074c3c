"""Scheduled weekly and monthly reports, written by the server (or the one-process application) to a folder.

Why files and existence checks rather than a cron-like clock: the server may be down at 07:00 on Monday; when
it comes back, the report that is due and missing is written then. Each report has a fixed name
(``kpi-week-2026-W47.xlsx``, ``kpi-month-2026-11.pdf``, ``assessment-2026-11.xlsx``) and is written atomically,
so "the file exists" means "the report was made" — across restarts, without a table of its own. Only the latest
due week and month are made; history is not back-filled (run ``report kpi`` for that).

The work runs on the task manager (never the GUI thread); a timer looks every ``interval_s`` seconds. Only
processes whose role serves (server, embedded) build the scheduler: seats never write reports.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

from commandcenter.config import KpiConfig
from commandcenter.kpi.figures import LOCAL_TZ, KpiReport, Period
from commandcenter.runtime.tasks import TaskManager, TasksStopped
from commandcenter.store import Store

__all__ = ["DueReport", "ReportScheduler", "due_reports", "write_due"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DueReport:
    kind: str  # "week" | "month"
    period: Period
    stem: str  # file name without the extension


def due_reports(now: datetime, settings: KpiConfig) -> list[DueReport]:
    """The latest week and month whose report is due at ``now`` (Monday / the 1st, after ``report_hour``)."""
    local = now.astimezone(LOCAL_TZ)
    today = local.date()
    due: list[DueReport] = []
    if settings.weekly_report:
        monday = today - timedelta(days=today.weekday())
        if local < datetime.combine(monday, time(settings.report_hour), LOCAL_TZ):
            monday -= timedelta(days=7)
        week = Period.week_of(monday - timedelta(days=7))
        year, number, _ = week.start.isocalendar()
        due.append(DueReport("week", week, f"kpi-week-{year}-W{number:02d}"))
    if settings.monthly_report:
        first = today.replace(day=1)
        if local < datetime.combine(first, time(settings.report_hour), LOCAL_TZ):
            first = (first - timedelta(days=1)).replace(day=1)
        before = (first - timedelta(days=1)).replace(day=1)
        month = Period.month(before.year, before.month)
        due.append(DueReport("month", month, f"kpi-month-{before.year}-{before.month:02d}"))
    return due


def write_due(store: Store, settings: KpiConfig, folder: Path, bureau: str, now: datetime | None = None) -> list[Path]:
    """Write every due report that is not in ``folder`` yet; the paths written (empty: nothing was due)."""
    from commandcenter.kpi.assessment import assess
    from commandcenter.kpi.export import write_assessment, write_kpi
    from commandcenter.kpi.figures import KpiContext, compute_breakdowns

    now = now or datetime.now(UTC)
    written: list[Path] = []
    context: KpiContext | None = None
    for report in due_reports(now, settings):
        missing = [f for f in settings.report_formats if not (folder / f"{report.stem}.{f}").exists()]
        assessment_missing = ([f for f in settings.report_formats
                               if not (folder / _assessment_name(report, f)).exists()]
                              if report.kind == "month" else [])
        if not missing and not assessment_missing:
            continue
        context = context or KpiContext.load(store.engine)
        if missing:
            reports = compute_breakdowns(store, report.period, [None, *settings.report_breakdowns],
                                         context=context, now=now)
            for fmt in missing:
                chosen: dict[str | None, KpiReport] = {None: reports[None]} if fmt == "json" else reports
                written.append(write_kpi(chosen, folder / f"{report.stem}.{fmt}", fmt, bureau=bureau,
                                         prepared_by="系统定时报表"))
        if assessment_missing:
            result = assess(store, report.period, settings, context=context, now=now)
            for fmt in assessment_missing:
                written.append(write_assessment(result, folder / _assessment_name(report, fmt), fmt, bureau=bureau,
                                                prepared_by="系统定时报表"))
    return written


def _assessment_name(report: DueReport, fmt: str) -> str:
    return f"assessment-{report.period.start.year}-{report.period.start.month:02d}.{fmt}"


class ReportScheduler(QObject):
    """Looks for due reports on a timer and writes them on the task manager; reports its state to health."""

    def __init__(self, store: Store, tasks: TaskManager, settings: KpiConfig, folder: Path, bureau: str, *,
                 interval_s: float = 600.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store, self._tasks, self._settings = store, tasks, settings
        self.folder = folder
        self._bureau = bureau
        self._busy = threading.Lock()
        self._last: dict[str, Any] = {"checked_at": None, "written": [], "error": ""}
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_s * 1000))
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()
        QTimer.singleShot(5000, self, self.check)  # after start-up's own reads: a report is never urgent

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> Future[list[Path]] | None:
        """Start writing what is due unless a previous run is still busy; the run's future (None: skipped)."""
        if not self._busy.acquire(blocking=False):
            return None
        try:
            future = self._tasks.run(self._run)
        except TasksStopped:
            self._busy.release()
            return None
        return future

    def _run(self) -> list[Path]:
        try:
            written = write_due(self._store, self._settings, self.folder, self._bureau)
            for path in written:
                log.info("scheduled report written: %s", path)
            self._last = {"checked_at": datetime.now(UTC).isoformat(), "written": [str(p) for p in written]
                          or self._last["written"], "error": ""}
            return written
        except Exception as exc:
            log.exception("scheduled reports failed")
            self._last = {**self._last, "checked_at": datetime.now(UTC).isoformat(),
                          "error": f"{type(exc).__name__}: {exc}"}
            raise
        finally:
            self._busy.release()

    def report(self) -> dict[str, Any]:
        """The health section ``reports``: where they go, what is scheduled, the last check and files."""
        return {"folder": str(self.folder), "weekly": self._settings.weekly_report,
                "monthly": self._settings.monthly_report, **self._last}
