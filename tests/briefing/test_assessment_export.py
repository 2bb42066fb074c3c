"""考核 on the briefing (ranking, 智慧执法之星) and the reports exported from it, as `report kpi` writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from PySide6.QtCore import QStandardPaths, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from commandcenter.store import Store, models
from widgets.briefing.assessment import AssessmentPage
from widgets.briefing.export import ReportSettings
from widgets.briefing.period import FiguresPage

BJ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 2)  # the 考核 opens on November


def _seed(store: Store) -> None:
    """张三 closes all six of his November cases quickly; 李四 closes one of six."""
    rows: list[object] = [models.Officer(id="o1", badge="001", name="张三", team="一中队"),
                          models.Officer(id="o2", badge="002", name="李四", team="二中队")]
    for n in range(12):
        officer = "o1" if n < 6 else "o2"
        at = datetime.combine(date(2026, 11, 3 + n), time(9, 0), BJ).astimezone(UTC)
        good = officer == "o1" or n == 6
        rows.append(models.Case(
            code=f"K{n:03d}", source="patrol", status="closed" if good else "dispatched", category="0101",
            category_name="占道经营", grid_code="G1", assigned_officer=officer, created_at=at,
            registered_at=at + timedelta(minutes=2), dispatched_at=at + timedelta(minutes=5),
            arrived_at=at + timedelta(minutes=15 if good else 90), handled_at=at + timedelta(hours=2) if good else None,
            closed_at=at + timedelta(hours=3) if good else None, updated_at=at))
    store.write(lambda s: s.add_all(rows))


def _save_as(target: Path) -> None:
    """Answer the save dialog as a leader would: type the name, press Enter."""
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        dialog.setDirectory(str(target.parent))
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        assert isinstance(name, QLineEdit)
        name.setText(target.name)
        dialog.accept()
    QTimer.singleShot(200, answer)


def test_the_month_s_ranking_names_the_star_and_exports_to_excel(qtbot, store: Store, tasks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _seed(store)
    page = AssessmentPage(store, tasks, ReportSettings(bureau="测试区城市管理局", prepared_by="王科长"),
                          today=lambda: TODAY)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.shown, timeout=20000):
        page.refresh()
    assert page.month.currentText() == "2026-11"
    assert [page.officers.item(r, 1).text() for r in range(2)] == ["张三", "李四"]  # type: ignore[union-attr]
    assert page.officers.item(0, 0).text() == "1"  # type: ignore[union-attr]
    assert "张三" in page.star.text()
    assert [page.teams.item(r, 1).text() for r in range(2)] == ["一中队", "二中队"]  # type: ignore[union-attr]
    out = tmp_path / "考核-2026-11.xlsx"
    QStandardPaths.setTestModeEnabled(True)
    try:
        _save_as(out)
        with qtbot.waitSignal(page.exported, timeout=20000) as written:
            qtbot.mouseClick(page.excel, Qt.MouseButton.LeftButton)
    finally:
        QStandardPaths.setTestModeEnabled(False)
    assert written.args[0] == out
    book = load_workbook(out)
    assert len(book.sheetnames) >= 2
    values = [c for ws in book for row in ws.iter_rows(values_only=True) for c in row]
    assert "张三" in values and any(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def test_the_kpi_report_of_the_chosen_period_exports_from_the_figures_page(qtbot, store: Store, tasks,  # type: ignore[no-untyped-def]
                                                                        tmp_path: Path) -> None:
    _seed(store)
    page = FiguresPage(store, tasks, today=lambda: TODAY, settings=ReportSettings(bureau="测试区城市管理局"))
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.report_shown, timeout=20000):
        page.picker.choose("last_month")
    assert page.cards["registered"].value.text() == "12"
    out = tmp_path / "kpi.xlsx"
    QStandardPaths.setTestModeEnabled(True)
    try:
        _save_as(out)
        with qtbot.waitSignal(page.exported, timeout=20000):
            qtbot.mouseClick(page.excel, Qt.MouseButton.LeftButton)
    finally:
        QStandardPaths.setTestModeEnabled(False)
    book = load_workbook(out)
    registered = [c for ws in book for row in ws.iter_rows(values_only=True) for c in row if c == 12]
    assert registered, "the period's 12 registered cases are a number in the workbook"
