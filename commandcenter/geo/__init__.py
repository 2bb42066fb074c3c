"""Geographic core of the command center: datums, basemap layers, street routing, unit grids, the demo district.

Qt-free on purpose (numpy only) so that the simulator, the dispatcher, the CLI and tests can use it headless.
Every coordinate crossing this package's API is WGS-84 ``(lat, lon)``; GCJ-02/BD-09 exist only at the edges
(:func:`to_wgs84` on import, :func:`from_wgs84` on export).

The district helpers (``load_default_basemap``, ``default_zones``, ``default_unit_grid``) are resolved lazily so
that ``python -m commandcenter.geo.district`` does not import its own module twice.
"""

from typing import Any

from commandcenter.geo.basemap import (
    LAYERS,
    OSM_ATTRIBUTION,
    Basemap,
    BasemapError,
    MapFeature,
    import_geojson,
    import_osm_xml,
    load_geojson,
    save_geojson,
)
from commandcenter.geo.coords import (
    LocalProjection,
    bearing_deg,
    from_wgs84,
    haversine_m,
    haversine_m_array,
    latlon_to_tile,
    tile_bounds,
    to_wgs84,
)
from commandcenter.geo.streets import MODES, StreetGraph
from commandcenter.geo.zones import (
    ZONE_KINDS,
    GridIndex,
    UnitCell,
    Zone,
    ZoneIndex,
    make_unit_grid,
    point_in_polygon,
    points_in_polygon,
)

__all__ = [
    "LAYERS",
    "MODES",
    "OSM_ATTRIBUTION",
    "ZONE_KINDS",
    "Basemap",
    "BasemapError",
    "GridIndex",
    "LocalProjection",
    "MapFeature",
    "StreetGraph",
    "UnitCell",
    "Zone",
    "ZoneIndex",
    "bearing_deg",
    "default_unit_grid",
    "default_zones",
    "from_wgs84",
    "haversine_m",
    "haversine_m_array",
    "import_geojson",
    "import_osm_xml",
    "latlon_to_tile",
    "load_default_basemap",
    "load_geojson",
    "make_unit_grid",
    "point_in_polygon",
    "points_in_polygon",
    "save_geojson",
    "tile_bounds",
    "to_wgs84",
]

_LAZY_DISTRICT = ("default_unit_grid", "default_zones", "load_default_basemap")


def __getattr__(name: str) -> Any:
    if name in _LAZY_DISTRICT:
        from commandcenter.geo import district

        return getattr(district, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
