"""Recorded segments for playback tests: real H.264 MP4 files written with PyAV, one colour per second.

Each frame's colour says which second of the recording it belongs to (red rises by 20 per second), so a test can
tell from one pixel where playback landed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import av
import numpy as np

from commandcenter.recording.index import Segment

FPS = 25
GOP = 25  # a key frame every second


def colour_of_second(second: int) -> int:
    return (40 + 20 * second) % 256


def write_segment(path: Path, start: datetime, seconds: int, first_second: int = 0) -> Segment:
    """``seconds`` of 160×96 H.264 at 25 fps; second k is filled with red ``colour_of_second(first_second + k)``."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.codec_context.gop_size = GOP
        stream.codec_context.options = {"preset": "ultrafast", "tune": "zerolatency", "keyint_min": str(GOP)}
        for index in range(seconds * FPS):
            image = np.zeros((96, 160, 3), dtype=np.uint8)
            image[:, :, 0] = colour_of_second(first_second + index // FPS)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return Segment(str(path), start, start + timedelta(seconds=seconds), path.stat().st_size)
