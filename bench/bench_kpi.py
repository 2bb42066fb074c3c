"""KPI benchmark: the whole briefing's figures for a month over a big database, and the monthly Excel and PDF.

Seeds a year of history ending now — ``--cases`` cases (default 1,000,000) with their workflow events (7 per
case, plus 返工 and 缓办/恢复 on a few percent) and ``--fixes`` position fixes (default 20,000,000; the figures do
not read them, but they are most of a real database's pages and indexes) — into a temporary SQLite file or the
PostgreSQL database given by ``--db`` (which must be empty: tables are created with ``upgrade``).

Timed, on the last complete month:

* ``briefing_month_*``: :func:`commandcenter.kpi.figures.compute_breakdowns` — totals, every breakdown (team,
  grid, area, category, source, officer) and the previous month, i.e. every figure the briefing shows (goal
  ≤ 1 s), with the ended-period cache dropped before each call: first call and median of ``--rounds``;
* ``briefing_refresh_median_s``: the same for the running month, as the briefing refreshes it (the previous
  month then comes from the cache); ``totals_refresh_median_s``: its totals only;
* ``drill_down_s``: :func:`cases_behind` of the missed 按期结案 cases;
* ``xlsx_s``, ``pdf_s``: writing the monthly report with every breakdown; ``assessment_s``: the 考核.

``python -m bench.bench_kpi [--cases N] [--fixes N] [--db URL] [--rounds N] [--out FILE]`` prints JSON;
``run(quick=True)`` (``python -m bench --quick --only kpi``) uses 20,000 cases and 100,000 fixes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from commandcenter.cases.categories import load_categories
from commandcenter.kpi.assessment import assess
from commandcenter.kpi.export import write_kpi
from commandcenter.kpi.figures import (
    BREAKDOWNS,
    KpiContext,
    Period,
    cases_behind,
    compute_breakdowns,
    compute_kpis,
    forget_cached,
)
from commandcenter.store import Store
from commandcenter.store.models import Case, CaseEvent, Officer, PositionFix

BATCH = 20_000
QUICK_CASES, QUICK_FIXES = 20_000, 100_000


def _ts(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text (naive UTC), as ``UtcDateTime`` stores it."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _insert(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert. On SQLite straight through the driver's executemany (timestamps and JSON pre-encoded as the
    store's types would): several times faster than per-value type processing, which matters at 20 M rows."""
    if not rows:
        return
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
        return
    columns = list(rows[0])

    def encode(value: Any) -> Any:
        if isinstance(value, datetime):
            return _ts(value)
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value

    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    with engine.begin() as conn:
        conn.exec_driver_sql(sql, [tuple(encode(r[c]) for c in columns) for r in rows])


