"""Video wall widgets: WallScreen (tree, controls, tiles), VideoTile, CameraTree."""

from widgets.wall.tile import CAMERA_MIME, CELL_MIME, VideoTile
from widgets.wall.wall_screen import WallScreen

__all__ = ["CAMERA_MIME", "CELL_MIME", "VideoTile", "WallScreen"]
