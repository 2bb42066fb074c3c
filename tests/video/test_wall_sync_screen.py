"""同步回放 on the real wall (pytest-qt, offscreen): one timeline under the wall moves every recording tile to the
same moment — clicks, drags and keys on it, speed, jump to a case — a tile without recording then says so, and
the button takes every tile back to live."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from commandcenter.config import CameraConfig
from commandcenter.recording.index import add_segment
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import models
from commandcenter.video.layout import WallLayout, WallModel
from commandcenter.video.playback import RecordingAccess
from commandcenter.video.service import VideoService
from tests.video.recorded_clips import colour_of_second, write_segment
from widgets.wall import WallScreen
from widgets.wall.tile import VideoTile

T0 = datetime(2026, 12, 1, 2, 0, 0, tzinfo=UTC)


def _at(second: float) -> datetime:
    return T0 + timedelta(seconds=second)


@pytest.fixture
def screen(qtbot: Any, store: Any, tasks: TaskManager, tmp_path: Path) -> Iterator[WallScreen]:
    """A 2×2 wall: 东门 recorded 0–8 s, 西门 0–4 s and 6–10 s, 南门 records nothing (stays live), one empty
    cell. A case was reported at 7 s. The cameras' live URLs lead nowhere: playback does not need them."""
    cameras = [CameraConfig(id="east", name="东门", url="rtsp://127.0.0.1:9/none", record="continuous"),
               CameraConfig(id="west", name="西门", url="rtsp://127.0.0.1:9/none", record="continuous"),
               CameraConfig(id="south", name="南门", url="rtsp://127.0.0.1:9/none")]
    for camera_id, parts in {"east": [(0, 4), (4, 4)], "west": [(0, 4), (6, 4)]}.items():
        for first, seconds in parts:
            segment = write_segment(tmp_path / f"{camera_id}-{first}.mp4", _at(first), seconds, first)
            store.write(add_segment(camera_id, segment))
    now = datetime.now(UTC)
    store.write(lambda s: s.add(models.Case(code="AJ-SYNC-1", source="test", status="reported", lat=32.0,
                                            lon=118.7, created_at=_at(7), updated_at=now)))
    video = VideoService(cameras, snapshot_dir=str(tmp_path), tasks=tasks)
    model = WallModel(cameras, video, WallLayout.uniform(2))
    for cell, camera_id in enumerate(["east", "west", "south"]):
        model.assign(cell, camera_id)
    wall = WallScreen(video, model, cameras)
    wall.grid.set_extras(None, RecordingAccess(store.engine, tasks, {}))
    qtbot.addWidget(wall)
    wall.resize(1000, 700)
    wall.show()
    qtbot.waitExposed(wall)
    yield wall
    wall.release_all()
    video.shutdown()


def _tiles(screen: WallScreen) -> dict[str, VideoTile]:
    return {t.camera_id: t for t in screen.tiles if t.camera_id}


def _same_moment(screen: WallScreen, cameras: list[str], when: datetime) -> bool:
    """The named tiles paint frames of ``when`` (their players landed on the first frame at or after it)."""
    sync = screen.sync
    assert sync is not None
    tiles = _tiles(screen)
    times = [tiles[c].painted_time for c in cameras]
    positions = [sync.sources[c].position() for c in cameras if c in sync.sources]
    return (len(positions) == len(cameras) and all(t is not None and 0 <= t - when.timestamp() < 0.041
                                                   for t in times)
            and len(set(times)) == 1 and len(set(positions)) == 1)


def _red(tile: VideoTile) -> int:
    image = tile.grab().toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2).red()


def _click(screen: WallScreen, when: datetime) -> None:
    assert screen.sync is not None
    timeline = screen.sync.timeline
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_of(when)), 20))


