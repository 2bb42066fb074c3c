"""How many HTTP request handlers run Python at once, process-wide; a handler waiting for the store gives its slot up.

Why: the listeners' workers (16 per listener) exist to overlap *waits* — a fix is acknowledged only after the
store committed it, so a handler spends most of its life blocked on a commit. Running Python they do not overlap
at all (the interpreter lock lets one thread run at a time), but every runnable thread queues for that lock, and
the GUI thread (in ``commandcenter demo``, where the listeners share the process with the screens) re-acquires
the lock around nearly every Qt call it makes: each re-acquisition waits behind the queue. Measured in the
populated demo at 2,000 units: with the field API's 16 workers free to run, a map repaint of 7 ms of CPU took
185 ms of wall time (p99) and the GUI stall p99 was 170 ms; with 4 workers 63 ms and 37 ms — at the same
throughput, since the work was serialised by the interpreter lock anyway.

So workers keep overlapping their waits, but only ``limit`` of them run handler code at a time:

    with HANDLER_SLOTS.running():      # a worker answering one request (BoundedHTTPServer)
        ...parse, validate...
        with waiting_outside():        # blocked on the store: another worker runs meanwhile
            waiter.wait(timeout)
        ...answer...

The slot is the thread's own (a thread-local flag): :func:`waiting_outside` on a thread that holds none (a test,
the CLI, a task worker) does nothing. Waiters queue in arrival order (``threading.Condition`` wakes the oldest).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

__all__ = ["DEFAULT_RUNNING_HANDLERS", "HANDLER_SLOTS", "HandlerSlots", "waiting_outside"]

DEFAULT_RUNNING_HANDLERS = 4
"""Config ``[listeners] http_running_handlers``: two per core on the 2-core machines of a command hall."""


class HandlerSlots:
    """A counting gate whose limit can change at start-up (config), with per-thread ownership."""

    def __init__(self, limit: int = DEFAULT_RUNNING_HANDLERS) -> None:
        self._check(limit)
        self._limit = limit
        self._running = 0
        self._cond = threading.Condition(threading.Lock())
        self._held = threading.local()
        self.waited = 0
        """Times a handler found every slot taken and queued (the health report's ``http_handlers.queued``)."""
        self.waited_s = 0.0
        """Seconds handlers spent queued for a slot, all together (``http_handlers.queued_s``)."""

    @staticmethod
    def _check(limit: int) -> None:
        if limit < 1:
            raise ValueError(f"HTTP handlers running at once must be at least 1, not {limit}")

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def running_now(self) -> int:
        with self._cond:
            return self._running

    def set_limit(self, limit: int) -> None:
        """Change the limit (at start, from config); handlers already running finish in their slots."""
        self._check(limit)
        with self._cond:
            self._limit = limit
            self._cond.notify_all()

    def report(self) -> dict[str, float | int]:
        """The health report's ``http_handlers`` section: a ``queued_s`` that grows steadily means the limit
        (``[listeners] http_running_handlers``) is too low for the load, or a handler waits in its slot."""
        with self._cond:
            return {"limit": self._limit, "running": self._running, "queued": self.waited,
                    "queued_s": round(self.waited_s, 3)}

    def holds(self) -> bool:
        """Does the calling thread hold a slot?"""
        return bool(getattr(self._held, "slot", False))

    def _acquire(self) -> None:
        with self._cond:
            if self._running >= self._limit:
                self.waited += 1
                queued_at = time.monotonic()
                while self._running >= self._limit:
                    self._cond.wait()
                self.waited_s += time.monotonic() - queued_at
            self._running += 1
        self._held.slot = True

    def _release(self) -> None:
        self._held.slot = False
        with self._cond:
            self._running -= 1
            self._cond.notify()

    @contextmanager
    def running(self) -> Iterator[None]:
        """Run the block in a slot (nested use on a thread that already holds one is a no-op)."""
        if self.holds():
            yield
            return
        self._acquire()
        try:
            yield
        finally:
            self._release()

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Give the calling thread's slot up for the block (a blocking wait), take one again after it."""
        if not self.holds():
            yield
            return
        self._release()
        try:
            yield
        finally:
            self._acquire()


HANDLER_SLOTS = HandlerSlots()
"""The process's gate: the interpreter lock it spares is process-wide too."""


def waiting_outside() -> AbstractContextManager[None]:
    """``with waiting_outside():`` around a blocking wait in code a handler runs (see the module docstring)."""
    return HANDLER_SLOTS.waiting()
