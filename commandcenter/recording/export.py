"""Clips as evidence: a span of a camera's recording cut into one MP4 without re-encoding.

The clip starts on the key frame at or before the requested start (a player needs a picture to begin with; the
frames before it in that GOP are at most one GOP early) and ends with the last frame before the requested end.
Packets are copied across as many segments as the span covers, their timestamps rewritten to the clip's own
timeline in wall-clock step, so a gap in the recording stays a gap in time (the last picture before it is held)
rather than a silent jump. The file is written under a temporary name, synced, hashed and renamed; its SHA-256
is what the evidence store and the audit chain record.

``export_clip`` is the function the GUI calls (off the GUI thread) and ``commandcenter video export`` runs;
``attach_clip`` puts a clip into the evidence store attached to a case (and so into the audit chain).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import av.container
from sqlalchemy import select

from commandcenter.enforcement.audit import file_sha256
from commandcenter.enforcement.evidence import EvidenceInfo, EvidenceStore
from commandcenter.recording.index import RecordingIndex, Segment
from commandcenter.recording.policy import local_zone
from commandcenter.store.models import Case

log = logging.getLogger(__name__)

Window = tuple[datetime, datetime]


class ExportError(RuntimeError):
    """The clip could not be made; the message names the camera, the span or the file."""


class NothingRecorded(ExportError):
    """No recording at all of the camera in the span asked for."""


@dataclass(frozen=True)
class ClipExport:
    """A written clip: where, its hash, what it covers and which parts of the span asked for had no video."""

    path: Path
    sha256: str
    camera_id: str
    start: datetime  # wall time of the clip's first frame (a key frame at or before the requested start)
    end: datetime  # end of its last frame
    requested: Window
    missing: list[Window] = field(default_factory=list)
    segments: int = 0
    bytes: int = 0

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


def describe_window(window: Window) -> str:
    """A span as operators read it: local time, to the second."""
    start, end = (t.astimezone(local_zone()) for t in window)
    return f"{start.isoformat(timespec='seconds')} – {end.isoformat(timespec='seconds')}"


def export_clip(index: RecordingIndex, camera_id: str, start: datetime, end: datetime,
                out: str | Path) -> ClipExport:
    """Write the recording of ``camera_id`` from ``start`` to ``end`` (aware datetimes) to ``out`` as MP4.

    Raises NothingRecorded when no segment covers any of the span, ExportError when the files cannot be read or
    written. A partly recorded span gives a clip of what there is; ``missing`` names the rest.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ExportError("export times must be timezone-aware")
    if end <= start:
        raise ExportError(f"camera {camera_id}: the span {describe_window((start, end))} is empty (end before start)")
    segments = index.segments(camera_id, start, end)
    if not segments:
        raise NothingRecorded(f"camera {camera_id}: nothing recorded from {describe_window((start, end))}")
    missing = index.missing(camera_id, start, end)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".part")
    cutter = _Cutter(temp, start, end)
    try:
        for segment in segments:
            if not cutter.copy(segment):
                missing.append((max(segment.start, start), min(segment.end, end)))
            if cutter.finished:
                break
        cutter.close()
    except BaseException:
        cutter.abandon()
        raise
    if cutter.packets == 0:
        temp.unlink(missing_ok=True)
        raise NothingRecorded(f"camera {camera_id}: the recording from {describe_window((start, end))} "
                              f"cannot be read ({len(segments)} segment file(s) damaged or missing)")
    _fsync(temp)
    os.replace(temp, out)
    assert cutter.first_wall is not None and cutter.last_end is not None
    return ClipExport(out, file_sha256(out), camera_id, cutter.first_wall, cutter.last_end, (start, end),
                      sorted(_merge(missing)), len(segments), out.stat().st_size)


