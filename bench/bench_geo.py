"""Geometry kernel benchmarks (what the geo tests used to assert with a stopwatch; speed belongs here).

* ``cell_lookup_per_s``: scalar ``UnitGrid.cell_at`` look-ups per second over the district's 250 m grid
  (the geofence and the case intake call it per position) — budget ≥ 10,000/s;
* ``district_load_and_graph_s``: loading the bundled district and building its street graph (start-up of the
  map and of smart dispatch) — budget ≤ 1 s;
* ``dispatch_5000_ms``: snapping 5,000 officers to the street graph plus one many-to-one travel-time search
  from a case (the ranking behind a dispatch recommendation) — budget ≤ 1 s;
* ``osm_import_s``: importing the real 新街口 OSM extract (1.5 MB) when it is present — budget ≤ 3 s.

Medians of a few runs. ``python -m bench.bench_geo [--quick]`` prints the JSON.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

# Where the shared test data lives beside a checkout (the geo tests read the extract from the same place).
_OSM_CANDIDATES = [Path(__file__).resolve().parents[n] / "shared" / "data" / "nanjing-xinjiekou.osm" for n in (1, 2, 3)]
BBOX = (32.0105, 118.7700, 32.0284, 118.7965)


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def bench_cell_lookup(runs: int) -> dict[str, Any]:
    from commandcenter.geo.zones import make_unit_grid

    grid = make_unit_grid(BBOX, 250.0)
    rng = np.random.default_rng(2)
    lats, lons = rng.uniform(32.005, 32.03, 10_000).tolist(), rng.uniform(118.765, 118.80, 10_000).tolist()
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for a, b in zip(lats, lons, strict=True):
            grid.cell_at(a, b)
        rates.append(len(lats) / (time.perf_counter() - t0))
    return {"cell_lookup_per_s": round(_median(rates)), "cell_lookup_budget_per_s": 10_000}


def bench_streets(runs: int) -> dict[str, Any]:
    from commandcenter.geo.district import load_default_basemap
    from commandcenter.geo.streets import StreetGraph

    build: list[float] = []
    dispatch: list[float] = []
    for run in range(runs):
        t0 = time.perf_counter()
        graph = StreetGraph.from_basemap(load_default_basemap())
        build.append(time.perf_counter() - t0)
        rng = np.random.default_rng(5 + run)
        lats = rng.uniform(graph.lat.min(), graph.lat.max(), 5000)
        lons = rng.uniform(graph.lon.min(), graph.lon.max(), 5000)
        t1 = time.perf_counter()
        officer_nodes = graph.nearest_nodes(lats, lons, mode="ebike")
        case = graph.nearest_node(32.0205, 118.784, mode="ebike")
        times = graph.many_to_one_times(case, max_seconds=900, mode="ebike")
        ranked = np.argsort(times[officer_nodes])
        dispatch.append(time.perf_counter() - t1)
        if not np.isfinite(times[officer_nodes[ranked[0]]]):
            raise RuntimeError("no officer reaches the case within 15 minutes on the district's streets")
    return {"district_load_and_graph_s": round(_median(build), 3), "district_graph_budget_s": 1.0,
            "dispatch_5000_ms": round(_median(dispatch) * 1000, 1), "dispatch_5000_budget_ms": 1000}


def bench_osm_import(runs: int) -> dict[str, Any]:
    from commandcenter.geo.basemap import import_osm_xml

    path = next((p for p in _OSM_CANDIDATES if p.is_file()), None)
    if path is None:
        return {"osm_import_s": None, "osm_import_skipped": "OSM extract not found in " +
                ", ".join(str(p) for p in _OSM_CANDIDATES)}
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        import_osm_xml(path)
        samples.append(time.perf_counter() - t0)
    return {"osm_import_s": round(_median(samples), 3), "osm_import_budget_s": 3.0}


def run(quick: bool = False) -> dict[str, Any]:
    runs = 3 if quick else 7
    result: dict[str, Any] = {}
    result.update(bench_cell_lookup(runs))
    result.update(bench_streets(2 if quick else 5))
    result.update(bench_osm_import(1 if quick else 3))
    return result


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2, ensure_ascii=False))
