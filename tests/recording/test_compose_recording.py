"""The composition: the embedded default records in its one process (health section ``recording``), a camera alarm
starts an alarm-mode camera, and a seat records nothing but reports what the server's index holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commandcenter.config import Config, parse_config
from commandcenter.demo.testserver import RtspTestServer
from commandcenter.runtime.compose import Role, build


def _config(tmp_path: Path, cameras: RtspTestServer) -> Config:
    return parse_config(f"""
[database]
url = "sqlite:///{tmp_path / 'cc.db'}"
[recording]
path = "{tmp_path / 'recordings'}"
segment_s = 1.0
min_free_gb = 0.0
[[cameras]]
id = "cam-1"
url = "{cameras.url(1)}"
record = "continuous"
[[cameras]]
id = "cam-2"
url = "{cameras.url(2)}"
record = "alarm"
pre_s = 0.5
post_s = 1.0
""", "rec.toml")


def _entry(report: dict[str, Any], camera: str) -> dict[str, Any]:
    return next(e for e in report["recording"] if e["camera"] == camera)


def test_embedded_records_alarms_and_a_seat_reports_the_index(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              cameras: RtspTestServer) -> None:
    config = _config(tmp_path, cameras)
    services = build(config)
    assert services.recorder is not None
    try:
        services.start()
        qtbot.waitUntil(lambda: _entry(services.report(), "cam-1")["segments"] >= 2, timeout=20_000)
        qtbot.waitUntil(lambda: _entry(services.report(), "cam-2")["state"] == "armed", timeout=20_000)
        assert _entry(services.report(), "cam-2")["segments"] == 0
        services.events.camera_alarm.emit("cam-2", "AI: 占道经营")  # what camera AI and sensor alarms announce
        qtbot.waitUntil(lambda: _entry(services.report(), "cam-2")["segments"] >= 1, timeout=20_000)
        entry = _entry(services.report(), "cam-1")
        assert entry["state"] == "recording" and entry["bytes"] > 0 and entry["gaps"] == []
        assert set(entry) >= {"camera", "state", "segments", "bytes", "oldest", "newest", "gaps"}
        disk = services.report()["recording_store"]
        assert disk["recording_allowed"] is True and disk["bytes"] > 0 and disk["start_up_check"]["done"]
    finally:
        services.stop()
    assert not list((tmp_path / "recordings").rglob("*.part")), "stopping closes the open segments"

    seat = build(config, role=Role.SEAT)
    try:
        assert seat.recorder is None
        seat.start()
        files_before = sorted((tmp_path / "recordings").rglob("*.mp4"))
        qtbot.wait(1500)
        assert sorted((tmp_path / "recordings").rglob("*.mp4")) == files_before, "a seat never records"
        entry = _entry(seat.report(), "cam-1")
        assert entry["state"] == "remote" and entry["segments"] >= 2
    finally:
        seat.stop()
