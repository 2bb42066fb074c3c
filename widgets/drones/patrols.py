"""巡查计划: the saved patrols with a form saving the plan being edited as a new one, and the banner asking
whether to fly a patrol that is due — non-modal, so a prompt never blocks the pilot (or a test)."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from commandcenter.drones.fleet import DroneFleet
from commandcenter.drones.missions import MissionPlan
from commandcenter.drones.schedule import PatrolSchedule, PatrolScheduler
from commandcenter.enforcement.permissions import PermissionDenied
from widgets.drones.runner import CommandRunner, as_result, may_send

_SAFE_NAME = re.compile(r"[^0-9A-Za-z_\u4e00-\u9fff-]+")


def _drone_name(fleet: DroneFleet, drone_id: str) -> str:
    return fleet.name(drone_id) if drone_id in fleet.ids() else drone_id


class PatrolSchedulesPanel(QGroupBox):
    """The scheduler's patrols; ``status(text)`` when the pilot must do something first."""

    status = Signal(str)

    def __init__(self, scheduler: PatrolScheduler, runner: CommandRunner, plan: Callable[[], MissionPlan],
                 parent: QWidget | None = None, *, operator: str | None = None) -> None:
        super().__init__(parent)
        self.scheduler = scheduler
        self.runner = runner
        self.operator = operator  # who saves and removes patrols (checked in the scheduler)
        self._plan = plan
        layout = QVBoxLayout(self)
        self.schedule_list = QListWidget()
        self.schedule_list.setWordWrap(True)
        layout.addWidget(self.schedule_list, 1)
        form = QGridLayout()
        self.schedule_name = QLineEdit()
        self.schedule_time = QTimeEdit(QTime(17, 30))
        self.schedule_time.setDisplayFormat("HH:mm")
        self.schedule_days = QComboBox()
        for key in ("daily", "weekdays", "weekends"):
            self.schedule_days.addItem(key, key)
        self.schedule_add, self.schedule_remove = QPushButton(), QPushButton()
        self.schedule_add.clicked.connect(self._add)
        self.schedule_remove.clicked.connect(self._remove)
        form.addWidget(self.schedule_name, 0, 0, 1, 2)
        form.addWidget(self.schedule_time, 1, 0)
        form.addWidget(self.schedule_days, 1, 1)
        form.addWidget(self.schedule_add, 2, 0)
        form.addWidget(self.schedule_remove, 2, 1)
        layout.addLayout(form)
        scheduler.changed.connect(self.fill)
        runner.finished.connect(self._on_result)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Patrol schedules"))
        self.schedule_name.setPlaceholderText(self.tr("Patrol name, e.g. market street"))
        for index, text in enumerate((self.tr("Daily"), self.tr("Weekdays"), self.tr("Weekends"))):
            self.schedule_days.setItemText(index, text)
        self.schedule_add.setText(self.tr("Save plan as patrol"))
        self.schedule_add.setToolTip(self.tr("Fly the plan being edited with the selected drone at this time"))
        self.schedule_remove.setText(self.tr("Remove"))
        may_plan = may_send(self.runner.commands, "upload_plan")
        for button in (self.schedule_add, self.schedule_remove):
            button.setEnabled(may_plan)  # the scheduler refuses (audited) whoever reaches it anyway
        self.fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _days_text(self, days: str) -> str:
        return {"daily": self.tr("Daily"), "weekdays": self.tr("Weekdays"),
                "weekends": self.tr("Weekends")}.get(days, days)

    def fill(self) -> None:
        self.schedule_list.clear()
        for schedule, next_at in self.scheduler.next_runs():
            drone = _drone_name(self.runner.fleet, schedule.drone_id)
            text = f"{schedule.time}  {self._days_text(schedule.days)}  ·  {schedule.label}  ·  {drone}"
            if next_at is not None:
                text += "  ·  " + self.tr("next {0}").format(next_at.strftime("%m-%d %H:%M"))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, schedule.id)
            self.schedule_list.addItem(item)

    def _save_label(self, name: str) -> str:
        return self.tr("Save patrol {0}").format(name)

    def _add(self) -> None:
        drone_id = self.runner.selected
        if drone_id is None:
            return
        plan = self._plan()
        if not plan.mission.waypoints():
            self.status.emit(self.tr("Draw or load the patrol's mission first"))
            return
        at = self.schedule_time.time().toString("HH:mm")
        name = self.schedule_name.text().strip() or f"{self.runner.fleet.name(drone_id)} {at}"
        schedule_id = uuid.uuid4().hex[:8]
        # the plan file is named after the patrol (readable in the missions dir) plus the id (never overwritten)
        plan_name = f"{_SAFE_NAME.sub('_', name).strip('_') or 'patrol'}-{schedule_id}"
        schedule = PatrolSchedule(schedule_id, drone_id, plan_name, at, self.schedule_days.currentData(), name=name)
        try:
            future = self.scheduler.add(schedule, copy.deepcopy(plan), actor=self.operator)
        except PermissionDenied as exc:
            self.status.emit(exc.message_zh)
            return
        self.runner.watch(self._save_label(name), drone_id, as_result(future, schedule.plan))
        self.schedule_name.clear()

    def _remove(self) -> None:
        item = self.schedule_list.currentItem()
        if item is not None:
            try:
                self.scheduler.remove(item.data(Qt.ItemDataRole.UserRole), actor=self.operator)
            except PermissionDenied as exc:
                self.status.emit(exc.message_zh)

    def _on_result(self, label: str, _drone_id: str, _payload: object) -> None:
        if label.startswith(self._save_label("")):
            self.fill()


