"""``commandcenter demo --hall``: PostgreSQL and Mosquitto on loopback, a server on the simulated city and two
seats, all stopped by one Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.server.hall import process_env

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/mosquitto").exists() or not list(
    Path("/usr/lib/postgresql").glob("*/bin")), reason="needs Debian's mosquitto and postgresql (make setup)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_the_hall_starts_a_server_and_two_seats_and_ctrl_c_stops_them_all(tmp_path: Path) -> None:
    out = tmp_path / "hall.log"
    with out.open("wb") as sink:
        hall = subprocess.Popen([sys.executable, "-m", "commandcenter", "demo", "--hall", "--units", "20"],
                                cwd=tmp_path, env=process_env(tmp_path), stdout=sink, stderr=subprocess.STDOUT)
    folder = tmp_path / "data" / "demo" / "hall"
    try:
        deadline = time.monotonic() + 300
        seats = [folder / "seat-wall.log", folder / "seat-dispatch.log"]
        while time.monotonic() < deadline:
            if all(s.exists() and "seat: the server is online" in s.read_text(errors="replace") for s in seats):
                break
            assert hall.poll() is None, out.read_text()
            time.sleep(0.5)
        else:
            raise AssertionError("the seats never saw the server:\n" + out.read_text())
        text = out.read_text()
        assert "demo hall up" in text
        pids = [int(pid) for pid in re.findall(r"started \(pid (\d+)", text)]
        assert len(pids) == 3  # the server and two seats
        server_log = (folder / "server.log").read_text()
        assert "server up" in server_log and "mqtt://127.0.0.1:" in server_log
        ports = [int(p) for p in re.findall(r"(?:PostgreSQL on 127\.0\.0\.1:|mqtt://127\.0\.0\.1:)(\d+)", text)]
        hall.send_signal(signal.SIGINT)  # Ctrl-C
        assert hall.wait(120) == 0
    finally:
        if hall.poll() is None:
            hall.kill()
            hall.wait()
    assert not [pid for pid in pids if _alive(pid)], "a hall process outlived Ctrl-C"
    import socket

    for port in set(ports):  # PostgreSQL and Mosquitto are gone too
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, port
    assert "stopped PostgreSQL" in out.read_text() and "stopped Mosquitto" in out.read_text()
