"""The simulated city: a believable population moving on real streets, reporting through the real protocols."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from commandcenter.demo.city import CitySimulator
from commandcenter.geo.coords import haversine_m
from commandcenter.geo.district import load_default_basemap
from devices.base import PositionFix
from devices.jt808 import Jt808Server
from devices.osmand import OsmAndServer
from tests.devices.adapter_support import RunningAdapter, wait_until

OSM_EXTRACT = Path(__file__).resolve().parents[2] / "shared" / "data" / "nanjing-xinjiekou.osm"


def _on_street_m(sim: CitySimulator, lat: float, lon: float) -> float:
    node = sim.graph.nearest_node(lat, lon)
    nlat, nlon = sim.graph.node_latlon(node)
    return haversine_m(lat, lon, nlat, nlon)


def test_population_at_scale_and_on_streets() -> None:
    sim = CitySimulator(load_default_basemap(), officers=250, vehicles=60, seed=7)
    infos = sim.unit_infos()
    assert sum(u.kind == "officer" for u in infos) == 250
    assert sum(u.kind == "vehicle" for u in infos) == 60
    assert len({u.id for u in infos}) == 310
    names = [u.name for u in infos if u.kind == "officer"]
    assert all(2 <= len(n) <= 3 for n in names), "Chinese personal names"
    for m in sim.movers:
        m.advance(30.0)
    # Street graph nodes are densified every ≤ 50 m, so a unit on a street is never far from a node.
    distances = [_on_street_m(sim, m.lat, m.lon) for m in sim.movers]
    assert max(distances) < 60
    assert len({(round(m.lat, 5), round(m.lon, 5)) for m in sim.movers}) > 250, "units spread over the district"


def test_same_seed_same_city() -> None:
    a = CitySimulator(load_default_basemap(), officers=20, vehicles=5, seed=3)
    b = CitySimulator(load_default_basemap(), officers=20, vehicles=5, seed=3)
    assert [u.name for u in a.unit_infos()] == [u.name for u in b.unit_infos()]


def test_units_report_over_real_jt808_and_osmand_sockets() -> None:
    sim = CitySimulator(load_default_basemap(), officers=30, vehicles=5, seed=11, officer_report_s=0.5,
                        vehicle_report_s=0.5)
    jt = RunningAdapter(Jt808Server("jt808", "127.0.0.1", 0, known_terminals=sim.vehicle_terminals()), listener=True)
    # the demo config may require a key from phones: the simulated ones send it
    osm = RunningAdapter(OsmAndServer("osmand", "127.0.0.1", 0, shared_secret="demo-key"), listener=True)
    assert jt.server.ready.wait(5) and osm.server.ready.wait(5)
    sim.start(("127.0.0.1", jt.server.bound_port), ("127.0.0.1", osm.server.bound_port), osmand_key="demo-key")
    try:
        def all_units_reported() -> list[PositionFix]:
            fixes = jt.of(PositionFix) + osm.of(PositionFix)
            return fixes if len({f.device_key for f in fixes}) >= 35 else []

        fixes = wait_until(all_units_reported, timeout=15)
    finally:
        sim.stop()
        jt.finish()
        osm.finish()
    assert {f.source for f in fixes} == {"jt808", "osmand"}
    assert sim.report_errors == 0, sim.last_error
    assert osm.server.unauthorized == 0


def test_citizen_reports_arrive_as_a_poisson_stream() -> None:
    sim = CitySimulator(load_default_basemap(), officers=5, vehicles=1, seed=5, reports_per_hour=3600 * 20)
    got: list[dict[str, object]] = []
    sim.case_sink = got.append
    sim.start(None, None)
    try:
        deadline = time.monotonic() + 10
        while len(got) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sim.stop()
    assert len(got) >= 30
    bm = load_default_basemap()
    south, west, north, east = bm.bbox
    for report in got:
        assert south <= report["lat"] <= north and west <= report["lon"] <= east  # type: ignore[operator]
        assert report["category"] and report["description"]
    assert len({r["category"] for r in got}) > 3


@pytest.mark.skipif(not OSM_EXTRACT.exists(), reason="the shared OSM extract is not beside the checkout")
def test_basemap_import_makes_a_real_city_the_simulation_ground(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cli import main
    from commandcenter.runtime.compose import imported_basemap_path, load_basemap

    monkeypatch.setenv("CC_DATA_DIR", str(tmp_path))
    assert main(["basemap", "import", str(OSM_EXTRACT)]) == 0
    out = capsys.readouterr().out
    assert "OpenStreetMap" in out
    assert imported_basemap_path().exists()
    bm = load_basemap(None)
    assert "中山路" in bm.named_roads() and "OpenStreetMap" in (bm.attribution or "")
    sim = CitySimulator(bm, officers=50, vehicles=5, seed=1)
    lats = np.array([m.lat for m in sim.movers])
    lons = np.array([m.lon for m in sim.movers])
    # The extract's bbox is 118.7640–118.7966 E, 32.0352–32.0524 N; ways crossing its edge run a little beyond.
    margin = 0.004
    assert (lats > 32.0352 - margin).all() and (lats < 32.0524 + margin).all()
    assert (lons > 118.7640 - margin).all() and (lons < 118.7966 + margin).all()
    assert main(["basemap", "reset"]) == 0
    assert not imported_basemap_path().exists()
    assert os.environ["CC_DATA_DIR"] == str(tmp_path)


def test_basemap_import_rejects_a_bad_file(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cli import main

    monkeypatch.setenv("CC_DATA_DIR", str(tmp_path))
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    assert main(["basemap", "import", str(bad)]) == 1
    assert "broken.osm" in capsys.readouterr().err
    assert not (tmp_path / "basemap.geojson").exists()
