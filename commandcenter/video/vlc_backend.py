"""libvlc backend (python-vlc): decoding into our own buffer at tile size via the video callbacks.

libvlc facts this module is built around (all observed, not assumed):

* ``video_set_callbacks`` + a format callback let libvlc decode *and scale* into a numpy buffer at tile size in
  its own threads, in BGRX (RV32) — no window, no second conversion. The format callback sees the source size, so the
  decode size keeps the source's aspect ratio.
* The display callback keeps firing on the last picture after a source dies, so frame callbacks prove nothing.
  Liveness comes from ``Media.get_stats()``: a frame counts as new only while the input byte count grows.
* libvlc never reconnects by itself and reports ``EndReached`` ~10 s after a live source dies; the supervisor's
  stall/offline timers are what make the tile honest sooner.
* Stopping or releasing a player inside a libvlc event callback deadlocks. Callbacks here only set flags; the
  supervisor's worker thread calls :meth:`VlcStream.stop`.
* Debian's libvlc has no live555, so it cannot open rtsp:// at all: :meth:`VlcBackend.can_open` says so and
  :func:`commandcenter.video.backend.backend_order` sends RTSP to PyAV.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
import time
from typing import Any

import numpy as np

from commandcenter.video.backend import DEFAULT_SIZE, Backend, Stream, fit_size, is_local_file, local_path

try:
    import vlc
except (ImportError, OSError):  # python-vlc installed but libvlc missing, or neither
    vlc = None

_FORMAT_CB = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p,
                              ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint),
                              ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint))
_CLEANUP_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_LOCK_CB = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_UNLOCK_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_DISPLAY_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

_STATS_INTERVAL = 0.1  # seconds between Media.get_stats() polls
_BYTES_FRESH = 1.0  # a displayed frame counts as new only if input bytes grew within this many seconds

_instance_lock = threading.Lock()
_instance: Any = None


def _vlc_instance() -> Any:
    """One libvlc instance per process (each costs tens of MB and a module scan)."""
    global _instance
    with _instance_lock:
        if _instance is None:
            assert vlc is not None
            _instance = vlc.Instance(["--quiet", "--no-audio", "--no-xlib", "--no-video-title-show", "--no-osd",
                                      "--no-spu", "--stats", "--network-caching=300"])
        return _instance


def _plugin_dirs() -> list[str]:
    dirs = [os.environ.get("VLC_PLUGIN_PATH", "")]
    dirs += [*glob.glob("/usr/lib/*/vlc/plugins"), "/usr/lib/vlc/plugins", "/usr/local/lib/vlc/plugins"]
    return [d for d in dirs if d and os.path.isdir(d)]


def libvlc_has_live555() -> bool:
    """Whether this libvlc can open rtsp:// (its RTSP client is the live555 access plugin)."""
    return any(glob.glob(os.path.join(d, "**", "liblive555_plugin.so"), recursive=True) for d in _plugin_dirs())


