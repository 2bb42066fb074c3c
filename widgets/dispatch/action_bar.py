"""What the dispatcher can do with the selected case: the legal workflow actions only (with a reason), approving
or denying a pending request, sending a drone, attaching the latest wall snapshot as evidence.

Every intent goes to the case service (or drone tasking) and answers with a future, tracked by the screen's
:class:`~widgets.dispatch.outcomes.ActionTracker`; refusals known at once are reported through ``message``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.cases import workflow
from commandcenter.cases.model import CaseView
from commandcenter.cases.rating import RATED_STATUSES, rating_of
from commandcenter.cases.service import CaseService
from widgets.dispatch.outcomes import ActionTracker
from widgets.dispatch.rating_dialog import CallbackRatingDialog

# Button labels of the workflow actions (English source strings; Chinese in dispatch_zh_CN.ts).
ACTION_TEXT = {
    "register": QT_TRANSLATE_NOOP("CaseActions", "Register"),
    "reject": QT_TRANSLATE_NOOP("CaseActions", "Reject"),
    "dispatch": QT_TRANSLATE_NOOP("CaseActions", "Dispatch"),
    "arrive": QT_TRANSLATE_NOOP("CaseActions", "On scene"),
    "feedback": QT_TRANSLATE_NOOP("CaseActions", "Report handled"),
    "verify": QT_TRANSLATE_NOOP("CaseActions", "Verify"),
    "close": QT_TRANSLATE_NOOP("CaseActions", "Close case"),
    "rework": QT_TRANSLATE_NOOP("CaseActions", "Rework"),
    "suspend": QT_TRANSLATE_NOOP("CaseActions", "Request suspension"),
    "resume": QT_TRANSLATE_NOOP("CaseActions", "Resume"),
    "extend": QT_TRANSLATE_NOOP("CaseActions", "Request extension"),
    "return": QT_TRANSLATE_NOOP("CaseActions", "Return"),
    "transfer": QT_TRANSLATE_NOOP("CaseActions", "Transfer"),
    "summon": QT_TRANSLATE_NOOP("CaseActions", "Joint enforcement"),
    "investigate": QT_TRANSLATE_NOOP("CaseActions", "Investigate"),
    "decide": QT_TRANSLATE_NOOP("CaseActions", "Decision"),
    "legal_review": QT_TRANSLATE_NOOP("CaseActions", "Legal review"),
    "execute": QT_TRANSLATE_NOOP("CaseActions", "Execute"),
    "archive": QT_TRANSLATE_NOOP("CaseActions", "Archive"),
    "merge": QT_TRANSLATE_NOOP("CaseActions", "Merge into duplicate"),
}


# Offered elsewhere: 督办 / 催办 on the 督办预警 list (the escalated cases they are for).
_ELSEWHERE = frozenset({"supervise", "urge"})


def action_text(action: str) -> str:
    return QCoreApplication.translate("CaseActions", str(ACTION_TEXT.get(action, action)))


class CaseActions(QWidget):
    """The action bar. ``message(text, error)`` for refusals and notes; ``case`` is the case acted on."""

    message = Signal(str, bool)

    def __init__(self, service: CaseService, tracker: ActionTracker, officer: Callable[[], str | None], *,
                 actor: str, tasking: Any = None, fleet: Any = None,
                 attach_snapshot: Callable[[CaseView, str], Future[Any] | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.tracker = tracker
        self.actor = actor
        self.tasking = tasking  # commandcenter.drones.tasking.DroneTasking: 派无人机 (None: no drones)
        self.fleet = fleet
        self.attach_snapshot = attach_snapshot  # None: no video wall in this build
        self._officer = officer
        self.case: CaseView | None = None
        self.buttons: dict[str, QPushButton] = {}
        self.rating_dialog: CallbackRatingDialog | None = None  # the open 回访 dialog, if any
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("Reason / note (required for reject, rework, return …)"))
        layout.addWidget(self.reason_edit)
        self.actions_row = QHBoxLayout()
        self.actions_row.setSpacing(4)
        layout.addLayout(self.actions_row)
        layout.addLayout(self._build_extra_row())
        self.show_case(None)

    def _build_extra_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.approve_button = QPushButton(self.tr("Approve request"))
        self.deny_button = QPushButton(self.tr("Deny request"))
        self.approve_button.clicked.connect(lambda: self._decide_request(True))
        self.deny_button.clicked.connect(lambda: self._decide_request(False))
        row.addWidget(self.approve_button)
        row.addWidget(self.deny_button)
        self.rating_button = QPushButton(self.tr("Callback rating…"))
        self.rating_button.setToolTip(self.tr("Callback: record how satisfied the reporter is with the handling "
                                              "of this closed case (counts in the public rating)"))
        self.rating_button.clicked.connect(self.ask_rating)
        row.addWidget(self.rating_button)
        row.addStretch(1)
        self.drone_combo = QComboBox()
        self.drone_combo.setToolTip(self.tr("Drone to send to the case location"))
        self.drone_button = QPushButton(self.tr("Send drone"))
        self.drone_button.setToolTip(self.tr("Fly the drone to the case at a safe altitude, put its video on the "
                                             "wall and attach a snapshot as evidence"))
        self.drone_button.clicked.connect(self._send_drone)
        row.addWidget(self.drone_combo)
        row.addWidget(self.drone_button)
        self.snapshot_button = QPushButton(self.tr("Attach wall snapshot"))
        self.snapshot_button.setToolTip(self.tr("Attach the latest snapshot taken on the video wall to this case "
                                                "as evidence (SHA-256 recorded)"))
        self.snapshot_button.clicked.connect(self._attach_snapshot)
        row.addWidget(self.snapshot_button)
        if self.attach_snapshot is None:
            self.snapshot_button.hide()
        if self.tasking is None or self.fleet is None:
            self.drone_combo.hide()
            self.drone_button.hide()
        return row

    def show_case(self, case: CaseView | None) -> None:
        """The buttons of the actions the workflow allows in the case's status (none without a case)."""
        self.case = case
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        pending = isinstance(case.extra.get("pending_request"), dict) if case is not None else False
        self.approve_button.setVisible(pending)
        self.deny_button.setVisible(pending)
        self._show_rating(case)
        if case is None:
            return
        self._refresh_drones()
        for action in workflow.allowed_actions(case.status):
            if action == "merge" and not case.possible_duplicates:
                continue
            if action in _ELSEWHERE:
                continue
            button = QPushButton(action_text(action))
            button.setToolTip(workflow.ACTIONS[action].label)
            if action in ("reject", "return", "transfer"):
                button.setProperty("danger", True)
            button.clicked.connect(lambda _=False, a=action: self.do_action(a))
            self.actions_row.addWidget(button)
            self.buttons[action] = button
        self.actions_row.addStretch(1)

    def do_action(self, action: str) -> None:
        """Run a workflow action on the case (asking for what it needs: officer, department, hours)."""
        case = self.case
        if case is None:
            return
        reason = self.reason_edit.text().strip()
        service, actor = self.service, self.actor
        try:
            if action == "dispatch":
                officer = self._officer()
                if officer is None:
                    self.message.emit(self.tr("No officer selected to dispatch."), True)
                    return
                self.tracker.track(action_text("dispatch"), service.dispatch(case.code, officer, actor, reason))
            elif action == "transfer":
                department, ok = QInputDialog.getText(self, self.tr("Transfer"), self.tr("Department to transfer to:"))
                if ok:
                    self.tracker.track(action_text("transfer"), service.transfer(case.code, department, actor, reason))
            elif action == "summon":
                text, ok = QInputDialog.getText(self, action_text("summon"),
                                                self.tr("Departments to summon (separated by commas):"))
                if ok:
                    departments = [d.strip() for d in text.replace("，", ",").split(",") if d.strip()]
                    self.tracker.track(action_text("summon"), service.summon(case.code, departments, actor, reason))
            elif action == "extend":
                hours, ok = QInputDialog.getDouble(self, action_text("extend"), self.tr("Extra working hours:"),
                                                   4.0, 0.5, 400.0, 1)
                if ok:
                    self.tracker.track(action_text("extend"),
                                       service.request_extension(case.code, hours, actor, reason))
            elif action == "suspend":
                self.tracker.track(action_text("suspend"), service.request_suspend(case.code, actor, reason))
            elif action == "merge":
                self.tracker.track(self.tr("Merge"),
                                   service.merge(case.possible_duplicates[0], case.code, actor, reason))
            else:
                self.tracker.track(action_text(action), service.transition(case.code, action, actor, reason=reason))
        except (PermissionError, ValueError, KeyError) as exc:  # refused before anything was queued
            self.message.emit(str(exc), True)

    def _show_rating(self, case: CaseView | None) -> None:
        """回访 is offered on a 结案 case; once rated, the button shows the rating instead."""
        closed = case is not None and case.status in RATED_STATUSES
        self.rating_button.setVisible(closed)
        held = rating_of(case.extra) if case is not None else None
        self.rating_button.setEnabled(closed and held is None)
        self.rating_button.setText(self.tr("Rated %1 / 5").replace("%1", str(held[0])) if held is not None
                                   else self.tr("Callback rating…"))

    def ask_rating(self) -> None:
        """Open the 回访 dialog for the case; the rating is recorded when the dispatcher confirms it."""
        case = self.case
        if case is None:
            return
        dialog = CallbackRatingDialog(case.code, self)
        dialog.accepted.connect(lambda: self._record_rating(case.code, dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.rating_dialog = dialog
        dialog.open()

    def _record_rating(self, code: str, dialog: CallbackRatingDialog) -> None:
        self.rating_dialog = None
        try:
            self.tracker.track(self.tr("Callback rating"),
                               self.service.rate(code, dialog.score(), "callback", self.actor, dialog.comment()))
        except (PermissionError, ValueError) as exc:  # refused before anything was queued
            self.message.emit(str(exc), True)

    def assign(self, code: str, officer_id: str) -> None:
        """One-click (or drop) assignment: case → 已派遣, officer → 出警."""
        try:
            self.tracker.track(action_text("dispatch"),
                               self.service.dispatch(code, officer_id, self.actor, self.reason_edit.text().strip()))
        except (PermissionError, ValueError) as exc:
            self.message.emit(str(exc), True)

    def _decide_request(self, approve: bool) -> None:
        if self.case is None:
            return
        try:
            self.tracker.track(self.tr("Approve request") if approve else self.tr("Deny request"),
                               self.service.decide_request(self.case.code, self.actor, approve,
                                                           self.reason_edit.text().strip()))
        except (PermissionError, ValueError) as exc:
            self.message.emit(str(exc), True)

    def _send_drone(self) -> None:
        """派无人机: the chosen drone flies to the selected case (checks and flight run off the GUI thread)."""
        case = self.case
        drone_id = self.drone_combo.currentData()
        if case is None or not drone_id or self.tasking is None:
            return
        if case.lat is None or case.lon is None:
            self.message.emit(self.tr("The case has no location to fly to"), True)
            return
        future = self.tasking.send_to_case(drone_id, case.id, case.code, case.lat, case.lon, actor=self.actor)
        self.message.emit(self.tr("Drone %1 sent to %2").replace("%1", self.drone_combo.currentText())
                          .replace("%2", case.code), False)
        self.tracker.track(self.tr("Send drone"), future)

    def _attach_snapshot(self) -> None:
        case = self.case
        if case is None or self.attach_snapshot is None:
            return
        try:
            future = self.attach_snapshot(case, self.actor)
        except Exception as exc:  # refused at once (permission) or nothing to attach: say why
            self.message.emit(f"{self.tr('Attach wall snapshot')}: {exc}", True)
            return
        if future is None:
            self.message.emit(self.tr("No wall snapshot in the last 10 minutes: take one on the video wall first"),
                              True)
            return
        self.tracker.track(self.tr("Attach wall snapshot"), future)

    def _refresh_drones(self) -> None:
        if self.fleet is None:
            return
        ids = list(self.fleet.ids())
        if [self.drone_combo.itemData(i) for i in range(self.drone_combo.count())] != ids:
            self.drone_combo.clear()
            for drone_id in ids:
                self.drone_combo.addItem(self.fleet.name(drone_id), drone_id)
