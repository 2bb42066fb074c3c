"""权力清单: `commandcenter data import powers FILE` (all or nothing, errors by row), search, links from violation
codes and case categories, and the panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from commandcenter.enforcement.powers import powers_for, powers_of_case, search_powers
from commandcenter.store import Store
from tests.golive.support import import_file, snapshot, write_csv
from widgets.enforcement.powers_panel import PowersPanel

POWERS = ("事项编码,事项名称,权力类型,设定依据,处罚依据,裁量基准,违法行为代码,案件类别\n"
          "CG-CF-001,对擅自占道经营的处罚,行政处罚,《城市市容和环境卫生管理条例》第十四条,"
          "《城市市容和环境卫生管理条例》第三十六条,一般：50–200元；较重：200–500元,ZDJY,占道经营\n"
          "CG-CF-002,对跨门营业的处罚,行政处罚,《江苏省城市市容和环境卫生管理条例》,,,KMJY,\"跨门营业、店外经营\"\n"
          "CG-JC-001,市容环境卫生检查,行政检查,《城市市容和环境卫生管理条例》,,,,占道经营\n")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bureau.db'}"


def test_import_search_and_links(tmp_path: Path, db: str) -> None:
    result = import_file("powers", write_csv(tmp_path / "powers.csv", POWERS), db)
    assert result.returncode == 0, result.stderr
    assert "added 3" in result.stdout
    store = Store(db)
    try:
        assert [p.code for p in search_powers(store, "跨门")] == ["CG-CF-002"]
        assert [p.code for p in search_powers(store, "第三十六条")] == ["CG-CF-001"]
        assert search_powers(store, "CG-CF-002")[0].categories == ("跨门营业", "店外经营")
        assert [p.code for p in powers_for(store, violation_code="zdjy")] == ["CG-CF-001"]
        assert [p.code for p in powers_for(store, category="占道经营")] == ["CG-CF-001", "CG-JC-001"]
    finally:
        store.close()
    again = import_file("powers", tmp_path / "powers.csv", db)
    assert again.returncode == 0 and "unchanged 3" in again.stdout


def test_a_bad_row_is_named_and_nothing_is_imported(tmp_path: Path, db: str) -> None:
    assert import_file("powers", write_csv(tmp_path / "ok.csv", POWERS), db).returncode == 0
    before = snapshot(db)
    bad = POWERS + "CG-CF-009,对乱涂乱画的处罚,行政处罚,《条例》,,,XXXX,\nCG-CF-001,重复,行政处罚,《条例》,,,,\n"
    result = import_file("powers", write_csv(tmp_path / "bad.csv", bad), db)
    assert result.returncode != 0
    assert "row 5, 违法行为代码: XXXX not in the 裁量基准" in result.stderr
    assert "row 6, 事项编码: 'CG-CF-001' is already on row 2" in result.stderr
    assert snapshot(db) == before
    missing = import_file("powers", write_csv(tmp_path / "nobasis.csv", "事项编码,事项名称\nA,B\n"), db)
    assert missing.returncode != 0 and "设定依据" in missing.stderr


def test_powers_panel_shows_the_case_and_searches(qtbot, services, tasks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.golive.framework import run_import
    from commandcenter.golive.registry import KINDS

    run_import(services.store, KINDS["powers"], write_csv(tmp_path / "powers.csv", POWERS))
    case_id = services.make_case(category_name="占道经营")
    assert [p.code for p in powers_of_case(services.store, case_id)] == ["CG-CF-001", "CG-JC-001"]
    panel = PowersPanel(services.store, tasks)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.set_case(case_id)
    assert panel.table.rowCount() == 2 and "第三十六条" in panel.detail.toPlainText()
    qtbot.keyClicks(panel.search_edit, "KMJY")
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        qtbot.mouseClick(panel.search_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 1 and panel.table.item(0, 0).text() == "CG-CF-002"
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        qtbot.mouseClick(panel.case_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 2
