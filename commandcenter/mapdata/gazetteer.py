"""A local gazetteer: street and place names of the basemap → a WGS-84 position, for address-only reports.

12345 tickets often carry only 事发地址 ("平江府路 3 号门口"). No online geocoder may be asked (the network is
closed and the addresses are citizens' data), so the basemap the bureau imported is the gazetteer: every named
road (its middle vertex, on the longest piece with that name), point of interest, square, park and building.
An address is placed at the longest known name it contains — the most specific one ("夫子庙广场" over "夫子庙");
an address naming nothing known is not guessed: the case is flagged for a dispatcher to place on the map.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from commandcenter.geo.basemap import Basemap, MapFeature
from commandcenter.geo.zones import polygon_centroid

__all__ = ["Gazetteer"]

LatLon = tuple[float, float]
_SPACE = re.compile(r"\s+")
MIN_NAME_CHARS = 2  # "路" alone names nothing


def _key(text: str) -> str:
    return _SPACE.sub("", text)


def _anchor(feature: MapFeature) -> LatLon | None:
    coords = feature.coords
    if not coords:
        return None
    if feature.geometry == "polygon" and len(coords) >= 3:
        return polygon_centroid(coords)
    return coords[len(coords) // 2]


def _length(feature: MapFeature) -> float:
    c = feature.coords
    return sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in itertools.pairwise(c))


class Gazetteer:
    """``locate(address) -> (lat, lon) | None`` over named features."""

    def __init__(self, places: dict[str, LatLon]) -> None:
        self.places = {k: v for k, v in places.items() if len(k) >= MIN_NAME_CHARS}
        self._names = sorted(self.places, key=len, reverse=True)  # the most specific name wins

    @classmethod
    def from_basemap(cls, basemap: Basemap) -> Gazetteer:
        places: dict[str, LatLon] = {}
        roads: dict[str, MapFeature] = {}
        for road in basemap.roads:
            if road.name and (road.name not in roads or _length(road) > _length(roads[road.name])):
                roads[road.name] = road
        features: Iterable[MapFeature] = [*roads.values(), *basemap.parks, *basemap.buildings, *basemap.plazas,
                                          *basemap.pois]
        for feature in features:  # later layers (points of interest) win over a road of the same name
            anchor = _anchor(feature)
            if feature.name and anchor is not None:
                places[_key(feature.name)] = anchor
        return cls(places)

    def __len__(self) -> int:
        return len(self.places)

    def locate(self, address: str) -> LatLon | None:
        text = _key(address)
        if not text:
            return None
        return next((self.places[name] for name in self._names if name in text), None)
