"""KPI benchmark: the whole briefing's figures for a month over a big database, and the monthly Excel and PDF.

Seeds a year of history ending now — ``--cases`` cases (default 1,000,000) with their workflow events (7 per
case, plus 返工 and 缓办/恢复 on a few percent) and ``--fixes`` position fixes (default 20,000,000; the figures do
not read them, but they are most of a real database's pages and indexes) — into a temporary SQLite file or the
PostgreSQL database given by ``--db`` (which must be empty: tables are created with ``upgrade``).

Timed, on the last complete month:

* ``briefing_month_*``: :func:`commandcenter.kpi.figures.compute_breakdowns` — totals, every breakdown (team,
  grid, area, category, source, officer) and the previous month, i.e. every figure the briefing shows (goal
  ≤ 1 s), with the in-memory ended-period cache dropped before each call: the first call (the figures kept in
  the database deleted before it, so it computes and keeps them) and the median of ``--rounds`` (the kept
  figures, checked still valid); ``briefing_month_computed_*``: the same computed from the cases every time
  (``stored=False``);
* ``briefing_refresh_median_s``: the same for the running month, as the briefing refreshes it (the previous
  month then comes from the cache); ``totals_refresh_median_s``: its totals only;
* ``drill_down_s``: :func:`cases_behind` of the missed 按期结案 cases;
* ``xlsx_s``, ``pdf_s``: writing the monthly report with every breakdown; ``assessment_s``: the 考核.

``python -m bench.bench_kpi [--cases N] [--fixes N] [--db URL] [--rounds N] [--out FILE]`` prints JSON;
``run(quick=True)`` (``python -m bench --quick --only kpi``) uses 20,000 cases and 100,000 fixes.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

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
from commandcenter.store.models import Case

BATCH = 50_000
QUICK_CASES, QUICK_FIXES = 20_000, 100_000
RESULTS = Path(__file__).resolve().parent / "results"
SEED_LAYOUT = 2  # 2: cases in 上报 order (ids grow with time); part of the cached file's name

_CASE_COLS = ("id", "code", "source", "external_id", "category", "category_name", "description", "address", "lat",
              "lon", "grid_code", "area_code", "status", "urgency", "assigned_officer", "reporter", "created_at",
              "registered_at", "dispatched_at", "arrived_at", "handled_at", "closed_at", "deadline_at",
              "updated_at", "extra")
_EVENT_COLS = ("case_id", "time", "actor", "action", "from_status", "to_status", "note", "data")
_FIX_COLS = ("unit_id", "time", "lat", "lon", "speed", "heading", "source")
_OFFICER_COLS = ("id", "badge", "name", "team", "skills", "duty_grid", "device", "status", "status_since")


def _ts(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME text (naive UTC), as ``UtcDateTime`` stores it."""
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _bulk(engine: Engine, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Bulk insert of pre-encoded rows (timestamps as naive-UTC text, JSON as text), in batches: SQLite through
    the driver's executemany, PostgreSQL through COPY — per-value type processing would dominate at 20 M rows."""
    batch: list[tuple[Any, ...]] = []
    if engine.dialect.name == "sqlite":
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"

        def flush() -> None:
            with engine.begin() as conn:
                conn.exec_driver_sql(sql, batch)
    else:
        copy = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

        def flush() -> None:
            text = "".join("\t".join(map(_copy_value, row)) + "\n" for row in batch)
            raw = engine.raw_connection()
            try:
                with raw.cursor() as cursor:
                    cursor.execute("SET TIME ZONE 'UTC'")  # the naive-UTC text is UTC
                    cursor.copy_expert(copy, io.StringIO(text))
                raw.commit()
            finally:
                raw.close()
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
            batch.clear()
    if batch:
        flush()


def _utc(value: datetime | None) -> str | None:
    """A timestamp for the rows: naive-UTC text (SQLite's form; PostgreSQL's COPY reads it as UTC too, the
    bench's sessions run in UTC)."""
    return _ts(value)


def seed(store: Store, n_cases: int, n_fixes: int, now: datetime, n_officers: int = 1000) -> dict[str, float]:
    """A year of cases, events and fixes ending ``now``; seconds spent per table."""
    rng = random.Random(18)
    engine = store.engine
    cats = list(load_categories())
    sources = ["hotline", "public", "patrol", "ai", "sensor", "dispatcher"]
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    _bulk(engine, "officers", _OFFICER_COLS, (
        (f"o{i}", f"B{i}", f"队员{i}", f"第{i % 20 + 1}中队", "[]", f"G{i % 400:03d}", "", "idle", None)
        for i in range(n_officers)))
    span = 365 * 86400.0
    clocks: list[tuple[datetime, datetime | None, datetime | None, datetime | None, datetime | None,
                       datetime | None, bool]] = []

    # Cases arrive in time order, so ids and the table's physical order follow 上报 time, as in a bureau's
    # database (a month's cases are neighbours on disk). Seed layout 1 drew them in random order.
    ages = sorted((rng.uniform(0, span) for _ in range(n_cases)), reverse=True)

    def cases() -> Iterator[tuple[Any, ...]]:
        for i in range(n_cases):
            created = now - timedelta(seconds=ages[i])
            cat = cats[i % len(cats)]
            registered = created + timedelta(minutes=rng.uniform(0, 20)) if rng.random() < 0.95 else None
            dispatched = registered + timedelta(minutes=rng.uniform(1, 90)) if registered else None
            arrived = dispatched + timedelta(minutes=rng.uniform(3, 60)) if dispatched else None
            handled = arrived + timedelta(minutes=rng.uniform(10, 2000)) if arrived else None
            closed = handled + timedelta(minutes=rng.uniform(10, 600)) if handled and rng.random() < 0.9 else None
            status = ("closed" if closed else ("handled" if handled else ("registered" if registered
                                                                          else "reported")))
            if registered and not dispatched and rng.random() < 0.3:
                status, closed = "transferred", registered + timedelta(minutes=30)
            extra: dict[str, Any] = {"step": "handle"}
            if handled and rng.random() < 0.6:
                extra["field"] = {"state": "reported", "officer": f"o{i % n_officers}"}
            if closed and rng.random() < 0.2:
                extra["rating"] = rng.randint(1, 5)
            clocks.append((created, registered, dispatched, arrived, handled, closed, status == "transferred"))
            yield (i + 1, f"AJ{i:09d}", sources[i % len(sources)], None, cat.code, cat.name, "", "", 30.0, 120.0,
                   f"G{i % 400:03d}", f"ZR{i % 40:02d}", status, cat.urgency,
                   f"o{(i * 7) % n_officers}" if dispatched else None, "", _utc(created), _utc(registered),
                   _utc(dispatched), _utc(arrived), _utc(handled), _utc(closed), None, _utc(created),
                   json.dumps(extra, ensure_ascii=False))

    _bulk(engine, "cases", _CASE_COLS, cases())
    timings["cases_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()

    def events() -> Iterator[tuple[Any, ...]]:
        for case_id, (created, registered, dispatched, arrived, handled, closed, moved) in enumerate(clocks, 1):
            steps = [("create", created), ("register", registered), ("dispatch", dispatched), ("arrive", arrived),
                     ("feedback", handled), ("verify", closed - timedelta(minutes=5) if closed else None),
                     ("transfer" if moved else "close", closed)]
            if handled and rng.random() < 0.05:
                steps.append(("rework", handled + timedelta(minutes=1)))
            if dispatched and rng.random() < 0.02:
                steps += [("suspend", dispatched + timedelta(minutes=2)),
                          ("resume", dispatched + timedelta(hours=20))]
            for action, when in steps:
                if when is not None:
                    yield (case_id, _utc(when), "bench", action, "", "", "", "{}")

    _bulk(engine, "case_events", _EVENT_COLS, events())
    timings["events_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    step = span / max(1, n_fixes)
    start = now - timedelta(seconds=span)
    base = start.astimezone(UTC).replace(tzinfo=None)

    def fixes() -> Iterator[tuple[Any, ...]]:
        for i in range(n_fixes):
            yield (f"o{i % n_officers}", (base + timedelta(seconds=step * i)).isoformat(" ", "microseconds"),
                   30.0 + (i % 997) * 1e-5, 120.0 + (i % 991) * 1e-5, None, None, "bench")

    _bulk(engine, "position_fixes", _FIX_COLS, fixes())
    timings["fixes_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if store.is_sqlite:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            conn.exec_driver_sql("VACUUM ANALYZE")
    timings["analyze_s"] = time.perf_counter() - t0
    return {k: round(v, 1) for k, v in timings.items()}


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def measure(store: Store, now: datetime, rounds: int, out_dir: Path) -> dict[str, Any]:
    """Times every figure of the month before ``now`` (the end of the seeded history) and of ``now``'s month."""
    month = Period.last_month(now)
    breakdowns: list[str | None] = [None, *BREAKDOWNS]
    context_s, context = _timed(lambda: KpiContext.load(store.engine))

    def month_uncached(stored: bool = True) -> dict[str | None, Any]:
        forget_cached()  # the in-memory flags of an ended month: time the database, not this process
        reports = compute_breakdowns(store, month, breakdowns, context=context, now=now, stored=stored)
        store.write(lambda s: None)  # the figures computed are kept by the writer before the next round
        return reports

    def timed_rounds(fn: Any) -> tuple[list[float], list[float]]:
        wall: list[float] = []
        cpu: list[float] = []  # process CPU seconds: what the work costs, whatever else shares the cores
        for _ in range(rounds):
            start = time.process_time()
            wall.append(_timed(fn)[0])
            cpu.append(time.process_time() - start)
        return wall, cpu

    if "kpi_period_cache" in store.table_names():
        store.write(lambda s: s.execute(text("DELETE FROM kpi_period_cache")))  # the first call computes
    cold_s, reports = _timed(month_uncached)
    warm, warm_cpu = timed_rounds(month_uncached)  # the months' figures kept in the database, checked valid
    computed, computed_cpu = timed_rounds(lambda: month_uncached(stored=False))  # computed from the cases
    running = Period.this_month(now)
    compute_breakdowns(store, running, breakdowns, context=context, now=now)  # the previous month is now kept
    refresh, refresh_cpu = timed_rounds(lambda: compute_breakdowns(store, running, breakdowns, context=context,
                                                                   now=now))
    totals = [_timed(lambda: compute_kpis(store, running, context=context, now=now))[0] for _ in range(rounds)]
    forget_cached()
    drill_s, missed = _timed(lambda: cases_behind(store, month, "on_time_rate", which="missed", context=context, now=now))
    xlsx_s, _ = _timed(lambda: write_kpi(reports, out_dir / "month.xlsx", "xlsx", bureau="基准测试局"))
    pdf_s, _ = _timed(lambda: write_kpi(reports, out_dir / "month.pdf", "pdf", bureau="基准测试局"))
    forget_cached()
    assessment_s, result = _timed(lambda: assess(store, month, context=context, now=now))
    t = reports[None].totals
    return {
        "month": month.as_dict(), "registered_in_month": t.registered, "closed_in_month": t.closed,
        "on_time_rate": t.on_time_rate, "missed_on_time_cases": len(missed),
        "rows": {by: len(reports[by].rows) for by in BREAKDOWNS},
        "context_load_s": round(context_s, 3),
        "briefing_month_first_s": round(cold_s, 3), "briefing_month_median_s": round(statistics.median(warm), 3),
        "briefing_month_median_cpu_s": round(statistics.median(warm_cpu), 3),
        "briefing_month_computed_median_s": round(statistics.median(computed), 3),
        "briefing_month_computed_median_cpu_s": round(statistics.median(computed_cpu), 3),
        "briefing_refresh_median_s": round(statistics.median(refresh), 3),
        "briefing_refresh_median_cpu_s": round(statistics.median(refresh_cpu), 3),
        "totals_refresh_median_s": round(statistics.median(totals), 3), "drill_down_s": round(drill_s, 3),
        "xlsx_s": round(xlsx_s, 3), "xlsx_bytes": (out_dir / "month.xlsx").stat().st_size,
        "pdf_s": round(pdf_s, 3), "pdf_bytes": (out_dir / "month.pdf").stat().st_size,
        "assessment_s": round(assessment_s, 3), "officers_assessed": len(result.officers),
        "goal_briefing_s": 1.0,
    }


def _seeded_store(db: str, n_cases: int, n_fixes: int) -> tuple[Store, datetime, dict[str, Any]]:
    """The seeded database, seeded once and reused: SQLite in ``bench/results/kpi-<cases>-<fixes>.db``, PostgreSQL
    in the ``--db`` database; a JSON beside it records when the year of history ends and how long seeding took.
    A database with cases but no matching record is refused rather than mixed."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"kpi{SEED_LAYOUT}-{'pg-' if db else ''}{n_cases}-{n_fixes}"
    record = RESULTS / f"{stem}.json"
    if not db:
        path = RESULTS / f"{stem}.db"
        if not record.exists():
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
        db = f"sqlite:///{path}"
    store = Store(db)
    store.upgrade()
    with store.engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(Case)).scalar_one())
    where = store.description
    if count and record.exists():
        seeded = json.loads(record.read_text(encoding="utf-8"))
        if seeded.get("database") == where and int(seeded.get("cases", -1)) == count:
            return store, datetime.fromisoformat(seeded["now"]), {**seeded["seed"], "reused": True}
    if count:
        store.close()
        raise SystemExit(f"bench_kpi: {where} already holds {count} cases not seeded by this bench; give an "
                         "empty database")
    now = datetime.now(UTC)
    timings = seed(store, n_cases, n_fixes, now)
    record.write_text(json.dumps({"database": where, "cases": n_cases, "fixes": n_fixes, "now": now.isoformat(),
                                  "seed": timings}, ensure_ascii=False) + "\n", encoding="utf-8")
    return store, now, timings


def run(quick: bool = False, *, cases: int | None = None, fixes: int | None = None, db: str = "",
        rounds: int = 3) -> dict[str, Any]:
    n_cases = cases if cases is not None else (QUICK_CASES if quick else 1_000_000)
    n_fixes = fixes if fixes is not None else (QUICK_FIXES if quick else 20_000_000)
    store, now, seeded = _seeded_store(db, n_cases, n_fixes)
    try:
        with tempfile.TemporaryDirectory(prefix="bench_kpi_") as tmp:
            result = measure(store, now, rounds, Path(tmp))
    finally:
        store.close()
    return {"database": "sqlite" if not db else db.split(":", 1)[0], "cases": n_cases, "fixes": n_fixes,
            "seed": seeded, "loadavg": Path("/proc/loadavg").read_text().split()[:3], **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_kpi", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=None, help="cases to seed (default 1,000,000)")
    parser.add_argument("--fixes", type=int, default=None, help="position fixes to seed (default 20,000,000)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CASES:,} cases and {QUICK_FIXES:,} fixes")
    parser.add_argument("--db", default="", help="an empty (or this bench's seeded) database URL (default: SQLite under bench/results/)")
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
