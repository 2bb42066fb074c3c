"""Raster tiles from an MBTiles file (SQLite), read on worker threads.

MBTiles stores rows in TMS order (``tile_row`` counted from the south), so the XYZ ``y`` the view asks for is
flipped here. SQLite connections cannot be shared between threads, so each worker opens its own read-only
connection on first use. The file is opened ``mode=ro`` through a URI so a corrupt or locked file is never
modified by the map.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal

from commandcenter.mapdata.tiles import AsyncTileSource, TileKey


class MBTilesError(RuntimeError):
    """The MBTiles file is missing or not an MBTiles database."""


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise MBTilesError(f"MBTiles file {path} does not exist")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        raise MBTilesError(f"{path} is not a readable MBTiles file: {exc}") from exc
    return conn


def read_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``metadata`` table (name, format, bounds, minzoom, maxzoom, attribution …). Blocking: use a worker."""
    conn = _connect(Path(path))
    try:
        rows = conn.execute("SELECT name, value FROM metadata").fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        conn.close()
    return {str(k): str(v) for k, v in rows}


def read_tile(path: str | os.PathLike[str], z: int, x: int, y: int) -> bytes | None:
    """One tile by XYZ coordinates, or None. Blocking: use a worker (or :class:`MBTilesSource`)."""
    conn = _connect(Path(path))
    try:
        return _query(conn, z, x, y)
    finally:
        conn.close()


def _query(conn: sqlite3.Connection, z: int, x: int, y: int) -> bytes | None:
    tms_row = (1 << z) - 1 - y
    row = conn.execute(
        "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?", (z, x, tms_row)
    ).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


class MBTilesSource(AsyncTileSource):
    """An :class:`AsyncTileSource` over one MBTiles file; ``metadata_ready`` after :meth:`load_metadata`."""

    metadata_ready = Signal(dict)

    def __init__(self, path: str | os.PathLike[str], *, crs: str = "wgs84", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(path).expanduser()
        self.crs = crs
        self.metadata: dict[str, str] = {}
        self._local = threading.local()

    def load_metadata(self) -> None:
        """Read the metadata on a worker; sets zoom limits and emits ``metadata_ready`` (empty on failure)."""
        self._pool.run(self._read_metadata)

    def _read_metadata(self) -> None:
        try:
            meta = read_metadata(self.path)
        except MBTilesError as exc:
            meta = {"error": str(exc)}
        for name, attr in (("minzoom", "min_zoom"), ("maxzoom", "max_zoom")):
            try:
                setattr(self, attr, int(float(meta[name])))
            except (KeyError, ValueError):
                pass
        self.metadata = meta
        self.metadata_ready.emit(meta)

    def load(self, key: TileKey) -> bytes | None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
        return _query(conn, key.z, key.x, key.y)
