"""Server and seat processes for the fault tests: ``commandcenter serve`` as a subprocess, and a seat
(tests/server/seat_child.py) that writes what its status bar and map show as JSON lines."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bus.mosquitto import MosquittoBroker, free_port
from tests.server.conftest import USERS

REPO = Path(__file__).resolve().parents[2]
OFFICERS = [f"o-{i}" for i in range(1, 6)]  # each reports from its phone "phone-N" over OsmAnd


def process_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "JOURNAL_STREAM",
                                                            "INVOCATION_ID", "NOTIFY_SOCKET")}
    env.update(PYTHONPATH=str(REPO), CC_DATA_DIR=str(tmp_path / "data"), CC_CONFIG_DIR=str(tmp_path / "cfg"),
               PYTHONUNBUFFERED="1", QT_QPA_PLATFORM="offscreen")
    return env


@dataclass
class HallConfigs:
    server: Path
    seat: Path
    osmand_port: int
    open311_port: int


def write_configs(tmp_path: Path, db_url: str, broker: MosquittoBroker) -> HallConfigs:
    osmand, open311 = free_port(), free_port()
    officers = "".join(f'[[officers]]\nid = "{o}"\nname = "队员{o[2:]}"\ndevice = "phone-{o[2:]}"\n'
                       for o in OFFICERS)
    server = tmp_path / "server.toml"
    server.write_text(f"""[database]
url = "{db_url}"
[bus]
url = "{broker.url}"
username = "cc-server"
password = "{USERS['cc-server']}"
keepalive_s = 2
[trackers.osmand]
port = {osmand}
[open311]
port = {open311}
api_keys = ["hall-key"]
{officers}""", encoding="utf-8")
    seat = tmp_path / "seat.toml"
    seat.write_text(f"""[database]
url = "{db_url}"
[bus]
url = "{broker.url}"
username = "cc-seat"
password = "{USERS['cc-seat']}"
keepalive_s = 2
""", encoding="utf-8")
    return HallConfigs(server, seat, osmand, open311)


class Process:
    """A child process whose output goes to a file the test can search."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str], cwd: Path) -> None:
        self.log = log
        with log.open("ab") as sink:
            self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, timeout: float = 60.0, start: int = 0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text()[start:])
            if found:
                return found
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.log.name}: exited with {self.proc.returncode} before {pattern!r}:\n"
                                     + self.text()[-4000:])
            time.sleep(0.1)
        raise AssertionError(f"{self.log.name}: {pattern!r} not within {timeout} s:\n{self.text()[-4000:]}")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


def start_server(tmp_path: Path, configs: HallConfigs, name: str = "server") -> Process:
    server = Process([sys.executable, "-m", "commandcenter", "serve", "--config", str(configs.server)],
                     tmp_path / f"{name}.log", process_env(tmp_path), tmp_path)
    server.wait_for(r"server up", 90)
    return server


class Seat(Process):
    """tests/server/seat_child.py: a seat built as ``commandcenter run --config seat.toml`` builds it, writing
    its status bar and the positions on its map as JSON lines."""

    def __init__(self, tmp_path: Path, configs: HallConfigs, name: str = "seat") -> None:
        self.states = tmp_path / f"{name}.jsonl"
        super().__init__([sys.executable, str(REPO / "tests" / "server" / "seat_child.py"), str(configs.seat),
                          str(self.states)], tmp_path / f"{name}.log", process_env(tmp_path), tmp_path)

    def records(self) -> list[dict[str, Any]]:
        if not self.states.exists():
            return []
        return [json.loads(line) for line in self.states.read_text(encoding="utf-8").splitlines()
                if line.endswith("}")]

    def latest(self) -> dict[str, Any]:
        records = self.records()
        return records[-1] if records else {}

    def wait_until(self, test: Any, timeout: float, what: str) -> dict[str, Any]:
        """The first record (after now) for which ``test(record)`` is true."""
        deadline = time.monotonic() + timeout
        seen = len(self.records())
        while time.monotonic() < deadline:
            records = self.records()
            for record in records[max(0, seen - 1):]:
                if test(record):
                    return record
            seen = len(records)
            if self.proc.poll() is not None:
                raise AssertionError(f"seat exited with {self.proc.returncode}:\n{self.text()[-4000:]}")
            time.sleep(0.05)
        raise AssertionError(f"the seat never showed {what} within {timeout} s; last: {self.latest()}\n"
                             + self.text()[-3000:])
