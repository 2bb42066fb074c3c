"""The in-process bus of the embedded default: the same messages as over MQTT, delivered in one process."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.bus.api import Bus, BusMessage, BusState, Handler, JsonObject, JsonValue, topic_matches

log = logging.getLogger(__name__)


class InProcessBus(Bus):
    """Messages published from any thread are queued and delivered in batches every ``interval_ms`` on the
    thread this object lives on. Payloads go through JSON exactly as over a broker, so a payload that would not
    cross a process boundary fails here too. Retained values are kept for late subscribers."""

    _wake = Signal()

    def __init__(self, client_id: str = "embedded", interval_ms: int = 50, parent: QObject | None = None) -> None:
        super().__init__(client_id, parent)
        self._pending: list[BusMessage] = []
        self._retained: dict[str, JsonObject] = {}
        self._pending_lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._running = False
        self._published = 0
        self._received = 0

    def start(self) -> None:
        self._running = True
        self._timer.start()
        self.state_changed.emit(BusState.CONNECTED)

    def stop(self) -> None:
        self._running = False
        self._timer.stop()
        self.flush()

    @property
    def state(self) -> BusState:
        return BusState.CONNECTED if self._running else BusState.OFFLINE

    def publish(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = False, qos: int = 0) -> None:
        decoded: JsonObject = json.loads(json.dumps(payload, ensure_ascii=False))
        with self._pending_lock:
            if retain:
                if decoded:
                    self._retained[topic] = decoded
                else:  # an empty retained payload clears the retained value, as on a broker
                    self._retained.pop(topic, None)
            self._pending.append(BusMessage(topic, decoded))
            self._published += 1

    def set_last_will(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = True) -> None:
        """Nothing to do: in one process the publisher cannot vanish without its subscribers."""

    def _subscribed(self, pattern: str, handler: Handler) -> None:
        # A late subscriber gets the retained values first, as from a broker.
        with self._pending_lock:
            retained = [BusMessage(t, p, retained=True) for t, p in self._retained.items() if topic_matches(pattern, t)]
        if retained:
            handler(retained)

    def flush(self) -> None:
        """Deliver everything published so far (the timer calls this; tests may too)."""
        with self._pending_lock:
            batch, self._pending = self._pending, []
        if batch:
            self._received += len(batch)
            self._deliver(batch)

    def health(self) -> dict[str, JsonValue]:
        return {"state": self.state.value, "broker": "in-process", "client_id": self.client_id,
                "published": self._published, "received": self._received, "refused": 0, "reconnects": 0}