def test_one_timeline_moves_every_recording_tile_to_the_same_moment(qtbot: Any, screen: WallScreen) -> None:
    controls = screen.controls
    assert controls.sync_button.isVisible()
    QTest.mouseClick(controls.sync_button, Qt.MouseButton.LeftButton)  # 同步回放: last hour, nothing recorded
    sync = screen.sync
    assert sync is not None and sync.active and sync.bar.isVisible() and controls.sync_button.isChecked()
    qtbot.waitUntil(lambda: "Nothing was recorded" in sync.bar.notice.text(), timeout=10_000)

    sync.enter(window=(T0 - timedelta(seconds=5), T0 + timedelta(seconds=30)))  # the span with recordings
    tiles = _tiles(screen)
    timeline = sync.timeline
    qtbot.waitUntil(lambda: len(timeline.rows) == 2 and len(timeline.markers) == 1, timeout=10_000)
    assert [name for name, _ in timeline.rows] == ["东门", "西门"]  # one row per camera, in wall order
    assert timeline.spans == [(T0, _at(10))]  # the merged row: where any camera recorded
    assert timeline.markers[0].ref == "AJ-SYNC-1"
    assert tiles["east"].playback and tiles["west"].playback
    assert not tiles["south"].playback  # records nothing: stays live
    assert all(not x.playback.button.isVisible() for x in screen.grid.tile_extras if x.playback)
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], T0), timeout=10_000)  # the first recording

    _click(screen, _at(2.5))  # a click on the wall's timeline: both tiles at 2.5 s
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], _at(2.5)), timeout=10_000)
    assert _red(tiles["east"]) == pytest.approx(colour_of_second(2), abs=6)
    assert _red(tiles["west"]) == pytest.approx(colour_of_second(2), abs=6)

    _click(screen, _at(5))  # west recorded nothing from 4 to 6 s: it says so instead of a stale picture
    qtbot.waitUntil(lambda: _same_moment(screen, ["east"], _at(5)) and "No recording" in tiles["west"].playback_note,
                    timeout=10_000)
    assert tiles["east"].playback_note == ""
    qtbot.waitUntil(lambda: _red(tiles["west"]) < 20, timeout=5_000)  # the background, not a frame

    y = 20  # drag across the timeline: everyone follows to where the drag ends
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_of(_at(1))), y))
    QTest.mouseMove(timeline, QPoint(round(timeline.x_of(_at(4))), y))
    QTest.mouseMove(timeline, QPoint(round(timeline.x_of(_at(6.5))), y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_of(_at(6.5))), y))
    landed = sync.now()
    assert landed is not None and abs((landed - _at(6.5)).total_seconds()) < 0.1
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], landed), timeout=10_000)
    assert tiles["west"].playback_note == ""

    timeline.setFocus()
    QTest.keyClick(timeline, Qt.Key.Key_Right)  # one frame forward, everyone
    stepped = landed + timedelta(milliseconds=40)
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], stepped), timeout=10_000)
    QTest.keyClick(timeline, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], landed), timeout=10_000)
    QTest.keyClick(timeline, Qt.Key.Key_Up)  # faster: 2×, on the clock and every player
    assert sync.bar.speed.currentData() == 2.0
    assert sync.model is not None and sync.model.clock.speed == 2.0
    assert all(s.speed == 2.0 for s in sync.sources.values())

    QTest.keyClick(timeline, Qt.Key.Key_Space)  # play …
    assert sync.model.clock.playing
    qtbot.waitUntil(lambda: (sync.now() or T0) > landed + timedelta(seconds=0.5), timeout=10_000)
    QTest.keyClick(timeline, Qt.Key.Key_Space)  # … and pause: everyone stops at the clock's moment
    assert not sync.model.clock.playing
    stopped = sync.now()
    assert stopped is not None
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], stopped), timeout=10_000)

    QTest.keyClicks(sync.bar.case, "AJ-SYNC-1")  # jump to when the case was reported
    QTest.keyClick(sync.bar.case, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], _at(7)), timeout=10_000)
    assert _red(tiles["east"]) == pytest.approx(colour_of_second(7), abs=6)

    screen.wall.assign(3, "west")  # a camera put on the wall meanwhile joins at the same moment
    qtbot.waitUntil(lambda: screen.tiles[3].playback and screen.tiles[3].painted_time is not None
                    and abs(screen.tiles[3].painted_time - _at(7).timestamp()) < 0.041, timeout=10_000)
    qtbot.waitUntil(lambda: _same_moment(screen, ["east", "west"], _at(7)), timeout=10_000)

    QTest.mouseClick(controls.sync_button, Qt.MouseButton.LeftButton)  # back to live
    assert not sync.active and not sync.bar.isVisible() and not controls.sync_button.isChecked()
    assert not any(t.playback for t in screen.tiles) and sync.sources == {}
    assert all(x.playback.button.isVisible() for x in screen.grid.tile_extras
               if x.playback and x.playback.tile.camera_id)
