"""Layout files, WallModel behaviour (fill order, tours, alarms, report) and the screen arrangement."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
from pathlib import Path
from typing import Any

import pytest

from commandcenter.config import CameraConfig
from commandcenter.video.arrangement import ScreenWall, load_arrangement, save_arrangement
from commandcenter.video.layout import (
    BUILTIN_DIR,
    LayoutError,
    WallLayout,
    WallModel,
    layout_from_dict,
    list_layouts,
    load_layout,
    resolve_layout,
    save_layout,
)
from commandcenter.video.stream import StreamStatus

CAMERAS = [CameraConfig(id=f"c{i}", name=f"摄像机{i}", url=f"rtsp://127.0.0.1:1/cam{i}",
                        group="玄武区" if i % 2 else "秦淮区") for i in range(1, 8)]


def test_builtin_layouts_all_valid() -> None:
    names = set(list_layouts(user_dir=Path("/nonexistent")))
    assert {"1x1", "2x2", "3x3", "4x4", "5x5", "6x6", "1+5", "1+7", "2+8", "1+12"} <= names
    for path in BUILTIN_DIR.glob("*.json"):
        layout = load_layout(path)
        big, small = (int(n) for n in path.stem.replace("x", "+").split("+"))
        expected = big + small if "+" in path.stem else big * small
        assert len(layout.cells) == expected, path.name


def test_round_trip(tmp_path: Path) -> None:
    layout = resolve_layout("1+5", user_dir=tmp_path)
    layout.cells[0].camera = "c3"
    layout.name = "早高峰 路口"
    path = save_layout(layout, tmp_path)
    again = load_layout(path)
    assert again.to_dict() == layout.to_dict()
    assert resolve_layout("早高峰 路口", user_dir=tmp_path).cells[0].camera == "c3"
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda d: d.update(version=2), "unsupported version"),
    (lambda d: d["cells"].append({"row": 0, "col": 0}), "overlaps"),
    (lambda d: d["cells"].pop(), "no cell covers"),
    (lambda d: d["cells"][0].update(colspan=9), "outside"),
    (lambda d: d.update(rows="3"), "must be an integer"),
    (lambda d: d.update(alarm_cell=99), "alarm_cell"),
    (lambda d: d.update(colour="red"), "unknown key"),
])
def test_bad_layout_rejected_with_reason(tmp_path: Path, mutate: Any, reason: str) -> None:
    data = WallLayout.uniform(2).to_dict()
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(LayoutError, match=reason) as info:
        load_layout(bad)
    assert str(bad) in str(info.value)


def test_not_json_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"version": 1,', encoding="utf-8")
    with pytest.raises(LayoutError, match="not valid JSON"):
        load_layout(bad)
    assert "broken" not in list_layouts(user_dir=tmp_path)


def test_resolve_specs(tmp_path: Path) -> None:
    assert (resolve_layout("3x4", user_dir=tmp_path).rows, resolve_layout("3x4", user_dir=tmp_path).cols) == (3, 4)
    with pytest.raises(LayoutError, match="unknown layout"):
        resolve_layout("nonsense", user_dir=tmp_path)
    with pytest.raises(LayoutError):
        resolve_layout("9x9", user_dir=tmp_path)


def test_missing_camera_loads_and_empty_cells_fill_in_config_order(qtbot: Any) -> None:
    data = WallLayout.uniform(2).to_dict()
    data["cells"][1]["camera"] = "gone"
    data["cells"][2]["camera"] = "c2"
    model = WallModel(CAMERAS, None, layout_from_dict(data))
    assert model.assignment == ["c1", "gone", "c2", "c3"]
    assert model.is_missing("gone") and not model.is_missing("c1")
    report = model.tiles_report()
    assert report[1]["state"] == "offline" and "not in the configuration" in report[1]["last_error"]


def test_swap_assign_single_and_save_as(qtbot: Any, tmp_path: Path) -> None:
    model = WallModel(CAMERAS, None, WallLayout.uniform(2))
    model.swap(0, 3)
    assert model.assignment[0] == "c4" and model.assignment[3] == "c1"
    model.assign(1, "c7")
    model.toggle_single(2)
    assert model.single_cell == 2 and model.quality_of(2) == "main"
    model.toggle_single(2)
    assert model.single_cell is None
    path = model.save_as("值班墙", tmp_path)
    assert [c.camera for c in load_layout(path).cells] == ["c4", "c7", "c3", "c1"]


def test_tour_cycles_cell_and_wall(qtbot: Any) -> None:
    model = WallModel(CAMERAS, None, WallLayout.uniform(2))
    model.start_tour("玄武区", 1.0, cell=0)  # c1, c3, c5, c7
    assert model.assignment[0] == "c1"
    qtbot.waitUntil(lambda: model.assignment[0] == "c3", timeout=3000)
    model.stop_tour()
    model.start_tour(None, 1.0)
    first = list(model.assignment)
    qtbot.waitUntil(lambda: model.assignment != first, timeout=3000)
    assert model.assignment[0] == "c5"
    model.stop_tour()
    assert model.tour is None


def test_alarm_pops_and_acknowledge_restores(qtbot: Any) -> None:
    model = resolve_layout("1+5")
    wall = WallModel(CAMERAS, None, model)
    before = wall.camera_at(0)
    with qtbot.waitSignal(wall.alarmChanged):
        cell = wall.raise_alarm("c6", "占道经营")
    assert cell == 0 and wall.camera_at(0) == "c6" and wall.alarm is not None and wall.alarm.text == "占道经营"
    wall.acknowledge_alarm()
    assert wall.alarm is None and wall.camera_at(0) == before


class _FakeVideo:
    def status(self, camera_id: str, quality: str) -> StreamStatus | None:
        if camera_id == "c1":
            return StreamStatus("live", "live", 25.0, 500, 10_000, 0, "pyav", "", (320, 180))
        if camera_id == "c2" and quality == "sub":
            return StreamStatus("offline", "refused", 0.0, 0, 0, 3, "pyav", "Connection refused", None)
        return None


def test_tiles_report_fields(qtbot: Any) -> None:
    wall = WallModel(CAMERAS, _FakeVideo(), WallLayout.uniform(2))
    report = wall.tiles_report()
    assert [set(r) for r in report] == [{"cell", "camera", "state", "fps", "frames", "reconnects", "backend",
                                         "last_error"}] * 4
    assert report[0] == {"cell": 0, "camera": "c1", "state": "live", "fps": 25.0, "frames": 500,
                         "reconnects": 0, "backend": "pyav", "last_error": ""}
    assert report[1]["state"] == "offline" and report[1]["reconnects"] == 3
    assert report[2]["state"] == "connecting"
    assert all(r["state"] in ("live", "stalled", "offline", "connecting") for r in report)


def test_arrangement_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "screens.json"
    walls = [ScreenWall("HDMI-1@0,0", "3x3", ["c1", None]), ScreenWall("DP-2@1920,0", "1+5")]
    save_arrangement(walls, path)
    assert load_arrangement(path) == walls
    path.write_text("garbage", encoding="utf-8")
    assert load_arrangement(path) == []


def test_drone_feeds_become_wall_cameras() -> None:
    from commandcenter.config import DroneConfig
    from commandcenter.video.service import cameras_from_drones

    drones = [DroneConfig(id="uav1", name="巡查一号", url="udpin:0.0.0.0:14550", video="rtsp://10.0.0.5/live"),
              DroneConfig(id="uav2", url="udpin:0.0.0.0:14560")]
    cams = cameras_from_drones(drones)
    assert [(c.id, c.name, c.url, c.group) for c in cams] == [("uav1", "巡查一号", "rtsp://10.0.0.5/live", "无人机")]


def test_demo_cameras_names_and_groups() -> None:
    from commandcenter.demo.testserver import start_demo_cameras

    server, cams = start_demo_cameras(3, 32.0, 118.8, width=320, height=180, names=["中华路-白下路路口"])
    try:
        assert server.running and [c.url for c in cams] == [server.url(i) for i in (1, 2, 3)]
        assert cams[0].name == "中华路-白下路路口" and cams[1].name == "鼓楼广场"
        assert all(c.group.endswith("区") and c.lat is not None for c in cams)
        assert len({c.id for c in cams}) == 3
    finally:
        server.stop()
    assert not server.running
