"""The live map screen (pyqtgraph): basemaps, units, zones, cameras, cases, heatmap, trails, replay."""

from widgets.map.screen import CAMERA_MIME, MapScreen

__all__ = ["CAMERA_MIME", "MapScreen"]
