"""The leader's today board (issue 15): the whole day on the hour axis, whole case codes in the 督办清单, no empty
categories, a PDF saved where a leader looks with a dated name in a Chinese dialog; the big screen's cycle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QTabWidget, QWidget

from commandcenter.i18n import install_language
from widgets.briefing import BriefingScreen

CODE = "AJ20261121000042"


def _data() -> dict[str, object]:
    return {
        "cases": {"today": 5, "open": 3, "overdue": 1, "today_closed": 2, "per_hour": [(1, 2), (5, 3)],
                  "today_by_source": {"citizen": 5, "camera": 0},
                  "cad_by_category": [{"category": "占道经营", "cases": 5, "queue_min": 5.0, "response_min": 12.0,
                                       "on_scene_min": 20.0},
                                      {"category": "井盖缺失", "cases": 0, "queue_min": None, "response_min": None,
                                       "on_scene_min": None}]},
        "units": {"officer": 12}, "devices": (3, 3), "drones_airborne": 0,
        "escalations": [{"code": CODE, "category": "暴露垃圾", "status": "已派遣", "level": "overdue",
                         "remaining_hours": -1.5, "officer": "officer-0007"}],
    }


def test_hour_axis_runs_the_whole_day_and_codes_fit_and_empty_categories_are_left_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = BriefingScreen()
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    screen.show_data(_data())
    qtbot.waitExposed(screen)
    low, high = screen.hourly.getViewBox().viewRange()[0]
    assert low <= 0 and high >= 23  # not 0–7 because the last case came at 05:00
    ticks = [label for _pos, label in screen.hourly.getAxis("bottom")._tickLevels[0]]
    assert ticks[0] == "0" and ticks[-1] == "23"
    table = screen.escalation_table
    assert table.item(0, 0).text() == CODE  # type: ignore[union-attr]
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance(CODE)
    assert [screen.cad_table.item(r, 0).text() for r in range(screen.cad_table.rowCount())] == ["占道经营"]  # type: ignore[union-attr]


def test_the_pdf_dialog_opens_in_documents_with_a_dated_name_in_chinese(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    install_language(app, "zh")  # type: ignore[arg-type]
    QStandardPaths.setTestModeEnabled(True)  # a documents folder of its own, not the user's
    try:
        screen = BriefingScreen()
        qtbot.addWidget(screen)
        screen.show_data(_data())
        seen: dict[str, object] = {}

        def inspect() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, QFileDialog)
            seen["dir"] = dialog.directory().absolutePath()
            seen["files"] = dialog.selectedFiles()
            seen["accept"] = dialog.labelText(QFileDialog.DialogLabel.Accept)
            seen["name_label"] = dialog.labelText(QFileDialog.DialogLabel.FileName)
            seen["native"] = dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
            seen["labels"] = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible() and w.text()]
            dialog.reject()

        QTimer.singleShot(200, inspect)
        qtbot.mouseClick(screen.print_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "dir" in seen, timeout=5000)
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        assert documents and Path(str(seen["dir"])).resolve() == Path(documents).resolve()
        files = seen["files"]
        assert isinstance(files, list) and Path(files[0]).name == f"领导驾驶舱-{date.today().isoformat()}.pdf"
        assert seen["accept"] == "保存" and seen["name_label"] == "文件名："
        assert seen["native"] is True  # Qt's own dialog, so every word comes from the Chinese catalogues
        ascii_words = [t for t in seen["labels"] if isinstance(t, str) and t.isascii() and any(c.isalpha() for c in t)]  # type: ignore[union-attr]
        assert not ascii_words, f"English left in the dialog: {ascii_words}"
    finally:
        QStandardPaths.setTestModeEnabled(False)
        install_language(app, "en")  # type: ignore[arg-type]


def test_big_screen_cycles_its_pages_and_any_input_pauses_the_cycle(qtbot) -> None:  # type: ignore[no-untyped-def]
    pages = [("a", "A", QWidget()), ("b", "B", QWidget())]
    screen = BriefingScreen(pages=pages, cycle_interval_s=0.15, idle_resume_s=0.8)
    qtbot.addWidget(screen)
    screen.show()
    tabs: QTabWidget = screen.tabs
    assert tabs.currentIndex() == 0
    qtbot.mouseClick(screen.big_button, Qt.MouseButton.LeftButton)  # the click itself is input: paused at first
    assert screen.cycler.running
    qtbot.waitUntil(lambda: tabs.currentIndex() == 1, timeout=3000)  # after the quiet spell, the cycle runs
    qtbot.waitUntil(lambda: tabs.currentIndex() == 2, timeout=3000)
    qtbot.keyClick(screen, Qt.Key.Key_Space)  # someone at the screen
    assert screen.cycler.paused
    held = tabs.currentIndex()
    qtbot.wait(500)  # more than three intervals
    assert tabs.currentIndex() == held
    qtbot.waitUntil(lambda: not screen.cycler.paused, timeout=3000)  # quiet again: the cycle resumes
    qtbot.waitUntil(lambda: tabs.currentIndex() != held, timeout=3000)
    qtbot.mouseClick(screen.big_button, Qt.MouseButton.LeftButton)  # desk mode: no cycling
    assert not screen.cycler.running


def test_the_hall_display_opens_in_big_screen_mode_from_the_config(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from commandcenter.config import ConfigError, parse_config
    from widgets.briefing.pages import build_briefing

    config = parse_config("[ui]\nbriefing_big_screen = true\nbriefing_cycle_s = 5\n")
    screen = build_briefing(store, tasks, big_screen=config.ui.briefing_big_screen, cycle_s=config.ui.briefing_cycle_s)
    qtbot.addWidget(screen)
    assert screen.big_button.isChecked() and screen.cycler.running
    assert screen.cycler.interval_ms == 5000
    with pytest.raises(ConfigError, match=r"ui\.briefing_cycle_s"):
        parse_config("[ui]\nbriefing_cycle_s = 0.5\n")


def test_a_click_on_a_today_card_lists_the_cases_it_counted(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from commandcenter.analytics import case_kpis
    from commandcenter.store import models
    from widgets.briefing.drilldown import CasesBehindDialog
    from widgets.briefing.pages import build_briefing

    now = datetime.now(UTC)
    old = now - timedelta(days=3)
    store.write(lambda s: s.add_all([
        models.Case(code="LATE1", source="patrol", status="dispatched", created_at=old, updated_at=old,
                    deadline_at=now - timedelta(hours=2)),
        models.Case(code="LATE2", source="patrol", status="handling", created_at=old, updated_at=old,
                    deadline_at=now - timedelta(hours=1)),
        models.Case(code="FINE", source="patrol", status="dispatched", created_at=old, updated_at=old,
                    deadline_at=now + timedelta(hours=5)),
        models.Case(code="DONE", source="patrol", status="closed", created_at=old, updated_at=old,
                    deadline_at=now - timedelta(hours=9)),
    ]))
    screen = build_briefing(store, tasks)
    qtbot.addWidget(screen)
    screen.show()
    screen.show_data({"cases": case_kpis(store, now)})
    assert screen.cards["overdue"].value.text() == "2"
    qtbot.mouseClick(screen.cards["overdue"], Qt.MouseButton.LeftButton)
    dialog = screen.opened_windows[-1]
    assert isinstance(dialog, CasesBehindDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=15000)
    assert sorted(dialog.table.item(r, 0).text() for r in range(2)) == ["LATE1", "LATE2"]  # type: ignore[union-attr]
