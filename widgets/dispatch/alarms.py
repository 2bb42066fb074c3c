"""Alarms for the dispatcher: the event list (geofence, sensor, camera; double-click to start a case), the list
of escalated cases, and the banner that flashes (with the system beep) for urgent news."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.cases.feed import DispatchSnapshot
from widgets import theme
from widgets.dispatch.models import countdown

MAX_EVENTS = 500


class EventList(QListWidget):
    """Newest alarm first; ``activated_event(data)`` on a double-click (data: source, category, lat, lon, text)."""

    activated_event = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.itemDoubleClicked.connect(self.activate)

    def add_event(self, text: str, *, source: str, category: str, lat: float | None, lon: float | None,
                  urgent: bool, time: datetime | None) -> None:
        stamp = (time or datetime.now()).astimezone().strftime("%H:%M:%S")
        item = QListWidgetItem(f"{stamp}  [{source}]  {text}")
        item.setData(Qt.ItemDataRole.UserRole, {"source": source, "category": category, "lat": lat, "lon": lon,
                                                "text": text})
        if urgent:
            item.setForeground(theme.qcolour("error"))
        self.insertItem(0, item)
        while self.count() > MAX_EVENTS:
            self.takeItem(self.count() - 1)

    def activate(self, item: QListWidgetItem) -> None:
        self.activated_event.emit(item.data(Qt.ItemDataRole.UserRole) or {})


class EscalatedList(QListWidget):
    """The leaders' 督办 list: overdue in the error colour, about to be in the warning colour."""

    case_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.itemClicked.connect(lambda item: self.case_clicked.emit(str(item.data(Qt.ItemDataRole.UserRole))))

    def show_snapshot(self, snap: DispatchSnapshot) -> None:
        chosen = self.selected_code()
        self.clear()
        for r in snap.escalated:
            officer = f"  {r.assigned}" if r.assigned else ""
            item = QListWidgetItem(f"{r.code}  {r.category}  {r.status_label}  "
                                   f"{countdown(r.remaining_hours, r.level)}{officer}")
            item.setForeground(theme.qcolour("error" if r.level == "overdue" else "warn"))
            item.setData(Qt.ItemDataRole.UserRole, r.code)
            item.setToolTip(r.address or r.code)
            self.addItem(item)
            if r.code == chosen:
                self.setCurrentItem(item)

    def selected_code(self) -> str | None:
        item = self.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None


class EscalationPanel(QWidget):
    """督办预警: the escalated list with its two actions. 督办 puts the selected case under the desk's supervision,
    催办 presses whoever holds it; both are recorded in the case history and audited by the case service.
    ``action_requested(code, action, note)`` with action "supervise" or "urge"."""

    action_requested = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = EscalatedList()
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Note for the officer (optional)"))
        self.supervise_button = QPushButton(self.tr("Supervise"))
        self.supervise_button.setToolTip(self.tr("督办: put the selected case under the duty desk's supervision "
                                                 "(recorded in its history)"))
        self.urge_button = QPushButton(self.tr("Urge"))
        self.urge_button.setToolTip(self.tr("催办: press whoever holds the selected case to finish it "
                                            "(recorded in its history)"))
        self.supervise_button.clicked.connect(lambda: self._act("supervise"))
        self.urge_button.clicked.connect(lambda: self._act("urge"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.supervise_button)
        buttons.addWidget(self.urge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self._enable()

    def _enable(self) -> None:
        chosen = self.list.selected_code() is not None
        self.supervise_button.setEnabled(chosen)
        self.urge_button.setEnabled(chosen)

    def _act(self, action: str) -> None:
        code = self.list.selected_code()
        if code:
            self.action_requested.emit(code, action, self.note.text().strip())
            self.note.clear()


class AlarmBanner(QLabel):
    """A line of text that flashes for a few seconds when something urgent happens."""

    FLASHES = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        theme.set_role(self, "alarm")
        self._left = 0
        self._timer = QTimer(self)
        self._timer.setInterval(400)
        self._timer.timeout.connect(self._step)

    def flash(self, message: str) -> None:
        """Show ``message``, flash it and beep (a sound hint for a dispatcher looking elsewhere)."""
        self.setText(message)
        self._left = self.FLASHES
        self._timer.start()
        QApplication.beep()

    def stop(self) -> None:
        self._timer.stop()

    def _step(self) -> None:
        self._left -= 1
        theme.set_role(self, "alarm_on" if self._left % 2 == 0 and self._left > 0 else "alarm")
        if self._left <= 0:
            self._timer.stop()
