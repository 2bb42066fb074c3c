"""The contract between protocol adapters and the runtime: event dataclasses, counters, the adapter shape.

An adapter is a plain class. The runtime's DeviceManager (commandcenter.runtime.devices) is the only code that
builds adapters; it calls ``serve(sink, stop)`` on a dedicated worker thread. ``serve`` blocks until ``stop`` is
set, handing decoded events to ``sink`` (a thread-safe callable that takes one event; the runtime batches them
and crosses to the GUI thread with a queued signal). When ``serve`` raises, the manager records the error, marks
the device ``error``/``offline`` and calls ``serve`` again after an exponential backoff (1 s doubling to 30 s).

Adapters never raise on bad *input*: a malformed frame, packet or line is counted in ``stats.bad_messages``,
described in a ``RejectedInput`` event (with the reason and the raw bytes in hex) and skipped. They raise only
when the *link* fails (a port that cannot be opened, a socket that cannot be bound).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


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


class Adapter(Protocol):
    """What the DeviceManager needs from a protocol adapter."""

    id: str
    kind: str  # "jt808" | "osmand" | "nmea" | "mavlink" | "open311" | "camera" | ...
    stats: LinkStats

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Block, decoding input into events for ``sink``, until ``stop`` is set. Raise only on link failure."""
        ...
