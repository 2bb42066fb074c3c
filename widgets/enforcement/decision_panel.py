"""The decision panel: party history, the 首违不罚 proposal, the 裁量基准 circumstances picker with the proposed
penalty and the mandatory deviation reason, the 法制审核 status, and document generation.

All rules are evaluated by ``DecisionService``/``rules`` in the core; this view only collects the officer's
picks and shows what the core says. Every read (parties, a party's history, the proposal, the legal-review
state) and every write runs on the task manager and comes back through the GUI bridge: the GUI thread never
waits on the database. A reply to an older request (the officer already changed a pick) is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.enforcement.decisions import DecisionProposal, DecisionService, PartyInfo
from commandcenter.enforcement.documents import DocumentService
from commandcenter.enforcement.rules import (
    CONDITION_ZH,
    FINDING_CONDITIONS,
    OUTCOME_ZH,
    PartyHistory,
    RulesError,
    can_issue_decision,
)
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from widgets.enforcement.proposal_view import ProposalView
from widgets.enforcement.style import PANEL_QSS, set_role


class DecisionPanel(QWidget):
    """Decision support for one case. ``allowed(permission)`` enables the buttons the user may press."""

    decision_recorded = Signal(object)  # DecisionInfo
    document_issued = Signal(object)  # IssuedInfo
    proposal_shown = Signal()  # the proposal (or why there is none) for the current picks is on screen
    review_shown = Signal()  # the legal-review state of the case is on screen

    def __init__(self, decisions: DecisionService, documents: DocumentService, tasks: TaskManager, *, actor: str,
                 allowed: Callable[[str], bool] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decisions = decisions
        self.documents = documents
        self.actor = actor
        self.allowed = allowed or (lambda _p: True)
        self.case_id: int | None = None
        self._bg = GuiBridge(tasks, self)
        self._asked = 0  # the latest proposal request; older replies are dropped
        self._circumstance_boxes: dict[str, QCheckBox] = {}
        self._factor_boxes: dict[str, QCheckBox] = {}
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        self._build()

    # ------------------------------------------------------------------------------------------- layout
    def _build(self) -> None:
        self.title = QLabel(self.tr("Decision"))
        self.title.setProperty("role", "title")

        party_box = QGroupBox(self.tr("Party and history"))
        self.party_combo = QComboBox()
        self.party_combo.currentIndexChanged.connect(self._recompute)
        self.history = QListWidget()
        self.history.setMaximumHeight(110)
        party_layout = QVBoxLayout(party_box)
        party_layout.addWidget(self.party_combo)
        party_layout.addWidget(self.history)

        facts_box = QGroupBox(self.tr("Violation and circumstances"))
        self.violation_combo = QComboBox()
        for code, violation in self.decisions.discretion.violations.items():
            self.violation_combo.addItem(f"{violation.name}（{code}）", code)
        self.violation_combo.currentIndexChanged.connect(self._violation_changed)
        self.circumstances = QGridLayout()
        self.factors = QGridLayout()
        self.findings: dict[str, QCheckBox] = {}
        findings_row = QHBoxLayout()
        for name in sorted(FINDING_CONDITIONS):
            box = QCheckBox(CONDITION_ZH[name])
            box.toggled.connect(self._recompute)
            self.findings[name] = box
            findings_row.addWidget(box)
        facts = QVBoxLayout(facts_box)
        facts.addWidget(self.violation_combo)
        facts.addWidget(QLabel(self.tr("Circumstances (the most serious sets the level):")))
        facts.addLayout(self.circumstances)
        facts.addWidget(QLabel(self.tr("Lighter / heavier factors:")))
        facts.addLayout(self.factors)
        facts.addWidget(QLabel(self.tr("Findings on the spot:")))
        facts.addLayout(findings_row)

        self.proposal_view = ProposalView()

        review_box = QGroupBox(self.tr("Legal review and documents"))
        self.review_label = QLabel("")
        self.review_label.setWordWrap(True)
        self.record_button = QPushButton(self.tr("Record decision"))
        self.record_button.clicked.connect(self.record)
        self.doc_combo = QComboBox()
        for code, label in (("order_correction", self.tr("Order to correct")),
                            ("inspection_record", self.tr("On-site inspection record")),
                            ("penalty_decision", self.tr("Administrative penalty decision")),
                            ("no_penalty_decision", self.tr("Decision not to impose a penalty"))):
            self.doc_combo.addItem(label, code)
        self.doc_button = QPushButton(self.tr("Generate document"))
        self.doc_button.clicked.connect(self.generate_document)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)
        buttons.addWidget(self.doc_combo)
        buttons.addWidget(self.doc_button)
        review = QVBoxLayout(review_box)
        review.addWidget(self.review_label)
        review.addLayout(buttons)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(party_box)
        layout.addWidget(facts_box)
        layout.addWidget(self.proposal_view)
        layout.addWidget(review_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.record_button.setEnabled(self.allowed("case.decide"))
        self.doc_button.setEnabled(self.allowed("document.issue"))
        self._violation_changed()

    # ------------------------------------------------------------------------------------------- state
    def set_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.title.setText(self.tr("Decision for case %1").replace("%1", str(case_id)))
        self.party_combo.blockSignals(True)
        self.party_combo.clear()
        self.party_combo.addItem(self.tr("(party not identified)"), None)
        self.party_combo.blockSignals(False)
        self._bg.run(lambda: self.decisions.parties(case_id), lambda parties: self._show_parties(case_id, parties),
                     self._failed)
        self._update_review()

    def _show_parties(self, case_id: int, parties: list[PartyInfo]) -> None:
        if case_id != self.case_id:
            return
        self.party_combo.blockSignals(True)
        for party in parties:
            ident = party.id_number or party.plate or party.shop_name
            self.party_combo.addItem(f"{party.name} {ident}".strip(), party.id)
        if self.party_combo.count() > 1:
            self.party_combo.setCurrentIndex(1)
        self.party_combo.blockSignals(False)
        self._recompute()

    def _violation_changed(self) -> None:
        code = self.violation_combo.currentData()
        for grid, boxes in ((self.circumstances, self._circumstance_boxes), (self.factors, self._factor_boxes)):
            for box in boxes.values():
                grid.removeWidget(box)
                box.deleteLater()
            boxes.clear()
        if code is None:
            return
        violation = self.decisions.discretion.violation(code)
        for i, c in enumerate(violation.circumstances):
            box = QCheckBox(f"{c.label}（{c.level}）")
            box.toggled.connect(self._recompute)
            self._circumstance_boxes[c.id] = box
            self.circumstances.addWidget(box, i // 2, i % 2)
        for i, f in enumerate(violation.factors):
            box = QCheckBox(("↓ " if f.adjust == "lighter" else "↑ ") + f.label)
            box.toggled.connect(self._recompute)
            self._factor_boxes[f.id] = box
            self.factors.addWidget(box, i // 2, i % 2)
        self._recompute()

    def picked(self) -> tuple[list[str], list[str], dict[str, bool]]:
        circumstances = [k for k, b in self._circumstance_boxes.items() if b.isChecked()]
        factors = [k for k, b in self._factor_boxes.items() if b.isChecked()]
        findings = {k: b.isChecked() for k, b in self.findings.items()}
        return circumstances, factors, findings

    def _recompute(self) -> None:
        """Ask the core (on the task manager) for the party's history and the proposal of the current picks."""
        if self.case_id is None:
            return
        self._asked += 1
        asked, case_id, party_id = self._asked, self.case_id, self.party_combo.currentData()
        violation = self.violation_combo.currentData()
        circumstances, factors, findings = self.picked()

        def work() -> tuple[PartyHistory | None, DecisionProposal | RulesError | None]:
            history = (self.decisions.history(party_id, exclude_case_id=case_id) if party_id is not None
                       else None)
            if not circumstances:
                return history, None
            try:
                return history, self.decisions.propose(case_id, party_id, violation, circumstances=circumstances,
                                                       factors=factors, findings=findings)
            except RulesError as exc:
                return history, exc

        self._bg.run(work, lambda result: self._show_proposal(asked, *result), self._failed)

    def _show_proposal(self, asked: int, history: PartyHistory | None,
                       proposal: DecisionProposal | RulesError | None) -> None:
        if asked != self._asked:
            return
        self.history.clear()
        if history is not None:
            for d in history.decisions:
                self.history.addItem(f"{d.created_at.astimezone():%Y-%m-%d} {d.case_code} {d.violation_code} "
                                     f"{OUTCOME_ZH.get(d.outcome, d.outcome)} {d.amount:g}"
                                     + (self.tr(" (first-violation leniency)") if d.first_violation else ""))
            if not history.decisions:
                self.history.addItem(self.tr("No earlier decisions for this party"))
        self.proposal_view.show_proposal(proposal)
        self.proposal_shown.emit()

    def _update_review(self) -> None:
        if self.case_id is None:
            return
        case_id = self.case_id
        self._bg.run(lambda: can_issue_decision(self.decisions.store, case_id),
                     lambda verdict: self._show_review(case_id, *verdict), self._failed)

    def _show_review(self, case_id: int, allowed: bool, reason: str) -> None:
        if case_id != self.case_id:
            return
        self.review_label.setText((self.tr("Decision may be issued: ") if allowed
                                   else self.tr("Decision may not be issued yet: ")) + reason)
        set_role(self.review_label, "ok" if allowed else "warn")
        self.review_shown.emit()

    # ------------------------------------------------------------------------------------------- actions
    def record(self) -> None:
        if self.case_id is None or self.proposal_view.proposal is None:
            self._say(self.tr("Pick the circumstances first."), "error")
            return
        view = self.proposal_view
        if view.deviates() and not view.reason.toPlainText().strip():
            self._say(self.tr("A deviation from the proposal needs a reason."), "error")
            view.reason.setFocus()
            return
        circumstances, factors, findings = self.picked()
        case_id, party_id = self.case_id, self.party_combo.currentData()
        violation, outcome, amount = self.violation_combo.currentData(), view.outcome_combo.currentData(), \
            view.amount.value()
        reason, major = view.reason.toPlainText(), view.major_flag.isChecked()
        self.record_button.setEnabled(False)
        self._bg.run(lambda: self.decisions.record_decision(
            case_id, actor=self.actor, violation_code=violation, party_id=party_id, circumstances=circumstances,
            factors=factors, findings=findings, outcome=outcome, amount=amount, deviation_reason=reason,
            flagged_major=major), self._recorded, self._failed)

    def _recorded(self, decision: object) -> None:
        self.record_button.setEnabled(self.allowed("case.decide"))
        self._say(self.tr("Decision recorded."), "ok")
        self._update_review()
        self.decision_recorded.emit(decision)

    def generate_document(self) -> None:
        if self.case_id is None:
            return
        doc_type = self.doc_combo.currentData()
        self.doc_button.setEnabled(False)
        self._say(self.tr("Generating the document…"), "hint")
        try:
            future = self.documents.submit_issue(self.case_id, doc_type, actor=self.actor)
        except Exception as exc:
            self._failed(exc)
            return
        self._bg.watch(future, self._issued, self._failed)

    def _issued(self, doc: object) -> None:
        self.doc_button.setEnabled(self.allowed("document.issue"))
        self._say(self.tr("Document %1 issued: %2").replace("%1", getattr(doc, "doc_no", ""))
                  .replace("%2", str(getattr(doc, "path", ""))), "ok")
        self.document_issued.emit(doc)

    def _failed(self, exc: BaseException) -> None:
        self.record_button.setEnabled(self.allowed("case.decide"))
        self.doc_button.setEnabled(self.allowed("document.issue"))
        self._say(str(exc), "error")

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)
