"""The contract of the embedded default: ``commandcenter snapshot --config`` records for its whole run, and its
health report has the ``recording`` section."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from commandcenter.demo.testserver import RtspTestServer
from commandcenter.recording.segments import scan

REPO = Path(__file__).resolve().parents[2]


def test_snapshot_with_a_config_records_and_reports(cameras: RtspTestServer, tmp_path: Path) -> None:
    config = tmp_path / "rec.toml"
    config.write_text(f"""
[database]
url = "sqlite:///{tmp_path / 'cc.db'}"
[recording]
path = "{tmp_path / 'recordings'}"
segment_s = 2.0
min_free_gb = 0.0
[[cameras]]
id = "cam-1"
name = "录像一"
url = "{cameras.url(1)}"
record = "continuous"
""", encoding="utf-8")
    report = tmp_path / "report.json"
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "commandcenter", "snapshot", "--config", str(config), "--screen",
                           "wall", "--after", "9", "--out", str(tmp_path / "wall.png"), "--report", str(report)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    [entry] = json.loads(report.read_text(encoding="utf-8"))["recording"]
    assert entry["camera"] == "cam-1" and entry["state"] == "recording" and entry["segments"] >= 2
    assert entry["bytes"] > 0 and entry["gaps"] == []
    files = sorted((tmp_path / "recordings").rglob("*.mp4*"))
    assert files and all(f.suffix == ".mp4" for f in files), "the run's last segment is closed at exit"
    assert all(scan(f).packets > 0 for f in files)
