"""The procedure after the 处理决定 on the real CaseService: 法制审核 queue (approve / return with reasons), 告知 with
the 陈述申辩 period on the work calendar, 决定, 执行, 结案归档, each with its numbered, hashed, audited document;
简易程序 in one step within the statutory limit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import commandcenter.cases.service as cases_module
from commandcenter.cases.calendar import WorkCalendar, load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import NewCase
from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import create_demo_users
from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.decisions import DecisionError
from commandcenter.enforcement.documents import CHINA
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.enforcement.procedure import ProcedureError, ProcedureService, statement_deadline
from commandcenter.enforcement.services import EnforcementServices

ID_A = "11010519491231002X"
CREDIT = "91350100M000100Y43"


@dataclass
class World:
    enforcement: EnforcementServices
    cases: cases_module.CaseService
    procedure: ProcedureService

    def new_case(self, *, investigate: bool = True) -> tuple[str, int]:
        view = self.cases.create_case(NewCase(source="dispatcher", category="占道经营", address="江东中路201号",
                                              description="早市摊贩占道"), "dispatcher").result(30)
        self.cases.register(view.code, "dispatcher").result(30)
        if investigate:
            self.cases.investigate(view.code, "dispatcher").result(30)
        return view.code, view.id


@pytest.fixture
def world(store, tasks, tmp_path: Path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    mark_demo_database(store)
    create_demo_users(store)
    enforcement = EnforcementServices.create(store, tasks=tasks, evidence_root=tmp_path / "ev",
                                             documents_dir=tmp_path / "docs", data_key=tmp_path / "data.key")
    svc = cases_module.CaseService(store, load_calendar(), load_categories(), authorize=enforcement.authorize,
                                   audit=enforcement.audit_hook, guard=enforcement.guard)
    enforcement.attach_cases(svc)
    assert enforcement.procedure is not None
    yield World(enforcement, svc, enforcement.procedure)
    enforcement.close()


def test_statement_period_counts_working_days_only() -> None:
    calendar = WorkCalendar(holidays={date(2026, 10, d): "国庆节" for d in range(1, 8)},
                            workdays={date(2026, 10, 10): "国庆调休"})
    served = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)  # the day before 国庆
    deadline = statement_deadline(calendar, served, 3)
    # 1–7 Oct are holidays, 8 Oct (Thu) and 9 Oct (Fri) work, 10 Oct is a make-up Saturday: the third day.
    assert deadline == datetime(2026, 10, 11, 0, 0, tzinfo=CHINA)
    friday = datetime(2026, 11, 6, 16, 0, tzinfo=CHINA)
    assert statement_deadline(WorkCalendar(), friday, 3) == datetime(2026, 11, 12, 0, 0, tzinfo=CHINA)


def test_general_procedure_end_to_end(world: World, tmp_path: Path) -> None:
    enf, procedure = world.enforcement, world.procedure
    code, case_id = world.new_case()
    party = enf.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="张三", id_number=ID_A)
    first = enf.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=party.id,
                                          circumstances=["large_area"], flagged_major=True)
    assert [item.case_code for item in procedure.review_queue()] == [code]
    with pytest.raises(ProcedureError, match="待法制审核"):
        procedure.notify(case_id, actor="leader")  # 重大: nothing proceeds before the review
    with pytest.raises(DecisionError, match="理由"):
        procedure.review(first.id, actor="legal", approve=False)
    with pytest.raises(PermissionDenied):
        procedure.review(first.id, actor="dispatcher", approve=True)
    returned = procedure.review(first.id, actor="legal", approve=False, note="证据不足：缺少占道面积测量记录")
    assert returned.review_status == "rejected" and procedure.review_queue() == []
    assert "证据不足" in procedure.state(case_id).waiting
    second = enf.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=party.id,
                                           circumstances=["large_area"], flagged_major=True)
    procedure.review(second.id, actor="legal", approve=True, note="同意")
    assert procedure.state(case_id).next_step == "notice"

    notice = procedure.notify(case_id, actor="leader")
    assert notice.doc_no.startswith("宁城管罚告字") and notice.deadline is not None
    assert notice.deadline == statement_deadline(world.cases.calendar, notice.at)
    assert world.cases.get(code).status == "deciding"
    with pytest.raises(ProcedureError, match="陈述申辩期至"):
        procedure.decide(case_id, actor="leader")
    with pytest.raises(ProcedureError, match="陈述申辩内容"):
        procedure.record_statement(case_id, actor="leader", statement=" ")
    procedure.record_statement(case_id, actor="leader", statement="当事人称系初次摆摊，请求从轻")
    decided = procedure.decide(case_id, actor="leader")
    assert decided.doc_no.startswith("宁城管罚决字")
    with pytest.raises(ProcedureError, match="现在应执行"):
        procedure.archive(case_id, actor="leader")
    with pytest.raises(PermissionDenied, match=r"case\.execute"):
        procedure.execute(case_id, actor="leader", note="罚款已缴")
    executed = procedure.execute(case_id, actor="dispatcher", note="罚款已缴，票据号 No.0012345")
    assert executed.doc_no.startswith("宁城管执字") and world.cases.get(code).status == "executing"
    archived = procedure.archive(case_id, actor="leader", note="执行完毕")
    assert archived.doc_no.startswith("宁城管结字") and world.cases.get(code).status == "archived"

    state = procedure.state(case_id)
    assert [s.step for s in state.steps] == ["notice", "statement", "decision", "execution", "archive"]
    assert state.next_step == "" and state.waiting == "已结案归档"
    documents = enf.documents.for_case(case_id)
    assert [d.doc_type for d in documents] == ["penalty_notice", "penalty_decision", "execution_record",
                                               "closing_report"]
    for doc in documents:  # each one numbered, stored, hashed
        assert hashlib.sha256(doc.path.read_bytes()).hexdigest() == doc.sha256
    actions = [e.action for e in enf.audit.entries(subjects=[f"case:{case_id}"])]
    for action in ("decision.legal_review", "procedure.notice", "procedure.statement", "procedure.decision",
                   "procedure.execution", "procedure.archive"):
        assert action in actions
    assert verify(enf.store).ok


def test_no_penalty_skips_notice_and_execution(world: World) -> None:
    enf, procedure = world.enforcement, world.procedure
    code, case_id = world.new_case()
    party = enf.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="李四",
                                         id_number="110101199003074477")
    enf.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=party.id,
                                  circumstances=["small_area"],
                                  findings={"harm_minor": True, "corrected_promptly": True})
    assert procedure.state(case_id).next_step == "decision"
    assert procedure.decide(case_id, actor="leader").doc_no.startswith("宁城管不罚字")
    procedure.archive(case_id, actor="leader")
    assert world.cases.get(code).status == "archived"


def test_summary_procedure_in_one_step_within_the_limit(world: World) -> None:
    enf, procedure = world.enforcement, world.procedure
    code, case_id = world.new_case(investigate=False)
    person = enf.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="王五",
                                          id_number="110101199003074477")
    with pytest.raises(ProcedureError, match="第五十一条"):
        procedure.summary(case_id, actor="leader", violation_code="ZDJY", party_id=person.id,
                          circumstances=["large_area"], amount=300)
    assert enf.decisions.current_decision(case_id) is None  # refused before anything was recorded
    with pytest.raises(PermissionDenied):
        procedure.summary(case_id, actor="dispatcher", violation_code="ZDJY", party_id=person.id,
                          circumstances=["small_area"], amount=100)
    step = procedure.summary(case_id, actor="leader", violation_code="ZDJY", party_id=person.id,
                             circumstances=["small_area"], amount=100, statement="无异议")
    assert step.doc_no.startswith("宁城管当罚字") and world.cases.get(code).status == "archived"
    assert [d.doc_type for d in enf.documents.for_case(case_id)] == ["summary_decision"]

    code2, shop_case = world.new_case()
    shop = enf.decisions.identify_party(shop_case, actor="dispatcher", kind="shop", name="鸿运水果店",
                                        credit_code=CREDIT)
    procedure.summary(shop_case, actor="leader", violation_code="ZDJY", party_id=shop.id,
                      circumstances=["refused"], amount=1000)  # an organisation: up to 3000 元
    assert world.cases.get(code2).status == "archived"
    assert timedelta(0) <= datetime.now(CHINA) - step.at.astimezone(CHINA) < timedelta(minutes=5)


# ------------------------------------------------------------------------------------------ from the screens
def test_procedure_walked_from_the_panels(qtbot, world: World, tasks) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from widgets.enforcement.procedure_panel import ProcedurePanel
    from widgets.enforcement.review_panel import ReviewQueuePanel

    enf = world.enforcement
    code, case_id = world.new_case()
    party = enf.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="张三", id_number=ID_A)
    enf.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=party.id,
                                  circumstances=["large_area"], flagged_major=True)

    def panel_for(actor: str) -> ProcedurePanel:
        panel = ProcedurePanel(world.procedure, enf.decisions, tasks, actor=actor,
                               allowed=lambda p: enf.authorizer.allowed(actor, p))
        qtbot.addWidget(panel)
        panel.show()
        with qtbot.waitSignal(panel.loaded, timeout=10000):
            panel.set_case(case_id)
        return panel

    leader = panel_for("leader")
    assert "待法制审核" in leader.waiting_label.text() and not leader.notify_button.isEnabled()

    queue = ReviewQueuePanel(world.procedure, tasks, actor="legal")
    qtbot.addWidget(queue)
    queue.show()
    with qtbot.waitSignal(queue.loaded, timeout=10000):
        queue.refresh()
    assert queue.table.rowCount() == 1 and queue.table.item(0, 0).text() == code
    with qtbot.waitSignal(queue.loaded, timeout=10000):  # a return without reasons is refused
        qtbot.mouseClick(queue.return_button, Qt.MouseButton.LeftButton)
    assert "理由" in queue.message.text()
    queue.note.setPlainText("同意")
    with qtbot.waitSignal(queue.reviewed, timeout=10000):
        qtbot.mouseClick(queue.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queue.table.rowCount() == 0, timeout=10000)

    with qtbot.waitSignal(leader.loaded, timeout=10000):
        leader.refresh()
    assert leader.notify_button.isEnabled()
    with qtbot.waitSignal(leader.step_done, timeout=60000):
        qtbot.mouseClick(leader.notify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: leader.statement_button.isEnabled(), timeout=10000)
    assert not leader.decide_button.isEnabled() and "陈述申辩期至" in leader.waiting_label.text()
    qtbot.mouseClick(leader.waived, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(leader.step_done, timeout=10000):
        qtbot.mouseClick(leader.statement_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: leader.decide_button.isEnabled(), timeout=10000)
    with qtbot.waitSignal(leader.step_done, timeout=60000):
        qtbot.mouseClick(leader.decide_button, Qt.MouseButton.LeftButton)

    dispatcher = panel_for("dispatcher")  # 执行 is the dispatcher's (case.execute)
    assert dispatcher.execute_button.isEnabled() and not dispatcher.archive_button.isEnabled()
    qtbot.keyClicks(dispatcher.execution_note, "paid, receipt No.0012345")
    with qtbot.waitSignal(dispatcher.step_done, timeout=60000):
        qtbot.mouseClick(dispatcher.execute_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(leader.loaded, timeout=10000):
        leader.refresh()
    with qtbot.waitSignal(leader.step_done, timeout=60000):
        qtbot.mouseClick(leader.archive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: leader.waiting_label.text() == "已结案归档", timeout=10000)
    assert leader.steps.count() == 5 and world.cases.get(code).status == "archived"
    assert "宁城管结字" in leader.steps.item(4).text()


def test_summary_procedure_from_the_panel(qtbot, world: World, tasks) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from widgets.enforcement.procedure_panel import ProcedurePanel

    enf = world.enforcement
    code, case_id = world.new_case(investigate=False)
    enf.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="王五",
                                 id_number="110101199003074477")
    panel = ProcedurePanel(world.procedure, enf.decisions, tasks, actor="leader",
                           allowed=lambda p: enf.authorizer.allowed("leader", p))
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.set_case(case_id)
    panel.summary_violation.setCurrentIndex(panel.summary_violation.findData("ZDJY"))
    panel.summary_circumstance.setCurrentIndex(panel.summary_circumstance.findData("large_area"))
    panel.summary_amount.setValue(300)
    with qtbot.waitSignal(panel.loaded, timeout=10000):  # above the 200 元 limit for a citizen: refused
        qtbot.mouseClick(panel.summary_button, Qt.MouseButton.LeftButton)
    assert "第五十一条" in panel.message.text()
    panel.summary_circumstance.setCurrentIndex(panel.summary_circumstance.findData("small_area"))
    panel.summary_amount.setValue(150)
    with qtbot.waitSignal(panel.step_done, timeout=60000):
        qtbot.mouseClick(panel.summary_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.waiting_label.text() == "已结案归档", timeout=10000)
    assert world.cases.get(code).status == "archived" and "宁城管当罚字" in panel.steps.item(0).text()


def test_procedure_tab_groups_the_panels_and_follows_the_case(qtbot, world: World, tasks) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from widgets.enforcement.procedure_tabs import ProcedureTabs

    tabs = ProcedureTabs(world.enforcement, tasks, actor="admin")
    qtbot.addWidget(tabs)
    tabs.show()
    assert tabs.count() == 8  # 当事人, 执法程序, 法制审核, 联合执法, 联动部门, 综合查一次, 权力清单, 执法公示
    _code, case_id = world.new_case()
    assert tabs.procedure is not None
    with qtbot.waitSignal(tabs.procedure.loaded, timeout=10000):
        tabs.set_case(case_id)  # every case panel follows the dispatch screen's selection
    assert all(getattr(panel, "case_id", None) == case_id for panel in tabs.case_panels)
    tabs.party.name.setText("张三")
    qtbot.keyClicks(tabs.party.id_number, ID_A)
    with qtbot.waitSignal(tabs.changed, timeout=10000):  # the screen's decision panel re-reads its parties
        qtbot.mouseClick(tabs.party.record_button, Qt.MouseButton.LeftButton)
