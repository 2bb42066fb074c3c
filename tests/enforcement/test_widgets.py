"""The enforcement views render offscreen and talk to the real services."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QColor, QImage

from commandcenter.enforcement.auth import AuthService
from widgets.enforcement import CaseTimeline, DecisionPanel, LoginDialog


def _png(tmp_path: Path) -> Path:
    image = QImage(120, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#2f81f7"))
    path = tmp_path / "scene.png"
    assert image.save(str(path))
    return path


def test_login_dialog(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(AuthService(services.store, services.audit), username="dispatcher")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText("wrong-password")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled() and "Wrong" in dialog.message.text(), timeout=10000)
    dialog.password.setText("dispatch-2026")
    with qtbot.waitSignal(dialog.logged_in, timeout=10000) as blocker:
        dialog.submit()
    assert blocker.args[0].role == "dispatcher"
    assert dialog.user is not None and dialog.result() == dialog.DialogCode.Accepted


def test_case_timeline_with_thumbnails(qtbot, services, tasks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    services.evidence.add(case_id, _png(tmp_path), actor="dispatcher", device="BWC-1")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    services.evidence.add(case_id, clip, actor="pilot", device="UAV-2")
    services.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=None,
                                       circumstances=["small_area"])
    with pytest.raises(PermissionError):
        services.authorizer.authorize("observer", "case.close")
    services.store.write(lambda s: services.audit.append(s, "dispatcher", "case.dispatch", f"case:{case_id}",
                                                         {"officer": "O-7"}))
    timeline = CaseTimeline(services.store, tasks, evidence_root=services.evidence.root)
    qtbot.addWidget(timeline)
    timeline.resize(900, 500)
    timeline.show()
    with qtbot.waitSignal(timeline.loaded, timeout=10000):
        timeline.set_case(case_id)  # read and thumbnails decoded on the task manager, not here
    tree = timeline.tree
    actions = [tree.topLevelItem(i).text(2) for i in range(tree.topLevelItemCount())]
    assert any(a.startswith("Evidence added") for a in actions)
    assert any(a.startswith("Decision recorded") for a in actions)
    photo_row = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                     if tree.topLevelItem(i).text(1) == "dispatcher" and "Evidence" in tree.topLevelItem(i).text(2))
    assert not photo_row.icon(2).isNull()
    assert timeline.grab().width() > 0
    with qtbot.waitSignal(timeline.loaded, timeout=10000):
        timeline.set_case(987654)
    assert "not found" in timeline.header.text()


def test_decision_panel_flow(qtbot, services, tasks) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="王五",
                                      id_number="320105199202021233")
    panel = DecisionPanel(services.decisions, services.documents, tasks, actor="leader",
                          allowed=lambda p: services.authorizer.allowed("leader", p))
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.proposal_shown, timeout=10000):  # parties and history read off the GUI thread
        panel.set_case(case_id)
    assert panel.party_combo.currentData() is not None
    panel.violation_combo.setCurrentIndex(panel.violation_combo.findData("ZDJY"))
    with qtbot.waitSignal(panel.proposal_shown, timeout=10000):
        panel._circumstance_boxes["small_area"].setChecked(True)
    assert panel.proposal_view.proposal is not None and panel.proposal_view.amount.value() == 130
    panel.findings["harm_minor"].setChecked(True)
    panel.findings["corrected_promptly"].setChecked(True)
    qtbot.waitUntil(lambda: panel.proposal_view.proposal is not None and panel.proposal_view.proposal.outcome == "no_penalty", timeout=10000)
    assert panel.proposal_view.amount.value() == 0
    # Deviate: impose a fine instead; the reason is required.
    panel.proposal_view.outcome_combo.setCurrentIndex(panel.proposal_view.outcome_combo.findData("penalty"))
    panel.proposal_view.amount.setValue(100)
    assert panel.proposal_view.deviates()
    panel.record()
    assert "reason" in panel.message.text()
    panel.proposal_view.reason.setPlainText("当事人拒不承认违法事实")
    with qtbot.waitSignal(panel.decision_recorded, timeout=10000) as blocker:
        panel.record()
    assert blocker.args[0].amount == 100 and blocker.args[0].deviation_reason
    qtbot.waitUntil(lambda: "may be issued" in panel.review_label.text(), timeout=10000)
    panel.doc_combo.setCurrentIndex(panel.doc_combo.findData("penalty_decision"))
    with qtbot.waitSignal(panel.document_issued, timeout=30000) as issued:
        panel.generate_document()
    assert issued.args[0].doc_no.startswith("宁城管罚决字")
    assert panel.grab().width() > 0


def test_observer_cannot_press_buttons(qtbot, services, tasks) -> None:  # type: ignore[no-untyped-def]
    panel = DecisionPanel(services.decisions, services.documents, tasks, actor="observer",
                          allowed=lambda p: services.authorizer.allowed("observer", p))
    qtbot.addWidget(panel)
    assert not panel.record_button.isEnabled() and not panel.doc_button.isEnabled()


def test_chinese_translation(qtbot, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Every string of the views is translated; the compiled catalogue turns the login dialog Chinese."""
    import shutil
    import subprocess
    import sys

    from PySide6.QtCore import QCoreApplication, QTranslator

    from commandcenter.paths import RESOURCES

    ts = RESOURCES / "translations" / "enforcement_zh_CN.ts"
    text = ts.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text and "<translation></translation>" not in text
    lrelease = shutil.which("pyside6-lrelease") or str(Path(sys.executable).parent / "pyside6-lrelease")
    qm = tmp_path / "enforcement_zh_CN.qm"
    subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    app = QCoreApplication.instance()
    app.installTranslator(translator)
    try:
        dialog = LoginDialog(AuthService(services.store, services.audit))
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "登录 — 智慧城管指挥中心"
    finally:
        app.removeTranslator(translator)
