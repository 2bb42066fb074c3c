"""The command hall on one machine: a server and 5 seats, PostgreSQL and Mosquitto on loopback.

- ingest → position on the fifth seat, p50/p99: JT/T 808 terminals report at 1 Hz (each report sent, the
  server stores it, publishes it, the seat's tracker has it);
- case created on seat 1 → announced on seat 5, p50/p99;
- server CPU per 1,000 units (CPU seconds per second of the server process, while the terminals report);
- resync of a seat after the broker was down (30 s; 10 s with --quick): from the broker's return to the seat
  being connected again and having re-read the database.

Full size is 10,000 units at 1 Hz; ``--quick`` 500. The terminals run in a process of their own
(bench/hall_terminals.py: one asyncio loop, one socket each, each round spread over its second; its CPU is
reported apart), the seats are headless seat processes (bench/hall_seat.py), the server is
``commandcenter serve``. ``python -m bench.bench_hall [--quick]`` prints the JSON.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.hall_terminals import STEP
from bench.hall_terminals import base as _base
from bench.hall_terminals import phone as _phone
from commandcenter.demo.hall import Hall, start_mosquitto, start_postgres

REPO = Path(__file__).resolve().parents[1]
SEATS = 5


def _percentiles(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(1000 * statistics.median(ordered), 1),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
            "max_ms": round(1000 * ordered[-1], 1)}


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone (a PostgreSQL backend that ended)
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _postgres_pids(db_url: str) -> list[int]:
    """The postmaster of the hall's cluster and its backends (the connections of the server and the seats)."""
    port = db_url.rsplit(":", 1)[1].split("/")[0]
    for pidfile in Path("/tmp").glob("cc-hall-pg-*/postmaster.pid"):
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            continue
        if len(lines) > 3 and lines[3].strip() == port:
            postmaster = int(lines[0])
            return [postmaster, *_children(postmaster)]
    return []


def _mosquitto_pids(folder: Path) -> list[int]:
    config = str(folder / "mosquitto" / "mosquitto.conf")
    out = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if config in cmdline.read_bytes().decode(errors="replace"):
                out.append(int(cmdline.parent.name))
        except (OSError, ValueError):
            continue
    return out


def _brief(simulated: dict[str, Any]) -> dict[str, Any]:
    """The terminals' figures for the result (without the send times)."""
    return {"terminal_setup_s": simulated["setup_s"], "acknowledged": simulated["acknowledged"],
            "sent": sum(len(times) for times in simulated["sent"]), "late_slices": simulated["late_slices"],
            "worst_wait_for_previous_round_s": simulated["worst_wait_for_previous_round_s"],
            "terminals_cpu_s_per_s": simulated["cpu_s_per_s"]}


