"""A month's cases read from ``case_facts`` column by column: the briefing's read at a million cases.

``case_facts`` (migration ``kpi_facts``) holds one narrow row per case — the six workflow times as integer
microseconds since the epoch, the codes the breakdowns group by, and the three ``extra`` values the figures use —
kept by triggers on ``cases`` in the case's own transaction, so every writer keeps it (the store, bulk imports,
an administrator's UPDATE). On SQLite it is clustered by 上报 time, so a month is one run of pages of a table a
tenth the width of ``cases``.

Even narrow rows cost a Python object per value through the driver (a month ≈ 82,000 cases × 20 values). So the
read asks the database for **one row of whole columns**: each column of the period's cases aggregated into one
text (``group_concat`` / ``string_agg``, every aggregate fed the same rows in the same order), then parsed in C
(``numpy.fromstring`` for the integers, ``str.split`` for the codes). NULL times come as 0 with a separate null
mask, so every value is exact. The sparse values whose text form could lose digits (the rating and extended
hours, ~15 % of cases, and a non-text field state) are fetched as ordinary rows, as the driver returns them.

:func:`load_case_frame_facts` returns the very frame of :func:`commandcenter.kpi.figures.load_case_frame`
(``tests/kpi/test_fastread.py``); it returns None — and the caller reads ``cases`` — when the table or its
triggers are missing (a database not upgraded, or one whose ``cases`` was rebuilt without them) or when a code
holds the separator character.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Engine

if TYPE_CHECKING:
    import pandas as pd

    from commandcenter.kpi.figures import Period

__all__ = ["facts_ready", "load_case_frame_facts"]

_TEXT = ("code", "source", "category", "category_name", "grid_code", "area_code", "assigned_officer", "status")
_TIMES = ("created", "registered", "dispatched", "arrived", "handled", "closed")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEP = "\x1f"  # ASCII unit separator between the values of a text column
_TRIGGERS = {"sqlite": ("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases' "
                        "AND name IN ('case_facts_insert', 'case_facts_update', 'case_facts_delete')", 3),
             "postgresql": ("SELECT count(*) FROM pg_trigger WHERE tgname = 'case_facts_keep' "
                            "AND tgrelid = to_regclass('cases') AND tgenabled <> 'D'", 1)}


def facts_ready(cursor: Any, dialect: str) -> bool:
    """Whether ``case_facts`` exists and its triggers keep it (else its rows may be stale: never read them)."""
    probe = _TRIGGERS.get(dialect)
    if probe is None:
        return False
    cursor.execute(probe[0])
    return int(cursor.fetchone()[0]) == probe[1]


def _cases_sql(dialect: str) -> str:
    """The period's cases: reported in it, or registered in it and reported outside it."""
    start, end = (":start", ":end") if dialect == "sqlite" else ("%(start)s", "%(end)s")
    return (f"SELECT * FROM case_facts WHERE created_us >= {start} AND created_us < {end} UNION ALL "
            f"SELECT * FROM case_facts WHERE registered_us >= {start} AND registered_us < {end} "
            f"AND (created_us < {start} OR created_us >= {end})")


def _columns_sql(dialect: str) -> str:
    if dialect == "sqlite":
        def agg(expr: str, sep: str) -> str:
            return f"group_concat({expr}, {sep})"
        text_sep, field = "char(31)", "CASE WHEN typeof(f.field_state) = 'text' THEN f.field_state END"
    else:
        def agg(expr: str, sep: str) -> str:
            return f"string_agg(CAST({expr} AS text), {sep})"
        text_sep, field = "chr(31)", "f.field_state"
    parts = ["count(*)", agg("f.id", "','")]
    parts += [agg(f"coalesce(f.{t}_us, 0)", "','") for t in _TIMES]
    # which times are NULL, one bit per time (bit i: _TIMES[i]), so a 0 above is told from a NULL exactly
    parts.append(agg(" + ".join(f"(CASE WHEN f.{t}_us IS NULL THEN {1 << i} ELSE 0 END)"
                                for i, t in enumerate(_TIMES)), "','"))
    parts += [agg(f"coalesce(f.{c}, '')", text_sep) for c in _TEXT]
    parts.append(agg(f"coalesce({field}, '')", text_sep))
    return f"SELECT {', '.join(parts)} FROM ({_cases_sql(dialect)}) f"


def _sparse_sql(dialect: str) -> str:
    """The cases with a rating, extended hours or a non-text field state, as the driver returns the values."""
    odd_field = "typeof(f.field_state) NOT IN ('text', 'null')" if dialect == "sqlite" else "FALSE"
    return (f"SELECT f.id, f.rating, f.extended_hours, f.field_state FROM ({_cases_sql(dialect)}) f "
            f"WHERE f.rating IS NOT NULL OR f.extended_hours IS NOT NULL OR {odd_field}")


def _ints(text: str | None, n: int) -> np.ndarray:
    if not n:
        return np.zeros(0, dtype=np.int64)
    values = np.fromstring(text or "", dtype=np.int64, sep=",")  # C parsing; exact for int64
    if len(values) != n:
        raise ValueError("case_facts: column length differs from the row count")
    return values


