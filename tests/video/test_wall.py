"""The wall with real streams (pytest-qt, offscreen): tiles go live, drag-and-drop, double-click, snapshots."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from commandcenter.config import CameraConfig
from commandcenter.demo.testserver import RtspTestServer
from commandcenter.runtime.tasks import TaskManager
from commandcenter.video.layout import WallLayout, WallModel
from commandcenter.video.service import MAIN, SUB, VideoService
from commandcenter.video.snapshot import decode_png, encode_png
from commandcenter.video.walls import MonitorWalls
from widgets.wall import CAMERA_MIME, WallScreen
from widgets.wall.tile import VideoTile

pytestmark = pytest.mark.slow


@pytest.fixture
def cameras(live_server: RtspTestServer) -> list[CameraConfig]:
    names = ["新街口东", "鼓楼广场", "中山路北", "夫子庙西"]
    return [CameraConfig(id=f"cam{i}", name=names[i - 1], url=live_server.url(i), group="玄武区")
            for i in range(1, 5)]


@pytest.fixture
def wall_screen(qtbot: Any, cameras: list[CameraConfig], tmp_path: Path, tasks: TaskManager) -> Any:
    video = VideoService(cameras, snapshot_dir=str(tmp_path), tasks=tasks)
    model = WallModel(cameras, video, WallLayout.uniform(2))
    screen = WallScreen(video, model, cameras, walls=MonitorWalls(cameras, video, model))
    qtbot.addWidget(screen)
    screen.resize(900, 560)
    screen.show()
    yield screen
    screen.release_all()
    video.shutdown()


def _drop(tile: VideoTile, mime: QMimeData) -> None:
    pos = tile.rect().center()
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tile, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(tile, drop)


def test_tiles_go_live_and_paint(qtbot: Any, wall_screen: WallScreen) -> None:
    wall = wall_screen.wall
    qtbot.waitUntil(lambda: all(t.state == "live" for t in wall_screen.tiles), timeout=10_000)
    qtbot.waitUntil(lambda: all(r["frames"] > 10 for r in wall.tiles_report()), timeout=5_000)
    report = wall.tiles_report()
    assert [r["camera"] for r in report] == ["cam1", "cam2", "cam3", "cam4"]
    assert all(r["state"] == "live" and r["backend"] == "pyav" and r["fps"] > 0 for r in report)
    image = wall_screen.tiles[0].grab().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert centre.name() != "#0b0f14"  # video painted, not the empty background
    assert len(wall_screen.video.active_streams()) == 4


def test_drop_camera_and_swap_cells(qtbot: Any, wall_screen: WallScreen) -> None:
    wall = wall_screen.wall
    mime = QMimeData()
    mime.setData(CAMERA_MIME, b"cam4")
    _drop(wall_screen.tiles[0], mime)
    assert wall.assignment[0] == "cam4"
    assert wall_screen.tiles[0].camera_name == "夫子庙西"
    # Dragging cell 1 onto cell 2 swaps them (a tile's own drag payload).
    _drop(wall_screen.tiles[2], wall_screen.tiles[1].mime_data())
    assert wall.assignment[1:3] == ["cam3", "cam2"]
    # The camera tree drags the same MIME type as the map.
    tree = wall_screen.tree.tree
    item = tree.topLevelItem(0).child(1)
    tree_mime = tree.mimeData([item])
    assert bytes(tree_mime.data(CAMERA_MIME).data()).decode() == "cam2"
    # Search filters the tree.
    wall_screen.tree.search.setText("鼓楼")
    assert wall_screen.tree.visible_camera_ids() == ["cam2"]
    # An unknown camera id (e.g. from a stale map) shows as missing, nothing breaks.
    bad = QMimeData()
    bad.setData(CAMERA_MIME, b"nope")
    _drop(wall_screen.tiles[3], bad)
    assert wall_screen.tiles[3].state == "missing"
    assert wall.tiles_report()[3]["state"] == "offline"


def test_double_click_toggles_single_main_stream(qtbot: Any, wall_screen: WallScreen) -> None:
    wall = wall_screen.wall
    tile = wall_screen.tiles[1]
    qtbot.waitUntil(lambda: tile.state == "live", timeout=10_000)
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    assert wall.single_cell == 1
    assert not wall_screen.tiles[0].isVisible() and tile.geometry() == wall_screen.grid.rect()
    assert ("cam2", MAIN) in wall_screen.video.active_streams()
    qtbot.waitUntil(lambda: wall.tiles_report()[1]["state"] == "live", timeout=10_000)
    qtbot.mouseDClick(tile, Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    assert wall.single_cell is None and wall_screen.tiles[0].isVisible()
    qtbot.waitUntil(lambda: ("cam2", MAIN) not in wall_screen.video.active_streams(), timeout=3_000)


def test_snapshot_is_a_real_full_resolution_frame(qtbot: Any, wall_screen: WallScreen, tmp_path: Path) -> None:
    qtbot.waitUntil(lambda: wall_screen.tiles[0].state == "live", timeout=10_000)
    hooked: list[tuple[str, str, str, float]] = []
    wall_screen.video.on_snapshot.append(lambda *args: hooked.append(args))
    with qtbot.waitSignal(wall_screen.video.snapshotTaken, timeout=10_000) as signal:
        wall_screen.snapshot(0)
    camera_id, path, sha256, _when = signal.args
    assert camera_id == "cam1" and Path(path).parent == tmp_path and hooked and hooked[0][2] == sha256
    data = Path(path).read_bytes()
    import hashlib

    assert hashlib.sha256(data).hexdigest() == sha256
    image = decode_png(data)
    assert image.shape == (180, 320, 3)  # the stream's resolution, not the tile's
    assert image.std() > 20  # a real picture, not a uniform frame
    import av  # an independent PNG decoder agrees

    with av.open(path) as container:
        decoded = next(container.decode(video=0))
    assert (decoded.width, decoded.height) == (320, 180)


def test_service_shares_one_stream_per_camera_and_quality(qtbot: Any, cameras: list[CameraConfig],
                                                         tasks: TaskManager) -> None:
    video = VideoService(cameras, tasks=tasks)
    try:
        assert video.acquire("cam1", SUB, "a", (160, 90))
        assert video.acquire("cam1", SUB, "b", (320, 180))
        assert not video.acquire("unknown", SUB, "c", (160, 90))
        assert video.active_streams() == [("cam1", SUB)]
        with qtbot.waitSignal(video.statusChanged, timeout=30_000,
                              check_params_cb=lambda _c, _q, s: s.state == "live"):
            pass
        def largest() -> bool:  # decoded at the largest holder's size (applied from the next frame on)
            frame = video.latest_frame("cam1", SUB)
            return frame is not None and frame.image.shape[:2] == (180, 320)

        qtbot.waitUntil(largest, timeout=3_000)
        video.release("cam1", SUB, "a")
        assert video.active_streams() == [("cam1", SUB)]
        video.release("cam1", SUB, "b")
        assert video.active_streams() == []
    finally:
        video.shutdown()


def test_png_encoder_round_trip() -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (7, 5, 4), dtype=np.uint8)
    assert np.array_equal(decode_png(encode_png(image)), image[:, :, :3])


def test_save_as_and_screen_arrangement_restored(qtbot: Any, cameras: list[CameraConfig], tmp_path: Path,
                                                 tasks: TaskManager,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_CONFIG_DIR", str(tmp_path / "config"))
    video = VideoService(cameras, tasks=tasks)
    try:
        model = WallModel(cameras, video, WallLayout.uniform(2))
        screen = WallScreen(video, model, cameras, walls=MonitorWalls(cameras, video, model))
        qtbot.addWidget(screen)
        screen.show()
        model.swap(0, 1)
        path = screen.save_layout_as("夜班 2x2")
        assert path.parent == tmp_path / "config" / "layouts" / "wall"
        assert screen.layout_combo.findData("夜班 2x2") >= 0
        assert screen.apply_layout("1+5") and len(screen.tiles) == 6
        screen.release_all()
        # Next start: the saved arrangement puts "1+5" back on this monitor (the only one offscreen).
        model2 = WallModel(cameras, video, WallLayout.uniform(2))
        screen2 = WallScreen(video, model2, cameras, walls=MonitorWalls(cameras, video, model2))
        qtbot.addWidget(screen2)
        screen2.show()
        assert screen2.restore_screen_walls() == []
        assert model2.layout.name == "1+5"
        screen2.apply_layout("夜班 2x2")
        assert model2.assignment[:2] == ["cam2", "cam1"]
        screen2.release_all()
    finally:
        video.shutdown()


def test_show_camera_from_map_or_tree(qtbot: Any, cameras: list[CameraConfig], tasks: TaskManager) -> None:
    video = VideoService(cameras, tasks=tasks)
    try:
        model = WallModel(cameras, video, WallLayout.uniform(1))
        screen = WallScreen(video, model, cameras, walls=MonitorWalls(cameras, video, model))
        qtbot.addWidget(screen)
        assert model.assignment == ["cam1"]
        assert screen.show_camera("cam1") == 0
        assert screen.show_camera("cam3") == 0 and model.assignment == ["cam3"]  # the alarm cell
        assert screen.show_camera("nope") is None
        screen.release_all()
    finally:
        video.shutdown()


def test_a_hidden_wall_parks_its_streams_and_shows_pictures_again(qtbot: Any, cameras: list[CameraConfig],
                                                                  tasks: TaskManager) -> None:
    """The wall behind another screen for longer than ``park_after``: every stream is disconnected (parked); the
    wall shown again paints the last pictures at once and is live again within seconds."""
    video = VideoService(cameras, tasks=tasks, supervisor_options={"park_after": 1.0})
    model = WallModel(cameras, video, WallLayout.uniform(2))
    screen = WallScreen(video, model, cameras, walls=MonitorWalls(cameras, video, model))
    qtbot.addWidget(screen)
    screen.resize(900, 560)
    screen.show()
    try:
        qtbot.waitUntil(lambda: all(t.state == "live" for t in screen.tiles), timeout=10_000)
        qtbot.waitUntil(lambda: all(r["frames"] > 10 for r in screen.wall.tiles_report()), timeout=5_000)
        screen.hide()

        def states() -> list[str]:
            return [getattr(video.status(c, q), "state", "") for c, q in video.active_streams()]

        qtbot.waitUntil(lambda: len(states()) == 4 and set(states()) == {"parked"}, timeout=10_000)
        assert {d["state"] for d in video.devices_report()} == {"idle"}  # the device dock: nobody watches

        screen.show()
        qtbot.wait(50)
        image = screen.tiles[0].grab().toImage()
        centre = image.pixelColor(image.width() // 2, image.height() // 2)
        assert centre.name() != "#0b0f14"  # the kept picture, not an empty tile, while it reconnects
        qtbot.waitUntil(lambda: set(states()) == {"live"}, timeout=10_000)  # the streams, then the tiles told
        qtbot.waitUntil(lambda: all(t.state == "live" for t in screen.tiles), timeout=5_000)
        if os.environ.get("CC_SHOT_DIR"):
            screen.grab().save(os.path.join(os.environ["CC_SHOT_DIR"], "wall_back_live.png"))
    finally:
        screen.release_all()
        video.shutdown()
