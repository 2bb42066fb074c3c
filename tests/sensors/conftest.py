"""Real parts for the sensor tests: socat pty pairs as RS-485 lines, a mosquitto broker on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commandcenter.demo.serial_slaves import PtyPair

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


@pytest.fixture
def pty_pairs(tmp_path: Path) -> Iterator[Callable[[str], PtyPair]]:
    """Make joined pty pairs by name (``pair.app_end`` for the poller, ``pair.slave_end`` for the slaves)."""
    made: list[PtyPair] = []

    def make(name: str) -> PtyPair:
        pair = PtyPair(tmp_path / "ttys", name)
        made.append(pair)
        return pair

    yield make
    for pair in made:
        pair.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[str]:
    """A mosquitto broker of this test only (generated config, loopback, anonymous); yields mqtt://127.0.0.1:PORT."""
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is not installed (apt install mosquitto): the MQTT sensor tests need a real broker")
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8")
    process = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10.0
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"mosquitto did not start on port {port}")
            time.sleep(0.05)
    yield f"mqtt://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(5.0)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
