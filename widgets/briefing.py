"""领导驾驶舱: the leadership briefing screen — big KPI cards, today's cases by hour and by source, printable.

It shows the dict that ``commandcenter.analytics.BriefingModel`` computes on a worker thread; it computes
nothing itself.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QLocale, QMarginsF, Qt
from PySide6.QtGui import QColor, QFont, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QFileDialog,
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
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain import CASE_SOURCE_ZH, CaseSource
from commandcenter.enforcement.permissions import OPEN_GATE, PermissionDenied, PermissionGate
from widgets import theme


class KpiCard(QFrame):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("kpi", "card")
        layout = QVBoxLayout(self)
        self.title = QLabel(title)
        self.title.setProperty("kpi", "title")
        self.value = QLabel("—")
        self.value.setProperty("kpi", "value")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        layout.addWidget(self.value)

    def set_value(self, text: str, role: str = "strong") -> None:
        """The figure, in the theme's colour for its role (strong, ok, warn, error)."""
        self.value.setText(text)
        self.value.setStyleSheet(f"color: {theme.colour(role)};")


def source_label(code: str) -> str:
    """Chinese channel names in a Chinese UI; the stable English codes read fine otherwise."""
    if QLocale().language() != QLocale.Language.Chinese:
        return code
    try:
        return CASE_SOURCE_ZH[CaseSource(code)]
    except ValueError:
        return code


