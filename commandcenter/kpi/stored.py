"""The figures of ended periods kept in the database, used while no change has touched their days.

An ended month's figures change only through late corrections, yet computing them reads ~80,000 cases; the
briefing shows last month and the month before it. So :func:`compute_breakdowns` keeps, per ended period and
context (work calendar, category limits, formula version), the totals and every breakdown in
``kpi_period_cache`` (migration ``kpi_cache``), and uses them again only when **no change since** touched the
period: triggers mark in ``kpi_changes`` each UTC day whose cases, clock events (返工/缓办/恢复) change — a case's
上报 and 立案 days, before and after the change — and mark "every day" when an officer or vehicle changes (names
and teams label the rows). The re-offence figure is always counted fresh.

Never stale: the *stamp* of a computation is taken **before** its cases are read; a change committed after it
— even while the computation ran — makes the stamp too old for the days it touched. SQLite serialises writers, so
the stamp is the last change number; PostgreSQL's stamp is the reader's snapshot, and a change counts as seen only
if its transaction is visible in it. Only a :class:`~commandcenter.store.Store` source writes the cache, through
its writer (one writer owns database writes); a bare Engine only reads it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Engine, bindparam, text

if TYPE_CHECKING:
    from concurrent.futures import Future

    from sqlalchemy.orm import Session

    from commandcenter.kpi.figures import KpiContext, KpiFigures, Period

__all__ = ["FORMULA_VERSION", "context_key", "forget_decoded", "load", "save", "stamp", "unchanged_since"]

log = logging.getLogger(__name__)
# Raise when a formula in figures.py changes: kept figures of an older formula are then never used.
FORMULA_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")
_MEMO_MAX = 8
_memo: dict[tuple[str, str, str, str], tuple[str, Any]] = {}
_memo_lock = threading.Lock()
_DAY = timedelta(days=1)


def context_key(context: KpiContext) -> str:
    """What besides the data the figures depend on: the calendar (with its edits), the limits, the formulas."""
    cal = context.calendar
    data = {"v": FORMULA_VERSION, "tz": str(cal.timezone), "weekend": sorted(cal.weekend),
            "holidays": sorted(str(d) for d in cal.holidays), "workdays": sorted(str(d) for d in cal.workdays),
            "periods": [[str(p[0]), str(p[1])] for p in cal.periods],
            "limits": sorted([c.code, c.dispatch_hours, c.handle_hours, c.verify_hours] for c in context.categories)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _days(period: Period) -> tuple[int, int]:
    """The UTC day numbers the period's instants fall on (its last instant is just before end_utc)."""
    return ((period.start_utc - _EPOCH) // _DAY, (period.end_utc - timedelta(microseconds=1) - _EPOCH) // _DAY)


_SQLITE_TRIGGERS = ("case_facts_insert", "case_facts_update", "case_facts_delete", "kpi_changes_facts_insert",
                    "kpi_changes_facts_delete", "kpi_changes_events_insert", "kpi_changes_events_delete",
                    "kpi_changes_events_update", *(f"kpi_changes_{t}_{w}" for t in ("officers", "vehicles")
                                                   for w in ("insert", "update", "delete")))
_PG_TRIGGERS = ("case_facts_keep", "kpi_changes_facts", "kpi_changes_events", "kpi_changes_officers",
                "kpi_changes_vehicles")


def _ready(conn: Any) -> bool:
    """Whether every trigger that marks changes is there (a table rebuilt by a later migration loses its
    triggers on SQLite): without them no kept figures are trusted, nor kept."""
    if conn.dialect.name == "sqlite":
        names = _SQLITE_TRIGGERS
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN :names"
    else:
        names = _PG_TRIGGERS
        query = "SELECT count(*) FROM pg_trigger WHERE tgname IN :names AND tgenabled <> 'D'"
    found = conn.execute(text(query).bindparams(bindparam("names", expanding=True)), {"names": list(names)})
    return int(found.scalar_one()) == len(names)


def stamp(engine: Engine) -> str | None:
    """The stamp of a computation about to read the cases (None: this database keeps no figures)."""
    with engine.connect() as conn:
        if not _ready(conn):
            return None
        if engine.dialect.name == "sqlite":
            return str(conn.execute(text("SELECT coalesce(max(seq), 0) FROM kpi_changes")).scalar_one())
        return str(conn.execute(text("SELECT CAST(pg_current_snapshot() AS text)")).scalar_one())


def unchanged_since(engine: Engine, period: Period, kept: str) -> bool:
    """Whether no change touched the period since the stamp ``kept`` was taken."""
    with engine.connect() as conn:
        return _ready(conn) and _unchanged_since(conn, engine.dialect.name, kept, period)


def _unchanged_since(conn: Any, dialect: str, kept: str, period: Period) -> bool:
    first, last = _days(period)
    where = "(day BETWEEN :first AND :last OR day = -1)"
    params: dict[str, Any] = {"first": first, "last": last}
    if dialect == "sqlite":
        latest = conn.execute(text(f"SELECT coalesce(max(seq), 0) FROM kpi_changes WHERE {where}"), params)
        return int(latest.scalar_one()) <= int(kept)
    params["snap"] = kept
    unseen = conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM kpi_changes WHERE {where} "
                               "AND NOT pg_visible_in_snapshot(xact, CAST(:snap AS pg_snapshot)))"), params)
    return not unseen.scalar_one()


