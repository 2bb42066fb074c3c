"""Shared by the adapter tests: wait for a condition with a deadline; run an adapter on its own thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def wait_until(pred: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``pred`` until it returns something truthy (returned) or the deadline passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not reached before the deadline")


class RunningAdapter:
    """An adapter's ``serve`` on a worker thread, as the runtime runs it, collecting every event it emits."""

    def __init__(self, adapter: Any, *, start: bool = True) -> None:
        self.server = adapter
        self.events: list[Any] = []
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        if start:
            self.thread.start()

    def _run(self) -> None:
        try:
            self.server.serve(self.events.append, self.stop)
        except BaseException as exc:
            self.errors.append(exc)

    def of(self, kind: type) -> list[Any]:
        return [e for e in list(self.events) if isinstance(e, kind)]

    def finish(self) -> None:
        """Stop the adapter; it must end promptly and without having raised."""
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()
        assert not self.errors, self.errors
