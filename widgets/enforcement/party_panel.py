"""当事人 of a case: record a person, business or vehicle (validated by the core), or find a known party by ID
number, 统一社会信用代码, phone, plate or name and pick it; the selected party's cases across the bureau.

ID numbers and phones come back masked unless the seat's user holds ``party.identity`` — the core decides, the
view shows what it is given. Reads and writes run on the task manager and return through the GUI bridge.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.enforcement.parties import PartyCase, PartyRecord, PartyService
from commandcenter.enforcement.rules import OUTCOME_ZH
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from widgets.enforcement.style import PANEL_QSS, set_role


class PartyTable(QTableWidget):
    """Parties in rows: kind, name, ID number / credit code, phone, plate, number of cases."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setHorizontalHeaderLabels([self.tr("Kind"), self.tr("Name"), self.tr("ID number / credit code"),
                                        self.tr("Phone"), self.tr("Plate"), self.tr("Cases")])
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.records: list[PartyRecord] = []

    def show_records(self, records: list[PartyRecord]) -> None:
        self.records = list(records)
        self.setRowCount(len(records))
        for row, r in enumerate(records):
            for col, text in enumerate((r.kind_zh, r.name, r.credit_code or r.id_number, r.phone, r.plate,
                                        str(r.case_count) if r.case_count else "")):
                self.setItem(row, col, QTableWidgetItem(text))

    def selected(self) -> PartyRecord | None:
        rows = self.selectionModel().selectedRows()
        return self.records[rows[0].row()] if rows else None


