"""执法公示 from a seat: pick the period, preview the masked lines that will be published, export them to a file.

The masking and the audit record are the core's (``enforcement.disclosure``); the export needs
``disclosure.export``, checked there. Reads and the export run on the task manager.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.disclosure import (
    CHINA,
    FIELDS_ZH,
    DisclosureRecord,
    disclosure_records,
    export_disclosure_file,
)
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from widgets.enforcement.style import PANEL_QSS, set_role

AuthorizeFn = Callable[[str, str], None]
PREVIEW_FIELDS = ("doc_no", "case_code", "party", "id_number", "phone", "violation", "outcome", "amount",
                  "address", "decided_on")


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(edit: QDateEdit) -> date:
    q = edit.date()
    return date(q.year(), q.month(), q.day())


class DisclosurePanel(QWidget):
    """Period, preview and export of the 行政执法公示."""

    loaded = Signal()  # the preview is on screen
    exported = Signal(str)  # the file written

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, tasks: TaskManager, *, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.audit, self.authorize, self.actor = store, audit, authorize, actor
        self._bg = GuiBridge(tasks, self)
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)
        title = QLabel(self.tr("Enforcement disclosure"))
        title.setProperty("role", "title")
        today = date.today()
        self.start = QDateEdit(_qdate(today.replace(day=1)))
        self.end = QDateEdit(_qdate(today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.preview_button = QPushButton(self.tr("Preview"))
        self.preview_button.clicked.connect(self.preview)
        self.export_button = QPushButton(self.tr("Export…"))
        self.export_button.clicked.connect(self._export_clicked)
        row = QHBoxLayout()
        for widget in (QLabel(self.tr("From")), self.start, QLabel(self.tr("to")), self.end, self.preview_button,
                       self.export_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.table = QTableWidget(0, len(PREVIEW_FIELDS))
        self.table.setHorizontalHeaderLabels([FIELDS_ZH[k] for k in PREVIEW_FIELDS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        hint = QLabel(self.tr("Decisions of closed cases only; names, ID numbers, phones, plates and house "
                              "numbers are masked as published."))
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

    def set_period(self, start: date, end: date) -> None:
        self.start.setDate(_qdate(start))
        self.end.setDate(_qdate(end))

    def preview(self) -> None:
        start, end = _day(self.start), _day(self.end)
        since = datetime.combine(start, time(0), CHINA)
        until = datetime.combine(end, time(0), CHINA) + timedelta(days=1)
        self._bg.run(lambda: disclosure_records(self.store, since=since, until=until), self._show, self._failed)

    def _show(self, records: list[DisclosureRecord]) -> None:
        self.table.setRowCount(len(records))
        for row, record in enumerate(records):
            for col, key in enumerate(PREVIEW_FIELDS):
                value = getattr(record, key)
                self.table.setItem(row, col, QTableWidgetItem(f"{value:g}" if isinstance(value, float) else str(value)))
        self._say(self.tr("%1 decisions in the period").replace("%1", str(len(records))), "hint")
        self.loaded.emit()

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export enforcement disclosure"),
                                              f"执法公示_{_day(self.start)}_{_day(self.end)}.xlsx",
                                              self.tr("Excel (*.xlsx);;CSV (*.csv);;JSON (*.json)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        start, end, actor = _day(self.start), _day(self.end), self.actor
        self.export_button.setEnabled(False)
        self._bg.run(lambda: export_disclosure_file(self.store, path, start=start, end=end, actor=actor,
                                                    authorize=self.authorize, audit=self.audit),
                     lambda count: self._exported(path, count), self._failed)

    def _exported(self, path: Path, count: int) -> None:
        self.export_button.setEnabled(True)
        self._say(self.tr("%1 decisions written to %2").replace("%1", str(count)).replace("%2", str(path)), "ok")
        self.exported.emit(str(path))

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self._say(getattr(exc, "message_zh", None) or str(exc), "error")
        self.loaded.emit()

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)
