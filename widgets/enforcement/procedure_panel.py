"""The procedure of one case after its 处理决定: where it stands, the documents issued so far, and the next step as
one button each (告知, 陈述申辩, 决定, 执行, 结案归档); the 简易程序 (当场处罚) in one step.

The order, the 法制审核 gate, the 陈述申辩 period and the statutory limit of the 简易程序 are the core's
(``enforcement.procedure``); the view offers the step the core names and shows its refusal otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.enforcement.decisions import DecisionService, PartyInfo
from commandcenter.enforcement.documents import CHINA
from commandcenter.enforcement.procedure import STEP_ZH, ProcedureService, ProcedureState, outcome_line
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from widgets.enforcement.style import PANEL_QSS, set_role


class ProcedurePanel(QWidget):
    """Steps of one case. ``loaded`` when the state is on screen, ``step_done`` after a step was taken."""

    loaded = Signal()
    step_done = Signal(object)  # StepInfo

    def __init__(self, procedure: ProcedureService, decisions: DecisionService, tasks: TaskManager, *, actor: str,
                 allowed: Callable[[str], bool] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.procedure = procedure
        self.decisions = decisions
        self.actor = actor
        self.allowed = allowed or (lambda _p: True)
        self.case_id: int | None = None
        self.state: ProcedureState | None = None
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        self._build()

    def _build(self) -> None:
        self.title = QLabel(self.tr("Procedure"))
        self.title.setProperty("role", "title")
        self.decision_label = QLabel("")
        self.decision_label.setWordWrap(True)
        self.waiting_label = QLabel("")
        self.waiting_label.setWordWrap(True)
        self.steps = QListWidget()
        self.steps.setMaximumHeight(150)

        general = QGroupBox(self.tr("General procedure"))
        self.notify_button = QPushButton(self.tr("Serve prior notice"))
        self.notify_button.clicked.connect(lambda: self._take(
            lambda case_id: self.procedure.notify(case_id, actor=self.actor)))
        self.statement = QLineEdit()
        self.statement.setPlaceholderText(self.tr("What the party stated in defence"))
        self.waived = QCheckBox(self.tr("Party waived the statement"))
        self.statement_button = QPushButton(self.tr("Record statement"))
        self.statement_button.clicked.connect(self.record_statement)
        self.decide_button = QPushButton(self.tr("Issue decision"))
        self.decide_button.clicked.connect(lambda: self._take(
            lambda case_id: self.procedure.decide(case_id, actor=self.actor)))
        self.execution_note = QLineEdit()
        self.execution_note.setPlaceholderText(self.tr("How it was carried out (receipt number, correction)"))
        self.execute_button = QPushButton(self.tr("Record execution"))
        self.execute_button.clicked.connect(self.execute)
        self.archive_button = QPushButton(self.tr("Close and archive"))
        self.archive_button.clicked.connect(lambda: self._take(
            lambda case_id: self.procedure.archive(case_id, actor=self.actor)))
        grid = QFormLayout(general)
        grid.addRow(self.tr("1. Notice"), self.notify_button)
        statement_row = QHBoxLayout()
        statement_row.addWidget(self.statement, 1)
        statement_row.addWidget(self.waived)
        statement_row.addWidget(self.statement_button)
        grid.addRow(self.tr("2. Statement"), statement_row)
        grid.addRow(self.tr("3. Decision"), self.decide_button)
        execute_row = QHBoxLayout()
        execute_row.addWidget(self.execution_note, 1)
        execute_row.addWidget(self.execute_button)
        grid.addRow(self.tr("4. Execution"), execute_row)
        grid.addRow(self.tr("5. Archive"), self.archive_button)

        summary = QGroupBox(self.tr("Summary procedure (on-the-spot fine: ≤200 yuan a citizen, ≤3000 an "
                                    "organisation)"))
        self.summary_party = QComboBox()
        self.summary_violation = QComboBox()
        for code, violation in self.decisions.discretion.violations.items():
            self.summary_violation.addItem(f"{violation.name}（{code}）", code)
        self.summary_violation.currentIndexChanged.connect(self._violation_changed)
        self.summary_circumstance = QComboBox()
        self.summary_amount = QDoubleSpinBox()
        self.summary_amount.setRange(0, 3000)
        self.summary_amount.setDecimals(0)
        self.summary_amount.setSuffix(" 元")
        self.summary_statement = QLineEdit()
        self.summary_button = QPushButton(self.tr("Fine on the spot"))
        self.summary_button.clicked.connect(self.summary)
        form = QFormLayout(summary)
        form.addRow(self.tr("Party"), self.summary_party)
        form.addRow(self.tr("Violation"), self.summary_violation)
        form.addRow(self.tr("Circumstance"), self.summary_circumstance)
        form.addRow(self.tr("Fine"), self.summary_amount)
        form.addRow(self.tr("Party's statement"), self.summary_statement)
        form.addRow(self.summary_button)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget in (self.title, self.decision_label, self.waiting_label, self.steps, general, summary,
                       self.message):
            layout.addWidget(widget)
        layout.addStretch(1)
        self._violation_changed()
        self._enable()

    def _violation_changed(self) -> None:
        self.summary_circumstance.clear()
        code = self.summary_violation.currentData()
        if code is None:
            return
        for c in self.decisions.discretion.violation(code).circumstances:
            self.summary_circumstance.addItem(f"{c.label}（{c.level}）", c.id)

    # ------------------------------------------------------------------------------------------- reading
    def set_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.title.setText(self.tr("Procedure of case %1").replace("%1", str(case_id)))
        self.refresh()

    def refresh(self) -> None:
        if self.case_id is None:
            return
        case_id = self.case_id

        def read() -> tuple[ProcedureState, list[PartyInfo]]:
            return self.procedure.state(case_id), self.decisions.parties(case_id)

        self._bg.run(read, lambda pair: self._show(case_id, *pair), self._failed)

    def _show(self, case_id: int, state: ProcedureState, parties: list[PartyInfo]) -> None:
        if case_id != self.case_id:
            return
        self.state = state
        self.title.setText(self.tr("Procedure of case %1").replace("%1", state.case_code))
        self.decision_label.setText(self.tr("Decision: %1").replace(
            "%1", outcome_line(state.decision) if state.decision else self.tr("none yet")))
        if state.waiting:
            self.waiting_label.setText(state.waiting)
            set_role(self.waiting_label, "warn")
        else:
            self.waiting_label.setText(self.tr("Next step: %1").replace("%1", STEP_ZH.get(state.next_step, "—")))
            set_role(self.waiting_label, "ok")
        self.steps.clear()
        for s in state.steps:
            deadline = (self.tr(", statement until %1").replace(
                "%1", f"{(s.deadline - timedelta(seconds=1)).astimezone(CHINA):%Y-%m-%d}") if s.deadline else "")
            self.steps.addItem(f"{s.at.astimezone(CHINA):%Y-%m-%d %H:%M} {s.step_zh} {s.doc_no} {s.actor}"
                               f"{deadline} {s.note}".rstrip())
        if not state.steps:
            self.steps.addItem(self.tr("No step taken yet"))
        self.summary_party.clear()
        for party in parties:
            self.summary_party.addItem(f"{party.name} {party.credit_code or party.id_number}".strip(), party.id)
        self._enable()
        self.loaded.emit()

    def _enable(self) -> None:
        nxt = self.state.next_step if self.state is not None else ""
        ready = self.state is not None and not self.state.waiting
        decide = self.allowed("case.decide") and self.allowed("document.issue")
        self.notify_button.setEnabled(decide and nxt == "notice")
        self.statement_button.setEnabled(decide and self.state is not None and self.state.step("notice") is not None
                                         and nxt == "decision")
        self.decide_button.setEnabled(decide and nxt == "decision" and ready)
        self.execute_button.setEnabled(self.allowed("case.execute") and nxt == "execution")
        self.archive_button.setEnabled(self.allowed("case.archive") and (nxt == "archive" or (
            self.state is not None and self.state.decision is not None and self.state.decision.outcome ==
            "no_penalty" and self.state.step("decision") is not None and nxt == "execution")))
        self.summary_button.setEnabled(decide and self.state is not None and not self.state.steps
                                       and self.summary_party.count() > 0)

    # ------------------------------------------------------------------------------------------- steps
    def record_statement(self) -> None:
        text, waived = self.statement.text(), self.waived.isChecked()
        self._take(lambda case_id: self.procedure.record_statement(case_id, actor=self.actor, statement=text,
                                                                   waived=waived))

    def execute(self) -> None:
        note = self.execution_note.text()
        self._take(lambda case_id: self.procedure.execute(case_id, actor=self.actor, note=note))

    def summary(self) -> None:
        party_id, violation = self.summary_party.currentData(), self.summary_violation.currentData()
        circumstance, amount = self.summary_circumstance.currentData(), self.summary_amount.value()
        statement = self.summary_statement.text()
        if party_id is None:
            self._say(self.tr("Record the party first (Parties tab)."), "error")
            return
        self._take(lambda case_id: self.procedure.summary(
            case_id, actor=self.actor, violation_code=violation, party_id=party_id, circumstances=[circumstance],
            amount=amount, statement=statement))

    def _take(self, step: Callable[[int], object]) -> None:
        if self.case_id is None:
            return
        case_id = self.case_id
        self._say(self.tr("Working… (documents are rendered and numbered)"), "hint")
        self._bg.run(lambda: step(case_id), self._taken, self._failed)

    def _taken(self, step: object) -> None:
        doc_no = getattr(step, "doc_no", "")
        self._say(self.tr("Done: %1 %2").replace("%1", getattr(step, "step_zh", "")).replace("%2", doc_no), "ok")
        for edit in (self.statement, self.execution_note, self.summary_statement):
            edit.clear()
        self.waived.setChecked(False)
        self.step_done.emit(step)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._say(getattr(exc, "message_zh", None) or str(exc), "error")
        self.loaded.emit()

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)

