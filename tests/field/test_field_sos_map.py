"""An officer's SOS through the real field API flashes his position on the map: a pulsing red ring that a
seat also gets (the bus position payload carries the mark), stopped by clicking the unit or by the timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtGui import QImage

from commandcenter.bus.bridge import attach_seat, attach_server
from commandcenter.bus.mqtt import MqttBus
from commandcenter.bus.payloads import position_from, position_payload
from commandcenter.config import MapConfig, parse_config
from commandcenter.domain import UnitPosition
from commandcenter.geo.district import load_default_basemap
from commandcenter.mapdata.heatmap import HeatmapService
from commandcenter.runtime.compose import Services, build
from commandcenter.runtime.units import UnitTracker
from tests.bus.conftest import mosquitto_broker  # noqa: F401 - fixture
from tests.bus.mosquitto import MosquittoBroker
from tests.field.conftest import OFFICER_AT, field_config_text, pair_phone
from widgets.map import MapScreen
from widgets.map.units import SOS_FLASH_S


def red_pixels(image: QImage) -> int:
    """Pixels of the SOS ring's red (the basemap and the officers' status colours have none this saturated)."""
    count = 0
    for x in range(0, image.width(), 2):
        for y in range(0, image.height(), 2):
            c = image.pixelColor(x, y)
            if c.red() > 200 and c.green() < 90 and c.blue() < 90:
                count += 1
    return count


def test_an_sos_flashes_the_officer_on_the_map_until_clicked(  # type: ignore[no-untyped-def]
        field_services: Services, base_url: str, qtbot, tasks, tmp_path: Path) -> None:
    phone = pair_phone(field_services, base_url)
    assert phone.call("POST", "/field/v1/duty", {"on_duty": True}).status == 200
    assert phone.call("POST", "/field/v1/position", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
    heatmap = HeatmapService(None, tasks)
    screen = MapScreen(field_services.tracker, load_default_basemap(), MapConfig(), [], heatmap=heatmap, tasks=tasks)
    qtbot.addWidget(screen)
    try:
        screen.resize(1000, 700)
        screen.show()
        qtbot.waitUntil(lambda: "o1" in screen.units.positions, timeout=5000)
        assert not screen.units.sos.is_flashing("o1")
        xy = screen.display_xy("o1")
        assert xy is not None
        assert screen.centre_on_unit("o1")
        qtbot.wait(300)
        calm = red_pixels(screen.view.grab().toImage())

        assert phone.call("POST", "/field/v1/sos", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
        sos_fix = field_services.tracker.get("o1")
        assert sos_fix is not None and sos_fix.extra.get("sos") is True
        # what a seat gets over the bus keeps the mark
        assert position_from(position_payload(sos_fix)).extra.get("sos") is True
        qtbot.waitUntil(lambda: screen.units.sos.is_flashing("o1"), timeout=5000)
        assert screen.units.sos.flashing() == ["o1"]
        # the phone's next ordinary fix does not stop it; the same SOS fix delivered again does not restart it
        assert phone.call("POST", "/field/v1/position", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
        qtbot.wait(400)
        assert screen.units.sos.is_flashing("o1")
        image = screen.view.grab().toImage()
        assert image.save(str(tmp_path / "sos-map.png"))
        assert red_pixels(image) > calm + 30, (red_pixels(image), calm)

        screen.click_at(*xy)  # the dispatcher clicks the officer: acknowledged
        assert screen.selected_unit == "o1"
        assert not screen.units.sos.is_flashing("o1") and screen.units.sos.flashing() == []
        screen.units.update_positions([sos_fix])
        assert not screen.units.sos.is_flashing("o1")
        qtbot.wait(300)
        assert red_pixels(screen.view.grab().toImage()) <= calm + 5

        # a new SOS flashes again, and stops by itself after SOS_FLASH_S
        assert phone.call("POST", "/field/v1/sos", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
        qtbot.waitUntil(lambda: screen.units.sos.is_flashing("o1"), timeout=5000)
        real_clock = screen.units.clock
        screen.units.clock = lambda: real_clock() + SOS_FLASH_S + 1
        screen.units.sos.pulse()
        assert screen.units.sos.flashing() == [] and len(screen.units.sos_item.data) == 0
    finally:
        screen.shutdown()
        heatmap.close()


def test_a_seat_flashes_an_sos_from_the_bus_once_and_not_an_old_one(qtbot, tasks) -> None:  # type: ignore[no-untyped-def]
    """A seat's tracker takes positions from the bus (``apply_remote``): the SOS mark in ``extra`` rings the
    officer; the retained copy re-sent after a reconnect does not ring him again once acknowledged; an SOS older
    than SOS_FLASH_S (a seat started long after it) does not ring."""
    seat = UnitTracker(store=None)
    now = datetime.now(UTC)
    old = UnitPosition("o9", "officer", "王五", OFFICER_AT[0], OFFICER_AT[1] + 0.001, now - timedelta(seconds=SOS_FLASH_S + 60),
                       source="field", extra={"sos": True})
    seat.apply_remote([position_from(position_payload(old))])
    heatmap = HeatmapService(None, tasks)
    screen = MapScreen(seat, load_default_basemap(), MapConfig(), [], heatmap=heatmap, tasks=tasks)
    qtbot.addWidget(screen)
    try:
        assert "o9" in screen.units.positions and not screen.units.sos.is_flashing("o9")
        sos = UnitPosition("o1", "officer", "张三", OFFICER_AT[0], OFFICER_AT[1], now, source="field", extra={"sos": True})
        payload = position_payload(sos)
        seat.apply_remote([position_from(payload)])
        qtbot.waitUntil(lambda: screen.units.sos.is_flashing("o1"), timeout=3000)
        assert screen.units.sos.flashing() == ["o1"]
        xy = screen.display_xy("o1")
        assert xy is not None
        screen.click_at(*xy)
        assert screen.units.sos.flashing() == []
        screen.units.update_positions([position_from(payload)])  # the retained value again, after a reconnect
        assert screen.units.sos.flashing() == []
    finally:
        screen.shutdown()
        heatmap.close()


def test_an_sos_on_the_server_flashes_on_a_seat_map_over_mosquitto(  # type: ignore[no-untyped-def]
        qtbot, tasks, tmp_path: Path, mosquitto_broker: MosquittoBroker) -> None:  # noqa: F811
    """Server (field API) and seat on one SQLite file, over a real broker: the phone's SOS rings the officer on
    the seat's map."""
    def bus(user: str) -> str:
        return (f'[bus]\nurl = "{mosquitto_broker.url}"\nusername = "{user}"\n'
                f'password = "{mosquitto_broker.users[user]}"\n')

    db_url = f"sqlite:///{tmp_path / 'hall.db'}"
    server_config = parse_config(field_config_text(db_url) + bus("cc-server"), "server.toml")
    seat_config = parse_config(f'[database]\nurl = "{db_url}"\n[[users]]\nusername = "zhang"\n'
                               f'role = "dispatcher"\n' + bus("cc-seat"), "seat.toml")
    assert server_config.bus is not None and seat_config.bus is not None
    server, seat = build(server_config), build(seat_config)
    heatmap = HeatmapService(None, tasks)
    screen: MapScreen | None = None
    try:
        attach_server(server, MqttBus(server_config.bus, role="server"))
        subscriber = attach_seat(seat, MqttBus(seat_config.bus, role="seat"))
        server.start()
        seat.start()
        qtbot.waitUntil(lambda: subscriber.server_state == "online", timeout=10000)
        api = server.field_api
        assert api is not None and api.ready.wait(10)
        screen = MapScreen(seat.tracker, load_default_basemap(), MapConfig(), [], heatmap=heatmap, tasks=tasks)
        qtbot.addWidget(screen)
        phone = pair_phone(server, f"http://127.0.0.1:{api.bound_port}")
        assert phone.call("POST", "/field/v1/sos", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
        qtbot.waitUntil(lambda: screen is not None and screen.units.sos.is_flashing("o1"), timeout=5000)
        assert screen.units.sos.flashing() == ["o1"]
    finally:
        if screen is not None:
            screen.shutdown()
        heatmap.close()
        seat.stop()
        server.stop()
