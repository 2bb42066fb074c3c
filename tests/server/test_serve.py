"""``commandcenter serve`` as a service manager runs it: a real process, no display, journald's stdout,
systemd's notify socket, SIGHUP and SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^<[2-7]>(DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: \S")


def _service_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "JOURNAL_STREAM", "INVOCATION_ID",
                        "NOTIFY_SOCKET")}
    env.update(PYTHONPATH=str(REPO), CC_DATA_DIR=str(tmp_path / "data"), CC_CONFIG_DIR=str(tmp_path / "cfg"),
               PYTHONUNBUFFERED="1", **extra)
    return env


def _write_config(tmp_path: Path, body: str = "") -> Path:
    path = tmp_path / "server.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "server.db"}"\n'
                    "[trackers.jt808]\nport = 0\n[trackers.osmand]\nport = 0\n" + body, encoding="utf-8")
    return path


def _wait_for(path: Path, pattern: str, timeout: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, path.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} not logged within {timeout} s:\n{path.read_text()}")


def test_serve_runs_headless_under_systemd_and_stops_cleanly(tmp_path: Path) -> None:
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(60)
    out = tmp_path / "stdout.log"
    env = _service_env(tmp_path, JOURNAL_STREAM="8:4242", INVOCATION_ID="0123abcd",
                       NOTIFY_SOCKET=str(tmp_path / "notify"))
    with out.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "commandcenter", "serve", "--config",
                                 str(_write_config(tmp_path))], cwd=tmp_path, env=env, stdout=sink,
                                stderr=subprocess.STDOUT)
    try:
        assert notify.recv(256) == b"READY=1"  # systemd Type=notify: up once everything has started
        port = int(_wait_for(out, r"listening: jt808 \(jt808\) on 127\.0\.0\.1:(\d+)", 20)[1])
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # the tracker listener is up
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        # No display, and no GUI library even loaded: QtCore only.
        assert "libQt6Core" in maps and "libQt6Gui" not in maps and "libQt6Widgets" not in maps
        proc.send_signal(signal.SIGHUP)  # nothing reloaded silently: it says a restart is needed, and runs on
        _wait_for(out, r"SIGHUP: nothing is reloaded.*restart the service", 10)
        time.sleep(0.5)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert notify.recv(256) == b"STOPPING=1"
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.close()
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    # journald keeps the time itself: one line per record, <priority>LEVEL logger: message, no colours
    bad = [line for line in lines if not LINE.match(line)]
    assert not bad, "lines journald would not file by priority:\n" + "\n".join(bad)
    assert "\x1b[" not in text and not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text)
    assert any(line.startswith("<4>WARNING commandcenter.server: no [bus]") and "no seat can see" in line
               for line in lines)
    assert text.index("SIGTERM: stopping") < text.rindex("INFO commandcenter.server: stopped")
    with socket.socket() as probe:  # the listener is closed
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_bad_config_is_refused_with_exit_code_2(tmp_path: Path) -> None:
    config = _write_config(tmp_path, "[trackers.jt808x]\nport = 1\n")
    env = _service_env(tmp_path)
    bad = subprocess.run([sys.executable, "-m", "commandcenter", "serve", "--config", str(config)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "configuration error" in bad.stderr and "jt808x" in bad.stderr and str(config) in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "commandcenter", "serve", "--config", str(tmp_path / "no.toml")],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "config file not found" in missing.stderr


def test_a_traceback_stays_on_its_records_line_for_journald() -> None:
    import io
    import logging

    from commandcenter.server.logs import configure_service_logging

    out = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_service_logging(stream=out, environ={"INVOCATION_ID": "abc"})
        try:
            raise ValueError("bad frame\nfrom terminal 013900000077")
        except ValueError:
            logging.getLogger("devices.jt808").exception("decoding failed")
        logging.getLogger("commandcenter.server").debug("not at INFO level")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("<3>ERROR devices.jt808: decoding failed ⏎ Traceback")
    assert "ValueError: bad frame ⏎ from terminal 013900000077" in lines[0]
