"""The demo cameras burn in the real wall-clock time (issue 15: the clip's recording time was ten days off and
looped every few seconds, so an operator could not judge a picture's freshness)."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import av
import numpy as np
import pytest

from commandcenter.demo.testserver import CJK_FONT_CANDIDATES, start_demo_cameras

pytestmark = pytest.mark.slow
WIDTH, HEIGHT = 640, 360
SIZE = HEIGHT // 16  # the live cameras' font size (gst_rtsp_server.live_command)
CLOCK_BOX = (slice(0, int(HEIGHT * 0.12)), slice(0, int(WIDTH * 0.38)))  # rows, columns of the clock strip


def _reference(text: str, tmp: Path) -> np.ndarray:
    """The clock strip as the live camera draws it, for a given text, rendered by ffmpeg on black."""
    font = next(f for f in CJK_FONT_CANDIDATES if Path(f).exists())
    text_file = tmp / f"{abs(hash(text))}.txt"
    text_file.write_text(text.replace(":", "\\:"), encoding="utf-8")
    out = tmp / f"{abs(hash(text))}.rgb"
    style = (f"fontfile={font}:expansion=normal:fontcolor=white:fontsize={SIZE}:box=1:boxcolor=black@0.6:"
             f"boxborderw={max(2, SIZE // 5)}")
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"color=black:size={WIDTH}x{HEIGHT}:rate=1", "-frames:v", "1", "-vf",
                    f"drawtext={style}:textfile={text_file}:x={SIZE // 2}:y={SIZE // 2}",
                    "-pix_fmt", "rgb24", "-f", "rawvideo", str(out)], check=True, timeout=60)
    frame = np.frombuffer(out.read_bytes(), dtype=np.uint8).reshape(HEIGHT, WIDTH, 3)
    return frame[CLOCK_BOX].astype(np.int16)


def test_demo_camera_shows_the_real_local_time(tmp_path: Path) -> None:
    server, cameras = start_demo_cameras(1, 32.0, 118.8, width=WIDTH, height=HEIGHT, names=["中华路口"],
                                         live_clock=True)
    try:
        with av.open(cameras[0].url, options={"rtsp_transport": "tcp"}, timeout=15) as container:
            for index, frame in enumerate(container.decode(video=0)):
                if index == 40:  # a couple of seconds in: past the first keyframe's start-up
                    seen_at = time.time()
                    picture = frame.to_ndarray(format="rgb24")[CLOCK_BOX].astype(np.int16)
                    break
    finally:
        server.stop()
    now = datetime.fromtimestamp(seen_at)  # local time: what the tile's and the status bar's clocks show

    def distance(moment: datetime) -> float:
        return float(np.abs(picture - _reference(moment.strftime("%Y-%m-%d %H:%M:%S"), tmp_path)).mean())

    real = min(distance(now - timedelta(seconds=s)) for s in range(0, 4))
    recorded = distance(now - timedelta(days=10, seconds=1))  # what the looping clip used to show
    assert real < 6.0, real
    assert recorded > 2 * real, (real, recorded)
