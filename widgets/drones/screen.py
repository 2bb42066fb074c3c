"""The 无人机 (drones) pilot screen: vehicle list, flight instruments, commands, messages, map and mission editor.

A thin view over :class:`commandcenter.drones.fleet.DroneFleet` (state, ≤ 20 Hz ``changed`` notifications) and a
:class:`commandcenter.drones.fleet.DroneCommander` (commands returning futures), laid out from panels: vehicle
list (:mod:`~widgets.drones.vehicle_list`), instruments, commands, mission editor, video and patrols. Nothing here
blocks: commands run on the commander's threads and their results come back through a queued signal
(:class:`~widgets.drones.runner.CommandRunner`). Arming, disarming, take-off, mode changes and mission start ask
for an explicit confirmation; RTL and LAND are one click and always visible, because they are what a pilot
reaches for when something goes wrong.

Optional services make it a full pilot station: a ``basemap`` drawn under the vehicles; the selected drone's
video (``video``, a VideoService) with a 上墙 button putting it on the ``wall``; and a ``scheduler``
(PatrolScheduler) whose due patrols appear as a non-modal banner with 执行/取消.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from commandcenter.drones.fleet import DroneCommander, DroneFleet
from commandcenter.drones.missions import MissionPlan
from commandcenter.drones.remote import SERVER_TIMEOUT, SESSION_REFUSED
from commandcenter.drones.schedule import PatrolScheduler, RunRecord
from commandcenter.geo.basemap import Basemap
from commandcenter.video.service import VideoService
from widgets import theme
from widgets.drones.commands_panel import CommandsPanel
from widgets.drones.fleet_map import FleetOnMap
from widgets.drones.goto import GotoDialog
from widgets.drones.instruments import InstrumentsPanel
from widgets.drones.mission_editor import MissionEditor
from widgets.drones.patrols import PatrolBanner, PatrolSchedulesPanel
from widgets.drones.runner import CommandRunner, may_send
from widgets.drones.status import link_text
from widgets.drones.vehicle_list import VehicleListPanel
from widgets.drones.video_panel import DroneVideoPanel


class DronesScreen(QWidget):
    """The F4 screen. ``commands`` implements :class:`~commandcenter.drones.fleet.DroneCommander`."""

    def __init__(self, fleet: DroneFleet, commands: DroneCommander | Any, parent: QWidget | None = None, *,
                 basemap: Basemap | None = None, video: VideoService | None = None, wall: Any = None,
                 scheduler: PatrolScheduler | None = None, operator: str = "pilot") -> None:
        super().__init__(parent)
        self.setObjectName("DronesScreen")
        self.fleet = fleet
        self.commands = commands
        self.scheduler = scheduler
        self.selected: str | None = None
        self.goto_dialog: GotoDialog | None = None
        self._controls_for: str | None = "\0"  # the selection the controls were last enabled for
        self._changed_while_hidden: set[str] = set()
        self.runner = CommandRunner(fleet, commands, lambda text: self.confirm(text), self)
        self.vehicles = VehicleListPanel(fleet)
        self.instruments = InstrumentsPanel()
        self.commands_panel = CommandsPanel(self.runner)
        self.editor = MissionEditor(self.runner, self._home)
        self.map = self.editor.map
        self.fleet_map = FleetOnMap(fleet, commands, self.map, self)
        self.video_panel = DroneVideoPanel(fleet, video, wall)
        self.schedules = PatrolSchedulesPanel(scheduler, self.runner, lambda: self.editor.plan,
                                              operator=operator) if scheduler is not None else None
        self.patrol_banner = PatrolBanner(scheduler, self.runner, operator) if scheduler is not None else None
        self._build()
        self.retranslate()

        self.vehicles.selected.connect(self._on_select)
        self.runner.sent.connect(self._show_status)
        self.runner.finished.connect(self._on_result)
        self.editor.status.connect(self._show_status)
        self.editor.uploaded.connect(lambda drone_id: self.fleet_map.refresh_active(drone_id, force=True))
        self.editor.goto_requested.connect(self.offer_goto)
        self.video_panel.status.connect(self._show_ok)
        if self.schedules is not None:
            self.schedules.status.connect(self._show_status)
        if scheduler is not None:
            scheduler.logged.connect(self._on_patrol_logged, Qt.ConnectionType.QueuedConnection)
        fleet.changed.connect(self._on_changed)
        fleet.message.connect(self._on_message)
        fleet.link_changed.connect(self._on_link)
        if basemap is not None:
            self.map.set_basemap(basemap)
        if self.patrol_banner is not None:
            self.patrol_banner.show_next()
        self._on_changed(fleet.ids())

    # -- construction --------------------------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.addLayout(self._build_header())
        if self.patrol_banner is not None:
            root.addWidget(self.patrol_banner)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(splitter, 1)
        # left: vehicles, messages, patrols
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.messages_box = QGroupBox()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(500)
        QVBoxLayout(self.messages_box).addWidget(self.log)
        left_panels: list[QWidget] = [self.vehicles, self.messages_box]
        if self.schedules is not None:
            left_panels.append(self.schedules)
        for panel in left_panels:
            left_layout.addWidget(panel, 1)
        left.setMinimumWidth(240)
        splitter.addWidget(left)
        splitter.addWidget(self.editor)  # centre: map with the mission editor
        # right: video, instruments and commands; they scroll rather than force the window taller than 1080 lines
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        for right_panel in (self.video_panel, self.instruments, self.commands_panel):
            right_layout.addWidget(right_panel)
        right_layout.addStretch(1)
        right_scroll = QScrollArea()
        right_scroll.setWidgetResizable(True)
        right_scroll.setFrameShape(QFrame.Shape.NoFrame)
        right_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right_scroll.setWidget(right)
        right_scroll.setMinimumWidth(right.sizeHint().width() + 16)
        splitter.addWidget(right_scroll)
        for index, stretch in enumerate((1, 3, 1)):
            splitter.setStretchFactor(index, stretch)
        splitter.setSizes([280, 900, 340])

    def _build_header(self) -> QHBoxLayout:
        """Selected vehicle, last result, and the always-visible emergency buttons."""
        header = QHBoxLayout()
        self.title = QLabel()
        theme.set_role(self.title, "value")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.rtl_button = QPushButton()
        self.rtl_button.setObjectName("rtl")
        self.land_button = QPushButton()
        self.land_button.setObjectName("land")
        for button in (self.rtl_button, self.land_button):
            button.setMinimumSize(120, 44)
        self.rtl_button.clicked.connect(lambda: self.runner.send("RTL", self.commands.rtl))
        self.land_button.clicked.connect(lambda: self.runner.send("LAND", self.commands.land))
        header.addWidget(self.title)
        header.addWidget(self.status, 1)
        for button in self.commands_panel.flight_buttons():  # in flight: never below the fold
            button.setMinimumHeight(44)
            header.addWidget(button)
        header.addWidget(self.rtl_button)
        header.addWidget(self.land_button)
        return header

    def retranslate(self) -> None:
        self.rtl_button.setText(self.tr("RTL"))
        self.rtl_button.setToolTip(self.tr("Return to launch now (no confirmation)"))
        self.land_button.setText(self.tr("LAND"))
        self.land_button.setToolTip(self.tr("Land where the drone is now (no confirmation)"))
        self.messages_box.setTitle(self.tr("Messages"))
        self._show_selected()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- public --------------------------------------------------------------------------------------------------
    @property
    def plan(self) -> MissionPlan:
        """The plan being edited."""
        return self.editor.plan

    def set_plan(self, plan: MissionPlan) -> None:
        """Show and edit ``plan`` (e.g. one imported from a .plan file)."""
        self.editor.set_plan(plan)

    def confirm(self, text: str) -> bool:
        """Explicit confirmation for commands that make a drone move or stop its motors."""
        answer = QMessageBox.question(self, self.tr("Confirm"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def offer_goto(self, lat: float, lon: float) -> None:
        """飞往此处: a click on the map offers to send the selected drone there, asking the altitude first."""
        drone_id = self.selected
        if drone_id is None or not may_send(self.commands, "goto"):
            return
        state = self.fleet.state(drone_id)
        current = state.alt_rel if state is not None and state.alt_rel is not None else 0.0
        dialog = GotoDialog(self.fleet.name(drone_id), lat, lon, current if current >= 5.0 else 30.0, self)
        self.goto_dialog = dialog
        dialog.accepted.connect(lambda: self._goto(lat, lon, dialog.altitude()))
        dialog.open()

    def _goto(self, lat: float, lon: float, alt: float) -> None:
        self.map.show_goto_target(lat, lon, alt)
        self.runner.send(self.tr("Fly here"), lambda d: self.commands.goto(d, lat, lon, alt))

    def release_video(self) -> None:
        """Give the video tile's stream back (app exit)."""
        self.video_panel.release()

    # -- fleet updates -------------------------------------------------------------------------------------------
    def _on_changed(self, ids: list[str]) -> None:
        if not self.isVisible():
            # Behind another tab: telemetry arrives several times a second per drone, and redrawing a map and a
            # list nobody sees costs the GUI thread; the screen catches up when it is shown.
            self._changed_while_hidden.update(ids)
            return
        for drone_id in ids:
            self.vehicles.update_vehicle(drone_id)
        if self.selected in ids:
            self._show_selected()
        self.fleet_map.vehicles_changed(ids)

    def _on_select(self, drone_id: str | None) -> None:
        self.selected = self.runner.selected = drone_id
        self._show_selected()
        self.video_panel.show_drone(drone_id, self.isVisible())
        self.fleet_map.select(drone_id)

    def _show_selected(self) -> None:
        drone_id = self.selected
        self.title.setText(self.fleet.name(drone_id) if drone_id else self.tr("No drone"))
        enabled = drone_id is not None
        if self._controls_for != drone_id:  # the seat user's rights, asked once per selection (records nothing)
            self._controls_for = drone_id
            for button, action in (*self.commands_panel.command_buttons(), (self.rtl_button, "rtl"),
                                   (self.land_button, "land")):
                button.setEnabled(enabled and may_send(self.commands, action))
            self.editor.set_vehicle_enabled(enabled)
        self.instruments.show_state(self.fleet.state(drone_id) if drone_id else None,
                                    self.fleet.link(drone_id) if drone_id else "offline")

    def _home(self) -> tuple[float, float] | None:
        state = self.fleet.state(self.selected) if self.selected else None
        if state is None or state.home_lat is None or state.home_lon is None:
            return None
        return state.home_lat, state.home_lon

    # -- messages and results ------------------------------------------------------------------------------------
    def _append_log(self, text: str) -> None:
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def _show_status(self, text: str) -> None:
        self.status.setText(text)

    def _show_ok(self, text: str) -> None:
        self.status.setText(text)
        theme.set_role(self.status, "ok")

    def _on_result(self, label: str, drone_id: str, payload: Any) -> None:
        result = payload[0] if isinstance(payload, tuple) else payload
        self.runner.forget_done()
        name = self.fleet.name(drone_id)
        if result.ok:
            text = self.tr("{0} ({1}): accepted").format(label, name)
        elif result.result_name == SERVER_TIMEOUT:  # a seat heard nothing back: say what the pilot must check
            text = self.tr("{0} ({1}): no answer from the server. The drone may or may not have received it: "
                           "watch its state before sending again.").format(label, name)
        elif result.result_name == SESSION_REFUSED:
            text = self.tr("{0} ({1}) refused: this seat's login is no longer valid, log in again ({2})").format(
                label, name, result.text)
        else:
            text = self.tr("{0} ({1}) refused: {2}").format(label, name, result.describe())
        self.status.setText(text)
        theme.set_role(self.status, "ok" if result.ok else "error")
        self._append_log(text)

    def _on_patrol_logged(self, record: RunRecord) -> None:
        outcome = {"started": self.tr("started"), "failed": self.tr("failed"), "refused": self.tr("refused"), "declined": self.tr("cancelled"),
                   "missed": self.tr("missed")}.get(record.outcome, record.outcome)
        schedule = self.scheduler.get(record.schedule_id) if self.scheduler is not None else None
        label = schedule.label if schedule is not None else record.schedule_id
        self._append_log(self.tr("Patrol {0}: {1} {2}").format(label, outcome, record.text).rstrip())

    def _on_message(self, drone_id: str, severity: int, text: str) -> None:
        level = "⚠ " if severity <= 4 else ""
        self._append_log(f"[{self.fleet.name(drone_id)}]  {level}{text}")

    def _on_link(self, drone_id: str, link: str) -> None:
        self._append_log(f"[{self.fleet.name(drone_id)}]  {link_text(link)}")

    # -- visibility: the video stream is held only while the screen is shown --------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._changed_while_hidden:
            changed = sorted(self._changed_while_hidden)
            self._changed_while_hidden.clear()
            self._on_changed(changed)
        self.video_panel.show_drone(self.selected, True)

    def hideEvent(self, event: QHideEvent) -> None:
        self.video_panel.release()
        self.video_panel.update_note()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.video_panel.release()
        super().closeEvent(event)
