"""同步回放: one clock drives the playback of every recording tile on the wall, in step (Qt-free).

Each tile keeps its own :class:`~commandcenter.video.playback.PlaybackSource` (decoding on its own thread, paced
by its own frames), so the tiles are only *nearly* in step on their own: a seek lands a few milliseconds later on
one file than on another, a slow decoder falls behind, and a source that reaches a hole in its recording plays
on from the next recorded frame — ahead of everyone else. :class:`WallSync` is the referee. The wall's poll
(25 Hz) calls :meth:`WallSync.tick`, which compares every source's position with the one :class:`SyncClock`:

* at a moment a camera did not record, its source is held (paused) and its tile says 无录像 instead of showing a
  picture from another moment;
* when the clock enters the camera's recording again, or the source drifted further than :meth:`tolerance`
  from the clock (at most one correction a second per camera, so a slow seek is not re-issued), the source is
  seeked to the clock's time and resumes playing if the wall plays;
* scrubbing, stepping, jumping and the speed go to the clock and to every source at once.

Nothing here knows Qt: the clock reads an injectable monotonic function, which is how the tests move time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from commandcenter.recording.index import GAP_TOLERANCE_S, Segment
from commandcenter.video.playback import SPEEDS, from_seconds

FRAME_S = 0.04  # one frame at 25 fps: what a step moves
RESYNC_EVERY_S = 1.0  # at most one drift correction per camera and second (a seek takes time to land)
DRIFT_MIN_S = 0.3  # a source this close to the clock is in step
DRIFT_PER_SPEED_S = 0.5  # at n×, n × this (at 8× and up only key frames are decoded: positions jump by a GOP)


class SyncedSource(Protocol):
    """What the wall's clock needs of a tile's player (``PlaybackSource`` is one)."""

    def seek(self, when: datetime) -> None: ...

    def play(self) -> None: ...

    def pause(self) -> None: ...

    def set_speed(self, speed: float) -> None: ...

    def position(self) -> datetime | None: ...


class SyncClock:
    """The wall's playback time: a position that moves at ``speed`` while playing, stopping at ``limit``."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._at = start.timestamp()  # epoch seconds at the anchor
        self._anchor = monotonic()
        self.playing = False
        self.speed = 1.0
        self.limit: datetime | None = None  # the clock pauses here (the end of the recordings, now)

    def now(self) -> datetime:
        return from_seconds(self._seconds())

    def _seconds(self) -> float:
        if not self.playing:
            return self._at
        at = self._at + (self._monotonic() - self._anchor) * self.speed
        if self.limit is not None and at >= self.limit.timestamp():
            self._at, self._anchor, self.playing = self.limit.timestamp(), self._monotonic(), False
            return self._at
        return at

    def _rebase(self) -> None:
        self._at, self._anchor = self._seconds(), self._monotonic()

    def seek(self, when: datetime) -> None:
        if self.limit is not None and when > self.limit:
            when = self.limit
        self._at, self._anchor = when.timestamp(), self._monotonic()

    def play(self) -> None:
        self._rebase()
        self.playing = True

    def pause(self) -> None:
        self._rebase()
        self.playing = False

    def set_speed(self, speed: float) -> None:
        if not SPEEDS[0] <= speed <= SPEEDS[-1]:
            raise ValueError(f"wall playback: speed {speed}× is outside {SPEEDS[0]}×–{SPEEDS[-1]}×")
        self._rebase()
        self.speed = speed

    def step(self, frames: int) -> datetime:
        """Pause and move ``frames`` frames (negative: back); returns the new time."""
        self.pause()
        self.seek(from_seconds(self._at + frames * FRAME_S))
        return self.now()


def merge_spans(segments: Iterable[Segment]) -> list[tuple[datetime, datetime]]:
    """Segments folded into continuous spans (a hole up to ``GAP_TOLERANCE_S`` is not a gap, as in the index)."""
    spans: list[tuple[datetime, datetime]] = []
    tolerance = timedelta(seconds=GAP_TOLERANCE_S)
    for segment in sorted(segments, key=lambda s: s.start):
        if spans and segment.start - spans[-1][1] <= tolerance:
            spans[-1] = (spans[-1][0], max(spans[-1][1], segment.end))
        else:
            spans.append((segment.start, segment.end))
    return spans


