"""Playback of recorded video: the segments of one camera played as one timeline, seekable, at 0.25×–16×.

A :class:`PlaybackSource` decodes on its own thread with PyAV (the wall's FFmpeg backend: same scaling to tile
size, same BGRX frames a tile paints without converting) and publishes only the newest frame, like a live
:class:`~commandcenter.video.backend.Stream`; the GUI polls it. Commands (seek, play, pause, speed, step) are
queued to the thread and return at once, so a seek never stalls the GUI: the container seeks to the key frame at
or before the target and decodes forward to the target (at tile size this costs a few milliseconds per frame).

Frame times are wall-clock UTC: a segment's index row says when its first frame was taken, and frames inside it
are placed by their pts from the file's start. Between segments with a hole, and around a segment that is missing
or will not decode, playback carries on at the next recorded frame and says so in :attr:`PlaybackSource.notices`.

:class:`RecordingAccess` is what views ask for the timeline (spans, markers, a case's report time): reads on the
task manager, never on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import av
import av.error
import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commandcenter.geo.coords import haversine_m
from commandcenter.recording.clips import ClipSaver
from commandcenter.recording.index import GAP_TOLERANCE_S, RecordingIndex, Segment, Span
from commandcenter.runtime.priority import run_at_background_priority
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import models
from commandcenter.video.backend import DEFAULT_SIZE, Frame, fit_size
from commandcenter.video.pyav_backend import TileScaler, _plane_array

log = logging.getLogger(__name__)

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
KEYFRAMES_ONLY_FROM = 8.0  # at this speed and above only key frames are decoded (16× of 1080p25 is 400 fps)
MARKER_RADIUS_M = 300.0  # cases reported this close to a camera are marked on its timeline


def utc_seconds(when: datetime) -> float:
    return when.timestamp()


def from_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class TimelineMarker:
    """A moment worth jumping to on a timeline: a case reported near the camera, an alarm."""

    at: datetime
    kind: str  # "case" | "alarm"
    label: str
    ref: str  # case code, alarm id


class PlaybackSource:
    """One camera's recordings as a seekable stream. Thread-safe; ``start``/``stop`` from any thread."""

    def __init__(self, camera_id: str, segments: list[Segment], size: tuple[int, int] = DEFAULT_SIZE) -> None:
        self.camera_id = camera_id
        self.segments = sorted(segments, key=lambda s: s.start)
        self._size = size
        self._cond = threading.Condition()
        self._stop = False
        self._seek_to: datetime | None = self.segments[0].start if self.segments else None
        self._steps = 0
        self._playing = False
        self._speed = 1.0
        self._latest: Frame | None = None
        self._position: datetime | None = None
        self._notices: list[str] = []
        self._ended = False
        self._thread: threading.Thread | None = None
        # decode-thread state
        self._index = -1
        self._container: av.container.InputContainer | None = None
        self._frames: Iterator[av.VideoFrame] | None = None
        self._origin = 0.0  # pts (s) of the current file's first frame
        self._anchor: tuple[float, float] | None = None  # (media seconds, monotonic) the pacing counts from
        self._scaler = TileScaler()  # the live tiles' scaling: one swscale context, rows picked first

    # -- commands (any thread) --------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"playback:{self.camera_id}", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 3.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(wait)

    def seek(self, when: datetime) -> None:
        with self._cond:
            self._seek_to, self._steps, self._ended = when, 0, False
            self._cond.notify_all()

    def play(self) -> None:
        with self._cond:
            self._playing, self._anchor = True, None
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._playing = False
            self._cond.notify_all()

    def set_speed(self, speed: float) -> None:
        if not SPEEDS[0] <= speed <= SPEEDS[-1]:
            raise ValueError(f"playback of {self.camera_id}: speed {speed}× is outside {SPEEDS[0]}×–{SPEEDS[-1]}×")
        with self._cond:
            self._speed, self._anchor = speed, None
            self._cond.notify_all()

    def step(self, frames: int = 1) -> None:
        """Pause and move ``frames`` frames (negative: back — a seek to just before the current frame)."""
        with self._cond:
            self._playing = False
            if frames < 0 and self._position is not None:
                self._seek_to = self._position - timedelta(seconds=0.04 * -frames + 0.001)
            else:
                self._steps += frames
            self._cond.notify_all()

    # -- state (any thread) -----------------------------------------------------------------------------------------
    def covers(self, when: datetime) -> bool:
        """Whether a segment was recorded at ``when`` (whether it plays is another matter)."""
        return any(s.start <= when < s.end for s in self.segments)

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def ended(self) -> bool:
        return self._ended

    def position(self) -> datetime | None:
        with self._cond:
            return self._position

    def latest_frame(self) -> Frame | None:
        with self._cond:
            return self._latest

    @property
    def notices(self) -> list[str]:
        with self._cond:
            return list(self._notices)

    def _note(self, text: str) -> None:
        log.info("playback %s: %s", self.camera_id, text)
        with self._cond:
            if text not in self._notices:
                self._notices.append(text)

    # -- decode thread ----------------------------------------------------------------------------------------------
    def _run(self) -> None:
        run_at_background_priority()  # recorded video yields the CPU to the GUI thread
        try:
            while True:
                with self._cond:
                    while not self._stop and self._seek_to is None and self._steps <= 0 and not (
                            self._playing and not self._ended):
                        self._cond.wait()
                    if self._stop:
                        return
                    seek_to, self._seek_to = self._seek_to, None
                    stepping = self._steps > 0 and not self._playing
                    if stepping:
                        self._steps -= 1
                if seek_to is not None:
                    self._seek(seek_to)
                elif stepping:
                    self._advance(paced=False)
                else:
                    self._advance(paced=True)
        finally:
            self._close()

    def _seek(self, target: datetime) -> None:
        """Open the segment holding ``target`` (or the next recorded one) and decode up to ``target``."""
        index = next((i for i, s in enumerate(self.segments) if s.end > target), None)
        if index is None:
            self._finish("no recording after " + _clock(target))
            return
        if target < self.segments[index].start - timedelta(seconds=GAP_TOLERANCE_S):
            self._note(f"no recording {_clock(target)}–{_clock(self.segments[index].start)}: playing on from "
                       f"{_clock(self.segments[index].start)}")
        if not self._open(index):
            return
        segment = self.segments[index]
        offset = max(0.0, (target - segment.start).total_seconds())
        assert self._container is not None
        video = self._container.streams.video[0]
        if offset > 0 and video.time_base:
            self._container.seek(int((self._origin + offset) / float(video.time_base)), stream=video, backward=True)
            self._frames = self._container.decode(video)
        frame = self._next_frame()
        while frame is not None and self._frame_time(frame) < utc_seconds(target) - 0.001:
            later = self._next_frame()
            if later is None:
                break
            frame = later
        if frame is not None:
            self._deliver(frame)
        self._anchor = None

    def _advance(self, paced: bool) -> None:
        frame = self._next_frame()
        if frame is None:
            return
        media = self._frame_time(frame)
        if paced:
            now = time.monotonic()
            if self._anchor is None:
                self._anchor = (media, now)
            due = self._anchor[1] + (media - self._anchor[0]) / self._speed
            if due - now > 2.0:  # a jump forward in time (a skipped gap): restart the clock here
                self._anchor, due = (media, now), now
            with self._cond:
                if due > now and not self._stop:
                    self._cond.wait(due - now)
                if self._seek_to is not None or self._stop or not self._playing:
                    return  # a newer command: this frame is stale
            if time.monotonic() - due > 0.2 and not (frame.key_frame or self._speed >= KEYFRAMES_ONLY_FROM):
                return  # behind: decode on without converting until caught up
        self._deliver(frame)

    def _next_frame(self) -> av.VideoFrame | None:
        """The next decoded frame across segment boundaries; None at the end of the recordings."""
        while True:
            if self._frames is not None:
                try:
                    return next(self._frames)
                except StopIteration:
                    pass
                except (av.error.FFmpegError, OSError) as exc:
                    self._note(f"segment {self.segments[self._index].path} is damaged after "
                               f"{_clock(self._position or self.segments[self._index].start)} ({exc}): skipped")
            following = self._index + 1
            if following >= len(self.segments):
                self._finish("end of the recording")
                return None
            if self._index >= 0:
                previous_end, nxt = self.segments[self._index].end, self.segments[following]
                if (nxt.start - previous_end).total_seconds() > GAP_TOLERANCE_S:
                    self._note(f"no recording {_clock(previous_end)}–{_clock(nxt.start)}: skipped")
            if not self._open(following):
                return None

    def _open(self, index: int) -> bool:
        """Open segment ``index``; a missing or unreadable one is noted and the following ones tried."""
        while index < len(self.segments):
            self._close()
            self._index = index
            segment = self.segments[index]
            try:
                container = av.open(segment.path)
                if not container.streams.video:
                    container.close()
                    raise ValueError("no video stream")
                video = container.streams.video[0]
                video.thread_type = "SLICE"
                if self._speed >= KEYFRAMES_ONLY_FROM:
                    video.codec_context.skip_frame = "NONKEY"
                self._container = container
                tb = float(video.time_base or 0)
                self._origin = float((video.start_time or 0) * tb) if tb else 0.0
                self._frames = container.decode(video)
                return True
            except FileNotFoundError:
                self._note(f"segment {segment.path} ({_clock(segment.start)}–{_clock(segment.end)}) is missing: "
                           "skipped")
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                self._note(f"segment {segment.path} ({_clock(segment.start)}–{_clock(segment.end)}) cannot be "
                           f"played ({exc}): skipped")
            index += 1
        self._index = len(self.segments)
        self._finish("end of the recording")
        return False

    def _close(self) -> None:
        self._frames = None
        if self._container is not None:
            try:
                self._container.close()
            except Exception:
                pass
            self._container = None

    def _finish(self, why: str) -> None:
        with self._cond:
            self._ended, self._playing = True, False
        log.debug("playback %s: %s", self.camera_id, why)

    def _frame_time(self, frame: av.VideoFrame) -> float:
        segment = self.segments[self._index]
        offset = float(frame.time) - self._origin if frame.time is not None else 0.0
        return utc_seconds(segment.start) + max(0.0, offset)

    def _deliver(self, frame: av.VideoFrame) -> None:
        width, height = fit_size(frame.width, frame.height, self._size)
        image: np.ndarray = _plane_array(self._scaler.to_bgra(frame, width, height), width, height)
        when = self._frame_time(frame)
        with self._cond:
            self._latest = Frame(image, when, time.time())
            self._position = from_seconds(when)


