"""The proposal box of the decision panel: what the core proposes (首违不罚 and the 裁量基准 penalty), the
outcome and fine the officer actually picks, and the deviation reason the picks then require.

It only shows a :class:`~commandcenter.enforcement.decisions.DecisionProposal` it is handed and says whether
the officer's picks deviate from it; asking the core and recording the decision stay with the decision panel.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from commandcenter.enforcement.decisions import DecisionProposal
from commandcenter.enforcement.rules import OUTCOME_ZH, RulesError
from widgets.enforcement.style import set_role


class ProposalView(QGroupBox):
    """The proposal of the current picks, the officer's outcome and fine, and the deviation reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Proposal"))
        self.proposal: DecisionProposal | None = None
        self.first_violation_label = QLabel("")
        self.first_violation_label.setWordWrap(True)
        self.penalty_label = QLabel("")
        self.penalty_label.setWordWrap(True)
        self.outcome_combo = QComboBox()
        for code, label in OUTCOME_ZH.items():
            self.outcome_combo.addItem(label, code)
        self.outcome_combo.currentIndexChanged.connect(self._update_deviation)
        self.amount = QDoubleSpinBox()
        self.amount.setRange(0, 10_000_000)
        self.amount.setDecimals(0)
        self.amount.setSuffix(self.tr(" yuan"))
        self.amount.valueChanged.connect(self._update_deviation)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Reason for deviating from the proposal (required when deviating)"))
        self.reason.setMaximumHeight(70)
        self.reason_hint = QLabel("")
        self.major_flag = QCheckBox(self.tr("Mark as major decision (requires legal review)"))
        form = QFormLayout(self)
        form.addRow(self.tr("First-violation leniency"), self.first_violation_label)
        form.addRow(self.tr("Discretion standard"), self.penalty_label)
        form.addRow(self.tr("Outcome"), self.outcome_combo)
        form.addRow(self.tr("Fine"), self.amount)
        form.addRow(self.tr("Deviation reason"), self.reason)
        form.addRow("", self.reason_hint)
        form.addRow("", self.major_flag)

    def show_proposal(self, proposal: DecisionProposal | RulesError | None) -> None:
        """Show the core's answer: ``None`` when no circumstance is picked, the rules' refusal, or a proposal
        whose outcome and fine become the officer's starting picks."""
        if proposal is None:
            self.proposal = None
            self.first_violation_label.setText("")
            self.penalty_label.setText(self.tr("Pick at least one circumstance."))
            self._update_deviation()
            return
        if isinstance(proposal, RulesError):
            self.proposal = None
            self.penalty_label.setText(str(proposal))
            return
        self.proposal = proposal
        fv = proposal.first_violation
        self.first_violation_label.setText(
            (self.tr("Proposed: %1 + %2").replace("%1", OUTCOME_ZH[fv.outcome]).replace("%2", fv.measures) + "\n"
             if fv.outcome else self.tr("Not applicable: ")) + fv.reason)
        set_role(self.first_violation_label, "ok" if fv.outcome else "hint")
        self.penalty_label.setText(proposal.penalty.explanation)
        index = self.outcome_combo.findData(proposal.outcome)
        self.outcome_combo.blockSignals(True)
        self.outcome_combo.setCurrentIndex(index)
        self.outcome_combo.blockSignals(False)
        self.amount.blockSignals(True)
        self.amount.setValue(proposal.amount)
        self.amount.blockSignals(False)
        self._update_deviation()

    def deviates(self) -> bool:
        """Whether the officer's outcome or fine differs from the proposal (then a reason is required)."""
        if self.proposal is None:
            return False
        return (self.outcome_combo.currentData() != self.proposal.outcome
                or abs(self.amount.value() - self.proposal.amount) > 1e-9)

    def _update_deviation(self) -> None:
        if self.deviates():
            self.reason_hint.setText(self.tr("Deviation from the proposal: a reason is required and recorded."))
            set_role(self.reason_hint, "warn")
        else:
            self.reason_hint.setText(self.tr("Following the proposal."))
            set_role(self.reason_hint, "hint")
