"""The video-backend interface: one decoded stream, whoever decodes it (libvlc or FFmpeg via PyAV).

Tiles, health and snapshots must behave the same whichever backend decodes, so everything above this module
(supervisors, the service, the wall) sees only :class:`Stream`: start/stop, the latest frame as a numpy array
already scaled to tile size, and counters (frames, bytes, fps over the last 5 s, last error). A stream decodes
on its own threads; nothing here ever runs on the GUI thread.

Backend choice (:func:`backend_order`): Debian's libvlc has no live555, so it cannot open ``rtsp://`` at all —
RTSP goes to PyAV unless a libvlc with the live555 plugin is found. Every other URL tries VLC first and falls
back to PyAV when libvlc cannot open it (the supervisor does the fall-back, see ``stream.py``).
"""

from __future__ import annotations

import collections
import threading
import time
from abc import ABC, abstractmethod
from typing import NamedTuple

import numpy as np

FPS_WINDOW = 5.0  # seconds over which fps is reported
DEFAULT_SIZE = (640, 360)


class Frame(NamedTuple):
    """The latest picture: BGRX uint8 array (H×W×4, X unused: Qt's RGB32 byte order on little-endian machines,
    the format it paints without converting), source pts in seconds (None if unknown) and
    the wall-clock arrival time (``time.time()``: comparable with a camera's burned-in clock)."""

    image: np.ndarray
    pts: float | None
    arrival: float


def fit_size(src_w: int, src_h: int, box: tuple[int, int]) -> tuple[int, int]:
    """Largest size inside ``box`` with the source's aspect ratio, never larger than the source; the width is
    a multiple of 16 (rows of 64 bytes in BGRX: no padding, so frames are used without a copy) and the height
    even.

    Decoding straight to this size is what makes a 16-tile wall cheap: scaling once in the decoder thread costs
    far less than painting full frames, and the GUI then blits 1:1.
    """
    box_w, box_h = max(16, box[0]), max(2, box[1])
    if src_w <= 0 or src_h <= 0:
        return box_w & ~15, box_h & ~1
    scale = min(box_w / src_w, box_h / src_h, 1.0)
    if scale >= 1.0:
        return src_w, src_h
    width = max(16, int(src_w * scale) & ~15)
    return width, max(2, int(src_h * width / src_w) & ~1)


def is_local_file(url: str) -> bool:
    """Local files (plain paths or file://) loop forever and are paced in real time."""
    return url.startswith("file://") or "://" not in url


def local_path(url: str) -> str:
    return url[len("file://"):] if url.startswith("file://") else url


