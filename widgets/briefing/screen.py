"""领导驾驶舱: the leadership briefing screen — today's board (KPI cards, cases by hour and channel, the 督办 list)
and, when it is given the store, the pages for any period, 考核, hot spots by time and today's case map.

The today board shows the dict that ``commandcenter.analytics.BriefingModel`` computes on a worker thread; the
other pages compute on the task manager through a GuiBridge. Nothing here reads the database on the GUI thread.
The same screen serves a desk and the hall's big screen: fonts scale with the screen, and on the big screen the
pages cycle on a timer while nobody touches it (:mod:`widgets.briefing.cycle`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QLocale, QMarginsF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPageSize, QPdfWriter, QResizeEvent, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain import CASE_SOURCE_ZH, CaseSource
from commandcenter.enforcement.permissions import OPEN_GATE, PermissionDenied, PermissionGate
from widgets import theme
from widgets.briefing.cycle import PanelCycler
from widgets.briefing.save_dialog import ask_save_path

HOURS = range(24)  # the hour axis runs the whole local day, whatever hours had cases
BASE_SIZE = (1920, 1080)
BOARD_DRILLS = ("today", "open", "overdue", "closed")  # cards whose cases can be listed  # the layout's design size: fonts scale from it


class KpiCard(QFrame):
    """A figure of the today board; ``clicked`` when the leader asks for the cases behind it."""

    clicked = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kpi", "card")
        layout = QVBoxLayout(self)
        self.title = QLabel(title)
        self.title.setProperty("kpi", "title")
        self.title.setWordWrap(True)
        self.value = QLabel("—")
        self.value.setProperty("kpi", "value")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        layout.addWidget(self.value)

    def set_value(self, text: str, role: str = "strong") -> None:
        """The figure, in the theme's colour for its role (strong, ok, warn, error)."""
        self.value.setText(text)
        self.value.setStyleSheet(f"color: {theme.colour(role)};")

    def make_traceable(self, tip: str) -> None:
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(tip)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


def source_label(code: str) -> str:
    """Chinese channel names in a Chinese UI; the stable English codes read fine otherwise."""
    if QLocale().language() != QLocale.Language.Chinese:
        return code
    try:
        return CASE_SOURCE_ZH[CaseSource(code)]
    except ValueError:
        return code


def hourly_counts(per_hour: Sequence[tuple[int, int]]) -> list[int]:
    """Cases for each of the 24 local hours (hours without a case are 0, so the axis is the whole day)."""
    counts = [0] * 24
    for hour, n in per_hour:
        if 0 <= int(hour) < 24:
            counts[int(hour)] += int(n)
    return counts


def whole_number_ticks(plot: pg.PlotWidget, top: float) -> None:
    """Counts of cases are whole numbers: no 0.5 case on the left axis."""
    step = max(1, math.ceil(top / 5))
    plot.getAxis("left").setTickSpacing(major=step, minor=step)


