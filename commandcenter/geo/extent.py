"""Where a basemap's city actually is: the extent of its streets, not of every node in the file.

An OSM extract from Overpass carries whole ways and whole relations that touch the query box: a district border
relation runs kilometres beyond the streets (新街口's 玄武区 border reaches 118.876 E while the streets end at
118.80). ``Basemap.bbox`` spans all of that. Whatever is laid out *over the city* — the 单元网格/责任区 grid,
demo cameras and drone pads — must use the streets' extent instead, or it lands on empty land east of the map.
"""

from __future__ import annotations

import numpy as np

from commandcenter.geo.basemap import Basemap, MapFeature

BBox = tuple[float, float, float, float]  # south, west, north, east
TRIM = 0.02  # the share of street nodes allowed outside on each side (long ways running out of the extract)


def street_extent(basemap: Basemap, trim: float = TRIM) -> BBox:
    """``(south, west, north, east)`` of the basemap's street nodes, the outermost ``trim`` on each side cut
    off; the basemap's whole bbox when it has too few streets to tell."""
    lats: list[float] = []
    lons: list[float] = []
    for road in basemap.roads:
        for lat, lon in road.coords:
            lats.append(lat)
            lons.append(lon)
    if len(lats) < 20:
        return basemap.bbox
    lat_a, lon_a = np.asarray(lats), np.asarray(lons)
    south, north = (float(v) for v in np.quantile(lat_a, [trim, 1.0 - trim]))
    west, east = (float(v) for v in np.quantile(lon_a, [trim, 1.0 - trim]))
    if not (south < north and west < east):
        return basemap.bbox
    return south, west, north, east


def inside(bbox: BBox, lat: float, lon: float) -> bool:
    south, west, north, east = bbox
    return south <= lat <= north and west <= lon <= east


def street_sites(basemap: Basemap, count: int, bbox: BBox | None = None,
                 classes: frozenset[str] = frozenset({"primary", "secondary", "tertiary", "trunk"})
                 ) -> list[tuple[str, float, float]]:
    """``count`` places on named streets inside ``bbox`` (default: :func:`street_extent`), spread out: each one
    as far as possible from those already chosen (farthest-point sampling, starting near the centre). Returns
    (street name, lat, lon). Where cameras stand on a real city: on its streets, not in the fields."""
    area = bbox or street_extent(basemap)
    candidates = _named_nodes([r for r in basemap.roads if r.cls in classes], area)
    if len(candidates) < count:
        candidates += _named_nodes(list(basemap.roads), area)
    if not candidates:
        return []
    lat0, lon0 = (area[0] + area[2]) / 2, (area[1] + area[3]) / 2
    kx = 111_320.0 * float(np.cos(np.radians(lat0)))
    xy = np.asarray([((lon - lon0) * kx, (lat - lat0) * 110_540.0) for _name, lat, lon in candidates])
    chosen = [int(np.argmin(np.hypot(xy[:, 0], xy[:, 1])))]
    nearest = np.hypot(*(xy - xy[chosen[0]]).T)
    while len(chosen) < min(count, len(candidates)):
        pick = int(np.argmax(nearest))
        if nearest[pick] <= 0.0:
            break
        chosen.append(pick)
        nearest = np.minimum(nearest, np.hypot(*(xy - xy[pick]).T))
    return [candidates[i] for i in chosen]


def _named_nodes(roads: list[MapFeature], area: BBox) -> list[tuple[str, float, float]]:
    return [(road.name, lat, lon) for road in roads if road.name for lat, lon in road.coords
            if inside(area, lat, lon)]
