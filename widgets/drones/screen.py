"""The 无人机 (drones) pilot screen: vehicle list, flight instruments, commands, messages, map and mission editor.

A thin view over :class:`commandcenter.drones.fleet.DroneFleet` (state, ≤ 20 Hz ``changed`` notifications) and a
:class:`commandcenter.drones.fleet.DroneCommander` (commands returning futures). Nothing here blocks: commands
run on the commander's threads and their results come back through a queued signal. Arming, disarming, take-off,
mode changes and mission start ask for an explicit confirmation; RTL and LAND are one click and always visible,
because they are what a pilot reaches for when something goes wrong.

Optional services make it a full pilot station: a ``basemap`` drawn under the vehicles; the selected drone's
video (``video``, a VideoService — acquired for the tile only while the screen is shown, released on switch and
close) with a 上墙 button putting it on the ``wall``; and a ``scheduler`` (PatrolScheduler) whose due patrols
appear as a non-modal banner with 执行/取消, so a prompt can never block the pilot (or a test). Each vehicle's
active mission is downloaded from the vehicle, off the GUI thread, when it is selected and whenever the mission
count it reports changes.
"""

from __future__ import annotations

import copy
import re
import time
import uuid
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.drones.fleet import CommandResult, DroneCommander, DroneFleet, VehicleState
from commandcenter.drones.missions import (
    CMD_RTL,
    CMD_TAKEOFF,
    CMD_WAYPOINT,
    Geofence,
    Mission,
    MissionItem,
    MissionPlan,
    Polygon,
    estimate,
    lawnmower,
    perimeter_orbit,
)
from commandcenter.drones.schedule import PatrolSchedule, PatrolScheduler, RunRecord
from commandcenter.drones.tasking import drone_camera
from commandcenter.geo.basemap import Basemap
from commandcenter.video.service import SUB, VideoService
from commandcenter.video.stream import StreamStatus
from widgets.drones.attitude import AttitudeIndicator
from widgets.drones.map_panel import DroneMapPanel
from widgets.wall.tile import VideoTile

VIDEO_HZ = 25
_SAFE_NAME = re.compile(r"[^0-9A-Za-z_\u4e00-\u9fff-]+")

STYLE = """
DronesScreen, DronesScreen QWidget { background-color: #0f1720; color: #e6edf3; }
DronesScreen QGroupBox { border: 1px solid #1f2a36; border-radius: 4px; margin-top: 14px; padding-top: 6px; }
DronesScreen QGroupBox::title { subcontrol-origin: margin; left: 8px; color: #9fb3c8; }
DronesScreen QListWidget, DronesScreen QPlainTextEdit, DronesScreen QTableWidget {
    background: #0b1118; border: 1px solid #2b3b4d; }
DronesScreen QPushButton, DronesScreen QToolButton { background: #1c2a38; border: 1px solid #2b3b4d;
    border-radius: 4px; padding: 5px 10px; }
DronesScreen QPushButton:hover, DronesScreen QToolButton:hover { background: #24364a; }
DronesScreen QToolButton:checked { background: #1f4f8f; }
DronesScreen QPushButton:disabled { color: #5b6b7c; }
DronesScreen QPushButton#rtl { background: #8a5a00; border-color: #d29922; font-size: 18px; font-weight: bold; }
DronesScreen QPushButton#land { background: #7a1f1f; border-color: #f85149; font-size: 18px; font-weight: bold; }
DronesScreen QLabel[role="value"] { font-size: 16px; font-weight: bold; color: #ffffff; }
DronesScreen QLabel[role="name"] { color: #9fb3c8; }
DronesScreen QHeaderView::section { background: #16212c; color: #9fb3c8; border: none; padding: 3px; }
DronesScreen QFrame#patrolBanner { background: #3d2a00; border: 1px solid #d29922; border-radius: 4px; }
DronesScreen QFrame#patrolBanner QLabel { background: transparent; color: #ffd27a; font-weight: bold; }
DronesScreen QPushButton#patrolGo { background: #1f6f3a; border-color: #3fb950; }
"""

HEALTH = {"ok": QColor("#3fb950"), "warn": QColor("#d29922"), "bad": QColor("#f85149"), "idle": QColor("#8b949e")}
GPS_FIX = {0: "—", 1: "no fix", 2: "2D", 3: "3D", 4: "DGPS", 5: "RTK float", 6: "RTK fixed"}


def health(link: str, state: VehicleState | None) -> str:
    """ok / warn / bad / idle: what colour a vehicle gets in the list and on the map."""
    if link in ("lost", "offline"):
        return "bad"
    if state is None or link == "connecting":
        return "idle"
    if (state.battery_pct is not None and state.battery_pct < 25) or state.gps_fix < 3 or state.link_quality < 0.7:
        return "warn"
    return "ok"


class _ResultBridge(QObject):
    """Carries a finished command from the commander's thread to the GUI thread (queued connection)."""

    finished = Signal(str, str, object)  # label, drone id, result
    active_plan = Signal(str, object, int)  # drone id, (CommandResult, MissionPlan) or exception, mission count


