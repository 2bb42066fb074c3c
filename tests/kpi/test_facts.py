"""case_facts (migration kpi_facts) follows every change of a case, whoever writes it, and the briefing's
column-wise read of it gives the reference frame; without its triggers the figures do not trust it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from commandcenter.kpi.facts import load_case_frame_facts
from commandcenter.kpi.fastread import load_case_frame_fast
from commandcenter.kpi.figures import Period, compute_kpis, forget_cached, load_case_frame
from commandcenter.store import Store
from commandcenter.store.models import Case

from .dataset import NOW, at, seed_kpi_dataset

NOVEMBER = Period.custom(date(2026, 11, 1), date(2026, 11, 30))


def _frames_equal(store: Store, period: Period) -> pd.DataFrame:
    facts = load_case_frame_facts(store.engine, period)
    assert facts is not None, "case_facts was not used"
    plain = load_case_frame(store.engine, period)
    left = plain.sort_values("id").reset_index(drop=True).drop(columns=["suspended_spans"])
    right = facts.sort_values("id").reset_index(drop=True).drop(columns=["suspended_spans"])
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    spans = [frame.set_index("id")["suspended_spans"].dropna().to_dict() for frame in (plain, facts)]
    assert spans[0] == spans[1]
    return facts


def _corrections(store: Store) -> None:
    """Late corrections as the store, a bulk import and an administrator make them."""
    def job(s: Session) -> None:  # the store's writer: C3 closed after all, rated 2, with an extension
        case = s.scalars(select(Case).where(Case.code == "C3")).one()
        case.status, case.closed_at = "closed", at(11, 9, 10)
        case.extra = {**case.extra, "rating": 2, "extended_hours": 1.3333333333333333}

    store.write(job)
    with store.engine.begin() as conn:  # plain SQL: C5 moved into December, C8 deleted with its events
        conn.execute(update(Case).where(Case.code == "C5").values(created_at=at(12, 1, 9)))
        c8 = conn.execute(text("SELECT id FROM cases WHERE code = 'C8'")).scalar_one()
        conn.execute(text("DELETE FROM case_events WHERE case_id = :id"), {"id": c8})
        conn.execute(delete(Case).where(Case.id == c8))


def _check(store: Store) -> None:
    store.upgrade()
    seed_kpi_dataset(store)
    assert len(_frames_equal(store, NOVEMBER)) == 7
    before = compute_kpis(store, NOVEMBER, now=NOW, compare=False).totals
    _corrections(store)
    frame = _frames_equal(store, NOVEMBER)
    assert sorted(frame["code"]) == ["C1", "C2", "C3", "C4", "C6"]
    assert frame.loc[frame["code"] == "C3", "extended_hours"].item() == 1.3333333333333333  # every digit kept
    forget_cached()  # an ended month's flags are otherwise kept for PAST_CACHE_S
    after = compute_kpis(store, NOVEMBER, now=NOW, compare=False).totals
    assert (before.reported, before.closed, after.reported, after.closed) == (6, 3, 4, 4)
    _frames_equal(store, Period.custom(date(2026, 12, 1), date(2026, 12, 1)))  # C5 now reported here


def test_facts_follow_every_writer_sqlite(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    try:
        _check(store)
    finally:
        store.close()


@pytest.mark.postgres
def test_facts_follow_every_writer_postgresql(pg_store: Store) -> None:
    _check(pg_store)


def test_without_triggers_the_cases_are_read(tmp_path: Path) -> None:
    """A database whose cases table lost the triggers (rebuilt by a later migration, say) has stale facts: the
    figures read ``cases`` instead and stay right."""
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    try:
        store.upgrade()
        seed_kpi_dataset(store)
        with store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER case_facts_update"))
            conn.execute(update(Case).where(Case.code == "C5").values(created_at=at(12, 1, 9) + timedelta(hours=1)))
        assert load_case_frame_facts(store.engine, NOVEMBER) is None
        assert sorted(load_case_frame_fast(store.engine, NOVEMBER)["code"]) == ["C1", "C2", "C3", "C4", "C6", "C8"]
    finally:
        store.close()


def test_a_separator_in_a_code_falls_back_to_rows(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    try:
        store.upgrade()
        seed_kpi_dataset(store)
        with store.engine.begin() as conn:
            conn.execute(update(Case).where(Case.code == "C1").values(grid_code="G\x1f1"))
        assert load_case_frame_facts(store.engine, NOVEMBER) is None
        assert "G\x1f1" in set(load_case_frame_fast(store.engine, NOVEMBER)["grid_code"])
    finally:
        store.close()
