"""Per-camera supervision: the tile state machine, reconnects with backoff, backend fall-back.

A wall is only trustworthy if every tile is either really live or honestly marked. Each :class:`StreamSupervisor`
owns one worker thread that opens, watches and reopens one stream:

* ``connecting`` — first connection attempt, nothing decoded yet;
* ``live`` — a new frame arrived within the last ``stall_after`` seconds (2 s);
* ``stalled`` — connected, but no new frame for 2 s (the picture on the tile is old);
* ``offline`` — the stream failed (error, end, refused) or stayed stalled for ``offline_after`` seconds; the
  reason says which, and a reconnect is scheduled after 1 s, doubling up to 30 s, forever. The first new frame
  returns the tile to ``live`` by itself and resets the backoff;
* ``parked`` — nobody has looked at the pictures for ``park_after`` seconds (a wall behind another screen):
  the network stream is disconnected and its last picture kept. Looking again reconnects at once
  (``connecting`` with the last picture on the tile, then ``live``); parking is no failure: no reconnect counted.

Why park: a seat that keeps every hidden camera connected still reads and handles every packet of every stream
(25 wake-ups a second per camera, each taking the interpreter lock from the GUI thread), and holds the camera's
bandwidth and one of its few RTSP sessions. Measured in the demo at 2,000 units with the wall's nine streams
behind the map: without them the GUI thread waited for a CPU half as long and its p99 lateness halved.

All blocking work (opening, stopping players, full-resolution grabs) happens on the worker thread, so one bad
camera can never hold up another or the GUI. A backend that cannot open a URL at all (e.g. libvlc without an
access module for it) is dropped for that URL and the next backend is tried at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from commandcenter.video.backend import DEFAULT_SIZE, Backend, Frame, Stream, backend_order, is_local_file

CONNECTING, LIVE, STALLED, OFFLINE, PARKED = "connecting", "live", "stalled", "offline", "parked"
STATES = (CONNECTING, LIVE, STALLED, OFFLINE, PARKED)


@dataclass(frozen=True)
class StreamStatus:
    """A consistent snapshot of one supervisor, safe to hand to another thread."""

    state: str
    reason: str
    fps: float
    frames: int
    bytes: int
    reconnects: int
    backend: str
    last_error: str
    source_size: tuple[int, int] | None


class StreamSupervisor:
    """Keeps one URL decoding for as long as it is wanted, whatever the source does."""

    def __init__(self, url: str, transport: str = "tcp", size: tuple[int, int] = DEFAULT_SIZE, *,
                 name: str = "", prefer_backend: str = "",
                 on_change: Callable[[StreamSupervisor], None] | None = None,
                 stall_after: float = 2.0, offline_after: float = 8.0, connect_timeout: float = 10.0,
                 backoff_start: float = 1.0, backoff_max: float = 30.0, poll_interval: float = 0.1,
                 park_after: float = 0.0, backends: Callable[[str], list[Backend]] | None = None) -> None:
        self.url = url
        self.transport = transport
        self.name = name or url
        self.prefer_backend = prefer_backend
        self.on_change = on_change
        self.stall_after, self.offline_after, self.connect_timeout = stall_after, offline_after, connect_timeout
        self.backoff_start, self.backoff_max, self.poll_interval = backoff_start, backoff_max, poll_interval
        self.park_after = park_after  # seconds unwatched before a network stream is disconnected; 0 = never
        self._backends = backends or (lambda u: backend_order(u, self.prefer_backend))
        self._size = size
        self._decoding = True
        self._unwatched_since = 0.0  # monotonic time decoding was switched off (0: watched)
        self._kept_frame: Frame | None = None  # the last picture of a parked (or reconnecting) stream
        self._lock = threading.Lock()
        self._stream: Stream | None = None
        self._state = CONNECTING
        self._reason = "connecting"
        self._reconnects = 0
        self._frames_before = 0  # frames of earlier sessions, so the total never goes backwards
        self._bytes_before = 0
        self._last_error = ""
        self._backend_name = ""
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_backends: set[str] = set()

    # -- public API (any thread) ----------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"supervisor {self.name}", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 2.0) -> None:
        """Stop supervising; the worker stops the stream on its own thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=wait)

    def set_size(self, size: tuple[int, int]) -> None:
        """New decode box (tile resized); applied by the running stream on its next frame."""
        self._size = size
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.set_size(size)

    def set_decoding(self, on: bool) -> None:
        """Decode pictures or only keep the stream read and live (:meth:`Stream.set_decoding`); kept across
        reconnects. Watched again, a parked stream reconnects at once."""
        shown = on and not self._decoding
        if on != self._decoding:
            self._unwatched_since = 0.0 if on else time.monotonic()
        self._decoding = on
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.set_decoding(on)
        if shown:
            self._wake.set()  # a parked stream reconnects now (one waiting to retry retries now)

    def latest_frame(self) -> Frame | None:
        """The newest picture; parked or reconnecting after a park, the last one it showed."""
        with self._lock:
            stream, kept = self._stream, self._kept_frame
        frame = stream.latest_frame() if stream is not None else None
        return frame if frame is not None else kept

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    def status(self) -> StreamStatus:
        with self._lock:
            stream = self._stream
            state, reason, reconnects = self._state, self._reason, self._reconnects
            frames, nbytes, error = self._frames_before, self._bytes_before, self._last_error
            backend = self._backend_name
        fps = 0.0
        size = None
        if stream is not None:
            frames += stream.frames_total
            nbytes += stream.bytes_read
            fps = stream.fps() if state in (LIVE, STALLED) else 0.0
            size = stream.source_size
            error = stream.last_error or error
        return StreamStatus(state, reason, round(fps, 2), frames, nbytes, reconnects, backend, error, size)

    def grab_full_frame(self, timeout: float = 5.0) -> np.ndarray | None:
        """A full-resolution RGB frame from the running stream (blocks: call from a worker thread)."""
        with self._lock:
            stream = self._stream
        if stream is None or self.state not in (LIVE, STALLED):
            return None
        return stream.grab_full_frame(timeout)

    def reconnect_now(self) -> None:
        """Skip the remaining backoff (an operator clicked retry)."""
        self._wake.set()

    # -- worker thread --------------------------------------------------------------------------------------------
    def _set(self, state: str, reason: str) -> None:
        with self._lock:
            changed = (state, reason) != (self._state, self._reason)
            self._state, self._reason = state, reason
        if changed and self.on_change is not None:
            try:
                self.on_change(self)
            except Exception:  # a listener's bug must not kill supervision
                pass

    def _open(self) -> tuple[Stream | None, str]:
        """Open with the first usable backend; returns (stream, error text)."""
        candidates = [b for b in self._backends(self.url) if b.name not in self._failed_backends]
        if not candidates:
            self._failed_backends.clear()
            candidates = self._backends(self.url)
        if not candidates:
            return None, "no video backend can open this URL"
        backend = candidates[0]
        stream = backend.open(self.url, self.transport, self._size)
        stream.start()
        return stream, ""

    def _retire(self, stream: Stream) -> None:
        """Stop a stream (here, on the worker thread) and fold its counters into the totals."""
        stream.stop()
        with self._lock:
            self._frames_before += stream.frames_total
            self._bytes_before += stream.bytes_read
            if stream.last_error:
                self._last_error = stream.last_error
            if self._stream is stream:
                self._stream = None

    def _park_due(self, now: float) -> bool:
        """Has a live network stream gone unwatched for ``park_after`` seconds? (Files are paced by decoding.)"""
        since = self._unwatched_since
        return (self.park_after > 0 and not self._decoding and since > 0 and now - since >= self.park_after
                and self.state == LIVE and not is_local_file(self.url))

    def _park(self, stream: Stream) -> None:
        """Disconnect an unwatched stream, keep its last picture, and wait until someone looks (or stop)."""
        frame = stream.latest_frame()
        if frame is not None:
            with self._lock:
                self._kept_frame = frame
        self._retire(stream)
        self._set(PARKED, f"nobody watching for {self.park_after:.0f} s: disconnected until shown")
        self._wake.clear()
        while not self._stop.is_set() and not self._decoding:
            self._wake.wait(1.0)
            self._wake.clear()
        if not self._stop.is_set():
            self._set(CONNECTING, "reconnecting: shown again")

    def _run(self) -> None:
        backoff = self.backoff_start
        ever_live = False
        while not self._stop.is_set():
            stream, error = self._open()
            if stream is None:
                self._set(OFFLINE, error)
                self._wake.wait(backoff)
                self._wake.clear()
                continue
            with self._lock:
                self._stream = stream
                self._backend_name = stream.backend_name
            if stream.size != self._size:  # resized while opening: set_size saw no stream yet
                stream.set_size(self._size)
            stream.set_decoding(self._decoding)
            if not ever_live:
                self._set(CONNECTING, f"connecting ({stream.backend_name})")
            opened_at = time.monotonic()
            seen_frames = 0
            reason = ""
            while not self._stop.is_set():
                now = time.monotonic()
                frames = stream.frames_total
                if frames != seen_frames:
                    seen_frames = frames
                if stream.finished:
                    reason = stream.last_error or "stream ended"
                    break
                last = stream.last_frame_monotonic
                if last == 0.0:
                    if now - opened_at > self.connect_timeout:
                        reason = f"no picture within {self.connect_timeout:.0f} s"
                        break
                elif now - last <= self.stall_after:
                    if self.state != LIVE:
                        self._set(LIVE, "live")
                    ever_live = True
                    backoff = self.backoff_start
                    self._failed_backends.clear()
                elif now - last > self.offline_after:
                    reason = f"no new frame for {self.offline_after:.0f} s"
                    break
                elif self.state != STALLED:
                    self._set(STALLED, f"no new frame for {self.stall_after:.0f} s")
                if self._park_due(now):
                    break
                self._stop.wait(self.poll_interval)
            if not reason and not self._stop.is_set() and self._park_due(time.monotonic()):
                self._park(stream)
                continue
            never_decoded = stream.last_frame_monotonic == 0.0
            if reason:
                with self._lock:
                    self._last_error = reason
            self._retire(stream)
            if self._stop.is_set():
                break
            # A backend that never produced a picture may simply be unable to open this URL: try the next one
            # right away (libvlc without an access module reports an error within milliseconds).
            if never_decoded and len([b for b in self._backends(self.url)
                                      if b.name not in self._failed_backends]) > 1:
                self._failed_backends.add(stream.backend_name)
                self._set(CONNECTING if not ever_live else OFFLINE,
                          f"{stream.backend_name} could not open the source ({reason}); trying another backend")
                continue
            with self._lock:
                self._reconnects += 1
            self._set(OFFLINE, f"{reason}; reconnecting in {backoff:.0f} s")
            if self._wake.wait(backoff):
                self._wake.clear()
            backoff = min(self.backoff_max, backoff * 2)
        with self._lock:
            stream = self._stream
        if stream is not None:
            self._retire(stream)
