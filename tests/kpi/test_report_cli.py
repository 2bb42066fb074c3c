"""``commandcenter report kpi|assessment`` end to end, as a user runs it: a subprocess on a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from commandcenter.store import Store

from .dataset import seed_kpi_dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("kpicli") / "cases.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    seed_kpi_dataset(store)
    store.close()
    return f"sqlite:///{path}"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "commandcenter", "report", *args], capture_output=True, text=True,
                          env=env, timeout=300, check=False)


def test_json_has_the_contract_fields(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "kpi.json"
    done = run("kpi", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "team", "--format", "json",
               "--out", str(out), "--db", db_url)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["period"] == {"from": "2026-11-01", "to": "2026-11-30", "kind": "custom"}
    totals = data["totals"]
    assert (totals["registered"], totals["closed"], totals["closure_rate"]) == (6, 3, 0.5)
    assert (totals["on_time_rate"], totals["rework_rate"], totals["timely_dispatch_rate"]) == (0.4, 0.2, 0.8)
    assert (totals["responded_30min_rate"], totals["handled_24h_rate"]) == (0.2, 0.4)
    assert (totals["median_response_min"], totals["p90_response_min"], totals["median_handling_min"]) == (
        80.0, 2592.0, 1680.0)
    rows = {r["key"]: r for r in data["by"]}
    assert rows["一中队"]["registered"] == 3 and rows["二中队"]["closure_rate"] == 0.5
    assert rows[""]["on_time_rate"] is None  # nothing to divide by: null, not 0
    assert data["previous"]["totals"]["registered"] == 1


def test_excel_has_one_sheet_per_breakdown_with_numbers(db_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "kpi.xlsx"
    done = run("kpi", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx", "--out", str(out),
               "--db", db_url)
    assert done.returncode == 0, done.stderr
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "按中队", "按网格", "按类别", "按来源", "按队员", "说明"]
    summary = {row[0]: row[1:] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["立案数"][0] == 6 and summary["结案率"][0] == 0.5
    assert summary["到场时间P90(分)"][0] == 2592  # a number cell, not the text "2592.0"
    team = wb["按中队"]
    header = [c.value for c in team[1]]
    first = {h: c.value for h, c in zip(header, team[2], strict=True)}
    assert first["编码"] == "一中队" and first["立案数"] == 3 and first["结案率"] == pytest.approx(0.6667)
    assert team.cell(row=2, column=header.index("结案率") + 1).number_format == "0.0%"
    assert "首违不罚再犯率" not in header  # a bureau-wide figure: no empty column per team


def test_pdf_is_written(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "kpi.pdf"
    done = run("kpi", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "category", "--format", "pdf",
               "--out", str(out), "--db", db_url, "--prepared-by", "王科长")
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    assert b"/Subtype /Image" not in data  # charts are vector drawing, no raster picture


def test_assessment_json_xlsx_pdf(db_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    for fmt in ("json", "xlsx", "pdf"):
        done = run("assessment", "--month", "2026-11", "--format", fmt, "--out", str(tmp_path / f"a.{fmt}"),
                   "--db", db_url)
        assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert [(o["key"], o["rank"], o["score"]) for o in data["officers"]] == [
        ("o1", 1, 68.0), ("o3", 2, 41.67), ("o2", 3, 11.11)]
    assert data["star"] is None  # nobody reached star_min_cases = 5 registered cases
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.sheetnames == ["队员考核", "中队考核", "部门考核", "说明"]
    assert wb["队员考核"]["E2"].value == 68.0
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")


def test_bad_dates_are_refused_with_the_reason(db_url: str, tmp_path: Path) -> None:
    done = run("kpi", "--from", "2026-11-30", "--to", "2026-11-01", "--format", "json",
               "--out", str(tmp_path / "x.json"), "--db", db_url)
    assert done.returncode == 2 and "before it starts" in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_a_database_that_is_not_there_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.db"
    done = run("kpi", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json",
               "--out", str(tmp_path / "x.json"), "--db", f"sqlite:///{missing}")
    assert done.returncode == 2 and "no database" in done.stderr
    assert not missing.exists() and not (tmp_path / "x.json").exists()