def _wait_text(path: Path, text: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise RuntimeError(f"{path.name}: exited with {process.returncode}:\n{path.read_text()[-3000:]}")
        time.sleep(0.2)
    raise RuntimeError(f"{path.name}: no {text!r} within {timeout} s")


def run(quick: bool = False, units: int = 0) -> dict[str, Any]:
    """``units``: how many terminals (0: 500 with ``quick``, else 10,000)."""
    units = units or (500 if quick else 10_000)
    rounds = 15 if quick else 30
    outage_s = 10.0 if quick else 30.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, units + 1024)), hard))
    folder = Path(tempfile.mkdtemp(prefix="cc-bench-hall-"))
    hall = Hall(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO), "CC_DATA_DIR": str(folder / "data"),
           "CC_CONFIG_DIR": str(folder / "cfg"), "PYTHONUNBUFFERED": "1"}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        db_url = start_postgres(hall)
        broker = start_mosquitto(hall)
        port = _free_port()
        vehicles = "".join(f'[[vehicles]]\nid = "v{i:05d}"\nkind = "环卫车"\nterminal = "{_phone(i)}"\n'
                           for i in range(units))
        bus = (f'url = "{broker.url}"\nkeepalive_s = 2\n')
        (folder / "server.toml").write_text(
            f'[database]\nurl = "{db_url}"\n[bus]\n{bus}username = "cc-server"\n'
            f'password = "{broker.passwords["cc-server"]}"\n[trackers.jt808]\nport = {port}\n'
            f'[listeners]\njt808_max_connections = {units + 100}\n{vehicles}', encoding="utf-8")
        (folder / "seat.toml").write_text(
            f'[database]\nurl = "{db_url}"\n[bus]\n{bus}username = "cc-seat"\n'
            f'password = "{broker.passwords["cc-seat"]}"\n', encoding="utf-8")
        server = subprocess.Popen([sys.executable, "-m", "commandcenter", "serve", "--config",
                                   str(folder / "server.toml")], cwd=folder, env=env,
                                  stdout=(folder / "server.log").open("wb"), stderr=subprocess.STDOUT)
        processes.append(server)
        _wait_text(folder / "server.log", "server up", 300, server)
        seats = []
        for n in range(1, SEATS + 1):
            extra = (["--create-cases", "8" if quick else "20", "--start-file", str(folder / "reporting")] if n == 1
                     else (["--positions"] if n == SEATS else []))
            seat = subprocess.Popen([sys.executable, str(REPO / "bench" / "hall_seat.py"), str(folder / "seat.toml"),
                                     str(folder / f"seat{n}.json"), *extra], cwd=folder, env=env,
                                    stdout=(folder / f"seat{n}.log").open("wb"), stderr=subprocess.STDOUT)
            processes.append(seat)
            seats.append(seat)
        for n, seat in enumerate(seats, 1):
            _wait_text(folder / f"seat{n}.log", "seat: the server is online", 120, seat)

        # The terminals: their own process, one asyncio loop (bench/hall_terminals.py); its CPU is its own.
        terminals = subprocess.Popen([sys.executable, str(REPO / "bench" / "hall_terminals.py"), str(port),
                                      str(units), str(rounds), str(folder / "terminals.json")], cwd=folder, env=env,
                                     stdout=(folder / "terminals.log").open("wb"), stderr=subprocess.STDOUT)
        processes.append(terminals)
        _wait_text(folder / "terminals.log", "terminals up", 600, terminals)
        others = {"seats": [seat.pid for seat in seats], "postgresql": _postgres_pids(db_url),
                  "mosquitto": _mosquitto_pids(folder)}
        cpu_before, wall_before = _cpu_seconds(server.pid), time.monotonic()
        others_before = {name: sum(_cpu_seconds(pid) for pid in pids) for name, pids in others.items()}
        (folder / "reporting").touch()  # seat 1 creates its cases while the terminals report
        terminals.wait(rounds * 10 + 300)  # a loaded machine slows the rounds; the terminals time out by themselves
        cpu_s = _cpu_seconds(server.pid) - cpu_before
        wall_s = time.monotonic() - wall_before
        others_cpu = {name: round((sum(_cpu_seconds(pid) for pid in pids) - others_before[name]) / wall_s, 3)
                      for name, pids in others.items()}
        simulated = json.loads((folder / "terminals.json").read_text())
        if simulated["timed_out"]:
            raise RuntimeError(f"a terminal waited more than 30 s for an acknowledgement: {_brief(simulated)}")
        sent = {(f"v{i:05d}", r): t for r, times in enumerate(simulated["sent"], 1) for i, t in enumerate(times)}
        time.sleep(3)  # the last round reaches the seats

        hall_broker = next(stop for name, stop in hall.stoppers if name == "Mosquitto")
        broker_gone = time.time()
        hall_broker()
        time.sleep(outage_s)
        broker_back = time.time()
        start_again = start_mosquitto_again(folder)
        hall.stoppers.append(("Mosquitto again", start_again))
        time.sleep(outage_s + 35)  # reconnect backoff and the resync

        for seat in seats:
            seat.send_signal(signal.SIGTERM)
        for seat in seats:
            seat.wait(60)
        records = [json.loads((folder / f"seat{n}.json").read_text()) for n in range(1, SEATS + 1)]
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
        hall.stop()

    if not os.environ.get("CC_BENCH_KEEP"):
        shutil.rmtree(folder, ignore_errors=True)  # kept (with every process's log) when the run failed
    fifth = records[-1]
    first: dict[tuple[str, int], float] = {}  # (unit, round) -> when the fifth seat first had it (before the outage)
    for unit, seen in fifth["positions"].items():
        base_lat = _base(int(unit[1:]))[0]
        for lat, t in seen:
            key = (unit, round((lat - base_lat) / STEP))
            if key in sent and t < broker_gone:
                first[key] = min(t, first.get(key, t))
    latencies = [t - sent[key] for key, t in first.items()]
    delivered = len(latencies)
    created = {code: t for code, t in records[0]["created"].items() if t < broker_gone - 5}
    case_latencies = [fifth["cases_seen"][code] - t for code, t in created.items() if code in fifth["cases_seen"]]
    connected_after = [t - broker_back for t in fifth["moments"]["connected"] if t >= broker_back]
    resynced_after = [t - broker_back for t in fifth["moments"]["resynced"] if t >= broker_back]
    return {
        "units": units, "rate_hz": 1, "rounds": rounds, "seats": SEATS, **_brief(simulated),
        "ingest_to_seat5": {**_percentiles(latencies), "delivered_fraction": round(delivered / max(1, len(sent)), 4)},
        "case_seat1_to_seat5": {**_percentiles(case_latencies), "created_before_outage": len(created)},
        "server_cpu_s_per_s_per_1000_units": round(cpu_s / wall_s / (units / 1000), 3),
        "server_cpu_percent": round(100 * cpu_s / wall_s, 1),
        # CPU per work done, which a loaded machine stretching the rounds does not dilute: at 1 Hz, CPU seconds
        # per 1,000 fixes is the CPU-s/s 1,000 units need
        "cpu_s_per_1000_fixes": {"server": round(cpu_s / (simulated["acknowledged"] / 1000), 3),
                                 **{name: round(share * wall_s / (simulated["acknowledged"] / 1000), 3)
                                    for name, share in others_cpu.items()},
                                 "terminals": round(simulated["cpu_s_per_s"] * wall_s
                                                    / (simulated["acknowledged"] / 1000), 3)},
        "reporting_wall_s": round(wall_s, 1),
        "cpu_s_per_s_while_reporting": {"server": round(cpu_s / wall_s, 3), **others_cpu},
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "broker_outage_s": outage_s,
        "seat5_reconnected_after_s": round(connected_after[0], 2) if connected_after else None,
        "seat5_resynced_after_s": round(resynced_after[0], 2) if resynced_after else None,
        "machine_cpus": os.cpu_count(),
    }


def start_mosquitto_again(folder: Path) -> Any:
    """The same broker (same port, same passwords) back after the outage; returns its stop."""
    config = folder / "mosquitto" / "mosquitto.conf"
    process = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)

    def stop() -> None:
        process.terminate()
        process.wait(10)

    return stop


def _free_port() -> int:
    from commandcenter.demo.hall import free_port

    return free_port()


if __name__ == "__main__":
    count = int(sys.argv[sys.argv.index("--units") + 1]) if "--units" in sys.argv else 0
    print(json.dumps(run(quick="--quick" in sys.argv, units=count), ensure_ascii=False, indent=2))
