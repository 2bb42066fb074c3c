"""Hot spots by time: cases per grid by hour × weekday against officers on duty, and where patrols are short."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from commandcenter.cases.shifts import Shift, ShiftRoster
from commandcenter.mapdata.hotspots import hotspot_report
from commandcenter.store import Store, models
from widgets.briefing.hotspots import HotspotPage

BJ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 2)  # the page opens on last month: November, four Tuesdays (3, 10, 17, 24)
ROSTER = ShiftRoster([Shift("一中队", "早班", time(8, 0), time(17, 0))])  # day shift only: nobody at night


def _seed(store: Store) -> None:
    """Every Tuesday of November at 23:00, two 占道经营 in G01 (no one on duty); at 10:00 three in G02 (staffed)."""
    rows: list[object] = [models.Officer(id="o1", badge="001", name="张三", team="一中队", duty_grid="G01"),
                          models.Officer(id="o2", badge="002", name="李四", team="一中队", duty_grid="G02")]
    n = 0
    for day in (3, 10, 17, 24):
        for hour, grid, count in ((23, "G01", 2), (10, "G02", 3)):
            for _ in range(count):
                at = datetime.combine(date(2026, 11, day), time(hour, 10), BJ).astimezone(UTC)
                rows.append(models.Case(code=f"H{n:04d}", source="patrol", status="reported", grid_code=grid,
                                        category_name="占道经营", created_at=at, updated_at=at))
                n += 1
    store.write(lambda s: s.add_all(rows))


def test_night_cases_in_a_grid_nobody_patrols_then_are_the_first_gap(store: Store) -> None:
    _seed(store)
    report = hotspot_report(store, date(2026, 11, 1), date(2026, 11, 30), ROSTER)
    assert report.grids == ["G02", "G01"]  # busiest first
    assert report.per_week("G01")[1, 23] == 2.0  # Tuesday 23:00, every week
    assert report.duty["G01"][23] == 0 and report.duty["G01"][10] == 1
    first = report.gaps[0]
    assert (first.grid, first.weekday, first.hour, first.cases_per_week, first.officers) == ("G01", 1, 23, 2.0, 0)
    assert all(g.officers >= 1 for g in report.gaps[1:])  # the staffed morning hour ranks below


def test_the_page_opens_on_the_grid_with_the_gap_and_shows_its_hours(qtbot, store: Store, tasks) -> None:  # type: ignore[no-untyped-def]
    _seed(store)
    page = HotspotPage(store, tasks, ROSTER, today=lambda: TODAY)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.report_shown, timeout=15000):
        page.refresh()
    assert page.grid.currentText() == "G01"
    assert page.table.item(1, 23).text() == "2.0"  # type: ignore[union-attr]
    assert page.table.item(7, 23).text() == "0" and page.table.item(7, 10).text() == "1"  # type: ignore[union-attr]
    assert "G01" in page.gaps.item(0).text() and "23:00" in page.gaps.item(0).text()
    second = page.gaps.visualItemRect(page.gaps.item(1))
    qtbot.mouseClick(page.gaps.viewport(), Qt.MouseButton.LeftButton, pos=second.center())
    assert page.grid.currentText() == "G02"  # the staffed morning hour of the other grid
    assert page.table.item(1, 10).text() == "3.0"  # type: ignore[union-attr]
    with qtbot.waitSignal(page.report_shown, timeout=15000):
        page.picker.choose("this_month")  # December so far: nothing yet
    assert page.grid.count() == 2 and page.table.item(1, 23).text() == ""  # type: ignore[union-attr]