class VlcStream(Stream):
    """One libvlc media player decoding into numpy buffers at tile size."""

    backend_name = "vlc"

    def __init__(self, url: str, transport: str = "tcp", size: tuple[int, int] = DEFAULT_SIZE) -> None:
        super().__init__(url, transport, size)
        self._player: Any = None
        self._media: Any = None
        self._buffer: np.ndarray | None = None
        self._decode_size = (0, 0)
        self._monitor_stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._fresh_until = 0.0  # monotonic time until which displayed pictures count as new (input is flowing)
        self._restart_for_size = False
        # ctypes callback objects must outlive the player: keep references on the instance.
        self._callbacks = (_FORMAT_CB(self._on_format), _CLEANUP_CB(self._on_cleanup), _LOCK_CB(self._on_lock),
                           _UNLOCK_CB(self._on_unlock), _DISPLAY_CB(self._on_display))

    # -- lifecycle (supervisor worker thread) ---------------------------------------------------------------------
    def start(self) -> None:
        self.started_at = time.monotonic()
        instance = _vlc_instance()
        media = instance.media_new_path(local_path(self.url)) if is_local_file(self.url) else instance.media_new(self.url)
        if is_local_file(self.url):
            media.add_option(":input-repeat=65535")  # loop files without going through EndReached
        if self.url.startswith("rtsp"):
            media.add_option(":rtsp-tcp" if self.transport == "tcp" else ":no-rtsp-tcp")
        media.add_option(":network-caching=200")
        player = instance.media_player_new()
        player.set_media(media)
        fmt, cleanup, lock, unlock, display = self._callbacks
        dll = vlc.dll
        dll.libvlc_video_set_format_callbacks.argtypes = [ctypes.c_void_p, _FORMAT_CB, _CLEANUP_CB]
        dll.libvlc_video_set_format_callbacks(player._as_parameter_, fmt, cleanup)
        dll.libvlc_video_set_callbacks.argtypes = [ctypes.c_void_p, _LOCK_CB, _UNLOCK_CB, _DISPLAY_CB,
                                                   ctypes.c_void_p]
        dll.libvlc_video_set_callbacks(player._as_parameter_, lock, unlock, display, None)
        events = player.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._on_error)
        events.event_attach(vlc.EventType.MediaPlayerEndReached, self._on_end)
        self._player, self._media = player, media
        if player.play() != 0:
            self._fail("libvlc could not start playback")
            return
        self._monitor = threading.Thread(target=self._watch, name=f"vlc stats {self.url}", daemon=True)
        self._monitor.start()

    def stop(self) -> None:
        """Stop and release the player (never from a libvlc callback: that deadlocks)."""
        self._monitor_stop.set()
        player, media = self._player, self._media
        self._player = self._media = None
        if player is not None:
            player.stop()
            player.release()
        if media is not None:
            media.release()
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(timeout=1.0)

    def set_size(self, size: tuple[int, int]) -> None:
        """libvlc fixes the decode size when the picture format is set up: restart playback to change it."""
        super().set_size(size)
        src = self.source_size
        if src and fit_size(src[0], src[1], size) != self._decode_size:
            self._restart_for_size = True

    # -- libvlc callbacks (libvlc threads: only flags and buffers here) -------------------------------------------
    def _on_format(self, _opaque: object, chroma: int, width: Any, height: Any, pitches: Any, lines: Any) -> int:
        src_w, src_h = int(width[0]), int(height[0])
        self.source_size = (src_w, src_h)
        out_w, out_h = fit_size(src_w, src_h, self._size)
        self._decode_size = (out_w, out_h)
        ctypes.memmove(chroma, b"RV32", 4)  # 32-bit BGRX in memory: the tile frames' layout (Qt's RGB32)
        width[0], height[0] = out_w, out_h
        pitches[0] = out_w * 4
        lines[0] = out_h
        self._buffer = np.zeros((out_h, out_w, 4), dtype=np.uint8)
        return 1

    def _on_cleanup(self, _opaque: object) -> None:
        return None

    def _on_lock(self, _opaque: object, planes: Any) -> None:
        buffer = self._buffer
        if buffer is not None:
            planes[0] = buffer.ctypes.data
        return None

    def _on_unlock(self, _opaque: object, _picture: object, _planes: object) -> None:
        return None

    def _on_display(self, _opaque: object, _picture: object) -> None:
        buffer = self._buffer
        if buffer is None:
            return
        image = buffer.copy()  # libvlc reuses the buffer for the next picture
        image[:, :, 3] = 255
        player = self._player
        pts = None
        if player is not None:
            ms = player.get_time()
            pts = ms / 1000.0 if ms is not None and ms >= 0 else None
        if time.monotonic() <= self._fresh_until:
            self._publish(image, pts)

    def _on_error(self, _event: object) -> None:
        self._fail("libvlc could not open or play the source")

    def _on_end(self, _event: object) -> None:
        self._fail("source ended (libvlc EndReached)")

    # -- stats monitor thread ---------------------------------------------------------------------------------------
    def _watch(self) -> None:
        """Poll input byte counts: displayed pictures count as new frames only while bytes keep arriving."""
        assert vlc is not None
        stats = vlc.MediaStats()
        last_bytes = last_decoded = 0
        while not self._monitor_stop.wait(_STATS_INTERVAL):
            media, player = self._media, self._player
            if media is None or player is None:
                return
            if media.get_stats(stats):
                read = max(int(stats.read_bytes), int(stats.demux_read_bytes))
                decoded = int(stats.decoded_video)
                # A looping local file is read in big gulps, so decoded pictures also prove progress; a dead
                # network source stops both.
                if read > last_bytes or decoded > last_decoded:
                    self._add_bytes(max(0, read - last_bytes))
                    last_bytes, last_decoded = max(read, last_bytes), max(decoded, last_decoded)
                    self._fresh_until = time.monotonic() + _BYTES_FRESH
            width, height = player.video_get_size(0) or (0, 0)
            if width and height:
                self.source_size = (int(width), int(height))
            if self._restart_for_size:
                self._restart_for_size = False
                player.stop()  # a worker thread, not a libvlc callback: safe
                player.play()


class VlcBackend(Backend):
    """libvlc via python-vlc; cannot open rtsp:// on Debian (no live555)."""

    name = "vlc"

    def __init__(self) -> None:
        self._available: bool | None = None
        self._live555: bool | None = None

    def available(self) -> bool:
        if self._available is None:
            try:
                self._available = vlc is not None and _vlc_instance() is not None
            except Exception:
                self._available = False
        return bool(self._available)

    def can_open(self, url: str) -> bool:
        if url.startswith(("rtsp://", "rtsps://")):
            if self._live555 is None:
                self._live555 = libvlc_has_live555()
            return self._live555
        return True

    def open(self, url: str, transport: str = "tcp", size: tuple[int, int] = DEFAULT_SIZE) -> Stream:
        return VlcStream(url, transport, size)
