"""权力清单 at a seat: search the bureau's enforcement powers, and see the ones the selected case exercises (by its
category and its decision's violation code). The list itself comes in with ``commandcenter data import powers``.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.enforcement.powers import PowerInfo, powers_of_case, search_powers
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from widgets.enforcement.style import PANEL_QSS, set_role


class PowersPanel(QWidget):
    """Search and case-linked view of the 权力清单."""

    loaded = Signal()

    def __init__(self, store: Store, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.case_id: int | None = None
        self.rows: list[PowerInfo] = []
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        title = QLabel(self.tr("List of enforcement powers"))
        title.setProperty("role", "title")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Item code, name, legal basis, violation code or category"))
        self.search_edit.returnPressed.connect(self.search)
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.clicked.connect(self.search)
        self.case_button = QPushButton(self.tr("Powers of this case"))
        self.case_button.clicked.connect(self.show_case)
        row = QHBoxLayout()
        row.addWidget(self.search_edit, 1)
        row.addWidget(self.search_button)
        row.addWidget(self.case_button)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("Code"), self.tr("Item"), self.tr("Kind"),
                                              self.tr("Violation codes"), self.tr("Categories")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.detail, 1)
        layout.addWidget(self.message)

    def set_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.show_case()

    def refresh(self) -> None:
        if self.case_id is not None:
            self.show_case()

    def show_case(self) -> None:
        if self.case_id is None:
            self.search()
            return
        case_id = self.case_id
        self._bg.run(lambda: powers_of_case(self.store, case_id),
                     lambda rows: self._show(rows, self.tr("%1 powers apply to case %2")
                                             .replace("%2", str(case_id))), self._failed)

    def search(self) -> None:
        text = self.search_edit.text()
        self._bg.run(lambda: search_powers(self.store, text),
                     lambda rows: self._show(rows, self.tr("%1 powers found")), self._failed)

    def _show(self, rows: list[PowerInfo], summary: str) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, p in enumerate(rows):
            for col, text in enumerate((p.code, p.name, p.kind, "、".join(p.violation_codes), "、".join(p.categories))):
                self.table.setItem(i, col, QTableWidgetItem(text))
        if rows:
            self.table.selectRow(0)
        else:
            self.detail.clear()
        self._say(summary.replace("%1", str(len(rows))), "hint")
        self.loaded.emit()

    def _show_detail(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        if not selected:
            return
        p = self.rows[selected[0].row()]
        self.detail.setPlainText("\n".join((
            f"{p.code} {p.name}（{p.kind}）",
            self.tr("Legal basis: %1").replace("%1", p.legal_basis),
            self.tr("Penalty basis: %1").replace("%1", p.penalty_basis or "—"),
            self.tr("Discretion: %1").replace("%1", p.discretion or "—"))))

    def _failed(self, exc: BaseException) -> None:
        self._say(str(exc), "error")
        self.loaded.emit()

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)
