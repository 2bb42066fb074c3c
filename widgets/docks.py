"""Docks of the main window: the live event list and the device health table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets import theme

# Theme colour roles (widgets/theme.py) of event severities and device states.
SEVERITY_ROLES = {"info": "muted", "warning": "warn", "alarm": "error"}
STATE_ROLES = {"online": "ok", "stale": "warn", "connecting": "accent", "error": "error", "offline": "disabled"}


class EventsDock(QWidget):
    """Newest-first list of operational events (geofence, unknown terminals, rejected input, alarms)."""

    MAX_ROWS = 500

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Events"))
        self.list = QListWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)

    def add_event(self, severity: str, text: str) -> None:
        item = QListWidgetItem(f"{datetime.now():%H:%M:%S}  {text}")
        item.setForeground(theme.qcolour(SEVERITY_ROLES.get(severity, "text")))
        self.list.insertItem(0, item)
        while self.list.count() > self.MAX_ROWS:
            self.list.takeItem(self.list.count() - 1)


class HealthDock(QWidget):
    """Every device and listener with state and counters, refreshed once a second from the core's report."""

    def __init__(self, source: Callable[[], list[dict[str, Any]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Device health"))
        self._source = source
        self.table = QTableWidget(0, 8)
        self.table.setHorizontalHeaderLabels([
            self.tr("Device"), self.tr("Kind"), self.tr("State"), self.tr("Messages"), self.tr("Bad"),
            self.tr("Reconnects"), self.tr("Refused fixes"), self.tr("Connections closed")])
        # Why the fix chain refused a link's positions (keys of the health report's refused_fixes reasons).
        self._reasons = {
            "no_fix": self.tr("no GPS fix"), "zero_coordinates": self.tr("(0, 0)"),
            "out_of_range": self.tr("out of range"), "future": self.tr("dated in the future"),
            "too_old": self.tr("too old"), "bad_time": self.tr("bad time"),
            "unknown_device": self.tr("unregistered device"), "impossible_jump": self.tr("impossible jump")}
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1000)

    def refresh(self) -> None:
        rows = self._source()
        self.table.setRowCount(len(rows))
        for r, dev in enumerate(rows):
            # A listener's connections evicted at its cap / timed out / refused (a flood, or caps too small).
            closed = (f"{dev['evicted']} / {dev['timed_out']} / {dev['refused']}" if "evicted" in dev else "")
            values = [dev["id"], dev["kind"], dev["state"], dev["messages"], dev["bad_messages"], dev["reconnects"],
                      dev.get("refused_fixes", ""), closed]
            reasons = dev.get("refused_reasons") or {}
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if c == 2:
                    item.setForeground(theme.qcolour(STATE_ROLES.get(str(value), "text")))
                if c == 6 and reasons:
                    item.setForeground(theme.qcolour("warn"))
                    item.setToolTip("\n".join(f"{self._reasons.get(k, k)}: {n}" for k, n in sorted(reasons.items())))
                elif c == 7 and closed:
                    item.setToolTip(self.tr("evicted to make room: %1\ntimed out: %2\nrefused at the cap: %3")
                                    .replace("%1", str(dev["evicted"])).replace("%2", str(dev["timed_out"]))
                                    .replace("%3", str(dev["refused"])))
                elif dev.get("last_error"):
                    item.setToolTip(str(dev["last_error"]))
                self.table.setItem(r, c, item)
