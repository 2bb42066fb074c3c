"""The briefing screen with all its pages, built from what the seat has (store, task manager, roster, map).

``screens._briefing`` calls :func:`build_briefing`; tests build the same screen from a real store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication

from commandcenter.enforcement.permissions import OPEN_GATE, PermissionGate
from commandcenter.kpi.figures import Period
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store
from widgets.briefing.drilldown import CasesBehindDialog
from widgets.briefing.period import FiguresPage
from widgets.briefing.screen import BriefingScreen


class Drilldowns:
    """Opens (and keeps) the cases-behind windows of a screen."""

    def __init__(self, store: Store, tasks: TaskManager, screen: BriefingScreen) -> None:
        self.store, self.tasks, self.screen = store, tasks, screen

    def __call__(self, period: Period, figure: str, by: str | None, key: str | None) -> None:
        dialog = CasesBehindDialog(self.store, self.tasks, period, figure, by, key, self.screen)
        self.screen.opened_windows = [w for w in self.screen.opened_windows if w.isVisible()]
        self.screen.opened_windows.append(dialog)
        dialog.show()


def build_briefing(store: Store, tasks: TaskManager, *, gate: PermissionGate = OPEN_GATE,
                   today: Callable[[], date] | None = None) -> BriefingScreen:
    """The leaders' screen: today's board plus the period figures with drill-down."""
    figures = FiguresPage(store, tasks, today=today)
    screen = BriefingScreen(gate=gate, pages=[("figures", QCoreApplication.translate("BriefingPages", "Figures by period"), figures)])
    figures.drill = Drilldowns(store, tasks, screen)
    figures.refresh()
    return screen
