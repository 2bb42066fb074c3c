"""考核: the month's assessment of officers and teams with the bureau's weights, the ranking and the month's
智慧执法之星, and the departments' transferred and joint work — from :func:`commandcenter.kpi.assessment.assess`
on the task manager.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from commandcenter.kpi.assessment import Assessment, AssessmentRow, assess
from commandcenter.kpi.figures import KpiContext, Period
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from widgets.briefing.export import ReportSettings, assessment_job, export_report
from widgets.briefing.labels import format_value
from widgets.briefing.period import local_today
from widgets.briefing.screen import fill_table, make_table

MONTHS_OFFERED = 12


class AssessmentPage(QWidget):
    """Month picker, the 智慧执法之星, officers and teams ranked, departments; exports the month's 考核."""

    shown = Signal(object)  # Assessment
    exported = Signal(object)  # Path

    def __init__(self, store: Store, tasks: TaskManager, settings: ReportSettings, parent: QWidget | None = None,
                 *, today: Callable[[], date] | None = None) -> None:
        super().__init__(parent)
        self.store, self.settings = store, settings
        self._bridge = GuiBridge(tasks, self)
        self._context: KpiContext | None = None
        self._asked = 0
        self.result: Assessment | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.month = QComboBox()
        first = (today or local_today)().replace(day=1)
        for _ in range(MONTHS_OFFERED):  # last month first: the month a 考核 meeting looks at
            first = (first - timedelta(days=1)).replace(day=1)
            self.month.addItem(f"{first.year}-{first.month:02d}", (first.year, first.month))
        self.month.setMinimumContentsLength(8)
        self.month.currentIndexChanged.connect(lambda _i: self.refresh())
        self.star = QLabel("")
        self.star.setProperty("kpi", "heading")
        self.status = QLabel("")
        self.excel = QPushButton(self.tr("Export assessment (Excel)…"))
        self.pdf = QPushButton(self.tr("Export assessment (PDF)…"))
        self.excel.clicked.connect(lambda: self.export("xlsx"))
        self.pdf.clicked.connect(lambda: self.export("pdf"))
        top.addWidget(QLabel(self.tr("Month")))
        top.addWidget(self.month)
        top.addWidget(self.star, 1)
        top.addWidget(self.status)
        top.addWidget(self.excel)
        top.addWidget(self.pdf)
        root.addLayout(top)
        figures = [self.tr("Score"), self.tr("Registered"), self.tr("Closure rate"), self.tr("Closed on time"),
                   self.tr("On scene within 30 min"), self.tr("Rework rate"), self.tr("Field app use"),
                   self.tr("Public rating")]
        self.officers = make_table([self.tr("Rank"), self.tr("Officer"), self.tr("Team"), *figures])
        self.teams = make_table([self.tr("Rank"), self.tr("Team"), *figures])
        self.departments = make_table([self.tr("Department"), self.tr("Tasks"), self.tr("Done"),
                                       self.tr("Done on time"), self.tr("Refused"), self.tr("Transferred"),
                                       self.tr("On-time rate")])
        body = QHBoxLayout()
        left = QVBoxLayout()  # the two wide tables share the wide column, so no header is cut
        officer_box = QGroupBox(self.tr("Officers"))
        QVBoxLayout(officer_box).addWidget(self.officers)
        team_box = QGroupBox(self.tr("Teams"))
        QVBoxLayout(team_box).addWidget(self.teams)
        left.addWidget(officer_box, 2)
        left.addWidget(team_box, 1)
        dept_box = QGroupBox(self.tr("Departments: transferred and joint tasks"))
        QVBoxLayout(dept_box).addWidget(self.departments)
        body.addLayout(left, 3)
        body.addWidget(dept_box, 2)
        root.addLayout(body, 1)

    def period(self) -> Period:
        year, month = self.month.currentData()
        return Period.month(int(year), int(month))

    def refresh(self) -> None:
        self._asked += 1
        asked, period, store, weights = self._asked, self.period(), self.store, self.settings.kpi
        self.status.setText(self.tr("Computing…"))

        def compute() -> tuple[KpiContext, Assessment]:
            context = self._context or KpiContext.load(store.engine)
            return context, assess(store, period, weights, context=context)

        self._bridge.run(compute, lambda r: self._show(asked, *r), lambda exc: self._failed(asked, exc))

    def _failed(self, asked: int, exc: BaseException) -> None:
        if asked == self._asked:
            self.status.setText(self.tr("Assessment failed: %1").replace("%1", str(exc)))

    @staticmethod
    def _figures(row: AssessmentRow) -> list[str]:
        f = row.figures
        return ["—" if row.score is None else f"{row.score:.1f}", str(f.registered),
                format_value("closure_rate", f.closure_rate), format_value("on_time_rate", f.on_time_rate),
                format_value("responded_30min_rate", f.responded_30min_rate),
                format_value("rework_rate", f.rework_rate), format_value("field_use_rate", f.field_use_rate),
                format_value("rating_avg", f.rating_avg)]

    def _show(self, asked: int, context: KpiContext, result: Assessment) -> None:
        self._context = context
        if asked != self._asked:
            return
        self.result = result
        self.status.setText(result.period.label)
        star = result.star
        self.star.setText(self.tr("★ Smart enforcement star of the month: %1 (%2) · %3 points")
                          .replace("%1", star.label).replace("%2", star.team or "—")
                          .replace("%3", f"{star.score:.1f}" if star.score is not None else "—")
                          if star else self.tr("No smart enforcement star this month (too few cases)"))
        fill_table(self.officers, [["—" if r.rank is None else str(r.rank), r.label, r.team, *self._figures(r)]
                                   for r in result.officers])
        fill_table(self.teams, [["—" if r.rank is None else str(r.rank), r.label, *self._figures(r)]
                                for r in result.teams])
        fill_table(self.departments, [[d.department, str(d.tasks), str(d.done), str(d.done_on_time),
                                       str(d.refused), str(d.transferred), format_value("on_time_rate",
                                                                                       d.on_time_rate)]
                                      for d in result.departments])
        self.shown.emit(result)

    def export(self, fmt: str) -> None:
        period, store, settings = self.period(), self.store, self.settings
        export_report(self, self._bridge, settings, fmt, self.tr("assessment") + f"-{period.start:%Y-%m}",
                      lambda path: assessment_job(store, period, fmt, path, settings), self._exported)

    def _exported(self, path: Path) -> None:
        self.status.setText(self.tr("Saved %1").replace("%1", str(path)))
        self.exported.emit(path)
