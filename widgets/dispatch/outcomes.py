"""The outcome of a dispatcher's action, carried from the writer thread back to the GUI thread."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Signal


class ActionTracker(QObject):
    """``done(label, outcome)`` on the GUI thread when a tracked future finishes (outcome: result or exception)."""

    done = Signal(str, object)

    def track(self, label: str, future: Future[Any]) -> None:
        def finished(f: Future[Any]) -> None:
            try:
                self.done.emit(label, f.exception() or f.result())  # queued: emitted from the writer's thread
            except RuntimeError:  # the screen was closed meanwhile
                pass

        future.add_done_callback(finished)
