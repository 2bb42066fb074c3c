"""SLA escalation (超时升级): cases about to be overdue or overdue are flagged once per level, on a timer of the core.

Why a service of its own: escalation used to be driven by the dispatch screen's refresh, so a console without
the dispatch screen open (the wall, the map, a headless server) never escalated anything. :class:`Escalation`
is the sweep (one writer job); :class:`EscalationService` runs it on its own QTimer, whether or not any screen
exists, and tells listeners what was newly escalated (the dispatch screen sounds its hint from that).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.changes import Operation, collector_of
from commandcenter.cases.core import CaseCore, to_view
from commandcenter.cases.model import sla_of
from commandcenter.cases.workflow import OPEN_STATUSES
from commandcenter.store.models import Case, CaseEvent

__all__ = ["Escalation", "EscalationService"]

log = logging.getLogger(__name__)


class Escalation:
    """The sweep: flag cases that became about-to-be-overdue or overdue since the last sweep."""

    def __init__(self, core: CaseCore) -> None:
        self.core = core

    def sweep(self, now: datetime | None = None, actor: str = "system") -> Operation[list[tuple[str, str]]]:
        """One writer job; its future holds the newly escalated (code, level) pairs.

        Each new level is recorded once: ``extra["escalation"]`` (what the leaders' list and the queue show)
        and an ``escalate`` case event (who was late, when — for the monthly assessment). Only cases due soon
        are examined (one (status, deadline) index range per open status), so a sweep stays cheap with
        millions of cases. The escalated cases are announced as changed after the commit.
        """
        core = self.core
        now = now or core.clock()
        longest = max((c.step_hours(step) for c in core.categories for step in ("register", "dispatch", "handle",
                                                                               "verify")), default=0.0)
        horizon = core.calendar.add_working_time(now, longest * core.warn_fraction)

        def job(session: Session) -> list[tuple[str, str]]:
            changed: list[tuple[str, str]] = []
            for status in sorted(OPEN_STATUSES - {"suspended"}):
                for row in session.scalars(select(Case).where(Case.status == status, Case.deadline_at <= horizon)):
                    level = sla_of(to_view(row), core.calendar, now, core.warn_fraction).level
                    extra = dict(row.extra or {})
                    if level not in ("warning", "overdue") or extra.get("escalation") in (level, "overdue"):
                        continue
                    extra["escalation"] = level
                    extra["escalated_at"] = now.isoformat()
                    row.extra = extra
                    session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action="escalate",
                                          from_status=row.status, to_status=row.status,
                                          note="已超时" if level == "overdue" else "即将超时",
                                          data={"level": level, "deadline": row.deadline_at.isoformat()
                                                if row.deadline_at else None}))
                    core.audit(session, actor, "case.escalate", row.code, {"level": level})
                    collector_of(session).case(row.id, row.code)
                    changed.append((row.code, level))
            return changed

        return core.submit("escalate", job)


class EscalationService(QObject):
    """Runs :meth:`Escalation.sweep` every ``interval_s`` on its own timer; ``escalated`` lists what is new.

    Lives on the thread that made it (the application's main thread). A sweep still running when the timer
    fires again is not stacked: that tick is skipped.
    """

    escalated = Signal(object)  # list[tuple[str, str]]: (case code, "warning" | "overdue"), newly escalated
    failed = Signal(str)

    def __init__(self, escalation: Escalation, *, interval_s: float = 30.0, actor: str = "system",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        if interval_s <= 0:
            raise ValueError(f"escalation interval must be positive, not {interval_s} s")
        self.escalation = escalation
        self.actor = actor
        self.sweeps = 0
        self._running: Future[list[tuple[str, str]]] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_s * 1000))
        self._timer.timeout.connect(self.sweep_now)

    def start(self) -> None:
        """Sweep at once, then on every tick."""
        self.sweep_now()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def sweep_now(self) -> None:
        if self._running is not None and not self._running.done():
            return
        future = self.escalation.sweep(actor=self.actor)
        self._running = future
        future.add_done_callback(self._finished)

    def _finished(self, future: Future[list[tuple[str, str]]]) -> None:
        """On the writer thread, after the commit: the signals reach listeners on their own threads."""
        self.sweeps += 1
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            log.warning("SLA escalation sweep failed: %s", exc)
            self.failed.emit(f"SLA escalation sweep failed: {exc}")
            return
        newly = future.result()
        if newly:
            self.escalated.emit(newly)
