"""The mission editor: the tactical map with click-to-add and drag-to-move waypoints, generators (lawn-mower,
orbit, waypoints → fence), the waypoint table with editable altitudes, the flight estimate, upload/download.

The plan being edited is separate from what each vehicle holds (drawn by
:class:`~widgets.drones.fleet_map.FleetOnMap`); uploading copies it, so editing can go on meanwhile.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.drones.missions import (
    CMD_RTL,
    CMD_TAKEOFF,
    CMD_WAYPOINT,
    MAX_ALT_M,
    Geofence,
    Mission,
    MissionItem,
    MissionPlan,
    Polygon,
    estimate,
    lawnmower,
    perimeter_orbit,
)
from widgets.drones.commands_panel import spin
from widgets.drones.map_panel import DroneMapPanel
from widgets.drones.runner import CommandRunner, may_send

Home = tuple[float, float]


class MissionEditor(QWidget):
    """``status(text)`` for what the pilot must do first; ``uploaded(drone id)`` after an accepted upload."""

    status = Signal(str)
    uploaded = Signal(str)
    goto_requested = Signal(float, float)  # lat, lon: a map click while not adding waypoints (飞往此处)

    def __init__(self, runner: CommandRunner, home: Callable[[], Home | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._home = home
        self.plan = MissionPlan()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._build_tools())
        self.map = DroneMapPanel()
        self.map.clicked.connect(self._on_map_click)
        self.map.waypoint_moved.connect(self._on_waypoint_moved)
        layout.addWidget(self.map, 5)
        self.table = QTableWidget(0, 4)
        self.table.setMaximumHeight(170)  # the map is what the pilot watches; the table scrolls
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._on_table_edit)
        layout.addWidget(self.table, 1)
        self.estimate_label = QLabel()
        layout.addWidget(self.estimate_label)
        runner.finished.connect(self._on_result)
        self.retranslate()

    def _build_tools(self) -> QVBoxLayout:
        """Two rows (drawing and generating; plan and vehicle), so the screen fits 1920 px in English too."""
        rows = QVBoxLayout()
        tools, vehicle_row = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(tools)
        rows.addLayout(vehicle_row)
        self.add_tool = QToolButton()
        self.add_tool.setCheckable(True)
        self.alt_spin = spin(5, MAX_ALT_M, 30, " m")  # higher is refused on upload anyway
        self.spacing_spin = spin(5, 500, 40, " m")
        self.angle_spin = spin(-180, 180, 0, "°")
        self.survey_button, self.orbit_button, self.fence_button = QPushButton(), QPushButton(), QPushButton()
        self.clear_button, self.upload_button, self.download_button = QPushButton(), QPushButton(), QPushButton()
        self.alt_label, self.spacing_label, self.angle_label = QLabel(), QLabel(), QLabel()
        for widget in (self.add_tool, self.alt_label, self.alt_spin, self.spacing_label, self.spacing_spin,
                       self.angle_label, self.angle_spin):
            tools.addWidget(widget)
        tools.addStretch(1)
        for button in (self.survey_button, self.orbit_button, self.fence_button, self.clear_button):
            vehicle_row.addWidget(button)
        vehicle_row.addStretch(1)
        vehicle_row.addWidget(self.upload_button)
        vehicle_row.addWidget(self.download_button)
        self.survey_button.clicked.connect(self._generate_survey)
        self.orbit_button.clicked.connect(self._generate_orbit)
        self.fence_button.clicked.connect(self._waypoints_to_fence)
        self.clear_button.clicked.connect(lambda: self.set_plan(MissionPlan()))
        self.upload_button.clicked.connect(self._upload)
        self.download_button.clicked.connect(
            lambda: self.runner.send(self.tr("Download mission"), self.runner.commands.download_plan))
        return rows

    def retranslate(self) -> None:
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
        self.refresh_estimate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_plan(self, plan: MissionPlan) -> None:
        """Show and edit ``plan`` (e.g. one imported from a .plan file or downloaded from a vehicle)."""
        self.plan = plan
        self._plan_changed()

    def set_vehicle_enabled(self, enabled: bool) -> None:
        """Upload and download need a selected drone, and a user who may send them."""
        self.upload_button.setEnabled(enabled and may_send(self.runner.commands, "upload_plan"))
        self.download_button.setEnabled(enabled and may_send(self.runner.commands, "download_plan"))

    def refresh_estimate(self) -> None:
        if not self.plan.mission.waypoints():
            self.estimate_label.setText(self.tr("No waypoints"))
            return
        est = estimate(self.plan.mission, self._home())  # type: ignore[arg-type]
        self.estimate_label.setText(self.tr("{0} waypoints · {1} km · {2} min · battery ≈ {3}%").format(
            len(self.plan.mission.waypoints()), f"{est.distance_m / 1000:.2f}", f"{est.flight_time_s / 60:.1f}",
            f"{est.battery_pct:.0f}"))

    # -- editing ---------------------------------------------------------------------------------------------------
    def _on_map_click(self, lat: float, lon: float) -> None:
        if not self.add_tool.isChecked():
            self.goto_requested.emit(lat, lon)
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
            self.refresh_estimate()

    def _area(self) -> list[tuple[float, float]] | None:
        """The area generators work on: the inclusion fence, else the waypoints taken as corners."""
        for poly in self.plan.fence.polygons:
            if poly.inclusion:
                return list(poly.points)
        corners = [(it.lat, it.lon) for _, it in self.plan.mission.waypoints()]
        return corners if len(corners) >= 3 else None

    def _no_area(self) -> None:
        self.status.emit(self.tr("Draw at least 3 waypoints (or a fence) to define the area first"))

    def _generate_survey(self) -> None:
        area = self._area()
        if area is None:
            self._no_area()
            return
        self.plan.mission = lawnmower(area, self.spacing_spin.value(), self.angle_spin.value(),
                                      self.alt_spin.value(), takeoff=True, rtl=True)
        self._plan_changed()

    def _generate_orbit(self) -> None:
        area = self._area()
        if area is None:
            self._no_area()
            return
        orbit = perimeter_orbit(area, self.spacing_spin.value(), self.alt_spin.value())
        orbit.items.insert(0, MissionItem(CMD_TAKEOFF, 0.0, 0.0, self.alt_spin.value()))
        orbit.items.append(MissionItem(CMD_RTL))
        self.plan.mission = orbit
        self._plan_changed()

    def _waypoints_to_fence(self) -> None:
        corners = [(it.lat, it.lon) for _, it in self.plan.mission.waypoints()]
        if len(corners) < 3:
            self._no_area()
            return
        self.plan.fence = Geofence([Polygon(corners, True)], self.plan.fence.circles, self.plan.fence.max_alt)
        self.plan.mission = Mission()
        self._plan_changed()

    def _plan_changed(self) -> None:
        self.map.show_plan(self.plan)
        self._fill_table()
        self.refresh_estimate()

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

    # -- vehicle ---------------------------------------------------------------------------------------------------
    def _upload(self) -> None:
        plan = copy.deepcopy(self.plan)  # the pilot may keep editing while the upload runs on another thread
        state = self.runner.fleet.state(self.runner.selected) if self.runner.selected else None
        confirm = ""
        if state is not None and state.armed and state.mode == "AUTO":
            # Flying a mission: the new one replaces it in flight. Ask; the upload itself never changes the mode.
            confirm = self.tr("{name} is flying its mission (AUTO). The uploaded mission replaces it at once and "
                              "the drone flies on with it from its first waypoint. Upload?")
        self.runner.send(self.tr("Upload mission"), lambda d: self.runner.commands.upload_plan(d, plan), confirm)

    def _on_result(self, label: str, drone_id: str, payload: Any) -> None:
        result, plan = (payload if isinstance(payload, tuple) else (payload, None))
        if not result.ok:
            return
        if plan is not None:
            self.set_plan(plan)
        if label == self.tr("Upload mission"):
            self.uploaded.emit(drone_id)
