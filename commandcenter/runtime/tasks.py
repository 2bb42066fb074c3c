"""The one way to run work off the GUI thread: a read pool beside the store's writer, and one bridge back.

Why one manager: reads, image decodes, tile downloads, PDF rendering and drone commands each had a pool of
their own (about ten), none of them stopped at shutdown, and each widget had its own way back to the GUI
thread. Now every short job goes through :meth:`TaskManager.run`, which answers a ``Future``; work that
must stay ordered or bounded (one history query at a time, at most N tile downloads, one patrol file
write at a time) or that waits long (a drone flying to a case) runs in a :class:`Lane` of the manager. A
lane adds its limit to the manager's workers, so slow lane work never starves the screens' reads. Writes still go to the store's single writer
thread; long-running loops (the store writer, device adapters, stream supervisors) stay threads of their own.

:class:`GuiBridge` is the only way back: a QObject living on the GUI thread that delivers a future's result
or exception to a callback there through a queued signal. Callbacks of a bridge whose owner widget is gone
are dropped with it (the signal dies with the object).

A stopped manager refuses new work with :class:`TasksStopped` and has joined its worker threads.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

__all__ = ["GuiBridge", "Lane", "TaskManager", "TasksStopped"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_STOP = object()


class TasksStopped(RuntimeError):
    """Work submitted to a task manager after :meth:`TaskManager.stop` (names the manager and the job)."""


class TaskManager:
    """A small pool of worker threads for short blocking jobs (reads, decodes, downloads, commands).

    Workers start on first use, up to ``workers``; jobs run in submission order as workers free up.
    """

    def __init__(self, workers: int = 4, *, name: str = "tasks") -> None:
        if workers < 1:
            raise ValueError(f"task manager {name!r}: workers must be at least 1, not {workers}")
        self.name = name
        self.max_workers = workers
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._busy = 0  # workers running a job
        self._waiting = 0  # jobs queued, not yet taken by a worker (counted with _busy under one lock)
        self._lock = threading.Lock()
        self._stopped = False
        self._lanes: list[Lane] = []
        self.jobs_done = 0
        self.jobs_failed = 0

    # ------------------------------------------------------------------------------------------ work
    def run(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn()`` on a worker; the future holds its result or its exception."""
        future: Future[T] = Future()
        self._put(fn, future)
        return future

    def lane(self, name: str, limit: int = 1) -> Lane:
        """A lane of this manager running at most ``limit`` of its jobs at once, in submission order.

        The manager may start ``limit`` more workers for it: a lane's jobs never take the workers of others.
        """
        lane = Lane(self, name, limit)
        with self._lock:
            if self._stopped:
                raise TasksStopped(f"task manager {self.name!r} is stopped; refused lane {name!r}")
            self._lanes.append(lane)
            self.max_workers += limit
        return lane

    def _put(self, fn: Callable[[], Any], future: Future[Any]) -> None:
        with self._lock:
            if self._stopped:
                raise TasksStopped(f"task manager {self.name!r} is stopped; refused {_name(fn)}")
            self._queue.put((fn, future))
            self._waiting += 1
            if self._waiting > len(self._threads) - self._busy and len(self._threads) < self.max_workers:
                thread = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            fn, future = item
            with self._lock:
                self._waiting -= 1
                self._busy += 1
            if future.set_running_or_notify_cancel():
                try:
                    result = fn()
                except BaseException as exc:
                    self._count(failed=True)
                    future.set_exception(exc)
                else:
                    self._count(failed=False)
                    future.set_result(result)
            with self._lock:
                self._busy -= 1

    def _count(self, *, failed: bool) -> None:
        """Counted before the future is answered, so whoever waited on it sees the job in the report."""
        with self._lock:
            self.jobs_failed += failed
            self.jobs_done += not failed

    # ------------------------------------------------------------------------------------------ life
    @property
    def stopped(self) -> bool:
        return self._stopped

    def thread_count(self) -> int:
        with self._lock:
            return sum(1 for t in self._threads if t.is_alive())

    def stop(self, timeout: float = 10.0) -> None:
        """Refuse new work, cancel jobs not started yet, let running ones finish, join the workers."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            threads = list(self._threads)
            lanes = list(self._lanes)
        for lane in lanes:
            lane.cancel_pending()
        pending: list[Future[Any]] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                pending.append(item[1])
        for future in pending:
            future.cancel()
        for _ in threads:
            self._queue.put(_STOP)
        for thread in threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("task manager %s: worker %s still busy after %.0f s", self.name, thread.name, timeout)

    def report(self) -> dict[str, Any]:
        """The health section: threads, jobs done and failed."""
        return {"threads": self.thread_count(), "max_threads": self.max_workers, "done": self.jobs_done,
                "failed": self.jobs_failed, "stopped": self._stopped}


class Lane:
    """Jobs of one kind through the manager, at most ``limit`` at once, started in submission order.

    ``limit=1`` keeps jobs strictly ordered (one patrol-file write after the other); a larger limit bounds a
    burst (tile downloads) without a pool of its own.
    """

    def __init__(self, tasks: TaskManager, name: str, limit: int = 1) -> None:
        if limit < 1:
            raise ValueError(f"lane {name!r}: limit must be at least 1, not {limit}")
        self.tasks = tasks
        self.name = name
        self.limit = limit
        self._pending: deque[tuple[Callable[[], Any], Future[Any]]] = deque()
        self._running = 0
        self._lock = threading.Lock()

    def run(self, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        if self.tasks.stopped:
            raise TasksStopped(f"task manager {self.tasks.name!r} is stopped; lane {self.name!r} refused {_name(fn)}")
        with self._lock:
            if self._running >= self.limit:
                self._pending.append((fn, future))
                return future
            self._running += 1
        self._start(fn, future)
        return future

    def cancel_pending(self) -> int:
        """Cancel the jobs not started yet (a newer request supersedes them); returns how many."""
        with self._lock:
            dropped, self._pending = list(self._pending), deque()
        for _, future in dropped:
            future.cancel()
        return len(dropped)

    def _start(self, fn: Callable[[], Any], future: Future[Any]) -> None:
        def job() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:
                    future.set_exception(exc)
            self._next()

        try:
            self.tasks.run(job)
        except TasksStopped as exc:
            with self._lock:
                self._running -= 1
            if future.set_running_or_notify_cancel():
                future.set_exception(exc)

    def _next(self) -> None:
        with self._lock:
            if not self._pending:
                self._running -= 1
                return
            fn, future = self._pending.popleft()
        self._start(fn, future)


class GuiBridge(QObject):
    """The one way back to the GUI thread: a future's outcome delivered to a callback there, queued.

    Create it on the GUI thread (usually parented to the widget that wants the results). Callbacks run on
    the thread the bridge lives on, after the current event finishes — never on a worker, never re-entrantly.
    """

    _deliver = Signal(object)

    def __init__(self, tasks: TaskManager | None, parent: QObject | None = None) -> None:
        """``tasks`` None: a bridge that only follows futures the core returned (:meth:`watch`)."""
        super().__init__(parent)
        self.tasks = tasks
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None],
            on_error: Callable[[BaseException], None] | None = None) -> Future[T]:
        """Run ``fn`` on the task manager; ``on_done(result)`` or ``on_error(exc)`` on this bridge's thread."""
        if self.tasks is None:
            raise TasksStopped(f"GuiBridge {self.objectName() or id(self)} has no task manager: it only watches "
                               f"futures; refused {_name(fn)}")
        future = self.tasks.run(fn)
        self.watch(future, on_done, on_error)
        return future

    def watch(self, future: Future[T], on_done: Callable[[T], None],
              on_error: Callable[[BaseException], None] | None = None) -> None:
        """Follow a future the core already returned (a store write, a lane job) back to this thread."""
        def finished(f: Future[T]) -> None:
            if f.cancelled():
                return
            exc = f.exception()
            try:
                if exc is not None:
                    self._deliver.emit((on_error or _log_error, exc))
                else:
                    self._deliver.emit((on_done, f.result()))
            except RuntimeError:  # the bridge's C++ object is gone with its widget: nobody to tell
                pass

        future.add_done_callback(finished)

    @staticmethod
    def _on_deliver(pair: tuple[Callable[[Any], None], Any]) -> None:
        callback, value = pair
        try:
            callback(value)
        except Exception:
            log.exception("GUI callback %s failed", _name(callback))


def _log_error(exc: BaseException) -> None:
    if not isinstance(exc, CancelledError):
        log.warning("background job failed: %s", exc)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
