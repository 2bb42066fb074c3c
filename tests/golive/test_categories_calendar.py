"""``data import categories`` and ``data import calendar``: the bureau's rules in the database, used by cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.service import CaseService
from commandcenter.golive.catalog import bureau_categories
from commandcenter.golive.coverage import calendar_coverage_warnings, missing_calendar_years
from commandcenter.store import Store
from tests.golive.support import import_file, snapshot, write_csv

HEADER = "编码,类型,大类,小类,英文名称,紧急程度,立案时限,派遣时限,处置时限,核查时限,结案条件,所需技能,处置队伍,自动派遣\n"
CATEGORIES = HEADER + ("SJ0401,事件,街面秩序,占道经营,Street vending,2,0.5,0.5,3,1,清理完毕,执法,成华中队,是\n"
                       "SJ9901,事件,街面秩序,夜市噪声,Night-market noise,3,1,1,12,2,噪声消除,执法,夜巡中队,否\n")
CALENDAR = ("日期,类型,名称\n"
            "2027-01-01,放假,元旦\n"
            "2027-02-06..2027-02-12,放假,春节\n"
            "2027-02-14,调休,春节调休\n")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bureau.db'}"


def test_imported_categories_override_the_bundled_table(tmp_path: Path, db: str) -> None:
    result = import_file("categories", write_csv(tmp_path / "cat.csv", CATEGORIES), db)
    assert result.returncode == 0, result.stderr
    assert "added 2" in result.stdout
    store = Store(db)
    try:
        table = bureau_categories(store)
        vending = table.resolve("占道经营")
        assert (vending.team, vending.handle_hours, vending.auto_dispatch) == ("成华中队", 3.0, True)
        assert table.resolve("SJ9901").name == "夜市噪声"  # a bureau's own 小类
        assert len(table) > 2  # the bundled categories it did not override are still there
        assert not vending.natural_hours  # no 计时方式 column: the work calendar
    finally:
        store.close()


def test_an_imported_urgent_category_keeps_counting_clock_hours(tmp_path: Path, db: str) -> None:
    urgent = (HEADER.rstrip("\n") + ",计时方式\n"
              + "BJ0105,部件,公用设施,井盖缺失,Missing manhole cover,1,0.5,0.5,2,1,已补盖,市政,市政所,是,自然时\n"
              + "SJ0401,事件,街面秩序,占道经营,Street vending,2,0.5,0.5,3,1,清理完毕,执法,成华中队,是,工作时\n")
    result = import_file("categories", write_csv(tmp_path / "urgent.csv", urgent), db)
    assert result.returncode == 0, result.stderr
    store = Store(db)
    try:
        table = bureau_categories(store)
        assert table.resolve("BJ0105").natural_hours and not table.resolve("SJ0401").natural_hours
    finally:
        store.close()
    bad = urgent + "SJ9903,事件,街面秩序,乱堆物料,,2,1,1,4,1,,执法,,否,看情况\n"
    result = import_file("categories", write_csv(tmp_path / "bad-timing.csv", bad), db)
    assert result.returncode != 0 and "row 4, 计时方式" in result.stderr


def test_a_bad_category_row_names_row_and_field(tmp_path: Path, db: str) -> None:
    bad = CATEGORIES + "SJ9902,事件,街面秩序,违规广告,,2,1,一天,4,1,,执法,,否\n"
    result = import_file("categories", write_csv(tmp_path / "bad.csv", bad), db)
    assert result.returncode != 0
    assert "row 4, 派遣时限" in result.stderr
    assert snapshot(db)["case_categories"] == []


def test_an_imported_year_counts_its_holidays_in_deadlines(tmp_path: Path, db: str) -> None:
    assert missing_calendar_years(load_calendar(), date(2026, 12, 2)) == [2027]
    assert "2027" in calendar_coverage_warnings(load_calendar(), date(2026, 12, 2))[0]
    result = import_file("calendar", write_csv(tmp_path / "cal.csv", CALENDAR, "gbk"), db)
    assert result.returncode == 0, result.stderr
    assert "added 9" in result.stdout  # 1 + 7 + 1 days
    store = Store(db)
    try:
        service = CaseService(store, load_calendar(), bureau_categories(store))
        calendar = service.calendar
        assert not calendar.is_working_day(date(2027, 2, 8))  # a Monday of 春节
        assert calendar.is_working_day(date(2027, 2, 14))  # the 调休 Sunday
        assert calendar_coverage_warnings(calendar, date(2026, 12, 2)) == []
        friday = datetime(2027, 2, 5, 8, 0, tzinfo=UTC)  # 16:00 in Beijing, the last working day before 春节
        assert calendar.add_working_time(friday, 4.0).date() == date(2027, 2, 14)
    finally:
        store.close()


def test_a_bad_calendar_row_imports_nothing(tmp_path: Path, db: str) -> None:
    assert import_file("calendar", write_csv(tmp_path / "c.csv", CALENDAR), db).returncode == 0
    before = snapshot(db)
    result = import_file("calendar", write_csv(tmp_path / "b.csv", "日期,类型,名称\n2027-10-01,放假,国庆\n"
                                               "2027-13-01,放假,错\n2027-10-09,出差,\n"), db)
    assert result.returncode != 0
    assert "row 3, 日期" in result.stderr and "row 4, 类型" in result.stderr
    assert snapshot(db) == before
    dry = import_file("calendar", write_csv(tmp_path / "d.csv", "日期,类型,名称\n2027-10-01,放假,国庆\n"), db,
                      "--dry-run")
    assert dry.returncode == 0 and "would add 1" in dry.stdout
    assert snapshot(db) == before


def test_the_briefing_says_loudly_which_year_has_no_calendar(qtbot) -> None:  # type: ignore[no-untyped-def]
    from widgets.briefing import BriefingScreen

    screen = BriefingScreen()
    qtbot.addWidget(screen)
    screen.show_data({"calendar_missing_years": [2027]})
    assert not screen.calendar_warning.isHidden() and "2027" in screen.calendar_warning.text()
    screen.show_data({"calendar_missing_years": []})
    assert screen.calendar_warning.isHidden()


def test_the_full_gbt30428_2_table_imports_and_becomes_the_bureaus_table(tmp_path: Path, db: str) -> None:
    path = Path(__file__).resolve().parents[2] / "resources" / "examples" / "categories-gbt30428.2.csv"
    result = import_file("categories", path, db)
    assert result.returncode == 0, result.stderr
    assert "added 141" in result.stdout
    assert "now name another 小类 than the bundled table" in result.stdout and "BJ0302 垃圾箱 → 化粪池" in result.stdout
    store = Store(db)
    try:
        table = bureau_categories(store)
        majors = {(c.kind, c.major) for c in table}
        assert majors == {("部件", m) for m in ("公用设施", "道路交通", "市容环境", "园林绿化", "房屋土地", "其他设施")} | {
            ("事件", m) for m in ("市容环境", "宣传广告", "施工管理", "突发事件", "街面秩序", "其他事件")}
        # every bundled code is overridden: the bureau works with the standard's table only
        assert len(table) == 141
        assert (table.resolve("BJ0101").name, table.resolve("BJ0114").name, table.resolve("BJ0305").name) == (
            "上水井盖", "无主井盖", "垃圾箱")
        assert (table.resolve("SJ0102").name, table.resolve("SJ0401").name, table.resolve("SJ0504").name) == (
            "暴露垃圾", "路面塌陷", "店外经营")
        collapse = table.resolve("路面塌陷")
        assert collapse.natural_hours and collapse.auto_dispatch and collapse.urgency == 1
        assert table.resolve("店外经营").auto_dispatch and not table.resolve("私搭乱建").auto_dispatch
    finally:
        store.close()
