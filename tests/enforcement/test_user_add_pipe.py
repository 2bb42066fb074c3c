"""``echo pw | commandcenter user add …``: a script pipes the new password in; it is read, never an EOFError."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.auth import AuthService
from commandcenter.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _user_cli(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CC_PASSWORD", None)
    # A new session has no controlling terminal: getpass cannot fall back to /dev/tty, as in a cron job or CI.
    return subprocess.run([sys.executable, "-m", "commandcenter", "user", *args], input=stdin, text=True,
                          capture_output=True, env=env, timeout=120, start_new_session=True, cwd=ROOT)


def test_the_password_is_read_from_a_pipe(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cc.db'}"
    done = _user_cli(["add", "boss", "--role", "admin", "--db", url], "boss-pass-1\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    store = Store(url)
    try:
        store.upgrade()
        assert AuthService(store, AuditLog(store)).login("boss", "boss-pass-1").username == "boss"
    finally:
        store.close()


def test_an_empty_pipe_says_password_is_needed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cc.db'}"
    done = _user_cli(["add", "boss", "--role", "admin", "--db", url], "")
    assert done.returncode == 2
    assert "--password" in done.stderr
    assert "Traceback" not in done.stderr and "EOFError" not in done.stderr
