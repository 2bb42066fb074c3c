"""DispatchFeed: the dispatch screen's data, read when something changed and handed over on the GUI thread.

The GUI thread does no I/O. The feed reads on the task manager and delivers through its one GUI bridge.
It re-reads the :class:`DispatchSnapshot` (open queue with SLA state, the unit board, the leaders' escalation
list) when the case service announces a committed change, coalesced to at most 20 refreshes a second — not by
polling the database. A slow safety refresh (``safety_ms``, 30 s by default) keeps the countdowns, the fix
ages of the unit board and the writes of other processes (the CLI, another console) from going stale. A
refresh still running when another is asked for is not stacked: one more follows it, so a slow database makes
the screen update less often, never freeze. A refresh caused by announced changes re-reads only the cases and
units they name (:mod:`~commandcenter.cases.feed_cache`); :meth:`DispatchFeed.refresh` and the safety refresh
read everything again. SLA escalation is not the feed's job: it runs in the core
(:class:`~commandcenter.cases.escalation.EscalationService`); the feed only passes its news on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.escalation import EscalationService
from commandcenter.cases.feed_cache import FeedCache, SlaCache
from commandcenter.cases.model import CaseView, Sla
from commandcenter.cases.service import CaseService, UnitRow
from commandcenter.cases.shifts import TeamDuty, duty_board
from commandcenter.runtime.tasks import GuiBridge, TaskManager, TasksStopped

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
    assigned: str  # the officer as a person reads it: 彭海雪 (B0069)
    deadline: datetime | None
    remaining_hours: float | None
    level: str  # none | ok | warning | overdue | paused
    created: datetime
    lat: float | None
    lon: float | None
    duplicates: int
    assigned_id: str = ""
    field_state: str = ""  # the officer's phone (城管通): accepted | arrived | reported | refused ("" = none yet)
    field_note: str = ""  # a refusal's reason
    address: str = ""  # where, as reported (a 12345 ticket may have only this)
    description: str = ""  # what was reported (the queue's search box looks here too)
    assignee_kind: str = ""  # officer | worker | vehicle ("" = nobody): the queue shows an icon per kind


@dataclass(frozen=True, slots=True)
class DispatchSnapshot:
    at: datetime
    queue: list[QueueRow]
    units: list[UnitRow]
    escalated: list[QueueRow]
    new_urgent: list[str] = field(default_factory=list)  # codes of urgent cases not seen before
    newly_escalated: list[tuple[str, str]] = field(default_factory=list)  # (code, "warning"|"overdue")
    duty: list[TeamDuty] = field(default_factory=list)  # per team: who is on shift and on duty now (在班)


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: CaseView
    sla: Sla
    events: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


# The phone's state that belongs to each case status: a state recorded before a later change (a re-dispatch,
# a 返工) no longer describes the case and is not shown.
_FIELD_STATE_OF_STATUS = {"dispatched": "accepted", "handling": "arrived", "handled": "reported",
                          "verifying": "reported"}


def field_state_of(case: CaseView) -> tuple[str, str]:
    """What the officer's phone did with the case, as the desk shows it: (state, note).

    accepted (已接单) while dispatched, arrived (到场) while handling, reported (已反馈) once handled, and refused
    (退单, with the officer's reason) while the case is back in the queue (returned).
    """
    refused = case.extra.get("field_refused")
    if case.status == "returned" and isinstance(refused, dict):
        return "refused", f"{refused.get('officer', '')}: {refused.get('reason', '')}"
    state = case.extra.get("field")
    if isinstance(state, dict) and state.get("officer") == case.assigned_officer \
            and _FIELD_STATE_OF_STATUS.get(case.status) == state.get("state"):
        return str(state["state"]), ""
    return "", ""


def _row(case: CaseView, sla: Sla) -> QueueRow:
    field_state, field_note = field_state_of(case)
    return QueueRow(case.code, case.category_label, case.source, case.source_label, case.grid_code, case.status,
                    case.status_label, case.urgency, case.officer_display, case.deadline_at,
                    sla.remaining_hours, sla.level, case.created_at, case.lat, case.lon, len(case.possible_duplicates),
                    case.assigned_officer or "", field_state, field_note, case.address, case.description,
                    case.assignee_kind)


class DispatchFeed(QObject):
    """Non-blocking reads of the case service for the dispatch screen, refreshed on change."""

    snapshot = Signal(object)  # DispatchSnapshot
    detail = Signal(object)  # CaseDetail
    recommendations = Signal(str, object)  # case code, list[Recommendation]
    failed = Signal(str)  # a read failed: the message, for the status line
    done = Signal(str, object)  # label, result of run_in_background
    changed = Signal(object)  # CaseChanges the feed refreshed for (the open case's detail may be stale)

    MIN_INTERVAL_MS = 50  # ≤ 20 Hz however often changes are announced

    def __init__(self, service: CaseService, tasks: TaskManager, parent: QObject | None = None, *,
                 escalation: EscalationService | None = None, safety_ms: int = 30_000) -> None:
        super().__init__(parent)
        self.service = service
        self.tasks = tasks
        self.bridge = GuiBridge(tasks, self)
        self._busy = False
        self._again = False
        self._seen: set[str] | None = None
        self._escalated: list[tuple[str, str]] = []
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(self.MIN_INTERVAL_MS)
        self._coalesce.timeout.connect(self._refresh_changed)
        self._safety = QTimer(self)
        self._safety.setInterval(max(1000, safety_ms))
        self._safety.timeout.connect(self.refresh)
        # Changes announced since the last refresh began, and whether the next one must read everything again
        # (explicit and safety refreshes: how other processes' writes reach the screen). See FeedCache.
        self._cache = FeedCache(service.core)
        self._sla = SlaCache(service.core)
        self._pending: list[CaseChanges] = []
        self._full = True
        self._running = False
        service.announcer.changed.connect(self._on_changed)
        if escalation is not None:
            escalation.escalated.connect(self._on_escalated)
        self.refreshes = 0

    def start(self) -> None:
        self._running = True
        self.refresh()
        self._safety.start()

    def stop(self) -> None:
        self._running = False
        self._safety.stop()
        self._coalesce.stop()

    # ------------------------------------------------------------------------------------------ requests
    def _on_changed(self, changes: CaseChanges) -> None:
        """A committed change: refresh soon (changes arriving together make one refresh)."""
        if not self._running:
            return
        self.changed.emit(changes)
        self._pending.append(changes)
        if not self._coalesce.isActive():
            self._coalesce.start()

    def _on_escalated(self, newly: list[tuple[str, str]]) -> None:
        self._escalated.extend(newly)  # shown with the next snapshot (the sweep's commit asks for one)

    def refresh(self) -> None:
        """Queue a full snapshot refresh (everything read again); while one is running, one more follows it."""
        self._full = True
        self._refresh_changed()

    def _refresh_changed(self) -> None:
        """Queue a refresh that re-reads what the announced changes touched (or everything, if one is due)."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        escalated, self._escalated = self._escalated, []
        changes, self._pending = (None if self._full else self._pending), []
        self._full = False
        self._submit(lambda: self._build_snapshot(escalated, changes), self.snapshot.emit, always=self._refreshed)

    def _refreshed(self) -> None:
        self._busy = False
        if self._again and self._running:
            self._again = False
            self._coalesce.start()

    def request_detail(self, code: str) -> None:
        self._submit(lambda: self._build_detail(code), self.detail.emit)

    def request_recommendations(self, code: str, k: int = 3) -> None:
        self._submit(lambda: self.service.recommend(code, k), lambda recs: self.recommendations.emit(code, recs))

    def run_in_background(self, label: str, fn: Callable[[], Any]) -> None:
        """Run a blocking call (a hotline import) on the task manager; ``done(label, result or exception)``."""
        try:
            self.bridge.run(fn, lambda result: self.done.emit(label, result),
                             lambda exc: self.done.emit(label, exc))
        except TasksStopped as exc:
            self.done.emit(label, exc)

    def _submit(self, fn: Callable[[], Any], emit: Callable[[Any], None],
                always: Callable[[], None] | None = None) -> None:
        def ok(value: Any) -> None:
            if always is not None:
                always()
            emit(value)

        def error(exc: BaseException) -> None:
            if always is not None:
                always()
            log.warning("dispatch feed read failed: %s", exc)
            self.failed.emit(str(exc))

        try:
            self.bridge.run(fn, ok, error)
        except TasksStopped:  # shutting down
            if always is not None:
                always()

    # ------------------------------------------------------------------------------------------ worker side
    def _build_snapshot(self, newly_escalated: list[tuple[str, str]],
                        changes: list[CaseChanges] | None = None) -> DispatchSnapshot:
        """Read the snapshot on the worker; ``changes``: what was announced since the last one (None: read all)."""
        service = self.service
        if changes is None:
            self._cache.forget()
        else:
            self._cache.changed(changes)
        now = service.clock()
        cases = self._cache.queue(limit=500)
        rows = [_row(case, sla) for case, sla in zip(cases, self._sla.grade(cases, now), strict=True)]
        order = {"overdue": 0, "warning": 1, "ok": 2, "paused": 3, "none": 4}
        rows.sort(key=lambda r: (order.get(r.level, 5), r.urgency, r.remaining_hours if r.remaining_hours is not None
                                 else float("inf"), r.code))
        escalated = [r for r in rows if r.level in ("overdue", "warning")]
        codes = {r.code for r in rows}
        new_urgent: list[str] = []
        if self._seen is not None:
            new_urgent = [r.code for r in rows if r.code not in self._seen and r.urgency == 1 and r.status != "closed"]
        self._seen = codes if self._seen is None else (self._seen | codes)
        units = service.queries.unit_board_of(self._cache.unit_rows(), now)
        self.refreshes += 1
        duty = duty_board(units, service.recommender.shifts, now.astimezone(service.calendar.tz).time())
        return DispatchSnapshot(now, rows, units, escalated, new_urgent, newly_escalated, duty)

    def _build_detail(self, code: str) -> CaseDetail:
        case = self.service.get(code)
        return CaseDetail(case, self.service.sla(case), self.service.events(code), self.service.evidence(code))
