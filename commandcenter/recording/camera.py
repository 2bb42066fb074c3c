"""One camera's recording thread: RTSP in, packets remuxed into segment files, no decoding.

The thread connects with FFmpeg's RTSP client (through PyAV, with the wall's socket timeouts so a dead camera
fails within seconds), maps each packet's timestamp to wall-clock time (anchored at the first packet of the
connection, re-anchored on a key frame if the camera's clock wanders off), and cuts a new segment on the first
key frame after ``segment_s``. When the connection drops the open segment is closed and indexed as it is; the
reconnection starts a new one, so the index shows a gap where the camera was away, never a broken file.

Alarm mode keeps the last ``pre_s`` seconds of packets in memory, whole GOPs from a key frame, so the file that
an alarm opens starts before the alarm with a picture a player can show; it records until ``post_s`` after the
last alarm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av
import av.container

from commandcenter.config import CameraConfig
from commandcenter.recording.index import Segment
from commandcenter.recording.policy import RecordPolicy
from commandcenter.recording.segments import SegmentError, SegmentWriter, segment_path
from commandcenter.runtime.priority import run_at_background_priority
from commandcenter.video.backend import is_local_file, local_path
from commandcenter.video.pyav_backend import OPEN_TIMEOUT, READ_TIMEOUT, low_latency_options

log = logging.getLogger(__name__)

MAX_DRIFT_S = 5.0  # stream time this far from the wall clock: re-anchor on the next key frame
RETRY_MIN_S, RETRY_MAX_S = 1.0, 10.0
IDLE_POLL_S = 1.0  # outside the schedule, or with the disk too full: how often to look again

# Health states (the report's "state").
RECORDING, ARMED, IDLE, CONNECTING, OFFLINE, STOPPED, OFF = (
    "recording", "armed", "idle", "connecting", "offline", "stopped", "off")

SegmentSink = Callable[[str, Segment], None]


class PreRoll:
    """The last ``seconds`` of packets, starting on a key frame (alarm mode)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._packets: deque[tuple[float, av.Packet]] = deque()

    def add(self, wall: float, packet: av.Packet) -> None:
        if not self._packets and not packet.is_keyframe:
            return  # a file must begin with a picture
        self._packets.append((wall, packet))
        # Drop the oldest GOP while the one after it still reaches back ``seconds``.
        while True:
            second_key = next((i for i, (_, p) in enumerate(self._packets) if i > 0 and p.is_keyframe), None)
            if second_key is None or self._packets[second_key][0] > wall - self.seconds:
                break
            for _ in range(second_key):
                self._packets.popleft()

    def take(self) -> list[tuple[float, av.Packet]]:
        packets = list(self._packets)
        self._packets.clear()
        return packets

    def clear(self) -> None:
        self._packets.clear()


