"""The role split of the composition root: the server owns every listener, link and once-per-city timer; a seat
built from the same config opens no listening socket and no drone link, and runs no escalation or checkpoints."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from commandcenter.config import Config, parse_config
from commandcenter.runtime.compose import Role, build
from tests.server.sockets import listening_ports


@pytest.fixture
def drone_ground() -> socket.socket:
    """Where a drone would be: a TCP port on loopback that a MAVLink link (tcp:HOST:PORT) connects to."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(0.2)
    yield sock
    sock.close()


def _config(tmp_path: Path, drone_port: int) -> Config:
    key = tmp_path / "audit.key"
    return parse_config(f"""
[database]
url = "sqlite:///{tmp_path / 'hall.db'}"
[trackers.jt808]
port = 0
[trackers.osmand]
port = 0
[open311]
port = 0
api_keys = ["k"]
[[drones]]
id = "uav-1"
url = "tcp:127.0.0.1:{drone_port}"
[audit]
signing_key = "{key}"
""", "hall.toml")


def _connections(ground: socket.socket, seconds: float) -> int:
    accepted = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn, _addr = ground.accept()
        except TimeoutError:
            continue
        conn.close()
        accepted += 1
    return accepted


@pytest.mark.parametrize("role", [Role.SEAT, Role.SERVER])
def test_only_the_server_listens_and_links_drones(qtbot, tmp_path: Path, drone_ground: socket.socket,  # type: ignore[no-untyped-def]
                                                  role: Role) -> None:
    from commandcenter.enforcement.cli import audit_main

    assert audit_main(["keygen", "--out", str(tmp_path / "audit.key")]) == 0
    before = listening_ports()
    services = build(_config(tmp_path, drone_ground.getsockname()[1]), role=role)
    try:
        services.start()
        qtbot.wait(1500)  # listeners bind and links connect on their own threads
        opened = listening_ports() - before
        links = _connections(drone_ground, 2.0)
        timers = (services.escalation.active, services.checkpoints is not None)
    finally:
        services.stop()
    seat = role is Role.SEAT
    # a seat: no listening socket, no connection to the drone, no escalation or checkpoint timer; the server with
    # the same config: JT/T 808, OsmAnd and Open311 listen, the drone is linked, both timers run
    assert (len(opened), links > 0, timers) == ((0, False, (False, False)) if seat else (3, True, (True, True))), \
        f"{role}: listening on {opened}, {links} drone connections, timers {timers}"
    assert (services.open311 is None, services.drone_links == {}) == (seat, seat)
