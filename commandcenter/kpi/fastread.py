"""The briefing's read of a period's cases, made fast enough for a month of a million-case year (≈ 80,000 cases).

:func:`commandcenter.kpi.figures.load_case_frame` is the straightforward read (SQLAlchemy Core, timestamps as the
driver returns them, the officer joined in): clear, and the reference. Reading a month that way cost most of a
second per period on SQLite, nearly all of it in Python: a text or ``datetime`` object per timestamp (six per
case), then parsing the text again in pandas, and the officer's name and team repeated on every row.

:func:`load_case_frame_fast` returns the very same frame (``tests/kpi/test_fastread.py`` checks every figure of
a seeded database equal through both) but

* has the database turn each timestamp into an integer of microseconds since the epoch (SQLite: ``unixepoch`` of
  the stored text plus its microseconds; PostgreSQL: ``extract(epoch …)``): integers are the cheapest values a
  driver makes and pandas converts a column of them at once, exactly;
* runs plain SQL on the driver's cursor (no per-row ``Row`` objects), still two indexed range reads
  (``created_at``, ``registered_at``);
* reads the officers (a thousand rows) and the vehicles once and maps name and team in pandas instead of joining
  per case;
* on SQLite parses ``extra`` only for the cases whose JSON text holds the key asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

if TYPE_CHECKING:
    import pandas as pd

    from commandcenter.kpi.figures import Period

__all__ = ["load_case_frame_fast"]

_TEXT = ("id", "code", "source", "category", "category_name", "grid_code", "area_code", "assigned_officer", "status")
_TIMES = ("created_at", "registered_at", "dispatched_at", "arrived_at", "handled_at", "closed_at")


def _sqlite_us(column: str) -> str:
    # Stored as naive-UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's SQLite DATETIME); SQLite's own date
    # functions keep only milliseconds, so the microseconds are added from the text.
    return f"(unixepoch(substr(c.{column}, 1, 19)) * 1000000 + CAST(substr(c.{column}, 21, 6) AS INTEGER))"


def _pg_us(column: str) -> str:
    return f"CAST(round(extract(epoch FROM c.{column}) * 1000000) AS BIGINT)"


def _select(dialect: str) -> tuple[str, str]:
    """The two range reads (by 上报 time, by 立案 time outside it) for the dialect, with named parameters."""
    if dialect == "sqlite":
        times = [_sqlite_us(c) for c in _TIMES]
        # Parsing the JSON is most of the cost of a row, and most cases carry none of these keys: look for the
        # key's text first (instr is a byte search), parse only where it occurs.
        extras = [f"CASE WHEN instr(c.extra, '{key}') THEN json_extract(c.extra, '{path}') END"
                  for key, path in (('"rating"', "$.rating"), ('"extended_hours"', "$.extended_hours"),
                                    ('"field"', "$.field.state"))]
    else:
        times = [_pg_us(c) for c in _TIMES]
        extras = ["(c.extra ->> 'rating')", "(c.extra ->> 'extended_hours')", "(c.extra -> 'field' ->> 'state')"]
    columns = ", ".join([*(f"c.{c}" for c in _TEXT), *times, *extras])
    base = f"SELECT {columns} FROM cases c WHERE "
    by_created = base + "c.created_at >= %(start)s AND c.created_at < %(end)s"
    by_registered = (base + "c.registered_at >= %(start)s AND c.registered_at < %(end)s "
                     "AND (c.created_at < %(start)s OR c.created_at >= %(end)s)")
    if dialect == "sqlite":
        by_created = by_created.replace("%(start)s", ":start").replace("%(end)s", ":end")
        by_registered = by_registered.replace("%(start)s", ":start").replace("%(end)s", ":end")
    return by_created, by_registered


def _bound(dialect: str, moment: datetime) -> Any:
    """A period bound as the column stores it (SQLite: naive-UTC text; PostgreSQL: an aware datetime)."""
    if dialect == "sqlite":
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return moment


def load_case_frame_fast(engine: Engine, period: Period) -> pd.DataFrame:
    """The frame of :func:`~commandcenter.kpi.figures.load_case_frame`, read the fast way (module docstring)."""
    import pandas as pd  # imported when first used, not at start-up

    from commandcenter.kpi.facts import load_case_frame_facts
    from commandcenter.kpi.figures import clock_events, finish_case_frame

    from_facts = load_case_frame_facts(engine, period)
    if from_facts is not None:
        return from_facts
    dialect = engine.dialect.name
    by_created, by_registered = _select(dialect)
    params = {"start": _bound(dialect, period.start_utc), "end": _bound(dialect, period.end_utc)}
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            rows: list[tuple[Any, ...]] = []
            for sql in (by_created, by_registered):
                cursor.execute(sql, params)
                rows += cursor.fetchall()
            cursor.execute("SELECT id, name, team FROM officers")
            officers = cursor.fetchall()
            # A 环卫 case's assignee may be a vehicle: it reads "环卫车 苏A·H0002", of its team (as in figures.py).
            cursor.execute("SELECT id, kind, plate, team FROM vehicles")
            vehicles = cursor.fetchall()
        finally:
            cursor.close()
        events = clock_events(conn, period)
    names = [*_TEXT, *_TIMES, "rating", "extended_hours", "field_state"]
    frame = pd.DataFrame.from_records(rows, columns=names, nrows=len(rows)) if rows else pd.DataFrame(
        {n: pd.Series(dtype=object) for n in names})
    for col in _TIMES:
        frame[col] = pd.to_datetime(pd.to_numeric(frame[col]), unit="us", utc=True)
    names_by_id = {str(v[0]): f"{v[1]} {v[2]}" for v in vehicles} | {str(o[0]): o[1] for o in officers}
    teams_by_id = {str(v[0]): v[3] for v in vehicles} | {str(o[0]): o[2] for o in officers}
    officer = frame["assigned_officer"]
    frame["officer_name"] = officer.map(names_by_id)
    frame["team"] = officer.map(teams_by_id)
    return finish_case_frame(frame, events)
