"""The map's display coordinates: Web Mercator metres, in the datum of the basemap on screen, around an origin.

Positions are WGS-84 everywhere in the core. A raster basemap from a Chinese provider is drawn in GCJ-02 (or
BD-09), so to put a unit on the right street the map converts *its overlay* into the tiles' datum instead of
warping the tiles. The origin is subtracted so scene coordinates stay small (a few kilometres), which keeps
single-precision paths in the paint engine exact to the pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from commandcenter.geo.coords import (
    from_wgs84_array,
    mercator_to_wgs84,
    normalize_crs,
    to_wgs84_array,
    wgs84_to_mercator,
)

FloatArray = NDArray[np.float64]

MERCATOR_HALF_WORLD_M = 20037508.342789244  # x/y extent of EPSG:3857


@dataclass(frozen=True, slots=True)
class DisplayProjection:
    """WGS-84 ↔ display ``(x, y)`` metres: datum shift to ``crs``, Web Mercator, minus the origin."""

    origin_x: float
    origin_y: float
    crs: str = "wgs84"

    @classmethod
    def centred(cls, lat: float, lon: float, crs: str = "wgs84") -> DisplayProjection:
        x, y = wgs84_to_mercator(lat, lon)
        return cls(float(x), float(y), normalize_crs(crs))

    def with_crs(self, crs: str) -> DisplayProjection:
        return DisplayProjection(self.origin_x, self.origin_y, normalize_crs(crs))

    def to_xy(self, lat: ArrayLike, lon: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """WGS-84 degrees → display metres (vectorised)."""
        lat_a, lon_a = from_wgs84_array(lat, lon, self.crs)
        x, y = wgs84_to_mercator(lat_a, lon_a)  # the formula is datum-agnostic: it projects the shifted degrees
        return x - self.origin_x, y - self.origin_y

    def to_latlon(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Display metres → WGS-84 degrees (vectorised)."""
        lat, lon = mercator_to_wgs84(np.asarray(x, dtype=np.float64) + self.origin_x,
                                     np.asarray(y, dtype=np.float64) + self.origin_y)
        return to_wgs84_array(lat, lon, self.crs)

    def tile_rect(self, z: int, tx: int, ty: int) -> tuple[float, float, float, float]:
        """Display rectangle ``(x0, y0, size_x, size_y)`` of XYZ tile (z, tx, ty); y grows north."""
        size = 2.0 * MERCATOR_HALF_WORLD_M / (1 << z)
        x0 = -MERCATOR_HALF_WORLD_M + tx * size - self.origin_x
        y_top = MERCATOR_HALF_WORLD_M - ty * size - self.origin_y
        return x0, y_top - size, size, size

    def tiles_for(self, x0: float, y0: float, x1: float, y1: float, z: int) -> list[tuple[int, int, int]]:
        """XYZ tiles covering the display rectangle at zoom ``z``, centre first (the user looks there)."""
        size = 2.0 * MERCATOR_HALF_WORLD_M / (1 << z)
        n = 1 << z
        gx0 = int(np.floor((min(x0, x1) + self.origin_x + MERCATOR_HALF_WORLD_M) / size))
        gx1 = int(np.floor((max(x0, x1) + self.origin_x + MERCATOR_HALF_WORLD_M) / size))
        gy0 = int(np.floor((MERCATOR_HALF_WORLD_M - (max(y0, y1) + self.origin_y)) / size))
        gy1 = int(np.floor((MERCATOR_HALF_WORLD_M - (min(y0, y1) + self.origin_y)) / size))
        gx0, gy0 = max(gx0, 0), max(gy0, 0)
        gx1, gy1 = min(gx1, n - 1), min(gy1, n - 1)
        cx, cy = (gx0 + gx1) / 2.0, (gy0 + gy1) / 2.0
        tiles = [(z, tx, ty) for tx in range(gx0, gx1 + 1) for ty in range(gy0, gy1 + 1)]
        tiles.sort(key=lambda t: (t[1] - cx) ** 2 + (t[2] - cy) ** 2)
        return tiles


def zoom_for_resolution(metres_per_pixel: float, tile_size: int = 256, max_zoom: int = 19) -> int:
    """The XYZ zoom whose native resolution best matches the view (never blurrier than half a level)."""
    if metres_per_pixel <= 0:
        return max_zoom
    z0_res = 2.0 * MERCATOR_HALF_WORLD_M / tile_size
    z = round(np.log2(z0_res / metres_per_pixel))
    return int(min(max(z, 0), max_zoom))
