"""城管通 phones against the field API on loopback: many paired phones long-polling at once.

- server RSS and CPU (CPU seconds per second of the server process) while every phone holds a long poll, over
  one whole poll cycle (each poll times out after 55 s, is answered and sent again);
- task delivery latency from 派遣 (the desk's dispatch call, timed in the server process) to the phone having the
  task in its long poll's answer, p50/p99 (same machine, same clock);
- evidence upload throughput (MB/s, multipart to ``…/tasks/{code}/evidence``) and the latency of other calls
  (``GET /field/v1/me``) made meanwhile, p50/p99/max: uploads must never block them.

Full size is 10,000 phones; ``--quick`` 500. The server is a child process (this module with ``--serve``: the
composed command center with a ``[field]`` listener on a real SQLite file, its officers paired through the field
service as ``POST /pair`` does); the phones are one asyncio loop in this process, each keeping one HTTP/1.1
connection for its long polls (:class:`commandcenter.demo.phones.FieldConnection`), as a phone's HTTP stack does.
``python -m bench.bench_field [--quick]`` prints the JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from commandcenter.demo.phones import FieldConnection

REPO = Path(__file__).resolve().parents[1]
LAT, LON = 30.2741, 120.1551


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(1000 * statistics.median(ordered), 1),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


LISTEN_QUEUE_COUNTERS = ("ListenOverflows", "ListenDrops", "SyncookiesSent", "SyncookiesFailed")


def _listen_queue_counters() -> dict[str, int]:
    """The kernel's counters of a full listen queue (all sockets of the machine, Linux ``/proc/net/netstat``):
    connections dropped or answered with SYN cookies, and cookies that failed (the client sees a reset)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return {}
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return {name: int(row[name]) for name in LISTEN_QUEUE_COUNTERS if name in row}
    return {}


def _config(db: Path, phones: int) -> str:
    officers = "".join(f'\n[[officers]]\nid = "p{i}"\nname = "队员{i}"\nbadge = "B{i:05d}"\nteam = "一中队"\n'
                       for i in range(phones))
    return (f'[database]\nurl = "sqlite:///{db}"\n\n[field]\nhost = "127.0.0.1"\nport = 0\n'
            f'max_upload_mb = 64.0\nmax_connections = {phones + 200}\n{officers}')


# ----------------------------------------------------------------------------------------------- server side
def serve(config_path: str, tokens_path: str) -> int:
    """The server child: compose, start, pair every officer, then take ``dispatch CODE… `` commands on stdin."""
    _raise_nofile()
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    from commandcenter.cases.model import NewCase
    from commandcenter.config import load_config
    from commandcenter.field.pairing import issue_codes
    from commandcenter.runtime.compose import build

    app = QCoreApplication([])
    services = build(load_config(Path(config_path)))
    services.start()
    api = services.field_api
    assert api is not None and api.ready.wait(30), "the field listener did not start"
    officers = [o.id for o in services.config.officers]
    codes = issue_codes(services.store, officers)
    tokens = {o: api.service.pair(codes[o], "bench")["token"] for o in officers}
    Path(tokens_path).write_text(json.dumps(tokens))

    class Commands(QObject):
        line = Signal(str)

    def handle(line: str) -> None:
        words = line.split()
        if not words:
            return
        if words[0] == "quit":
            services.stop()
            app.quit()
            return
        if words[0] == "case":  # case OFFICER: a registered case (not yet dispatched); prints its code
            view = services.cases.create_case(NewCase(source="dispatcher", category="BJ0101", description="bench",
                                                      lat=LAT, lon=LON + 0.003, address="延安路 100 号"),
                                              "system", register=True).result(30)
            print(json.dumps({"case": view.code, "officer": words[1]}), flush=True)
        elif words[0] == "stats":  # what the listener holds: parked polls, open connections, threads
            httpd = api._httpd
            counters = httpd.counters() if httpd is not None else None
            print(json.dumps({"parked_polls": len(api.waiters), "threads": threading.active_count(),
                              "open_connections": httpd.open_connections if httpd is not None else 0,
                              # connections the listener closed itself: to make room, or past a deadline
                              "evicted": counters.evicted if counters else 0,
                              "timed_out": counters.timed_out if counters else 0,
                              "refused": counters.refused if counters else 0}), flush=True)
        elif words[0] == "dispatch":  # dispatch CODE OFFICER: 派遣, timed here
            at = time.time()
            services.cases.dispatch(words[1], words[2], "system").result(30)
            print(json.dumps({"dispatched": words[1], "at": at}), flush=True)

    commands = Commands()
    commands.line.connect(handle)

    def read() -> None:
        for raw in sys.stdin:
            commands.line.emit(raw.strip())

    threading.Thread(target=read, daemon=True).start()
    print(json.dumps({"port": api.bound_port}), flush=True)
    return app.exec()


