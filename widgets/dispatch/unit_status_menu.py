"""The unit board's context menu: a dispatcher marks an officer or vehicle 空闲, 休息 or 离线.

A thin view: the intent goes to :class:`commandcenter.cases.units.UnitStatusService` (permission, audit, the
store's writer); the outcome comes back on the GUI thread through a queued signal and is shown in the screen's
status line; the board itself shows the new status with the feed's next snapshot (refreshed at once).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QLabel, QMenu, QTableView

from commandcenter.cases.units import SETTABLE_STATUSES, UnitStatusChange, UnitStatusService
from commandcenter.enforcement.permissions import PermissionDenied

__all__ = ["UnitStatusMenu"]

STATUS_TEXT = {
    "idle": QT_TRANSLATE_NOOP("UnitStatusMenu", "Available"),
    "resting": QT_TRANSLATE_NOOP("UnitStatusMenu", "Resting"),
    "offline": QT_TRANSLATE_NOOP("UnitStatusMenu", "Offline"),
}


def _tr(text: object) -> str:
    """Translate a string marked with QT_TRANSLATE_NOOP above."""
    return QCoreApplication.translate("UnitStatusMenu", str(text))


class UnitStatusMenu(QObject):
    """Attached to the unit board's table view (rows carry the unit id in ``Qt.UserRole``)."""

    _done = Signal(object)  # a UnitStatusChange or the exception, crossing from the writer thread

    def __init__(self, view: QTableView, service: UnitStatusService, actor: str, *, status_line: QLabel,
                 refresh: Callable[[], None] | None = None) -> None:
        super().__init__(view)
        self.view = view
        self.service = service
        self.actor = actor
        self.status_line = status_line
        self.refresh = refresh
        self._names: dict[str, str] = {}  # unit id → the name the board shows, for the outcome message
        self._done.connect(self._show_outcome)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._open_at)

    def menu_for(self, unit_id: str, name: str = "") -> QMenu:
        """The menu of one unit: one action per status a dispatcher may set."""
        self._names[unit_id] = name or unit_id
        menu = QMenu(self.view)
        title = QCoreApplication.translate("UnitStatusMenu", "Set status of %1")
        menu.setTitle(title.replace("%1", self._names[unit_id]))
        for status in SETTABLE_STATUSES:
            action = menu.addAction(_tr(STATUS_TEXT[status]))
            action.triggered.connect(lambda _checked=False, s=status: self.set_status(unit_id, s))
        return menu

    def set_status(self, unit_id: str, status: str) -> None:
        try:
            future = self.service.set_status(unit_id, status, self.actor)
        except (PermissionDenied, ValueError) as exc:  # refused before anything was queued (and audited)
            self._show_outcome(exc)
            return
        future.add_done_callback(self._finished)

    def _finished(self, future: Future[UnitStatusChange]) -> None:
        self._done.emit(future.exception() or future.result())

    def _open_at(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        unit_id = index.data(Qt.ItemDataRole.UserRole)
        if unit_id:
            name = str(index.siblingAtColumn(0).data() or "")
            self.menu_for(str(unit_id), name).exec(self.view.viewport().mapToGlobal(pos))

    def _show_outcome(self, outcome: object) -> None:
        if isinstance(outcome, PermissionDenied):
            text = QCoreApplication.translate("UnitStatusMenu",
                                              "Not allowed to set unit status (missing permission %1)")
            self.status_line.setText(text.replace("%1", outcome.permission))
        elif isinstance(outcome, BaseException):
            text = QCoreApplication.translate("UnitStatusMenu", "Status not changed: %1")
            self.status_line.setText(text.replace("%1", str(outcome)))
        elif isinstance(outcome, UnitStatusChange):
            name = self._names.get(outcome.unit_id, outcome.unit_id)
            text = QCoreApplication.translate("UnitStatusMenu", "%1 is now %2")
            self.status_line.setText(text.replace("%1", name).replace("%2", _tr(STATUS_TEXT[outcome.after])))
            if self.refresh is not None:
                self.refresh()
