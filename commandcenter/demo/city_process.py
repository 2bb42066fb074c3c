"""The simulated city in a process of its own, the way real devices are outside the command center.

The simulated officers' phones and vehicles' terminals are the outside world: they reach the command center
only over sockets (OsmAnd HTTP, JT/T 808 TCP), exactly like real ones. Run inside the command center, their
movement and their sixteen sending threads competed with the GUI thread for the interpreter lock, and the
dispatcher's map stuttered under a large demo city. In their own process they cost the command center nothing
but the sockets.

    command center (parent)                         city process (``python -m commandcenter.demo.city_process``)
      CityProcess(...)  ── spawn with the city's parameters ──▶  builds the population (routes on the streets)
      on_population(CityPopulation)  ◀── one JSON line ────────  who is who, vehicle routes, posts' places
      start(jt808, osmand, key)  ── one JSON line on stdin ──▶  units report over the real sockets
      case_sink(report)  ◀── one JSON line per report ─────────  citizen / hotline / patrol / camera reports
      stop()  ── stdin closed ─────────────────────────────▶  stops and exits (also when the parent dies)

Case reports come back to the parent because they go through the command center's intake (Open311 over HTTP,
the hotline and camera channels in process), which the parent owns.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from commandcenter.demo.niceness import await_exit, niced
from commandcenter.runtime.units import UnitInfo

if TYPE_CHECKING:
    from commandcenter.demo.city import CitySimulator

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]  # the checkout holding commandcenter/ and devices/


@dataclass
class CityPopulation:
    """What the command center must know of the simulated city before its devices report."""

    units: list[UnitInfo]
    officer_rows: list[dict[str, object]]
    vehicle_rows: list[dict[str, object]]
    vehicle_routes: dict[str, list[tuple[float, float]]]
    homes: dict[str, tuple[float, float]]  # officer id → where his post is (a street node)
    street_points: list[tuple[float, float]]  # every third street node: where seeded cases happen
    posts: dict[str, str] = field(default_factory=dict)  # officer id → 责任区 code (filled by the command center)

    def to_json(self) -> dict[str, object]:
        return {"units": [[u.id, u.kind, u.name, u.sub_kind, u.status, list(u.device_keys)] for u in self.units],
                "officer_rows": self.officer_rows, "vehicle_rows": self.vehicle_rows,
                "vehicle_routes": self.vehicle_routes, "homes": self.homes, "street_points": self.street_points}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CityPopulation:
        """The population from its JSON line (a malformed one raises ValueError/KeyError/TypeError)."""
        units = [UnitInfo(id=str(u[0]), kind=str(u[1]), name=str(u[2]), sub_kind=str(u[3]), status=str(u[4]),
                          device_keys=tuple(str(k) for k in u[5])) for u in data["units"]]
        routes = {str(k): [(float(p[0]), float(p[1])) for p in v] for k, v in data["vehicle_routes"].items()}
        homes = {str(k): (float(v[0]), float(v[1])) for k, v in data["homes"].items()}
        points = [(float(p[0]), float(p[1])) for p in data["street_points"]]
        return cls(units=units, officer_rows=[dict(r) for r in data["officer_rows"]],
                   vehicle_rows=[dict(r) for r in data["vehicle_rows"]], vehicle_routes=routes,
                   homes=homes, street_points=points)

    @classmethod
    def of(cls, sim: CitySimulator) -> CityPopulation:
        officers = [m for m in sim.movers if m.info.kind == "officer"]
        return cls(units=sim.unit_infos(), officer_rows=sim.officer_rows(), vehicle_rows=sim.vehicle_rows(),
                   vehicle_routes=dict(sim.vehicle_routes),
                   homes={m.info.id: sim.graph.node_latlon(m.home_node) for m in officers},
                   street_points=[sim.graph.node_latlon(n) for n in range(0, sim.graph.node_count, 3)])


class CityProcess:
    """The parent's handle on the city process: spawned at once, so the city builds while the command center does.

    The handler of :meth:`when_populated` and ``case_sink`` are called on this handle's reader thread (never the
    GUI thread)."""

    def __init__(self, *, officers: int, vehicles: int, seed: int, reports_per_hour: float, speedup: float,
                 basemap_file: str = "", niceness: int = 0) -> None:
        self._on_population: Callable[[CityPopulation], None] | None = None
        self._lock = threading.Lock()
        self._stdin_lock = threading.Lock()  # start() and stop() come from different threads
        self.case_sink: Callable[[dict[str, object]], None] | None = None
        self.population: CityPopulation | None = None
        self.populated = threading.Event()
        self.failed = ""  # why the city process ended early ("" while it runs or after a clean stop)
        self._stopping = False
        params = {"officers": officers, "vehicles": vehicles, "seed": seed, "reports_per_hour": reports_per_hour,
                  "speedup": speedup, "basemap_file": basemap_file}
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
        self._process = subprocess.Popen(
            niced([sys.executable, "-m", "commandcenter.demo.city_process", json.dumps(params)], niceness),
            cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
        self._reader = threading.Thread(target=self._read, name="city-process-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def when_populated(self, handler: Callable[[CityPopulation], None]) -> None:
        """Call ``handler(population)`` once the city says who is in it (at once if it already did)."""
        with self._lock:
            self._on_population = handler
            population = self.population
        if population is not None:
            handler(population)

    def start(self, jt808: tuple[str, int] | None, osmand: tuple[str, int] | None, *, osmand_key: str = "") -> None:
        """Let the simulated devices connect and report (``osmand_key``: the phones' key, when one is required).
        Nothing happens once the city is stopping (the demo closed before its devices were told where to go)."""
        if self._stopping:
            return
        self._send({"start": {"jt808": list(jt808) if jt808 else None, "osmand": list(osmand) if osmand else None,
                              "osmand_key": osmand_key}})

    def stop(self) -> None:
        """End the city: its stdin closes, it stops its devices and exits (killed if it does not within 5 s)."""
        with self._stdin_lock:
            self._stopping = True
            stdin = self._process.stdin
            if stdin is not None:
                try:
                    stdin.close()
                except OSError:
                    pass
        await_exit(self._process, "city process")
        self._reader.join(5.0)

    def _send(self, message: dict[str, object]) -> None:
        stdin = self._process.stdin
        try:
            with self._stdin_lock:
                if stdin is None or self._stopping:
                    return
                stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
                stdin.flush()
        except (OSError, ValueError) as exc:  # it ended (stopped meanwhile, or failed: ``failed`` says why)
            if not self._stopping:
                log.warning("city process %d: could not send %s: %s", self._process.pid, list(message), exc)

    def _read(self) -> None:
        stdout = self._process.stdout
        if stdout is None:
            return
        for line in stdout:
            try:
                message = json.loads(line)
                if "population" in message:
                    population = CityPopulation.from_json(message["population"])
                    with self._lock:
                        self.population = population
                        handler = self._on_population
                    if handler is not None:
                        handler(population)
                    self.populated.set()
                elif "report" in message and self.case_sink is not None:
                    self.case_sink(message["report"])
            except Exception:  # a report the intake refused, a garbled line: the city goes on
                log.exception("city process: message not handled: %.200s", line)
        code = self._process.wait()
        if not self._stopping:
            self.failed = f"the city process exited with code {code}"
            log.warning("%s", self.failed)
        self.populated.set()  # nobody waits for a population that will never come


# ---------------------------------------------------------------------------------------------------- the child
def main(argv: list[str]) -> int:
    """The city process: build the city, say who is in it, report once told where, stop at end of stdin."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="city: %(levelname)s %(message)s")
    params = json.loads(argv[0])
    from commandcenter.demo.city import CitySimulator
    from commandcenter.geo.basemap import import_geojson, import_osm_xml
    from commandcenter.geo.district import load_default_basemap

    path = str(params.get("basemap_file") or "")
    if not path:
        basemap = load_default_basemap()
    elif path.lower().endswith((".osm", ".xml")):
        basemap = import_osm_xml(Path(path))
    else:
        basemap = import_geojson(Path(path))
    sim = CitySimulator(basemap, officers=int(params["officers"]), vehicles=int(params["vehicles"]),
                        seed=int(params["seed"]), reports_per_hour=float(params["reports_per_hour"]),
                        speedup=float(params["speedup"]))
    out = sys.stdout
    lock = threading.Lock()

    def emit(message: dict[str, object]) -> None:
        with lock:
            out.write(json.dumps(message, ensure_ascii=False) + "\n")
            out.flush()

    emit({"population": CityPopulation.of(sim).to_json()})
    sim.case_sink = lambda report: emit({"report": report})
    try:
        _serve(sim, sys.stdin)
    finally:
        sim.stop()
    return 0


def _serve(sim: CitySimulator, commands: IO[str]) -> None:
    for line in commands:
        message = json.loads(line)
        start = message.get("start")
        if isinstance(start, dict):
            jt, osm = start.get("jt808"), start.get("osmand")
            sim.start((str(jt[0]), int(jt[1])) if jt else None, (str(osm[0]), int(osm[1])) if osm else None,
                      osmand_key=str(start.get("osmand_key") or ""))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
