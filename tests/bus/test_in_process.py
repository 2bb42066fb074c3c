"""The hall in one process: a server and a seat, each with its own services, sharing one in-process bus (what
``commandcenter demo`` can run through the same interfaces as MQTT)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from commandcenter.bus import InProcessBus
from commandcenter.bus.bridge import SeatSubscriber, ServerPublisher, attach_seat, attach_server
from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.model import NewCase
from commandcenter.config import parse_config
from commandcenter.runtime.compose import Services, build
from devices.base import PositionFix

LAT, LON = 30.0001, 119.9951


@pytest.fixture
def one_process_hall(tmp_path: Path) -> Iterator[tuple[Services, Services, ServerPublisher, SeatSubscriber]]:
    database = f'[database]\nurl = "sqlite:///{tmp_path / "city.db"}"\n'
    server = build(parse_config(database + '[[officers]]\nid = "OF-1"\nname = "王强"\nbadge = "B001"\n'
                                'device = "phone-1"\n', "server.toml"))
    seat = build(parse_config(database, "seat.toml"))
    bus = InProcessBus()
    try:
        publisher = attach_server(server, bus)
        subscriber = attach_seat(seat, bus)
        server.start()
        seat.start()
        yield server, seat, publisher, subscriber
    finally:
        seat.stop()
        server.stop()


def test_server_and_seat_on_one_in_process_bus_still_hear_each_other(
        qtbot: QtBot, one_process_hall: tuple[Services, Services, ServerPublisher, SeatSubscriber]) -> None:
    server, seat, _publisher, subscriber = one_process_hall
    qtbot.waitUntil(lambda: subscriber.server_state == "online", timeout=3000)

    server.tracker.ingest([PositionFix("phone-1", "osmand", datetime.now(UTC), LAT, LON)])
    qtbot.waitUntil(lambda: seat.tracker.get("OF-1") is not None, timeout=2000)

    heard: list[CaseChanges] = []
    server.cases.announcer.changed.connect(heard.append)
    code = seat.cases.create_case(NewCase(source="hotline", category="占道经营", lat=LAT, lon=LON),
                                  "hotline-12345").result(30).code
    qtbot.waitUntil(lambda: any(code in c.codes and c.operation.startswith("bus:") for c in heard), timeout=2000)

    server.events.camera_alarm.emit("cam-03", "烟火")
    qtbot.waitUntil(lambda: seat.wall.alarm is not None, timeout=2000)
    assert seat.wall.alarm is not None and seat.wall.alarm.camera == "cam-03"
