"""Table models of the dispatch screen: they only format the plain rows the DispatchFeed produced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush

from commandcenter.cases.feed import QueueRow
from commandcenter.cases.model import officer_label
from commandcenter.cases.service import UnitRow
from widgets import theme
from widgets.assignees import assignee_icon, assignee_kind_label

_Index = QModelIndex | QPersistentModelIndex

# Theme colour roles (widgets/theme.py) of SLA levels and unit statuses.
LEVEL_ROLES = {"ok": "ok", "warning": "warn", "overdue": "error", "paused": "disabled", "none": "disabled"}
STALE_ROLE = "disabled"
UNIT_STATUS_ROLES = {"idle": "ok", "dispatched": "accent", "handling": "warn", "resting": "muted",
                     "offline": "disabled"}


# What the officer's phone (城管通) did with a dispatched case, shown after its status: 已接单 → 到场 → 已反馈; 退单 red.
FIELD_STATES = {"accepted": QT_TRANSLATE_NOOP("DispatchScreen", "accepted"),
                "arrived": QT_TRANSLATE_NOOP("DispatchScreen", "on scene"),
                "reported": QT_TRANSLATE_NOOP("DispatchScreen", "reported back"),
                "refused": QT_TRANSLATE_NOOP("DispatchScreen", "refused by officer")}


def field_state_label(field_state: str) -> str:
    """已接单 / 到场 / 已反馈 / 退单 in the user's language ("" for no state)."""
    label = FIELD_STATES.get(field_state)
    return _tr(label) if label else ""


def status_text(status_label: str, field_state: str) -> str:
    """The queue's status cell: the workflow status and, once the phone acted, the field state."""
    label = field_state_label(field_state)
    return f"{status_label} · {label}" if label else status_label


# A case's 紧急程度 (1 紧急, 2 较急, 3 一般: categories.csv), as words; a bare number means nothing to a dispatcher.
URGENCY_WORDS = {1: QT_TRANSLATE_NOOP("DispatchScreen", "Urgent"),
                 2: QT_TRANSLATE_NOOP("DispatchScreen", "Pressing"),
                 3: QT_TRANSLATE_NOOP("DispatchScreen", "Normal")}


def urgency_label(urgency: int) -> str:
    """紧急 / 较急 / 一般 in the user's language (the number itself for a value outside the scale)."""
    word = URGENCY_WORDS.get(urgency)
    return _tr(word) if word else str(urgency)


def reported_at(created: datetime | None) -> str:
    """When a case was reported, in local time: 09:41 today, 12-01 09:41 earlier this year, else with the year."""
    if not isinstance(created, datetime):
        return "—"
    local, today = created.astimezone(), datetime.now().astimezone().date()
    if local.date() == today:
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M" if local.year == today.year else "%Y-%m-%d %H:%M")


def _tr(text: object) -> str:
    """Translate a string marked with QT_TRANSLATE_NOOP("DispatchScreen", …) elsewhere."""
    return QCoreApplication.translate("DispatchScreen", str(text))


def countdown(hours: float | None, level: str) -> str:
    """Remaining working time as the queue shows it: 1:25 剩余, 超时 0:40, 暂停."""
    if level == "paused":
        return QCoreApplication.translate("DispatchScreen", "paused")
    if hours is None:
        return "—"
    minutes = round(abs(hours) * 60)
    text = f"{minutes // 60}:{minutes % 60:02d}"
    return QCoreApplication.translate("DispatchScreen", "overdue %1").replace("%1", text) if hours < 0 or level == "overdue" else text


def age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


