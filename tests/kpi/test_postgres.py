"""The same hand-made month on PostgreSQL gives the same figures, 考核 and report as on SQLite."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from commandcenter.kpi.assessment import assess, parse_month
from commandcenter.kpi.export import write_kpi
from commandcenter.kpi.figures import Period, cases_behind, compute_breakdowns, compute_kpis
from commandcenter.store import Store

from .dataset import NOW, seed_kpi_dataset

pytestmark = pytest.mark.postgres


def test_figures_assessment_and_excel_on_postgresql(pg_store: Store, tmp_path: Path) -> None:
    pg_store.upgrade()
    seed_kpi_dataset(pg_store)
    november = Period.custom(date(2026, 11, 1), date(2026, 11, 30))
    report = compute_kpis(pg_store, november, "team", now=NOW)
    t = report.totals
    assert (t.reported, t.registered, t.closed, t.closure_rate, t.on_time_rate) == (6, 6, 3, 0.5, 0.4)
    assert (t.rework_rate, t.timely_dispatch_rate, t.responded_30min_rate, t.handled_24h_rate) == (0.2, 0.8, 0.2, 0.4)
    assert (t.median_response_min, t.p90_response_min, t.median_handling_min) == (80.0, 2592.0, 1680.0)
    assert (t.rating_avg, t.field_use_rate, t.reoffence_rate) == (4.0, 0.4, 0.5)
    assert [(r.key, r.figures.registered) for r in report.rows] == [("一中队", 3), ("二中队", 2), ("", 1)]
    assert report.previous is not None and report.previous.registered == 1
    assert cases_behind(pg_store, november, "on_time_rate", which="missed", now=NOW) == ["C2", "C3", "C6"]
    result = assess(pg_store, parse_month("2026-11"), now=NOW)
    assert [(r.key, r.score) for r in result.officers] == [("o1", 68.0), ("o3", 41.67), ("o2", 11.11)]
    assert [(d.department, d.on_time_rate) for d in result.departments] == [("市场监管局", 1.0), ("住建局", 0.0)]
    out = write_kpi(compute_breakdowns(pg_store, november, [None, "grid"], now=NOW), tmp_path / "k.xlsx", "xlsx")
    from openpyxl import load_workbook

    assert load_workbook(out)["按网格"]["C2"].value == 2  # G1: reported 2
