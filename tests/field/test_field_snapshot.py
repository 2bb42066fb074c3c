"""The contract: in the embedded default, ``commandcenter snapshot --config FILE …`` serves the field API for the
whole run, and a code printed by ``commandcenter field pair`` (another process) works on it at once."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import field_config_text

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, payload: dict[str, str], token: str = "") -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_snapshot_serves_the_field_api_and_honours_a_code_paired_meanwhile(tmp_path: Path) -> None:
    port = _free_port()
    config = tmp_path / "field.toml"
    config.write_text(field_config_text(f"sqlite:///{tmp_path / 'snap.db'}").replace("port = 0", f"port = {port}"),
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "CC_DATA_DIR": str(tmp_path / "data")}
    report = tmp_path / "report.json"
    snapshot = subprocess.Popen(
        [sys.executable, "-m", "commandcenter.cli", "snapshot", "--config", str(config), "--screen", "dispatch",
         "--after", "25", "--out", str(tmp_path / "dispatch.png"), "--report", str(report), "--size", "1280x800"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        code = ""
        deadline = time.monotonic() + 60
        while not code and time.monotonic() < deadline:  # the officers are registered once the run has started
            paired = subprocess.run([sys.executable, "-m", "commandcenter.cli", "field", "pair", "o1", "--config",
                                     str(config)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
            if paired.returncode == 0:
                code = paired.stdout.strip().splitlines()[-1]
            else:
                time.sleep(1)
        assert code, "field pair never succeeded against the running snapshot's database"
        base = f"http://127.0.0.1:{port}/field/v1"
        status = 0
        while status != 200 and time.monotonic() < deadline:
            try:
                status, body = _post(base + "/pair", {"code": code, "device": "snapshot-test"})
            except OSError:
                time.sleep(0.5)
        assert status == 200, body
        assert body["officer"] == {"id": "o1", "name": "张三", "badge": "B001", "team": "市政养护队"}
        token = str(body["token"])
        assert _post(base + "/duty", {"on_duty": True}, token)[0] == 200
        output, _ = snapshot.communicate(timeout=120)
        assert snapshot.returncode == 0, output.decode(errors="replace")[-2000:]
    finally:
        if snapshot.poll() is None:
            snapshot.kill()
            snapshot.wait(10)
    devices = json.loads(report.read_text(encoding="utf-8"))["devices"]
    listener = next(d for d in devices if d["id"] == "field")
    assert listener["state"] == "online" and listener["address"] == f"127.0.0.1:{port}"
    assert listener["messages"] >= 2  # the pairing and the duty call were served by this run
