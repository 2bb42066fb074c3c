"""The top-3 units for the selected case, with the reasons (distance, load, skills); drag one onto a case in
the queue, or pick one and press Dispatch.

A unit is an officer, a sanitation worker or, for 环卫 work, a sanitation vehicle: each line starts with the
kind's icon and word, a vehicle by its plate and type, then the travel time the ranking used."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.cases.dispatch import Recommendation
from widgets.assignees import assignee_icon, assignee_kind_label
from widgets.dispatch.queue_panel import OFFICER_MIME


class OfficerList(QListWidget):
    """Recommended units; items drag with the officer MIME type (a unit id) onto the queue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)

    def mimeTypes(self) -> list[str]:
        return [OFFICER_MIME, "text/plain"]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        ids = [str(item.data(Qt.ItemDataRole.UserRole)) for item in items if item.data(Qt.ItemDataRole.UserRole)]
        if ids:
            mime.setData(OFFICER_MIME, ids[0].encode())
            mime.setText(ids[0])
        return mime


class RecommendationPanel(QGroupBox):
    """``assign_requested(unit id)`` when Dispatch is pressed."""

    assign_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Recommended units (drag onto a case or click Dispatch)"))
        self.recommendations: list[Recommendation] = []
        layout = QVBoxLayout(self)
        self.list = OfficerList()
        self.list.setWordWrap(True)  # the reasons wrap under the name; nothing scrolls sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.list)
        self.list.setIconSize(QSize(24, 24))
        self.assign_button = QPushButton(self.tr("Dispatch selected unit"))
        self.assign_button.clicked.connect(self._assign_clicked)
        layout.addWidget(self.assign_button)

    def show_recommendations(self, recs: list[Recommendation]) -> None:
        self.recommendations = list(recs)
        self.list.clear()
        for i, rec in enumerate(recs, start=1):
            item = QListWidgetItem(assignee_icon(rec.kind), self._line(i, rec))
            item.setData(Qt.ItemDataRole.UserRole, rec.officer_id)
            item.setToolTip(f"{assignee_kind_label(rec.kind)} {rec.name}\n{rec.summary}")
            self.list.addItem(item)
        if not recs:
            self.show_hint(self.tr("No unit to recommend: no officer, worker or vehicle is idle, on shift and "
                                   "with a recent position (see the Units tab)."))
        else:
            self.list.setCurrentRow(0)

    def _line(self, rank: int, rec: Recommendation) -> str:
        """``1. 车辆 苏A·H0002 (环卫车) · 行程 1.2 分钟`` then the other reasons on a second line."""
        who = f"{rec.plate} ({rec.vehicle_kind})" if rec.plate and rec.vehicle_kind else rec.name
        team = f" · {rec.team}" if rec.team else ""
        travel = self.tr("travel %1 min").replace("%1", f"{rec.eta_s / 60:.1f}")
        if rec.route != "street":
            travel += " " + self.tr("(straight-line estimate)")
        others = " · ".join(r for r in rec.reasons if not r.startswith("约 "))  # the time is on the first line
        return f"{rank}. {assignee_kind_label(rec.kind)} {who}{team} · {travel}\n{others}"

    def show_hint(self, text: str) -> None:
        """Why the list is empty (no location, case no longer needs an officer, nobody available)."""
        self.recommendations = []
        self.list.clear()
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # a note, not an officer: not selectable, not draggable
        self.list.addItem(item)
        self.list.setWordWrap(True)

    def clear(self) -> None:
        self.recommendations = []
        self.list.clear()

    def selected_officer(self) -> str | None:
        """The officer picked in the list, else the best recommendation."""
        item = self.list.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            return str(item.data(Qt.ItemDataRole.UserRole))
        return self.recommendations[0].officer_id if self.recommendations else None

    def _assign_clicked(self) -> None:
        officer = self.selected_officer()
        if officer:
            self.assign_requested.emit(officer)