# ----------------------------------------------------------------------------------------------- phone side
POLL_WAIT_S = 55  # what the officers' web app asks for (resources/field/app.js)


async def _request(port: int, token: str, method: str, path: str, body: bytes = b"",
                   ctype: str = "application/json") -> tuple[int, bytes]:
    """One call on a connection of its own (closed after it)."""
    connection = FieldConnection("127.0.0.1", port)
    try:
        return await connection.request(method, path, token=token, body=body, content_type=ctype, timeout=120)
    finally:
        connection.close()


class Phones:
    """Every phone keeps one HTTP/1.1 connection (as a phone's HTTP stack does) and long-polls on it."""

    def __init__(self, port: int, tokens: dict[str, str]) -> None:
        self.port = port
        self.tokens = tokens
        self.connections = {o: FieldConnection("127.0.0.1", port) for o in tokens}
        self.received: dict[str, float] = {}  # case code → when a phone first had it
        self.polling = 0
        self.errors = 0
        self.error_kinds: Counter[str] = Counter()  # exception type (or HTTP status) → how many
        self.last_error = ""

    @property
    def connects(self) -> int:
        return sum(c.connects for c in self.connections.values())

    async def poll(self, officer: str) -> None:
        connection, token, version = self.connections[officer], self.tokens[officer], ""
        try:
            while True:
                query = f"?wait={POLL_WAIT_S}&since={version}" if version else ""
                self.polling += 1
                try:
                    status, body = await connection.request("GET", f"/field/v1/tasks{query}", token=token,
                                                            timeout=POLL_WAIT_S + 30)
                except (OSError, TimeoutError) as exc:
                    self.errors += 1
                    self.error_kinds[type(exc).__name__] += 1
                    self.last_error = repr(exc)
                    await asyncio.sleep(0.5)
                    continue
                finally:
                    self.polling -= 1
                now = time.time()
                if status != 200:
                    self.errors += 1
                    self.error_kinds[f"status {status}"] += 1
                    self.last_error = f"status {status}: {body[:200]!r}"
                    await asyncio.sleep(0.5)
                    continue
                answer = json.loads(body)
                version = str(answer.get("version", ""))
                for task in answer.get("tasks", []):
                    self.received.setdefault(task["code"], now)
        finally:
            connection.close()


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "benchfield0boundary"
    content = os.urandom(size)
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\n'
            f'Content-Type: video/mp4\r\n\r\n').encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def _phones_run(proc: subprocess.Popen[str], port: int, tokens: dict[str, str], quick: bool,
                      lines: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    phones = Phones(port, tokens)
    officers = list(tokens)
    pid = proc.pid
    idle_rss = _rss_mb(pid)
    pollers = []
    kernel_before = _listen_queue_counters()
    ramp_started = time.monotonic()
    for i, officer in enumerate(officers):
        pollers.append(asyncio.ensure_future(phones.poll(officer)))
        if i % 100 == 99:
            await asyncio.sleep(0.1)  # 1,000 phones a second: within the listen backlog
    ramp_s = time.monotonic() - ramp_started
    deadline = time.monotonic() + 120
    while phones.polling < len(officers) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.0)
    cpu0, t0 = _cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(POLL_WAIT_S + 5.0)  # a whole cycle: every poll times out once and is sent again
    parked_cpu = (_cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
    parked_rss = _rss_mb(pid)
    parked = phones.polling  # long polls open at once (each returns after 55 s and is sent again at once)

    async def command(text: str) -> dict[str, Any]:
        assert proc.stdin is not None
        proc.stdin.write(text + "\n")
        proc.stdin.flush()
        return await asyncio.wait_for(lines.get(), 60)

    server_side = await command("stats")
    errors_before_dispatch = phones.errors

    # 派遣 → phone
    count = 30 if quick else 100
    step = max(1, len(officers) // count)
    targets = officers[::step][:count]
    dispatched: dict[str, float] = {}
    cases: dict[str, str] = {}
    for officer in targets:
        cases[officer] = (await command(f"case {officer}"))["case"]
    cpu1, t1 = _cpu_seconds(pid), time.monotonic()
    for officer in targets:
        reply = await command(f"dispatch {cases[officer]} {officer}")
        dispatched[reply["dispatched"]] = reply["at"]
        await asyncio.sleep(0.05)
    deadline = time.monotonic() + 30
    while not set(dispatched) <= set(phones.received) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    dispatch_cpu = (_cpu_seconds(pid) - cpu1) / (time.monotonic() - t1)
    latencies = [phones.received[c] - at for c, at in dispatched.items() if c in phones.received]

    # evidence uploads while other calls go on
    uploader = targets[0]
    code = cases[uploader]
    token = tokens[uploader]
    assert (await _request(port, token, "POST", f"/field/v1/tasks/{code}/accept", b"{}"))[0] == 200
    size = (8 if quick else 32) << 20
    body, ctype = _multipart(size)
    others: list[float] = []
    done = asyncio.Event()

    async def other_calls() -> None:
        who = officers[-1]
        while not done.is_set():
            started = time.monotonic()
            status, _ = await _request(port, tokens[who], "GET", "/field/v1/me")
            if status == 200:
                others.append(time.monotonic() - started)
            await asyncio.sleep(0.02)

    side = asyncio.ensure_future(other_calls())
    uploads = 2 if quick else 4
    started = time.monotonic()
    statuses = []
    for _ in range(uploads):
        statuses.append((await _request(port, token, "POST", f"/field/v1/tasks/{code}/evidence", body, ctype))[0])
    upload_s = time.monotonic() - started
    done.set()
    await side
    server_at_end = await command("stats")
    for task in pollers:
        task.cancel()
    await asyncio.gather(*pollers, return_exceptions=True)
    return {
        "phones": len(officers), "long_polls_open": parked, "server": server_side, "server_at_end": server_at_end,
        "phones_connected_in_s": round(ramp_s, 1),
        "server_rss_mb": {"paired_idle": idle_rss, "phones_polling": parked_rss},
        "server_cpu_s_per_s": {"phones_polling": round(parked_cpu, 3), "while_dispatching": round(dispatch_cpu, 3)},
        "delivery_dispatch_to_phone": _percentiles(latencies),
        "delivered": f"{len(latencies)}/{len(dispatched)}",
        "evidence_upload": {"files": uploads, "size_mb": size >> 20, "statuses": statuses,
                            "mb_per_s": round(uploads * size / (1 << 20) / upload_s, 1)},
        "other_calls_during_upload": _percentiles(others),
        "phone_errors": phones.errors, "phone_last_error": phones.last_error,
        "phone_errors_by_kind": dict(phones.error_kinds),
        "phone_errors_before_dispatch": errors_before_dispatch,
        "phone_connections_opened": phones.connects,
        "kernel_listen_queue": {name: after - kernel_before.get(name, 0)
                                for name, after in _listen_queue_counters().items()},
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def run(quick: bool = False) -> dict[str, Any]:
    _raise_nofile()
    phones = 500 if quick else 10_000
    with tempfile.TemporaryDirectory(prefix="bench-field-") as tmp:
        config = Path(tmp) / "field.toml"
        config.write_text(_config(Path(tmp) / "field.db", phones), encoding="utf-8")
        tokens_path = Path(tmp) / "tokens.json"
        env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", "CC_DATA_DIR": tmp}
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "bench.bench_field", "--serve", str(config), str(tokens_path)],
                                cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            if not first:
                raise RuntimeError(f"the field server exited with {proc.wait()} before listening")
            port = int(json.loads(first)["port"])
            paired_s = time.monotonic() - started
            tokens = json.loads(tokens_path.read_text())

            async def main() -> dict[str, Any]:
                loop = asyncio.get_running_loop()
                lines: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

                def pump() -> None:
                    assert proc.stdout is not None
                    for raw in proc.stdout:
                        if raw.strip().startswith("{"):
                            loop.call_soon_threadsafe(lines.put_nowait, json.loads(raw))

                threading.Thread(target=pump, daemon=True).start()
                return await _phones_run(proc, port, tokens, quick, lines)

            result = asyncio.run(main())
            result["start_and_pair_s"] = round(paired_s, 1)
            return result
        finally:
            if proc.poll() is None and proc.stdin is not None:
                try:
                    proc.stdin.write("quit\n")
                    proc.stdin.flush()
                    proc.wait(30)
                except (OSError, subprocess.TimeoutExpired):
                    proc.kill()
                    proc.wait()


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--serve":
        raise SystemExit(serve(sys.argv[2], sys.argv[3]))
    print(json.dumps(run(quick="--quick" in sys.argv), ensure_ascii=False, indent=2))
