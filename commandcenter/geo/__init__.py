"""Geographic core of the command center: datums, basemap layers, street routing, unit grids, the demo district.

Qt-free on purpose (numpy only) so that the simulator, the dispatcher, the CLI and tests can use it headless.
Every coordinate crossing this package's API is WGS-84 ``(lat, lon)``; GCJ-02/BD-09 exist only at the edges
(:func:`to_wgs84` on import, :func:`from_wgs84` on export).
"""

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

__all__ = [
    "LAYERS",
    "MODES",
    "OSM_ATTRIBUTION",
    "Basemap",
    "BasemapError",
    "LocalProjection",
    "MapFeature",
    "StreetGraph",
    "bearing_deg",
    "from_wgs84",
    "haversine_m",
    "haversine_m_array",
    "import_geojson",
    "import_osm_xml",
    "latlon_to_tile",
    "load_geojson",
    "save_geojson",
    "tile_bounds",
    "to_wgs84",
]
