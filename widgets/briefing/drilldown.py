"""Every number can be traced: the cases behind a figure (the very cases it counted), and a case's audit trail.

A click on a figure opens this window: the list comes from :func:`commandcenter.kpi.figures.cases_behind` (the
same per-case flags the figure was computed with), the case details and the history from the store — all read
on the task manager. Selecting a case shows its whole history in the enforcement timeline widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget
from sqlalchemy import select

from commandcenter.kpi.figures import FIGURE_NAMES, RATE_FLAGS, KpiContext, Period, cases_behind
from commandcenter.labels import status_label
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from commandcenter.store.models import Case, Officer, Vehicle
from widgets.briefing.labels import breakdown_label, figure_label
from widgets.briefing.screen import fill_table, make_table
from widgets.enforcement.timeline import CaseTimeline

MAX_LISTED = 2000  # a month's closed cases of a big bureau: enough to read, not a freeze


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One case of the list, as plain data from the worker."""

    id: int
    code: str
    category: str
    status: str
    grid: str
    officer: str
    reported: datetime | None


class CasesBehindDialog(QDialog):
    """The cases behind one figure (of the bureau or of one breakdown row) and the selected case's history."""

    listed = Signal()  # the case list was replaced

    def __init__(self, store: Store, tasks: TaskManager, period: Period, figure: str, by: str | None = None,
                 key: str | None = None, parent: QWidget | None = None, *, context: KpiContext | None = None,
                 codes: Callable[[], list[str]] | None = None, heading: str = "") -> None:
        """``codes`` (with ``heading``) lists other cases than a KPI figure's: the today board's numbers."""
        super().__init__(parent)
        self.store, self.period, self.figure, self.by, self.key = store, period, figure, by, key
        self._codes = codes
        self._context = context
        self._bridge = GuiBridge(tasks, self)
        self._asked = 0
        self.lines: list[CaseLine] = []
        self.setWindowTitle(self.tr("Cases behind: %1").replace("%1", heading or figure_label(figure)))
        self.resize(1400, 800)
        root = QVBoxLayout(self)
        top = QHBoxLayout()
        where = f" · {breakdown_label(by)}: {key}" if by and key is not None else ""
        self.heading = QLabel(heading or f"{figure_label(figure)} · {period.label}{where}")
        self.heading.setProperty("kpi", "title")
        self.count = QLabel("")
        self.which = QComboBox()  # a rate: all of its cases, those that met it, those that missed it
        for value, text in (("all", self.tr("All counted")), ("met", self.tr("Met")), ("missed", self.tr("Missed"))):
            self.which.addItem(text, value)
        self.which.setVisible(codes is None and figure in RATE_FLAGS)
        self.which.currentIndexChanged.connect(lambda _i: self.refresh())
        top.addWidget(self.heading, 1)
        top.addWidget(self.count)
        top.addWidget(self.which)
        root.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = make_table([self.tr("Case"), self.tr("Category"), self.tr("Status"), self.tr("Grid"),
                                 self.tr("Officer"), self.tr("Reported")])
        self.table.currentCellChanged.connect(lambda row, _c, _pr, _pc: self._open(row))
        self.timeline = CaseTimeline(store, tasks)
        split.addWidget(self.table)
        split.addWidget(self.timeline)
        split.setSizes([760, 640])  # the list whole (codes, officers, times), the history beside it
        root.addWidget(split, 1)
        self.refresh()

    def refresh(self) -> None:
        """List the cases behind the figure (on the task manager)."""
        if self._codes is None and self.figure not in FIGURE_NAMES:
            raise ValueError(f"unknown figure {self.figure!r}")
        self._asked += 1
        asked, which = self._asked, str(self.which.currentData())
        store, period, figure, by, key, context = (self.store, self.period, self.figure, self.by, self.key,
                                                   self._context)
        listed = self._codes
        self.count.setText(self.tr("Loading…"))

        def load() -> tuple[int, list[CaseLine]]:
            codes = listed() if listed is not None else cases_behind(
                store, period, figure, key, by=by, context=context,
                which=which if figure in RATE_FLAGS else "all")  # type: ignore[arg-type]
            return len(codes), case_lines(store, codes)

        self._bridge.run(load, lambda result: self._show(asked, *result), lambda exc: self._failed(asked, exc))

    def _failed(self, asked: int, exc: BaseException) -> None:
        if asked == self._asked:
            self.count.setText(self.tr("Cannot list the cases: %1").replace("%1", str(exc)))

    def _show(self, asked: int, total: int, lines: list[CaseLine]) -> None:
        if asked != self._asked:
            return
        self.lines = lines
        shown = self.tr("%1 cases").replace("%1", str(total))
        if total > len(lines):
            shown += " " + self.tr("(first %1 listed)").replace("%1", str(len(lines)))
        self.count.setText(shown)
        fill_table(self.table, [[line.code, line.category, status_label(line.status), line.grid, line.officer,
                                 line.reported.astimezone().strftime("%Y-%m-%d %H:%M") if line.reported else "—"]
                                for line in lines])
        self.listed.emit()

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.lines):
            self.timeline.set_case(self.lines[row].id)


def case_lines(store: Store, codes: list[str]) -> list[CaseLine]:
    """The listed cases' details, in the order of ``codes``. Blocking: run on a worker."""
    wanted = codes[:MAX_LISTED]
    found: dict[str, CaseLine] = {}
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk:chunk + 500]

        def query(session, part: list[str] = part):  # type: ignore[no-untyped-def]
            return session.execute(select(Case.id, Case.code, Case.category_name, Case.status, Case.grid_code,
                                          Case.assigned_officer, Case.created_at, Officer.name, Vehicle.plate)
                                   .outerjoin(Officer, Officer.id == Case.assigned_officer)
                                   .outerjoin(Vehicle, Vehicle.id == Case.assigned_officer)
                                   .where(Case.code.in_(part))).all()

        for r in store.read(query):
            officer = r[7] or r[8] or r[5] or ""  # the officer's name (a vehicle's plate) where the roster knows it
            found[r[1]] = CaseLine(int(r[0]), str(r[1]), r[2] or "", r[3] or "", r[4] or "", officer, r[6])
    return [found[c] for c in wanted if c in found]
