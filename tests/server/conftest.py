"""The hall's real parts for the server tests: a Mosquitto broker and a PostgreSQL database of the test's own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bus.mosquitto import MosquittoBroker

USERS = {"cc-server": "server-secret", "cc-seat": "seat-secret"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    directory = tmp_path / "mosquitto"
    directory.mkdir()
    running = MosquittoBroker(directory, USERS)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def hall_db(pg_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database shared by the server and seat processes (dropped afterwards, connections and
    all: a killed process leaves its sessions behind)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cc_hall_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
