"""Run blocking core calls off the GUI thread and deliver their outcome on it.

The core's blocking calls (``store.write`` inside services, Argon2 verification, PDF rendering) must never
run on the GUI thread. ``Background.run`` puts them on a small thread pool; ``Background.watch`` follows a
Future the core already returned. Either way the callbacks run on the GUI thread, through a queued signal.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal


class Background(QObject):
    """Owned by a widget; callbacks are dropped if the widget is gone (the signal dies with it), and the
    widget's worker threads end with it (a pool outliving every view would keep the process from exiting)."""

    _done = Signal(object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._pool = pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="enforcement-ui")
        self.destroyed.connect(lambda *_: pool.shutdown(wait=False))  # no reference to self: it is gone then
        self._done.connect(self._deliver)

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> Future[Any]:
        future = self._pool.submit(fn)
        self.watch(future, on_done, on_error)
        return future

    def watch(self, future: Future[Any], on_done: Callable[[Any], None],
              on_error: Callable[[BaseException], None]) -> None:
        def finished(f: Future[Any]) -> None:
            exc = f.exception()
            self._done.emit((on_error, exc) if exc is not None else (on_done, f.result()))

        future.add_done_callback(finished)

    @staticmethod
    def _deliver(pair: tuple[Callable[[Any], None], Any]) -> None:
        callback, value = pair
        callback(value)
