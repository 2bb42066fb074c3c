"""Deduplication: a stall reported all hour is one case; a new scene, zone or category is another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commandcenter.config import parse_config
from commandcenter.runtime.compose import build
from devices.camera_ai import CameraDetection


def test_an_hour_long_stall_is_one_case_and_a_quiet_spell_ends_it(qtbot: Any, tmp_path: Path) -> None:
    config = parse_config(f"""
[database]
url = "sqlite:///{tmp_path / 'dedup.db'}"
[[cameras]]
id = "cam2"
url = "rtsp://127.0.0.1:9/cam2"
lat = 32.0430
lon = 118.7850
[ai]
dedup_window_s = 600
[ai.isapi]
port = 0
cameras = {{ "192.168.1.64/1" = "cam2" }}
rules = [{{ event = "parking", category = "SJ0401" }}, {{ event = "fielddetection", category = "SJ0101" }}]
""", "dedup.toml")
    services = build(config)
    services.start()
    try:
        ai = services.camera_ai
        assert ai is not None
        now = [1_800_000_000.0]
        ai.clock = lambda: now[0]

        def report(kind: str, zone: str = "1", state: str = "new") -> None:
            ai.submit(CameraDetection("isapi", "isapi", "cam2", f"e{now[0]}", kind, (zone,), state=state)).result(30)

        for _ in range(13):  # every five minutes for an hour
            report("parking")
            now[0] += 300
        assert ai.counts["cases"] == 1 and ai.counts["deduplicated"] == 12
        report("parking", zone="2")  # another region of the same camera: another scene
        report("fielddetection")  # another category at the same place
        now[0] += 601  # quiet longer than the window: the stall has gone
        report("parking", state="end")  # an end after the window opens nothing
        report("parking")
        codes = services.store.frame("SELECT category, extra FROM cases WHERE source = 'camera' ORDER BY id")
        assert list(codes["category"]) == ["SJ0401", "SJ0401", "SJ0101", "SJ0401"]
        assert ai.report()["cases"] == 4 and ai.report()["events"] == 17
    finally:
        services.stop()
