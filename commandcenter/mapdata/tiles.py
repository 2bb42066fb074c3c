"""Raster tiles for the map: an XYZ source by URL template with an on-disk cache, fetched off the GUI thread.

Why this shape:

* The GUI thread never touches the network or the disk. :meth:`AsyncTileSource.request` only records what the
  view wants and queues work on a small thread pool; results come back through the ``tile_ready`` /
  ``tile_failed`` signals, which Qt delivers queued to receivers living on the GUI thread.
* A district map pans a lot: requests for tiles that scrolled away before a worker got to them are dropped
  (:meth:`AsyncTileSource.set_wanted`) instead of downloading the whole history of the pan.
* The command center must work when the internet link is down: every tile ever fetched is kept on disk and
  served from there first, so a previously visited area keeps its basemap offline. A failure (timeout,
  HTTP error, corrupt data) reports ``tile_failed`` at once — the view draws a placeholder and goes on — and
  is not retried for ``retry_after_s`` so a dead server cannot stall the pool.
* The optional ``decoder`` runs on the worker thread too. The core stays free of QtGui (the views pass a
  function that turns bytes into a ``QImage``), yet image decoding does not cost GUI frame time.

Tile images cross this module as ``bytes`` (PNG/JPEG/WebP as served) or whatever the decoder returns.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import QObject, Signal

from commandcenter import paths
from commandcenter.runtime.tasks import TaskManager, TasksStopped

log = logging.getLogger(__name__)

USER_AGENT = "commandcenter-map/0.1 (city management command center)"  # HTTP headers are Latin-1


class TileKey(NamedTuple):
    """One XYZ tile (``y`` counted from the north, as in slippy maps)."""

    z: int
    x: int
    y: int


Decoder = Callable[[bytes], Any]


class AsyncTileSource(QObject):
    """Base of the tile sources: de-duplicated, cancellable loading in a bounded lane of the task manager.

    Subclasses implement :meth:`load` (blocking, runs on a worker) and return the tile's bytes, or ``None``
    when the source has no such tile (an empty MBTiles area: the view shows nothing there, not an error).
    """

    tile_ready = Signal(int, int, int, object)  # z, x, y, decoded image (or bytes without a decoder)
    tile_failed = Signal(int, int, int, str)  # z, x, y, reason — draw a placeholder
    tile_missing = Signal(int, int, int)  # the source has no tile there

    def __init__(self, *, tasks: TaskManager, max_concurrent: int = 4, decoder: Decoder | None = None,
                 retry_after_s: float = 30.0, min_zoom: int = 0, max_zoom: int = 19,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.max_concurrent = max(1, int(max_concurrent))
        self.decoder = decoder
        self.retry_after_s = retry_after_s
        self.min_zoom = min_zoom
        self.max_zoom = max_zoom
        # A download waits on the network: at most max_concurrent at once, on the lane's own workers.
        self._pool = tasks.lane(type(self).__name__, self.max_concurrent)
        self._lock = threading.Lock()
        self._inflight: set[TileKey] = set()
        self._wanted: set[TileKey] | None = None  # None = keep every request
        self._failed_at: dict[TileKey, float] = {}
        self._closed = False
        self.loaded = 0
        self.failures = 0
        self.dropped = 0
        self.worker_threads: set[str] = set()  # names of threads that did the loading (tests check it)

    # ------------------------------------------------------------------------------------------- requests
    def request(self, z: int, x: int, y: int) -> bool:
        """Ask for a tile; non-blocking. False when it is already on its way or recently failed."""
        key = TileKey(int(z), int(x), int(y))
        now = time.monotonic()
        with self._lock:
            if self._closed or key in self._inflight:
                return False
            failed = self._failed_at.get(key)
            if failed is not None and now - failed < self.retry_after_s:
                return False
            self._inflight.add(key)
        try:
            self._pool.run(lambda: self._run(key))
        except TasksStopped:
            with self._lock:
                self._inflight.discard(key)
            return False
        return True

    def set_wanted(self, keys: Iterable[tuple[int, int, int]] | None) -> None:
        """The tiles the view currently shows; queued work for any other tile is dropped when reached."""
        with self._lock:
            self._wanted = None if keys is None else {TileKey(*k) for k in keys}

    def pending(self) -> int:
        with self._lock:
            return len(self._inflight)

    def close(self) -> None:
        """Stop accepting work and let the workers end (queued jobs are dropped)."""
        with self._lock:
            self._closed = True
        self._pool.cancel_pending()

    # ------------------------------------------------------------------------------------------- worker
    def load(self, key: TileKey) -> bytes | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _run(self, key: TileKey) -> None:
        with self._lock:
            skip = self._closed or (self._wanted is not None and key not in self._wanted)
            if skip:
                self._inflight.discard(key)
                self.dropped += 1
                return
        self.worker_threads.add(threading.current_thread().name)
        try:
            data = self.load(key)
            image = self.decoder(data) if (data is not None and self.decoder is not None) else data
            if data is not None and image is None:
                raise ValueError("undecodable image data")
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
            with self._lock:
                self._inflight.discard(key)
                self._failed_at[key] = time.monotonic()
                self.failures += 1
            log.debug("tile %s failed: %s", key, reason)
            self.tile_failed.emit(key.z, key.x, key.y, reason)
            return
        with self._lock:
            self._inflight.discard(key)
            self._failed_at.pop(key, None)
            self.loaded += 1
        if data is None:
            self.tile_missing.emit(key.z, key.x, key.y)
        else:
            self.tile_ready.emit(key.z, key.x, key.y, image)


def default_cache_dir(configured: str = "") -> Path:
    """The tile cache: the configured directory, else ``<cache dir>/tiles``."""
    return Path(configured).expanduser() if configured else paths.cache_dir() / "tiles"


class XyzTileSource(AsyncTileSource):
    """Tiles from a URL template (``{z}``, ``{x}``, ``{y}``, ``{-y}`` for TMS, ``{s}`` for a subdomain).

    Each template gets its own cache sub-directory (a hash of the template), so switching providers never
    mixes their tiles. ``offline=True`` serves only what is cached (the others fail fast as placeholders).
    ``max_age_days`` > 0 refreshes old cached tiles when the server answers, and keeps using them when not.
    """

    def __init__(self, url_template: str, cache_dir: str | os.PathLike[str] | None = None, *,
                 crs: str = "wgs84", offline: bool = False, timeout_s: float = 8.0,
                 max_age_days: float = 0.0, subdomains: str = "abc", user_agent: str = USER_AGENT,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if "{z}" not in url_template or "{x}" not in url_template or (
                "{y}" not in url_template and "{-y}" not in url_template):
            raise ValueError(f"tile URL template {url_template!r} needs {{z}}, {{x}} and {{y}} (or {{-y}})")
        self.url_template = url_template
        self.crs = crs
        self.offline = offline
        self.timeout_s = timeout_s
        self.max_age_s = max_age_days * 86400.0
        self.subdomains = subdomains or "a"
        self.user_agent = user_agent
        digest = hashlib.sha1(url_template.encode("utf-8")).hexdigest()[:12]
        self.cache_root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.cache_dir = self.cache_root / digest
        self.downloads = 0
        self.cache_hits = 0

    def url(self, key: TileKey) -> str:
        sub = self.subdomains[(key.x + key.y) % len(self.subdomains)]
        tms_y = (1 << key.z) - 1 - key.y
        return (self.url_template.replace("{z}", str(key.z)).replace("{x}", str(key.x))
                .replace("{-y}", str(tms_y)).replace("{y}", str(key.y)).replace("{s}", sub))

    def cache_path(self, key: TileKey) -> Path:
        return self.cache_dir / str(key.z) / str(key.x) / f"{key.y}.tile"

    def load(self, key: TileKey) -> bytes | None:
        path = self.cache_path(key)
        cached: bytes | None = None
        try:
            cached = path.read_bytes()
            fresh = self.max_age_s <= 0 or (time.time() - path.stat().st_mtime) < self.max_age_s
        except OSError:
            fresh = False
        if cached is not None and (fresh or self.offline):
            self.cache_hits += 1
            return cached
        if self.offline:
            raise ConnectionError("offline and not cached")
        try:
            data = self._download(key)
        except Exception:
            if cached is not None:  # stale but better than a placeholder
                self.cache_hits += 1
                return cached
            raise
        self._store(path, data)
        return data

    def _download(self, key: TileKey) -> bytes:
        req = urllib.request.Request(self.url(key), headers={"User-Agent": self.user_agent})
        with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
            data: bytes = resp.read()
        if not data:
            raise ValueError("empty tile")
        self.downloads += 1
        return data

    @staticmethod
    def _store(path: Path, data: bytes) -> None:
        """Write atomically so a crash never leaves a truncated tile that would be served forever."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{threading.get_ident()}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot cache tile %s: %s", path, exc)
