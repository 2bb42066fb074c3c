"""``commandcenter data import officers``: the roster from Excel or CSV, all rows or none, errors by row."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from commandcenter.store.models import Officer
from tests.golive.support import audit_actions, import_file, snapshot, write_csv

ROSTER = ("警号,姓名,中队,技能,责任网格,终端编号,手机\n"
          "010001,张伟,一中队,\"巡查、执法\",,osm-1,13800000001\n"
          "010002,李娜,二中队,\"渣土,市容\",,osm-2,13800000002\n"
          "010003,王强,一中队,执法,,,\n")


def officers(url: str) -> dict[str, tuple[str, str, list[str], str, str]]:
    engine = create_engine(url)
    try:
        with Session(engine) as s:
            return {o.badge: (o.name, o.team, list(o.skills), o.device, o.phone)
                    for o in s.scalars(select(Officer))}
    finally:
        engine.dispose()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bureau.db'}"


def test_a_roster_csv_is_taken_whole_and_counted(tmp_path: Path, db: str) -> None:
    result = import_file("officers", write_csv(tmp_path / "roster.csv", ROSTER), db)
    assert result.returncode == 0, result.stderr
    assert "added 3, updated 0, unchanged 0" in result.stdout
    got = officers(db)
    assert got["010001"] == ("张伟", "一中队", ["巡查", "执法"], "osm-1", "13800000001")
    assert got["010002"][2] == ["渣土", "市容"]
    assert "data.import" in audit_actions(db)
    again = import_file("officers", tmp_path / "roster.csv", db)
    assert again.returncode == 0 and "added 0, updated 0, unchanged 3" in again.stdout


def test_gbk_csv_and_english_headers_and_an_update(tmp_path: Path, db: str) -> None:
    assert import_file("officers", write_csv(tmp_path / "r.csv", ROSTER), db).returncode == 0
    changed = "badge,name,team,skills,grid,device,phone\n010002,李娜,三中队,市容,,osm-2,13800000002\n"
    result = import_file("officers", write_csv(tmp_path / "gbk.csv", changed, "gbk"), db)
    assert result.returncode == 0, result.stderr
    assert "added 0, updated 1, unchanged 0" in result.stdout
    assert officers(db)["010002"][1] == "三中队"


def test_an_excel_roster_round_trips(tmp_path: Path, db: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["警号", "姓名", "中队", "技能", "责任网格", "终端编号", "手机"])
    sheet.append([20001, "赵敏", "直属中队", "巡查、执法", None, "osm-9", "13900000009"])
    book.save(tmp_path / "roster.xlsx")
    result = import_file("officers", tmp_path / "roster.xlsx", db)
    assert result.returncode == 0, result.stderr
    assert officers(db)["20001"] == ("赵敏", "直属中队", ["巡查", "执法"], "osm-9", "13900000009")


def test_a_row_without_badge_names_the_row_and_imports_nothing(tmp_path: Path, db: str) -> None:
    assert import_file("officers", write_csv(tmp_path / "r.csv", ROSTER), db).returncode == 0
    before = snapshot(db)
    bad = ("警号,姓名,中队,技能,责任网格,终端编号,手机\n"
           "010009,新人,一中队,,,,\n"
           "010001,张伟,五中队,,,,\n"
           ",无号,一中队,,,,\n"
           "010010,错号,一中队,,,,call me\n")
    result = import_file("officers", write_csv(tmp_path / "bad.csv", bad), db)
    assert result.returncode != 0
    assert "row 4, 警号" in result.stderr
    assert "row 5, 手机" in result.stderr
    assert "nothing imported" in result.stderr
    assert snapshot(db) == before  # neither the good new row 2 nor the update of row 3 was taken


def test_a_missing_badge_column_is_named(tmp_path: Path, db: str) -> None:
    result = import_file("officers", write_csv(tmp_path / "r.csv", "姓名,中队\n张伟,一中队\n"), db)
    assert result.returncode != 0
    assert "missing column 警号" in result.stderr


def test_dry_run_reports_and_changes_nothing(tmp_path: Path, db: str) -> None:
    assert import_file("officers", write_csv(tmp_path / "r.csv", ROSTER.splitlines()[0] + "\n"), db).returncode == 0
    before = snapshot(db)
    result = import_file("officers", write_csv(tmp_path / "roster.csv", ROSTER), db, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would add 3" in result.stdout
    assert snapshot(db) == before


@pytest.mark.postgres
def test_the_import_contract_holds_on_postgresql(tmp_path: Path, pg_store) -> None:  # type: ignore[no-untyped-def]
    pg_store.upgrade()
    url = pg_store.url
    assert import_file("officers", write_csv(tmp_path / "r.csv", ROSTER), url).returncode == 0
    before = snapshot(url)
    bad = import_file("officers", write_csv(tmp_path / "b.csv", "警号,姓名\n010011,甲\n,乙\n"), url)
    assert bad.returncode != 0 and "row 3, 警号" in bad.stderr
    assert snapshot(url) == before
    dry = import_file("officers", write_csv(tmp_path / "d.csv", "警号,姓名\n010012,丙\n"), url, "--dry-run")
    assert dry.returncode == 0 and "would add 1" in dry.stdout
    assert snapshot(url) == before
    assert set(officers(url)) == {"010001", "010002", "010003"}
