"""The figures of an ended period are kept in the database and used again — without reading a case — until a
change touches the period: a case of it, a 返工/缓办 event in it, an officer; a change elsewhere leaves them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from commandcenter.kpi import fastread
from commandcenter.kpi.figures import BREAKDOWNS, Period, compute_breakdowns, forget_cached
from commandcenter.store import Store
from commandcenter.store.models import Case

from .dataset import NOW, at, seed_kpi_dataset

NOVEMBER = Period.custom(date(2026, 11, 1), date(2026, 11, 30))
ALL = [None, *BREAKDOWNS]


def _plain(reports: dict[str | None, Any]) -> dict[str | None, Any]:
    out = {}
    for by, report in reports.items():
        data = report.as_dict()
        data.pop("computed_at")
        out[by] = data
    return out


def _briefing(store: Store, **kw: Any) -> dict[str | None, Any]:
    forget_cached()  # only what the database keeps
    reports = compute_breakdowns(store, NOVEMBER, ALL, now=NOW, **kw)
    store.write(lambda s: None)  # the writer has kept them
    return _plain(reports)


def _no_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the cases were read")

    monkeypatch.setattr(fastread, "load_case_frame_fast", refuse)


def _check(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.upgrade()
    seed_kpi_dataset(store)
    first = _briefing(store)
    assert first[None]["totals"]["reported"] == 6 and first[None]["previous"]["totals"]["registered"] == 1
    with monkeypatch.context() as m:
        _no_reads(m)
        assert _briefing(store) == first  # November and October from the kept figures
        store.write(lambda s: s.add(Case(code="S1", source="hotline", category="SJ0401", status="reported",
                                         created_at=at(9, 10, 9), updated_at=at(9, 10, 9), extra={})))
        assert _briefing(store) == first  # September changed: neither month is touched
    c1 = store.scalar("SELECT id FROM cases WHERE code = 'C1'")
    changes = [
        ("a case of November", f"UPDATE cases SET status = 'handled', closed_at = NULL WHERE id = {c1}"),
        ("a 返工 in November", "INSERT INTO case_events (case_id, time, actor, action, from_status, to_status, note, "
                              f"data) VALUES ({c1}, '{at(11, 20, 9).replace(tzinfo=None)}', 'x', 'rework', '', '', "
                              "'', '{{}}')"),
        ("an officer", "UPDATE officers SET name = '张三丰' WHERE id = 'o1'"),
    ]
    before = first
    for what, sql in changes:
        if store.is_sqlite is False:
            sql = sql.replace("'{}'", "'{}'::json")
        with store.engine.begin() as conn:
            conn.execute(text(sql.replace("{{}}", "{}")))
        now = _briefing(store)
        assert now != before, what
        assert now == _briefing(store, stored=False), what  # the same as computed from the cases
        before = now
    officers = {row["key"]: row["label"] for row in before["officer"]["by"]}
    assert officers["o1"] == "张三丰"


def test_kept_figures_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    try:
        _check(store, monkeypatch)
    finally:
        store.close()


@pytest.mark.postgres
def test_kept_figures_postgresql(pg_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(pg_store, monkeypatch)


def test_without_the_marking_triggers_nothing_kept_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cases rebuilt without its triggers marks no change: the kept figures must not be trusted then."""
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    try:
        store.upgrade()
        seed_kpi_dataset(store)
        assert _briefing(store)[None]["totals"]["reported"] == 6
        with store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER case_facts_insert"))
        store.write(lambda s: s.add(Case(code="N1", source="hotline", category="SJ0401", status="reported",
                                         created_at=at(11, 12, 9), updated_at=at(11, 12, 9), extra={})))
        assert _briefing(store)[None]["totals"]["reported"] == 7
    finally:
        store.close()
