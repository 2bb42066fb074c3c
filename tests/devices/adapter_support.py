"""The one adapter test harness: an adapter run by the real DeviceManager, as the application runs it.

The manager (commandcenter.runtime.devices) starts ``serve`` on its worker thread, batches what the adapter emits
every 50 ms and records link failures (state ``error``, reconnect with backoff). The harness collects the batches
straight from the manager's ``events`` signal (a direct connection: no Qt event loop is needed, the batcher thread
appends), so a test sees exactly what the core would receive, in order, and ``of`` first flushes the batch in
flight so a test never reads a half-delivered picture ("no fix arrived" is then a fact, not a race).

    running = RunningAdapter(Jt808Server("jt-test", port=0), listener=True)
    fix = wait_until(lambda: running.of(PositionFix))[0]
    running.finish()     # stops the link and the manager; the link must not have failed
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt

from commandcenter.runtime.devices import DeviceHandle, DeviceManager
from devices.base import Adapter

T = TypeVar("T")
_A = TypeVar("_A", bound=Adapter)


def wait_until(pred: Callable[[], T], timeout: float = 5.0) -> T:
    """Poll ``pred`` until it returns something truthy (returned) or the deadline passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not reached before the deadline")


class _Flush:
    """A marker put through the manager's buffer: when it comes out, everything before it has been delivered."""

    def __init__(self) -> None:
        self.seen = threading.Event()


class RunningAdapter(Generic[_A]):
    """An adapter added to its own DeviceManager, collecting every event the manager delivers."""

    def __init__(self, adapter: _A, *, listener: bool = False, start: bool = True) -> None:
        self.server: _A = adapter
        self.listener = listener
        self.manager = DeviceManager()
        self.events: list[Any] = []
        self._lock = threading.Lock()
        self.manager.events.connect(self._collect, Qt.ConnectionType.DirectConnection)
        self.handle: DeviceHandle | None = None
        if start:
            self.start()

    def start(self) -> None:
        """Hand the adapter to the manager, which starts ``serve`` on the device's worker thread."""
        assert self.handle is None, "already started"
        self.handle = self.manager.add(self.server, listener=self.listener)

    def _started(self) -> DeviceHandle:
        assert self.handle is not None, "the adapter was not started"
        return self.handle

    @property
    def thread(self) -> threading.Thread:
        thread = self._started().thread
        assert thread is not None
        return thread

    @property
    def stop(self) -> threading.Event:
        return self._started().stop

    @property
    def errors(self) -> list[str]:
        """The link failure the manager recorded ("" when ``serve`` never raised), as a list to assert on."""
        error = self._started().last_error
        return [error] if error else []

    @property
    def state(self) -> str:
        return self._started().current_state()

    def _collect(self, batch: list[Any]) -> None:
        with self._lock:
            for event in batch:
                if isinstance(event, _Flush):
                    event.seen.set()
                else:
                    self.events.append(event)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every event the adapter has emitted so far has come through the manager's batching."""
        marker = _Flush()
        self.manager.sink(marker)
        assert marker.seen.wait(timeout), "the device manager delivered no batch before the deadline"

    def of(self, kind: type[T]) -> list[T]:
        """Every delivered event of ``kind``, in order, after flushing the batch in flight."""
        self.flush()
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]

    def stop_link(self) -> None:
        """Stop the adapter (the manager keeps delivering what it emitted); it must end promptly, without error."""
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive(), f"{self.server.id} did not stop within 5 s"
        assert not self.errors, self.errors

    def close(self) -> None:
        """Stop the link and the manager, whatever state the link is in."""
        self.manager.stop()

    def finish(self) -> None:
        """Stop everything; the link must end promptly and must never have failed."""
        self.close()
        assert not self.thread.is_alive(), f"{self.server.id} did not stop within 5 s"
        assert not self.errors, self.errors
