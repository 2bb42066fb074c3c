"""Faults of the hall, with real processes: ``commandcenter serve`` as a subprocess, a seat process
(tests/server/seat_child.py), a real Mosquitto and a PostgreSQL database of the test's own.

- kill -9 the server: the seat shows 服务器离线 within 3 s, keeps its last picture, and comes back by itself when
  the server restarts; every fix the killed server acknowledged is in the database.
- kill -9 a seat: the server does not notice (it keeps acknowledging fixes, and stops cleanly).
- the broker stops: server and seat carry on (fixes are still acknowledged and stored, the seat shows 总线离线
  within 3 s and keeps its picture) and the seat catches up when the broker is back: a case reported meanwhile
  shows in its dispatch queue. The outage here is 10 s, not the 30 s of the issue (the reconnect backoff is
  1 s → 30 s, so 10 s already covers three reconnect attempts; bench/bench_hall.py measures the full 30 s).
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from devices.osmand import OsmAndClient
from tests.bus.mosquitto import MosquittoBroker
from tests.server.hall import OFFICERS, HallConfigs, Process, Seat, process_env, start_server, write_configs
from tests.server.sockets import listening_ports

HERE = (32.0415, 118.7840)


class Flood:
    """Officers' phones reporting over OsmAnd as fast as the server answers; remembers what was acknowledged."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.acknowledged: list[tuple[str, float]] = []  # (unit, lat) answered 200 = stored
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="osmand-flood", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = datetime.now(UTC) - timedelta(hours=1)
        n = 0
        client = OsmAndClient("127.0.0.1", self.port, timeout=5.0)
        while not self._stop.is_set():
            n += 1
            index = n % len(OFFICERS)
            lat = round(HERE[0] + n * 1e-5, 6)
            try:
                status, _text = client.report(f"phone-{index + 1}", lat, HERE[1],
                                              timestamp=start + timedelta(seconds=n))
            except OSError:
                self.failures += 1
                client.close()
                time.sleep(0.05)
                continue
            if status == 200:
                self.acknowledged.append((OFFICERS[index], lat))
            time.sleep(0.005)
        client.close()

    def count(self) -> int:
        return len(self.acknowledged)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def stored(db_url: str) -> set[tuple[str, float]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT unit_id, lat FROM position_fixes")).all()
    finally:
        engine.dispose()
    return {(str(unit), round(float(lat), 6)) for unit, lat in rows}


def report_case(configs: HallConfigs, description: str) -> str:
    body = urllib.parse.urlencode({"api_key": "hall-key", "service_code": "SJ0401", "lat": str(HERE[0]),
                                   "long": str(HERE[1]), "description": description}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{configs.open311_port}/open311/v2/requests.json", data=body,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=15) as response:
        assert response.status == 201
        return str(json.loads(response.read())[0]["service_request_id"])


def retained_server_status(broker: MosquittoBroker) -> dict[str, object]:
    """What a seat starting now would read first: the retained ``cc/v1/server/status``."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from commandcenter.bus import topics
    from tests.server.conftest import USERS

    got: list[dict[str, object]] = []
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="fault-test-probe")
    client.username_pw_set("cc-seat", USERS["cc-seat"])
    client.on_message = lambda _c, _u, message: got.append(json.loads(message.payload))
    client.connect(broker.host, broker.port)
    client.subscribe(topics.SERVER_STATUS, qos=1)
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        client.loop(0.1)
    client.disconnect()
    assert got, "no retained server status on the broker"
    return got[-1]


@pytest.fixture
def hall(tmp_path: Path, broker: MosquittoBroker, hall_db: str) -> Iterator[tuple[HallConfigs, list[Process]]]:
    configs = write_configs(tmp_path, hall_db, broker)
    running: list[Process] = []
    yield configs, running
    for process in reversed(running):
        process.stop()


def _up(tmp_path: Path, configs: HallConfigs, running: list[Process]) -> tuple[Process, Seat]:
    server = start_server(tmp_path, configs)
    running.append(server)
    seat = Seat(tmp_path, configs)
    running.append(seat)
    seat.wait_until(lambda r: not r["bus_offline"] and not r["server_offline"], 90, "the bus and server online")
    assert listening_ports(seat.pid) == set(), "the seat process listens"  # the server's ports are the only ones
    # the server's OsmAnd and Open311 listeners, counted in the seat's status bar
    seat.wait_until(lambda r: r["devices"].endswith("/2"), 20, "the server's two listeners in 设备在线")
    return server, seat


def test_kill_9_server_seat_says_server_offline_keeps_picture_and_recovers(
        tmp_path: Path, hall: tuple[HallConfigs, list[Process]], hall_db: str) -> None:
    configs, running = hall
    server, seat = _up(tmp_path, configs, running)
    flood = Flood(configs.osmand_port)
    try:
        deadline = time.monotonic() + 30
        while flood.count() < 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert flood.count() >= 200, f"the server acknowledged only {flood.count()} fixes"
        picture = seat.wait_until(lambda r: len(r["positions"]) == len(OFFICERS), 15, "every officer on the map")
        server.kill9()
        killed_at = time.time()
        offline = seat.wait_until(lambda r: r["server_offline"], 6, "服务器离线")
        print(f"服务器离线 shown {offline['t'] - killed_at:.2f} s after the kill")
        assert offline["t"] - killed_at <= 3.0, f"服务器离线 after {offline['t'] - killed_at:.1f} s"
        assert "服务器离线" in offline["texts"] and not offline["bus_offline"]  # the broker is still there
        assert set(offline["positions"]) == set(picture["positions"])  # the last picture stays
        acknowledged = set(flood.acknowledged)
        lost = acknowledged - stored(hall_db)
        assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged fixes are not in the database"

        running.append(start_server(tmp_path, configs, "server-restarted"))
        back = seat.wait_until(lambda r: not r["server_offline"], 30, "the server back")
        assert back["texts"] == []
        # live again: new positions reach the seat through the restarted server
        moved = seat.wait_until(lambda r: r["positions"] != offline["positions"], 30, "new positions")
        assert set(moved["positions"]) == set(OFFICERS)
    finally:
        flood.stop()


def test_kill_9_seat_the_server_does_not_notice(tmp_path: Path, hall: tuple[HallConfigs, list[Process]],
                                                broker: MosquittoBroker) -> None:
    configs, running = hall
    server, seat = _up(tmp_path, configs, running)
    flood = Flood(configs.osmand_port)
    try:
        time.sleep(2)
        seat.kill9()
        before = flood.count()
        time.sleep(3)
        assert flood.count() > before + 50, "the server stopped acknowledging fixes when a seat died"
        code = report_case(configs, "座位被杀后上报")
        assert code
    finally:
        flood.stop()
    assert server.proc.poll() is None
    assert server.stop() == 0  # SIGTERM: a clean stop, and the server said so on the bus itself
    assert retained_server_status(broker)["state"] == "offline"
    assert " ERROR " not in server.text() and "Traceback" not in server.text()


def test_broker_outage_server_and_seat_carry_on_and_the_seat_catches_up(
        tmp_path: Path, hall: tuple[HallConfigs, list[Process]], broker: MosquittoBroker, hall_db: str) -> None:
    configs, running = hall
    server, seat = _up(tmp_path, configs, running)
    flood = Flood(configs.osmand_port)
    try:
        picture = seat.wait_until(lambda r: len(r["positions"]) == len(OFFICERS), 30, "every officer on the map")
        broker.stop()
        stopped_at = time.time()
        offline = seat.wait_until(lambda r: r["bus_offline"], 6, "总线离线")
        assert offline["t"] - stopped_at <= 3.0, f"总线离线 after {offline['t'] - stopped_at:.1f} s"
        assert "总线离线" in offline["texts"]
        assert set(offline["positions"]) == set(picture["positions"])
        during = flood.count()
        code = report_case(configs, "总线中断期间的市民上报")  # the server still takes reports
        time.sleep(10 - (time.time() - stopped_at))
        assert flood.count() > during + 50, "the server stopped acknowledging fixes while the broker was down"
        assert server.proc.poll() is None and seat.proc.poll() is None
        broker.start()
        back = seat.wait_until(lambda r: not r["bus_offline"] and not r["server_offline"], 40, "the bus back")
        caught_up = seat.wait_until(lambda r: code in r["queue"], 15, f"case {code} in the dispatch queue")
        assert caught_up["t"] - back["t"] <= 15
    finally:
        flood.stop()
    assert set(flood.acknowledged) <= stored(hall_db)


def test_snapshot_of_a_seat_reports_the_servers_units_and_devices_and_listens_nowhere(
        tmp_path: Path, hall: tuple[HallConfigs, list[Process]]) -> None:
    configs, running = hall
    running.append(start_server(tmp_path, configs))
    flood = Flood(configs.osmand_port)
    try:
        report = tmp_path / "seat-report.json"
        snapshot = Process([sys.executable, "-m", "commandcenter", "snapshot", "--config", str(configs.seat),
                            "--screen", "map", "--after", "8", "--out", str(tmp_path / "map.png"), "--report",
                            str(report)], tmp_path / "snapshot.log", process_env(tmp_path), tmp_path)
        running.append(snapshot)
        snapshot.wait_for(r"seat of the server on mqtt://", 120)
        ports: set[int] = set()
        while snapshot.proc.poll() is None:
            ports |= listening_ports(snapshot.pid) if Path(f"/proc/{snapshot.pid}/fd").exists() else set()
            time.sleep(0.2)
        assert snapshot.proc.returncode == 0, snapshot.text()[-3000:]
    finally:
        flood.stop()
    assert ports == set(), f"the seat listened on {ports}"
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {"units", "cases", "drones", "devices"} <= set(data)
    assert {u["id"] for u in data["units"]} >= set(OFFICERS)  # positions from the server, over the bus/database
    assert any(d.get("kind") == "osmand" for d in data["devices"])  # the server's listener, seen from the seat
