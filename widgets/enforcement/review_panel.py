"""法制审核: the legal reviewer's own queue of 重大 decisions — approve, or return with reasons.

The reviewer cannot be the decision's author and a return needs its reasons: both checked in the core
(``DecisionService.legal_review``). Reads and writes run on the task manager.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.enforcement.documents import CHINA
from commandcenter.enforcement.procedure import ProcedureService, ReviewItem, outcome_line
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from widgets.enforcement.style import PANEL_QSS, set_role


class ReviewQueuePanel(QWidget):
    """Pending 重大 decisions, oldest first; the selected one is approved or returned."""

    loaded = Signal()
    reviewed = Signal(object)  # DecisionInfo

    def __init__(self, procedure: ProcedureService, tasks: TaskManager, *, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.procedure = procedure
        self.actor = actor
        self.items: list[ReviewItem] = []
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        title = QLabel(self.tr("Legal review queue"))
        title.setProperty("role", "title")
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels([self.tr("Case"), self.tr("Category"), self.tr("Party"),
                                              self.tr("Proposed decision"), self.tr("Why major"),
                                              self.tr("Decided by"), self.tr("Submitted")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(self.tr("Review opinion (required to return a decision)"))
        self.note.setMaximumHeight(80)
        self.approve_button = QPushButton(self.tr("Approve"))
        self.approve_button.clicked.connect(lambda: self.review(True))
        self.return_button = QPushButton(self.tr("Return with reasons"))
        self.return_button.clicked.connect(lambda: self.review(False))
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.return_button)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def refresh(self) -> None:
        self._bg.run(self.procedure.review_queue, self._show, self._failed)

    def _show(self, items: list[ReviewItem]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            d = item.decision
            for col, text in enumerate((item.case_code, item.category_name, item.party_name, outcome_line(d),
                                        d.major_reason, d.created_by,
                                        f"{d.created_at.astimezone(CHINA):%Y-%m-%d %H:%M}")):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if items:
            self.table.selectRow(0)
        else:
            self._say(self.tr("No decision awaits review."), "hint")
        self.loaded.emit()

    def review(self, approve: bool) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self._say(self.tr("Select a decision first."), "error")
            return
        decision_id, note = self.items[rows[0].row()].decision.id, self.note.toPlainText()
        self._bg.run(lambda: self.procedure.review(decision_id, actor=self.actor, approve=approve, note=note),
                     self._reviewed, self._failed)

    def _reviewed(self, decision: object) -> None:
        approved = getattr(decision, "review_status", "") == "approved"
        self._say(self.tr("Approved.") if approved else self.tr("Returned to the case officer."), "ok")
        self.note.clear()
        self.reviewed.emit(decision)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._say(getattr(exc, "message_zh", None) or str(exc), "error")
        self.loaded.emit()

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)
