"""The case queue: open cases sorted by SLA urgency, with countdowns; an officer dropped on a row is dispatched.

It reads the :class:`~commandcenter.cases.feed.DispatchFeed`'s snapshots; it never asks the database itself.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from commandcenter.cases import workflow
from commandcenter.cases.feed import DispatchFeed, DispatchSnapshot
from widgets.dispatch.models import CaseQueueModel

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
        self.model = CaseQueueModel(self)
        self.view = QueueView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.clicked.connect(self._clicked)
        self.view.officerDropped.connect(self.officer_dropped)
        layout.addWidget(self.view, 1)
        self.selected_code: str | None = None
        feed.snapshot.connect(self._on_snapshot)

    def select(self, code: str) -> None:
        """Highlight a case's row (kept across refreshes)."""
        self.selected_code = code
        for row, queue_row in enumerate(self.model.rows):
            if queue_row.code == code:
                self.view.selectRow(row)
                break

    def _on_snapshot(self, snap: DispatchSnapshot) -> None:
        self.model.set_rows(snap.queue)
        if self.selected_code:
            self.select(self.selected_code)
        overdue = sum(1 for r in snap.queue if r.level == "overdue")
        open_cases = sum(1 for r in snap.queue if r.status not in workflow.CLOSED_STATUSES)
        self.title.setText(self.tr("Case queue: %1 open, %2 overdue").replace("%1", str(open_cases))
                           .replace("%2", str(overdue)))

    def _clicked(self, index: QModelIndex) -> None:
        code = index.data(Qt.ItemDataRole.UserRole)
        if code:
            self.case_clicked.emit(str(code))
