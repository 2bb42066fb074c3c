"""The case queue: open cases sorted by SLA urgency, with countdowns; an officer dropped on a row is dispatched.

It reads the :class:`~commandcenter.cases.feed.DispatchFeed`'s snapshots; it never asks the database itself.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commandcenter.cases import workflow
from commandcenter.cases.feed import DispatchFeed, DispatchSnapshot, QueueRow
from widgets.columns import ColumnFitter
from widgets.dispatch.models import CaseQueueModel, urgency_label

# The queue's filter: which open cases the dispatcher wants to see (key → predicate).
_NOT_YET_SENT = {"reported", "registered", "returned"}
QUEUE_FILTERS: dict[str, Callable[[QueueRow], bool]] = {
    "all": lambda r: True,
    "urgent": lambda r: r.urgency == 1,
    "late": lambda r: r.level in ("warning", "overdue"),
    "unsent": lambda r: r.status in _NOT_YET_SENT,
    "unregistered": lambda r: r.status == "reported",
}


def matches(row: QueueRow, needle: str) -> bool:
    """The search box: code, category, address, description, officer, grid, source or urgency word."""
    if not needle:
        return True
    haystack = " ".join((row.code, row.category, row.address, row.description, row.assigned, row.grid,
                         row.source_label, row.status_label, urgency_label(row.urgency))).lower()
    return all(word in haystack for word in needle.lower().split())

OFFICER_MIME = "application/x-cc-officer-id"


class QueueView(QTableView):
    """The queue table; an officer dropped on a row is dispatched to that case."""

    officerDropped = Signal(str, str)  # case code, officer id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(OFFICER_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(OFFICER_MIME) and self.indexAt(event.position().toPoint()).isValid():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        officer = bytes(event.mimeData().data(OFFICER_MIME).data()).decode()
        code = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if code and officer:
            self.officerDropped.emit(str(code), officer)
            event.acceptProposedAction()
        else:
            event.ignore()


class QueuePanel(QWidget):
    """``case_clicked(code)`` when a row is clicked; ``officer_dropped(code, officer id)`` on a drop."""

    case_clicked = Signal(str)
    officer_dropped = Signal(str, str)

    def __init__(self, feed: DispatchFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self.tr("Case queue"))
        layout.addWidget(self.title)
        tools = QHBoxLayout()
        self.filter_combo = QComboBox()
        for key, text in (("all", self.tr("All open cases")), ("urgent", self.tr("Urgent only")),
                          ("late", self.tr("Overdue or due soon")), ("unsent", self.tr("Not yet dispatched")),
                          ("unregistered", self.tr("Awaiting registration"))):
            self.filter_combo.addItem(text, key)
        self.filter_combo.setToolTip(self.tr("Show only some of the open cases"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search code, address, category, officer…"))
        self.search.setClearButtonEnabled(True)
        tools.addWidget(self.filter_combo)
        tools.addWidget(self.search, 1)
        layout.addLayout(tools)
        self.all_rows: list[QueueRow] = []  # the feed's whole queue; the model holds the rows shown
        self.model = CaseQueueModel(self)
        self.view = QueueView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setMinimumSectionSize(40)
        # Nothing scrolls sideways: source and grid are in each row's tooltip and the detail, not columns; the
        # address takes the room that is left and, like category, status and officer, is elided when the panel
        # is narrow (whole in the tooltip).
        for column in (CaseQueueModel.SOURCE_COLUMN, CaseQueueModel.GRID_COLUMN):
            self.view.setColumnHidden(column, True)
        self.fitter = ColumnFitter(self.view, CaseQueueModel.ADDRESS_COLUMN,
                                   {CaseQueueModel.ADDRESS_COLUMN: 60, 2: 70, CaseQueueModel.STATUS_COLUMN: 70,
                                    7: 70, 0: 110})
        self.view.clicked.connect(self._clicked)
        self.view.officerDropped.connect(self.officer_dropped)
        layout.addWidget(self.view, 1)
        self.selected_code: str | None = None
        feed.snapshot.connect(self._on_snapshot)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self._show_rows())
        self.search.textChanged.connect(lambda _t: self._show_rows())

    def select(self, code: str) -> None:
        """Highlight a case's row (kept across refreshes)."""
        self.selected_code = code
        for row, queue_row in enumerate(self.model.rows):
            if queue_row.code == code:
                self.view.selectRow(row)
                break

    def _show_rows(self) -> None:
        """The rows the filter and the search let through, in the feed's order (most urgent first)."""
        keep = QUEUE_FILTERS.get(str(self.filter_combo.currentData()), QUEUE_FILTERS["all"])
        needle = self.search.text().strip()
        self.model.set_rows([r for r in self.all_rows if keep(r) and matches(r, needle)])
        if self.selected_code:
            self.select(self.selected_code)

    def _on_snapshot(self, snap: DispatchSnapshot) -> None:
        self.all_rows = list(snap.queue)
        self._show_rows()
        overdue = sum(1 for r in snap.queue if r.level == "overdue")
        open_cases = sum(1 for r in snap.queue if r.status not in workflow.CLOSED_STATUSES)
        self.title.setText(self.tr("Case queue: %1 open, %2 overdue").replace("%1", str(open_cases))
                           .replace("%2", str(overdue)))

    def _clicked(self, index: QModelIndex) -> None:
        code = index.data(Qt.ItemDataRole.UserRole)
        if code:
            self.case_clicked.emit(str(code))
