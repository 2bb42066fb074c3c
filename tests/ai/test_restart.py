"""Deduplication windows survive a server restart: a scene reported across it stays its one case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text as sql

from commandcenter.config import parse_config
from commandcenter.runtime.compose import Services, build
from tests.ai.conftest import FrigateApi, free_port, jpeg_bytes
from tests.ai.test_camera_ai import _camera_cases, _config, _frigate, _publisher


def _report_scene(qtbot: Any, services: Services, broker: int, event_type: str, event_id: str, seen: int) -> None:
    """Publish one Frigate event once the adapter is subscribed; wait until the service has handled ``seen``."""
    handle = services.devices.get("frigate")
    assert handle is not None
    qtbot.waitUntil(handle.adapter.subscribed.is_set, timeout=10000)  # type: ignore[attr-defined]
    client = _publisher(broker)
    try:
        client.publish("frigate/events", _frigate(event_type, event_id), qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()
    service = services.camera_ai
    assert service is not None
    outcomes = ("cases", "deduplicated", "unmatched", "failed")  # counted once the event is fully handled
    qtbot.waitUntil(lambda: sum(service.counts[k] for k in outcomes) == seen, timeout=20000)


def test_a_stall_reported_across_a_restart_stays_one_case(
        qtbot: Any, tmp_path: Path, broker: int, frigate_api: FrigateApi) -> None:
    frigate_api.pictures["stall-1"] = frigate_api.pictures["stall-2"] = jpeg_bytes()
    toml = _config(tmp_path, broker, frigate_api.url, free_port())
    first = build(parse_config(toml, "ai.toml"))
    first.start()
    try:
        _report_scene(qtbot, first, broker, "new", "stall-1", 1)
        opened = _camera_cases(first)
        assert len(opened) == 1
    finally:
        first.stop()

    second = build(parse_config(toml, "ai.toml"))  # the server restarted on the same database
    second.start()
    try:
        assert second.camera_ai is not None
        qtbot.waitUntil(lambda: second.camera_ai is not None and second.camera_ai.report()["open_windows"] == 1,
                        timeout=10000)
        # the box reports the same scene again, even under a new event id (Frigate lost track meanwhile)
        _report_scene(qtbot, second, broker, "update", "stall-1", 1)
        _report_scene(qtbot, second, broker, "new", "stall-2", 2)
        assert [c[0] for c in _camera_cases(second)] == [c[0] for c in opened]  # the case of before the restart
        assert second.camera_ai.counts["deduplicated"] == 2 and second.camera_ai.counts["cases"] == 0
    finally:
        second.stop()


def test_without_an_open_case_a_restarted_server_opens_a_new_one(
        qtbot: Any, tmp_path: Path, broker: int, frigate_api: FrigateApi) -> None:
    frigate_api.pictures["stall-1"] = frigate_api.pictures["stall-2"] = jpeg_bytes()
    toml = _config(tmp_path, broker, frigate_api.url, free_port())
    first = build(parse_config(toml, "ai.toml"))
    first.start()
    try:
        _report_scene(qtbot, first, broker, "new", "stall-1", 1)
        ((code, *_),) = _camera_cases(first)
        first.store.write(lambda s: s.execute(
            sql("UPDATE cases SET status = 'closed' WHERE code = :c"), {"c": code}))
    finally:
        first.stop()

    second = build(parse_config(toml, "ai.toml"))
    second.start()
    try:
        _report_scene(qtbot, second, broker, "new", "stall-2", 1)
        assert len(_camera_cases(second)) == 2  # the closed case's window is not re-opened
        assert second.camera_ai is not None and second.camera_ai.counts["cases"] == 1
    finally:
        second.stop()


def test_a_scene_still_reported_long_after_its_case_opened_survives_a_restart(
        qtbot: Any, tmp_path: Path, broker: int, frigate_api: FrigateApi) -> None:
    """The case is older than the window at the restart, but the box kept reporting the scene: still one case."""
    frigate_api.pictures["stall-1"] = jpeg_bytes()
    toml = _config(tmp_path, broker, frigate_api.url, free_port()) + "\n[ai]\ndedup_window_s = 4\n"
    first = build(parse_config(toml, "ai.toml"))
    first.start()
    try:
        _report_scene(qtbot, first, broker, "new", "stall-1", 1)
        for seen in range(2, 6):  # every 1.5 s for 6 s: longer than the window, never a gap as long as it
            qtbot.wait(1500)
            _report_scene(qtbot, first, broker, "update", "stall-1", seen)
        opened = _camera_cases(first)
        assert len(opened) == 1
    finally:
        first.stop()

    second = build(parse_config(toml, "ai.toml"))
    second.start()
    try:
        qtbot.waitUntil(lambda: second.camera_ai is not None and second.camera_ai.report()["open_windows"] == 1,
                        timeout=3000)
        _report_scene(qtbot, second, broker, "update", "stall-1", 1)
        assert [c[0] for c in _camera_cases(second)] == [c[0] for c in opened]  # its one case, by code
    finally:
        second.stop()
