"""The fast read of a period's cases (commandcenter/kpi/fastread.py) gives the figures of the straightforward one:
on the hand-made month and on a seeded database of a few thousand cases with random times, every figure of
every breakdown, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from bench.bench_kpi import seed
from commandcenter.kpi.fastread import load_case_frame_fast
from commandcenter.kpi.figures import (
    BREAKDOWNS,
    KpiContext,
    Period,
    _aggregate,
    _groups,
    case_flags,
    load_case_frame,
)
from commandcenter.store import Store

from .dataset import NOW, seed_kpi_dataset


def _figures(store: Store, period: Period, now: datetime, fast: bool) -> tuple[object, ...]:
    context = KpiContext.load(store.engine)
    frame = (load_case_frame_fast if fast else load_case_frame)(store.engine, period)
    flags = case_flags(frame, period, context.clock, context.categories, now)
    return frame, _aggregate(flags), {by: _groups(flags, by) for by in BREAKDOWNS}


def _same(store: Store, period: Period, now: datetime) -> int:
    plain_frame, plain_totals, plain_groups = _figures(store, period, now, fast=False)
    fast_frame, fast_totals, fast_groups = _figures(store, period, now, fast=True)
    assert isinstance(plain_frame, pd.DataFrame) and isinstance(fast_frame, pd.DataFrame)
    key = ["id"]
    left = plain_frame.sort_values(key).reset_index(drop=True).drop(columns=["suspended_spans"])
    right = fast_frame.sort_values(key).reset_index(drop=True).drop(columns=["suspended_spans"])
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    assert fast_totals == plain_totals
    assert fast_groups == plain_groups
    return len(plain_frame)


def test_hand_made_month(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    try:
        store.upgrade()
        seed_kpi_dataset(store)
        assert _same(store, Period.custom(date(2026, 11, 1), date(2026, 11, 30)), NOW) == 7
    finally:
        store.close()


def _seeded_month(store: Store) -> None:
    now = datetime.fromisoformat("2026-12-02T03:04:05.123456+00:00")
    store.upgrade()
    seed(store, 6000, 2000, now, n_officers=50)
    month = Period.last_month(now)
    assert _same(store, month, now) > 400
    assert _same(store, Period.this_month(now), now) > 10  # a running period: targets cut at now


def test_seeded_database_sqlite(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'seeded.db'}")
    try:
        _seeded_month(store)
    finally:
        store.close()


@pytest.mark.postgres
def test_seeded_database_postgresql(pg_store: Store) -> None:
    _seeded_month(pg_store)
