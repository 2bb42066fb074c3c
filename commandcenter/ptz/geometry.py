"""Where to point a PTZ camera to see a point on the map.

ONVIF's generic position space maps pan -1 … 1 to half a turn either side of the camera's zero and tilt -1 … 1 to
straight down … straight up (the common convention of 360° domes; cameras whose zero does not look along their
configured ``heading`` are set up with that ``heading``). The bearing is computed on the sphere (WGS-84 positions
inside the application), which at a camera's few hundred metres is as good as the ellipsoid.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    x = math.sin(dlon) * math.cos(phi2)
    y = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlon)
    return math.degrees(math.atan2(x, y)) % 360.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def pan_for_bearing(bearing: float, heading: float) -> float:
    """The generic pan (-1 … 1) that turns a camera whose zero looks along ``heading`` towards ``bearing``."""
    delta = (bearing - heading + 180.0) % 360.0 - 180.0  # -180 … 180, clockwise positive
    return delta / 180.0


def tilt_for_distance(distance: float, height_m: float) -> float:
    """The generic tilt (-1 … 1, negative = down) to look at the ground ``distance`` metres away."""
    if height_m <= 0:
        return 0.0
    return -math.degrees(math.atan2(height_m, max(distance, 0.1))) / 90.0
