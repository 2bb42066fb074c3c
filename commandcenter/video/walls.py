"""The video walls of one console: the main wall and one per extra monitor, all on one video service.

Built by the composition root and handed to the wall screen, which asks it for a monitor's wall instead of
building models itself.
"""

from __future__ import annotations

from commandcenter.config import CameraConfig
from commandcenter.video.layout import WallLayout, WallModel
from commandcenter.video.service import VideoService


class MonitorWalls:
    """The video walls: the main one and one per extra monitor (by screen key), all on one video service."""

    def __init__(self, cameras: list[CameraConfig], video: VideoService, main: WallModel) -> None:
        self.cameras = cameras
        self.video = video
        self.main = main
        self.monitors: dict[str, WallModel] = {}

    def for_monitor(self, key: str, layout: WallLayout) -> WallModel:
        """A fresh wall for the monitor ``key`` in ``layout`` (replacing the one it had)."""
        model = WallModel(self.cameras, self.video, layout, gate=self.main.gate)  # the seat user's rights
        self.monitors[key] = model
        return model