class CameraRecorder:
    """Records one camera on its own daemon thread; ``state`` and ``error`` are for the health report."""

    def __init__(self, camera: CameraConfig, root: Path, segment_s: float, sink: SegmentSink, *,
                 disk_ok: Callable[[], bool], on_write_error: Callable[[str, str], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.camera = camera
        self.policy = RecordPolicy.of(camera)
        self.root = root
        self.segment_s = segment_s
        self.sink = sink
        self.disk_ok = disk_ok
        self.on_write_error = on_write_error
        self.clock = clock
        self.state = OFF if not self.policy.records else IDLE
        self.error = ""
        self.segments_written = 0
        self._alarm_until = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer: SegmentWriter | None = None
        self._preroll = PreRoll(self.policy.pre_s)

    # -------------------------------------------------------------------------------------------- control
    def start(self) -> None:
        if not self.policy.records or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"record {self.camera.id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop and close the open segment (it is indexed like any other)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def alarm(self) -> None:
        """An alarm on this camera: in alarm mode, record from ``pre_s`` ago until ``post_s`` from now."""
        self._alarm_until = max(self._alarm_until, self.clock() + self.policy.post_s)

    def open_segment(self) -> Segment | None:
        """The segment being written now (not yet indexed), as far as it got: for the health report."""
        writer = self._writer
        if writer is None or writer.packets == 0:
            return None
        try:
            size = writer.temp_path.stat().st_size
        except OSError:
            return None  # closed and renamed meanwhile: the index has it
        return Segment(str(writer.temp_path), writer.start, writer.end, size)

    def wanted(self, now: float) -> bool:
        """Should packets arriving now be written (the disk permitting)?"""
        mode = self.policy.mode
        if mode == "continuous":
            return True
        if mode == "schedule":
            return self.policy.in_schedule(datetime.fromtimestamp(now, UTC))
        if mode == "alarm":
            return now < self._alarm_until
        return False

    def _needs_stream(self, now: float) -> bool:
        """Alarm mode listens all the time (for the pre-roll); a schedule only inside its windows."""
        return self.policy.mode in ("continuous", "alarm") or self.wanted(now)

    # -------------------------------------------------------------------------------------------- thread
    def _run(self) -> None:
        run_at_background_priority()  # copying packets to disk yields the CPU to the GUI thread
        retry = RETRY_MIN_S
        while not self._stop.is_set():
            now = self.clock()
            if not self.disk_ok():
                self.state = STOPPED
                self._stop.wait(IDLE_POLL_S)
                continue
            if not self._needs_stream(now):
                self.state = IDLE
                self._stop.wait(IDLE_POLL_S)
                continue
            self.state = CONNECTING
            got_packets = False
            try:
                got_packets = self._record_connection()
                self.error = ""
            except (av.FFmpegError, OSError, SegmentError) as exc:
                self.error = str(exc).strip() or type(exc).__name__
                if isinstance(exc, SegmentError) and self.on_write_error is not None:
                    self.on_write_error(self.camera.id, self.error)
                log.info("recording %s: %s", self.camera.id, self.error)
            except Exception as exc:  # a bug must not end this camera's recording for good: logged, retried
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("recording %s failed", self.camera.id)
            finally:
                self._close_segment()
                self._preroll.clear()
            if self._stop.is_set():
                break
            if self.state not in (STOPPED, IDLE):
                self.state = OFFLINE
            retry = RETRY_MIN_S if got_packets else min(RETRY_MAX_S, retry * 2)
            self._stop.wait(retry if self.state == OFFLINE else IDLE_POLL_S)
        self.state = OFF if not self.policy.records else IDLE

    def _open(self) -> av.container.InputContainer:
        url = self.camera.url
        if is_local_file(url):
            return av.open(local_path(url))
        options = low_latency_options(url, self.camera.transport)
        options.pop("fflags", None)  # nothing is shown: let the demuxer buffer what it needs
        return av.open(url, options=options, timeout=(OPEN_TIMEOUT, READ_TIMEOUT))

    def _record_connection(self) -> bool:
        """One connection: demux until it ends, the thread stops, or recording is no longer wanted.
        Returns whether any packet arrived (a camera that answers and sends nothing is retried slower)."""
        got = False
        paced = is_local_file(self.camera.url)  # a file is read at disk speed: keep it to its own clock
        with self._open() as container:
            stream = container.streams.video[0]
            tb: Fraction = stream.time_base or Fraction(1, 90000)
            anchor: tuple[int, float] | None = None
            for packet in container.demux(stream):
                if self._stop.is_set():
                    break
                if packet.pts is None or packet.size == 0:
                    continue
                got = True
                now = self.clock()
                if anchor is None:
                    anchor = (packet.pts, now)
                wall = anchor[1] + float((packet.pts - anchor[0]) * tb)
                if paced and wall > now:
                    if self._stop.wait(wall - now):
                        break
                    now = self.clock()
                if packet.is_keyframe and abs(wall - now) > MAX_DRIFT_S:
                    self._close_segment()  # the file's times must follow its timestamps: start anew
                    self._preroll.clear()  # its times were read on the old anchor
                    anchor, wall = (packet.pts, now), now
                if not self.disk_ok():
                    self.state = STOPPED
                    break
                if not self._needs_stream(now):
                    self.state = IDLE
                    break
                self._packet(stream, packet, wall, now)
        return got

    def _packet(self, stream: av.video.stream.VideoStream, packet: av.Packet, wall: float, now: float) -> None:
        if not self.wanted(now):
            self._close_segment()
            self.state = ARMED if self.policy.mode == "alarm" else IDLE
            if self.policy.mode == "alarm":
                self._preroll.add(wall, packet)
            return
        self.state = RECORDING
        if self._writer is None:
            queued = self._preroll.take()
            if queued:
                queued.append((wall, packet))
                self._writer = self._new_writer(stream, queued[0][0])
                for _, old in queued:
                    self._writer.write(old)
                return
            if not packet.is_keyframe:
                return  # wait for a picture to start the file with
            self._writer = self._new_writer(stream, wall)
        elif packet.is_keyframe and self._writer.duration_s >= self.segment_s:
            self._close_segment()
            self._writer = self._new_writer(stream, wall)
        self._writer.write(packet)

    def _new_writer(self, stream: av.video.stream.VideoStream, wall: float) -> SegmentWriter:
        start = datetime.fromtimestamp(wall, UTC)
        return SegmentWriter(segment_path(self.root, self.camera.id, start), stream, self.camera.id, start)

    def _close_segment(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            segment = writer.close()
        except SegmentError as exc:
            self.error = str(exc)
            log.warning("recording %s: %s", self.camera.id, exc)
            return
        if segment is not None:
            self.segments_written += 1
            self.sink(self.camera.id, segment)
