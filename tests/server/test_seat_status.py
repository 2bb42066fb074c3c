"""A seat's status bar: 服务器离线 when the server's heartbeat stops, 总线离线 when the broker is gone, cleared
when they are back (the real bridge on an in-process bus; tests/server/test_faults.py does it with processes)."""

from __future__ import annotations

import time
from pathlib import Path

from commandcenter.bus import InProcessBus, topics
from commandcenter.bus.bridge import attach_seat
from commandcenter.config import parse_config
from commandcenter.runtime.compose import Role, build
from widgets.main_window import StatusLine


def test_the_status_bar_says_when_the_server_or_the_bus_is_gone(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    services = build(parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "seat.db"}"\n', "seat.toml"),
                     role=Role.SEAT)
    bus = InProcessBus(client_id="seat")
    seat = attach_seat(services, bus)
    try:
        services.start()
        status = StatusLine(services.status, link=seat)
        qtbot.addWidget(status)
        qtbot.waitUntil(lambda: not status.server.isHidden(), timeout=2000)  # no server heard yet
        assert status.bus.isHidden() and status.server.text() == "Server offline"

        def beat() -> None:
            bus.publish(topics.SERVER_HEARTBEAT, {"seq": 1, "at": "now"})

        beat()
        qtbot.waitUntil(lambda: status.server.isHidden(), timeout=2000)
        last_beat = time.monotonic()
        qtbot.waitUntil(lambda: not status.server.isHidden(), timeout=5000)  # heartbeats stopped
        assert time.monotonic() - last_beat <= 3.6
        beat()
        qtbot.waitUntil(lambda: status.server.isHidden(), timeout=2000)  # it clears by itself

        bus.stop()  # the broker is gone
        qtbot.waitUntil(lambda: not status.bus.isHidden(), timeout=3000)
        assert status.bus.text() == "Bus offline"
    finally:
        services.stop()
