"""吹哨报到 from the screens: summon departments from the directory onto a case, follow their tasks (overdue ones
in red), and — at a department's seat — report in, finish or refuse one's own tasks; the directory of departments
with contacts, edited by whoever holds ``department.manage``.

The rules (who may update which task, when the case leaves 联合执法) are ``enforcement.joint``'s.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from commandcenter.cases.model import CaseView
from commandcenter.enforcement.documents import CHINA
from commandcenter.enforcement.joint import DEPARTMENT_KINDS, DepartmentInfo, JointService, JointTask
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from widgets.enforcement.forms import PanelMessages, action_row, message_label, panel_column
from widgets.enforcement.style import PANEL_QSS

OVERDUE = QColor("#f85149")
# The dark theme draws no visible check box in a list: give the indicator a border and a fill when ticked.
CHECK_QSS = """
QListWidget::indicator { width: 14px; height: 14px; border: 1px solid #9fb3c8; border-radius: 2px; }
QListWidget::indicator:checked { background: #2f81f7; border-color: #2f81f7; }
"""


class TaskTable(QTableWidget):
    """Joint tasks in rows; overdue ones in red."""

    def __init__(self, with_case: bool, parent: QWidget | None = None) -> None:
        super().__init__(0, 7, parent)
        self.with_case = with_case
        self.setHorizontalHeaderLabels([self.tr("Case") if with_case else self.tr("Task"), self.tr("Department"),
                                        self.tr("Status"), self.tr("Due"), self.tr("Contact"), self.tr("Phone"),
                                        self.tr("Note")])
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.rows: list[JointTask] = []

    def show_tasks(self, tasks: list[JointTask]) -> None:
        self.rows = list(tasks)
        self.setRowCount(len(tasks))
        for row, t in enumerate(tasks):
            due = f"{t.due_at.astimezone(CHINA):%m-%d %H:%M}" if t.due_at else ""
            status = t.status_zh + (self.tr(" (overdue)") if t.overdue else "")
            first = f"{t.case_code} {t.task}".strip() if self.with_case else t.task
            for col, text in enumerate((first, t.department, status, due, t.contact, t.phone, t.note)):
                item = QTableWidgetItem(text)
                if t.overdue:
                    item.setForeground(OVERDUE)
                self.setItem(row, col, item)

    def selected(self) -> JointTask | None:
        rows = self.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None


class TaskActions(QWidget):
    """报到 / 完成 / 拒绝 on the selected task of a table, with a note."""

    def __init__(self, run: Callable[[str, str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Note (required to refuse)"))
        self.report_button = QPushButton(self.tr("Report in"))
        self.done_button = QPushButton(self.tr("Finished"))
        self.refuse_button = QPushButton(self.tr("Refuse"))
        action_row(self.note, self.report_button, self.done_button, self.refuse_button, stretch=self.note,
                   parent=self)
        for button, status in ((self.report_button, "reported"), (self.done_button, "done"),
                               (self.refuse_button, "refused")):
            button.clicked.connect(lambda _checked=False, s=status: run(s, self.note.text()))


class JointPanel(PanelMessages, QWidget):
    """The joint tasks of one case and the summoning of departments."""

    loaded = Signal()
    changed = Signal()

    def __init__(self, joint: JointService, tasks: TaskManager, *, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.joint = joint
        self.actor = actor
        self.case_id: int | None = None
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        self.title = QLabel(self.tr("Joint enforcement"))
        self.title.setProperty("role", "title")
        self.table = TaskTable(with_case=False)
        self.task_actions = TaskActions(self.update_selected)
        summon_box = QGroupBox(self.tr("Summon departments (吹哨)"))
        self.directory = QListWidget()
        self.directory.setMaximumHeight(140)
        self.directory.setStyleSheet(CHECK_QSS)
        self.task_text = QLineEdit()
        self.task_text.setPlaceholderText(self.tr("What each department is asked to do"))
        self.summon_button = QPushButton(self.tr("Summon"))
        self.summon_button.clicked.connect(self.summon)
        panel_column(summon_box, self.directory, action_row(self.task_text, self.summon_button,
                                                            stretch=self.task_text))
        self.message = message_label()
        panel_column(self, self.title, self.table, self.task_actions, summon_box, self.message).addStretch(1)

    def set_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.refresh()

    def refresh(self) -> None:
        if self.case_id is None:
            return
        case_id = self.case_id

        def read() -> tuple[list[JointTask], list[DepartmentInfo]]:
            return self.joint.tasks(case_id=case_id), self.joint.departments()

        self._bg.run(read, lambda pair: self._show(case_id, *pair), self._failed)

    def _show(self, case_id: int, tasks: list[JointTask], departments: list[DepartmentInfo]) -> None:
        if case_id != self.case_id:
            return
        self.table.show_tasks(tasks)
        overdue = [t.department for t in tasks if t.overdue]
        if overdue:
            self._say(self.tr("Overdue: %1").replace("%1", "、".join(overdue)), "error")
        checked = {self.directory.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.directory.count())
                   if self.directory.item(i).checkState() == Qt.CheckState.Checked}
        self.directory.clear()
        for d in departments:
            item = QListWidgetItem(f"{d.name}（{d.kind}） {d.contact} {d.phone}".strip())
            item.setData(Qt.ItemDataRole.UserRole, d.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if d.name in checked else Qt.CheckState.Unchecked)
            self.directory.addItem(item)
        self.loaded.emit()

    def check_department(self, name: str) -> None:
        for i in range(self.directory.count()):
            item = self.directory.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked)

    def summon(self) -> None:
        if self.case_id is None:
            return
        names = [self.directory.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.directory.count())
                 if self.directory.item(i).checkState() == Qt.CheckState.Checked]
        if not names:
            self._say(self.tr("Tick the departments to summon."), "error")
            return
        case_id, task, actor = self.case_id, self.task_text.text().strip(), self.actor
        self._bg.run(lambda: self.joint.summon(self.joint.case_code(case_id), [(n, task) for n in names], actor=actor),
                     self._summoned, self._failed)

    def _summoned(self, view: CaseView) -> None:
        self._say(self.tr("Summoned: case %1 is now in joint enforcement").replace("%1", view.code), "ok")
        self.task_text.clear()
        self.changed.emit()
        self.refresh()

    def update_selected(self, status: str, note: str) -> None:
        task = self.table.selected()
        if task is None:
            self._say(self.tr("Select a task first."), "error")
            return
        actor = self.actor
        self._bg.run(lambda: self.joint.report(task.id, status, actor=actor, note=note), self._updated, self._failed)

    def _updated(self, task: JointTask) -> None:
        self._say(self.tr("%1: %2").replace("%1", task.department).replace("%2", task.status_zh), "ok")
        self.task_actions.note.clear()
        self.changed.emit()
        self.refresh()


class DepartmentPanel(PanelMessages, QWidget):
    """A department seat's open tasks (or, for a dispatcher, every open joint task), and the directory."""

    loaded = Signal()

    def __init__(self, joint: JointService, tasks: TaskManager, *, actor: str,
                 allowed: Callable[[str], bool] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.joint = joint
        self.actor = actor
        self.allowed = allowed or (lambda _p: True)
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        self.title = QLabel(self.tr("Joint tasks"))
        self.title.setProperty("role", "title")
        self.tasks = TaskTable(with_case=True)
        self.task_actions = TaskActions(self.update_selected)

        directory_box = QGroupBox(self.tr("Directory of departments"))
        self.directory = QTableWidget(0, 6)
        self.directory.setHorizontalHeaderLabels([self.tr("Department"), self.tr("Kind"), self.tr("Contact"),
                                                  self.tr("Phone"), self.tr("Seat account"),
                                                  self.tr("Report within (h)")])
        self.directory.verticalHeader().setVisible(False)
        self.directory.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.directory.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.directory.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.directory.horizontalHeader().setStretchLastSection(True)
        self.directory.itemSelectionChanged.connect(self._fill_form)
        self.departments: list[DepartmentInfo] = []
        self.name = QLineEdit()
        self.kind = QComboBox()
        self.kind.addItems(list(DEPARTMENT_KINDS))
        self.contact = QLineEdit()
        self.phone = QLineEdit()
        self.username = QLineEdit()
        self.hours = QDoubleSpinBox()
        self.hours.setRange(0.5, 720)
        self.hours.setValue(24)
        self.active = QCheckBox(self.tr("Active"))
        self.active.setChecked(True)
        self.save_button = QPushButton(self.tr("Save department"))
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(self.allowed("department.manage"))
        form = QFormLayout()
        form.addRow(self.tr("Department"), self.name)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Contact"), self.contact)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Seat account"), self.username)
        form.addRow(self.tr("Report within (h)"), self.hours)
        form.addRow(self.active, self.save_button)
        panel_column(directory_box, self.directory, form)

        self.message = message_label()
        panel_column(self, self.title, self.tasks, self.task_actions, directory_box, self.message)

    def refresh(self) -> None:
        actor, dispatcher = self.actor, self.allowed("case.joint")

        def read() -> tuple[list[JointTask], list[DepartmentInfo]]:
            open_tasks = self.joint.tasks(open_only=True) if dispatcher else self.joint.my_tasks(actor)
            return open_tasks, self.joint.departments(include_inactive=True)

        self._bg.run(read, lambda pair: self._show(*pair), self._failed)

    def _show(self, tasks: list[JointTask], departments: list[DepartmentInfo]) -> None:
        self.tasks.show_tasks(tasks)
        self.departments = departments
        self.directory.setRowCount(len(departments))
        for row, d in enumerate(departments):
            cells = (d.name + ("" if d.active else self.tr(" (inactive)")), d.kind, d.contact, d.phone, d.username,
                     f"{d.response_hours:g}")
            for col, text in enumerate(cells):
                self.directory.setItem(row, col, QTableWidgetItem(text))
        overdue = sum(1 for t in tasks if t.overdue)
        self._say(self.tr("%1 open tasks, %2 overdue").replace("%1", str(len(tasks))).replace("%2", str(overdue)),
                  "error" if overdue else "hint")
        self.loaded.emit()

    def _fill_form(self) -> None:
        rows = self.directory.selectionModel().selectedRows()
        if not rows:
            return
        d = self.departments[rows[0].row()]
        self.name.setText(d.name)
        self.kind.setCurrentText(d.kind)
        self.contact.setText(d.contact)
        self.phone.setText(d.phone)
        self.username.setText(d.username)
        self.hours.setValue(d.response_hours)
        self.active.setChecked(d.active)

    def save(self) -> None:
        values = {"name": self.name.text(), "kind": self.kind.currentText(), "contact": self.contact.text(),
                  "phone": self.phone.text(), "username": self.username.text(), "response_hours": self.hours.value(),
                  "active": self.active.isChecked()}
        actor = self.actor
        self._bg.run(lambda: self.joint.save_department(actor=actor, **values),  # type: ignore[arg-type]
                     lambda d: self._saved(d), self._failed)

    def _saved(self, department: DepartmentInfo) -> None:
        self._say(self.tr("Saved %1").replace("%1", department.name), "ok")
        self.refresh()

    def update_selected(self, status: str, note: str) -> None:
        task = self.tasks.selected()
        if task is None:
            self._say(self.tr("Select a task first."), "error")
            return
        actor = self.actor
        self._bg.run(lambda: self.joint.report(task.id, status, actor=actor, note=note),
                     lambda _t: self._reported(), self._failed)

    def _reported(self) -> None:
        self.task_actions.note.clear()
        self.refresh()
