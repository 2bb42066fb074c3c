"""DispatchFeed: the dispatch screen's data, refreshed off the GUI thread and handed over by queued signals.

The GUI thread does no I/O. The feed owns one worker thread; a QTimer (at most 2 Hz) asks it for a fresh
:class:`DispatchSnapshot` (open queue with SLA state, the unit board, the leaders' escalation list), and the
screen asks it for a case's details or its top-3 recommendation. Results are emitted as signals from the
worker; Qt queues them to the receivers in the GUI thread. A refresh still running when the timer fires again
is not stacked: the tick is skipped, so a slow database makes the screen update less often, never freeze.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.cases.model import CaseView, Sla
from commandcenter.cases.service import CaseService, UnitRow

__all__ = ["CaseDetail", "DispatchFeed", "DispatchSnapshot", "QueueRow"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the case queue, everything precomputed so the table model only formats."""

    code: str
    category: str
    source: str
    source_label: str
    grid: str
    status: str
    status_label: str
    urgency: int
    assigned: str
    deadline: datetime | None
    remaining_hours: float | None
    level: str  # none | ok | warning | overdue | paused
    created: datetime
    lat: float | None
    lon: float | None
    duplicates: int


@dataclass(frozen=True, slots=True)
class DispatchSnapshot:
    at: datetime
    queue: list[QueueRow]
    units: list[UnitRow]
    escalated: list[QueueRow]
    new_urgent: list[str] = field(default_factory=list)  # codes of urgent cases not seen before
    newly_escalated: list[tuple[str, str]] = field(default_factory=list)  # (code, "warning"|"overdue")


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: CaseView
    sla: Sla
    events: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


def _row(case: CaseView, sla: Sla) -> QueueRow:
    return QueueRow(case.code, case.category_label, case.source, case.source_label, case.grid_code, case.status,
                    case.status_label, case.urgency, case.assigned_officer or "", case.deadline_at,
                    sla.remaining_hours, sla.level, case.created_at, case.lat, case.lon, len(case.possible_duplicates))


class DispatchFeed(QObject):
    """Periodic, non-blocking reads of the case service for the dispatch screen."""

    snapshot = Signal(object)  # DispatchSnapshot
    detail = Signal(object)  # CaseDetail
    recommendations = Signal(str, object)  # case code, list[Recommendation]
    failed = Signal(str)  # a read failed: the message, for the status line
    done = Signal(str, object)  # label, result of run_in_background

    def __init__(self, service: CaseService, interval_ms: int = 1000, parent: QObject | None = None, *,
                 sweep_every_s: float = 30.0) -> None:
        super().__init__(parent)
        self.sweep_every_s = sweep_every_s
        self._last_sweep = float("-inf")
        self.service = service
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-feed")
        self._busy = threading.Event()
        self._seen: set[str] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(max(500, interval_ms))  # ≤ 2 Hz
        self._timer.timeout.connect(self.refresh)
        self.refreshes = 0

    def start(self) -> None:
        self.refresh()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------------------------------ requests
    def refresh(self) -> None:
        """Queue a snapshot refresh unless one is still running."""
        if self._busy.is_set():
            return
        self._busy.set()
        self._submit(self._build_snapshot, self.snapshot.emit, always=self._busy.clear)

    def request_detail(self, code: str) -> None:
        self._submit(lambda: self._build_detail(code), self.detail.emit)

    def request_recommendations(self, code: str, k: int = 3) -> None:
        self._submit(lambda: self.service.recommend(code, k), lambda recs: self.recommendations.emit(code, recs))

    def run_in_background(self, label: str, fn: Callable[[], Any]) -> None:
        """Run a blocking call (a hotline import) on the feed's worker; ``done(label, result or exception)``."""
        def wrapped() -> Any:
            try:
                return fn()
            except Exception as exc:
                return exc
        self._submit(wrapped, lambda result: self.done.emit(label, result))

    def _submit(self, fn: Callable[[], Any], emit: Callable[[Any], None], always: Callable[[], None] | None = None) -> None:
        def task() -> None:
            try:
                emit(fn())
            except Exception as exc:
                log.warning("dispatch feed read failed: %s", exc)
                self.failed.emit(str(exc))
            finally:
                if always is not None:
                    always()
        try:
            self._pool.submit(task)
        except RuntimeError:  # shut down
            if always is not None:
                always()

    # ------------------------------------------------------------------------------------------ worker side
    def _build_snapshot(self) -> DispatchSnapshot:
        service = self.service
        now = service.clock()
        escalated_now: list[tuple[str, str]] = []
        if time.monotonic() - self._last_sweep >= self.sweep_every_s:
            self._last_sweep = time.monotonic()
            escalated_now = service.sweep_escalations(now).result(30)
        rows = []
        for case in service.queue(limit=500):
            rows.append(_row(case, service.sla(case, now)))
        order = {"overdue": 0, "warning": 1, "ok": 2, "paused": 3, "none": 4}
        rows.sort(key=lambda r: (order.get(r.level, 5), r.urgency, r.remaining_hours if r.remaining_hours is not None
                                 else float("inf"), r.code))
        escalated = [r for r in rows if r.level in ("overdue", "warning")]
        codes = {r.code for r in rows}
        new_urgent: list[str] = []
        if self._seen is not None:
            new_urgent = [r.code for r in rows if r.code not in self._seen and r.urgency == 1 and r.status != "closed"]
        self._seen = codes if self._seen is None else (self._seen | codes)
        units = service.unit_board(now)
        self.refreshes += 1
        return DispatchSnapshot(now, rows, units, escalated, new_urgent, escalated_now)

    def _build_detail(self, code: str) -> CaseDetail:
        case = self.service.get(code)
        return CaseDetail(case, self.service.sla(case), self.service.events(code), self.service.evidence(code))

