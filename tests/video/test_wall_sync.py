"""The wall's synchronised playback model (Qt-free): one clock, every camera's real player in step; holes held."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commandcenter.recording.index import Segment
from commandcenter.video.playback import PlaybackSource
from commandcenter.video.wall_sync import SyncClock, WallSync, merge_spans, union_spans
from tests.video.recorded_clips import colour_of_second, write_segment

T0 = datetime(2026, 12, 1, 2, 0, 0, tzinfo=UTC)


class FakeTime:
    """The clock's monotonic source, moved by the test (the players still decode in real time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _wait(predicate: object, timeout: float = 10.0) -> bool:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def _at(second: float) -> datetime:
    return T0 + timedelta(seconds=second)


def _off(source: PlaybackSource, when: datetime) -> float:
    position = source.position()
    return abs((position - when).total_seconds()) if position is not None else 1e9


@pytest.fixture
def recordings(tmp_path: Path) -> dict[str, list[Segment]]:
    """cam-a recorded 0–8 s (two files); cam-b 0–4 s and 6–10 s (a 2 s hole)."""
    return {
        "cam-a": [write_segment(tmp_path / "a1.mp4", T0, 4, 0),
                  write_segment(tmp_path / "a2.mp4", _at(4), 4, 4)],
        "cam-b": [write_segment(tmp_path / "b1.mp4", T0, 4, 0),
                  write_segment(tmp_path / "b2.mp4", _at(6), 4, 6)],
    }


@pytest.fixture
def wall(recordings: dict[str, list[Segment]]) -> Iterator[tuple[WallSync, dict[str, PlaybackSource], FakeTime]]:
    clock = FakeTime()
    sync = WallSync(T0, clock)
    sources = {}
    for camera_id, segments in recordings.items():
        source = PlaybackSource(camera_id, segments, (160, 96))
        source.start()
        sources[camera_id] = source
        sync.add_camera(camera_id, segments, source)
    yield sync, sources, clock
    for source in sources.values():
        source.stop()


def test_spans_merge_touching_files_and_the_union_covers_any_camera(recordings: dict[str, list[Segment]]) -> None:
    a, b = merge_spans(recordings["cam-a"]), merge_spans(recordings["cam-b"])
    assert a == [(T0, _at(8))]
    assert b == [(T0, _at(4)), (_at(6), _at(10))]
    assert union_spans([a, b]) == [(T0, _at(10))]


def test_clock_moves_at_its_speed_steps_by_frames_and_stops_at_its_limit() -> None:
    now = FakeTime()
    clock = SyncClock(T0, now)
    clock.limit = _at(30)
    clock.play()
    now.now += 2.0
    assert clock.now() == _at(2)
    clock.set_speed(4.0)
    now.now += 1.0
    assert clock.now() == _at(6)
    assert clock.step(1) == _at(6.04) and not clock.playing
    assert clock.step(-2) == _at(5.96)
    clock.play()
    now.now += 100.0
    assert clock.now() == _at(30) and not clock.playing  # the end of what can be played
    with pytest.raises(ValueError, match=r"speed 32\.0× is outside 0\.25×–16\.0×"):
        clock.set_speed(32.0)


def test_a_seek_lands_every_player_on_the_same_frame(
        wall: tuple[WallSync, dict[str, PlaybackSource], FakeTime]) -> None:
    sync, sources, _ = wall
    target = _at(2.5)
    sync.seek(target)
    assert _wait(lambda: all(_off(s, target) < 0.041 for s in sources.values()))
    positions = {s.position() for s in sources.values()}
    assert len(positions) == 1  # the same frame time on both
    frames = [s.latest_frame() for s in sources.values()]
    assert all(f is not None and int(f.image[10, 10, 2]) == pytest.approx(colour_of_second(2), abs=4)
               for f in frames)
    sync.step(1)
    landed = positions.pop()
    assert landed is not None
    assert _wait(lambda: all(_off(s, landed + timedelta(milliseconds=40)) < 0.005 for s in sources.values()))


def test_a_camera_without_recording_is_held_and_rejoins_when_its_recording_resumes(
        wall: tuple[WallSync, dict[str, PlaybackSource], FakeTime]) -> None:
    sync, sources, clock = wall
    sync.seek(_at(3.5))
    assert _wait(lambda: all(_off(s, _at(3.5)) < 0.041 for s in sources.values()))
    sync.play()
    clock.now += 1.5  # the wall is at 5 s: cam-b did not record from 4 to 6 s
    sync.tick()
    assert sync.covers("cam-a") and not sync.covers("cam-b")
    assert not sources["cam-b"].playing  # held: it would otherwise run ahead to 6 s
    assert sync.drift("cam-b") is None
    clock.now += 1.5  # 6.5 s: recorded again
    sync.tick()
    assert sync.covers("cam-b") and sources["cam-b"].playing
    sync.pause()  # everyone stops at the wall's moment: cam-b is back in step
    assert _wait(lambda: all(_off(s, _at(6.5)) < 0.041 for s in sources.values()))


def test_a_player_that_drifted_is_brought_back_once_a_second(
        wall: tuple[WallSync, dict[str, PlaybackSource], FakeTime]) -> None:
    sync, sources, clock = wall
    sync.seek(_at(1))
    assert _wait(lambda: all(_off(s, _at(1)) < 0.041 for s in sources.values()))
    sync.seek(_at(2))
    assert _wait(lambda: all(_off(s, _at(2)) < 0.041 for s in sources.values()))
    sources["cam-a"].seek(_at(3))  # cam-a wanders off (a stalled decoder, a late seek)
    assert _wait(lambda: _off(sources["cam-a"], _at(3)) < 0.041)
    assert sync.drift("cam-a") == pytest.approx(1.0, abs=0.05)
    clock.now += 1.0
    sync.tick()
    assert _wait(lambda: _off(sources["cam-a"], _at(2)) < 0.041)
    sources["cam-a"].seek(_at(3))  # again within the second: left alone, a seek may be on its way
    assert _wait(lambda: _off(sources["cam-a"], _at(3)) < 0.041)
    sync.tick()
    time.sleep(0.3)
    assert _off(sources["cam-a"], _at(3)) < 0.041
    clock.now += 1.0
    sync.tick()
    assert _wait(lambda: _off(sources["cam-a"], _at(2)) < 0.041)


def test_speed_goes_to_every_player(wall: tuple[WallSync, dict[str, PlaybackSource], FakeTime]) -> None:
    sync, sources, _ = wall
    sync.set_speed(4.0)
    assert sync.clock.speed == 4.0 and all(s.speed == 4.0 for s in sources.values())
    assert sync.tolerance() == pytest.approx(2.0)