class CaseQueueModel(QAbstractTableModel):
    """Open cases, most urgent first; the deadline column is coloured green / amber / red."""

    COLUMNS = (QT_TRANSLATE_NOOP("DispatchScreen", "Case"), QT_TRANSLATE_NOOP("DispatchScreen", "Urgency"),
               QT_TRANSLATE_NOOP("DispatchScreen", "Category"), QT_TRANSLATE_NOOP("DispatchScreen", "Address"),
               QT_TRANSLATE_NOOP("DispatchScreen", "Reported"), QT_TRANSLATE_NOOP("DispatchScreen", "Time left"),
               QT_TRANSLATE_NOOP("DispatchScreen", "Status"), QT_TRANSLATE_NOOP("DispatchScreen", "Assigned to"),
               QT_TRANSLATE_NOOP("DispatchScreen", "Source"), QT_TRANSLATE_NOOP("DispatchScreen", "Grid"))
    URGENCY_COLUMN, ADDRESS_COLUMN, TIME_LEFT_COLUMN, STATUS_COLUMN, SOURCE_COLUMN, GRID_COLUMN = 1, 3, 5, 6, 8, 9
    ASSIGNED_COLUMN = 7  # an officer, a sanitation worker or a vehicle: an icon per kind, the kind in the tooltip

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[QueueRow] = []

    def set_rows(self, rows: list[QueueRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> QueueRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(self.COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = self.row_at(index.row())
        if r is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.code, urgency_label(r.urgency), r.category, r.address or "—", reported_at(r.created),
                    countdown(r.remaining_hours, r.level), status_text(r.status_label, r.field_state),
                    r.assigned or "—", r.source_label, r.grid or "—")[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATUS_COLUMN and r.field_state == "refused":
            return QBrush(theme.qcolour("alarm"))
        if role == Qt.ItemDataRole.ForegroundRole and col == self.TIME_LEFT_COLUMN:
            return QBrush(theme.qcolour(LEVEL_ROLES.get(r.level, "text")))
        if role == Qt.ItemDataRole.ForegroundRole and col in (0, self.URGENCY_COLUMN) and r.urgency == 1:
            return QBrush(theme.qcolour("alarm"))
        if role == Qt.ItemDataRole.DecorationRole and col == self.ASSIGNED_COLUMN and r.assignee_kind:
            return assignee_icon(r.assignee_kind)
        if role == Qt.ItemDataRole.ToolTipRole and col == self.ASSIGNED_COLUMN and r.assignee_kind:
            return f"{assignee_kind_label(r.assignee_kind)}: {r.assigned}"
        if role == Qt.ItemDataRole.ToolTipRole and col == self.ADDRESS_COLUMN and r.address:
            return r.address  # elided in the cell
        if role == Qt.ItemDataRole.ToolTipRole:
            deadline = r.deadline.astimezone().strftime("%m-%d %H:%M") if isinstance(r.deadline, datetime) else "—"
            tip = QCoreApplication.translate("DispatchScreen", "Deadline %1").replace("%1", deadline)
            tip += f"\n{_tr(self.COLUMNS[self.SOURCE_COLUMN])}: {r.source_label}  " \
                   f"{_tr(self.COLUMNS[self.GRID_COLUMN])}: {r.grid or '—'}"
            if r.field_state == "refused":
                tip += "\n" + QCoreApplication.translate("DispatchScreen", "Refused by officer: %1").replace(
                    "%1", r.field_note)
            if r.duplicates:
                tip += "\n" + QCoreApplication.translate("DispatchScreen", "%1 possible duplicate(s)").replace("%1", str(r.duplicates))
            return tip
        if role == Qt.ItemDataRole.UserRole:
            return r.code
        return None


class UnitBoardModel(QAbstractTableModel):
    """Every officer and vehicle: status, current case, time in status, last fix age; stale units greyed."""

    COLUMNS = (QT_TRANSLATE_NOOP("DispatchScreen", "Unit"), QT_TRANSLATE_NOOP("DispatchScreen", "Team"),
               QT_TRANSLATE_NOOP("DispatchScreen", "Status"), QT_TRANSLATE_NOOP("DispatchScreen", "Case"),
               QT_TRANSLATE_NOOP("DispatchScreen", "In status"), QT_TRANSLATE_NOOP("DispatchScreen", "Last fix"))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[UnitRow] = []

    def set_rows(self, rows: list[UnitRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(self.COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not 0 <= index.row() < len(self.rows):
            return None
        u = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            fix = age(u.fix_age_s) + (" ⚠" if u.stale else "")
            return (officer_label(u.id, u.name, u.badge), u.team, u.status_label, u.current_case or "—",
                    age(u.seconds_in_status), fix)[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if u.stale:
                return QBrush(theme.qcolour(STALE_ROLE))
            if col == 2:
                return QBrush(theme.qcolour(UNIT_STATUS_ROLES.get(u.status, "text")))
        if role == Qt.ItemDataRole.ToolTipRole and u.stale:
            return QCoreApplication.translate("DispatchScreen", "No recent position fix (stale)")
        if role == Qt.ItemDataRole.UserRole:
            return u.id
        return None
