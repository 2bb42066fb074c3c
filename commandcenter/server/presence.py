"""Is the server there? The server announces itself on the bus; a seat watches the announcement.

The server publishes a retained ``cc/v1/server/status`` {"state": "online"} when it has started (and leaves
{"state": "offline"} as its last will, for the broker to publish if the process vanishes), a heartbeat every
second, and {"state": "offline"} itself when it stops cleanly. A seat calls the server offline when it says so,
or when no heartbeat came for ``timeout_s`` (a killed server whose last will the broker has not yet published,
or a broker the seat can no longer reach).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.bus import topics
from commandcenter.bus.api import Bus, BusMessage, BusState, JsonObject

log = logging.getLogger(__name__)
HEARTBEAT_INTERVAL_S = 1.0
OFFLINE_AFTER_S = 2.5  # heartbeats missed for this long: the seat says 服务器离线 (within 3 s of a kill -9)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def offline_status(reason: str) -> JsonObject:
    return {"state": "offline", "since": _now_iso(), "host": socket.gethostname(), "pid": os.getpid(),
            "reason": reason}


class ServerPresence(QObject):
    """The server's side: status online/offline (retained) and a heartbeat every second on the bus."""

    def __init__(self, bus: Bus, *, interval_s: float = HEARTBEAT_INTERVAL_S, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self.beats = 0
        self._since = ""
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_s * 1000))
        self._timer.timeout.connect(self.beat)
        # Said by the broker for us if the process is killed (set before the bus connects).
        bus.set_last_will(topics.SERVER_STATUS, offline_status("vanished"), retain=True)

    def start(self) -> None:
        """Everything has started: say so (retained, for seats that come later) and beat from now on."""
        self._since = _now_iso()
        self.bus.publish(topics.SERVER_STATUS, {"state": "online", "since": self._since,
                                                "host": socket.gethostname(), "pid": os.getpid()},
                         retain=True, qos=1)
        self.beat()
        self._timer.start()

    def beat(self) -> None:
        self.beats += 1
        self.bus.publish(topics.SERVER_HEARTBEAT, {"time": _now_iso(), "since": self._since, "seq": self.beats})

    def stop(self) -> None:
        """A clean stop: the server itself says it is offline before it disconnects."""
        self._timer.stop()
        self.bus.publish(topics.SERVER_STATUS, offline_status("stopped"), retain=True, qos=1)
        log.info("server status offline published")


class ServerWatch(QObject):
    """The seat's side: whether the bus is connected and whether the server is alive, for the status bar.

    ``changed`` is emitted when either changes, so the status bar shows 总线离线 / 服务器离线 at once (not on
    its next refresh). Nothing is cleared when the server goes: the seat keeps its last picture.
    """

    changed = Signal()

    def __init__(self, bus: Bus, *, timeout_s: float = OFFLINE_AFTER_S, check_ms: int = 200,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self.timeout_s = timeout_s
        self._said_online = False
        self._last_heard = 0.0  # monotonic time of the last heartbeat or "online" status
        self._bus_online = bus.state is BusState.CONNECTED
        self._server_online = False
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self._check)
        bus.subscribe(topics.SERVER_STATUS, self._on_status)
        bus.subscribe(topics.SERVER_HEARTBEAT, self._on_heartbeat)
        bus.state_changed.connect(lambda _state: self._check())

    def start(self) -> None:
        self._timer.start()
        self._check()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def bus_online(self) -> bool:
        return self._bus_online

    @property
    def server_online(self) -> bool:
        return self._server_online

    def _on_status(self, messages: list[BusMessage]) -> None:
        state = messages[-1].payload.get("state")
        self._said_online = state == "online"
        if self._said_online:
            self._last_heard = time.monotonic()
        self._check()

    def _on_heartbeat(self, _messages: list[BusMessage]) -> None:
        # A heartbeat after a restart arrives before (or without) a fresh status: it means online.
        self._said_online = True
        self._last_heard = time.monotonic()
        self._check()

    def _check(self) -> None:
        bus_online = self.bus.state is BusState.CONNECTED
        server_online = (bus_online and self._said_online
                         and time.monotonic() - self._last_heard <= self.timeout_s)
        if (bus_online, server_online) != (self._bus_online, self._server_online):
            if bus_online != self._bus_online:
                log.warning("bus %s", "connected" if bus_online else "offline")
            if server_online != self._server_online:
                log.warning("server %s", "online" if server_online else "offline")
            self._bus_online, self._server_online = bus_online, server_online
            self.changed.emit()
