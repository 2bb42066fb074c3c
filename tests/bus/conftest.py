"""The bus tests' broker: a real Mosquitto per test (see :mod:`tests.bus.mosquitto`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bus.mosquitto import MosquittoBroker

USERS = {"cc-server": "server-secret", "cc-seat": "seat-secret"}


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A running broker on a free 127.0.0.1 port accepting the users of :data:`USERS` only; stopped after the
    test (also when the test stopped it itself)."""
    directory = tmp_path / "mosquitto"
    directory.mkdir()
    broker = MosquittoBroker(directory, USERS)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """Like :func:`mosquitto_broker`, with a TLS listener (mqtts://) whose certificate a test CA signed."""
    directory = tmp_path / "mosquitto-tls"
    directory.mkdir()
    broker = MosquittoBroker(directory, USERS, tls=True)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def device_broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """Another broker, anonymous like a city IoT platform's, that devices (MQTT sensors, Frigate) publish to."""
    directory = tmp_path / "mosquitto-devices"
    directory.mkdir()
    broker = MosquittoBroker(directory, {}, anonymous=True)
    broker.start()
    yield broker
    broker.stop()
