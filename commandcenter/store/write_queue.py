"""The writer's queue: case work first, but positions never wait long.

Two lanes. Jobs (case work, audit records, pairing a phone…) are taken in order, ahead of queued position
fixes, so a case a dispatcher just acknowledged never waits behind a flood of positions. A strict priority
starved the fixes, though: while jobs kept coming — the demo's 2,000 phones pairing, each a transaction of its
own — no fix was written for tens of seconds, and since devices are answered only once their fix is committed,
the phones' OsmAnd requests timed out and the JT/T 808 terminals stalled (the map showed 35 of 2,000 units).
So the oldest queued fix batch may wait at most ``max_fix_wait_s``: then the fix lane goes next, one coalesced
transaction for every batch queued (up to the store's 5,000 rows), and the jobs resume; when both lanes are
backed up they alternate.

The writer stops (``get`` returns None) once it was told to and both lanes are empty.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

MAX_FIX_WAIT_S = 0.2  # an acknowledgement's extra latency under steady case work; one fsync per 200 ms at most


class FixBatch:
    """Position rows one ingest batch hands to the writer (``Store.add_fixes``); the writer folds many into one."""

    __slots__ = ("rows",)

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = list(rows)


Item = tuple[Any, "Future[Any]"]  # (a job ``job(session)`` or a FixBatch, the future its caller holds)


class WriteQueue:
    """Thread-safe; ``put_job``/``put_fixes`` from any thread, ``get``/``take_fixes`` from the writer only."""

    def __init__(self, max_fix_wait_s: float = MAX_FIX_WAIT_S) -> None:
        self.max_fix_wait_s = max_fix_wait_s
        self._jobs: deque[Item] = deque()
        self._fixes: deque[tuple[float, Item]] = deque()  # (queued at, item)
        self._stopping = False
        self._fixed_last = False  # after an overdue fix transaction a waiting job goes first: they alternate
        self._ready = threading.Condition(threading.Lock())

    def put_job(self, item: Item) -> None:
        with self._ready:
            self._jobs.append(item)
            self._ready.notify()

    def put_fixes(self, item: Item) -> None:
        """A fix batch, or a marker job that must run after the fix batches queued before it (``flush``)."""
        with self._ready:
            self._fixes.append((time.monotonic(), item))
            self._ready.notify()

    def stop(self) -> None:
        """``get`` returns None once everything queued so far (and meanwhile) is taken."""
        with self._ready:
            self._stopping = True
            self._ready.notify()

    def get(self) -> Item | None:
        """The next item: a job, unless no job is queued or the oldest fix item has waited ``max_fix_wait_s``
        (then one fix transaction, and a job again: under both floods a job waits for at most one fix
        transaction, and fixes for one job)."""
        with self._ready:
            while not self._jobs and not self._fixes:
                if self._stopping:
                    return None
                self._ready.wait()
            fixes_due = bool(self._fixes) and (
                not self._jobs
                or (not self._fixed_last and time.monotonic() - self._fixes[0][0] >= self.max_fix_wait_s))
            self._fixed_last = fixes_due
            return self._fixes.popleft()[1] if fixes_due else self._jobs.popleft()

    def take_fixes(self, max_rows: int) -> list[tuple[FixBatch, Future[Any]]]:
        """The fix batches at the head of the fix lane, up to about ``max_rows`` rows in all; stops at a marker
        job (``flush``) so that it keeps its place behind the batches queued before it."""
        taken: list[tuple[FixBatch, Future[Any]]] = []
        rows = 0
        with self._ready:
            while self._fixes and rows < max_rows:
                job, future = self._fixes[0][1]
                if not isinstance(job, FixBatch):
                    break
                self._fixes.popleft()
                taken.append((job, future))
                rows += len(job.rows)
        return taken
