"""Cases benchmarks: smart-dispatch ranking, dispatch-screen refresh and report on a big store, Open311 intake.

* ``recommend_*``: top-3 among 5,000 officers (two thirds available) on the district street graph
  (``commandcenter.geo.streets`` over the bundled district) when it is importable, else a generated grid —
  ``street_graph`` says which. Target p99 ≤ 10 ms.
* ``sanitation_*``: the Recommender's top 3 for a 环卫 case (垃圾满溢) among 5,000 officers (a quarter of them
  sanitation workers) and 500 sanitation vehicles, workers and vehicles ranked together by travel time, each by
  its own mode, beside the same Recommender for an enforcement case (占道经营): what ranking vehicles too costs.
* ``refresh_*``: one DispatchFeed snapshot (open queue with SLA state + today's cases + unit board) after a
  dispatcher's step (a case dispatched or advanced through the case service: the refresh its announced change
  causes), ``refresh_full_*`` one that reads everything (the feed's safety refresh), and ``cases_report``, with
  1,000,000 cases in a temporary SQLite file (100,000 in quick mode), generated with ``executemany``. Target
  ≤ 100 ms each; ``incremental_matches_full`` checks that the refreshes after changes show what a full read
  shows.
* ``open311_*``: POST requests.json over loopback (keep-alive), each creating a case through the writer.

``python -m bench.bench_cases [--quick]`` prints the dict as JSON.
"""

from __future__ import annotations

import gc
import http.client
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.dispatch import (
    Dispatcher,
    OfficerInfo,
    StreetRouter,
    grid_router,
    router_for,
)
from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.open311_backend import CaseOpen311Backend
from commandcenter.cases.report import cases_report
from commandcenter.cases.service import CaseService
from commandcenter.cases.workflow import OPEN_STATUSES
from commandcenter.domain import UnitPosition
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store
from devices.open311 import Open311Server


def _pct(samples: list[float], q: float) -> float:
    return round(float(np.percentile(np.array(samples) * 1000.0, q)), 3)


# ------------------------------------------------------------------------------------------------ dispatch
def _street_network() -> tuple[StreetRouter, str, tuple[float, float, float, float]]:
    try:
        from commandcenter.geo.district import load_default_basemap
        from commandcenter.geo.streets import StreetGraph

        graph = StreetGraph.from_basemap(load_default_basemap())
        router = router_for(graph)
        assert router is not None
        bbox = (float(graph.lat.min()), float(graph.lon.min()), float(graph.lat.max()), float(graph.lon.max()))
        return router, f"district StreetGraph ({graph.node_count} nodes, {graph.edge_count} edges)", bbox
    except ImportError:
        grid = grid_router(32.0105, 118.77, 20, 25, spacing_m=100)
        return grid, "generated grid (500 nodes)", (32.0105, 118.77, 32.0105 + 0.017, 118.77 + 0.026)


def bench_recommend(queries: int) -> dict[str, Any]:
    router, name, (lat0, lon0, lat1, lon1) = _street_network()
    rng = np.random.default_rng(20261121)
    now = datetime.now(UTC)
    teams = ["执法中队", "环卫队", "市政养护队", "应急分队"]
    skills = {"执法中队": ("市容执法",), "环卫队": ("环卫保洁",), "市政养护队": ("设施维护",), "应急分队": ("应急处置",)}
    officers = []
    positions: dict[str, UnitPosition] = {}
    for i in range(5000):
        team = teams[i % 4]
        officers.append(OfficerInfo(f"o{i}", f"队员{i}", team, skills[team], f"G{i % 40:03d}",
                                    "idle" if i % 3 else "dispatched"))
        positions[f"o{i}"] = UnitPosition(f"o{i}", "officer", f"队员{i}", float(rng.uniform(lat0, lat1)),
                                          float(rng.uniform(lon0, lon1)), now - timedelta(seconds=float(rng.uniform(0, 400))))
    dispatcher = Dispatcher(lambda: positions, router)
    dispatcher.set_roster(officers, {f"o{i}": int(rng.integers(0, 3)) for i in range(5000)})
    samples: list[float] = []
    street = 0
    for q in range(queries + 20):
        lat, lon = float(rng.uniform(lat0, lat1)), float(rng.uniform(lon0, lon1))
        t0 = time.perf_counter()
        recs = dispatcher.recommend(lat, lon, skills=("市容执法",), team="执法中队", grid_code=f"G{q % 40:03d}")
        elapsed = time.perf_counter() - t0
        if q >= 20:  # warm-up: adjacency and index building of the first searches
            samples.append(elapsed)
            street += sum(1 for r in recs if r.route == "street")
    return {"street_graph": name, "officers": 5000, "available": sum(1 for o in officers if o.status == "idle"),
            "queries": queries, "recommend_p50_ms": _pct(samples, 50), "recommend_p99_ms": _pct(samples, 99),
            "recommend_max_ms": _pct(samples, 100), "street_routed_share": round(street / (3 * queries), 3),
            "target_p99_ms": 10}


