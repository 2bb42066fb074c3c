"""The figures of a hand-made month (tests/kpi/dataset.py) equal the answers worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from commandcenter.kpi.figures import KpiError, Period, cases_behind, compute_kpis
from commandcenter.store import Store

from .dataset import NOW, seed_kpi_dataset

NOVEMBER = Period.custom(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def seeded(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    store.upgrade()
    seed_kpi_dataset(store)
    yield store
    store.close()


def test_bureau_totals_of_the_month(seeded: Store) -> None:
    report = compute_kpis(seeded, NOVEMBER, now=NOW)
    t = report.totals
    assert (t.reported, t.registered, t.closed) == (6, 6, 3)
    assert t.closure_rate == 0.5
    assert t.on_time_rate == 0.4 and t.basis["on_time_rate"] == (2, 5)
    assert t.rework_rate == 0.2 and t.basis["rework_rate"] == (1, 5)
    assert t.timely_dispatch_rate == 0.8
    assert t.median_response_min == 80.0
    assert t.p90_response_min == 2592.0
    assert t.median_handling_min == 1680.0
    assert t.responded_30min_rate == 0.2
    assert t.handled_24h_rate == 0.4
    assert (t.rating_avg, t.rated) == (4.0, 2)
    assert t.field_use_rate == 0.4
    assert t.reoffence_rate == 0.5 and t.basis["reoffence_rate"] == (1, 2)


def test_comparison_with_the_previous_month(seeded: Store) -> None:
    report = compute_kpis(seeded, NOVEMBER, now=NOW)
    assert report.previous_period == Period(date(2026, 10, 1), date(2026, 10, 31), "month")
    assert report.previous is not None
    assert (report.previous.reported, report.previous.registered, report.previous.closed) == (2, 1, 0)
    assert report.previous.closure_rate == 0.0
    assert report.change("registered") == 5.0
    assert report.change("closure_rate") == 0.5


def test_breakdown_by_team(seeded: Store) -> None:
    report = compute_kpis(seeded, NOVEMBER, "team", now=NOW)
    rows = {r.key: r for r in report.rows}
    assert list(rows) == ["一中队", "二中队", ""]  # busiest first
    first, second, nobody = rows["一中队"].figures, rows["二中队"].figures, rows[""].figures
    assert (first.reported, first.registered, first.closed) == (2, 3, 2)
    assert first.closure_rate == 0.6667 and first.on_time_rate == 0.3333
    assert (second.registered, second.closed, second.on_time_rate) == (2, 1, 0.5)
    assert (nobody.reported, nobody.registered, nobody.closed, nobody.on_time_rate) == (2, 1, 0, None)
    assert rows[""].label == "（未分派）"
    assert sum(r.figures.registered for r in report.rows) == report.totals.registered


def test_breakdown_by_officer_category_and_source(seeded: Store) -> None:
    officers = {r.key: r for r in compute_kpis(seeded, NOVEMBER, "officer", compare=False, now=NOW).rows}
    assert officers["o1"].label == "张三" and officers["o1"].figures.rework_rate == 0.5
    categories = {r.key: r for r in compute_kpis(seeded, NOVEMBER, "category", compare=False, now=NOW).rows}
    assert categories["SJ0401"].label == "占道经营" and categories["SJ0401"].figures.registered == 3
    sources = {r.key: r.figures for r in compute_kpis(seeded, NOVEMBER, "source", compare=False, now=NOW).rows}
    assert sources["public"].reported == 1 and sources["public"].registered == 0
    assert sources["public"].closure_rate is None  # nothing to divide by


def test_drill_down_gives_the_cases_behind_a_number(seeded: Store) -> None:
    assert cases_behind(seeded, NOVEMBER, "registered", now=NOW) == ["C1", "C2", "C3", "C4", "C6", "C8"]
    assert cases_behind(seeded, NOVEMBER, "on_time_rate", which="missed", now=NOW) == ["C2", "C3", "C6"]
    assert cases_behind(seeded, NOVEMBER, "on_time_rate", "二中队", by="team", which="met", now=NOW) == ["C4"]
    assert cases_behind(seeded, NOVEMBER, "median_response_min", now=NOW) == ["C4", "C6", "C3", "C2", "C1"]
    with pytest.raises(KpiError, match="breakdown"):
        cases_behind(seeded, NOVEMBER, "closed", "一中队")


def test_periods_and_their_previous() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)  # Thursday 11-19 04:00 in Beijing
    assert Period.today(now) == Period(date(2026, 11, 19), date(2026, 11, 19), "today")
    week = Period.this_week(now)
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 19))
    assert (week.previous().start, week.previous().end) == (date(2026, 11, 9), date(2026, 11, 12))
    month = Period.this_month(now)
    assert (month.previous().start, month.previous().end) == (date(2026, 10, 1), date(2026, 10, 19))
    last = Period.last_month(now)
    assert (last.start, last.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (last.previous().start, last.previous().end) == (date(2026, 9, 1), date(2026, 9, 30))
    custom = Period.custom(date(2026, 11, 5), date(2026, 11, 14))
    assert (custom.previous().start, custom.previous().end) == (date(2026, 10, 26), date(2026, 11, 4))
    assert custom.start_utc == datetime(2026, 11, 4, 16, 0, tzinfo=UTC)
    assert custom.end_utc == datetime(2026, 11, 14, 16, 0, tzinfo=UTC)  # the 14th is included
    with pytest.raises(KpiError, match="before it starts"):
        Period.custom(date(2026, 11, 5), date(2026, 11, 4))


def test_an_ended_period_is_computed_again_after_a_change_and_a_running_one_is_read_fresh(seeded: Store) -> None:
    from datetime import UTC, datetime

    from commandcenter.kpi.figures import forget_cached
    from commandcenter.store.models import Case

    from .dataset import at

    forget_cached()
    during = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # November still running
    assert compute_kpis(seeded, NOVEMBER, compare=False, now=NOW).totals.reported == 6
    seeded.write(lambda s: s.add(Case(code="C9", source="hotline", category="SJ0401", status="reported",
                                      created_at=at(11, 11, 9), updated_at=at(11, 11, 9), extra={})))
    assert compute_kpis(seeded, NOVEMBER, compare=False, now=during).totals.reported == 7  # running: read fresh
    # ended: its figures are kept, but the change touched November (tests/kpi/test_stored.py has the rest)
    assert compute_kpis(seeded, NOVEMBER, compare=False, now=NOW).totals.reported == 7