def _clock(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M:%S")


class RecordingAccess:
    """The timeline's reads (recorded spans, segments, markers, case times), run on the task manager."""

    def __init__(self, engine: Engine, tasks: TaskManager,
                 camera_positions: dict[str, tuple[float, float]] | None = None, *,
                 clips: ClipSaver | None = None) -> None:
        self.index = RecordingIndex(engine)
        self.clips = clips  # cuts a selected span into a clip (and files it as evidence); None: not offered
        self.engine = engine
        self.tasks = tasks
        self.positions = dict(camera_positions or {})

    def spans(self, camera_id: str, start: datetime, end: datetime) -> Future[list[Span]]:
        return self.tasks.run(lambda: self.index.spans(camera_id, start, end))

    def segments(self, camera_id: str, start: datetime, end: datetime) -> Future[list[Segment]]:
        return self.tasks.run(lambda: self.index.segments(camera_id, start, end))

    def markers(self, camera_id: str, start: datetime, end: datetime) -> Future[list[TimelineMarker]]:
        return self.tasks.run(lambda: self.read_markers(camera_id, start, end))

    def case_time(self, code: str) -> Future[datetime | None]:
        """When case ``code`` was reported (None if there is no such case)."""
        def read() -> datetime | None:
            with Session(self.engine) as session:
                return session.scalar(select(models.Case.created_at).where(models.Case.code == code.strip()))

        return self.tasks.run(read)

    def read_markers(self, camera_id: str, start: datetime, end: datetime) -> list[TimelineMarker]:
        """Cases reported within ``MARKER_RADIUS_M`` of the camera during [start, end) (all, if the camera has
        no position: an operator scrubbing an unplaced camera still sees what happened meanwhile)."""
        place = self.positions.get(camera_id)
        query = (select(models.Case.code, models.Case.created_at, models.Case.category_name, models.Case.lat,
                        models.Case.lon)
                 .where(models.Case.created_at >= start, models.Case.created_at < end)
                 .order_by(models.Case.created_at).limit(500))
        out: list[TimelineMarker] = []
        with Session(self.engine) as session:
            for code, at, category, lat, lon in session.execute(query):
                if place is not None and (lat is None or lon is None
                                          or haversine_m(place[0], place[1], lat, lon) > MARKER_RADIUS_M):
                    continue
                out.append(TimelineMarker(at, "case", f"{code} {category}".strip(), code))
        return out


SegmentsLoader = Callable[[str, datetime, datetime], Future[list[Segment]]]


def still_at(segments: list[Segment], when: datetime, width: int = 640) -> np.ndarray | None:
    """The recorded picture (RGB, ``width`` wide) at ``when``, or None if nothing playable was recorded then.
    Blocking (opens and decodes a file): for reports, on a worker thread."""
    segment = next((s for s in sorted(segments, key=lambda s: s.start) if s.start <= when < s.end), None)
    if segment is None:
        return None
    try:
        with av.open(segment.path) as container:
            video = container.streams.video[0]
            tb = float(video.time_base or 0)
            origin = float((video.start_time or 0) * tb) if tb else 0.0
            offset = (when - segment.start).total_seconds()
            if offset > 0 and tb:
                container.seek(int((origin + offset) / tb), stream=video, backward=True)
            chosen: av.VideoFrame | None = None
            for frame in container.decode(video):
                chosen = frame
                if frame.time is not None and float(frame.time) - origin >= offset - 0.001:
                    break
            if chosen is None:
                return None
            height = max(2, int(chosen.height * width / chosen.width) & ~1)
            return chosen.to_ndarray(width=width, height=height, format="rgb24")
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        log.info("no still of %s at %s: %s", segment.path, when.isoformat(), exc)
        return None
