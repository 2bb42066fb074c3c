"""The demo's simulated city runs in a process of its own, reports over the real sockets and ends with the demo."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from commandcenter.demo.city import CitySimulator
from commandcenter.demo.city_process import CityProcess
from commandcenter.geo.district import load_default_basemap
from devices.base import PositionFix
from devices.jt808 import Jt808Server
from devices.osmand import OsmAndServer
from tests.devices.adapter_support import RunningAdapter, wait_until

ROOT = Path(__file__).resolve().parent.parent


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # exited (a zombie waits only for its new parent to reap it)


def test_the_city_in_its_own_process_reports_over_real_sockets_and_stops() -> None:
    reports: list[dict[str, object]] = []
    city = CityProcess(officers=20, vehicles=4, seed=11, reports_per_hour=3600 * 20, speedup=1.0)
    city.case_sink = reports.append
    jt = osm = None
    try:
        assert city.populated.wait(60) and city.population is not None, city.failed
        population = city.population
        assert city.pid != os.getpid()
        # The configured city: the same people as the simulator built in this process with the same seed.
        here = CitySimulator(load_default_basemap(), officers=20, vehicles=4, seed=11)
        assert [u.name for u in population.units] == [u.name for u in here.unit_infos()]
        assert set(population.vehicle_routes) == {u.id for u in population.units if u.kind == "vehicle"}
        terminals = {u.device_keys[0] for u in population.units if u.kind == "vehicle"}
        jt = RunningAdapter(Jt808Server("jt808", "127.0.0.1", 0, known_terminals=terminals), listener=True)
        osm = RunningAdapter(OsmAndServer("osmand", "127.0.0.1", 0, shared_secret="demo-key"), listener=True)
        assert jt.server.ready.wait(5) and osm.server.ready.wait(5)
        city.start(("127.0.0.1", jt.server.bound_port), ("127.0.0.1", osm.server.bound_port), osmand_key="demo-key")

        def everyone_reported() -> list[PositionFix]:
            fixes = jt.of(PositionFix) + osm.of(PositionFix)  # type: ignore[union-attr]
            return fixes if len({f.device_key for f in fixes}) >= 24 else []

        fixes = wait_until(everyone_reported, timeout=30)
        assert {f.source for f in fixes} == {"jt808", "osmand"}
        assert osm.server.unauthorized == 0
        wait_until(lambda: len(reports) >= 5, timeout=15)  # citizen reports come back for the intake
        assert all(r["category"] and r["description"] for r in reports)
    finally:
        city.stop()
        for adapter in (jt, osm):
            if adapter is not None:
                adapter.finish()
    assert _gone(city.pid), "the city process still runs after stop()"
    assert city.failed == ""


def test_the_city_process_ends_when_the_demo_is_killed() -> None:
    """kill -9 of the command center leaves no simulated city behind (its stdin closes, it stops)."""
    script = ("import sys, time\n"
              "from commandcenter.demo.city_process import CityProcess\n"
              "city = CityProcess(officers=5, vehicles=1, seed=3, reports_per_hour=0, speedup=1.0)\n"
              "print(city.pid, flush=True)\n"
              "city.populated.wait(60)\n"
              "print('populated', flush=True)\n"
              "time.sleep(600)\n")
    demo = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert demo.stdout is not None
        child = int(demo.stdout.readline())
        assert demo.stdout.readline().strip() == "populated"
        assert not _gone(child)
        demo.kill()
        demo.wait(10)
        deadline = time.monotonic() + 15
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(child), "the simulated city outlived the demo"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(10)
