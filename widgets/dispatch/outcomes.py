"""The outcome of a dispatcher's action, carried from the writer thread back to the GUI thread."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Signal

from commandcenter.runtime.tasks import GuiBridge


class ActionTracker(QObject):
    """``done(label, outcome)`` on the GUI thread when a tracked future finishes (outcome: result or exception).

    It goes through the application's one bridge back to the GUI thread (the feed's), which delivers nothing
    once its owner is gone."""

    done = Signal(str, object)

    def __init__(self, bridge: GuiBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge

    def track(self, label: str, future: Future[Any]) -> None:
        self._bridge.watch(future, lambda value: self.done.emit(label, value),
                           lambda exc: self.done.emit(label, exc))