class PartyPanel(QWidget):
    """The parties of one case. ``changed`` after a party was recorded or picked (the decision panel re-reads)."""

    changed = Signal()
    loaded = Signal()  # the case's parties (or a search, or a history) are on screen

    def __init__(self, parties: PartyService, tasks: TaskManager, *, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parties = parties
        self.actor = actor
        self.case_id: int | None = None
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        self._build()

    def _build(self) -> None:
        self.title = QLabel(self.tr("Parties"))
        self.title.setProperty("role", "title")
        self.case_table = PartyTable()
        self.case_table.setMaximumHeight(130)
        self.case_table.itemSelectionChanged.connect(lambda: self._show_history(self.case_table.selected()))

        form_box = QGroupBox(self.tr("Record a party"))
        self.kind = QComboBox()
        for code, label in (("person", self.tr("Person")), ("shop", self.tr("Business (个体工商户/单位)")),
                            ("vehicle", self.tr("Vehicle"))):
            self.kind.addItem(label, code)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.name = QLineEdit()
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(self.tr("18 digits, checked"))
        self.credit_code = QLineEdit()
        self.credit_code.setPlaceholderText(self.tr("18 characters, checked"))
        self.licence = QLineEdit()
        self.phone = QLineEdit()
        self.plate = QLineEdit()
        self.address = QLineEdit()
        form = QFormLayout(form_box)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Name"), self.name)
        self.id_label, self.credit_label, self.licence_label = (
            QLabel(self.tr("ID number")), QLabel(self.tr("Unified social credit code")), QLabel(self.tr("Licence")))
        form.addRow(self.id_label, self.id_number)
        form.addRow(self.credit_label, self.credit_code)
        form.addRow(self.licence_label, self.licence)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Plate"), self.plate)
        form.addRow(self.tr("Address"), self.address)
        self.record_button = QPushButton(self.tr("Record party for this case"))
        self.record_button.clicked.connect(self.record)
        form.addRow(self.record_button)

        search_box = QGroupBox(self.tr("Find a known party"))
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("ID number, credit code, phone, plate or name"))
        self.search_edit.returnPressed.connect(self.search)
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.clicked.connect(self.search)
        self.results = PartyTable()
        self.results.setMaximumHeight(130)
        self.results.itemSelectionChanged.connect(lambda: self._show_history(self.results.selected()))
        self.pick_button = QPushButton(self.tr("Pick for this case"))
        self.pick_button.clicked.connect(self.pick)
        row = QHBoxLayout()
        row.addWidget(self.search_edit, 1)
        row.addWidget(self.search_button)
        row.addWidget(self.pick_button)
        search = QVBoxLayout(search_box)
        search.addLayout(row)
        search.addWidget(self.results)

        history_box = QGroupBox(self.tr("Cases of the selected party"))
        self.history = QListWidget()
        self.history.setMaximumHeight(120)
        QVBoxLayout(history_box).addWidget(self.history)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.case_table)
        layout.addWidget(form_box)
        layout.addWidget(search_box)
        layout.addWidget(history_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        for widget in (self.id_label, self.id_number):
            widget.setVisible(kind == "person")
        for widget in (self.credit_label, self.credit_code, self.licence_label, self.licence):
            widget.setVisible(kind == "shop")

    # ------------------------------------------------------------------------------------------- reading
    def set_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.title.setText(self.tr("Parties of case %1").replace("%1", str(case_id)))
        self.refresh()

    def refresh(self) -> None:
        if self.case_id is None:
            return
        case_id, actor = self.case_id, self.actor
        self._bg.run(lambda: self.parties.of_case(case_id, actor=actor),
                     lambda records: self._show_case_parties(case_id, records), self._failed)

    def _show_case_parties(self, case_id: int, records: list[PartyRecord]) -> None:
        if case_id != self.case_id:
            return
        self.case_table.show_records(records)
        if not records:
            self._say(self.tr("No party recorded yet: record one or find a known one."), "hint")
        self.loaded.emit()

    def search(self) -> None:
        text, actor = self.search_edit.text(), self.actor
        self._bg.run(lambda: self.parties.search(text, actor=actor), self._show_results, self._failed)

    def _show_results(self, records: list[PartyRecord]) -> None:
        self.results.show_records(records)
        self._say(self.tr("%1 parties found").replace("%1", str(len(records))), "hint")
        self.loaded.emit()

    def _show_history(self, record: PartyRecord | None) -> None:
        if record is None:
            return
        party_id = record.id
        self._bg.run(lambda: self.parties.cases_of(party_id), self._fill_history, self._failed)

    def _fill_history(self, cases: list[PartyCase]) -> None:
        self.history.clear()
        for c in cases:
            decided = (f"{OUTCOME_ZH.get(c.outcome, c.outcome)} {c.amount:g}" if c.outcome
                       else self.tr("no decision"))
            leniency = self.tr(" (first-violation leniency)") if c.first_violation else ""
            self.history.addItem(f"{c.created_at.astimezone():%Y-%m-%d} {c.case_code} {c.category_name} "
                                 f"{decided}{leniency}")
        self.loaded.emit()

    # ------------------------------------------------------------------------------------------- writing
    def record(self) -> None:
        if self.case_id is None:
            return
        case_id, actor, kind = self.case_id, self.actor, self.kind.currentData()
        values = {"name": self.name.text(), "phone": self.phone.text(), "plate": self.plate.text(),
                  "address": self.address.text()}
        if kind == "person":
            values["id_number"] = self.id_number.text()
        if kind == "shop":
            values.update(credit_code=self.credit_code.text(), licence=self.licence.text())
        self.record_button.setEnabled(False)
        self._bg.run(lambda: self.parties.record(case_id, actor=actor, kind=kind, **values),
                     lambda _row: self._done(self.tr("Party recorded.")), self._failed)

    def pick(self) -> None:
        record = self.results.selected()
        if self.case_id is None or record is None:
            self._say(self.tr("Search and select a party first."), "error")
            return
        case_id, actor, party_id = self.case_id, self.actor, record.id
        self._bg.run(lambda: self.parties.link(case_id, party_id, actor=actor),
                     lambda _none: self._done(self.tr("Party picked for this case.")), self._failed)

    def _done(self, text: str) -> None:
        self.record_button.setEnabled(True)
        for edit in (self.name, self.id_number, self.credit_code, self.licence, self.phone, self.plate, self.address):
            edit.clear()
        self._say(text, "ok")
        self.refresh()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.record_button.setEnabled(True)
        self._say(getattr(exc, "message_zh", None) or str(exc), "error")
        self.loaded.emit()

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)