# ------------------------------------------------------------------------------------------------ big store
def _ts(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text (naive UTC); isoformat, because strftime is slow with PySide6 loaded."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _fill(path: Path, n_cases: int, n_officers: int, now: datetime) -> float:
    """Generate a district's history quickly: raw executemany in one transaction on the migrated file."""
    rng = random.Random(7)
    cats = list(load_categories())
    sources = ["dispatcher", "hotline", "citizen", "patrol", "camera", "sensor", "geofence"]
    open_statuses = sorted(OPEN_STATUSES - {"suspended"})
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.executemany("INSERT INTO officers (id, badge, name, team, skills, duty_grid, device, status, status_since) "
                    "VALUES (?,?,?,?,?,?,?,?,?)",
                    [(f"o{i}", f"B{i}", f"队员{i}", "执法中队", '["市容执法"]', f"G{i % 40:03d}", "",
                      "idle" if i % 3 else "dispatched", _ts(now - timedelta(minutes=i % 90))) for i in range(n_officers)])
    span = 730 * 86400.0  # two years of history
    batch: list[tuple[Any, ...]] = []
    sql = ("INSERT INTO cases (code, source, external_id, category, category_name, description, address, lat, lon, "
           "grid_code, area_code, status, urgency, assigned_officer, reporter, created_at, registered_at, "
           "dispatched_at, arrived_at, handled_at, closed_at, deadline_at, updated_at, extra) "
           "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
    for i in range(n_cases):
        recent = i >= n_cases - 3000  # the last ones: today, mostly still open
        created = now - timedelta(seconds=rng.uniform(0, 36000 if recent else span))
        is_open = (recent and rng.random() < 0.7) or (not recent and rng.random() < 0.005)
        status = rng.choice(open_statuses) if is_open else rng.choice(("closed", "closed", "closed", "archived",
                                                                         "rejected", "merged", "transferred"))
        cat = cats[i % len(cats)]
        dispatched = created + timedelta(minutes=rng.uniform(1, 30))
        arrived = dispatched + timedelta(minutes=rng.uniform(3, 25))
        handled = arrived + timedelta(minutes=rng.uniform(5, 60))
        deadline = created + timedelta(hours=rng.uniform(-2, 6) if is_open else 8)
        source = sources[i % len(sources)]
        batch.append((
            f"AJ{created.year:04d}{created.month:02d}{created.day:02d}{i:07d}", source, f"X{i}" if source == "hotline" else None, cat.code,
            cat.name, "生成的历史案件", "", 32.01 + rng.random() * 0.02, 118.77 + rng.random() * 0.03,
            f"G{i % 40:03d}", "ZR01", status, cat.urgency, f"o{i % n_officers}" if status != "reported" else None,
            "", _ts(created), _ts(created), _ts(dispatched), _ts(arrived), _ts(handled),
            None if is_open else _ts(handled + timedelta(minutes=30)), _ts(deadline), _ts(handled),
            json.dumps({"step_hours": 2.0}),
        ))
        if len(batch) >= 50_000:
            con.executemany(sql, batch)
            batch.clear()
    con.executemany(sql, batch)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - t0


def _advance(service: CaseService, row: Any, officers: list[str], k: int) -> Any:
    """One dispatcher step on a queued case (register, dispatch, arrive, feedback, verify, close): the change a
    refresh follows."""
    if row.status in ("registered", "returned"):
        return service.dispatch(row.code, officers[k % len(officers)], "bench")
    step = {"reported": service.register, "dispatched": service.arrive, "handling": service.feedback,
            "handled": service.verify, "verifying": service.close}.get(row.status)
    return step(row.code, "bench") if step is not None else None


def _same(a: Any, b: Any) -> bool:
    """The same screen: queue rows (code, status, SLA level, remaining hours, assignee) and unit board rows."""
    def q(s: Any) -> list[tuple[Any, ...]]:
        return [(r.code, r.status, r.level, None if r.remaining_hours is None else round(r.remaining_hours, 6),
                 r.assigned) for r in s.queue]

    def u(s: Any) -> list[tuple[Any, ...]]:
        return [(r.id, r.status, r.current_case, r.name) for r in s.units]

    return q(a) == q(b) and u(a) == u(b)


def bench_store(n_cases: int, rounds: int) -> dict[str, Any]:
    """Full refreshes (everything read, what the safety refresh does) and refreshes after an announced change
    (a case dispatched or advanced by the case service between rounds, what the screen does while a dispatcher
    works). The automatic collector is off while a refresh runs and collects between rounds, as in the
    application (``MainThreadGC``: collections run on the GUI thread, never in the feed's worker)."""
    with tempfile.TemporaryDirectory(prefix="bench_cases_") as tmp:
        path = Path(tmp) / "cases.db"
        store = Store(f"sqlite:///{path}")
        store.upgrade()
        now = datetime.now(UTC)
        fill_s = _fill(path, n_cases, 1000, now)
        service = CaseService(store, load_calendar(), load_categories())
        tasks = TaskManager(name="bench")
        feed = DispatchFeed(service, tasks)
        snapshot = feed._build_snapshot([])
        t0 = time.perf_counter()
        cases_report(store)  # the one full pass (closed-case counts are then kept)
        report_cold = time.perf_counter() - t0
        refresh_full: list[float] = []
        refresh: list[float] = []
        refresh_cpu: list[float] = []
        report: list[float] = []
        officers = [f"o{i}" for i in range(1000) if i % 3]
        steps = failed = 0
        gc_was = gc.isenabled()
        gc.disable()
        try:
            for k in range(rounds):
                gc.collect()
                t0 = time.perf_counter()
                snapshot = feed._build_snapshot([])  # full: the safety refresh
                refresh_full.append(time.perf_counter() - t0)
                for j in range(3):  # three dispatcher steps, each followed by the refresh it causes
                    op = _advance(service, snapshot.queue[(7 * k + j) % len(snapshot.queue)], officers, 3 * k + j)
                    changes = []
                    if op is not None:
                        try:
                            op.result(30)
                            steps += 1
                        except Exception:  # a step the workflow refuses: nothing changed, nothing announced
                            failed += 1
                        changes = [op.changes]
                    gc.collect()
                    t0, c0 = time.perf_counter(), time.thread_time()
                    snapshot = feed._build_snapshot([], changes)
                    refresh.append(time.perf_counter() - t0)
                    refresh_cpu.append(time.thread_time() - c0)
                t0 = time.perf_counter()
                summary = cases_report(store)
                report.append(time.perf_counter() - t0)
        finally:
            if gc_was:
                gc.enable()
        time.sleep(1.0)  # the countdowns move: the incremental SLA must still agree with a full read
        incremental = feed._build_snapshot([], [])
        matches = _same(incremental, feed._build_snapshot([]))
        rows_read = feed._cache.rows_read
        feed.stop()
        tasks.stop()
        store.close()
    return {"cases": n_cases, "generate_s": round(fill_s, 2), "queue_rows": len(snapshot.queue),
            "units_on_board": len(snapshot.units), "open_cases": summary["open"], "overdue": summary["overdue"],
            "refresh_p50_ms": _pct(refresh, 50), "refresh_max_ms": _pct(refresh, 100),
            "refresh_cpu_p50_ms": _pct(refresh_cpu, 50), "refresh_cpu_max_ms": _pct(refresh_cpu, 100),
            "refresh_full_p50_ms": _pct(refresh_full, 50), "refresh_full_max_ms": _pct(refresh_full, 100),
            "dispatcher_steps": steps, "dispatcher_steps_refused": failed, "case_rows_read": rows_read,
            "incremental_matches_full": matches,
            "report_p50_ms": _pct(report, 50), "report_max_ms": _pct(report, 100),
            "report_first_call_ms": round(report_cold * 1000, 1), "target_ms": 100,
            "loadavg": open("/proc/loadavg", encoding="ascii").read().split()[:3]}


# ------------------------------------------------------------------------------------------------ Open311
def bench_open311(posts: int, clients: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench_open311_") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'o311.db'}")
        store.upgrade()
        service = CaseService(store, load_calendar(), load_categories())
        server = Open311Server(CaseOpen311Backend(service), "127.0.0.1", 0, api_keys=["bench"])
        stop = threading.Event()
        thread = threading.Thread(target=server.serve, args=(lambda _e: None, stop), daemon=True)
        thread.start()
        server.ready.wait(5)
        port = server.bound_port
        latencies: list[float] = []
        lock = threading.Lock()
        errors = 0

        def client(count: int, seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine: list[float] = []
            bad = 0
            for _ in range(count):
                body = urllib.parse.urlencode({
                    "api_key": "bench", "service_code": "SJ0101", "lat": 32.01 + rng.random() * 0.02,
                    "long": 118.77 + rng.random() * 0.03, "description": "垃圾", "media_url": "https://x.cn/p.jpg"})
                t0 = time.perf_counter()
                conn.request("POST", "/open311/v2/requests.json", body,
                             {"Content-Type": "application/x-www-form-urlencoded"})
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - t0)
                bad += response.status != 201
            conn.close()
            with lock:
                latencies.extend(mine)
                errors += bad

        t0 = time.perf_counter()
        workers = [threading.Thread(target=client, args=(posts // clients, i)) for i in range(clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.perf_counter() - t0
        stop.set()
        thread.join(5)
        store.close()
    return {"posts": len(latencies), "clients": clients, "errors": errors,
            "open311_posts_per_s": round(len(latencies) / wall, 1), "open311_p50_ms": _pct(latencies, 50),
            "open311_p99_ms": _pct(latencies, 99)}


def bench_recommend_sanitation(queries: int) -> dict[str, Any]:
    from commandcenter.cases.core import CaseCore
    from commandcenter.cases.recommend import Recommender
    from commandcenter.geo.district import load_default_basemap
    from commandcenter.geo.streets import StreetGraph
    from commandcenter.store.models import Officer, Vehicle

    graph = StreetGraph.from_basemap(load_default_basemap())
    lat0, lon0, lat1, lon1 = float(graph.lat.min()), float(graph.lon.min()), float(graph.lat.max()), float(graph.lon.max())
    rng = np.random.default_rng(20261202)
    now = datetime.now(UTC)
    teams = ["执法中队", "环卫一队", "市政养护队", "应急分队"]
    positions: dict[str, UnitPosition] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.upgrade()

        def seed(s: Any) -> None:
            for i in range(5000):
                s.add(Officer(id=f"o{i}", badge=f"B{i}", name=f"队员{i}", team=teams[i % 4], skills=[],
                              duty_grid="", status="idle" if i % 3 else "dispatched"))
            for i in range(500):
                s.add(Vehicle(id=f"v{i}", plate=f"苏A·H{i:04d}", kind="环卫车", team="",
                              status="idle" if i % 3 else "dispatched"))

        store.write(seed)
        for uid, kind in [*((f"o{i}", "officer") for i in range(5000)), *((f"v{i}", "vehicle") for i in range(500))]:
            positions[uid] = UnitPosition(uid, kind, uid, float(rng.uniform(lat0, lat1)), float(rng.uniform(lon0, lon1)),
                                          now - timedelta(seconds=float(rng.uniform(0, 400))))
        core = CaseCore(store, load_calendar(), load_categories())
        recommender = Recommender(core, lambda: positions, streets=graph, roster_max_age_s=1e9)
        recommender.refresh_roster()
        out: dict[str, Any] = {"officers": 5000, "vehicles": 500, "queries": queries}
        for label, category in (("sanitation", "BJ0303"), ("enforcement", "SJ0401")):
            samples: list[float] = []
            vehicles_first = 0
            for q in range(queries + 20):
                lat, lon = float(rng.uniform(lat0, lat1)), float(rng.uniform(lon0, lon1))
                case = _bench_case(category, lat, lon, now)
                t0 = time.perf_counter()
                recs = recommender.for_case(case, 3)
                elapsed = time.perf_counter() - t0
                if q >= 20:
                    samples.append(elapsed)
                    vehicles_first += bool(recs) and recs[0].kind == "vehicle"
            out |= {f"{label}_p50_ms": _pct(samples, 50), f"{label}_p99_ms": _pct(samples, 99),
                    f"{label}_top_is_vehicle_share": round(vehicles_first / queries, 3)}
        store.close()
    return out


def _bench_case(category: str, lat: float, lon: float, now: datetime) -> Any:
    from commandcenter.cases.model import CaseView

    return CaseView(id=0, code="AJ0", source="sensor", external_id=None, category=category, category_name="",
                    description="", address="", lat=lat, lon=lon, grid_code="", area_code="", status="registered",
                    urgency=2, assigned_officer=None, reporter="", created_at=now, registered_at=now,
                    dispatched_at=None, arrived_at=None, handled_at=None, closed_at=None, deadline_at=None,
                    updated_at=now)


def run(quick: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    result = {
        "recommend": bench_recommend(200 if quick else 2000),
        "recommend_sanitation": bench_recommend_sanitation(200 if quick else 1000),
        "store": bench_store(100_000 if quick else 1_000_000, 5 if quick else 20),
        "open311": bench_open311(200 if quick else 2000, 4),
    }
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    return result


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), ensure_ascii=False, indent=2))
    sys.stdout.flush()
    statistics.median([0.0])
