"""Shared fixtures for the geo tests: the bundled district and the real OSM extract (read in place)."""

from __future__ import annotations

from pathlib import Path

import pytest

from commandcenter.geo.basemap import Basemap, import_osm_xml
from commandcenter.geo.district import load_default_basemap
from commandcenter.geo.streets import StreetGraph

OSM_EXTRACT = Path(__file__).resolve().parents[3] / "shared" / "data" / "nanjing-xinjiekou.osm"


@pytest.fixture(scope="session")
def district() -> Basemap:
    return load_default_basemap()


@pytest.fixture(scope="session")
def district_graph(district: Basemap) -> StreetGraph:
    return StreetGraph.from_basemap(district)


@pytest.fixture(scope="session")
def osm_path() -> Path:
    if not OSM_EXTRACT.is_file():
        pytest.skip(f"OSM test extract not available at {OSM_EXTRACT}")
    return OSM_EXTRACT


@pytest.fixture(scope="session")
def xinjiekou(osm_path: Path) -> Basemap:
    return import_osm_xml(osm_path)
