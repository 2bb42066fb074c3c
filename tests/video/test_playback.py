"""Playback from real recorded MP4 segments: seeks land on the right second, gaps and bad segments are played
around and named, and a tile in playback follows its timeline (scrub, jump to a case)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from commandcenter.recording.index import Segment, add_segment
from commandcenter.store import models
from commandcenter.video.playback import PlaybackSource, RecordingAccess
from tests.video.recorded_clips import colour_of_second, write_segment
from widgets.wall.playback import TilePlayback
from widgets.wall.tile import VideoTile

T0 = datetime(2026, 12, 1, 2, 0, 0, tzinfo=UTC)


def _wait(predicate: object, timeout: float = 10.0) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


@pytest.fixture
def segments(tmp_path: Path) -> list[Segment]:
    """0–4 s and 4–8 s touching, then a hole to 20 s, a missing file at 20–23 s, a damaged one at 23–26 s and
    a good one at 26–29 s."""
    a = write_segment(tmp_path / "a.mp4", T0, 4, 0)
    b = write_segment(tmp_path / "b.mp4", T0 + timedelta(seconds=4), 4, 4)
    missing = Segment(str(tmp_path / "gone.mp4"), T0 + timedelta(seconds=20), T0 + timedelta(seconds=23), 1000)
    damaged_path = tmp_path / "damaged.mp4"
    damaged_path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    damaged = Segment(str(damaged_path), T0 + timedelta(seconds=23), T0 + timedelta(seconds=26), 10_000)
    c = write_segment(tmp_path / "c.mp4", T0 + timedelta(seconds=26), 3, 26)
    return [a, b, missing, damaged, c]


@pytest.fixture
def source(segments: list[Segment]) -> Iterator[PlaybackSource]:
    src = PlaybackSource("cam-1", segments, (160, 96))
    src.start()
    yield src
    src.stop()


def _near(src: PlaybackSource, when: datetime) -> bool:
    position = src.position()
    return position is not None and abs((position - when).total_seconds()) < 0.005


def _red(src: PlaybackSource) -> int:
    frame = src.latest_frame()
    assert frame is not None
    return int(frame.image[10, 10, 2])  # BGRX: index 2 is red


def test_starts_at_the_first_frame_and_seeks_to_the_second_asked(source: PlaybackSource) -> None:
    assert _wait(lambda: source.position() == T0)
    assert _red(source) == pytest.approx(colour_of_second(0), abs=4)
    target = T0 + timedelta(seconds=5, milliseconds=500)  # in the second file, between key frames
    source.seek(target)
    assert _wait(lambda: source.position() is not None and abs((source.position() - target).total_seconds()) < 0.05)
    assert _red(source) == pytest.approx(colour_of_second(5), abs=4)
    landed = source.position()
    assert landed is not None and landed >= target  # the first frame at or after the time asked (25 fps)
    source.step(1)
    assert _wait(lambda: _near(source, landed + timedelta(milliseconds=40)))
    source.step(-1)
    assert _wait(lambda: _near(source, landed))


def test_plays_around_the_gap_and_the_bad_segments_and_says_so(source: PlaybackSource) -> None:
    source.seek(T0 + timedelta(seconds=7))
    source.set_speed(16.0)
    source.play()
    assert _wait(lambda: source.ended, timeout=20)
    position = source.position()
    assert position is not None and position >= T0 + timedelta(seconds=28)
    assert _red(source) == pytest.approx(colour_of_second(28), abs=4)
    notices = "\n".join(source.notices)
    assert "no recording" in notices
    assert "gone.mp4" in notices and "is missing: skipped" in notices
    assert "damaged.mp4" in notices and "cannot be played" in notices


def test_seek_into_the_hole_plays_on_from_the_next_recording(source: PlaybackSource) -> None:
    source.seek(T0 + timedelta(seconds=12))
    assert _wait(lambda: source.position() is not None and source.position() >= T0 + timedelta(seconds=26))
    assert _red(source) == pytest.approx(colour_of_second(26), abs=4)
    assert any("no recording" in n for n in source.notices)


def test_refuses_a_speed_outside_the_range(source: PlaybackSource) -> None:
    with pytest.raises(ValueError, match=r"32\.0× is outside 0\.25×–16\.0×"):
        source.set_speed(32.0)


def test_tile_switches_to_playback_and_follows_the_timeline(segments: list[Segment], store, tasks,  # type: ignore[no-untyped-def]
                                                            qtbot: QtBot) -> None:
    for segment in segments:
        store.write(add_segment("cam-1", segment))
    now = datetime.now(UTC)
    store.write(lambda s: s.add(models.Case(code="AJ-PB-1", source="test", status="reported", lat=32.0, lon=118.7,
                                            created_at=T0 + timedelta(seconds=27), updated_at=now)))
    access = RecordingAccess(store.engine, tasks, {"cam-1": (32.0, 118.7)})
    tile = VideoTile(0, "w1")
    qtbot.addWidget(tile)
    tile.resize(640, 360)
    tile.set_camera("cam-1", "测试", False)
    playback = TilePlayback(tile, access)
    tile.show()
    qtbot.waitExposed(tile)

    QTest.mouseClick(playback.button, Qt.MouseButton.LeftButton)  # the tile's 回放 button: last hour, nothing
    qtbot.waitUntil(lambda: playback.bar.notice.text() != "" and "Loading" not in playback.bar.notice.text(),
                    timeout=10_000)
    assert tile.playback and tile.state_text() == "Playback"

    playback.enter(window=(T0, T0 + timedelta(seconds=40)))
    timeline = playback.bar.timeline
    qtbot.waitUntil(lambda: len(timeline.spans) == 2 and len(timeline.markers) == 1, timeout=10_000)
    assert timeline.markers[0].ref == "AJ-PB-1"
    qtbot.waitUntil(lambda: playback.source is not None and playback.source.position() == T0, timeout=10_000)
    qtbot.waitUntil(lambda: tile._image is not None, timeout=5_000)

    x = int(timeline.x_of(T0 + timedelta(seconds=6)))  # a click on the timeline scrubs there
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, timeline.height() // 2))
    qtbot.waitUntil(lambda: abs((playback.source.position() - T0).total_seconds() - 6) < 0.2,  # type: ignore[union-attr]
                    timeout=10_000)

    QTest.keyClicks(playback.bar.case, "AJ-PB-1")
    QTest.keyClick(playback.bar.case, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: abs((playback.source.position() - T0).total_seconds() - 27) < 0.2,  # type: ignore[union-attr]
                    timeout=10_000)

    # The timeline's keys, the same as under the wall in 同步回放: ↑ faster, → one frame, Space play/pause.
    timeline.setFocus()
    QTest.keyClick(timeline, Qt.Key.Key_Up)
    assert playback.bar.speed.currentData() == 2.0 and playback.source.speed == 2.0  # type: ignore[union-attr]
    here = playback.source.position()  # type: ignore[union-attr]
    assert here is not None
    QTest.keyClick(timeline, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: _near(playback.source, here + timedelta(milliseconds=40)),  # type: ignore[arg-type]
                    timeout=10_000)
    QTest.keyClick(timeline, Qt.Key.Key_Space)
    assert playback.source.playing  # type: ignore[union-attr]
    QTest.keyClick(timeline, Qt.Key.Key_Space)
    assert not playback.source.playing  # type: ignore[union-attr]

    QTest.mouseClick(playback.bar.live, Qt.MouseButton.LeftButton)
    assert not tile.playback and playback.source is None and not playback.bar.isVisible()


def test_a_span_selected_on_the_timeline_becomes_a_clip_filed_as_case_evidence(  # type: ignore[no-untyped-def]
        segments: list[Segment], store, tasks, qtbot: QtBot, tmp_path: Path) -> None:
    import hashlib
    from types import SimpleNamespace

    import av
    from sqlalchemy import select

    from commandcenter.enforcement.services import EnforcementServices
    from commandcenter.enforcement.tables import AuditRecord
    from commandcenter.recording.clips import ClipSaver
    from commandcenter.recording.index import RecordingIndex

    for segment in segments:
        store.write(add_segment("cam-1", segment))
    now = datetime.now(UTC)
    store.write(lambda s: s.add(models.Case(code="AJ-CLIP-1", source="test", status="reported", lat=32.0,
                                            lon=118.7, created_at=T0 + timedelta(seconds=3), updated_at=now)))
    enforcement = EnforcementServices.create(store, tasks=tasks, evidence_root=tmp_path / "evidence",
                                             config_users=[SimpleNamespace(username="wall-op", role="admin")])
    clips = ClipSaver(RecordingIndex(store.engine), tasks, tmp_path / "clips", evidence=enforcement.evidence,
                      actor=lambda: "wall-op")
    access = RecordingAccess(store.engine, tasks, {"cam-1": (32.0, 118.7)}, clips=clips)
    tile = VideoTile(0, "w1")
    qtbot.addWidget(tile)
    tile.resize(900, 400)
    tile.set_camera("cam-1", "测试", False)
    playback = TilePlayback(tile, access)
    tile.show()
    qtbot.waitExposed(tile)
    playback.enter(window=(T0, T0 + timedelta(seconds=10)))
    timeline, bar = playback.bar.timeline, playback.bar
    qtbot.waitUntil(lambda: len(timeline.spans) >= 1, timeout=10_000)
    assert bar.clip.isVisible() and not bar.clip.isEnabled()  # nothing selected yet
    y = timeline.height() // 2
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(int(timeline.x_of(T0 + timedelta(seconds=1))), y))
    QTest.mouseMove(timeline, QPoint(int(timeline.x_of(T0 + timedelta(seconds=6))), y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                       QPoint(int(timeline.x_of(T0 + timedelta(seconds=6))), y))
    assert timeline.selection is not None and bar.clip.isEnabled()
    QTest.keyClicks(bar.case, "AJ-CLIP-1")
    QTest.mouseClick(bar.clip, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "SHA-256" in bar.notice.text() or "not exported" in bar.notice.text(), timeout=20_000)
    assert "AJ-CLIP-1" in bar.notice.text(), bar.notice.text()
    files = list((tmp_path / "clips").glob("cam-1-*.mp4"))
    assert len(files) == 1
    with av.open(str(files[0])) as clip:  # a real MP4 any player opens: about the five seconds selected
        assert clip.streams.video and 4.0 <= float(clip.duration or 0) / 1e6 <= 7.0
    sha = hashlib.sha256(files[0].read_bytes()).hexdigest()
    assert sha[:16] in bar.notice.text()

    def filed(session):  # type: ignore[no-untyped-def]
        case_id = session.scalar(select(models.Case.id).where(models.Case.code == "AJ-CLIP-1"))
        evidence = [e.sha256 for e in session.scalars(select(models.Evidence).where(models.Evidence.case_id == case_id))]
        audited = [a.actor for a in session.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.add"))]
        return evidence, audited

    assert store.read(filed) == ([sha], ["wall-op"])
    # A case code nobody has: refused before anything is cut, and said so on the tile.
    bar.case.clear()
    QTest.keyClicks(bar.case, "AJ-NOPE")
    QTest.mouseClick(bar.clip, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not exported" in bar.notice.text() or "未导出" in bar.notice.text(), timeout=10_000)
    assert "AJ-NOPE" in bar.notice.text() and len(list((tmp_path / "clips").glob("*.mp4"))) == 1
    enforcement.close()
