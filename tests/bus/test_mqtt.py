"""MqttBus against a real Mosquitto: delivery on the bus object's thread, retained values, authentication,
refused payloads, outages (总线离线 within 3 s, reconnect, resync, QoS 1 kept while offline), last will."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from pytestqt.qtbot import QtBot

from commandcenter.bus import BusMessage, BusState, topics
from commandcenter.bus.mqtt import OFFLINE_QUEUE_LIMIT, MqttBus
from tests.bus.mosquitto import MosquittoBroker


class Inbox:
    """Collects what a handler is given, and on which thread."""

    def __init__(self) -> None:
        self.messages: list[BusMessage] = []
        self.threads: set[str] = set()

    def __call__(self, batch: list[BusMessage]) -> None:
        self.threads.add(threading.current_thread().name)
        self.messages.extend(batch)

    def payloads(self, topic: str) -> list[dict[str, object]]:
        return [m.payload for m in self.messages if m.topic == topic]


@pytest.fixture
def buses() -> Iterator[list[MqttBus]]:
    """Buses made by a test are stopped after it (their network threads end)."""
    made: list[MqttBus] = []
    yield made
    for bus in made:
        bus.stop()


def connected(qtbot: QtBot, bus: MqttBus, buses: list[MqttBus]) -> MqttBus:
    buses.append(bus)
    bus.start()
    qtbot.waitUntil(lambda: bus.state is BusState.CONNECTED, timeout=5000)
    return bus


def test_published_positions_reach_a_subscriber_on_its_own_thread(
        qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus]) -> None:
    seat = MqttBus(mosquitto_broker.bus_config("cc-seat"), role="seat")
    inbox = Inbox()
    seat.subscribe(topics.UNIT_POSITIONS, inbox)
    connected(qtbot, seat, buses)
    server = connected(qtbot, MqttBus(mosquitto_broker.bus_config("cc-server"), role="server"), buses)

    server.publish(topics.unit_position("OF-1"), {"lat": 31.2, "lon": 121.4, "name": "张三"})
    server.publish(topics.case("C-1"), {"code": "C-1"}, qos=1)  # not subscribed: not delivered
    qtbot.waitUntil(lambda: len(inbox.messages) == 1, timeout=2000)

    assert inbox.payloads(topics.unit_position("OF-1")) == [{"lat": 31.2, "lon": 121.4, "name": "张三"}]
    assert inbox.threads == {threading.main_thread().name}
    assert server.health()["published"] == 2
    assert seat.health()["received"] == 1
    assert seat.health()["state"] == "connected"
    assert seat.health()["broker"] == mosquitto_broker.url


def test_a_late_subscriber_gets_the_retained_last_value(
        qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus]) -> None:
    server = connected(qtbot, MqttBus(mosquitto_broker.bus_config("cc-server"), role="server"), buses)
    server.publish(topics.device_health("jt808"), {"state": "up", "connected": 3}, retain=True, qos=1)
    server.publish(topics.device_health("jt808"), {"state": "up", "connected": 4}, retain=True, qos=1)
    qtbot.wait(300)

    late = MqttBus(mosquitto_broker.bus_config("cc-seat"), role="seat")
    inbox = Inbox()
    late.subscribe(topics.DEVICE_HEALTH, inbox)
    connected(qtbot, late, buses)
    qtbot.waitUntil(lambda: len(inbox.messages) == 1, timeout=2000)

    assert inbox.messages[0].payload == {"state": "up", "connected": 4}
    assert inbox.messages[0].retained


def test_a_wrong_password_is_refused_by_the_broker(
        qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus]) -> None:
    bus = MqttBus(mosquitto_broker.bus_config("cc-seat", password="guessed"), role="seat")
    states: list[BusState] = []
    bus.state_changed.connect(states.append)
    buses.append(bus)
    bus.start()
    qtbot.waitUntil(lambda: bus.state is BusState.OFFLINE, timeout=5000)
    qtbot.wait(300)

    assert BusState.CONNECTED not in states
    assert "refused the connection: Not authorized" in str(bus.health()["last_error"])


def test_a_payload_that_is_not_a_json_object_is_refused_and_counted(
        qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus],
        caplog: pytest.LogCaptureFixture) -> None:
    seat = MqttBus(mosquitto_broker.bus_config("cc-seat"), role="seat")
    inbox = Inbox()
    seat.subscribe(topics.EVENTS, inbox)
    connected(qtbot, seat, buses)

    raw = paho.Client(CallbackAPIVersion.VERSION2, client_id="raw-sender")
    raw.username_pw_set("cc-server", mosquitto_broker.users["cc-server"])
    raw.connect(mosquitto_broker.host, mosquitto_broker.port)
    raw.loop_start()
    try:
        for payload in (b"not json", b"[1, 2]", b"\xff\xfe", b'{"severity": "info", "text": "\xe5\x90\x8e"}'):
            raw.publish(topics.EVENTS, payload, qos=1).wait_for_publish(2)
        qtbot.waitUntil(lambda: len(inbox.messages) == 1, timeout=2000)
    finally:
        raw.disconnect()
        raw.loop_stop()

    assert inbox.messages[0].payload == {"severity": "info", "text": "后"}
    assert seat.health()["refused"] == 3
    assert seat.health()["received"] == 1
    assert f"refused a payload on {topics.EVENTS}" in caplog.text


class PersistentSubscriber:
    """A plain paho client with a persistent session: the broker keeps its subscription and queues QoS 1
    messages for it while it is away, so what reaches it shows what the publisher sent, whatever the order in
    which clients reconnect after an outage."""

    def __init__(self, broker: MosquittoBroker, pattern: str) -> None:
        self.received: list[bytes] = []
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="persistent-subscriber",
                                  clean_session=False)
        self.client.username_pw_set("cc-seat", broker.users["cc-seat"])
        self.client.reconnect_delay_set(1, 1)
        self.client.on_connect = lambda client, *_args: client.subscribe(pattern, qos=1)
        self.client.on_message = lambda _client, _userdata, message: self.received.append(message.payload)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_broker_outage_goes_offline_within_3_s_and_comes_back_resynced_with_queued_qos1(
        qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus]) -> None:
    seat = connected(qtbot, MqttBus(mosquitto_broker.bus_config("cc-seat"), role="seat"), buses)
    server = connected(qtbot, MqttBus(mosquitto_broker.bus_config("cc-server"), role="server"), buses)
    resynced: list[bool] = []
    seat.resynced.connect(lambda: resynced.append(True))
    subscriber = PersistentSubscriber(mosquitto_broker, topics.CASES)
    try:
        qtbot.wait(300)
        mosquitto_broker.stop()
        lost_at = time.monotonic()
        qtbot.waitUntil(lambda: seat.state is BusState.OFFLINE and server.state is BusState.OFFLINE,
                        timeout=3000)
        assert time.monotonic() - lost_at < 3.0

        server.publish(topics.case("C-2"), {"code": "C-2", "change": "created"}, qos=1)  # kept until back
        server.publish(topics.unit_position("OF-1"), {"lat": 1.0, "lon": 2.0})  # QoS 0: dropped
        qtbot.wait(5000)
        assert seat.state is BusState.OFFLINE
        assert resynced == []
        mosquitto_broker.start()

        qtbot.waitUntil(lambda: seat.state is BusState.CONNECTED and server.state is BusState.CONNECTED,
                        timeout=10000)
        qtbot.waitUntil(lambda: len(subscriber.received) == 1, timeout=3000)
    finally:
        subscriber.close()
    assert subscriber.received == [b'{"code":"C-2","change":"created"}']
    assert resynced == [True]
    assert seat.health()["reconnects"] == 1
    assert server.health()["dropped"] == 1


def test_a_silent_broker_is_given_up_within_3_s(
        qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus]) -> None:
    """The network goes quiet without closing anything (a cable pulled): the keepalive notices."""
    seat = connected(qtbot, MqttBus(mosquitto_broker.bus_config("cc-seat"), role="seat"), buses)
    mosquitto_broker.pause()
    try:
        lost_at = time.monotonic()
        qtbot.waitUntil(lambda: seat.state is BusState.OFFLINE, timeout=3000)
        assert time.monotonic() - lost_at < 3.0
    finally:
        mosquitto_broker.resume()
    qtbot.waitUntil(lambda: seat.state is BusState.CONNECTED, timeout=10000)


_VANISHING_CLIENT = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QCoreApplication
    from commandcenter.bus import BusState, topics
    from commandcenter.bus.mqtt import MqttBus
    from commandcenter.config import BusConfig
    app = QCoreApplication([])
    bus = MqttBus(BusConfig(url=sys.argv[1], username="cc-server", password=sys.argv[2]), role="server")
    bus.set_last_will(topics.SERVER_STATUS, {"state": "offline"})
    bus.state_changed.connect(lambda s: print(s.value, flush=True) if s is BusState.CONNECTED else None)
    bus.start()
    app.exec()
""")


