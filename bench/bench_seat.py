"""The GUI thread of a seat of the command hall's server, the simulated city at 2,000 units on the same machine.

Why beside the demo's figure (:mod:`bench.bench_startup`): in the one-process demo the GUI thread shares the
interpreter lock and two cores with the serving of 2,000 devices (listeners, store writer, rules, field API,
the simulated phones' HTTP). The command hall's shape keeps that out of the seats: ``commandcenter serve``
owns it, a seat (``commandcenter run``, here ``demo --config seat.toml`` as in ``demo --hall``) reads the
database and follows the bus. This measures the same 10 ms timer as the demo's figure, with the same probe
(:mod:`bench.startup_probe` ``--seat``), every screen built, on a seat of ``commandcenter serve --demo``:
PostgreSQL and Mosquitto on loopback, the demo cameras, the city at 2,000 units (``--quick``: 300), all on
this machine, so the server's, the database's and the broker's CPU are the machine's load here.

``python -m bench.bench_seat [--quick]`` prints the JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.bench_hall import _wait_text  # the hall benchmark waits for its server the same way
from commandcenter.demo.hall import Hall, start_mosquitto, start_postgres, write_configs

ROOT = Path(__file__).resolve().parent.parent
SERVER_UP_S = 300.0


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def _probe(seat_toml: Path, data_dir: Path, units: int, seconds: float) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CC_DATA_DIR=str(data_dir), CC_CONFIG_DIR=str(data_dir))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run([sys.executable, "-m", "bench.startup_probe", str(units), str(seconds),
                             "--seat", str(seat_toml)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=seconds + 300)
    if result.returncode != 0:
        raise RuntimeError(f"seat probe failed: {result.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def run(quick: bool = False) -> dict[str, Any]:
    from commandcenter.demo.testserver import start_demo_cameras

    units = 300 if quick else 2000
    seconds = 5.0 if quick else 30.0
    data_dir = Path(tempfile.mkdtemp(prefix="cc-bench-seat-"))
    folder = data_dir / "hall"
    folder.mkdir()
    hall = Hall(folder)
    start_load = round(os.getloadavg()[0], 2)
    try:
        db_url = start_postgres(hall)
        broker = start_mosquitto(hall)
        camera_server, cameras = start_demo_cameras(4, 32.0415, 118.7840)  # as ``demo --hall``
        hall.stoppers.append(("demo cameras", camera_server.stop))
        server_toml, seat_toml = write_configs(hall, db_url, broker, cameras, units)
        env = dict(os.environ, CC_DATA_DIR=str(data_dir), CC_CONFIG_DIR=str(data_dir))
        with (folder / "server.log").open("wb") as log:
            server = subprocess.Popen([sys.executable, "-m", "commandcenter", "serve", "--config", str(server_toml),
                                       "--demo"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        hall.stoppers.append(("server", lambda: _stop(server)))
        _wait_text(folder / "server.log", "server up", SERVER_UP_S, server)
        probe = _probe(seat_toml, data_dir, units, seconds)
    finally:
        hall.stop()
    return {
        "shape": "seat of `commandcenter serve --demo` (PostgreSQL, Mosquitto, 4 demo cameras, this machine)",
        "demo_units": units,
        "stall_window_s": seconds,
        "gui_stall_max_ms": probe["stall_max_ms"],
        "gui_stall_p99_ms": probe["stall_p99_ms"],
        "gui_stall_median_ms": probe["stall_median_ms"],
        "timer_ticks": probe["ticks"],
        "units_positioned": probe["units_seen"],
        "unit_changes_per_s": probe.get("unit_changes_per_s"),
        "ramp_stall_max_ms": probe.get("ramp_stall_max_ms"),
        "ramp_stall_p99_ms": probe.get("ramp_stall_p99_ms"),
        "populated_after_s": probe.get("populated_after_s"),
        "stall_by_10s": probe.get("stall_by_10s"),
        "gui_thread_cpu_share": probe.get("gui_thread_cpu_share"),
        "gui_thread_runqueue_share": probe.get("gui_thread_runqueue_share"),
        "seat_process_cpu_cores": probe.get("process_cpu_cores"),
        "load_average_1min_at_start": start_load,
        "load_average_1min": probe["load_average_1min"],
        "goal": "worst stall and p99 of a 10 ms GUI timer on a seat while the server serves the city at 2,000 units",
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