def make_table(headers: list[str]) -> QTableWidget:
    """A read-only table whose first column (codes, names) is as wide as its longest entry and whose other
    columns share the rest: a case code is never cut off."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # readable at wall distance
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    table.setWordWrap(False)
    for column, text in enumerate(headers):
        table.horizontalHeaderItem(column).setToolTip(text)  # type: ignore[union-attr]  # a narrow column's full name
    return table


def fill_table(table: QTableWidget, rows: list[list[str]], colours: list[str] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if colours and colours[r]:
                item.setForeground(QColor(colours[r]))
            table.setItem(r, c, item)


class BriefingScreen(QWidget):
    """The leaders' pages as tabs; ``show_data`` takes BriefingModel.updated's dict for the today board.

    ``scale_changed`` tells pages that draw in pixels (map dots) how much larger than at 1920×1080 to draw.

    ``pages`` adds further pages (period figures, 考核, hot spots, the case map) built by
    :func:`widgets.briefing.pages.build_pages` from the services; a screen without them is the today board.
    """

    scale_changed = Signal(float)
    board_drill = Signal(str)  # a today-board card clicked: "today", "open", "overdue" or "closed"

    def __init__(self, parent: QWidget | None = None, *, gate: PermissionGate = OPEN_GATE,
                 pages: Sequence[tuple[str, str, QWidget]] = (), cycle_interval_s: float = 20.0,
                 idle_resume_s: float = 60.0) -> None:
        super().__init__(parent)
        self.gate = gate  # exporting needs report.export: the core refuses (and audits) anyone else
        self._scale = 0.0
        self.big_screen = False
        root = QVBoxLayout(self)
        header = QHBoxLayout()
        self.heading = QLabel(self.tr("Leadership briefing"))
        self.heading.setProperty("kpi", "heading")
        self.updated_at = QLabel()
        self.print_button = QPushButton(self.tr("Export briefing (PDF)…"))
        self.print_button.clicked.connect(self._ask_export)
        self.big_button = QPushButton(self.tr("Big screen"))
        self.big_button.setCheckable(True)
        self.big_button.setToolTip(self.tr("Hall display: larger text, pages cycle while nobody touches the screen"))
        self.big_button.toggled.connect(self.set_big_screen)
        self.header_row = header
        header.addWidget(self.heading)
        header.addStretch(1)
        header.addWidget(self.updated_at)
        header.addWidget(self.big_button)
        header.addWidget(self.print_button)
        root.addLayout(header)
        self.calendar_warning = QLabel()  # a year without holidays: deadlines silently wrong unless said loudly
        self.calendar_warning.setProperty("role", "alarm")
        self.calendar_warning.setVisible(False)
        root.addWidget(self.calendar_warning)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.today = QWidget()
        self._build_today(self.today)
        self.tabs.addTab(self.today, self.tr("Today"))
        self.pages: dict[str, QWidget] = {"today": self.today}
        for key, title, page in pages:
            self.tabs.addTab(page, title)
            self.pages[key] = page
        self.opened_windows: list[QWidget] = []  # drill-down windows opened from this screen
        root.addWidget(self.tabs, 1)
        self.cycler = PanelCycler(self.tabs, interval_ms=int(cycle_interval_s * 1000),
                                  idle_resume_ms=int(idle_resume_s * 1000), parent=self)
        self.data: dict[str, Any] = {}

    # ------------------------------------------------------------------------------------------- today board
    def _build_today(self, page: QWidget) -> None:
        root = QVBoxLayout(page)
        root.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.cards = {
            "officers": KpiCard(self.tr("Officers on duty")),
            "vehicles": KpiCard(self.tr("Vehicles online")),
            "drones": KpiCard(self.tr("Drones airborne")),
            "devices": KpiCard(self.tr("Devices online")),
            "today": KpiCard(self.tr("Cases today")),
            "open": KpiCard(self.tr("Open cases")),
            "overdue": KpiCard(self.tr("Overdue")),
            "closed": KpiCard(self.tr("Closed today")),
            "queue": KpiCard(self.tr("Median dispatch time (min)")),
            "response": KpiCard(self.tr("Median response time (min)")),
        }
        for i, card in enumerate(self.cards.values()):
            grid.addWidget(card, i // 5, i % 5)
        for key in BOARD_DRILLS:
            self.cards[key].make_traceable(self.tr("Click to see these cases"))
            self.cards[key].clicked.connect(lambda key=key: self.board_drill.emit(key))
        root.addLayout(grid)
        charts = QHBoxLayout()
        self.hourly = pg.PlotWidget(background=theme.colour("card"))
        self.hourly.setTitle(self.tr("Cases reported today by hour"), color=theme.colour("muted"))
        self.hourly.showGrid(y=True, alpha=0.2)
        self.hourly.setXRange(-0.6, 23.6, padding=0)
        self.hourly.setMouseEnabled(x=False, y=False)
        self.hourly.getAxis("bottom").setTicks([[(h, f"{h}") for h in HOURS]])
        self.sources = pg.PlotWidget(background=theme.colour("card"))
        self.sources.setTitle(self.tr("Cases today by channel"), color=theme.colour("muted"))
        self.sources.setMouseEnabled(x=False, y=False)
        charts.addWidget(self.hourly, 3)
        charts.addWidget(self.sources, 2)
        root.addLayout(charts, 1)
        tables = QHBoxLayout()
        self.cad_table = make_table([self.tr("Category"), self.tr("Cases"), self.tr("Dispatch (min)"),
                                     self.tr("Response (min)"), self.tr("On scene (min)")])
        self.escalation_table = make_table([self.tr("Case"), self.tr("Category"), self.tr("Status"),
                                            self.tr("Time left (h)"), self.tr("Officer")])
        cad_box = QGroupBox(self.tr("Handling times today by category (medians)"))
        QVBoxLayout(cad_box).addWidget(self.cad_table)
        esc_box = QGroupBox(self.tr("Supervision list: overdue and about to be overdue"))
        QVBoxLayout(esc_box).addWidget(self.escalation_table)
        self.source_table = make_table([self.tr("Channel"), self.tr("Cases"), self.tr("On scene within 30 min"),
                                        self.tr("Handled within 24 h")])
        source_box = QGroupBox(self.tr("Within target by channel (last 7 days)"))
        QVBoxLayout(source_box).addWidget(self.source_table)
        tables.addWidget(cad_box, 3)
        tables.addWidget(source_box, 2)
        tables.addWidget(esc_box, 3)
        root.addLayout(tables, 1)

    def show_data(self, data: dict[str, Any]) -> None:
        self.data = data
        cases = data.get("cases", {})
        units = data.get("units", {})
        self.cards["officers"].set_value(str(units.get("officer", 0)))
        self.cards["vehicles"].set_value(str(units.get("vehicle", 0)))
        self.cards["drones"].set_value(str(data.get("drones_airborne", 0)))
        online, total = data.get("devices", (0, 0))
        self.cards["devices"].set_value(f"{online}/{total}", "ok" if online == total else "warn")
        self.cards["today"].set_value(str(cases.get("today", 0)))
        self.cards["open"].set_value(str(cases.get("open", 0)))
        overdue = int(cases.get("overdue", 0))
        self.cards["overdue"].set_value(str(overdue), "error" if overdue else "ok")
        self.cards["closed"].set_value(str(cases.get("today_closed", 0)))
        for key, field in (("queue", "median_queue_min"), ("response", "median_response_min")):
            value = cases.get(field)
            self.cards[key].set_value("—" if value is None else f"{value:.1f}")
        self.hourly.clear()
        counts = hourly_counts(cases.get("per_hour", []))
        self.hourly.addItem(pg.BarGraphItem(x=list(HOURS), height=counts, width=0.7, brush=theme.colour("accent")))
        self.hourly.setXRange(-0.6, 23.6, padding=0)
        whole_number_ticks(self.hourly, max(counts))
        self.sources.clear()
        by_source = {k: v for k, v in cases.get("today_by_source", {}).items() if v}
        if by_source:
            names = list(by_source)
            self.sources.addItem(pg.BarGraphItem(x=list(range(len(names))), height=[by_source[n] for n in names],
                                                 width=0.6, brush=theme.colour("ok")))
            axis = self.sources.getAxis("bottom")
            axis.setTicks([[(i, source_label(n)) for i, n in enumerate(names)]])
            whole_number_ticks(self.sources, max(by_source.values()))

        def fmt(value: Any) -> str:
            return "—" if value is None else f"{value:.1f}"

        cad = [r for r in cases.get("cad_by_category", []) if int(r.get("cases") or 0) > 0]  # no empty rows
        fill_table(self.cad_table, [[r["category"], str(r["cases"]), fmt(r["queue_min"]), fmt(r["response_min"]),
                                     fmt(r["on_scene_min"])] for r in cad])

        def share(done: int, of: int) -> str:
            return "—" if not of else f"{100.0 * done / of:.0f}% ({done}/{of})"

        fill_table(self.source_table, [[source_label(r["source"]), str(r["cases"]),
                                        share(r["responded_30min"], r["responded_of"]),
                                        share(r["handled_24h"], r["handled_of"])]
                                       for r in data.get("source_performance", []) if r["cases"]])
        escalations = data.get("escalations", [])
        fill_table(self.escalation_table,
                   [[e["code"], e["category"], e["status"], fmt(e["remaining_hours"]), e["officer"] or "—"]
                    for e in escalations],
                   [theme.colour("error" if e["level"] == "overdue" else "warn") for e in escalations])
        missing = data.get("calendar_missing_years", [])
        self.calendar_warning.setText(self.tr("Work calendar has no holidays for %1: holidays count as working days "
                                              "(import them: commandcenter data import calendar)").replace(
            "%1", ", ".join(str(y) for y in missing)))
        self.calendar_warning.setVisible(bool(missing))
        at = data.get("at")
        if at:
            self.updated_at.setText(self.tr("Updated %1").replace(
                "%1", datetime.fromisoformat(at).astimezone().strftime("%H:%M:%S")))

    # ------------------------------------------------------------------------------------------- big screen
    def set_big_screen(self, on: bool) -> None:
        """The hall's display: larger type, and the pages cycle while nobody touches the screen."""
        self.big_screen = on
        if self.big_button.isChecked() != on:
            self.big_button.setChecked(on)
        self.cycler.set_running(on)
        self._scale = 0.0  # re-style at the new size
        self._apply_scale()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_scale()

    def _apply_scale(self) -> None:
        """Fonts follow the screen: at 3840×2160 everything is twice the 1920×1080 size, so the layout fills
        the screen the same way and a figure reads from the back of the hall."""
        scale = min(self.width() / BASE_SIZE[0], self.height() / BASE_SIZE[1])
        scale = max(0.75, round(scale * 4) / 4) * (1.4 if self.big_screen else 1.0)
        if scale == self._scale:
            return
        self._scale = scale

        def px(size: float) -> int:
            return round(size * scale)

        self.setStyleSheet(
            f"QLabel[kpi=\"value\"] {{ font-size: {px(40)}px; }}"
            f"QLabel[kpi=\"title\"] {{ font-size: {px(15)}px; }}"
            f"QLabel[kpi=\"heading\"] {{ font-size: {px(26)}px; }}"
            f"QLabel[kpi=\"delta\"] {{ font-size: {px(16)}px; }}"
            f"QTableWidget, QHeaderView::section, QGroupBox, QTabBar::tab, QPushButton, QComboBox, QLabel,"
            f" QDateEdit, QListWidget {{ font-size: {px(13)}px; }}"
            f"QGroupBox {{ margin-top: {px(18)}px; padding-top: {px(6)}px; }}"  # room for the scaled title
            f"QTabBar::tab {{ padding: {px(8)}px {px(22)}px; }}"
            f"QPushButton {{ padding: {px(4)}px {px(10)}px; }}"
        )
        tick = QFont()
        tick.setPixelSize(px(12))
        for plot in self.findChildren(pg.PlotWidget):
            for side in ("bottom", "left"):
                plot.getAxis(side).setStyle(tickFont=tick)
                plot.getAxis(side).setTextPen(theme.colour("muted"))
            plot.getAxis("bottom").setHeight(round(px(12) * 2.4))  # room for the scaled tick labels
            plot.getAxis("left").setWidth(round(px(12) * 3))
            title = plot.getPlotItem().titleLabel
            title.setText(title.text, size=f"{px(14)}px", color=theme.colour("muted"))
        for table in self.findChildren(QTableWidget):
            table.verticalHeader().setDefaultSectionSize(px(26))
        self.scale_changed.emit(scale)

    # ------------------------------------------------------------------------------------------- export
    def _ask_export(self) -> None:
        path = ask_save_path(self, self.tr("Export briefing"), self.tr("briefing"), ".pdf", self.tr("PDF (*.pdf)"))
        if path:
            try:
                self.export_pdf(path)
            except PermissionDenied as exc:
                QMessageBox.warning(self, self.tr("Export report"), self.tr(
                    "You may not export reports (missing permission %1).").replace("%1", exc.permission))

    def report_html(self) -> str:
        """The briefing as a printable document: KPI table, handling times by category, supervision list."""
        cases = self.data.get("cases", {})
        at = self.data.get("at")
        when = datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M") if at else ""

        def table(headers: list[str], rows: list[list[str]]) -> str:
            head = "".join(f"<th>{escape(h)}</th>" for h in headers)
            body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
            return f"<table border='1' cellspacing='0' cellpadding='4' width='100%'><tr>{head}</tr>{body}</table>"

        def cells(t: QTableWidget) -> tuple[list[str], list[list[str]]]:
            heads = [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())]  # type: ignore[union-attr]
            rows = [[t.item(r, c).text() if t.item(r, c) else ""  # type: ignore[union-attr]
                     for c in range(t.columnCount())] for r in range(t.rowCount())]
            return heads, rows

        kpis = [[card.title.text(), card.value.text()] for card in self.cards.values()]
        by_source = {k: v for k, v in cases.get("today_by_source", {}).items() if v}
        return (
            f"<h1>{escape(self.tr('Leadership briefing'))}</h1><p>{escape(when)}</p>"
            + table([self.tr("Figure"), self.tr("Value")], kpis)
            + f"<h2>{escape(self.tr('Cases today by channel'))}</h2>"
            + table([self.tr("Channel"), self.tr("Cases")], [[source_label(k), str(v)] for k, v in by_source.items()])
            + f"<h2>{escape(self.tr('Within target by channel (last 7 days)'))}</h2>"
            + table(*cells(self.source_table))
            + f"<h2>{escape(self.tr('Handling times today by category (medians)'))}</h2>"
            + table(*cells(self.cad_table))
            + f"<h2>{escape(self.tr('Supervision list: overdue and about to be overdue'))}</h2>"
            + table(*cells(self.escalation_table))
        )

    def export_pdf(self, path: str) -> None:
        """A printable A4 report: the figures as tables (text, not a screenshot), then the charts as they look.

        Raises PermissionDenied (audited) before writing anything when the seat's user lacks report.export."""
        self.gate.require("report.export")
        writer = QPdfWriter(path)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(QMarginsF(15, 15, 15, 15))
        writer.setResolution(150)
        writer.setTitle(self.tr("Leadership briefing"))
        document = QTextDocument()
        # Latin text in a Latin face (the CJK face's alternate digit glyphs lose their text mapping in the PDF,
        # so a case code would not be searchable), Chinese from the CJK face.
        font = QFont()
        font.setFamilies(["DejaVu Sans", "Liberation Sans", "Noto Sans CJK SC"])
        font.setPointSize(10)
        document.setDefaultFont(font)
        document.setHtml(self.report_html())
        document.print_(writer)  # laid out on the printer's page: long cells wrap instead of running off it