class DronesScreen(QWidget):
    """The F4 screen. ``commands`` implements :class:`~commandcenter.drones.fleet.DroneCommander`."""

    def __init__(self, fleet: DroneFleet, commands: DroneCommander | Any, parent: QWidget | None = None, *,
                 basemap: Basemap | None = None, video: VideoService | None = None, wall: Any = None,
                 scheduler: PatrolScheduler | None = None, operator: str = "pilot") -> None:
        super().__init__(parent)
        self.setObjectName("DronesScreen")
        self.setStyleSheet(STYLE)
        self.fleet = fleet
        self.commands = commands
        self.video = video
        self.wall = wall
        self.scheduler = scheduler
        self.operator = operator
        self.selected: str | None = None
        self.plan = MissionPlan()
        self.pending: list[Future[Any]] = []
        self._bridge = _ResultBridge(self)
        self._bridge.finished.connect(self._on_result)
        self._bridge.active_plan.connect(self._on_active_plan)
        # active missions as the vehicles report them (downloaded), keyed by the mission count they had then
        self.active_plans: dict[str, MissionPlan] = {}
        self._active_counts: dict[str, int] = {}
        self._active_loading: set[str] = set()
        self._active_again: set[str] = set()
        self._active_drawn: dict[str, tuple[int, int, bool]] = {}
        # the selected drone's video: (camera id, quality) held for the tile, the size asked for
        self.video_camera: str | None = None
        self._video_size = (0, 0)
        self._video_holder = ("drones-screen", id(self))
        self._build()
        self._retranslate()
        fleet.changed.connect(self._on_changed)
        fleet.message.connect(self._on_message)
        fleet.link_changed.connect(self._on_link)
        if basemap is not None:
            self.map.set_basemap(basemap)
        self._video_timer = QTimer(self)
        self._video_timer.setInterval(1000 // VIDEO_HZ)
        self._video_timer.timeout.connect(self._poll_video)
        if video is not None:
            video.statusChanged.connect(self._on_video_status)
        if scheduler is not None:
            scheduler.due.connect(self._on_patrol_due)
            scheduler.expired.connect(lambda _id: self._show_next_patrol())
            scheduler.changed.connect(self._fill_schedules)
            scheduler.logged.connect(self._on_patrol_logged, Qt.ConnectionType.QueuedConnection)
            self._fill_schedules()
            self._show_next_patrol()
        self._on_changed(fleet.ids())

    # -- construction --------------------------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        # header: selected vehicle, last result, and the always-visible emergency buttons
        header = QHBoxLayout()
        self.title = QLabel()
        self.title.setProperty("role", "value")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.rtl_button = QPushButton()
        self.rtl_button.setObjectName("rtl")
        self.land_button = QPushButton()
        self.land_button.setObjectName("land")
        for button in (self.rtl_button, self.land_button):
            button.setMinimumSize(120, 44)
        self.rtl_button.clicked.connect(lambda: self._send("RTL", lambda d: self.commands.rtl(d)))
        self.land_button.clicked.connect(lambda: self._send("LAND", lambda d: self.commands.land(d)))
        header.addWidget(self.title)
        header.addWidget(self.status, 1)
        header.addWidget(self.rtl_button)
        header.addWidget(self.land_button)
        root.addLayout(header)
        # a due patrol: non-modal, so nothing ever waits on a dialog
        self.patrol_banner = QFrame()
        self.patrol_banner.setObjectName("patrolBanner")
        banner = QHBoxLayout(self.patrol_banner)
        banner.setContentsMargins(8, 4, 8, 4)
        self.patrol_text = QLabel()
        self.patrol_go = QPushButton()
        self.patrol_go.setObjectName("patrolGo")
        self.patrol_skip = QPushButton()
        banner.addWidget(self.patrol_text, 1)
        banner.addWidget(self.patrol_go)
        banner.addWidget(self.patrol_skip)
        self.patrol_go.clicked.connect(self._confirm_patrol)
        self.patrol_skip.clicked.connect(self._decline_patrol)
        self.patrol_banner.hide()
        self._banner_schedule: PatrolSchedule | None = None
        root.addWidget(self.patrol_banner)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(splitter, 1)

        # left: vehicles and messages
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.vehicles_box = QGroupBox()
        vbox = QVBoxLayout(self.vehicles_box)
        self.vehicle_list = QListWidget()
        self.vehicle_list.currentItemChanged.connect(self._on_select)
        vbox.addWidget(self.vehicle_list)
        self.messages_box = QGroupBox()
        mbox = QVBoxLayout(self.messages_box)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(500)
        mbox.addWidget(self.log)
        left_layout.addWidget(self.vehicles_box, 1)
        left_layout.addWidget(self.messages_box, 1)
        left_layout.addWidget(self._build_schedules(), 1)
        left.setMinimumWidth(240)
        splitter.addWidget(left)

        # centre: map with the mission editor
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        tools = QHBoxLayout()
        self.add_tool = QToolButton()
        self.add_tool.setCheckable(True)
        self.alt_spin = _spin(5, 500, 30, " m")
        self.spacing_spin = _spin(5, 500, 40, " m")
        self.angle_spin = _spin(-180, 180, 0, "°")
        self.survey_button = QPushButton()
        self.orbit_button = QPushButton()
        self.fence_button = QPushButton()
        self.clear_button = QPushButton()
        self.upload_button = QPushButton()
        self.download_button = QPushButton()
        self.alt_label, self.spacing_label, self.angle_label = QLabel(), QLabel(), QLabel()
        for widget in (self.add_tool, self.alt_label, self.alt_spin, self.spacing_label, self.spacing_spin,
                       self.angle_label, self.angle_spin, self.survey_button, self.orbit_button, self.fence_button,
                       self.clear_button):
            tools.addWidget(widget)
        tools.addStretch(1)
        tools.addWidget(self.upload_button)
        tools.addWidget(self.download_button)
        centre_layout.addLayout(tools)
        self.map = DroneMapPanel()
        self.map.clicked.connect(self._on_map_click)
        self.map.waypoint_moved.connect(self._on_waypoint_moved)
        centre_layout.addWidget(self.map, 3)
        self.table = QTableWidget(0, 4)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._on_table_edit)
        centre_layout.addWidget(self.table, 1)
        self.estimate_label = QLabel()
        centre_layout.addWidget(self.estimate_label)
        self.survey_button.clicked.connect(self._generate_survey)
        self.orbit_button.clicked.connect(self._generate_orbit)
        self.fence_button.clicked.connect(self._waypoints_to_fence)
        self.clear_button.clicked.connect(self._clear_plan)
        self.upload_button.clicked.connect(self._upload)
        self.download_button.clicked.connect(self._download)
        splitter.addWidget(centre)

        # right: instruments and commands
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self._build_video())
        self.attitude = AttitudeIndicator()
        right_layout.addWidget(self.attitude)
        self.telemetry_box = QGroupBox()
        grid = QGridLayout(self.telemetry_box)
        self.fields: dict[str, tuple[QLabel, QLabel]] = {}
        for row, key in enumerate(("mode", "armed", "altitude", "speed", "heading", "battery", "gps", "link",
                                   "position")):
            name, value = QLabel(), QLabel("—")
            name.setProperty("role", "name")
            value.setProperty("role", "value")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.fields[key] = (name, value)
        right_layout.addWidget(self.telemetry_box)
        self.commands_box = QGroupBox()
        cgrid = QGridLayout(self.commands_box)
        self.arm_button, self.disarm_button = QPushButton(), QPushButton()
        self.takeoff_button = QPushButton()
        self.takeoff_alt = _spin(2, 120, 20, " m")
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(["GUIDED", "LOITER", "AUTO", "RTL", "LAND", "STABILIZE", "ALT_HOLD", "POSHOLD"])
        self.mode_button = QPushButton()
        self.start_button, self.pause_button, self.continue_button = QPushButton(), QPushButton(), QPushButton()
        cgrid.addWidget(self.arm_button, 0, 0)
        cgrid.addWidget(self.disarm_button, 0, 1)
        cgrid.addWidget(self.takeoff_alt, 1, 0)
        cgrid.addWidget(self.takeoff_button, 1, 1)
        cgrid.addWidget(self.mode_combo, 2, 0)
        cgrid.addWidget(self.mode_button, 2, 1)
        cgrid.addWidget(self.start_button, 3, 0, 1, 2)
        cgrid.addWidget(self.pause_button, 4, 0)
        cgrid.addWidget(self.continue_button, 4, 1)
        right_layout.addWidget(self.commands_box)
        right_layout.addStretch(1)
        self.arm_button.clicked.connect(self._arm)
        self.disarm_button.clicked.connect(self._disarm)
        self.takeoff_button.clicked.connect(self._takeoff)
        self.mode_button.clicked.connect(self._set_mode)
        self.start_button.clicked.connect(self._start_mission)
        self.pause_button.clicked.connect(lambda: self._send(self.tr("Pause"), lambda d: self.commands.pause_mission(d)))
        self.continue_button.clicked.connect(
            lambda: self._send(self.tr("Continue"), lambda d: self.commands.continue_mission(d)))
        # Instruments scroll rather than forcing the window taller than a 1080-line wall screen.
        right_scroll = QScrollArea()
        right_scroll.setWidgetResizable(True)
        right_scroll.setFrameShape(QFrame.Shape.NoFrame)
        right_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right_scroll.setWidget(right)
        right_scroll.setMinimumWidth(right.sizeHint().width() + 16)
        splitter.addWidget(right_scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([280, 900, 340])

    def _build_video(self) -> QGroupBox:
        """The selected drone's downlink in a wall tile, with 上墙."""
        self.video_box = QGroupBox()
        layout = QVBoxLayout(self.video_box)
        layout.setContentsMargins(4, 4, 4, 4)
        self.video_tile = VideoTile(0, f"drones-{id(self)}")
        self.video_tile.setAcceptDrops(False)
        self.video_tile.setMinimumSize(320, 180)
        self.video_tile.snapshotRequested.connect(lambda _cell: self._snapshot_video())
        layout.addWidget(self.video_tile)
        row = QHBoxLayout()
        self.video_note = QLabel()
        self.video_note.setProperty("role", "name")
        self.wall_button = QPushButton()
        self.wall_button.clicked.connect(self._put_on_wall)
        row.addWidget(self.video_note, 1)
        row.addWidget(self.wall_button)
        layout.addLayout(row)
        self.video_box.setVisible(self.video is not None)
        return self.video_box

    def _build_schedules(self) -> QGroupBox:
        """巡查计划: the saved patrols, and a form saving the plan being edited as a new one."""
        self.schedules_box = QGroupBox()
        layout = QVBoxLayout(self.schedules_box)
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
        self.schedule_add = QPushButton()
        self.schedule_remove = QPushButton()
        self.schedule_add.clicked.connect(self._add_schedule)
        self.schedule_remove.clicked.connect(self._remove_schedule)
        form.addWidget(self.schedule_name, 0, 0, 1, 2)
        form.addWidget(self.schedule_time, 1, 0)
        form.addWidget(self.schedule_days, 1, 1)
        form.addWidget(self.schedule_add, 2, 0)
        form.addWidget(self.schedule_remove, 2, 1)
        layout.addLayout(form)
        self.schedules_box.setVisible(self.scheduler is not None)
        return self.schedules_box

    def _retranslate(self) -> None:
        self.rtl_button.setText(self.tr("RTL"))
        self.rtl_button.setToolTip(self.tr("Return to launch now (no confirmation)"))
        self.land_button.setText(self.tr("LAND"))
        self.land_button.setToolTip(self.tr("Land where the drone is now (no confirmation)"))
        self.vehicles_box.setTitle(self.tr("Drones"))
        self.messages_box.setTitle(self.tr("Messages"))
        self.telemetry_box.setTitle(self.tr("Telemetry"))
        self.commands_box.setTitle(self.tr("Commands"))
        labels = {"mode": self.tr("Mode"), "armed": self.tr("Armed"), "altitude": self.tr("Altitude"),
                  "speed": self.tr("Ground / air speed"), "heading": self.tr("Heading"),
                  "battery": self.tr("Battery"), "gps": self.tr("GPS / satellites"), "link": self.tr("Link"),
                  "position": self.tr("Position")}
        for key, (name, _value) in self.fields.items():
            name.setText(labels[key])
        self.arm_button.setText(self.tr("Arm"))
        self.disarm_button.setText(self.tr("Disarm"))
        self.takeoff_button.setText(self.tr("Take off"))
        self.mode_button.setText(self.tr("Set mode"))
        self.start_button.setText(self.tr("Start mission"))
        self.pause_button.setText(self.tr("Pause"))
        self.continue_button.setText(self.tr("Continue"))
        self.add_tool.setText(self.tr("Add waypoints"))
        self.add_tool.setToolTip(self.tr("Click the map to add waypoints; drag a waypoint to move it"))
        self.alt_label.setText(self.tr("Altitude"))
        self.spacing_label.setText(self.tr("Spacing"))
        self.angle_label.setText(self.tr("Angle"))
        self.survey_button.setText(self.tr("Lawn-mower"))
        self.survey_button.setToolTip(self.tr("Survey the fence (or the waypoints as an area) in parallel lines"))
        self.orbit_button.setText(self.tr("Orbit"))
        self.orbit_button.setToolTip(self.tr("Fly around the area outside its edge"))
        self.fence_button.setText(self.tr("Waypoints → fence"))
        self.clear_button.setText(self.tr("Clear"))
        self.upload_button.setText(self.tr("Upload mission"))
        self.download_button.setText(self.tr("Download mission"))
        self.table.setHorizontalHeaderLabels([self.tr("Waypoint"), self.tr("Latitude"), self.tr("Longitude"),
                                              self.tr("Altitude (m)")])
        self.video_box.setTitle(self.tr("Video"))
        self.wall_button.setText(self.tr("Put on wall"))
        self.wall_button.setToolTip(self.tr("Show this drone's video on the video wall"))
        self.schedules_box.setTitle(self.tr("Patrol schedules"))
        self.schedule_name.setPlaceholderText(self.tr("Patrol name, e.g. market street"))
        for index, text in enumerate((self.tr("Daily"), self.tr("Weekdays"), self.tr("Weekends"))):
            self.schedule_days.setItemText(index, text)
        self.schedule_add.setText(self.tr("Save plan as patrol"))
        self.schedule_add.setToolTip(self.tr("Fly the plan being edited with the selected drone at this time"))
        self.schedule_remove.setText(self.tr("Remove"))
        self.patrol_go.setText(self.tr("Fly"))
        self.patrol_skip.setText(self.tr("Cancel"))
        self._show_selected()
        self._update_video_note()
        self._fill_schedules()
        self._show_next_patrol()
        self._refresh_estimate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    # -- fleet updates -------------------------------------------------------------------------------------------

    def _on_changed(self, ids: list[str]) -> None:
        for drone_id in ids:
            self._update_list_item(drone_id)
        if self.selected is None and self.vehicle_list.count():
            self.vehicle_list.setCurrentRow(0)
        if self.selected in ids:
            self._show_selected()
        for drone_id in ids:
            state = self.fleet.state(drone_id)
            if state is not None and state.mission_total != self._active_counts.get(drone_id, 0):
                self._refresh_active(drone_id)
        self._update_map()

    def _update_list_item(self, drone_id: str) -> None:
        item = self._list_item(drone_id)
        if item is None:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, drone_id)
            self.vehicle_list.addItem(item)
        state = self.fleet.state(drone_id)
        link = self.fleet.link(drone_id)
        parts = [self.fleet.name(drone_id)]
        if state is not None:
            parts.append(state.mode)
            parts.append(self.tr("armed") if state.armed else self.tr("disarmed"))
            if state.battery_pct is not None:
                parts.append(f"{state.battery_pct:.0f}%")
        if link != "ok":
            parts.append(self._link_text(link))
        text = "  ·  ".join(parts)
        colour = HEALTH[health(link, state)]
        if item.text() != text:  # every Qt call releases the GIL to the link thread: skip the no-op ones
            item.setText(text)
        if item.foreground().color() != colour:
            item.setForeground(colour)

    def _list_item(self, drone_id: str) -> QListWidgetItem | None:
        for row in range(self.vehicle_list.count()):
            item = self.vehicle_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == drone_id:
                return item
        return None

    def _link_text(self, link: str) -> str:
        return {"ok": self.tr("link OK"), "lost": self.tr("LINK LOST"), "offline": self.tr("offline"),
                "connecting": self.tr("connecting")}.get(link, link)

    def _on_select(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self.selected = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self._show_selected()
        if self.selected is not None:
            self._refresh_active(self.selected, force=True)
        self._sync_video()
        self._update_map()

    def _show_selected(self) -> None:
        drone_id = self.selected
        state = self.fleet.state(drone_id) if drone_id else None
        link = self.fleet.link(drone_id) if drone_id else "offline"
        self.title.setText(self.fleet.name(drone_id) if drone_id else self.tr("No drone"))
        enabled = drone_id is not None
        if self.arm_button.isEnabled() != enabled:
            for button in (self.arm_button, self.disarm_button, self.takeoff_button, self.mode_button,
                           self.start_button, self.pause_button, self.continue_button, self.rtl_button,
                           self.land_button, self.upload_button, self.download_button):
                button.setEnabled(enabled)
        values = self._telemetry_text(state, link)
        for key, (_name, value) in self.fields.items():
            text = values.get(key, "—")
            if value.text() != text:
                value.setText(text)
        if state is None:
            self.attitude.set_attitude(0.0, 0.0, 0.0, valid=False)
        else:
            self.attitude.set_attitude(state.roll, state.pitch, state.heading if state.heading is not None
                                       else state.yaw, valid=link == "ok")

    def _telemetry_text(self, s: VehicleState | None, link: str) -> dict[str, str]:
        if s is None:
            return {"link": self._link_text(link)}

        def num(value: float | None, fmt: str) -> str:
            return "—" if value is None else format(value, fmt)

        battery = f"{num(s.battery_voltage, '.1f')} V  {num(s.battery_pct, '.0f')}%"
        if s.time_left_s is not None:
            battery += "  " + self.tr("{0} min left").format(f"{s.time_left_s / 60:.0f}")
        return {
            "mode": s.mode,
            "armed": self.tr("ARMED") if s.armed else self.tr("disarmed"),
            "altitude": f"{num(s.alt_rel, '.1f')} m  (MSL {num(s.alt_msl, '.0f')} m)",
            "speed": f"{num(s.groundspeed, '.1f')} / {num(s.airspeed, '.1f')} m/s",
            "heading": f"{num(s.heading, '03.0f')}°",
            "battery": battery,
            "gps": f"{GPS_FIX.get(s.gps_fix, str(s.gps_fix))}  ·  {s.satellites}",
            "link": f"{self._link_text(link)}  {s.link_quality * 100:.0f}%",
            "position": f"{num(s.lat, '.6f')}, {num(s.lon, '.6f')}",
        }

    def _update_map(self) -> None:
        vehicles = []
        trails = {}
        homes = []
        for drone_id in self.fleet.ids():
            state = self.fleet.state(drone_id)
            if state is None or state.lat is None or state.lon is None:
                continue
            colour = HEALTH[health(self.fleet.link(drone_id), state)]
            heading = state.heading if state.heading is not None else state.yaw
            vehicles.append((drone_id, state.lat, state.lon, heading, colour, drone_id == self.selected))
            trails[drone_id] = self.fleet.trail(drone_id)
            if state.home_lat is not None and state.home_lon is not None:
                homes.append((state.home_lat, state.home_lon))
        if vehicles:
            self.map.show_vehicles(vehicles, trails, homes)
        for drone_id, plan in self.active_plans.items():
            state = self.fleet.state(drone_id)
            key = (id(plan), state.mission_seq if state else 0, drone_id == self.selected)
            if self._active_drawn.get(drone_id) != key:  # redraw on a new plan, target or selection only
                self._active_drawn[drone_id] = key
                self.map.show_active(drone_id, plan, key[1], key[2])

    # -- active missions (downloaded from the vehicles) -----------------------------------------------------------

    def _refresh_active(self, drone_id: str, force: bool = False) -> None:
        """Download what ``drone_id`` will fly, unless already known for its current mission count."""
        state = self.fleet.state(drone_id)
        if state is None or not hasattr(self.commands, "download_plan"):
            return
        count = state.mission_total
        if not force and self._active_counts.get(drone_id) == count and drone_id in self.active_plans:
            return
        if drone_id in self._active_loading:
            self._active_again.add(drone_id)  # changed while downloading: fetch again when this one is done
            return
        self._active_counts[drone_id] = count
        self._active_loading.add(drone_id)
        bridge = self._bridge

        def done(f: Future[Any]) -> None:
            try:
                payload: Any = f.result()
            except Exception as exc:  # reported like a refused download
                payload = exc
            try:
                bridge.active_plan.emit(drone_id, payload, count)
            except RuntimeError:  # the screen was closed meanwhile
                pass

        self.commands.download_plan(drone_id).add_done_callback(done)

    def _on_active_plan(self, drone_id: str, payload: Any, count: int) -> None:
        self._active_loading.discard(drone_id)
        if isinstance(payload, tuple) and payload[0].ok:
            self.active_plans[drone_id] = payload[1]
            self._active_drawn.pop(drone_id, None)
            self._update_map()
        else:
            self._active_counts.pop(drone_id, None)  # try again on the next change
        if drone_id in self._active_again:
            self._active_again.discard(drone_id)
            self._refresh_active(drone_id, force=True)

    # -- video ----------------------------------------------------------------------------------------------------

    def _sync_video(self) -> None:
        """Hold the selected drone's stream while the screen is visible; release it on switch and hide."""
        wanted = drone_camera(self.video, self.selected) if self.selected and self.isVisible() else None
        if wanted == self.video_camera:
            return
        self.release_video()
        if wanted is not None and self.video is not None:
            self._video_size = self.video_tile.decode_size()
            self.video.acquire(wanted, SUB, self._video_holder, self._video_size)
            self.video_camera = wanted
            self.video_tile.set_camera(wanted, self.video.cameras[wanted].name, False)
            status = self.video.status(wanted, SUB)
            if status is not None:
                self.video_tile.set_state(status.state, status.reason)
            self._video_timer.start()
        self._update_video_note()

    def release_video(self) -> None:
        """Give the tile's stream back to the VideoService (switching drones, hiding, closing, app exit)."""
        self._video_timer.stop()
        if self.video_camera is not None and self.video is not None:
            self.video.release(self.video_camera, SUB, self._video_holder)
        self.video_camera = None
        self.video_tile.set_camera(None, "", False)

    def _poll_video(self) -> None:
        if self.video is None or self.video_camera is None:
            return
        size = self.video_tile.decode_size()
        if size != self._video_size:
            self._video_size = size
            self.video.resize(self.video_camera, SUB, self._video_holder, size)
        self.video_tile.show_frame(self.video.latest_frame(self.video_camera, SUB))

    def _on_video_status(self, camera_id: str, quality: str, status: StreamStatus) -> None:
        if camera_id == self.video_camera and quality == SUB:
            self.video_tile.set_state(status.state, status.reason)

    def _update_video_note(self) -> None:
        camera = drone_camera(self.video, self.selected) if self.selected else None
        self.wall_button.setEnabled(camera is not None and self.wall is not None)
        if self.selected is None:
            self.video_note.setText("")
        elif camera is None:
            self.video_note.setText(self.tr("No video downlink configured for this drone"))
        else:
            cell = self.wall.cell_of(camera) if self.wall is not None else None
            self.video_note.setText(self.tr("On the wall, cell {0}").format(cell + 1) if cell is not None
                                    else camera)

    def _put_on_wall(self) -> None:
        """上墙: pop the selected drone's video into the wall's alarm cell, named, until acknowledged there."""
        camera = drone_camera(self.video, self.selected) if self.selected else None
        if camera is None or self.wall is None or self.selected is None:
            return
        cell = self.wall.raise_alarm(camera, self.tr("Drone {0}").format(self.fleet.name(self.selected)))
        self.status.setText(self.tr("{0}: video on the wall (cell {1})").format(
            self.fleet.name(self.selected), cell + 1))
        self.status.setStyleSheet("color: #3fb950;")
        self._update_video_note()

    def _snapshot_video(self) -> None:
        if self.video is not None and self.video_camera is not None:
            self.video.snapshot(self.video_camera)
            self.status.setText(self.tr("Snapshot of {0} requested").format(self.video_camera))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._sync_video()

    def hideEvent(self, event: QHideEvent) -> None:
        self.release_video()
        self._update_video_note()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.release_video()
        super().closeEvent(event)

    # -- patrol schedules -----------------------------------------------------------------------------------------

    def _days_text(self, days: str) -> str:
        return {"daily": self.tr("Daily"), "weekdays": self.tr("Weekdays"),
                "weekends": self.tr("Weekends")}.get(days, days)

    def _fill_schedules(self) -> None:
        if self.scheduler is None:
            return
        self.schedule_list.clear()
        for schedule, next_at in self.scheduler.next_runs():
            drone = self.fleet.name(schedule.drone_id) if schedule.drone_id in self.fleet.ids() \
                else schedule.drone_id
            text = f"{schedule.time}  {self._days_text(schedule.days)}  ·  {schedule.label}  ·  {drone}"
            if next_at is not None:
                text += "  ·  " + self.tr("next {0}").format(next_at.strftime("%m-%d %H:%M"))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, schedule.id)
            self.schedule_list.addItem(item)

    def _add_schedule(self) -> None:
        if self.scheduler is None or self.selected is None:
            return
        if not self.plan.mission.waypoints():
            self.status.setText(self.tr("Draw or load the patrol's mission first"))
            return
        drone_id = self.selected
        at = self.schedule_time.time().toString("HH:mm")
        name = self.schedule_name.text().strip() or f"{self.fleet.name(drone_id)} {at}"
        schedule_id = uuid.uuid4().hex[:8]
        # the plan file is named after the patrol (readable in the missions dir) plus the id (never overwritten)
        plan_name = f"{_SAFE_NAME.sub('_', name).strip('_') or 'patrol'}-{schedule_id}"
        schedule = PatrolSchedule(schedule_id, drone_id, plan_name, at, self.schedule_days.currentData(), name=name)
        future = self.scheduler.add(schedule, copy.deepcopy(self.plan))
        self._watch(self.tr("Save patrol {0}").format(name), drone_id, _as_result(future, schedule.plan))
        self.schedule_name.clear()

    def _remove_schedule(self) -> None:
        item = self.schedule_list.currentItem()
        if self.scheduler is None or item is None:
            return
        self.scheduler.remove(item.data(Qt.ItemDataRole.UserRole))

    def _on_patrol_due(self, _schedule: PatrolSchedule) -> None:
        self._show_next_patrol()

    def _show_next_patrol(self) -> None:
        """The banner shows the oldest patrol waiting for an answer; hidden when none is."""
        pending = self.scheduler.pending() if self.scheduler is not None else []
        self._banner_schedule = pending[0] if pending else None
        if self._banner_schedule is None:
            self.patrol_banner.hide()
            return
        schedule = self._banner_schedule
        drone = self.fleet.name(schedule.drone_id) if schedule.drone_id in self.fleet.ids() else schedule.drone_id
        more = "  " + self.tr("(+{0} more)").format(len(pending) - 1) if len(pending) > 1 else ""
        self.patrol_text.setText(self.tr("Patrol due: {0} — {1} at {2}. Fly it now?").format(
            schedule.label, drone, schedule.time) + more)
        self.patrol_banner.show()

    def _confirm_patrol(self) -> None:
        schedule = self._banner_schedule
        if self.scheduler is None or schedule is None:
            return
        future = self.scheduler.confirm(schedule.id, self.operator)
        self._watch(self.tr("Patrol {0}").format(schedule.label), schedule.drone_id, future)
        self._show_next_patrol()

    def _decline_patrol(self) -> None:
        schedule = self._banner_schedule
        if self.scheduler is None or schedule is None:
            return
        self.scheduler.decline(schedule.id, self.operator, self.tr("cancelled in the pilot screen"))
        self._show_next_patrol()

    def _on_patrol_logged(self, record: RunRecord) -> None:
        outcome = {"started": self.tr("started"), "failed": self.tr("failed"), "declined": self.tr("cancelled"),
                   "missed": self.tr("missed")}.get(record.outcome, record.outcome)
        schedule = self.scheduler.get(record.schedule_id) if self.scheduler is not None else None
        label = schedule.label if schedule is not None else record.schedule_id
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  " + self.tr("Patrol {0}: {1} {2}").format(
            label, outcome, record.text).rstrip())

    def _on_message(self, drone_id: str, severity: int, text: str) -> None:
        level = "⚠ " if severity <= 4 else ""
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  [{self.fleet.name(drone_id)}]  {level}{text}")

    def _on_link(self, drone_id: str, link: str) -> None:
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  [{self.fleet.name(drone_id)}]  "
                                 f"{self._link_text(link)}")

    # -- commands ------------------------------------------------------------------------------------------------

    def confirm(self, text: str) -> bool:
        """Explicit confirmation for commands that make a drone move or stop its motors."""
        answer = QMessageBox.question(self, self.tr("Confirm"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _send(self, label: str, call: Any, confirm_text: str = "", **values: str) -> None:
        """Run ``call(drone_id)`` for the selected drone, after confirming ``confirm_text`` ({name}, values)."""
        drone_id = self.selected
        if drone_id is None:
            return
        if confirm_text and not self.confirm(confirm_text.format(name=self.fleet.name(drone_id), **values)):
            return
        self.status.setText(self.tr("{0}: sent to {1}…").format(label, self.fleet.name(drone_id)))
        self._watch(label, drone_id, call(drone_id))

    def _watch(self, label: str, drone_id: str, future: Future[Any]) -> None:
        self.pending.append(future)
        bridge = self._bridge

        def done(f: Future[Any]) -> None:
            try:
                result = f.result()
            except Exception as exc:  # a bug in a commander must still reach the pilot's eyes
                result = CommandResult(False, "ERROR", str(exc))
            try:
                bridge.finished.emit(label, drone_id, result)
            except RuntimeError:  # the screen was closed while the command ran
                pass

        future.add_done_callback(done)

    def _on_result(self, label: str, drone_id: str, payload: Any) -> None:
        result, plan = (payload if isinstance(payload, tuple) else (payload, None))
        self.pending = [f for f in self.pending if not f.done()]
        name = self.fleet.name(drone_id)
        if result.ok:
            text = self.tr("{0} ({1}): accepted").format(label, name)
            colour = "#3fb950"
            if plan is not None:
                self.plan = plan
                self._plan_changed()
            if label == self.tr("Upload mission"):
                self._refresh_active(drone_id, force=True)  # show what the vehicle now holds
            if label.startswith(self.tr("Save patrol {0}").format("")):
                self._fill_schedules()
        else:
            text = self.tr("{0} ({1}) refused: {2}").format(label, name, result.describe())
            colour = "#f85149"
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};")
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def _arm(self) -> None:
        self._send(self.tr("Arm"), lambda d: self.commands.arm(d), self.tr("Arm the motors of {name}?"))

    def _disarm(self) -> None:
        self._send(self.tr("Disarm"), lambda d: self.commands.disarm(d),
                   self.tr("Disarm {name}? A flying drone will fall."))

    def _takeoff(self) -> None:
        alt = self.takeoff_alt.value()
        self._send(self.tr("Take off"), lambda d: self.commands.takeoff(d, alt),
                   self.tr("Take off {name} to {alt} m?"), alt=f"{alt:.0f}")

    def _set_mode(self) -> None:
        mode = self.mode_combo.currentText()
        self._send(self.tr("Mode {0}").format(mode), lambda d: self.commands.set_mode(d, mode),
                   self.tr("Switch {name} to {mode}?"), mode=mode)

    def _start_mission(self) -> None:
        self._send(self.tr("Start mission"), lambda d: self.commands.start_mission(d),
                   self.tr("Start the uploaded mission on {name}?"))

    # -- mission editing -----------------------------------------------------------------------------------------

    def _on_map_click(self, lat: float, lon: float) -> None:
        if not self.add_tool.isChecked():
            return
        self.plan.mission.items.append(MissionItem(CMD_WAYPOINT, lat, lon, self.alt_spin.value()))
        self._plan_changed()

    def _on_waypoint_moved(self, index: int, lat: float, lon: float, finished: bool) -> None:
        points = self.plan.mission.waypoints()
        if 0 <= index < len(points):
            item = points[index][1]
            item.lat, item.lon = lat, lon
            self.map.show_plan(self.plan)
            if finished:
                self._plan_changed()

    def _on_table_edit(self, cell: QTableWidgetItem) -> None:
        if cell.column() != 3:
            return
        points = self.plan.mission.waypoints()
        try:
            alt = float(cell.text())
        except ValueError:
            self._fill_table()
            return
        if 0 <= cell.row() < len(points):
            points[cell.row()][1].alt = alt
            self.map.show_plan(self.plan)
            self._refresh_estimate()

    def _area(self) -> list[tuple[float, float]] | None:
        """The area generators work on: the inclusion fence, else the waypoints taken as corners."""
        for poly in self.plan.fence.polygons:
            if poly.inclusion:
                return list(poly.points)
        corners = [(it.lat, it.lon) for _, it in self.plan.mission.waypoints()]
        return corners if len(corners) >= 3 else None

    def _generate_survey(self) -> None:
        area = self._area()
        if area is None:
            self.status.setText(self.tr("Draw at least 3 waypoints (or a fence) to define the area first"))
            return
        survey = lawnmower(area, self.spacing_spin.value(), self.angle_spin.value(), self.alt_spin.value(),
                           takeoff=True, rtl=True)
        self.plan.mission = survey
        self._plan_changed()

    def _generate_orbit(self) -> None:
        area = self._area()
        if area is None:
            self.status.setText(self.tr("Draw at least 3 waypoints (or a fence) to define the area first"))
            return
        orbit = perimeter_orbit(area, self.spacing_spin.value(), self.alt_spin.value())
        orbit.items.insert(0, MissionItem(CMD_TAKEOFF, 0.0, 0.0, self.alt_spin.value()))
        orbit.items.append(MissionItem(CMD_RTL))
        self.plan.mission = orbit
        self._plan_changed()

    def _waypoints_to_fence(self) -> None:
        corners = [(it.lat, it.lon) for _, it in self.plan.mission.waypoints()]
        if len(corners) < 3:
            self.status.setText(self.tr("Draw at least 3 waypoints (or a fence) to define the area first"))
            return
        self.plan.fence = Geofence([Polygon(corners, True)], self.plan.fence.circles, self.plan.fence.max_alt)
        self.plan.mission = Mission()
        self._plan_changed()

    def _clear_plan(self) -> None:
        self.plan = MissionPlan()
        self._plan_changed()

    def set_plan(self, plan: MissionPlan) -> None:
        """Show and edit ``plan`` (e.g. one imported from a .plan file)."""
        self.plan = plan
        self._plan_changed()

    def _plan_changed(self) -> None:
        self.map.show_plan(self.plan)
        self._fill_table()
        self._refresh_estimate()

    def _fill_table(self) -> None:
        self.table.blockSignals(True)
        points = self.plan.mission.waypoints()
        self.table.setRowCount(len(points))
        for row, (number, item) in enumerate(points):
            for col, text in enumerate((str(number), f"{item.lat:.6f}", f"{item.lon:.6f}", f"{item.alt:.0f}")):
                cell = QTableWidgetItem(text)
                if col != 3:
                    cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, cell)
        self.table.blockSignals(False)

    def _refresh_estimate(self) -> None:
        if not self.plan.mission.waypoints():
            self.estimate_label.setText(self.tr("No waypoints"))
            return
        state = self.fleet.state(self.selected) if self.selected else None
        home = (state.home_lat, state.home_lon) if state and state.home_lat is not None and state.home_lon is not None \
            else None
        est = estimate(self.plan.mission, home)  # type: ignore[arg-type]
        self.estimate_label.setText(self.tr("{0} waypoints · {1} km · {2} min · battery ≈ {3}%").format(
            len(self.plan.mission.waypoints()), f"{est.distance_m / 1000:.2f}", f"{est.flight_time_s / 60:.1f}",
            f"{est.battery_pct:.0f}"))

    def _upload(self) -> None:
        plan = copy.deepcopy(self.plan)  # the pilot may keep editing while the upload runs on another thread
        self._send(self.tr("Upload mission"), lambda d: self.commands.upload_plan(d, plan))

    def _download(self) -> None:
        self._send(self.tr("Download mission"), lambda d: self.commands.download_plan(d))


def _as_result(future: Future[Any], what: str) -> Future[CommandResult]:
    """A file write's Future as a command result, so the status line reports it like any command."""
    outer: Future[CommandResult] = Future()

    def done(f: Future[Any]) -> None:
        exc = f.exception()
        outer.set_result(CommandResult(False, "ERROR", str(exc)) if exc is not None
                         else CommandResult(True, "SAVED", what))

    future.add_done_callback(done)
    return outer


def _spin(low: float, high: float, value: float, suffix: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(0)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin
