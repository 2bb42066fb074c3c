"""The contract between protocol adapters and the runtime: event dataclasses, counters, the adapter shape.

An adapter is a plain class. The runtime's DeviceManager (commandcenter.runtime.devices) is the only code that
builds adapters; it calls ``serve(sink, stop)`` on a dedicated worker thread. ``serve`` blocks until ``stop`` is
set, handing decoded events to ``sink`` (a thread-safe callable that takes one event; the runtime batches them
and crosses to the GUI thread with a queued signal). When ``serve`` raises, the manager records the error, marks
the device ``error``/``offline`` and calls ``serve`` again after an exponential backoff (1 s doubling to 30 s).

Acknowledged means stored: a device that gets an acknowledgement (JT/T 808 0x8001, OsmAnd's HTTP 200) forgets
the position, so an adapter built with ``ack_after_store=True`` attaches a :class:`Receipt` to the fixes of one
message and answers the device only when the receipt is settled. Whoever takes the fixes (the runtime's fix
ingest) settles every fix's receipt once: stored (committed by the database), or handled without a row to store
(refused as invalid, from an unknown device, thinned). A receipt settled "not stored" is not acknowledged, so the
device sends the fix again.

Adapters never raise on bad *input*: a malformed frame, packet or line is counted in ``stats.bad_messages``,
described in a ``RejectedInput`` event (with the reason and the raw bytes in hex) and skipped. They raise only
when the *link* fails (a port that cannot be opened, a socket that cannot be bound).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from devices.handler_slots import waiting_outside


class Receipt:
    """Completion of "this device message is durably handled" for the ``count`` fixes it carried.

    Each fix's taker calls :meth:`settle` once; when all ``count`` are settled, ``done(stored)`` runs once, on the
    settling thread (the store's writer after a commit, so ``done`` must only queue the answer, never block).
    ``stored`` is False when any fix could not be written: the adapter then withholds the acknowledgement.
    """

    __slots__ = ("_done", "_failed", "_left", "_lock")

    def __init__(self, count: int, done: Callable[[bool], None]) -> None:
        if count < 1:
            raise ValueError(f"a receipt covers at least one fix, not {count}")
        self._left = count
        self._failed = False
        self._done = done
        self._lock = threading.Lock()

    def settle(self, stored: bool = True, fixes: int = 1) -> None:
        """``fixes`` of its fixes are handled (``stored=False``: they could not be written and must be sent again).
        Settling a message's fixes together costs one lock round instead of one per fix."""
        with self._lock:
            if self._left < fixes or fixes < 1:
                raise RuntimeError(f"receipt of {self._left} unsettled fix(es) settled for {fixes}")
            self._left -= fixes
            self._failed = self._failed or not stored
            finished = self._left == 0
        if finished:
            self._done(not self._failed)

    @property
    def settled(self) -> bool:
        with self._lock:
            return self._left == 0


class Waiter:
    """A receipt's ``done`` for a thread that answers its device itself (an HTTP handler): it waits here."""

    __slots__ = ("_event", "stored")

    def __init__(self) -> None:
        self._event = threading.Event()
        self.stored = False

    def __call__(self, stored: bool) -> None:
        self.stored = stored
        self._event.set()

    def wait(self, timeout: float) -> bool | None:
        """True stored, False refused by the store, None not settled within ``timeout`` seconds.

        An HTTP handler gives its running slot up meanwhile (:mod:`devices.handler_slots`)."""
        with waiting_outside():
            settled = self._event.wait(timeout)
        return self.stored if settled else None


@dataclass(frozen=True, slots=True)
class PositionFix:
    """One position of one tracked unit, WGS-84, as decoded from a device.

    ``device_key`` is what the device calls itself (a JT/T 808 terminal phone number, an OsmAnd id, an NMEA
    port's configured unit); the core maps it to a unit id. ``time`` is timezone-aware UTC.

    ``valid`` is False when the device itself says it has no GPS fix (JT/T 808 status bit 1 clear, OsmAnd
    ``valid=0``, NMEA RMC status V or GGA quality 0, MAVLink fix type below 2D): the coordinates are then a
    last-known or made-up position. Adapters still emit such reports so the refusal can be counted; the core's
    fix chain (``commandcenter.runtime.fixes``) never lets one become a unit's current position.
    """

    device_key: str
    source: str  # "jt808" | "osmand" | "nmea" | "mavlink" | "sim"
    time: datetime
    lat: float
    lon: float
    speed_kmh: float | None = None
    heading: float | None = None
    altitude: float | None = None
    accuracy: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    valid: bool = True
    receipt: Receipt | None = field(default=None, compare=False, repr=False)
    """Set by an adapter that acknowledges only what was stored; the taker of the fix settles it once."""


def settle_all(fixes: Iterable[PositionFix], stored: bool = True) -> None:
    """Settle the receipt of every fix that carries one (once per receipt, for all its fixes in ``fixes``)."""
    counts: dict[Receipt, int] = {}
    for fix in fixes:
        if fix.receipt is not None:
            counts[fix.receipt] = counts.get(fix.receipt, 0) + 1
    for receipt, n in counts.items():
        receipt.settle(stored, n)


@dataclass(frozen=True, slots=True)
class TerminalEvent:
    """A session-level happening on a listener: a terminal registered, authenticated, disconnected, unknown."""

    device_key: str
    source: str
    kind: str  # "registered" | "authenticated" | "unknown" | "connected" | "disconnected" | "alarm" | ...
    detail: str = ""
    time: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class RejectedInput:
    """A piece of input that was refused, with the reason a human can act on."""

    device_id: str
    reason: str
    raw_hex: str = ""
    peer: str = ""
    time: float = field(default_factory=time.time)


Event = Any
"""Anything an adapter emits: the dataclasses above or an adapter-specific dataclass (e.g. drone telemetry)."""

Sink = Callable[[Event], None]


@dataclass(slots=True)
class LinkStats:
    """Counters a device exposes in the health report. Updated only by the adapter's own thread(s)."""

    messages: int = 0
    bad_messages: int = 0
    reconnects: int = 0
    clients: int = 0
    last_error: str = ""
    last_message_at: float = 0.0

    def good(self, n: int = 1) -> None:
        self.messages += n
        self.last_message_at = time.time()

    def bad(self, reason: str) -> None:
        self.bad_messages += 1
        self.last_error = reason


@dataclass(frozen=True, slots=True)
class ConnectionCounters:
    """What a listener did to connections to stay within its cap and timeouts, since it last started.

    ``evicted``: open connections closed to make room for a new one (at the cap or out of descriptors);
    ``timed_out``: closed because a terminal did not authenticate or a request head, body or answer took too
    long; ``refused``: new connections closed at once because the cap was reached and nothing could be evicted.
    A rising count tells the operator that a listener is under a flood or its caps are too small.
    """

    evicted: int = 0
    timed_out: int = 0
    refused: int = 0


@runtime_checkable
class CountsConnections(Protocol):
    """A listener that reports :class:`ConnectionCounters` (JT/T 808, the HTTP listeners)."""

    def connection_counters(self) -> ConnectionCounters:
        ...


class Adapter(Protocol):
    """What the DeviceManager needs from a protocol adapter."""

    id: str
    kind: str  # "jt808" | "osmand" | "nmea" | "mavlink" | "open311" | "camera" | ...
    stats: LinkStats

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Block, decoding input into events for ``sink``, until ``stop`` is set. Raise only on link failure."""
        ...
