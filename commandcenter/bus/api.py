"""The bus contract every implementation keeps (see the package docstring and ``docs/bus.md``)."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from PySide6.QtCore import QObject, Signal

# A JSON object as decoded from a payload (values are what json.loads gives).
JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One message as a subscriber sees it: the topic, the decoded JSON object, and whether the broker replayed
    it as the retained last value (a late seat's first picture) rather than a live change."""

    topic: str
    payload: JsonObject
    retained: bool = False


# A subscriber gets batches of messages (one call per delivery round, ≤ 20 per second), on the bus object's
# thread (the GUI thread in a seat, the main thread in the server), never on the network thread.
Handler = Callable[[list[BusMessage]], None]


class BusState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    OFFLINE = "offline"  # the broker is unreachable; reconnecting with backoff


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT topic filter matching: ``+`` one level, ``#`` (last) any number of levels, including none."""
    pattern_levels = pattern.split("/")
    topic_levels = topic.split("/")
    for i, level in enumerate(pattern_levels):
        if level == "#":
            return i == len(pattern_levels) - 1
        if i >= len(topic_levels):
            return False
        if level != "+" and level != topic_levels[i]:
            return False
    return len(pattern_levels) == len(topic_levels)


class Bus(QObject):
    """Publish JSON objects on topics; subscribe handlers to topic filters.

    - ``publish`` may be called from any thread and never blocks on the network: a broker that is down
      queues QoS 1 messages (bounded) and drops QoS 0 ones (a newer position will follow).
    - ``retain=True`` keeps the last value for late subscribers (positions, health, server status).
    - ``state_changed`` is emitted whenever the connection to the broker changes (the in-process bus is always
      connected); after an OFFLINE → CONNECTED transition ``resynced`` is emitted so that subscribers re-read
      the database for whatever they may have missed.
    """

    state_changed = Signal(object)  # BusState
    resynced = Signal()

    def __init__(self, client_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client_id = client_id
        self._lock = threading.Lock()
        self._subscriptions: list[tuple[str, Handler]] = []

    # -- the contract ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Connect (asynchronously; ``state_changed`` says when)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Disconnect cleanly (a server's last will is not published on a clean stop: it says offline itself)."""
        raise NotImplementedError

    @property
    def state(self) -> BusState:
        raise NotImplementedError

    def publish(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = False, qos: int = 0) -> None:
        raise NotImplementedError

    def set_last_will(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = True) -> None:
        """What the broker publishes if this client vanishes without a clean stop (set before ``start``)."""
        raise NotImplementedError

    def health(self) -> dict[str, JsonValue]:
        """The health report's ``bus`` section: at least ``state``, ``broker``, ``published``, ``received``,
        ``refused`` and ``reconnects``."""
        raise NotImplementedError

    # -- shared by the implementations ----------------------------------------------------------------------
    def subscribe(self, pattern: str, handler: Handler) -> None:
        """Deliver messages whose topic matches ``pattern`` to ``handler`` (see :data:`Handler`)."""
        with self._lock:
            self._subscriptions.append((pattern, handler))
        self._subscribed(pattern, handler)

    def _subscribed(self, pattern: str, handler: Handler) -> None:
        """Hook: an implementation subscribes at the broker (and again after every reconnect)."""

    def _patterns(self) -> list[str]:
        with self._lock:
            return [pattern for pattern, _handler in self._subscriptions]

    def _deliver(self, messages: list[BusMessage]) -> None:
        """Hand a batch to every matching handler (called on the bus object's thread)."""
        with self._lock:
            subscriptions = list(self._subscriptions)
        for pattern, handler in subscriptions:
            matching = [m for m in messages if topic_matches(pattern, m.topic)]
            if matching:
                handler(matching)
