"""The briefing's figures for any period: the period picker (今日/本周/本月/上月/自定义), the bureau's figures
with ▲▼ against the previous period, a breakdown table, and a click on any number opens the cases behind it.

The figures come from :func:`commandcenter.kpi.figures.compute_kpis`, run on the task manager; the page only
shows the :class:`~commandcenter.kpi.figures.KpiReport` when it arrives (a reply for a period no longer chosen
is dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QMouseEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.kpi.figures import LOCAL_TZ, KpiContext, KpiReport, KpiRow, Period, compute_kpis
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from widgets import theme
from widgets.briefing.export import ReportSettings, export_report, kpi_report_job
from widgets.briefing.labels import (
    BREAKDOWN_ORDER,
    breakdown_label,
    figure_label,
    format_change,
    format_value,
)
from widgets.briefing.screen import fill_table, make_table, whole_number_ticks

CARD_FIGURES = ("reported", "registered", "closed", "closure_rate", "on_time_rate", "rework_rate",
                "timely_dispatch_rate", "responded_30min_rate", "handled_24h_rate", "median_response_min",
                "p90_response_min", "median_handling_min", "rating_avg", "field_use_rate")
TABLE_FIGURES = ("registered", "closed", "closure_rate", "on_time_rate", "rework_rate", "timely_dispatch_rate",
                 "responded_30min_rate", "handled_24h_rate", "median_response_min", "median_handling_min")
REFRESH_MS = 120_000
PERIOD_KINDS = ("today", "this_week", "this_month", "last_month", "custom")


def local_today() -> date:
    """Today in the bureau's zone (the seat's clock may run in UTC)."""
    return datetime.now(LOCAL_TZ).date()


def _as_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _as_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class PeriodPicker(QWidget):
    """今日 / 本周 / 本月 / 上月 / 自定义 (with two dates); ``changed`` carries the chosen Period."""

    changed = Signal(object)  # Period

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] | None = None) -> None:
        super().__init__(parent)
        self._today = today or local_today
        self.kind = "today"
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        names = {"today": self.tr("Today"), "this_week": self.tr("This week"), "this_month": self.tr("This month"),
                 "last_month": self.tr("Last month"), "custom": self.tr("Custom")}
        for kind in PERIOD_KINDS:
            button = QPushButton(names[kind])
            button.setCheckable(True)
            self.group.addButton(button)
            self.buttons[kind] = button
            row.addWidget(button)
            button.clicked.connect(lambda _c=False, k=kind: self._chosen(k))
        self.start = QDateEdit()
        self.end = QDateEdit()
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(_as_qdate(self._today()))
            edit.dateChanged.connect(lambda _d: self._custom_changed())
        self.start.setDate(_as_qdate(self._today()).addDays(-6))
        self.dash = QLabel("~")
        for w in (self.start, self.dash, self.end):
            row.addWidget(w)
            w.setVisible(False)
        row.addStretch(1)
        self.buttons["today"].setChecked(True)

    def period(self) -> Period:
        now_day = self._today()
        if self.kind == "custom":
            start, end = _as_date(self.start.date()), _as_date(self.end.date())
            return Period.custom(min(start, end), max(start, end))
        noon = datetime.combine(now_day, time(12, 0), LOCAL_TZ).astimezone(UTC)  # "now" on the picker's day
        return {"today": Period.today, "this_week": Period.this_week, "this_month": Period.this_month,
                "last_month": Period.last_month}[self.kind](noon)

    def choose(self, kind: str) -> None:
        self.buttons[kind].click()

    def choose_quietly(self, kind: str) -> None:
        """Preselect a period without announcing it (a page's default before its first refresh)."""
        self.kind = kind
        self.buttons[kind].setChecked(True)

    def _chosen(self, kind: str) -> None:
        self.kind = kind
        for w in (self.start, self.dash, self.end):
            w.setVisible(kind == "custom")
        self.changed.emit(self.period())

    def _custom_changed(self) -> None:
        if self.kind == "custom":
            self.changed.emit(self.period())


class FigureCard(QFrame):
    """One figure: its name, the value, ▲▼ against the previous period; a click asks for the cases behind it."""

    clicked = Signal(str)  # figure name

    def __init__(self, figure: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = figure
        self.setProperty("kpi", "card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("Click to see the cases behind this figure"))
        layout = QVBoxLayout(self)
        self.title = QLabel(figure_label(figure))
        self.title.setProperty("kpi", "title")
        self.title.setWordWrap(True)
        self.value = QLabel("—")
        self.value.setProperty("kpi", "value")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.delta = QLabel("")
        self.delta.setProperty("kpi", "delta")
        self.delta.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.delta)

    def show_figure(self, report: KpiReport) -> None:
        value = report.totals.value(self.figure)
        self.value.setText(format_value(self.figure, value))
        basis = report.totals.basis.get(self.figure)
        self.value.setToolTip(f"{basis[0]} / {basis[1]}" if basis else "")
        text, role = format_change(self.figure, report.change(self.figure))
        self.delta.setText(text)
        self.delta.setStyleSheet(f"color: {theme.colour(role)};")
        if report.previous is not None:
            self.delta.setToolTip(self.tr("Previous period %1: %2").replace("%1", report.previous_period.label
                                                                             if report.previous_period else "")
                                  .replace("%2", format_value(self.figure, report.previous.value(self.figure))))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.figure)
        super().mouseReleaseEvent(event)


class FiguresPage(QWidget):
    """The period figures. ``drill`` is called with (period, figure, breakdown, key) when a number is clicked."""

    report_shown = Signal(object)  # KpiReport, once on screen

    exported = Signal(object)  # Path of a written KPI report

    def __init__(self, store: Store, tasks: TaskManager, parent: QWidget | None = None, *,
                 today: Callable[[], date] | None = None, settings: ReportSettings | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings or ReportSettings()
        self._bridge = GuiBridge(tasks, self)
        self._context: KpiContext | None = None
        self._asked = 0
        self.report: KpiReport | None = None
        self.drill: Callable[[Period, str, str | None, str | None], None] | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.picker = PeriodPicker(today=today)
        self.picker.changed.connect(lambda _p: self.refresh())
        self.compared = QLabel("")
        self.compared.setProperty("kpi", "title")
        self.by = QComboBox()
        for by in BREAKDOWN_ORDER:
            self.by.addItem(breakdown_label(by), by)
        self.by.currentIndexChanged.connect(lambda _i: self.refresh())
        self.excel = QPushButton(self.tr("KPI report (Excel)…"))
        self.pdf = QPushButton(self.tr("KPI report (PDF)…"))
        self.excel.clicked.connect(lambda: self.export("xlsx"))
        self.pdf.clicked.connect(lambda: self.export("pdf"))
        top.addWidget(self.picker, 1)
        top.addWidget(self.compared)
        top.addWidget(self.by)
        top.addWidget(self.excel)
        top.addWidget(self.pdf)
        root.addLayout(top)
        grid = QGridLayout()
        self.cards: dict[str, FigureCard] = {}
        for i, figure in enumerate(CARD_FIGURES):
            card = FigureCard(figure)
            card.clicked.connect(lambda f: self._drill(f, None))
            self.cards[figure] = card
            grid.addWidget(card, i // 7, i % 7)
        root.addLayout(grid)
        self._timer = QTimer(self)  # a hall screen shows 今日 all day: the figures follow while the page is shown
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.table = make_table([self.tr("Group"), *(figure_label(f) for f in TABLE_FIGURES)])
        self.table.setToolTip(self.tr("Click a number to see the cases behind it"))
        self.table.cellClicked.connect(self._cell_clicked)
        self.chart = pg.PlotWidget(background=theme.colour("card"))
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.showGrid(y=True, alpha=0.2)
        below = QHBoxLayout()
        below.addWidget(self.table, 2)
        below.addWidget(self.chart, 1)
        root.addLayout(below, 1)

    def period(self) -> Period:
        return self.picker.period()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def breakdown(self) -> str:
        return str(self.by.currentData())

    def refresh(self) -> None:
        """Recompute the chosen period and breakdown (and the previous period) on the task manager."""
        self._asked += 1
        asked, period, by, store = self._asked, self.period(), self.breakdown(), self.store
        self.compared.setText(self.tr("Computing…"))

        def compute() -> tuple[KpiContext, KpiReport]:
            context = self._context or KpiContext.load(store.engine)
            return context, compute_kpis(store, period, by, context=context)

        self._bridge.run(compute, lambda result: self._show(asked, *result), lambda exc: self._failed(asked, exc))

    def _failed(self, asked: int, exc: BaseException) -> None:
        if asked == self._asked:
            self.compared.setText(self.tr("Figures failed: %1").replace("%1", str(exc)))

    def _show(self, asked: int, context: KpiContext, report: KpiReport) -> None:
        self._context = context
        if asked != self._asked:  # the leader has chosen another period meanwhile
            return
        self.report = report
        self.compared.setText(self.tr("%1 · compared with %2").replace("%1", report.period.label)
                              .replace("%2", report.previous_period.label if report.previous_period else "—"))
        for card in self.cards.values():
            card.show_figure(report)
        rows = [[row.label or self.tr("(none)"), *(format_value(f, row.figures.value(f)) for f in TABLE_FIGURES)] for row in report.rows]
        fill_table(self.table, rows)
        for r, row in enumerate(report.rows):
            self.table.item(r, 0).setToolTip(row.key)  # type: ignore[union-attr]
            for c, figure in enumerate(TABLE_FIGURES, start=1):
                text, _role = format_change(figure, None if row.previous is None else _change(row, figure),
                                            compact=True)
                if text:
                    item = self.table.item(r, c)
                    item.setText(f"{item.text()}  {text}")  # type: ignore[union-attr]
        self._draw_chart(report)
        self.report_shown.emit(report)

    def _draw_chart(self, report: KpiReport) -> None:
        """Registered and closed per group (the busiest twelve), so the meeting sees the spread at a glance."""
        self.chart.clear()
        rows = report.rows[:12]
        self.chart.setTitle(self.tr("Registered (blue) and closed (green): %1").replace("%1", self.by.currentText()),
                            color=theme.colour("muted"))
        if not rows:
            return
        xs = list(range(len(rows)))
        self.chart.addItem(pg.BarGraphItem(x=[x - 0.2 for x in xs], height=[r.figures.registered for r in rows],
                                           width=0.38, brush=theme.colour("accent"), name=figure_label("registered")))
        self.chart.addItem(pg.BarGraphItem(x=[x + 0.2 for x in xs], height=[r.figures.closed for r in rows],
                                           width=0.38, brush=theme.colour("ok"), name=figure_label("closed")))
        whole_number_ticks(self.chart, max(max(r.figures.registered, r.figures.closed) for r in rows))
        self.chart.getAxis("bottom").setTicks([[(x, (r.label or self.tr("(none)"))[:8]) for x, r in zip(xs, rows,
                                                                                                        strict=True)]])

    def export(self, fmt: str) -> None:
        """The chosen period's KPI report, every breakdown, as ``report kpi`` writes it."""
        period, store, settings = self.period(), self.store, self.settings
        stem = self.tr("KPI report") + f"-{period.start.isoformat()}~{period.end.isoformat()}"
        export_report(self, self._bridge, settings, fmt, stem,
                      lambda path: kpi_report_job(store, period, fmt, path, settings), self._exported)

    def _exported(self, path: Path) -> None:
        self.compared.setText(self.tr("Saved %1").replace("%1", str(path)))
        self.exported.emit(path)

    def _cell_clicked(self, row: int, column: int) -> None:
        if self.report is None or column == 0 or row >= len(self.report.rows):
            return
        self._drill(TABLE_FIGURES[column - 1], self.report.rows[row].key)

    def _drill(self, figure: str, key: str | None) -> None:
        if self.drill is not None and self.report is not None:
            self.drill(self.report.period, figure, self.report.by if key is not None else None, key)


def _change(row: KpiRow, figure: str) -> float | None:
    if row.previous is None:
        return None
    now, before = row.figures.value(figure), row.previous.value(figure)
    return None if now is None or before is None else float(now) - float(before)