def _bound_us(moment: datetime) -> int:
    """A period bound as case_facts stores times: integer microseconds since the epoch, exactly."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _events_sql(dialect: str) -> str:
    """The clock events of :func:`~commandcenter.kpi.figures.clock_events`, times as integer microseconds."""
    if dialect == "sqlite":
        us = "(unixepoch(substr(e.time, 1, 19)) * 1000000 + CAST(substr(e.time, 21, 6) AS INTEGER))"
        start, end = ":start", ":end"
    else:
        us, start, end = "CAST(round(extract(epoch FROM e.time) * 1000000) AS BIGINT)", "%(start)s", "%(end)s"
    return (f"SELECT e.case_id, e.action, {us} FROM case_events e WHERE e.action IN ('rework', 'suspend', 'resume') "
            f"AND e.time >= {start} AND e.time < {end} ORDER BY e.case_id, e.time, e.id")


def _clock_events(cursor: Any, dialect: str, period: Period) -> list[tuple[int, str, datetime]]:
    """(case id, action, time) of the period's 返工, 缓办 and 恢复 events, in order per case: the rows of
    ``clock_events`` without an ORM row and a ``UtcDateTime`` conversion each (a month has ~8,000)."""
    from commandcenter.kpi.fastread import _bound

    cursor.execute(_events_sql(dialect), {"start": _bound(dialect, period.start_utc),
                                          "end": _bound(dialect, period.end_utc)})
    return [(int(case_id), str(action), _EPOCH + timedelta(microseconds=us))
            for case_id, action, us in cursor.fetchall()]


def load_case_frame_facts(engine: Engine, period: Period) -> pd.DataFrame | None:
    """The frame of :func:`~commandcenter.kpi.figures.load_case_frame` from ``case_facts`` (module docstring), or
    None when ``case_facts`` cannot be trusted or read this way."""
    import pandas as pd  # imported when first used, not at start-up

    from commandcenter.kpi.figures import finish_case_frame

    dialect = engine.dialect.name
    params = {"start": _bound_us(period.start_utc), "end": _bound_us(period.end_utc)}
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if not facts_ready(cursor, dialect):
                return None
            cursor.execute(_columns_sql(dialect), params)
            row = cursor.fetchone()  # an aggregate without GROUP BY: always one row
            if row is None:
                return None
            cursor.execute(_sparse_sql(dialect), params)
            sparse = cursor.fetchall()
            cursor.execute("SELECT id, name, team FROM officers")
            officers = cursor.fetchall()
            # A 环卫 case's assignee may be a vehicle: it reads "环卫车 苏A·H0002", of its team (as in figures.py).
            cursor.execute("SELECT id, kind, plate, team FROM vehicles")
            vehicles = cursor.fetchall()
            events = _clock_events(cursor, dialect, period)
        finally:
            cursor.close()
    n = int(row[0])
    data: dict[str, Any] = {"id": _ints(row[1], n)}
    texts = {}
    for i, col in enumerate([*_TEXT, "field_state"]):
        values = row[3 + len(_TIMES) + i].split(_SEP) if n else []
        if len(values) != n:
            return None  # a value holds the separator: read the rows instead
        texts[col] = values
    data.update({c: texts[c] for c in _TEXT})
    nulls = _ints(row[2 + len(_TIMES)], n)
    for i, t in enumerate(_TIMES):
        us = _ints(row[2 + i], n)
        missing = (nulls & (1 << i)).astype(bool)
        stamps = pd.to_datetime(us, unit="us", utc=True)
        data[f"{t}_at"] = pd.Series(stamps).where(~missing)
    frame = pd.DataFrame(data)
    frame["rating"] = pd.Series([None] * n, dtype=object)
    frame["extended_hours"] = pd.Series([None] * n, dtype=object)
    frame["field_state"] = pd.Series(texts["field_state"], dtype=object).replace("", None)
    if sparse:
        position = pd.Series(np.arange(n), index=frame["id"])
        at = position.reindex([r[0] for r in sparse]).to_numpy()
        for j, col in enumerate(("rating", "extended_hours", "field_state"), start=1):
            values = [r[j] for r in sparse]
            keep = [k for k, v in enumerate(values) if v is not None]
            if keep:
                frame.iloc[at[keep], frame.columns.get_loc(col)] = pd.Series([values[k] for k in keep],
                                                                                dtype=object).to_numpy()
    names_by_id = {str(v[0]): f"{v[1]} {v[2]}" for v in vehicles} | {str(o[0]): o[1] for o in officers}
    teams_by_id = {str(v[0]): v[3] for v in vehicles} | {str(o[0]): o[2] for o in officers}
    officer = frame["assigned_officer"].replace("", None)
    frame["assigned_officer"] = officer
    frame["officer_name"] = officer.map(names_by_id)
    frame["team"] = officer.map(teams_by_id)
    return finish_case_frame(frame, events)
