"""The read side of the recording index: which segments hold a camera's video for a time window.

The playback timeline, the clip export and the health report all ask the same two questions: "which files do I
open, in which order, for this window?" (``segments``) and "where is there continuous video, and where not?"
(``spans``). Both read the ``recording_segments`` table on the caller's thread (never the GUI thread) and return
plain frozen dataclasses. Writes (a new segment, retention deleting old ones) go through the store's writer as
the jobs at the end of this module.

Two segments of one camera are one span when the second starts where the first ended: the recorder starts a
new file on a key frame without dropping a packet, so consecutive files touch exactly. A camera that dropped
leaves a hole wider than ``GAP_TOLERANCE_S`` between the last file before and the first after; that hole is a gap.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from commandcenter.recording.tables import RecordingSegmentRow

# Consecutive segments whose boundary times differ by at most this are one continuous span (timestamp rounding,
# a frame's duration); a hole of more than this is reported as a gap.
GAP_TOLERANCE_S = 1.0


@dataclass(frozen=True, slots=True)
class Segment:
    """One closed MP4 file of one camera: wall-clock UTC of its first frame and of the end of its last."""

    path: str
    start: datetime
    end: datetime
    bytes: int

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Span:
    """Continuous recorded video: the files to play in order, and the times they cover (whole files, not
    clipped to the window asked for, so ``start`` is the time of the first frame of ``paths[0]``)."""

    start: datetime
    end: datetime
    paths: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CameraRecordings:
    """What is kept of one camera: for the health report and the briefing (days kept, disk use)."""

    camera_id: str
    segments: int
    bytes: int
    oldest: datetime | None
    newest: datetime | None


class RecordingIndex:
    """Reads the segment index. Thread-safe: every call opens its own connection from ``engine``'s pool."""

    def __init__(self, engine: Engine, gap_tolerance_s: float = GAP_TOLERANCE_S) -> None:
        self.engine = engine
        self.gap_tolerance = timedelta(seconds=gap_tolerance_s)

    def segments(self, camera_id: str, start: datetime, end: datetime) -> list[Segment]:
        """The segments of ``camera_id`` that overlap [start, end), oldest first."""
        query = (select(RecordingSegmentRow)
                 .where(RecordingSegmentRow.camera_id == camera_id, RecordingSegmentRow.start < end,
                        RecordingSegmentRow.end > start)
                 .order_by(RecordingSegmentRow.start))
        with Session(self.engine) as session:
            return [_segment(row) for row in session.scalars(query)]

    def spans(self, camera_id: str, start: datetime, end: datetime) -> list[Span]:
        """Continuous runs of segments overlapping [start, end), oldest first (see the module docstring)."""
        return self.merge(self.segments(camera_id, start, end))

    def locate(self, camera_id: str, when: datetime) -> tuple[Segment, float] | None:
        """Where playback of ``when`` begins: the segment holding it and the seconds from that file's first frame
        (the player seeks to its key frame at or before); in a gap, the next segment from its start; None after
        the last recording."""
        query = (select(RecordingSegmentRow)
                 .where(RecordingSegmentRow.camera_id == camera_id, RecordingSegmentRow.end > when)
                 .order_by(RecordingSegmentRow.start).limit(1))
        with Session(self.engine) as session:
            row = session.scalars(query).first()
            if row is None:
                return None
            segment = _segment(row)
        return segment, max(0.0, (when - segment.start).total_seconds())

    def merge(self, segments: Sequence[Segment]) -> list[Span]:
        """Segments (oldest first) folded into spans wherever one starts where the previous ended."""
        spans: list[Span] = []
        for seg in segments:
            if spans and seg.start - spans[-1].end <= self.gap_tolerance:
                last = spans[-1]
                spans[-1] = Span(last.start, max(last.end, seg.end), [*last.paths, seg.path])
            else:
                spans.append(Span(seg.start, seg.end, [seg.path]))
        return spans

    def missing(self, camera_id: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The parts of [start, end) with no recording of ``camera_id`` (the whole window if nothing)."""
        holes: list[tuple[datetime, datetime]] = []
        cursor = start
        for span in self.spans(camera_id, start, end):
            if span.start - cursor > self.gap_tolerance:
                holes.append((cursor, span.start))
            cursor = max(cursor, span.end)
        if end - cursor > self.gap_tolerance:
            holes.append((cursor, end))
        return holes

    def gaps(self, camera_id: str, start: datetime | None = None,
             end: datetime | None = None) -> list[tuple[datetime, datetime]]:
        """Holes between recorded spans of ``camera_id`` (not before the first or after the last segment)."""
        query = select(RecordingSegmentRow).where(RecordingSegmentRow.camera_id == camera_id)
        if start is not None:
            query = query.where(RecordingSegmentRow.end > start)
        if end is not None:
            query = query.where(RecordingSegmentRow.start < end)
        with Session(self.engine) as session:
            segs = [_segment(row) for row in session.scalars(query.order_by(RecordingSegmentRow.start))]
        spans = self.merge(segs)
        return [(a.end, b.start) for a, b in itertools.pairwise(spans)]

    def summary(self) -> list[CameraRecordings]:
        """Per camera with recordings: how many segments, how many bytes, the oldest and newest time kept."""
        row = RecordingSegmentRow
        query = (select(row.camera_id, func.count(row.id), func.coalesce(func.sum(row.bytes), 0),
                        func.min(row.start), func.max(row.end))
                 .group_by(row.camera_id).order_by(row.camera_id))
        with Session(self.engine) as session:
            out = []
            for camera_id, count, total, oldest, newest in session.execute(query):
                out.append(CameraRecordings(camera_id, int(count), int(total), _aware(oldest), _aware(newest)))
            return out

    def total_bytes(self) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.coalesce(func.sum(RecordingSegmentRow.bytes), 0))) or 0)

    def oldest(self, limit: int, camera_id: str | None = None,
               before: datetime | None = None) -> list[tuple[int, Segment]]:
        """The oldest segments (with their row ids), for retention: of one camera and/or older than ``before``."""
        query = select(RecordingSegmentRow)
        if camera_id is not None:
            query = query.where(RecordingSegmentRow.camera_id == camera_id)
        if before is not None:
            query = query.where(RecordingSegmentRow.end <= before)
        query = query.order_by(RecordingSegmentRow.start, RecordingSegmentRow.id).limit(limit)
        with Session(self.engine) as session:
            return [(row.id, _segment(row)) for row in session.scalars(query)]

    def drones_recorded(self, start: datetime, end: datetime) -> dict[str, str]:
        """Drones with recorded video overlapping [start, end): drone id → the camera id its segments are under
        (复盘 then reads them with :meth:`segments`)."""
        row = RecordingSegmentRow
        query = (select(row.drone_id, row.camera_id).distinct()
                 .where(row.drone_id.is_not(None), row.start < end, row.end > start))
        with Session(self.engine) as session:
            return {drone: camera for drone, camera in session.execute(query) if drone}

    def paths_starting(self, camera_id: str, start: datetime, end: datetime) -> set[str]:
        """Paths of the segments of ``camera_id`` that start in [start, end): one day folder of the start-up
        check, read by the (camera, start) index however many days are kept."""
        query = select(RecordingSegmentRow.path).where(
            RecordingSegmentRow.camera_id == camera_id, RecordingSegmentRow.start >= start,
            RecordingSegmentRow.start < end)
        with Session(self.engine) as session:
            return set(session.scalars(query))


# ---------------------------------------------------------------------------------------------- writer jobs
def add_segment(camera_id: str, segment: Segment, drone_id: str = "") -> Callable[[Session], int]:
    """A store job indexing a closed segment file (of a drone's downlink: with its ``drone_id``); returns the
    row id."""

    def job(session: Session) -> int:
        row = RecordingSegmentRow(camera_id=camera_id, start=segment.start, end=segment.end, path=segment.path,
                                  bytes=segment.bytes, drone_id=drone_id or None)
        session.add(row)
        session.flush()
        return row.id

    job.__qualname__ = f"add_segment[{camera_id}]"
    return job


def delete_segments(ids: Sequence[int]) -> Callable[[Session], int]:
    """A store job removing index rows (their files are deleted by the caller after the commit)."""
    wanted = list(ids)

    def job(session: Session) -> int:
        if not wanted:
            return 0
        result = session.execute(delete(RecordingSegmentRow).where(RecordingSegmentRow.id.in_(wanted)))
        return int(getattr(result, "rowcount", 0) or 0)

    job.__qualname__ = "delete_segments"
    return job


def delete_paths(paths: Sequence[str]) -> Callable[[Session], int]:
    """A store job removing the rows of files that are gone from disk (the start-up consistency check)."""
    wanted = list(paths)

    def job(session: Session) -> int:
        if not wanted:
            return 0
        result = session.execute(delete(RecordingSegmentRow).where(RecordingSegmentRow.path.in_(wanted)))
        return int(getattr(result, "rowcount", 0) or 0)

    job.__qualname__ = "delete_segment_paths"
    return job


def _segment(row: RecordingSegmentRow) -> Segment:
    return Segment(path=row.path, start=row.start, end=row.end, bytes=int(row.bytes))


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type on SQLite (text or naive datetimes come back): make them aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
