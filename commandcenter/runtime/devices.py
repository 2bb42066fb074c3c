"""The device manager: the one place device links are built, run, watched and reconnected.

Each adapter runs ``serve(sink, stop)`` on its own worker thread. ``sink`` appends to a shared buffer; a batcher
thread swaps that buffer every 50 ms and emits it as one ``events`` signal. Receivers live on the GUI thread, so
Qt queues the signal: one cross-thread hop per 50 ms however fast devices talk (a 1 kHz device cannot flood the
event loop). When ``serve`` raises, the link is marked ``error`` and restarted after an exponential backoff of
1 s doubling to 30 s; the backoff resets once the link has stayed up for a while.

Position fixes take a shorter road than the rest: a device is acknowledged only once its fix is committed, so
the fix ingest (``set_fix_handler``; the UnitTracker's chain, which hands the rows to the store's single writer)
runs on the batcher thread itself, and the batch emitted to the GUI thread then carries the other events only.
The GUI thread is off the acknowledgement's path: its only part is repainting the latest positions. Without a fix handler (an adapter test, a bench) the
manager settles the fixes' receipts itself once the batch is delivered.

Connection states: connecting → online ⇄ stale (no message for ``stale_after`` s) → error/offline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from devices.base import Adapter, CountsConnections, PositionFix, RejectedInput, settle_all

log = logging.getLogger(__name__)

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
BATCH_INTERVAL_S = 0.05


@dataclass
class DeviceHandle:
    """Runtime bookkeeping of one link: its thread, state and reconnect history."""

    adapter: Adapter
    stale_after: float = 10.0
    listener: bool = False  # a server: quiet is normal, not stale
    state: str = "connecting"
    reconnects: int = 0
    last_error: str = ""
    started_at: float = 0.0
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    rejects: list[RejectedInput] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.adapter.id

    def current_state(self, now: float | None = None) -> str:
        if self.state != "online":
            return self.state
        stats = self.adapter.stats
        if self.listener:
            return "online"
        now = now or time.time()
        last = stats.last_message_at or self.started_at
        return "stale" if now - last > self.stale_after else "online"


class DeviceManager(QObject):
    """Builds nothing itself beyond threads: adapters are constructed by ``runtime.links`` and added here."""

    events = Signal(list)  # a batch of adapter events, delivered on the receiver's (GUI) thread
    state_changed = Signal(str, str)  # device id, new state

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handles: dict[str, DeviceHandle] = {}
        # Adapters append, the batcher pops from the left: both are atomic on a deque, so the hot path of every
        # decoded event takes no lock.
        self._buffer: deque[Any] = deque()
        self._closing = threading.Event()
        self._batcher = threading.Thread(target=self._batch_loop, name="device-batcher", daemon=True)
        self._batcher.start()
        self.events_total = 0
        self.refused_fixes: Callable[[Adapter], dict[str, int]] | None = None
        """Set by the composition: a link's fixes the fix chain refused, by reason (shown in device health)."""
        self._fix_handler: Callable[[list[PositionFix]], None] | None = None

    def set_fix_handler(self, handler: Callable[[list[PositionFix]], None]) -> None:
        """Give every batch's position fixes to ``handler`` on the batcher thread, before the batch is emitted.

        The handler owns the fixes' receipts from then on: it settles each once the fix is committed (or needs
        no row). It must be thread-safe and must not block on the database (it submits and returns). Set it
        before adding links.
        """
        self._fix_handler = handler

    # ------------------------------------------------------------------------------------------- links
    def add(self, adapter: Adapter, *, stale_after: float = 10.0, listener: bool = False) -> DeviceHandle:
        if adapter.id in self._handles:
            raise ValueError(f"device id {adapter.id!r} is already in use")
        handle = DeviceHandle(adapter=adapter, stale_after=stale_after, listener=listener)
        self._handles[adapter.id] = handle
        handle.thread = threading.Thread(target=self._run, args=(handle,), name=f"dev-{adapter.id}", daemon=True)
        handle.thread.start()
        return handle

    def handles(self) -> list[DeviceHandle]:
        return list(self._handles.values())

    def get(self, device_id: str) -> DeviceHandle | None:
        return self._handles.get(device_id)

    def sink(self, event: Any) -> None:
        """Thread-safe: adapters hand every decoded event here."""
        self._buffer.append(event)

    def _set_state(self, handle: DeviceHandle, state: str) -> None:
        if handle.state != state:
            handle.state = state
            self.state_changed.emit(handle.id, state)

    def _run(self, handle: DeviceHandle) -> None:
        backoff = BACKOFF_START_S
        adapter = handle.adapter

        def sink(event: Any) -> None:
            if isinstance(event, RejectedInput):
                handle.rejects.append(event)
                del handle.rejects[:-50]  # keep the latest reasons for the health view
            self.sink(event)

        while not handle.stop.is_set():
            self._set_state(handle, "connecting")
            handle.started_at = time.time()
            self._set_state(handle, "online")
            try:
                adapter.serve(sink, handle.stop)
                if handle.stop.is_set():
                    break
                raise ConnectionError("link ended")
            except Exception as exc:  # a link failure: record, back off, reconnect
                if handle.stop.is_set():
                    break
                handle.last_error = f"{type(exc).__name__}: {exc}"
                adapter.stats.last_error = handle.last_error
                log.warning("device %s (%s) failed: %s; retrying in %.0f s", handle.id, adapter.kind,
                            handle.last_error, backoff)
                self._set_state(handle, "error")
                if time.time() - handle.started_at > 60:
                    backoff = BACKOFF_START_S  # it had been up for a while: start the ladder again
                if handle.stop.wait(backoff):
                    break
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                handle.reconnects += 1
                adapter.stats.reconnects = handle.reconnects
        self._set_state(handle, "offline")

    def _batch_loop(self) -> None:
        while not self._closing.wait(BATCH_INTERVAL_S):
            buffer = self._buffer
            batch = [buffer.popleft() for _ in range(len(buffer))]  # what arrives meanwhile waits for the next
            if not batch:
                continue
            self.events_total += len(batch)
            fixes: list[PositionFix] = []
            others: list[Any] = []
            for ev in batch:
                (fixes if isinstance(ev, PositionFix) else others).append(ev)
            handler = self._fix_handler
            if handler is not None:
                if fixes:
                    try:
                        handler(fixes)
                    except Exception:  # unsettled receipts: the devices are not acknowledged and send again
                        log.exception("fix handler failed on %d fixes", len(fixes))
                # The fixes are the handler's: the GUI thread gets the rest (alarms, drone telemetry, refusals)
                # instead of looping over thousands of positions a second it has no use for.
                batch = others
            if not batch:
                continue
            try:
                self.events.emit(batch)
            except RuntimeError:  # the QObject is being destroyed at exit
                return
            if handler is None:
                settle_all(fixes)  # no store behind this manager: delivered is as far as a fix goes

    # ------------------------------------------------------------------------------------------- report
    def report(self) -> list[dict[str, Any]]:
        """The health report's ``devices`` section."""
        now = time.time()
        out = []
        for handle in self._handles.values():
            stats = handle.adapter.stats
            entry: dict[str, Any] = {
                "id": handle.id,
                "kind": handle.adapter.kind,
                "state": handle.current_state(now),
                "messages": stats.messages,
                "bad_messages": stats.bad_messages,
                "reconnects": handle.reconnects,
                "last_error": handle.last_error or stats.last_error,
            }
            if handle.listener:
                entry["clients"] = stats.clients
                if isinstance(handle.adapter, CountsConnections):  # what the caps and timeouts cost, per listener
                    counters = handle.adapter.connection_counters()
                    entry["evicted"] = counters.evicted
                    entry["timed_out"] = counters.timed_out
                    entry["refused"] = counters.refused
                port = getattr(handle.adapter, "bound_port", None)
                if port:  # where a listener actually listens (the demo binds ephemeral ports)
                    entry["address"] = f"{getattr(handle.adapter, 'host', '127.0.0.1')}:{port}"
            if handle.rejects:
                entry["last_rejected"] = handle.rejects[-1].reason
            if self.refused_fixes is not None:
                refused = self.refused_fixes(handle.adapter)
                entry["refused_fixes"] = sum(refused.values())
                if refused:
                    entry["refused_reasons"] = refused
            out.append(entry)
        return out

    def summary(self) -> tuple[int, int]:
        """(online, total) for the status bar."""
        now = time.time()
        states = [h.current_state(now) for h in self._handles.values()]
        return sum(s == "online" for s in states), len(states)

    def stop(self, timeout: float = 5.0) -> None:
        for handle in self._handles.values():
            handle.stop.set()
            stopper: Callable[[], None] | None = getattr(handle.adapter, "close", None)
            if stopper is not None:
                try:
                    stopper()
                except Exception as exc:  # closing is best effort; say which device misbehaved
                    log.debug("closing %s: %s", handle.id, exc)
        deadline = time.time() + timeout
        for handle in self._handles.values():
            if handle.thread is not None:
                handle.thread.join(max(0.0, deadline - time.time()))
        self._closing.set()
        self._batcher.join(1.0)
