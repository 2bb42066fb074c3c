"""``commandcenter demo --hall``: the command hall on one machine, to see a server and its seats at work.

    PostgreSQL (a throwaway cluster on a free loopback port)
    Mosquitto  (a free loopback port, password file with a server and a seat account)
    demo cameras (RTSP on loopback, shared by the server's config and the seats')
    commandcenter serve --demo   — the simulated city, headless: listeners, simulator, escalation, bus
    commandcenter demo --config seat.toml --screen wall       — the video-wall seat
    commandcenter demo --config seat.toml --screen dispatch   — the dispatch seat

Everything is stopped on exit: Ctrl-C, ``--for SECONDS``, or when the last seat window is closed. The hall's
files (configs, logs, the database cluster) are in ``<data dir>/demo/hall``; the database is new each time.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from commandcenter import paths
from commandcenter.config import CameraConfig

log = logging.getLogger("commandcenter.hall")
MOSQUITTO = "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"
SEATS = (("wall", "wall", "3x3"), ("dispatch", "dispatch", "2x2"))  # name, screen, wall layout


class HallError(RuntimeError):
    """A part of the hall could not start (which one, and why)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, what: str, process: subprocess.Popen[bytes] | None, timeout: float, log_file: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise HallError(f"{what} exited with {process.returncode}; see {log_file}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                return
        except OSError:
            time.sleep(0.1)
    raise HallError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s; see {log_file}")


@dataclass
class Hall:
    """What the hall started, stopped in reverse order."""

    folder: Path
    stoppers: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def stop(self) -> None:
        for name, stop in reversed(self.stoppers):
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)
            else:
                log.info("stopped %s", name)
        self.stoppers.clear()