def test_the_last_will_is_published_when_a_client_vanishes_and_not_on_a_clean_stop(
        qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus], tmp_path: Path) -> None:
    seat = MqttBus(mosquitto_broker.bus_config("cc-seat"), role="seat")
    inbox = Inbox()
    seat.subscribe(topics.SERVER_STATUS, inbox)
    connected(qtbot, seat, buses)

    clean = MqttBus(mosquitto_broker.bus_config("cc-server"), role="server")
    clean.set_last_will(topics.SERVER_STATUS, {"state": "offline"})
    connected(qtbot, clean, buses)
    clean.stop()
    qtbot.wait(500)
    assert inbox.messages == []

    child = subprocess.Popen([sys.executable, "-c", _VANISHING_CLIENT, mosquitto_broker.url,
                              mosquitto_broker.users["cc-server"]], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "connected"
        child.kill()
        killed_at = time.monotonic()
        qtbot.waitUntil(lambda: len(inbox.messages) == 1, timeout=3000)
        assert time.monotonic() - killed_at < 3.0
    finally:
        child.kill()
        child.wait(5)
    assert inbox.messages[0].payload == {"state": "offline"}


@pytest.mark.parametrize("protocol", ["3.1.1", "5"])
def test_both_protocol_versions_deliver(qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus],
                                        protocol: str) -> None:
    seat = MqttBus(mosquitto_broker.bus_config("cc-seat", protocol=protocol), role="seat")
    inbox = Inbox()
    seat.subscribe(topics.SERVER_STATUS, inbox)
    connected(qtbot, seat, buses)
    server = connected(qtbot, MqttBus(mosquitto_broker.bus_config("cc-server", protocol=protocol), role="server"),
                       buses)
    server.publish(topics.SERVER_STATUS, {"state": "online"}, retain=True, qos=1)
    qtbot.waitUntil(lambda: inbox.payloads(topics.SERVER_STATUS) == [{"state": "online"}], timeout=2000)