class Stream(ABC):
    """One decoding session of one URL. Threads: ``start``/``stop`` are called from a supervisor's worker
    thread; the decode side publishes frames and counters under a lock; any thread may read them."""

    backend_name = "?"

    def __init__(self, url: str, transport: str = "tcp", size: tuple[int, int] = DEFAULT_SIZE) -> None:
        self.url = url
        self.transport = transport
        self._size = size
        self._lock = threading.Lock()
        self._latest: Frame | None = None
        self._frames = 0
        self._bytes = 0
        self._arrivals: collections.deque[float] = collections.deque()
        self._last_frame_mono = 0.0
        self._error = ""
        self._finished = False
        self.source_size: tuple[int, int] | None = None
        self.started_at = 0.0
        self.decoding = True
        """False while nobody looks at the pictures (see :meth:`set_decoding`)."""

    # -- lifecycle --------------------------------------------------------------------------------------------
    @abstractmethod
    def start(self) -> None:
        """Begin connecting/decoding in the background; returns at once."""

    @abstractmethod
    def stop(self) -> None:
        """Stop decoding and release resources. May block briefly; never call it from a backend callback."""

    def set_size(self, size: tuple[int, int]) -> None:
        """Change the box the frames are scaled into (a tile was resized or went single view)."""
        self._size = size

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def set_decoding(self, on: bool) -> None:
        """Decode pictures (someone looks at them) or only keep reading the stream (a wall behind another tab).

        Reading keeps the connection, the byte counter and the liveness (packets arriving mark the stream live);
        the decoder is spared, and with it the interpreter lock its per-frame Python work takes from the GUI
        thread. Decoding again starts at the next keyframe. Backends that cannot tell keep decoding.
        """
        self.decoding = on

    # -- published state ----------------------------------------------------------------------------------------
    def latest_frame(self) -> Frame | None:
        """The most recent frame, or None before the first. Only the latest is kept: a slow painter skips."""
        with self._lock:
            return self._latest

    @property
    def frames_total(self) -> int:
        with self._lock:
            return self._frames

    @property
    def bytes_read(self) -> int:
        with self._lock:
            return self._bytes

    @property
    def last_frame_monotonic(self) -> float:
        """``time.monotonic()`` of the last frame that was really new (0 before the first)."""
        with self._lock:
            return self._last_frame_mono

    @property
    def last_error(self) -> str:
        with self._lock:
            return self._error

    @property
    def finished(self) -> bool:
        """True once the stream cannot deliver more frames (error or end); the supervisor then reconnects."""
        with self._lock:
            return self._finished

    def fps(self) -> float:
        """Frames per second over the last ``FPS_WINDOW`` seconds (or since the start, if younger)."""
        now = time.monotonic()
        with self._lock:
            while self._arrivals and self._arrivals[0] < now - FPS_WINDOW:
                self._arrivals.popleft()
            count = len(self._arrivals)
        window = min(FPS_WINDOW, max(1e-3, now - self.started_at)) if self.started_at else FPS_WINDOW
        return count / window

    # -- for implementations --------------------------------------------------------------------------------------
    def _publish(self, image: np.ndarray, pts: float | None) -> None:
        now = time.monotonic()
        frame = Frame(image, pts, time.time())
        with self._lock:
            self._latest = frame
            self._frames += 1
            self._last_frame_mono = now
            self._arrivals.append(now)
            if len(self._arrivals) > 2000:
                self._arrivals.popleft()

    def _add_bytes(self, count: int) -> None:
        with self._lock:
            self._bytes += count

    def _mark_alive(self) -> None:
        """Data arrived while not decoding: the source is alive (what ``last_frame_monotonic`` stands for)."""
        with self._lock:
            self._last_frame_mono = time.monotonic()

    def _fail(self, message: str) -> None:
        with self._lock:
            if not self._error:
                self._error = message
            self._finished = True

    def grab_full_frame(self, timeout: float = 5.0) -> np.ndarray | None:
        """One RGB frame at the stream's full resolution, for snapshots (evidence needs full detail).

        This default opens a short, separate FFmpeg session to the same URL; backends that can do better
        (PyAV: the running decoder converts its next frame at full size) override it. Blocks: call it from a
        worker thread.
        """
        from commandcenter.video.pyav_backend import grab_one_frame

        return grab_one_frame(self.url, self.transport, timeout)


class Backend(ABC):
    """A factory of streams for URLs it can open."""

    name = "?"

    @abstractmethod
    def available(self) -> bool:
        """Whether the backend's library is usable on this machine."""

    @abstractmethod
    def can_open(self, url: str) -> bool:
        """Whether it is worth trying this URL at all (e.g. libvlc without live555 and rtsp://)."""

    @abstractmethod
    def open(self, url: str, transport: str = "tcp", size: tuple[int, int] = DEFAULT_SIZE) -> Stream:
        """A new, not yet started stream."""


_BACKENDS: dict[str, Backend] = {}


def get_backend(name: str) -> Backend:
    """The backend named ``vlc`` or ``pyav`` (a process-wide singleton: libvlc instances are heavy)."""
    if name not in _BACKENDS:
        if name == "vlc":
            from commandcenter.video.vlc_backend import VlcBackend

            _BACKENDS[name] = VlcBackend()
        elif name == "pyav":
            from commandcenter.video.pyav_backend import PyAvBackend

            _BACKENDS[name] = PyAvBackend()
        else:
            raise ValueError(f"unknown video backend {name!r}; expected vlc or pyav")
    return _BACKENDS[name]


def backend_order(url: str, prefer: str = "") -> list[Backend]:
    """Backends to try for ``url``, best first. ``prefer`` ("vlc"/"pyav") forces one when it can open the URL.

    rtsp:// goes to PyAV unless libvlc has live555 (FFmpeg's RTSP client is also ~160 ms quicker: ~90 ms with
    nobuffer against libvlc's ~250 ms clock delay). Everything else tries VLC first, then PyAV.
    """
    names = ["vlc", "pyav"]
    if url.startswith(("rtsp://", "rtsps://")):
        names = ["pyav", "vlc"]
        vlc_backend = get_backend("vlc")
        if vlc_backend.available() and vlc_backend.can_open(url):
            names = ["vlc", "pyav"]
    if prefer in names:
        names.remove(prefer)
        names.insert(0, prefer)
    order = []
    for name in names:
        backend = get_backend(name)
        if backend.available() and backend.can_open(url):
            order.append(backend)
    return order