class _Cutter:
    """Copies packets from segment files into one output, from the key frame at/before ``start`` to ``end``."""

    def __init__(self, temp: Path, start: datetime, end: datetime) -> None:
        self.temp = temp
        self.start = start
        self.end = end
        self.packets = 0
        self.finished = False
        self.first_wall: datetime | None = None  # the clip's time zero
        self.last_end: datetime | None = None
        self._last_dts_s = -1.0
        self._out: av.container.OutputContainer | None = None
        self._stream: av.stream.Stream | None = None
        self._pending: list[tuple[datetime, av.Packet]] = []  # since the last key frame, before ``start``

    def copy(self, segment: Segment) -> bool:
        """Copy the packets of one segment that fall in the span; False if the file cannot be read at all."""
        try:
            container = av.open(segment.path)
        except (av.FFmpegError, OSError) as exc:
            log.warning("export: segment %s skipped: %s", segment.path, exc)
            return False
        with container:
            if not container.streams.video:
                return False
            stream = container.streams.video[0]
            tb: Fraction = stream.time_base or Fraction(1, 90000)
            first_pts: int | None = None
            step = timedelta(0)
            last_wall: datetime | None = None
            try:
                for packet in container.demux(stream):
                    if packet.pts is None or packet.size == 0:
                        continue
                    if first_pts is None:
                        first_pts = packet.pts
                    wall = segment.start + timedelta(seconds=float((packet.pts - first_pts) * tb))
                    if last_wall is not None and wall > last_wall:
                        step = wall - last_wall
                    last_wall = wall
                    if wall >= self.end:
                        self.finished = True
                        return True
                    self._take(stream, packet, wall, tb, step)
            except av.FFmpegError as exc:  # a damaged tail: what came before it is in the clip
                log.warning("export: segment %s read stopped: %s", segment.path, exc)
        return True

    def _take(self, stream: av.stream.Stream, packet: av.Packet, wall: datetime, tb: Fraction,
              step: timedelta) -> None:
        if self.first_wall is None:
            if packet.is_keyframe:
                self._pending = [(wall, packet)]
            elif self._pending:
                self._pending.append((wall, packet))
            if not self._pending or wall + step <= self.start:
                return  # before the span: keep the GOP in case the span starts inside it
            self._open(stream, self._pending[0][0])
            queued, self._pending = self._pending, []
            for queued_wall, queued_packet in queued:
                self._write(queued_packet, queued_wall, tb, step)
            return
        self._write(packet, wall, tb, step)

    def _open(self, template: av.stream.Stream, first_wall: datetime) -> None:
        try:
            self._out = av.open(str(self.temp), "w", format="mp4", options={"movflags": "+faststart"})
            self._stream = self._out.add_stream_from_template(template)  # type: ignore[arg-type]
        except (av.FFmpegError, OSError) as exc:
            raise ExportError(f"cannot write the clip {self.temp}: {exc}") from exc
        self.first_wall = first_wall

    def _write(self, packet: av.Packet, wall: datetime, tb: Fraction, step: timedelta) -> None:
        assert self._out is not None and self._stream is not None and self.first_wall is not None
        pts = packet.pts
        assert pts is not None
        delay = pts - packet.dts if packet.dts is not None else 0  # reordering delay (B-frames), kept as it was
        rel = round((wall - self.first_wall).total_seconds() / tb)
        dts_s = float((rel - delay) * tb)
        if dts_s <= self._last_dts_s:
            return  # overlapping segments (a camera's clock re-anchored): the frame is already in the clip
        self._last_dts_s = dts_s
        packet.pts, packet.dts = rel, rel - delay
        packet.stream = self._stream
        try:
            self._out.mux(packet)
        except av.FFmpegError as exc:
            raise ExportError(f"cannot write the clip {self.temp}: {exc}") from exc
        self.packets += 1
        self.last_end = wall + step

    def close(self) -> None:
        if self._out is not None:
            try:
                self._out.close()
            except (av.FFmpegError, OSError) as exc:
                raise ExportError(f"cannot finish the clip {self.temp}: {exc}") from exc
            self._out = None

    def abandon(self) -> None:
        if self._out is not None:
            try:
                self._out.close()
            except (av.FFmpegError, OSError):
                pass
            self._out = None
        self.temp.unlink(missing_ok=True)


def _merge(windows: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def case_id_of(index: RecordingIndex, code: str) -> int:
    """The id of the case with ``code``; ExportError naming the code when there is none."""
    with index.engine.connect() as conn:
        case_id = conn.execute(select(Case.id).where(Case.code == code)).scalar()
    if case_id is None:
        raise ExportError(f"no case {code!r}: the clip was not exported")
    return int(case_id)


def attach_clip(evidence: EvidenceStore, case_id: int, clip: ClipExport, *, actor: str,
                lat: float | None = None, lon: float | None = None, camera_name: str = "") -> EvidenceInfo:
    """Put the clip into the evidence store attached to the case: content-addressed copy, evidence row and the
    ``evidence.add`` audit record holding its SHA-256, in one writer transaction (blocking: not the GUI thread)."""
    info = evidence.add(case_id, clip.path, actor=actor, mime="video/mp4", captured_at=clip.start,
                        device=clip.camera_id, lat=lat, lon=lon,
                        note=f"录像片段 {camera_name or clip.camera_id} {describe_window((clip.start, clip.end))}")
    if info.sha256 != clip.sha256:
        raise ExportError(f"the evidence copy of {clip.path} hashes to {info.sha256}, not {clip.sha256}")
    return info
