"""Snapshots (抓拍) as evidence: a full-resolution PNG, its SHA-256, and a hook for the case module.

Evidence must show what the camera saw, not a thumbnail: the stream's worker grabs a frame at full resolution
(see ``Stream.grab_full_frame``), and it is written here without QtGui — the core must not depend on it — by a
small PNG encoder (zlib, filter type 0 per row: size is not critical, correctness and independence are). The
SHA-256 of the file is returned so the case module can seal the attachment.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from commandcenter.paths import evidence_dir

SnapshotHook = Callable[[str, str, str, float], None]  # (camera_id, path, sha256, unix time)


@dataclass(frozen=True)
class Snapshot:
    """A saved snapshot: where, its digest, when (unix time) and its pixel size."""

    camera_id: str
    path: Path
    sha256: str
    time: float
    width: int
    height: int


def snapshots_dir() -> Path:
    """Default folder for snapshots: ``<evidence dir>/snapshots``, created on demand."""
    path = evidence_dir() / "snapshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(image: np.ndarray, level: int = 6) -> bytes:
    """PNG bytes of an H×W×3 (RGB) or H×W×4 (RGBA/RGBX: the 4th byte is dropped) uint8 array."""
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an H×W×3 or H×W×4 uint8 array, got {image.shape} {image.dtype}")
    rgb = np.ascontiguousarray(image[:, :, :3])
    height, width = rgb.shape[:2]
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)  # leading 0 = filter "None" for each row
    rows[:, 1:] = rgb.reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
            + _chunk(b"IEND", b""))


def decode_png(data: bytes) -> np.ndarray:
    """Decode a PNG written by :func:`encode_png` (8-bit RGB, filter 0) — for tests and verification."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if (depth, colour) != (8, 2):
                raise ValueError("only 8-bit RGB PNG is supported")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width * 3 + 1)
    if raw[:, 0].any():
        raise ValueError("only PNG filter type 0 is supported")
    return raw[:, 1:].reshape(height, width, 3)


def save_snapshot(camera_id: str, image: np.ndarray, directory: Path | None = None,
                  when: float | None = None) -> Snapshot:
    """Write ``image`` as ``<camera>_<YYYYmmdd-HHMMSS.mmm>.png`` and return its path and SHA-256."""
    when = time.time() if when is None else when
    folder = directory or snapshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromtimestamp(when).strftime("%Y%m%d-%H%M%S.%f")[:-3]
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in camera_id) or "camera"
    path = folder / f"{safe_id}_{stamp}.png"
    data = encode_png(image)
    tmp = path.with_suffix(".png.part")
    tmp.write_bytes(data)
    tmp.replace(path)  # a half-written file never appears under the final name
    height, width = image.shape[:2]
    return Snapshot(camera_id, path, hashlib.sha256(data).hexdigest(), when, width, height)
