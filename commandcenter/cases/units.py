"""A dispatcher sets an officer's (or vehicle's) availability from the unit board: 空闲, 休息, 离线.

Why a service of its own: availability decides who the recommendation offers and what the map and the
board show, so a change must be permitted (``unit.status``), recorded in the audit hash chain in the same
transaction that changes the row (执法全过程记录), written through the store's single writer, and announced after the
commit (``status_changed``) to whoever mirrors unit state: the UnitTracker (map, board) and the case service's
dispatcher. 出警 and 处置中 are not set by hand: the case workflow sets them when it dispatches and on arrival.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session

from commandcenter.domain import OfficerStatus
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Officer, Vehicle

__all__ = ["SETTABLE_STATUSES", "UnitStatusChange", "UnitStatusError", "UnitStatusService"]

# What a dispatcher may set by hand, in the order the board's menu offers them.
SETTABLE_STATUSES: tuple[str, ...] = (OfficerStatus.IDLE.value, OfficerStatus.RESTING.value,
                                      OfficerStatus.OFFLINE.value)

Authorize = Callable[[str, str], None]
Audit = Callable[[Session, str, str, str, dict[str, Any]], Any]


class UnitStatusError(ValueError):
    """A status change that cannot be made (unknown unit, a status not set by hand), naming the unit."""


@dataclass(frozen=True, slots=True)
class UnitStatusChange:
    """What a status change did: the unit, its status before and after, who and when."""

    unit_id: str
    before: str
    after: str
    actor: str
    at: datetime


class UnitStatusService(QObject):
    """``set_status(unit_id, status, actor) -> Future[UnitStatusChange]``; ``status_changed(unit_id, status)``
    is emitted after the commit (queued to receivers on the GUI thread).

    ``authorize`` and ``audit`` are the enforcement hooks (``EnforcementServices.authorize``/``audit_hook``);
    without them (tools, tests of other parts) every change is allowed and nothing is audited.
    """

    status_changed = Signal(str, str)  # unit id, new status

    def __init__(self, store: Store, *, authorize: Authorize | None = None, audit: Audit | None = None,
                 clock: Callable[[], datetime] = utcnow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._authorize = authorize
        self._audit = audit
        self.clock = clock

    def set_status(self, unit_id: str, status: str, actor: str) -> Future[UnitStatusChange]:
        """Set a unit's availability. Raises at once: UnitStatusError for a status not set by hand,
        PermissionDenied (audited) without ``unit.status``; the future fails with UnitStatusError for an
        unknown unit, and changes nothing then."""
        if status not in SETTABLE_STATUSES:
            raise UnitStatusError(f"unit {unit_id}: status {status!r} is not set by hand "
                                  f"(a dispatcher sets one of {', '.join(SETTABLE_STATUSES)})")
        if self._authorize is not None:
            self._authorize(actor, "unit.status")

        def job(session: Session) -> UnitStatusChange:
            unit: Officer | Vehicle | None = session.get(Officer, unit_id) or session.get(Vehicle, unit_id)
            if unit is None:
                raise UnitStatusError(f"unit {unit_id}: not found among officers and vehicles")
            change = UnitStatusChange(unit_id, unit.status, status, actor, self.clock())
            unit.status, unit.status_since = status, change.at
            if self._audit is not None:
                self._audit(session, actor, "unit.status", unit_id, {"from": change.before, "to": status})
            return change

        future = self.store.submit(job)
        future.add_done_callback(self._announce)
        return future

    def _announce(self, future: Future[UnitStatusChange]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        change = future.result()
        self.status_changed.emit(change.unit_id, change.after)
