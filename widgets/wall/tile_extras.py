"""What a tile can do beyond live video (issue 17): PTZ control and playback, attached to a tile when the seat has
the services for them. Keeps ``tile.py`` a view of one picture: these controllers add their own buttons and
overlays and follow the tile's camera through ``VideoTile.cameraChanged``."""

from __future__ import annotations

from dataclasses import dataclass

from commandcenter.ptz.service import PtzService
from commandcenter.video.playback import RecordingAccess
from widgets.wall.playback import TilePlayback
from widgets.wall.ptz_pad import PtzControl, attach_ptz
from widgets.wall.tile import VideoTile


@dataclass
class TileExtras:
    ptz: PtzControl | None
    playback: TilePlayback | None

    @classmethod
    def attach(cls, tile: VideoTile, ptz: PtzService | None, recordings: RecordingAccess | None) -> TileExtras:
        playback = None
        if recordings is not None:
            playback = TilePlayback(tile, recordings)
            tile.cameraChanged.connect(lambda _camera: playback.camera_changed())
        return cls(attach_ptz(tile, ptz), playback)
