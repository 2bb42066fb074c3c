"""One plain shape for every polygon the map draws and the geofence watches.

The geo package has three kinds of areas — management :class:`~commandcenter.geo.zones.Zone` polygons, 单元网格
:class:`~commandcenter.geo.zones.UnitCell` squares and 责任区 :class:`~commandcenter.geo.zones.ResponsibilityArea`
blocks — and the store has ``zones`` rows. The map and :class:`~commandcenter.mapdata.geofence.GeofenceMonitor`
only need code, name, kind and an outer ring, so :func:`map_zones` folds all of them into :class:`MapZone`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

LatLon = tuple[float, float]

GRID_CELL = "单元网格"
RESPONSIBILITY = "责任区"


@dataclass(frozen=True, slots=True)
class MapZone:
    """A named polygon, WGS-84 ``(lat, lon)`` ring (closed or not), of a ZoneKind value."""

    code: str
    name: str
    kind: str
    ring: tuple[LatLon, ...]
    holes: tuple[tuple[LatLon, ...], ...] = ()
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(south, west, north, east)``."""
        lats = [p[0] for p in self.ring]
        lons = [p[1] for p in self.ring]
        return min(lats), min(lons), max(lats), max(lons)

    @property
    def label(self) -> str:
        return self.name or self.code


def _rect(bounds: tuple[float, float, float, float]) -> tuple[LatLon, ...]:
    s, w, n, e = bounds
    return ((s, w), (s, e), (n, e), (n, w))


def map_zone(item: Any) -> MapZone:
    """Convert one zone-like object (see the module docstring, or a dict/ORM-row-like with a polygon)."""
    if isinstance(item, MapZone):
        return item
    if isinstance(item, dict):
        ring = item.get("ring") or item.get("polygon") or item.get("coords") or ()
        return MapZone(str(item.get("code") or item.get("name") or ""), str(item.get("name") or ""),
                       str(item.get("kind") or ""), tuple((float(a), float(b)) for a, b in ring))
    if hasattr(item, "cell_codes") and hasattr(item, "bounds"):  # ResponsibilityArea
        return MapZone(str(item.code), str(item.name), RESPONSIBILITY, _rect(item.bounds))
    if hasattr(item, "area_code") and hasattr(item, "bounds"):  # UnitCell: a generated square or a surveyed polygon
        ring = tuple(item.polygon) if getattr(item, "polygon", ()) else _rect(item.bounds)
        return MapZone(str(item.code), str(getattr(item, "name", "") or item.code), GRID_CELL, ring,
                       props={"area_code": item.area_code})
    if hasattr(item, "ring") and hasattr(item, "kind"):  # geo.zones.Zone
        props = dict(getattr(item, "props", {}) or {})
        code = str(props.get("code") or item.name)
        return MapZone(code, str(item.name), str(item.kind), tuple(item.ring),
                       tuple(tuple(h) for h in getattr(item, "holes", ())), props)
    if hasattr(item, "layer") and hasattr(item, "coords"):  # MapFeature of layer "zone"
        props = dict(item.props or {})
        kind = str(props.get("kind") or item.cls or "")
        return MapZone(str(props.get("code") or item.name or ""), str(item.name or ""), kind,
                       tuple(item.coords), tuple(tuple(h) for h in item.holes), props)
    if hasattr(item, "polygon") and hasattr(item, "code"):  # store row / dataclass with [[lat, lon], …]
        return MapZone(str(item.code), str(getattr(item, "name", "")), str(getattr(item, "kind", "")),
                       tuple((float(a), float(b)) for a, b in item.polygon))
    raise TypeError(f"cannot use {type(item).__name__} as a map zone")


def map_zones(items: Iterable[Any]) -> list[MapZone]:
    """Convert many zone-like objects, skipping degenerate ones (fewer than three vertices)."""
    out = []
    for item in items:
        zone = map_zone(item)
        if len(zone.ring) >= 3:
            out.append(zone)
    return out
