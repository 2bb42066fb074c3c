"""Tracker adapter benchmarks: JT/T 808 decode rate, concurrent terminals on loopback, OsmAnd requests per second.

``run(quick)`` returns a dict of figures (and raises AssertionError if a fix goes missing, so a regression in
the server shows up as a failed bench, not as a slightly smaller number). ``python -m bench.bench_trackers
[--quick]`` prints the dict as JSON.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from devices.base import PositionFix
from devices.jt808 import (
    MSG_LOCATION,
    REG_OK,
    RESULT_OK,
    Discard,
    FrameDecoder,
    Jt808Server,
    Jt808Terminal,
    decode_frame,
    decode_location,
    encode_frame,
    encode_location,
)
from devices.osmand import OsmAndClient, OsmAndServer


def _frames(n: int) -> bytes:
    """A realistic stream: 0x0200 reports with mileage/fuel/signal/satellite TLVs, some needing escapes."""
    t0 = datetime(2024, 6, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        body = encode_location(22.5 + (i % 1000) * 1e-4, 114.0 + (i % 777) * 1e-4, (i % 90) + 0.5, i % 360,
                               t0 + timedelta(seconds=i), alarm=0x7E if i % 10 == 0 else 0, altitude=i % 200,
                               mileage_km=1000 + i / 10, fuel_l=40.0, signal=25, satellites=12)
        out.append(encode_frame(MSG_LOCATION, f"0139{i % 100000000:08d}", i & 0xFFFF, body))
    return b"".join(out)


def bench_jt808_decode(n: int, runs: int) -> dict[str, Any]:
    """Frames/s through the whole decode path: stream splitting, unescape, checksum, header, location body."""
    stream = _frames(n)
    chunks = [stream[i:i + 4096] for i in range(0, len(stream), 4096)]
    rates = []
    for _ in range(runs):
        dec = FrameDecoder()
        decoded = 0
        start = time.perf_counter()
        for chunk in chunks:
            for item in dec.feed(chunk):
                if isinstance(item, Discard):
                    raise AssertionError(item.reason)
                msg = decode_frame(item)
                decode_location(msg.body)
                decoded += 1
        elapsed = time.perf_counter() - start
        assert decoded == n, f"decoded {decoded} of {n} frames"
        rates.append(n / elapsed)
    return {"jt808_frames_per_s": round(statistics.median(rates)), "jt808_frames_per_run": n,
            "jt808_decode_runs": runs, "jt808_frame_bytes_avg": round(len(stream) / n, 1)}


def _raise_fd_limit(need: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft)


def bench_jt808_concurrent(n: int) -> dict[str, Any]:
    """Open ``n`` terminals that register, authenticate and report, all connected at once; none may be lost."""
    fd_limit = _raise_fd_limit(2 * n + 256)  # both ends of every connection live in this process
    if fd_limit < 2 * n + 64:
        n = max(10, (fd_limit - 64) // 2)
    fixes: list[PositionFix] = []
    lock = threading.Lock()

    def sink(event: Any) -> None:
        if isinstance(event, PositionFix):
            with lock:
                fixes.append(event)

    server = Jt808Server("bench-jt808", port=0, accept_unknown=True)
    stop = threading.Event()
    thread = threading.Thread(target=server.serve, args=(sink, stop), daemon=True)
    thread.start()
    assert server.ready.wait(5) and server.bound_port is not None
    terminals: list[Jt808Terminal] = []
    try:
        start = time.perf_counter()
        now = datetime.now(UTC)
        for i in range(n):
            t = Jt808Terminal(f"0138{i:08d}", "127.0.0.1", server.bound_port, version=2019 if i % 2 else 2013)
            terminals.append(t)
            assert t.register()[0] == REG_OK
            assert t.authenticate() == RESULT_OK
            assert t.report(30.0 + i * 1e-5, 120.0, 30.0, 90, now) == RESULT_OK
        setup_s = time.perf_counter() - start
        held = server.stats.clients
        # Second round with every connection open: all terminals send, then all collect their answers.
        start = time.perf_counter()
        for t in terminals:
            t.report(31.0, 121.0, 40.0, 180, now, wait=False)
        for t in terminals:
            reply = t.receive()
            assert reply.body[-1] == RESULT_OK
        round_s = time.perf_counter() - start
        deadline = time.monotonic() + 10
        while len(fixes) < 2 * n and time.monotonic() < deadline:
            time.sleep(0.01)
        assert held == n, f"server held {held} connections, expected {n}"
        assert len(fixes) == 2 * n, f"{len(fixes)} fixes for {2 * n} reports: some were dropped"
        assert len({f.device_key for f in fixes}) == n
    finally:
        for t in terminals:
            t.close()
        stop.set()
        thread.join(5)
    return {"jt808_concurrent_terminals": n, "jt808_connections_held": held,
            "jt808_session_setup_per_s": round(n / setup_s), "jt808_concurrent_reports_per_s": round(n / round_s),
            "jt808_fixes_received": len(fixes), "jt808_bad_messages": server.stats.bad_messages}


def bench_osmand(total: int, threads: int) -> dict[str, Any]:
    """Requests/s against the HTTP server from ``threads`` keep-alive clients."""
    count = [0]
    lock = threading.Lock()

    def sink(event: Any) -> None:
        if isinstance(event, PositionFix):
            with lock:
                count[0] += 1

    server = OsmAndServer("bench-osmand", port=0)
    stop = threading.Event()
    thread = threading.Thread(target=server.serve, args=(sink, stop), daemon=True)
    thread.start()
    assert server.ready.wait(5) and server.bound_port is not None
    port = server.bound_port
    per = total // threads
    failures: list[str] = []

    def officer(k: int) -> None:
        with OsmAndClient("127.0.0.1", port) as client:
            for i in range(per):
                status, text = client.report(f"officer-{k:03d}", 22.5 + i * 1e-5, 114.0, timestamp=1717200000 + i,
                                             speed_knots=3.0, bearing=90, accuracy=5, batt=80)
                if status != 200:
                    failures.append(text)

    try:
        workers = [threading.Thread(target=officer, args=(k,)) for k in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        thread.join(5)
    assert not failures, failures[:3]
    assert count[0] == per * threads, f"{count[0]} fixes for {per * threads} requests"
    return {"osmand_requests_per_s": round(per * threads / elapsed), "osmand_requests": per * threads,
            "osmand_client_threads": threads}


def run(quick: bool = False) -> dict[str, Any]:
    """All tracker figures; quick mode finishes in a few seconds, full mode well under a minute."""
    started = time.perf_counter()
    result: dict[str, Any] = {"quick": quick}
    result.update(bench_jt808_decode(5000 if quick else 20000, 3 if quick else 5))
    result.update(bench_jt808_concurrent(200 if quick else 1000))
    result.update(bench_osmand(400 if quick else 3000, 4))
    result["total_seconds"] = round(time.perf_counter() - started, 2)
    return result


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