def load(engine: Engine, period: Period, context: str, decode: Callable[[dict[str, Any]], T]) -> T | None:
    """The kept figures of an ended period, ``decode``-d from {"totals": …, "groups": {by: [[key, label,
    figures], …]}}, or None when none are kept or a change since touched the period. The decoded figures are
    remembered per kept row (its stamp), so a briefing refreshing every minute decodes its comparison period once."""
    where = {"s": period.start.isoformat(), "e": period.end.isoformat(), "c": context}
    memo_key = (engine.url.render_as_string(hide_password=True), period.start.isoformat(), period.end.isoformat(),
                context)
    with engine.connect() as conn:
        if not _ready(conn):
            return None
        row = conn.execute(text("SELECT stamp FROM kpi_period_cache WHERE start_day = :s AND end_day = :e "
                                "AND context = :c"), where).first()
        if row is None or not _unchanged_since(conn, engine.dialect.name, row[0], period):
            return None
        with _memo_lock:
            hit = _memo.get(memo_key)
        if hit is not None and hit[0] == row[0]:
            return cast(T, hit[1])
        body = conn.execute(text("SELECT payload FROM kpi_period_cache WHERE start_day = :s AND end_day = :e "
                                 "AND context = :c AND stamp = :stamp"), {**where, "stamp": row[0]}).scalar()
    if body is None:  # rewritten meanwhile: compute
        return None
    decoded = decode(json.loads(body))
    with _memo_lock:
        _memo[memo_key] = (row[0], decoded)
        while len(_memo) > _MEMO_MAX:
            _memo.pop(next(iter(_memo)))
    return decoded


def save(store: Any, period: Period, context: str, kept: str, payload: dict[str, Any]) -> None:
    """Keep the figures computed after ``kept`` was taken; written by the store's writer, not waited for."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    key = {"s": period.start.isoformat(), "e": period.end.isoformat(), "c": context}

    def job(session: Session) -> None:
        session.execute(text("DELETE FROM kpi_period_cache WHERE start_day = :s AND end_day = :e AND context = :c"),
                        key)
        session.execute(text("INSERT INTO kpi_period_cache (start_day, end_day, context, stamp, payload) "
                             "VALUES (:s, :e, :c, :stamp, :payload)"), {**key, "stamp": kept, "payload": body})

    def done(future: Future[None]) -> None:
        if future.exception() is not None:  # only costs the next reader a computation
            log.warning("KPI figures of %s not kept: %s", period.label, future.exception())

    store.submit(job).add_done_callback(done)


def forget_decoded() -> None:
    """Drop the remembered decoded figures (the next load decodes the kept row again)."""
    with _memo_lock:
        _memo.clear()


def figures_payload(totals: KpiFigures, groups: dict[str, dict[str, tuple[str, KpiFigures]]]) -> dict[str, Any]:
    return {"totals": totals.as_dict(),
            "groups": {by: [[key, label, f.as_dict()] for key, (label, f) in rows.items()]
                       for by, rows in groups.items()}}


def figures_of(data: dict[str, Any]) -> KpiFigures:
    from commandcenter.kpi.figures import KpiFigures

    return KpiFigures(**{**data, "basis": {k: (int(v[0]), int(v[1])) for k, v in data["basis"].items()}})