class PatrolBanner(QFrame):
    """The oldest patrol waiting for an answer, with 执行 / 取消; hidden when none is."""

    def __init__(self, scheduler: PatrolScheduler, runner: CommandRunner, operator: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patrolBanner")
        self.scheduler = scheduler
        self.runner = runner
        self.operator = operator
        self.schedule: PatrolSchedule | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.patrol_text = QLabel()
        self.patrol_go = QPushButton()
        self.patrol_go.setObjectName("patrolGo")
        self.patrol_skip = QPushButton()
        row.addWidget(self.patrol_text, 1)
        row.addWidget(self.patrol_go)
        row.addWidget(self.patrol_skip)
        self.patrol_go.clicked.connect(self._confirm)
        self.patrol_skip.clicked.connect(self._decline)
        # bound slots, not lambdas: the scheduler outlives the banner, and Qt disconnects a deleted view's slots
        scheduler.due.connect(self._on_queue_changed)
        scheduler.expired.connect(self._on_queue_changed)
        self.hide()  # until a patrol is due (show_next, once the banner is in its screen)
        self.retranslate()

    def _on_queue_changed(self, _what: object) -> None:
        self.show_next()

    def retranslate(self) -> None:
        self.patrol_go.setText(self.tr("Fly"))
        self.patrol_skip.setText(self.tr("Cancel"))
        self._show_text()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_next(self) -> None:
        """Show the oldest patrol waiting for an answer, or hide when none is.

        执行 is offered only to a user who may fly it (upload, arm, start); the scheduler checks again in the core
        and refuses (audited) whoever reaches it anyway.
        """
        pending = self.scheduler.pending()
        self.schedule = pending[0] if pending else None
        may_fly = all(may_send(self.runner.commands, action) for action in self.scheduler.STEPS)
        self.patrol_go.setEnabled(may_fly)
        self.patrol_go.setToolTip("" if may_fly else self.tr("You may not fly patrols (drone.command and "
                                                             "drone.arm are needed)"))
        self._show_text()
        self.setVisible(self.schedule is not None)

    def _show_text(self) -> None:
        pending = self.scheduler.pending()
        schedule = self.schedule
        if schedule is None:
            return
        drone = _drone_name(self.runner.fleet, schedule.drone_id)
        more = "  " + self.tr("(+{0} more)").format(len(pending) - 1) if len(pending) > 1 else ""
        self.patrol_text.setText(self.tr("Patrol due: {0} — {1} at {2}. Fly it now?").format(
            schedule.label, drone, schedule.time) + more)

    def _confirm(self) -> None:
        if self.schedule is None:
            return
        future = self.scheduler.confirm(self.schedule.id, self.operator)
        self.runner.watch(self.tr("Patrol {0}").format(self.schedule.label), self.schedule.drone_id, future)
        self.show_next()

    def _decline(self) -> None:
        if self.schedule is not None:
            self.scheduler.decline(self.schedule.id, self.operator, self.tr("cancelled in the pilot screen"))
        self.show_next()
