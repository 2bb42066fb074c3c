"""Docks of the main window: the live event list and the device health table.

Docks are narrow: nothing in them scrolls sideways. Event lines wrap; table cells are elided with the whole text
in the tooltip; columns are as wide as their content, the device name takes what is left, and the state comes
right after the name so it is visible however narrow the dock is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer
from widgets import theme

# Theme colour roles (widgets/theme.py) of event severities and device states.
SEVERITY_ROLES = {"info": "muted", "warning": "warn", "alarm": "error"}
STATE_ROLES = {"online": "ok", "stale": "warn", "connecting": "accent", "error": "error", "offline": "disabled",
               "idle": "muted"}
STATE_WORDS = {"online": QT_TRANSLATE_NOOP("HealthDock", "online"),
               "stale": QT_TRANSLATE_NOOP("HealthDock", "no data"),
               "connecting": QT_TRANSLATE_NOOP("HealthDock", "connecting"),
               "error": QT_TRANSLATE_NOOP("HealthDock", "error"),
               "offline": QT_TRANSLATE_NOOP("HealthDock", "offline"),
               "idle": QT_TRANSLATE_NOOP("HealthDock", "not open")}
KIND_WORDS = {"camera": QT_TRANSLATE_NOOP("HealthDock", "camera"),
              "drone_video": QT_TRANSLATE_NOOP("HealthDock", "drone video")}
STATE_COLUMN = 1
NAME_MIN_PX = 120  # the device name column never gets narrower than this while counters can make room


def state_word(state: str) -> str:
    word = STATE_WORDS.get(state)
    return QCoreApplication.translate("HealthDock", str(word)) if word else state


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""


class EventsDock(QWidget):
    """Newest-first list of operational events (geofence, unknown terminals, rejected input, alarms)."""

    MAX_ROWS = 500

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Events"))
        self.list = QListWidget()
        self.list.setWordWrap(True)  # a long event wraps inside the dock instead of scrolling sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setUniformItemSizes(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)

    def add_event(self, severity: str, text: str) -> None:
        item = QListWidgetItem(f"{datetime.now():%H:%M:%S}  {text}")
        item.setForeground(theme.qcolour(SEVERITY_ROLES.get(severity, "text")))
        item.setToolTip(text)
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
            self.tr("Device"), self.tr("State"), self.tr("Kind"), self.tr("Messages"), self.tr("Bad"),
            self.tr("Reconnects"), self.tr("Refused fixes"), self.tr("Connections closed")])
        # Why the fix chain refused a link's positions (keys of the health report's refused_fixes reasons).
        self._reasons = {
            "no_fix": self.tr("no GPS fix"), "zero_coordinates": self.tr("(0, 0)"),
            "out_of_range": self.tr("out of range"), "future": self.tr("dated in the future"),
            "too_old": self.tr("too old"), "bad_time": self.tr("bad time"),
            "unknown_device": self.tr("unregistered device"), "impossible_jump": self.tr("impossible jump")}
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # ids differ at both ends: keep both
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # widths set by _fit_columns
        header.setMinimumSectionSize(24)
        header.setStretchLastSection(False)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)
        for column in range(self.table.columnCount()):
            item = self.table.horizontalHeaderItem(column)
            if item is not None:
                item.setToolTip(item.text())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        self._wanted: dict[int, int] = {}  # column → its content's width, as last measured
        self._shown: list[list[tuple[str, str | None, str]]] = []  # per row and column: what the cell shows
        self._timer = PhasedTimer(1000, PHASES_MS["health.refresh"], self._refresh_if_shown, self)
        self._timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self, measure: set[int] | None = None) -> None:
        """Each column as wide as its content, the name gets what is left (elided, whole in its tooltip). When
        the dock is too narrow for all of them, the counters go first (connections closed, refused fixes, bad,
        messages, reconnects, kind): the name and the state always stay in view, and nothing scrolls sideways.

        Only the columns in ``measure`` are measured again (all when None): measuring a column asks Qt for the
        size of every cell in it, and a counter that grows a digit (every few seconds, with dozens of devices)
        needs its own column measured, not all eight."""
        table = self.table
        available = table.viewport().width()
        for c in range(1, table.columnCount()) if measure is None else measure - {0}:
            self._wanted[c] = max(table.sizeHintForColumn(c), table.horizontalHeader().sectionSizeHint(c))
        wanted = self._wanted
        empty = {c for c in (6, 7) if not any(_text(table.item(r, c)) for r in range(table.rowCount()))}
        shown = [c for c in range(1, table.columnCount()) if c not in empty]
        for column in (7, 6, 4, 3, 5, 2):  # least needed first
            if sum(wanted[c] for c in shown) + NAME_MIN_PX <= available:
                break
            if column in shown:
                shown.remove(column)
        for column in range(1, table.columnCount()):
            table.setColumnHidden(column, column not in shown)
            if column in shown:
                table.setColumnWidth(column, wanted[column])
        table.setColumnWidth(0, max(NAME_MIN_PX // 2, available - sum(wanted[c] for c in shown)))

    def refresh(self) -> None:
        """Show the report. Only cells whose text, colour or tooltip changed are touched, and the columns are
        refitted only when a text changed length: re-creating every item every second (with the column fit
        measuring every cell) was a stall of the GUI thread each second with a few dozen devices.

        What changed is found by comparing with what this dock last put in the cells (``_shown``), not by
        asking the items: reading four properties of each of ~200 cells every second was a third of all the GUI
        thread's calls into Qt in the demo at 2,000 units (2,184 a second; 1,404 without them). Each such call
        releases the interpreter lock and takes it back, a chance for a worker thread to run first."""
        cells = [self._cells(dev) for dev in self._source()]
        table = self.table
        shown = self._shown
        refit = table.rowCount() != len(cells)  # every column measured again
        longer_or_shorter: set[int] = set()  # only these
        if refit:
            table.setRowCount(len(cells))
            del shown[len(cells):]
        for r, row in enumerate(cells):
            before = shown[r] if r < len(shown) else []
            for c, cell in enumerate(row):
                old = before[c] if c < len(before) else None
                if old == cell:
                    continue
                text, colour, tip = cell
                item = table.item(r, c)
                if item is None:
                    item = QTableWidgetItem(text)
                    table.setItem(r, c, item)
                    refit = True
                    old = (text, None, "")
                elif old is None:  # not put there by this dock: read once
                    brush = item.data(Qt.ItemDataRole.ForegroundRole)
                    old = (item.text(), "?" if brush is not None else None, item.toolTip())
                if old[0] != text:
                    if len(old[0]) != len(text):
                        longer_or_shorter.add(c)
                    item.setText(text)
                if old[1] != colour:
                    if colour is None:
                        item.setData(Qt.ItemDataRole.ForegroundRole, None)
                    else:
                        item.setForeground(theme.qcolour(colour))
                if old[2] != tip:
                    item.setToolTip(tip)
            if r < len(shown):
                shown[r] = row
            else:
                shown.append(row)
        if refit:
            self._fit_columns()
        elif longer_or_shorter:
            self._fit_columns(longer_or_shorter)

    def _refresh_if_shown(self) -> None:
        """The once-a-second refresh, skipped while the dock is closed (its View menu toggle); opening it
        refreshes at once. A dock tabbed behind another still counts as visible to Qt and keeps refreshing."""
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self._shown.clear()  # colours are looked up again for every cell at the next refresh

    def _cells(self, dev: dict[str, Any]) -> list[tuple[str, str | None, str]]:
        """One device's row: (text, colour role or None, tooltip) per column."""
        # A listener's connections evicted at its cap / timed out / refused (a flood, or caps too small).
        closed = f"{dev['evicted']} / {dev['timed_out']} / {dev['refused']}" if "evicted" in dev else ""
        name = f"{dev['id']} {dev['name']}" if dev.get("name") and dev["name"] != dev["id"] else str(dev["id"])
        kind = KIND_WORDS.get(str(dev["kind"]))
        values = [name, state_word(str(dev["state"])),
                  QCoreApplication.translate("HealthDock", str(kind)) if kind else dev["kind"],
                  dev["messages"], dev["bad_messages"], dev["reconnects"], dev.get("refused_fixes", ""), closed]
        reasons = dev.get("refused_reasons") or {}
        out: list[tuple[str, str | None, str]] = []
        for c, value in enumerate(values):
            text = str(value)
            colour: str | None = None
            tip = text  # the whole text of an elided cell
            if c == STATE_COLUMN:
                colour = STATE_ROLES.get(str(dev["state"]), "text")
            if c == 6 and reasons:
                colour = "warn"
                tip = "\n".join(f"{self._reasons.get(k, k)}: {n}" for k, n in sorted(reasons.items()))
            elif c == 7 and closed:
                tip = (self.tr("evicted to make room: %1\ntimed out: %2\nrefused at the cap: %3")
                       .replace("%1", str(dev["evicted"])).replace("%2", str(dev["timed_out"]))
                       .replace("%3", str(dev["refused"])))
            elif dev.get("last_error"):
                tip = f"{value}\n{dev['last_error']}"
            out.append((text, colour, tip))
        return out
