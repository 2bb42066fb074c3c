"""A unit's route over a replayed period as a dispatcher reads it: where it went, where it stopped and for how
long, and the trip summary (distance, duration, moving time, stops) — Traccar's replay report is the model.

Plain numpy over the fixes the history service already holds (no I/O). A *stop* is a stretch of at least
``min_stop_s`` during which the unit stays within ``stop_radius_m`` of where it halted (a reported speed is not
needed: phones often send none). Distance adds the legs between fixes except across gaps (a silence longer than
``max_gap_s`` or a jump faster than ``max_speed_mps``), so a unit switched off in one place and on in another does
not "drive" across the district.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from commandcenter.mapdata.trails import MAX_GAP_S, MAX_SPEED_MPS, joined

FloatArray = NDArray[np.float64]
EARTH_M_PER_DEG = 111_320.0


@dataclass(frozen=True, slots=True)
class Stop:
    """Where and how long a unit stood still (epoch seconds)."""

    start: float
    end: float
    lat: float
    lon: float

    @property
    def duration_s(self) -> float:
        return self.end - self.start


@dataclass(slots=True)
class TripSummary:
    """The trip report of one unit over a period."""

    unit_id: str
    start: float = 0.0
    end: float = 0.0
    distance_m: float = 0.0
    moving_s: float = 0.0
    stops: list[Stop] = field(default_factory=list)
    segments: list[tuple[FloatArray, FloatArray]] = field(default_factory=list)  # (lat, lon) pieces between gaps

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    @property
    def stopped_s(self) -> float:
        return sum(stop.duration_s for stop in self.stops)


def local_xy(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Metres east/north of the first point (equirectangular: exact enough over a district)."""
    if not len(lat):
        return lat, lon
    kx = EARTH_M_PER_DEG * np.cos(np.radians(lat[0]))
    return (lon - lon[0]) * kx, (lat - lat[0]) * EARTH_M_PER_DEG


def trip_summary(unit_id: str, t: FloatArray, lat: FloatArray, lon: FloatArray, *, min_stop_s: float = 180.0,
                 stop_radius_m: float = 30.0, max_gap_s: float = MAX_GAP_S,
                 max_speed_mps: float = MAX_SPEED_MPS) -> TripSummary:
    """The route, stops and summary of one unit's fixes (sorted by time)."""
    summary = TripSummary(unit_id)
    n = len(t)
    if n == 0:
        return summary
    summary.start, summary.end = float(t[0]), float(t[-1])
    x, y = local_xy(np.asarray(lat, float), np.asarray(lon, float))
    links = joined(t, x, y, max_gap_s, max_speed_mps)
    legs = np.hypot(np.diff(x), np.diff(y))
    summary.distance_m = float(legs[links].sum())
    breaks = np.flatnonzero(~links) + 1
    for a, b in zip([0, *breaks.tolist()], [*breaks.tolist(), n], strict=True):
        summary.segments.append((np.asarray(lat[a:b], float), np.asarray(lon[a:b], float)))
    summary.stops = _stops(t, x, y, lat, lon, min_stop_s, stop_radius_m)
    linked_s = float(np.diff(t)[links].sum())
    stopped_in_links = sum(stop.duration_s for stop in summary.stops)
    summary.moving_s = max(0.0, linked_s - stopped_in_links)
    return summary


def _stops(t: FloatArray, x: FloatArray, y: FloatArray, lat: FloatArray, lon: FloatArray, min_stop_s: float,
           radius_m: float) -> list[Stop]:
    """Greedy: from each fix, the longest run of following fixes within ``radius_m`` of it."""
    stops: list[Stop] = []
    i, n = 0, len(t)
    while i < n - 1:
        j = i + 1
        while j < n and np.hypot(x[j] - x[i], y[j] - y[i]) <= radius_m:
            j += 1
        if t[j - 1] - t[i] >= min_stop_s:
            stops.append(Stop(float(t[i]), float(t[j - 1]), float(np.mean(lat[i:j])), float(np.mean(lon[i:j]))))
            i = j
        else:
            i += 1
    return stops
