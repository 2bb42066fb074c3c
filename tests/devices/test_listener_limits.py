"""Listeners degrade, not stop: connection caps with idle-first closing, and a low open-files limit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.config import parse_config
from commandcenter.runtime.fdlimits import MIN_SHARE, listener_limits
from devices.httpserve import HttpLimits
from devices.jt808 import RESULT_OK, Jt808Server, Jt808Terminal
from devices.osmand import OsmAndClient, OsmAndServer
from tests.devices.adapter_support import RunningAdapter, wait_until

ROOT = Path(__file__).resolve().parents[2]
PHONES = ("013900000001", "013900000002")


@pytest.fixture
def jt808() -> Iterator[Jt808Server]:
    server = Jt808Server("jt-cap", port=0, known_terminals=set(PHONES), max_clients=20, auth_timeout=1.0)
    running = RunningAdapter(server, listener=True)
    assert server.ready.wait(5)
    yield server
    running.finish()


def terminal(server: Jt808Server, phone: str) -> Jt808Terminal:
    assert server.bound_port is not None
    t = Jt808Terminal(phone, "127.0.0.1", server.bound_port)
    t.connect()
    return t


def test_at_the_cap_idle_sockets_are_closed_first_and_terminals_still_get_in(jt808: Jt808Server) -> None:
    veteran = terminal(jt808, PHONES[0])
    idle: list[socket.socket] = []
    try:
        veteran.register()
        assert veteran.authenticate() == RESULT_OK
        assert jt808.bound_port is not None
        idle = [socket.create_connection(("127.0.0.1", jt808.bound_port), timeout=10) for _ in range(60)]
        wait_until(lambda: jt808.evicted >= 60 - 19)
        assert jt808.stats.clients <= 20
        newcomer = terminal(jt808, PHONES[1])
        try:
            newcomer.register()
            assert newcomer.authenticate() == RESULT_OK
            assert newcomer.report(32.04, 118.78) == RESULT_OK
        finally:
            newcomer.close()
        assert veteran.heartbeat() == RESULT_OK  # the authenticated terminal was never the one closed
        # What is left of the flood never authenticates: closed after auth_timeout.
        for sock in idle:
            assert sock.recv(64) == b""
        assert veteran.heartbeat() == RESULT_OK
    finally:
        veteran.close()
        for sock in idle:
            sock.close()


def test_osmand_phones_keep_alive_while_slow_clients_hold_no_threads() -> None:
    limits = HttpLimits(workers=4, max_connections=150, header_timeout=1.0, keepalive_timeout=30.0)
    server = OsmAndServer("osm-cap", port=0, limits=limits)
    running = RunningAdapter(server, listener=True)
    slow: list[socket.socket] = []
    try:
        assert server.ready.wait(5) and server.bound_port is not None
        phones = [OsmAndClient("127.0.0.1", server.bound_port) for _ in range(20)]
        for i, phone in enumerate(phones):  # 20 kept-alive phones, 4 workers: connections wait without threads
            assert phone.report(f"phone-{i}", 32.04, 118.78)[0] == 200
        threads = threading.active_count()
        connections = [phone._conn for phone in phones]
        for _ in range(200):  # more than max_connections: the slowest heads are closed first, phones stay
            sock = socket.create_connection(("127.0.0.1", server.bound_port), timeout=10)
            sock.sendall(b"GET /?id=slow&lat=32")
            slow.append(sock)
        time.sleep(0.3)
        assert threading.active_count() <= threads
        for i, phone in enumerate(phones):
            assert phone.report(f"phone-{i}", 32.05, 118.79)[0] == 200
        assert [phone._conn for phone in phones] == connections  # the same kept-alive connections, none reopened
        for phone in phones:
            phone.close()
        for sock in slow:
            assert sock.recv(64) == b""  # evicted at the cap or timed out after header_timeout
    finally:
        for sock in slow:
            sock.close()
        running.finish()


def test_caps_are_fitted_into_the_open_files_limit() -> None:
    config = parse_config('[trackers.jt808]\nport = 0\n[trackers.osmand]\nport = 0\n[open311]\nport = 0\n'
                          '[listeners]\nreserve_fds = 64\n', "t.toml")
    roomy = listener_limits(config, soft_limit=100_000, in_use=50)
    assert (roomy.jt808_max_connections, roomy.http.max_connections) == (5000, 512)
    tight = listener_limits(config, soft_limit=1024, in_use=60)
    used = tight.jt808_max_connections + 2 * tight.http.max_connections
    assert used <= 1024 - 64 - 60 and tight.http.max_connections >= MIN_SHARE
    assert listener_limits(config, soft_limit=100, in_use=60).jt808_max_connections == MIN_SHARE


CHILD = textwrap.dedent('''
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    from PySide6.QtCore import QCoreApplication
    app = QCoreApplication([])
    from commandcenter.config import parse_config
    from commandcenter.runtime.compose import build
    config = parse_config(sys.argv[1], "child.toml")
    services = build(config)
    services.start()
    adapters = {h.id: h.adapter for h in services.devices.handles()}
    for adapter in adapters.values():
        adapter.ready.wait(10)
    caps = {"jt808": adapters["jt808"].max_clients, "soft": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}
    print(json.dumps({"ports": {k: a.bound_port for k, a in adapters.items()}, "caps": caps}), flush=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        try:
            with open(line.strip(), "w", encoding="utf-8") as out:
                out.write("still writing")
            print("written", flush=True)
        except OSError as exc:
            print(f"failed: {exc}", flush=True)
    services.stop()
''')


def test_a_flood_of_idle_jt808_sockets_at_a_256_descriptor_limit_stops_nothing(tmp_path: Path) -> None:
    toml = textwrap.dedent(f'''
        [database]
        url = "sqlite:///{tmp_path / 'child.db'}"
        [trackers.jt808]
        port = 0
        accept_unknown = true
        [trackers.osmand]
        port = 0
        [[officers]]
        id = "officer-1"
        device = "phone-1"
        [open311]
        port = 0
        api_keys = ["k"]
        [listeners]
        reserve_fds = 64
    ''')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "CC_DATA_DIR": str(tmp_path)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, toml], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env)
    flood: list[socket.socket] = []
    try:
        assert child.stdout is not None and child.stdin is not None
        hello = json.loads(child.stdout.readline())
        ports, caps = hello["ports"], hello["caps"]
        assert caps["soft"] == 256 and caps["jt808"] < 256
        for _ in range(caps["jt808"] + 300):  # beyond the cap and beyond the child's whole descriptor limit
            flood.append(socket.create_connection(("127.0.0.1", ports["jt808"]), timeout=10))
        t = Jt808Terminal("013911112222", "127.0.0.1", ports["jt808"])
        t.connect()
        try:
            t.register()
            assert t.authenticate() == RESULT_OK
            assert t.report(32.04, 118.78) == RESULT_OK
        finally:
            t.close()
        url = f"http://127.0.0.1:{ports['osmand']}/?id=phone-1&lat=32.04&lon=118.78&timestamp=1700000000"
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.status == 200
        services = f"http://127.0.0.1:{ports['open311']}/open311/v2/services.json"
        with urllib.request.urlopen(services, timeout=10) as answer:
            assert answer.status == 200 and json.loads(answer.read())
        target = tmp_path / "still-writable.txt"
        child.stdin.write(f"{target}\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "written"
        assert target.read_text(encoding="utf-8") == "still writing"
        child.stdin.write("quit\n")
        child.stdin.flush()
        assert child.wait(60) == 0
    finally:
        for sock in flood:
            sock.close()
        if child.poll() is None:
            child.kill()
            child.wait(10)


def test_what_the_caps_and_timeouts_cost_is_in_the_device_health_report(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from commandcenter.runtime.compose import build

    monkeypatch.setenv("CC_DATA_DIR", str(tmp_path / "data"))
    config = parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "app.db"}"\n'
                          '[trackers.jt808]\nport = 0\n[trackers.osmand]\nport = 0\n'
                          '[listeners]\njt808_max_connections = 3\njt808_auth_timeout_s = 0.5\n'
                          'http_max_connections = 2\nhttp_header_timeout_s = 0.5\nhttp_body_timeout_s = 1.0\n',
                          "t.toml")
    services = build(config)
    services.start()
    sockets: list[socket.socket] = []

    def connect(port: int, data: bytes = b"") -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sockets.append(sock)
        if data:
            sock.sendall(data)
        return sock

    try:
        adapters = {h.id: h.adapter for h in services.devices.handles()}
        jt808, osmand = adapters["jt808"], adapters["osmand"]
        assert isinstance(jt808, Jt808Server) and isinstance(osmand, OsmAndServer)
        assert jt808.ready.wait(10) and osmand.ready.wait(10)
        assert jt808.bound_port is not None and osmand.bound_port is not None
        for _ in range(5):  # JT/T 808 at its cap of 3: the newest two push out the oldest idle ones ...
            connect(jt808.bound_port)
        wait_until(lambda: jt808.evicted >= 2)
        wait_until(lambda: jt808.timed_out >= 3)  # ... and the rest never authenticate
        slow_body = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nid=slow"
        busy = [connect(osmand.bound_port, slow_body) for _ in range(2)]  # both connections of the cap busy
        time.sleep(0.3)
        turned_away = connect(osmand.bound_port)
        assert turned_away.recv(64) == b""  # nothing idle to close: refused at once
        wait_until(lambda: osmand.connection_counters().refused >= 1)
        for sock in busy:  # the body never came: timed out (answered 400 or cut)
            while sock.recv(4096):
                pass
        wait_until(lambda: osmand.connection_counters().timed_out >= 2)
        idle = [connect(osmand.bound_port) for _ in range(3)]  # idle keep-alive sockets: the oldest is evicted
        wait_until(lambda: osmand.connection_counters().evicted >= 1)
        del idle
        report = {d["id"]: d for d in services.report()["devices"]}
        assert report["jt808"]["evicted"] >= 2 and report["jt808"]["timed_out"] >= 3
        assert report["jt808"]["refused"] == 0
        assert report["osmand"]["refused"] >= 1 and report["osmand"]["timed_out"] >= 2
        assert report["osmand"]["evicted"] >= 1
        from widgets.docks import HealthDock  # 设备状态 shows them too: evicted / timed out / refused

        dock = HealthDock(lambda: list(report.values()))
        qtbot.addWidget(dock)
        dock.refresh()
        row = next(r for r in range(dock.table.rowCount()) if dock.table.item(r, 0).text() == "osmand")
        osm = report["osmand"]
        assert dock.table.item(row, 7).text() == f"{osm['evicted']} / {osm['timed_out']} / {osm['refused']}"
        assert f"refused at the cap: {osm['refused']}" in dock.table.item(row, 7).toolTip()
    finally:
        for sock in sockets:
            sock.close()
        services.stop()