def union_spans(rows: Iterable[list[tuple[datetime, datetime]]]) -> list[tuple[datetime, datetime]]:
    """Where at least one camera recorded: the timeline's merged row."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(span for row in rows for span in row):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass
class _Track:
    """One camera in the synchronised wall: its recorded spans, its player, and what the referee last did."""

    spans: list[tuple[datetime, datetime]]
    source: SyncedSource | None = None
    held: bool = True  # paused because the clock is outside its recording (or not yet started)
    running: bool = False  # told to play
    corrected: float = float("-inf")  # monotonic time of the last seek the referee issued


class WallSync:
    """The clock and every camera's track; ``tick()`` keeps the sources in step (see the module docstring)."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self.clock = SyncClock(start, monotonic)
        self.tracks: dict[str, _Track] = {}

    # -- cameras ----------------------------------------------------------------------------------------------------
    def add_camera(self, camera_id: str, segments: list[Segment], source: SyncedSource | None = None) -> None:
        """A camera takes part with its recorded segments (and the player for them, None: nothing recorded)."""
        self.remove_camera(camera_id)
        track = _Track(merge_spans(segments), source)
        self.tracks[camera_id] = track
        if source is not None:
            source.set_speed(self.clock.speed)
            self._resync(track, self.clock.now())

    def remove_camera(self, camera_id: str) -> SyncedSource | None:
        track = self.tracks.pop(camera_id, None)
        return track.source if track is not None else None

    def spans(self, camera_id: str) -> list[tuple[datetime, datetime]]:
        track = self.tracks.get(camera_id)
        return list(track.spans) if track is not None else []

    def union(self) -> list[tuple[datetime, datetime]]:
        return union_spans(t.spans for t in self.tracks.values())

    def covers(self, camera_id: str, when: datetime | None = None) -> bool:
        """Whether ``camera_id`` recorded at ``when`` (default: the clock's time)."""
        track = self.tracks.get(camera_id)
        at = self.clock.now() if when is None else when
        return track is not None and track.source is not None and any(s <= at < e for s, e in track.spans)

    def tolerance(self) -> float:
        """How far (media seconds) a source may be from the clock before it is seeked back into step."""
        return max(DRIFT_MIN_S, DRIFT_PER_SPEED_S * self.clock.speed)

    # -- the operator's commands (to the clock and every source) ------------------------------------------------------
    def seek(self, when: datetime) -> None:
        self.clock.seek(when)
        at = self.clock.now()
        for track in self.tracks.values():
            self._resync(track, at)

    def play(self) -> None:
        self.clock.play()
        self.seek(self.clock.now())  # everyone starts from the same moment

    def pause(self) -> None:
        self.clock.pause()
        self.seek(self.clock.now())  # everyone stops at the same moment

    def toggle(self) -> None:
        if self.clock.playing:
            self.pause()
        else:
            self.play()

    def step(self, frames: int) -> None:
        self.seek(self.clock.step(frames))

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        for track in self.tracks.values():
            if track.source is not None:
                track.source.set_speed(speed)

    # -- the referee ------------------------------------------------------------------------------------------------
    def tick(self) -> datetime:
        """Hold the sources outside their recording, bring back the ones that drifted; returns the clock's time."""
        at = self.clock.now()
        now = self._monotonic()
        for camera_id, track in self.tracks.items():
            if track.source is None:
                continue
            if not self.covers(camera_id, at):
                if not track.held:
                    track.source.pause()
                    track.held, track.running = True, False
                continue
            if track.held:
                self._resync(track, at)
                continue
            if self.clock.playing != track.running:
                self._resync(track, at)
                continue
            position = track.source.position()
            drift = abs((position - at).total_seconds()) if position is not None else float("inf")
            if drift > self.tolerance() and now - track.corrected >= RESYNC_EVERY_S:
                self._resync(track, at)
        if not self.clock.playing:
            return at
        return self.clock.now()

    def drift(self, camera_id: str) -> float | None:
        """How far (seconds) the camera's player is from the clock; None when it shows nothing now."""
        track = self.tracks.get(camera_id)
        if track is None or track.source is None or not self.covers(camera_id):
            return None
        position = track.source.position()
        return None if position is None else (position - self.clock.now()).total_seconds()

    def _resync(self, track: _Track, at: datetime) -> None:
        source = track.source
        if source is None:
            return
        if not any(s <= at < e for s, e in track.spans):
            source.pause()
            track.held, track.running = True, False
            return
        source.seek(at)
        if self.clock.playing:
            source.play()
        else:
            source.pause()
        track.held, track.running, track.corrected = False, self.clock.playing, self._monotonic()
