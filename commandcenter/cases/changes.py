"""What a case operation changed, and the announcement of it after the commit.

Anki's lesson: an operation that reports what it changed lets every view refresh exactly what is stale, and
only then. Every writer job of the cases package records the cases and units it touched; once the store's
writer has COMMITTED the transaction, :class:`ChangeAnnouncer` emits one :class:`CaseChanges`. Nothing is
announced for a job that failed or was rolled back. The signal is emitted on the writer thread; receivers
living on the GUI thread get it queued (Qt's automatic connection), so a slot never runs on the writer.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session

__all__ = ["CaseChanges", "ChangeAnnouncer", "ChangeCollector", "Operation", "collector_of"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CaseChanges:
    """The cases (database ids and codes) and units (officer/vehicle ids) one committed operation changed."""

    operation: str
    case_ids: frozenset[int] = frozenset()
    codes: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.case_ids or self.codes or self.units)


@dataclass(slots=True)
class ChangeCollector:
    """Filled inside a writer job (kept in ``session.info``), turned into a CaseChanges after the commit."""

    operation: str
    case_ids: set[int] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)

    def case(self, case_id: int, code: str) -> None:
        self.case_ids.add(int(case_id))
        self.codes.add(code)

    def frozen(self) -> CaseChanges:
        return CaseChanges(self.operation, frozenset(self.case_ids), frozenset(self.codes), frozenset(self.units))


def collector_of(session: Session) -> ChangeCollector:
    """The collector of the running writer job (one is made for jobs not started through the cases package)."""
    found = session.info.get("case_changes")
    if not isinstance(found, ChangeCollector):
        found = ChangeCollector("write")
        session.info["case_changes"] = found
    return found


class Operation(Future[T]):
    """The future of a case command; once it is done, ``changes`` says what the command changed.

    ``changes`` is set before the result, so ``op.result()`` followed by ``op.changes`` always sees it
    (an empty CaseChanges when the command failed and nothing was committed).
    """

    def __init__(self, operation: str) -> None:
        super().__init__()
        self.changes = CaseChanges(operation)


class ChangeAnnouncer(QObject):
    """``changed(CaseChanges)``, emitted once per committed operation that changed something."""

    changed = Signal(object)

    def announce(self, changes: CaseChanges) -> None:
        if changes:
            self.changed.emit(changes)
