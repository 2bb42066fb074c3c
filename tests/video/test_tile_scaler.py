"""The tiles' scaler: picking rows before swscale gives the picture swscale alone gives, for every YUV 4:2:0
range, and other formats go the plain way."""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.reformatter import VideoReformatter

from commandcenter.video.pyav_backend import TileScaler, _plane_array


def _scene(width: int = 1280, height: int = 720) -> np.ndarray:
    """Colour bars, a diagonal gradient and thin horizontal lines (what row picking could get wrong)."""
    image = np.zeros((height, width, 3), dtype=np.uint8)
    for bar in range(8):
        image[:, bar * width // 8:(bar + 1) * width // 8] = [(bar * 37) % 256, (bar * 91) % 256, (bar * 53) % 256]
    image[height // 2:, :, 1] = (np.arange(width) * 255 // width).astype(np.uint8)
    for row in range(0, height, 40):
        image[row:row + 4, :, :] = 255  # a white line, 4 rows thick, every 40 rows
    return image


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuvj420p"])
@pytest.mark.parametrize("size", [(480, 270), (320, 180), (640, 360)])
def test_picked_rows_give_the_picture_swscale_gives(pix_fmt: str, size: tuple[int, int]) -> None:
    frame = av.VideoFrame.from_ndarray(_scene(), format="rgb24").reformat(format=pix_fmt)
    width, height = size
    ours = _plane_array(TileScaler().to_bgra(frame, width, height), width, height)
    plain = _plane_array(VideoReformatter().reformat(frame, width=width, height=height, format="bgra",
                                                     interpolation="POINT"), width, height)
    assert ours.shape == plain.shape == (height, width, 4)
    difference = np.abs(ours[..., :3].astype(int) - plain[..., :3].astype(int))
    # Nearest rows either way: the same picture. They differ only on the rows of the thin lines, whose 4:2:0
    # colour each takes from a different neighbour (a fifth of the rows at a quarter of the height).
    assert (difference.max(axis=2) <= 8).mean() > 0.75 and difference.mean() < 6.0
    # The colour bars land where they were, with their colours (BGRX: index 2 is red).
    for bar in range(8):
        x = (bar * width // 8) + width // 16
        assert int(ours[height // 4, x, 2]) == pytest.approx((bar * 37) % 256, abs=6)
    # Every white line survives as a white row (a line as thick as the reduction is never skipped).
    white = (ours[..., :3].mean(axis=2) > 170).mean(axis=1) > 0.9  # bright rows (4:2:0 may tint their colour)
    lines = int(white[0]) + int((white[1:] & ~white[:-1]).sum())
    assert lines == 720 // 40


def test_the_same_scaler_follows_a_change_of_size_and_other_formats_go_the_plain_way() -> None:
    scaler = TileScaler()
    frame = av.VideoFrame.from_ndarray(_scene(), format="rgb24").reformat(format="yuv420p")
    first = _plane_array(scaler.to_bgra(frame, 480, 270), 480, 270)
    second = _plane_array(scaler.to_bgra(frame, 320, 180), 320, 180)
    assert first.shape == (270, 480, 4) and second.shape == (180, 320, 4)
    rgb = av.VideoFrame.from_ndarray(_scene(), format="rgb24")  # not 4:2:0: swscale does all of it
    assert int(_plane_array(scaler.to_bgra(rgb, 480, 270), 480, 270)[100, 30, 2]) == pytest.approx(0, abs=4)
    big = _plane_array(scaler.to_bgra(frame, 960, 540), 960, 540)  # less than halved: filtered, not picked
    assert big.shape == (540, 960, 4)
