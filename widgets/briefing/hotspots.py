"""Hot spots by time: a grid's cases by hour × weekday against the officers on duty there, and where patrols
are short — so a leader moves a shift to the hours the cases come (南京's night patrols).

The figures come from :func:`commandcenter.mapdata.hotspots.hotspot_report` on the task manager.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.cases.shifts import ShiftRoster
from commandcenter.mapdata.hotspots import HotspotReport, PatrolGap, hotspot_report
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from widgets import theme
from widgets.briefing.period import PeriodPicker


class HotspotPage(QWidget):
    """Period and grid; the grid's hour × weekday table (cases a week, officers on duty) and the patrol gaps."""

    report_shown = Signal(object)  # HotspotReport

    def __init__(self, store: Store, tasks: TaskManager, roster: ShiftRoster, parent: QWidget | None = None, *,
                 today: Callable[[], date] | None = None) -> None:
        super().__init__(parent)
        self.store, self.roster = store, roster
        self._bridge = GuiBridge(tasks, self)
        self._asked = 0
        self.report: HotspotReport | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.picker = PeriodPicker(today=today)
        self.picker.choose_quietly("last_month")  # a whole month: every weekday four times or more
        self.picker.changed.connect(lambda _p: self.refresh())
        self.grid = QComboBox()
        self.grid.setMinimumContentsLength(10)
        self.grid.currentIndexChanged.connect(lambda _i: self._show_grid())
        self.status = QLabel("")
        self.status.setProperty("kpi", "title")
        top.addWidget(self.picker, 1)
        top.addWidget(self.status)
        top.addWidget(QLabel(self.tr("Grid")))
        top.addWidget(self.grid)
        root.addLayout(top)
        body = QHBoxLayout()
        self.days = [self.tr("Mon"), self.tr("Tue"), self.tr("Wed"), self.tr("Thu"), self.tr("Fri"),
                     self.tr("Sat"), self.tr("Sun")]
        self.table = QTableWidget(8, 24)
        self.table.setVerticalHeaderLabels([*self.days, self.tr("On duty")])
        self.table.setHorizontalHeaderLabels([f"{h}" for h in range(24)])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setToolTip(self.tr("Cases a week reported in each hour; the last row: officers on duty"))
        table_box = QGroupBox(self.tr("Cases a week by hour and weekday, officers on duty"))
        QVBoxLayout(table_box).addWidget(self.table)
        self.gaps = QListWidget()
        self.gaps.setWordWrap(True)
        self.gaps.setToolTip(self.tr("Click a line to see that grid's hours"))
        self.gaps.currentRowChanged.connect(self._gap_chosen)
        gaps_box = QGroupBox(self.tr("Where patrols are short"))
        QVBoxLayout(gaps_box).addWidget(self.gaps)
        body.addWidget(table_box, 3)
        body.addWidget(gaps_box, 1)
        root.addLayout(body, 1)

    def refresh(self) -> None:
        """Recompute for the chosen period on the task manager."""
        self._asked += 1
        asked, period, store, roster = self._asked, self.picker.period(), self.store, self.roster
        self.status.setText(self.tr("Computing…"))
        self._bridge.run(lambda: hotspot_report(store, period.start, period.end, roster),
                         lambda report: self._show(asked, report), lambda exc: self._failed(asked, exc))

    def _failed(self, asked: int, exc: BaseException) -> None:
        if asked == self._asked:
            self.status.setText(self.tr("Hot spots failed: %1").replace("%1", str(exc)))

    def _show(self, asked: int, report: HotspotReport) -> None:
        if asked != self._asked:
            return
        self.report = report
        chosen = self.grid.currentData()
        self.grid.blockSignals(True)
        self.grid.clear()
        for grid in report.grids:
            self.grid.addItem(grid, grid)
        index = self.grid.findData(chosen) if chosen else -1
        if index < 0 and report.gaps:
            index = self.grid.findData(report.gaps[0].grid)  # open on the grid that needs a patrol most
        self.grid.setCurrentIndex(max(index, 0))
        self.grid.blockSignals(False)
        self.status.setText(f"{report.start.isoformat()} ~ {report.end.isoformat()}")
        self.gaps.clear()
        for gap in report.gaps:
            self.gaps.addItem(self.gap_text(gap))
        if not report.gaps:
            self.gaps.addItem(self.tr("No hour with regular cases lacks officers."))
        self._show_grid()
        self.report_shown.emit(report)

    def _gap_chosen(self, row: int) -> None:
        if self.report is not None and 0 <= row < len(self.report.gaps):
            index = self.grid.findData(self.report.gaps[row].grid)
            if index >= 0:
                self.grid.setCurrentIndex(index)
                self.table.setCurrentCell(self.report.gaps[row].weekday, self.report.gaps[row].hour)

    def gap_text(self, gap: PatrolGap) -> str:
        return (self.tr("Grid %1 · %2 %3:00 · %4 cases a week · %5 on duty")
                .replace("%1", gap.grid).replace("%2", self.days[gap.weekday]).replace("%3", f"{gap.hour:02d}")
                .replace("%4", f"{gap.cases_per_week:.1f}").replace("%5", str(gap.officers)))

    def _show_grid(self) -> None:
        report, grid = self.report, self.grid.currentData()
        if report is None or grid is None:
            return
        per_week = report.per_week(str(grid))
        duty = report.duty.get(str(grid))
        top = float(per_week.max()) or 1.0
        base, hot, short = QColor(theme.colour("card")), QColor(theme.colour("accent")), theme.colour("error")
        for weekday in range(7):
            for hour in range(24):
                value = float(per_week[weekday, hour])
                item = QTableWidgetItem(f"{value:.1f}" if value else "")
                share = value / top
                item.setBackground(QColor(round(base.red() + (hot.red() - base.red()) * share),
                                          round(base.green() + (hot.green() - base.green()) * share),
                                          round(base.blue() + (hot.blue() - base.blue()) * share)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if value >= 1.0 and (duty is None or duty[hour] == 0):
                    item.setBackground(QColor(short))  # cases every week and nobody on shift
                    item.setForeground(QColor("white"))
                self.table.setItem(weekday, hour, item)
        for hour in range(24):
            officers = 0 if duty is None else int(duty[hour])
            item = QTableWidgetItem(str(officers))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if not officers:
                item.setForeground(QColor(short))
            self.table.setItem(7, hour, item)
