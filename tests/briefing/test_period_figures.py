"""The briefing's period figures: the picker changes the numbers, ▲▼ compares with the previous period, and a
click on a figure lists the cases behind it, a click on a case shows its audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from commandcenter.store import Store, models
from widgets.briefing.drilldown import CasesBehindDialog
from widgets.briefing.pages import build_briefing
from widgets.briefing.period import FiguresPage

BJ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 20)  # a Friday


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), BJ).astimezone(UTC)


def _seed(store: Store) -> None:
    """Three cases registered today (two closed), one yesterday, two on the 10th; none in October."""
    def case(code: str, day: date, closed: bool) -> models.Case:
        reported = _at(day, 9)
        return models.Case(code=code, source="patrol", status="closed" if closed else "dispatched",
                           category="0101", category_name="占道经营", grid_code="G1", created_at=reported,
                           registered_at=reported + timedelta(minutes=5),
                           dispatched_at=reported + timedelta(minutes=10),
                           closed_at=reported + timedelta(hours=3) if closed else None, updated_at=reported)

    rows = [case("AJ-T1", TODAY, True), case("AJ-T2", TODAY, True), case("AJ-T3", TODAY, False),
            case("AJ-Y1", TODAY - timedelta(days=1), True),
            case("AJ-M1", date(2026, 11, 10), True), case("AJ-M2", date(2026, 11, 10), False)]

    def job(session):  # type: ignore[no-untyped-def]
        session.add_all(rows)
        session.flush()
        for row in rows:
            session.add(models.CaseEvent(case_id=row.id, time=row.created_at, actor="citizen", action="report",
                                         from_status="", to_status="reported", note=f"reported {row.code}"))
    store.write(job)


def _figures(qtbot, store: Store, tasks) -> tuple[object, FiguresPage]:  # type: ignore[no-untyped-def]
    _seed(store)
    screen = build_briefing(store, tasks, today=lambda: TODAY)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    page = screen.pages["figures"]
    assert isinstance(page, FiguresPage)
    screen.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.report is not None, timeout=15000)
    return screen, page


def test_switching_the_period_changes_the_numbers_and_arrows_compare_with_the_previous_period(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    _screen, page = _figures(qtbot, store, tasks)
    registered = page.cards["registered"]
    assert registered.value.text() == "3"
    assert registered.delta.text() == "▲ 2"  # yesterday: one
    assert page.cards["closed"].value.text() == "2"
    assert page.cards["closed"].delta.text() == "▲ 1"
    with qtbot.waitSignal(page.report_shown, timeout=15000):
        qtbot.mouseClick(page.picker.buttons["this_month"], Qt.MouseButton.LeftButton)
    assert registered.value.text() == "6"  # 1–20 November
    assert registered.delta.text() == "▲ 6"  # 1–20 October had none
    with qtbot.waitSignal(page.report_shown, timeout=15000):
        qtbot.mouseClick(page.picker.buttons["last_month"], Qt.MouseButton.LeftButton)
    assert registered.value.text() == "0"  # October
    assert "2026-10-01" in page.compared.text() and "2026-09-01" in page.compared.text()


def test_a_click_on_a_figure_lists_the_cases_behind_it_and_a_case_shows_its_history(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    screen, page = _figures(qtbot, store, tasks)
    qtbot.mouseClick(page.cards["closed"], Qt.MouseButton.LeftButton)
    dialogs = [w for w in screen.opened_windows if isinstance(w, CasesBehindDialog)]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=15000)
    codes = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]  # type: ignore[union-attr]
    assert codes == ["AJ-T1", "AJ-T2"]  # exactly the two closed today, the figure's "2"
    rect = dialog.table.visualItemRect(dialog.table.item(1, 0))
    with qtbot.waitSignal(dialog.timeline.loaded, timeout=15000):
        qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.timeline.data is not None and "AJ-T2" in dialog.timeline.data.title
    assert dialog.timeline.tree.topLevelItemCount() >= 1


def test_a_click_on_a_breakdown_cell_lists_that_group_s_cases(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    screen, page = _figures(qtbot, store, tasks)
    with qtbot.waitSignal(page.report_shown, timeout=15000):
        page.by.setCurrentIndex(page.by.findData("grid"))
    assert page.table.rowCount() == 1 and page.table.item(0, 0).text() == "G1"  # type: ignore[union-attr]
    rect = page.table.visualItemRect(page.table.item(0, 1))  # registered
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = screen.opened_windows[-1]
    assert isinstance(dialog, CasesBehindDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=15000)
    assert dialog.key == "G1" and dialog.by == "grid"