def test_tls_settings_are_passed_through(qtbot: QtBot, tls_broker: MosquittoBroker, buses: list[MqttBus]) -> None:
    """mqtts:// with the broker's CA connects; with the system's CAs the test CA is not trusted."""
    trusted = MqttBus(tls_broker.bus_config("cc-seat"), role="seat")
    inbox = Inbox()
    trusted.subscribe(topics.EVENTS, inbox)
    connected(qtbot, trusted, buses)
    trusted.publish(topics.EVENTS, {"severity": "info", "text": "over TLS"}, qos=1)
    qtbot.waitUntil(lambda: len(inbox.messages) == 1, timeout=2000)

    untrusting = MqttBus(tls_broker.bus_config("cc-seat", tls_ca=""), role="seat")
    buses.append(untrusting)
    untrusting.start()
    qtbot.waitUntil(lambda: untrusting.state is BusState.OFFLINE, timeout=5000)
    assert "CERTIFICATE_VERIFY_FAILED" in str(untrusting.health()["last_error"])


def test_the_offline_queue_is_bounded(qtbot: QtBot, mosquitto_broker: MosquittoBroker, buses: list[MqttBus]) -> None:
    """A broker away for long does not make the server grow without end: QoS 1 beyond the queue is dropped."""
    server = connected(qtbot, MqttBus(mosquitto_broker.bus_config("cc-server"), role="server"), buses)
    mosquitto_broker.stop()
    qtbot.waitUntil(lambda: server.state is BusState.OFFLINE, timeout=3000)
    for i in range(OFFLINE_QUEUE_LIMIT + 5):
        server.publish(topics.case(f"C-{i}"), {"code": f"C-{i}"}, qos=1)
    assert server.health()["dropped"] == 5
    assert server.health()["published"] == OFFLINE_QUEUE_LIMIT
