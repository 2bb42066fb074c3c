"""在班: who is on shift and on duty now, per team — what the recommendation may pick from.

A thin view of :class:`commandcenter.cases.shifts.TeamDuty` rows (computed on the feed's worker with every
dispatch snapshot): per team its running 班次 (or, off shift, its shifts), how many officers are on shift and on
duty, on shift but off duty (下班 on the phone or not reporting), and off shift; the team's officers under it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from commandcenter.cases.shifts import Shift, TeamDuty
from commandcenter.labels import unit_status_label
from widgets import theme

COLUMNS = 5


def _span(shift: Shift) -> str:
    if shift.start == shift.end:
        return f"{shift.name} 00:00–24:00"
    return f"{shift.name} {shift.start:%H:%M}–{shift.end:%H:%M}"


class DutyPanel(QWidget):
    """``show_board(rows)`` with every snapshot; rebuilt only when who is on shift or on duty changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DutyPanel")
        self.board: list[TeamDuty] = []
        self._pending: list[TeamDuty] | None = None  # the latest board, while the panel is not in view
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(self.tr("No officers yet."))
        self.summary.setWordWrap(True)
        theme.set_role(self.summary, "hint")
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(COLUMNS)
        self.tree.setHeaderLabels([self.tr("Team / officer"), self.tr("Shift now"), self.tr("On duty"),
                                   self.tr("Off duty"), self.tr("Off shift")])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, COLUMNS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setAlternatingRowColors(True)
        layout.addWidget(self.tree, 1)

    def title(self) -> str:
        """The side tab's name (translated here, with the panel's other strings)."""
        return self.tr("On shift")

    def show_board(self, board: Sequence[TeamDuty]) -> None:
        """Show the board now when the panel is in view, else when it is next shown. Why wait: the tree holds
        every officer (2,000 items in a big demo) and the board changes with every officer's status, so
        rebuilding it behind another tab or screen was a stall of the GUI thread nobody could see."""
        rows = list(board)
        if not self.isVisible():
            self._pending = rows
            return
        self._pending = None
        self._build(rows)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending is not None:
            rows, self._pending = self._pending, None
            self._build(rows)

    def _build(self, rows: list[TeamDuty]) -> None:
        if rows == self.board:
            return
        self.board = rows
        tops = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        expanded = {top.text(0) for top in tops if top is not None and top.isExpanded()}
        self.tree.clear()
        on_duty = sum(len(t.on_duty) for t in rows)
        off_duty = sum(len(t.off_duty) for t in rows)
        off_shift = sum(len(t.off_shift) for t in rows)
        self.summary.setText(self.tr("On shift now: %1 officers, %2 on duty, %3 off duty; %4 officers off shift.")
                             .replace("%1", str(on_duty + off_duty)).replace("%2", str(on_duty))
                             .replace("%3", str(off_duty)).replace("%4", str(off_shift)))
        muted = QColor(theme.colour("muted"))
        alarm = QColor(theme.colour("error"))
        for team in rows:
            item = QTreeWidgetItem([team.team or self.tr("(no team)"), self._shift_text(team),
                                    str(len(team.on_duty)), str(len(team.off_duty)), str(len(team.off_shift))])
            if not team.on_shift:
                for column in range(COLUMNS):
                    item.setForeground(column, muted)
            elif not team.on_duty:
                item.setForeground(2, alarm)  # on shift and nobody on duty: nobody to send
            item.setToolTip(0, self.tr("%1: %2 officers").replace("%1", team.team).replace("%2", str(team.officers)))
            for name, status, state in self._people(team):
                child = QTreeWidgetItem([name, f"{state} · {unit_status_label(status)}"])
                if state != self.tr("On duty"):
                    child.setForeground(0, muted)
                    child.setForeground(1, muted)
                item.addChild(child)
            self.tree.addTopLevelItem(item)
            item.setExpanded(team.team in expanded)

    def _shift_text(self, team: TeamDuty) -> str:
        if not team.shifts:
            return self.tr("all day (no roster)")
        spans = "、".join(_span(s) for s in team.shifts)
        return spans if team.on_shift else self.tr("off shift (%1)").replace("%1", spans)

    def _people(self, team: TeamDuty) -> list[tuple[str, str, str]]:
        return ([(n, s, self.tr("On duty")) for n, s in team.on_duty]
                + [(n, s, self.tr("Off duty")) for n, s in team.off_duty]
                + [(n, s, self.tr("Off shift")) for n, s in team.off_shift])
