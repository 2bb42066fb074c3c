"""综合查一次 at a seat: plan one visit to a business with each department's check items, then record every
item's result at once after the visit. The rules (two departments at least, one visit per business and day,
results recorded once) are ``enforcement.inspections``'.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from commandcenter.enforcement.inspections import RESULT_ZH, InspectionInfo, InspectionService
from commandcenter.enforcement.joint import DepartmentInfo, JointService
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from widgets.enforcement.forms import PanelMessages, action_row, message_label, panel_column
from widgets.enforcement.style import PANEL_QSS

Overview = tuple[list[InspectionInfo], list[tuple[int, str, str]], list[DepartmentInfo]]


class InspectionPanel(PanelMessages, QWidget):
    """Plan and record joint inspections."""

    loaded = Signal()
    saved = Signal(object)  # InspectionInfo

    def __init__(self, inspections: InspectionService, joint: JointService, tasks: TaskManager, *, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspections_service = inspections
        self.joint = joint
        self.actor = actor
        self.rows: list[InspectionInfo] = []
        self.planned_items: list[tuple[str, str]] = []
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        title = QLabel(self.tr("Joint inspection (one visit)"))
        title.setProperty("role", "title")

        plan_box = QGroupBox(self.tr("Plan a visit"))
        self.business = QComboBox()
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.place = QLineEdit()
        self.department = QComboBox()
        self.item_text = QLineEdit()
        self.item_text.setPlaceholderText(self.tr("Check item of this department"))
        self.add_button = QPushButton(self.tr("Add item"))
        self.add_button.clicked.connect(self.add_item)
        self.item_list = QListWidget()
        self.item_list.setMaximumHeight(110)
        self.plan_button = QPushButton(self.tr("Plan the visit"))
        self.plan_button.clicked.connect(self.plan)
        form = QFormLayout(plan_box)
        form.addRow(self.tr("Business"), self.business)
        form.addRow(self.tr("Date"), self.day)
        form.addRow(self.tr("Place"), self.place)
        form.addRow(self.tr("Check items"), action_row(self.department, self.item_text, self.add_button,
                                                       stretch=self.item_text))
        form.addRow(self.item_list)
        form.addRow(self.plan_button)

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("Date"), self.tr("Business"), self.tr("Departments"),
                                              self.tr("Status"), self.tr("Result")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMaximumHeight(160)
        self.table.itemSelectionChanged.connect(self._show_items)

        record_box = QGroupBox(self.tr("Results of the visit (recorded once for every department)"))
        self.items = QTableWidget(0, 4)
        self.items.setHorizontalHeaderLabels([self.tr("Department"), self.tr("Check item"), self.tr("Result"),
                                              self.tr("Finding")])
        self.items.verticalHeader().setVisible(False)
        self.items.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.items.horizontalHeader().setStretchLastSection(True)
        self.summary = QLineEdit()
        self.summary.setPlaceholderText(self.tr("Overall conclusion"))
        self.record_button = QPushButton(self.tr("Record results"))
        self.record_button.clicked.connect(self.record)
        panel_column(record_box, self.items, action_row(self.summary, self.record_button, stretch=self.summary))

        self.message = message_label()
        panel_column(self, title, plan_box, self.table, record_box, self.message)

    # ------------------------------------------------------------------------------------------- reading
    def refresh(self) -> None:
        def read() -> Overview:
            return (self.inspections_service.inspections(), self.inspections_service.businesses(),
                    self.joint.departments())

        self._bg.run(read, lambda overview: self._show(*overview), self._failed)

    def _show(self, rows: list[InspectionInfo], businesses: list[tuple[int, str, str]],
              departments: list[DepartmentInfo]) -> None:
        keep_business, keep_department = self.business.currentData(), self.department.currentText()
        self.business.clear()
        for party_id, name, credit in businesses:
            self.business.addItem(f"{name} {credit}".strip(), party_id)
        if keep_business is not None:
            self.business.setCurrentIndex(max(0, self.business.findData(keep_business)))
        self.department.clear()
        self.department.addItems([d.name for d in departments])
        if keep_department:
            self.department.setCurrentText(keep_department)
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            done = r.status == "done"
            result = (self.tr("%1 failed").replace("%1", str(len(r.failed))) if r.failed else self.tr("all passed")) \
                if done else ""
            for col, text in enumerate((r.planned_for.isoformat(), r.business, "、".join(r.departments),
                                        self.tr("recorded") if done else self.tr("planned"), result)):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self._show_items()  # the selected visit as it is now (recorded results, locked)
        self.loaded.emit()

    def _selected(self) -> InspectionInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def _show_items(self) -> None:
        inspection = self._selected()
        if inspection is None:
            return
        self.items.setRowCount(len(inspection.items))
        for i, item in enumerate(inspection.items):
            for col, text in ((0, item.department), (1, item.item)):
                fixed = QTableWidgetItem(text)
                fixed.setFlags(fixed.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.items.setItem(i, col, fixed)
            combo = QComboBox()
            for code in ("pass", "fail", "na"):
                combo.addItem(RESULT_ZH[code], code)
            if item.result:
                combo.setCurrentIndex(combo.findData(item.result))
            combo.setEnabled(inspection.status == "planned")
            self.items.setCellWidget(i, 2, combo)
            finding = QTableWidgetItem(item.note)
            if inspection.status != "planned":  # recorded once: the findings stay as recorded
                finding.setFlags(finding.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.items.setItem(i, 3, finding)
        self.summary.setText(inspection.summary)
        self.record_button.setEnabled(inspection.status == "planned")

    # ------------------------------------------------------------------------------------------- writing
    def add_item(self) -> None:
        department, item = self.department.currentText(), self.item_text.text().strip()
        if not department or not item:
            self._say(self.tr("Pick a department and type its check item."), "error")
            return
        self.planned_items.append((department, item))
        self.item_list.addItem(f"{department}：{item}")
        self.item_text.clear()

    def plan(self) -> None:
        party_id, q = self.business.currentData(), self.day.date()
        if party_id is None:
            self._say(self.tr("Record the business as a party first."), "error")
            return
        day, place, items, actor = date(q.year(), q.month(), q.day()), self.place.text(), list(self.planned_items), \
            self.actor
        self._bg.run(lambda: self.inspections_service.plan(actor=actor, party_id=party_id, planned_for=day,
                                                           place=place, items=items),
                     self._planned, self._failed)

    def _planned(self, inspection: InspectionInfo) -> None:
        self.planned_items.clear()
        self.item_list.clear()
        self._say(self.tr("Visit planned: %1 departments at %2").replace("%1", str(len(inspection.departments)))
                  .replace("%2", inspection.business), "ok")
        self.saved.emit(inspection)
        self.refresh()

    def set_result(self, row: int, result: str, note: str = "") -> None:
        """Pick a result (and type the finding) of one item, as the officer does in the table."""
        combo = self.items.cellWidget(row, 2)
        assert isinstance(combo, QComboBox)
        combo.setCurrentIndex(combo.findData(result))
        self.items.setItem(row, 3, QTableWidgetItem(note))

    def record(self) -> None:
        inspection = self._selected()
        if inspection is None:
            self._say(self.tr("Select a planned visit first."), "error")
            return
        results: dict[int, tuple[str, str]] = {}
        for i, item in enumerate(inspection.items):
            combo = self.items.cellWidget(i, 2)
            note = self.items.item(i, 3)
            if isinstance(combo, QComboBox):
                results[item.id] = (str(combo.currentData()), note.text() if note is not None else "")
        summary, actor = self.summary.text(), self.actor
        self._bg.run(lambda: self.inspections_service.record(inspection.id, actor=actor, results=results,
                                                             summary=summary), self._recorded, self._failed)

    def _recorded(self, inspection: InspectionInfo) -> None:
        self._say(self.tr("Results recorded for %1").replace("%1", inspection.business), "ok")
        self.saved.emit(inspection)
        self.refresh()
