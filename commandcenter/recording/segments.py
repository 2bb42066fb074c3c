"""Segment files: one camera's stream remuxed (never decoded) into MP4 files of about a minute each.

Why fragmented MP4 while writing: a plain MP4 keeps its index (``moov``) at the end, so a file cut off by a
crash or a full disk is unreadable. A fragmented one (``empty_moov`` + a fragment per key frame) is playable up
to its last complete fragment, so a segment open when the server was killed can be salvaged at the next start.
A segment is written under a temporary name (``….mp4.part``), synced and renamed when closed: a ``.mp4`` name is
always a whole file. Only then is it indexed (``commandcenter.recording.index``).

Files live at ``<root>/<camera>/<YYYY-MM-DD>/<YYYYmmddTHHMMSS.ffffffZ>.mp4``: the name is the UTC wall time of
the first frame, and the camera id is also in the file's ``title`` metadata, so a file found on disk without an
index row (a crash between the rename and the commit) can be indexed again from itself.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.stream

from commandcenter.recording.index import Segment

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"  # a segment being written
SALVAGE_SUFFIX = ".salvage"  # a segment being rebuilt from a .part at start-up
NAME_FORMAT = "%Y%m%dT%H%M%S.%fZ"
# A fragment per key frame, handed to the OS as soon as it is complete (``flush_packets``: without it FFmpeg keeps
# up to 32 KiB in its own buffer, and a killed process leaves a file without even its header).
FRAGMENTED = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"}


class SegmentError(RuntimeError):
    """A segment file could not be written or read; the message names the file."""


def camera_dir_name(camera_id: str) -> str:
    """A directory name for a camera id (ids are free text in the config: keep letters, digits, ``-_.``)."""
    name = re.sub(r"[^\w.-]", "_", camera_id)
    return "_" + name if not name or name.startswith(".") else name  # never "..", never hidden


def segment_path(root: Path, camera_id: str, start: datetime) -> Path:
    """Where the segment of ``camera_id`` starting at ``start`` lives (see the module docstring)."""
    start = start.astimezone(UTC)
    return root / camera_dir_name(camera_id) / start.strftime("%Y-%m-%d") / f"{start.strftime(NAME_FORMAT)}.mp4"


def start_from_name(path: Path) -> datetime | None:
    """The start time a segment's file name carries, or None for a name the recorder did not make."""
    stem = path.name.split(".mp4", 1)[0]
    try:
        return datetime.strptime(stem, NAME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


class Extent:
    """First presentation time to the end of the last frame, in stream ticks. A packet without a duration (RTSP
    gives none) lasts as long as the step from the previous one."""

    __slots__ = ("end", "first", "last", "packets", "step")

    def __init__(self) -> None:
        self.first: int | None = None
        self.end = 0
        self.last: int | None = None
        self.step = 0
        self.packets = 0

    def add(self, pts: int, duration: int | None) -> None:
        if self.first is None:
            self.first = self.end = pts
        if duration:
            self.step = duration
        elif self.last is not None and pts > self.last:
            self.step = pts - self.last
        self.last = pts
        self.end = max(self.end, pts + self.step)
        self.packets += 1

    @property
    def ticks(self) -> int:
        return self.end - self.first if self.first is not None else 0


class SegmentWriter:
    """One segment being written: packets of one video stream in, a closed, renamed file out.

    ``start`` is the wall time of the first packet's presentation time; later packets' times follow from their
    timestamps, so the segment's end is exact whatever the network jitter was.
    """

    def __init__(self, final_path: Path, template: av.stream.Stream, camera_id: str, start: datetime, *,
                 temp_path: Path | None = None) -> None:
        self.final_path = final_path
        self.temp_path = temp_path or final_path.with_name(final_path.name + PART_SUFFIX)
        self.camera_id = camera_id
        self.start = start
        self.packets = 0
        self._offset: int | None = None  # subtracted from every timestamp: the file starts at 0
        self.extent = Extent()
        self.temp_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._out: av.container.OutputContainer = av.open(
                str(self.temp_path), "w", format="mp4", options=FRAGMENTED)
            self._out.metadata["title"] = camera_id
            self._stream = self._out.add_stream_from_template(template)  # type: ignore[arg-type]
        except (av.FFmpegError, OSError) as exc:
            self.temp_path.unlink(missing_ok=True)
            raise SegmentError(f"cannot create segment {self.temp_path}: {exc}") from exc
        self.time_base: Fraction = template.time_base or Fraction(1, 90000)

    @property
    def duration_s(self) -> float:
        return float(self.extent.ticks * self.time_base)

    def write(self, packet: av.Packet) -> None:
        """Mux one packet (its pts must be set). The packet is modified (stream and timestamps)."""
        pts = packet.pts
        if pts is None:
            return
        dts = packet.dts if packet.dts is not None else pts
        if self._offset is None:
            self._offset = min(pts, dts)
        self.extent.add(pts, packet.duration)
        packet.pts = pts - self._offset
        packet.dts = dts - self._offset
        packet.stream = self._stream
        try:
            self._out.mux(packet)
        except av.FFmpegError as exc:
            if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
                raise SegmentError(f"cannot write segment {self.temp_path}: {exc}") from exc
            # One bad packet (timestamps going backwards after a camera glitch) is dropped, not the segment.
            log.debug("segment %s: packet dropped: %s", self.temp_path.name, exc)
            return
        self.packets += 1

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s)

    def close(self) -> Segment | None:
        """Finish the file, sync it, give it its final name; the Segment to index (None if it got no packet)."""
        try:
            self._out.close()
        except (av.FFmpegError, OSError) as exc:
            self.temp_path.unlink(missing_ok=True)
            raise SegmentError(f"cannot finish segment {self.temp_path}: {exc}") from exc
        if self.packets == 0:
            self.temp_path.unlink(missing_ok=True)
            return None
        _fsync(self.temp_path)
        os.replace(self.temp_path, self.final_path)
        _fsync(self.final_path.parent)
        return Segment(str(self.final_path), self.start, self.end, self.final_path.stat().st_size)

    def abandon(self) -> None:
        """Drop the file (the recording failed in a way that makes it worthless)."""
        try:
            self._out.close()
        except (av.FFmpegError, OSError):
            pass
        self.temp_path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """A renamed segment and its directory entry survive a power cut (what the index promises)."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """What a segment file says about itself (demuxed, never decoded)."""

    camera_id: str
    packets: int
    duration_s: float


def scan(path: Path) -> ScannedFile:
    """Read every packet header of a segment: its camera (metadata) and duration. Raises SegmentError."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            tb = stream.time_base or Fraction(1, 90000)
            extent = Extent()
            try:
                for packet in container.demux(stream):
                    if packet.pts is not None and packet.size > 0:
                        extent.add(packet.pts, packet.duration)
            except av.FFmpegError as exc:  # a truncated tail: what came before it counts
                log.info("segment %s: read stopped at a damaged packet: %s", path, exc)
            camera = str(container.metadata.get("title", ""))
            return ScannedFile(camera, extent.packets, float(extent.ticks * tb))
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise SegmentError(f"cannot read segment {path}: {exc}") from exc


def salvage(part: Path, camera_id: str) -> Segment | None:
    """Rebuild the segment a crash left under its temporary name: every complete packet remuxed into a whole
    file under the final name. None (and the part removed) when nothing in it can be read."""
    start = start_from_name(part)
    final = part.with_name(part.name[: -len(PART_SUFFIX)])
    if start is None:
        log.warning("recording: %s is not a segment name; removed", part)
        part.unlink(missing_ok=True)
        return None
    segment: Segment | None = None
    try:
        with av.open(str(part)) as container:
            stream = container.streams.video[0]
            writer = SegmentWriter(final, stream, camera_id, start,
                                   temp_path=final.with_name(final.name + SALVAGE_SUFFIX))
            try:
                for packet in container.demux(stream):
                    if packet.pts is not None and packet.size > 0:
                        writer.write(packet)
            except av.FFmpegError as exc:
                log.info("recording: salvage of %s stopped at a damaged packet: %s", part, exc)
            segment = writer.close()
    except (av.FFmpegError, OSError, IndexError, SegmentError) as exc:
        log.warning("recording: %s cannot be salvaged (%s); removed", part, exc)
    part.unlink(missing_ok=True)
    return segment