def _terminate(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# ------------------------------------------------------------------------------------------------ PostgreSQL
def start_postgres(hall: Hall) -> str:
    """A throwaway cluster (trust authentication, loopback only); returns its SQLAlchemy URL."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")
                                                                              if x.isdigit()])
    if not bins:
        raise HallError("PostgreSQL is not installed (Debian: apt install postgresql; or run `make setup`)")
    pgbin = bins[-1]
    run_as: list[str] = []
    data = hall.folder / "pg"
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: its own account owns the cluster
        run_as = ["runuser", "-u", "postgres", "--"]
        data = Path("/tmp") / f"cc-hall-pg-{os.getpid()}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    if run_as:
        shutil.chown(data, "postgres")
    port = free_port()
    log_file = hall.folder / "postgresql.log"
    subprocess.run([*run_as, str(pgbin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--locale=C.UTF-8"], check=True, capture_output=True, timeout=120)
    socket_dir = "/tmp"
    subprocess.run([*run_as, str(pgbin / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"), "-o",
                    f"-p {port} -c listen_addresses=127.0.0.1 -k {socket_dir}", "start"],
                   check=True, capture_output=True, timeout=120)

    def stop() -> None:
        subprocess.run([*run_as, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)
        if (data / "log").exists():
            shutil.copyfile(data / "log", log_file)
        shutil.rmtree(data, ignore_errors=True)

    hall.stoppers.append(("PostgreSQL", stop))
    log.info("PostgreSQL on 127.0.0.1:%d", port)
    return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"


# ------------------------------------------------------------------------------------------------- Mosquitto
@dataclass(frozen=True)
class Broker:
    url: str
    passwords: dict[str, str]


def start_mosquitto(hall: Hall) -> Broker:
    if not Path(MOSQUITTO).exists():
        raise HallError("Mosquitto is not installed (Debian: apt install mosquitto; or run `make setup`)")
    folder = hall.folder / "mosquitto"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    passwords = {"cc-server": secrets.token_urlsafe(12), "cc-seat": secrets.token_urlsafe(12)}
    password_file = folder / "passwd"
    password_file.touch(mode=0o600)
    for user, password in passwords.items():
        subprocess.run([MOSQUITTO_PASSWD, "-b", str(password_file), user, password], check=True, capture_output=True)
    port = free_port()
    config = folder / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {password_file}\n"
                      f"log_dest file {folder / 'mosquitto.log'}\n"
                      # started as root it would drop to "mosquitto", who cannot read these files
                      f"user {pwd.getpwuid(os.getuid()).pw_name}\n", encoding="utf-8")
    process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hall.stoppers.append(("Mosquitto", lambda: _terminate(process)))
    _wait_port(port, "mosquitto", process, 10, folder / "mosquitto.log")
    log.info("Mosquitto on mqtt://127.0.0.1:%d", port)
    return Broker(f"mqtt://127.0.0.1:{port}", passwords)


# ---------------------------------------------------------------------------------------------------- configs
def _toml(value: object) -> str:
    """A TOML value: strings as JSON strings (a TOML basic string), numbers and booleans as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _cameras(cameras: list[CameraConfig]) -> str:
    out = []
    for camera in cameras:
        keys: dict[str, object] = {"id": camera.id, "name": camera.name, "url": camera.url,
                                   "group": camera.group, "transport": camera.transport}
        if camera.lat is not None and camera.lon is not None:
            keys.update(lat=camera.lat, lon=camera.lon)
        out.append("[[cameras]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items()))
    return "\n".join(out)


def write_configs(hall: Hall, db_url: str, broker: Broker, cameras: list[CameraConfig], units: int) -> tuple[Path, Path]:
    server = hall.folder / "server.toml"
    server.write_text(f"""# demo --hall: the server on the simulated city (written by commandcenter.demo.hall)
[database]
url = {_toml(db_url)}

[bus]
url = {_toml(broker.url)}
username = "cc-server"
password = {_toml(broker.passwords["cc-server"])}
keepalive_s = 2

[simulator]
enabled = true
units = {units}
cameras = 0   # the hall serves the cameras below itself, so that the seats see them too

{_cameras(cameras)}
""", encoding="utf-8")
    seat = hall.folder / "seat.toml"
    seat.write_text(f"""# demo --hall: a seat (written by commandcenter.demo.hall)
[database]
url = {_toml(db_url)}

[bus]
url = {_toml(broker.url)}
username = "cc-seat"
password = {_toml(broker.passwords["cc-seat"])}
keepalive_s = 2

{_cameras(cameras)}
""", encoding="utf-8")
    return server, seat


# ---------------------------------------------------------------------------------------------------- the hall
def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "commandcenter", *args]


def _start(hall: Hall, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
    log_path = hall.folder / f"{name}.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, cwd=hall.folder,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    hall.stoppers.append((name, lambda: _terminate(process)))
    log.info("%s started (pid %d, log %s)", name, process.pid, log_path)
    return process


def _wait_logged(process: subprocess.Popen[bytes], log_path: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log_path.read_text(encoding="utf-8", errors="replace"):
            return
        if process.poll() is not None:
            raise HallError(f"{log_path.stem} exited with {process.returncode}; see {log_path}")
        time.sleep(0.2)
    raise HallError(f"{log_path.stem} did not log {text!r} within {timeout:.0f} s; see {log_path}")


def run_hall(*, units: int | None = None, lang: str = "zh", run_for: float = 0.0) -> int:
    """Start the hall, wait until the seats are closed (or Ctrl-C, or ``run_for`` seconds), stop everything."""
    folder = paths.demo_data_dir() / "hall"
    folder.mkdir(parents=True, exist_ok=True)
    hall = Hall(folder)
    stopping = {"signal": ""}

    def on_signal(signum: int, _frame: object) -> None:
        stopping["signal"] = signal.Signals(signum).name

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        db_url = start_postgres(hall)
        broker = start_mosquitto(hall)
        cameras = _start_cameras(hall)
        server_toml, seat_toml = write_configs(hall, db_url, broker, cameras, units if units is not None else 200)
        server = _start(hall, "server", _command("serve", "--config", str(server_toml), "--demo"))
        _wait_logged(server, folder / "server.log", "server up", 180)
        seats = [_start(hall, f"seat-{name}", _command("demo", "--config", str(seat_toml), "--screen", screen,
                                                       "--layout", layout, "--lang", lang,
                                                       *(["--for", str(run_for)] if run_for else [])))
                 for name, screen, layout in SEATS]
        print(f"demo hall up: server (log {folder / 'server.log'}), seats {', '.join(n for n, _s, _l in SEATS)}; "
              f"database {db_url}, broker {broker.url}. Ctrl-C or close the seats to stop.", flush=True)
        deadline = time.monotonic() + run_for if run_for else None
        while not stopping["signal"] and any(seat.poll() is None for seat in seats):
            if deadline is not None and time.monotonic() > deadline + 60:
                break
            if server.poll() is not None:
                raise HallError(f"the server exited with {server.returncode}; see {folder / 'server.log'}")
            time.sleep(0.3)
        log.info("stopping the hall (%s)", stopping["signal"] or "the seats were closed")
        return 0
    except HallError as exc:
        print(f"commandcenter demo --hall: {exc}", file=sys.stderr)
        return 1
    finally:
        hall.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start_cameras(hall: Hall) -> list[CameraConfig]:
    from commandcenter.demo.testserver import start_demo_cameras

    try:
        server, cameras = start_demo_cameras(4, 32.0415, 118.7840)
    except Exception as exc:  # no GStreamer: the hall still runs, without video
        log.warning("demo cameras unavailable: %s", exc)
        return []
    hall.stoppers.append(("demo cameras", server.stop))
    return cameras