class BriefingScreen(QWidget):
    """KPI cards + charts; ``show_data`` takes BriefingModel.updated's dict."""

    def __init__(self, parent: QWidget | None = None, *, gate: PermissionGate = OPEN_GATE) -> None:
        super().__init__(parent)
        self.gate = gate  # exporting needs report.export: the core refuses (and audits) anyone else
        root = QVBoxLayout(self)
        header = QHBoxLayout()
        self.heading = QLabel(self.tr("Leadership briefing"))
        self.heading.setProperty("kpi", "heading")
        self.updated_at = QLabel()
        self.print_button = QPushButton(self.tr("Export report (PDF)…"))
        self.print_button.clicked.connect(self._ask_export)
        header.addWidget(self.heading)
        header.addStretch(1)
        header.addWidget(self.updated_at)
        header.addWidget(self.print_button)
        root.addLayout(header)
        self.calendar_warning = QLabel()  # a year without holidays: deadlines silently wrong unless said loudly
        self.calendar_warning.setProperty("role", "alarm")
        self.calendar_warning.setVisible(False)
        root.addWidget(self.calendar_warning)
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
        root.addLayout(grid)
        charts = QHBoxLayout()
        self.hourly = pg.PlotWidget(background=theme.colour("card"))
        self.hourly.setTitle(self.tr("Cases reported today by hour"), color=theme.colour("muted"))
        self.hourly.showGrid(y=True, alpha=0.2)
        self.sources = pg.PlotWidget(background=theme.colour("card"))
        self.sources.setTitle(self.tr("Cases today by channel"), color=theme.colour("muted"))
        charts.addWidget(self.hourly, 3)
        charts.addWidget(self.sources, 2)
        root.addLayout(charts, 1)
        tables = QHBoxLayout()
        self.cad_table = self._table([self.tr("Category"), self.tr("Cases"), self.tr("Dispatch (min)"),
                                      self.tr("Response (min)"), self.tr("On scene (min)")])
        self.escalation_table = self._table([self.tr("Case"), self.tr("Category"), self.tr("Status"),
                                             self.tr("Time left (h)"), self.tr("Officer")])
        cad_box = QGroupBox(self.tr("Handling times today by category (medians)"))
        QVBoxLayout(cad_box).addWidget(self.cad_table)
        esc_box = QGroupBox(self.tr("Supervision list: overdue and about to be overdue"))
        QVBoxLayout(esc_box).addWidget(self.escalation_table)
        self.source_table = self._table([self.tr("Channel"), self.tr("Cases"), self.tr("On scene within 30 min"),
                                         self.tr("Handled within 24 h")])
        source_box = QGroupBox(self.tr("Within target by channel (last 7 days)"))
        QVBoxLayout(source_box).addWidget(self.source_table)
        tables.addWidget(cad_box, 3)
        tables.addWidget(source_box, 2)
        tables.addWidget(esc_box, 2)
        root.addLayout(tables, 1)
        self.data: dict[str, Any] = {}

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # readable at wall distance
        return table

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]], colours: list[str] | None = None) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if colours and colours[r]:
                    item.setForeground(QColor(colours[r]))
                table.setItem(r, c, item)

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
        per_hour = cases.get("per_hour", [])
        if per_hour:
            xs = [h for h, _ in per_hour]
            ys = [n for _, n in per_hour]
            self.hourly.addItem(pg.BarGraphItem(x=xs, height=ys, width=0.7, brush=theme.colour("accent")))
        self.sources.clear()
        by_source = cases.get("today_by_source", {})
        if by_source:
            names = list(by_source)
            self.sources.addItem(pg.BarGraphItem(x=list(range(len(names))), height=[by_source[n] for n in names],
                                                 width=0.6, brush=theme.colour("ok")))
            axis = self.sources.getAxis("bottom")
            axis.setTicks([[(i, source_label(n)) for i, n in enumerate(names)]])
        def fmt(value: Any) -> str:
            return "—" if value is None else f"{value:.1f}"

        cad = cases.get("cad_by_category", [])
        self._fill(self.cad_table, [[r["category"], str(r["cases"]), fmt(r["queue_min"]), fmt(r["response_min"]),
                                     fmt(r["on_scene_min"])] for r in cad])
        def share(done: int, of: int) -> str:
            return "—" if not of else f"{100.0 * done / of:.0f}% ({done}/{of})"

        self._fill(self.source_table, [[source_label(r["source"]), str(r["cases"]),
                                        share(r["responded_30min"], r["responded_of"]),
                                        share(r["handled_24h"], r["handled_of"])]
                                       for r in data.get("source_performance", [])])
        escalations = data.get("escalations", [])
        self._fill(self.escalation_table,
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

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export report"), "briefing.pdf", "PDF (*.pdf)")
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

        kpis = [[card.title.text(), card.value.text()] for card in self.cards.values()]
        cad = [[self.cad_table.item(r, c).text() if self.cad_table.item(r, c) else ""  # type: ignore[union-attr]
                for c in range(self.cad_table.columnCount())] for r in range(self.cad_table.rowCount())]
        esc = [[self.escalation_table.item(r, c).text() if self.escalation_table.item(r, c) else ""  # type: ignore[union-attr]
                for c in range(self.escalation_table.columnCount())] for r in range(self.escalation_table.rowCount())]
        by_source = cases.get("today_by_source", {})
        return (
            f"<h1>{escape(self.tr('Leadership briefing'))}</h1><p>{escape(when)}</p>"
            + table([self.tr("Figure"), self.tr("Value")], kpis)
            + f"<h2>{escape(self.tr('Cases today by channel'))}</h2>"
            + table([self.tr("Channel"), self.tr("Cases")], [[source_label(k), str(v)] for k, v in by_source.items()])
            + f"<h2>{escape(self.tr('Within target by channel (last 7 days)'))}</h2>"
            + table([self.source_table.horizontalHeaderItem(c).text()  # type: ignore[union-attr]
                     for c in range(self.source_table.columnCount())],
                    [[self.source_table.item(r, c).text() if self.source_table.item(r, c) else ""  # type: ignore[union-attr]
                      for c in range(self.source_table.columnCount())] for r in range(self.source_table.rowCount())])
            + f"<h2>{escape(self.tr('Handling times today by category (medians)'))}</h2>"
            + table([self.cad_table.horizontalHeaderItem(c).text()  # type: ignore[union-attr]
                     for c in range(self.cad_table.columnCount())], cad)
            + f"<h2>{escape(self.tr('Supervision list: overdue and about to be overdue'))}</h2>"
            + table([self.escalation_table.horizontalHeaderItem(c).text()  # type: ignore[union-attr]
                     for c in range(self.escalation_table.columnCount())], esc)
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
