"""执法公示 export: the contract command `commandcenter disclosure export --from --to --out [--db]`, and the same
from the disclosure panel with real clicks."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from sqlalchemy import update

from commandcenter.cli import main
from commandcenter.enforcement.documents import CHINA
from commandcenter.store import utcnow
from commandcenter.store.models import Case
from widgets.enforcement.disclosure_panel import DisclosurePanel

ROOT = Path(__file__).resolve().parents[2]


def _closed_decision(services, name: str, id_number: str, status: str = "archived") -> int:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    party = services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name=name,
                                              id_number=id_number, phone="13812345678")
    services.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=party.id,
                                       circumstances=["small_area"])
    services.documents.issue(case_id, "penalty_decision", actor="leader")
    services.store.write(lambda s: s.execute(update(Case).where(Case.id == case_id).values(status=status)))
    return case_id


@pytest.fixture
def published(services):  # type: ignore[no-untyped-def]
    _closed_decision(services, "欧阳娜娜", "11010519491231002X")
    _closed_decision(services, "赵六", "110101199003074477", status="executing")  # not closed: not published
    return services


def test_cli_exports_the_period_masked(published, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().astimezone(CHINA).date()
    out = tmp_path / "pub.csv"
    code = main(["disclosure", "export", "--from", str(today), "--to", str(today), "--out", str(out),
                 "--db", published.store.url])
    assert code == 0
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["当事人"], r["证件号码"], r["联系电话"]) for r in rows] == [("欧阳**", "110105********002X", "138****5678")]
    assert main(["disclosure", "export", "--from", str(today + timedelta(days=1)), "--to",
                 str(today + timedelta(days=2)), "--out", str(tmp_path / "none.json"), "--db",
                 published.store.url]) == 0
    assert json.loads((tmp_path / "none.json").read_text(encoding="utf-8"))["records"] == []
    exports = published.audit.entries(action_prefix="disclosure.export")
    assert len(exports) == 2 and exports[0].actor.startswith("cli:")
    # Usage errors: a period backwards, an unknown format, a bad date.
    assert main(["disclosure", "export", "--from", str(today), "--to", str(today - timedelta(days=1)), "--out",
                 str(out), "--db", published.store.url]) == 2
    assert main(["disclosure", "export", "--from", str(today), "--to", str(today), "--out",
                 str(tmp_path / "x.pdf"), "--db", published.store.url]) == 2
    assert main(["disclosure", "export", "--from", "2026-13-01", "--to", str(today), "--out", str(out)]) == 2


def test_cli_as_a_process(published, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().astimezone(CHINA).date()
    out = tmp_path / "pub.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", "import sys; from commandcenter.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", "disclosure", "export", "--from", str(today), "--to",
                           str(today), "--out", str(out), "--db", published.store.url],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "当事人" and rows[1][2] == "欧阳**" and len(rows) == 2


def test_panel_previews_and_exports(qtbot, published, tasks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().astimezone(CHINA).date()
    panel = DisclosurePanel(published.store, published.audit, published.authorizer.authorize, tasks, actor="legal")
    qtbot.addWidget(panel)
    panel.show()
    panel.set_period(today, today)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 1 and panel.table.item(0, 2).text() == "欧阳**"
    with qtbot.waitSignal(panel.exported, timeout=20000):
        panel.export_to(tmp_path / "pub.csv")  # the file dialog's answer
    assert "欧阳**" in (tmp_path / "pub.csv").read_text(encoding="utf-8-sig")

    refused = DisclosurePanel(published.store, published.audit, published.authorizer.authorize, tasks,
                              actor="dispatcher")  # no disclosure.export
    qtbot.addWidget(refused)
    with qtbot.waitSignal(refused.loaded, timeout=10000):
        refused.export_to(tmp_path / "refused.csv")
    assert "disclosure.export" in refused.message.text() and not (tmp_path / "refused.csv").exists()
