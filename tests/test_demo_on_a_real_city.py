"""``commandcenter demo --basemap nanjing-xinjiekou.osm``: everything stands on the city the basemap shows.

The extract's district-border relations reach kilometres east of its streets; the 责任区 grid, the cameras and the
drone pads once followed them onto empty land, and the drones never left the ground (no management zones to
patrol in OSM data). Now they are laid out over the streets, and the drones take off and patrol a 责任区.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commandcenter.config import Config
from commandcenter.geo.coords import haversine_m

# ../shared/data next to the checkout (a worktree sits one folder deeper than the main checkout)
OSM_EXTRACT = next((p / "shared" / "data" / "nanjing-xinjiekou.osm" for p in Path(__file__).resolve().parents[2:4]
                    if (p / "shared" / "data" / "nanjing-xinjiekou.osm").exists()),
                   Path(__file__).resolve().parents[2] / "shared" / "data" / "nanjing-xinjiekou.osm")
# The extract's query box (shared/data/README.md), with 150 m of slack for ways that cross it.
SOUTH, WEST, NORTH, EAST = 32.0352 - 0.0014, 118.7640 - 0.0016, 32.0524 + 0.0014, 118.7966 + 0.0016


def _inside(lat: float, lon: float) -> bool:
    return SOUTH <= lat <= NORTH and WEST <= lon <= EAST


def test_demo_places_grid_cameras_and_drones_on_the_city_and_the_drones_fly(qtbot: Any, tmp_path: Path) -> None:
    if not OSM_EXTRACT.exists():
        pytest.fail(f"{OSM_EXTRACT} is missing: the shared test data belongs next to the project")
    from commandcenter.demo.session import build_demo

    config = Config()
    config.database.url = f"sqlite:///{tmp_path / 'demo.db'}"
    config.simulator.units, config.simulator.vehicles = 20, 4
    config.simulator.cameras, config.simulator.drones = 9, 2
    services = build_demo(config, basemap_path=str(OSM_EXTRACT), layout="1x1")
    try:
        services.start()
        areas = list(services.grid.areas)
        assert areas
        for area in areas:
            s, w, n, e = area.bounds
            assert _inside((s + n) / 2, (w + e) / 2), f"{area.name} lies off the city: {area.bounds}"
        road_points = [p for road in services.basemap.roads for p in road.coords]
        cameras = [c for c in services.config.cameras if c.lat is not None and c.lon is not None]
        assert len(cameras) == 9
        for camera in cameras:
            assert camera.lat is not None and camera.lon is not None
            assert _inside(camera.lat, camera.lon), f"{camera.name} at {camera.lat}, {camera.lon}"
            nearest = min(haversine_m(camera.lat, camera.lon, lat, lon) for lat, lon in road_points)
            assert nearest < 1.0, f"{camera.name} stands {nearest:.0f} m off the streets"
        assert len({c.name for c in cameras}) == 9 and all(c.name.endswith("监控") for c in cameras)
        fleet = services.fleet
        ids = [d.id for d in services.config.drones]
        assert len(ids) == 2

        def flying() -> bool:
            states = [fleet.state(i) for i in ids]
            return all(s is not None and s.mode == "AUTO" and (s.alt_rel or 0.0) > 30.0 for s in states)

        qtbot.waitUntil(flying, timeout=120_000)
        for drone_id in ids:
            state = fleet.state(drone_id)
            assert state is not None and state.lat is not None and state.lon is not None
            assert _inside(state.lat, state.lon), f"{drone_id} flies off the city"
    finally:
        services.stop()


def test_the_whole_district_view_shows_the_city_not_its_border_relations() -> None:
    from commandcenter.runtime.compose import load_basemap_checked
    from widgets.map.screen import city_bbox

    basemap, _warning = load_basemap_checked(str(OSM_EXTRACT))
    south, west, north, east = city_bbox(basemap)
    assert _inside(south, west) and _inside(north, east), (south, west, north, east)
    assert basemap.bbox[3] > EAST + 0.05, "the file itself reaches far east (the 玄武区 border)"
