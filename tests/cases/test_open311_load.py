"""Open311 under load and abuse: bursts of citizens, slow clients, oversized descriptions and bodies."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from commandcenter.cases.open311_backend import CaseOpen311Backend
from commandcenter.cases.service import CaseService
from devices.httpserve import HttpLimits
from devices.open311 import MAX_DESCRIPTION, Open311Server
from tests.devices.adapter_support import RunningAdapter, wait_until

from .test_open311 import KEY, call

LIMITS = HttpLimits(workers=8, max_connections=400, header_timeout=1.0, body_timeout=1.0, keepalive_timeout=5.0)


@pytest.fixture
def open311(service: CaseService) -> Iterator[tuple[str, Open311Server]]:
    server = Open311Server(CaseOpen311Backend(service), "127.0.0.1", 0, api_keys=[KEY], limits=LIMITS)
    running = RunningAdapter(server, listener=True)
    assert server.ready.wait(5)
    yield f"http://127.0.0.1:{server.bound_port}/open311/v2/", server
    running.finish()


def report(i: int) -> dict[str, str]:
    return {"api_key": KEY, "service_code": "SJ0101", "lat": "30.0001", "long": "119.9951",
            "description": f"第 {i} 位市民：垃圾堆积"}


def test_a_burst_of_100_concurrent_posts_is_served_whole(open311: tuple[str, Open311Server],
                                                         service: CaseService) -> None:
    base, _ = open311
    with ThreadPoolExecutor(100) as pool:
        results = list(pool.map(lambda i: call(base + "requests.json", report(i)), range(100)))
    assert [status for status, _ in results] == [201] * 100
    ids = {json.loads(body)[0]["service_request_id"] for _, body in results}
    assert len(ids) == 100 and len(service.queue()) == 100


def test_300_slow_clients_hold_no_threads_and_a_good_client_is_served(open311: tuple[str, Open311Server]) -> None:
    base, server = open311
    port = server.bound_port
    assert port is not None
    call(base + "services.json")  # the pool's threads exist before counting
    threads_before = threading.active_count()
    slow = []
    try:
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\nContent-Type: applic")
            slow.append(sock)
        time.sleep(0.3)  # let the server read all 300 half heads
        assert threading.active_count() <= threads_before + LIMITS.workers
        status, body = call(base + "services.json")
        assert status == 200 and json.loads(body)
        # The half heads never finish: each is closed once header_timeout has passed.
        for sock in slow:
            sock.settimeout(10)
            assert sock.recv(1024) == b""
    finally:
        for sock in slow:
            sock.close()
    assert threading.active_count() <= threads_before + LIMITS.workers


def test_a_body_cut_short_is_timed_out_and_stores_nothing(open311: tuple[str, Open311Server],
                                                          service: CaseService) -> None:
    base, server = open311
    body = "&".join(f"{k}={v}" for k, v in report(1).items()).encode()
    with socket.create_connection(("127.0.0.1", server.bound_port or 0), timeout=10) as sock:
        sock.sendall(b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     + f"Content-Length: {len(body) + 50}\r\n\r\n".encode() + body)
        assert sock.recv(1024) == b""  # cut after body_timeout, no answer for half a request
    assert service.queue() == []
    assert "request body" in wait_until(lambda: server.stats.last_error)
    status, _ = call(base + "services.json")
    assert status == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_500_kb_description_is_refused_with_the_limit(open311: tuple[str, Open311Server], service: CaseService,
                                                        fmt: str) -> None:
    base, _ = open311
    form = {**report(1), "description": "Rubbish! " * 55_555 + "x" * 5}  # 500,000 characters, 500 KB
    status, body = call(base + f"requests.{fmt}", form)
    assert status == 400
    text = body.decode()
    assert f"the limit is {MAX_DESCRIPTION} characters" in text and "500000 characters" in text
    assert ("<errors><error><code>400</code>" in text) if fmt == "xml" else json.loads(text)[0]["code"] == 400
    assert service.queue() == []
    status, _ = call(base + f"requests.{fmt}", {**report(2), "description": "垃" * MAX_DESCRIPTION})
    assert status == 201 and service.queue()[0].description == "垃" * MAX_DESCRIPTION


def test_an_oversized_body_is_refused_with_413_before_it_is_sent(open311: tuple[str, Open311Server]) -> None:
    _, server = open311
    with socket.create_connection(("127.0.0.1", server.bound_port or 0), timeout=10) as sock:
        sock.sendall(b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\n")
        received = b""
        while chunk := sock.recv(4096):  # the server answers and closes without waiting for the body
            received += chunk
        answer = received.decode()
    assert answer.startswith("HTTP/1.1 413") and f"0..{server.max_body} bytes" in answer