def seed(store: Store, n_cases: int, n_fixes: int, now: datetime, n_officers: int = 1000) -> dict[str, float]:
    """A year of cases, events and fixes ending ``now``; seconds spent per table."""
    rng = random.Random(18)
    engine = store.engine
    cats = list(load_categories())
    sources = ["hotline", "public", "patrol", "ai", "sensor", "dispatcher"]
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    _insert(engine, Officer.__table__, [
        {"id": f"o{i}", "badge": f"B{i}", "name": f"队员{i}", "team": f"第{i % 20 + 1}中队", "skills": [],
         "duty_grid": f"G{i % 400:03d}", "device": "", "status": "idle", "status_since": None}
        for i in range(n_officers)])
    span = 365 * 86400.0
    cases: list[dict[str, Any]] = []
    clocks: list[tuple[int, datetime, datetime | None, datetime | None, datetime | None, datetime | None,
                       datetime | None, str]] = []
    for i in range(n_cases):
        created = now - timedelta(seconds=rng.uniform(0, span))
        cat = cats[i % len(cats)]
        registered = created + timedelta(minutes=rng.uniform(0, 20)) if rng.random() < 0.95 else None
        dispatched = registered + timedelta(minutes=rng.uniform(1, 90)) if registered else None
        arrived = dispatched + timedelta(minutes=rng.uniform(3, 60)) if dispatched else None
        handled = arrived + timedelta(minutes=rng.uniform(10, 2000)) if arrived else None
        closed = handled + timedelta(minutes=rng.uniform(10, 600)) if handled and rng.random() < 0.9 else None
        status = "closed" if closed else ("handled" if handled else ("registered" if registered else "reported"))
        if registered and not dispatched and rng.random() < 0.3:
            status, closed = "transferred", registered + timedelta(minutes=30)
        extra: dict[str, Any] = {"step": "handle"}
        if handled and rng.random() < 0.6:
            extra["field"] = {"state": "reported", "officer": f"o{i % n_officers}"}
        if closed and rng.random() < 0.2:
            extra["rating"] = rng.randint(1, 5)
        cases.append({
            "code": f"AJ{i:09d}", "source": sources[i % len(sources)], "external_id": None, "category": cat.code,
            "category_name": cat.name, "description": "", "address": "", "lat": 30.0, "lon": 120.0,
            "grid_code": f"G{i % 400:03d}", "area_code": f"ZR{i % 40:02d}", "status": status,
            "urgency": cat.urgency, "assigned_officer": f"o{(i * 7) % n_officers}" if dispatched else None,
            "reporter": "", "created_at": created, "registered_at": registered, "dispatched_at": dispatched,
            "arrived_at": arrived, "handled_at": handled, "closed_at": closed, "deadline_at": None,
            "updated_at": created, "extra": extra})
        clocks.append((i + 1, created, registered, dispatched, arrived, handled, closed, status))
        if len(cases) >= BATCH:
            _insert(engine, Case.__table__, cases)
            cases.clear()
    if cases:
        _insert(engine, Case.__table__, cases)
    timings["cases_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.connect() as conn:  # ids as the database gave them, in insertion order
        ids = [int(r[0]) for r in conn.execute(select(Case.id).order_by(Case.id))]
    events: list[dict[str, Any]] = []
    for case_id, (_, created, registered, dispatched, arrived, handled, closed, status) in zip(ids, clocks,
                                                                                               strict=True):
        steps = [("create", created), ("register", registered), ("dispatch", dispatched), ("arrive", arrived),
                 ("feedback", handled), ("verify", closed - timedelta(minutes=5) if closed else None),
                 ("transfer" if status == "transferred" else "close", closed)]
        if handled and rng.random() < 0.05:
            steps.append(("rework", handled + timedelta(minutes=1)))
        if dispatched and rng.random() < 0.02:
            steps += [("suspend", dispatched + timedelta(minutes=2)), ("resume", dispatched + timedelta(hours=20))]
        for action, when in steps:
            if when is not None:
                events.append({"case_id": case_id, "time": when, "actor": "bench", "action": action,
                               "from_status": "", "to_status": "", "note": "", "data": {}})
        if len(events) >= BATCH:
            _insert(engine, CaseEvent.__table__, events)
            events.clear()
    if events:
        _insert(engine, CaseEvent.__table__, events)
    timings["events_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fixes: list[dict[str, Any]] = []
    for i in range(n_fixes):
        fixes.append({"unit_id": f"o{i % n_officers}", "time": now - timedelta(seconds=span * i / max(1, n_fixes)),
                      "lat": 30.0 + (i % 997) * 1e-5, "lon": 120.0 + (i % 991) * 1e-5, "speed": None,
                      "heading": None, "source": "bench"})
        if len(fixes) >= BATCH:
            _insert(engine, PositionFix.__table__, fixes)
            fixes.clear()
    if fixes:
        _insert(engine, PositionFix.__table__, fixes)
    timings["fixes_s"] = time.perf_counter() - t0
    if store.is_sqlite:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return {k: round(v, 1) for k, v in timings.items()}


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def measure(store: Store, month: Period, rounds: int, out_dir: Path) -> dict[str, Any]:
    breakdowns: list[str | None] = [None, *BREAKDOWNS]
    context_s, context = _timed(lambda: KpiContext.load(store.engine))

    def month_uncached() -> dict[str | None, Any]:
        forget_cached()  # an ended month is cached for 10 minutes: time the reads, not the cache
        return compute_breakdowns(store, month, breakdowns, context=context)

    cold_s, reports = _timed(month_uncached)
    warm = [_timed(month_uncached)[0] for _ in range(rounds)]
    running = Period.this_month()
    compute_breakdowns(store, running, breakdowns, context=context)  # the previous month is now cached
    refresh = [_timed(lambda: compute_breakdowns(store, running, breakdowns, context=context))[0]
               for _ in range(rounds)]
    totals = [_timed(lambda: compute_kpis(store, running, context=context))[0] for _ in range(rounds)]
    forget_cached()
    drill_s, missed = _timed(lambda: cases_behind(store, month, "on_time_rate", which="missed", context=context))
    xlsx_s, _ = _timed(lambda: write_kpi(reports, out_dir / "month.xlsx", "xlsx", bureau="基准测试局"))
    pdf_s, _ = _timed(lambda: write_kpi(reports, out_dir / "month.pdf", "pdf", bureau="基准测试局"))
    forget_cached()
    assessment_s, result = _timed(lambda: assess(store, month, context=context))
    t = reports[None].totals
    return {
        "month": month.as_dict(), "registered_in_month": t.registered, "closed_in_month": t.closed,
        "on_time_rate": t.on_time_rate, "missed_on_time_cases": len(missed),
        "rows": {by: len(reports[by].rows) for by in BREAKDOWNS},
        "context_load_s": round(context_s, 3),
        "briefing_month_first_s": round(cold_s, 3), "briefing_month_median_s": round(statistics.median(warm), 3),
        "briefing_refresh_median_s": round(statistics.median(refresh), 3),
        "totals_refresh_median_s": round(statistics.median(totals), 3), "drill_down_s": round(drill_s, 3),
        "xlsx_s": round(xlsx_s, 3), "xlsx_bytes": (out_dir / "month.xlsx").stat().st_size,
        "pdf_s": round(pdf_s, 3), "pdf_bytes": (out_dir / "month.pdf").stat().st_size,
        "assessment_s": round(assessment_s, 3), "officers_assessed": len(result.officers),
        "goal_briefing_s": 1.0,
    }


def run(quick: bool = False, *, cases: int | None = None, fixes: int | None = None, db: str = "",
        rounds: int = 3) -> dict[str, Any]:
    n_cases = cases if cases is not None else (QUICK_CASES if quick else 1_000_000)
    n_fixes = fixes if fixes is not None else (QUICK_FIXES if quick else 20_000_000)
    now = datetime.now(UTC)
    month = Period.last_month(now)
    with tempfile.TemporaryDirectory(prefix="bench_kpi_") as tmp:
        store = Store(db or f"sqlite:///{Path(tmp) / 'kpi.db'}")
        try:
            store.upgrade()
            with store.engine.connect() as conn:
                if conn.execute(select(Case.id).limit(1)).first() is not None:
                    raise SystemExit(f"bench_kpi: {store.description} already holds cases; give an empty database")
            seeded = seed(store, n_cases, n_fixes, now)
            result = measure(store, month, rounds, Path(tmp))
        finally:
            store.close()
    return {"database": "sqlite" if not db else db.split(":", 1)[0], "cases": n_cases, "fixes": n_fixes,
            "seed": seeded, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_kpi", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=None, help="cases to seed (default 1,000,000)")
    parser.add_argument("--fixes", type=int, default=None, help="position fixes to seed (default 20,000,000)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CASES:,} cases and {QUICK_FIXES:,} fixes")
    parser.add_argument("--db", default="", help="an EMPTY database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=3, help="warm repetitions (median reported)")
    parser.add_argument("--out", default="", help="also write the JSON here")
    args = parser.parse_args(argv)
    result = run(args.quick, cases=args.cases, fixes=args.fixes, db=args.db, rounds=max(1, args.rounds))
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
