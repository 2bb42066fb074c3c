"""The briefing screen with all its pages, built from what the seat has (store, task manager, roster, map).

``screens._briefing`` calls :func:`build_briefing`; tests build the same screen from a real store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from PySide6.QtCore import QCoreApplication

from commandcenter.analytics import board_cases
from commandcenter.cases.shifts import Shift, ShiftRoster, parse_clock
from commandcenter.config import ShiftConfig
from commandcenter.enforcement.permissions import OPEN_GATE, PermissionGate
from commandcenter.geo.basemap import Basemap
from commandcenter.kpi.figures import Period
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store
from widgets.briefing.assessment import AssessmentPage
from widgets.briefing.case_map import TodayMapPage
from widgets.briefing.drilldown import CasesBehindDialog
from widgets.briefing.export import ReportSettings
from widgets.briefing.hotspots import HotspotPage
from widgets.briefing.period import FiguresPage
from widgets.briefing.screen import BriefingScreen


class Drilldowns:
    """Opens (and keeps) the cases-behind windows of a screen."""

    def __init__(self, store: Store, tasks: TaskManager, screen: BriefingScreen) -> None:
        self.store, self.tasks, self.screen = store, tasks, screen

    def __call__(self, period: Period, figure: str, by: str | None, key: str | None) -> None:
        self._open(CasesBehindDialog(self.store, self.tasks, period, figure, by, key, self.screen))

    def board(self, which: str) -> None:
        """The cases behind a today-board card, by the board's own conditions."""
        store = self.store
        title = self.screen.cards[which].title.text()
        self._open(CasesBehindDialog(store, self.tasks, Period.today(), "reported", parent=self.screen,
                                     codes=lambda: board_cases(store, which), heading=title))

    def _open(self, dialog: CasesBehindDialog) -> None:
        self.screen.opened_windows = [w for w in self.screen.opened_windows if w.isVisible()]
        self.screen.opened_windows.append(dialog)
        dialog.show()


def shift_roster(shifts: Iterable[ShiftConfig]) -> ShiftRoster:
    """The 班次 roster of the config's [[shifts]] (as the case service builds it)."""
    return ShiftRoster(Shift(s.team.strip(), s.name, parse_clock(s.start), parse_clock(s.end)) for s in shifts)


def build_briefing(store: Store, tasks: TaskManager, *, gate: PermissionGate = OPEN_GATE,
                   roster: ShiftRoster | None = None, settings: ReportSettings | None = None,
                   basemap: Basemap | None = None, today: Callable[[], date] | None = None,
                   big_screen: bool = False, cycle_s: float = 20.0, idle_s: float = 60.0) -> BriefingScreen:
    """The leaders' screen: today's board, the period figures with drill-down and the KPI report, 考核,
    hot spots by time. ``settings.gate`` defaults to ``gate`` (exports need report.export)."""
    settings = settings or ReportSettings(gate=gate)
    figures = FiguresPage(store, tasks, today=today, settings=settings)
    assessment = AssessmentPage(store, tasks, settings, today=today)
    hotspots = HotspotPage(store, tasks, roster or ShiftRoster(), today=today)
    case_map = TodayMapPage(store, tasks, basemap)
    screen = BriefingScreen(gate=gate, cycle_interval_s=cycle_s, idle_resume_s=idle_s, pages=[
        ("map", QCoreApplication.translate("BriefingPages", "Today's cases on the map"), case_map),
        ("figures", QCoreApplication.translate("BriefingPages", "Figures by period"), figures),
        ("assessment", QCoreApplication.translate("BriefingPages", "Assessment"), assessment),
        ("hotspots", QCoreApplication.translate("BriefingPages", "Hot spots by time"), hotspots),
    ])
    drilldowns = Drilldowns(store, tasks, screen)
    figures.drill = drilldowns
    screen.board_drill.connect(drilldowns.board)
    screen.scale_changed.connect(case_map.set_scale)
    figures.refresh()
    assessment.refresh()
    hotspots.refresh()
    if big_screen:
        screen.set_big_screen(True)
    return screen
