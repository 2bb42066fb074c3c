"""The command center's live map: basemap, zones, units, cameras, cases, heatmap, trails and history replay.

The screen is a layout of panels — the canvas (:mod:`widgets.map.canvas`), the details, layers and heatmap
panels on the side and the replay bar below — and the wiring between them: what a click hits (told apart by
:class:`~widgets.map.pointer.MapPointer`), which unit layer (live or replayed) is on the map, and following the
selected unit (:class:`~widgets.map.follow.UnitFollower`).

Threading: nothing here does I/O. Tiles come from worker pools (``commandcenter.mapdata.tiles``), history and
heatmap data from the :class:`~commandcenter.mapdata.replay.HistoryService` and
:class:`~commandcenter.mapdata.heatmap.HeatmapService` it is given; unit updates arrive coalesced from the
tracker and are drawn at ≤ 5 Hz by :class:`~widgets.map.units.UnitLayer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from commandcenter.config import CameraConfig, MapConfig
from commandcenter.domain import UnitPosition
from commandcenter.geo.basemap import Basemap
from commandcenter.geo.extent import street_extent
from commandcenter.mapdata.heatmap import HeatmapService
from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.replay import HistoryService
from commandcenter.mapdata.zoneshapes import map_zones
from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer
from commandcenter.runtime.tasks import TaskManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.sensors.service import SensorService
from widgets.map import labels, style
from widgets.map.canvas import CAMERA_MIME, HIT_PX, STATIC_PARTS, MapCanvas
from widgets.map.details_panel import DetailsPanel
from widgets.map.follow import UnitFollower
from widgets.map.heatmap_panel import HeatmapPanel
from widgets.map.layers_panel import LayersPanel
from widgets.map.picking import MapPicker
from widgets.map.pointer import MapPointer
from widgets.map.points import CaseLayer
from widgets.map.replay_layers import ReplayLayers
from widgets.map.replay_mode import ReplayMode
from widgets.map.replay_panel import ReplayPanel
from widgets.map.search import find_units
from widgets.map.sensors import SensorDetails, SensorLayer
from widgets.map.toolbar import MapToolbar
from widgets.map.units import UnitLayer

__all__ = ["CAMERA_MIME", "MapScreen"]
UNIT_LAYERS = ("officers", "vehicles", "drones", "trails")


class MapScreen(QWidget):
    """Live map screen. See the module docstring; the signals are the screen's whole outward contract."""

    unit_selected = Signal(str)  # unit id ("" when the selection is cleared)
    location_clicked = Signal(float, float)  # WGS-84 lat, lon of a click on empty map (new case there)
    camera_activated = Signal(str)  # camera id clicked on the map (show it on the wall)

    def __init__(self, tracker: UnitTracker, basemap: Basemap, map_config: MapConfig,
                 cameras: Sequence[CameraConfig], *, heatmap: HeatmapService, history: HistoryService | None = None,
                 tasks: TaskManager, sensors: SensorService | None = None, zones: Sequence[Any] | None = None,
                 parent: QWidget | None = None) -> None:
        """``zones``: what :meth:`set_zones` takes (None: the basemap's own zones); drawn once, with the basemap."""
        super().__init__(parent)
        self.setObjectName("MapScreen")
        self.tasks = tasks  # tiles, history and heat are read and decoded on the application's task manager
        self.tracker = tracker
        self.basemap = basemap
        self.config = map_config
        self.history = history
        self.centre = _centre(basemap, map_config)

        self.toolbar = MapToolbar(tracker, map_config)
        self.search_edit, self.follow_button = self.toolbar.search_edit, self.toolbar.follow_button
        self.layers = LayersPanel(map_config.trail_minutes)
        self.canvas = MapCanvas(basemap, map_config, cameras, self.centre, self.layers.is_checked, tasks=tasks)
        self.view = self.canvas  # the widget the map is drawn in (clicks and grabs go here)
        self.plot = self.canvas.plot
        self.heatmap = HeatmapPanel(heatmap, self.plot, self._heat_bbox(), lambda: self.cases.cases)
        self.details = DetailsPanel()
        # 环卫设施: bins and toilets with their live level; a clicked one's details and history chart
        self.sensor_details = SensorDetails(sensors, tasks) if sensors is not None else None
        self.replay = ReplayPanel(history)
        self.status_label = QLabel("")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._build_layout()

        stale_s, trail_s = map_config.stale_minutes * 60.0, map_config.trail_minutes * 60.0
        self.units = UnitLayer(self.plot, self.proj, stale_s=stale_s, trail_window_s=trail_s, parent=self)
        self.replay_layers = ReplayLayers(self.plot, self.proj, stale_s=stale_s, trail_s=trail_s, parent=self)
        self.replay_units = self.replay_layers.units
        for layer in (self.units, self.replay_units):
            layer.age_format = labels.format_age
        self.cases = CaseLayer(self.plot, z=65, outline=style.BACKGROUND)
        self.sensor_layer = SensorLayer(self.plot, sensors, self.proj) if sensors is not None else None
        self.pointer = MapPointer(self.canvas, MapPicker(self.canvas, self._layers_now, self._unit_info), self)
        self.follower = UnitFollower(self.follow_button, lambda: self.units.selected, self.centre_on_unit, self)
        self.canvas.set_zones(map_zones(basemap.zones if zones is None else zones))
        self.heatmap.set_projection(self.proj)
        for key in ("cameras", "cases", "heatmap"):
            self._item_of(key).setVisible(self.layers.is_checked(key))

        self.toolbar.basemap_chosen.connect(self.set_basemap)
        self.toolbar.fit_requested.connect(self.fit_district)
        self.search_edit.submitted.connect(self.search)
        self.pointer.unit_clicked.connect(self._on_unit_clicked)
        self.pointer.camera_clicked.connect(self.camera_activated)
        self.pointer.case_clicked.connect(self.details.show_case)
        self.pointer.empty_clicked.connect(self._on_empty_click)
        self.layers.toggled.connect(self._on_layer_toggled)
        self.canvas.camera_activated.connect(self.camera_activated)
        self.canvas.projection_changed.connect(self._on_projection_changed)
        self.heatmap.failed.connect(self.status_label.setText)
        self.replay.status.connect(self.status_label.setText)
        self.replay.live_requested.connect(self.stop_replay)
        self.replay_mode = ReplayMode(self)
        tracker.changed.connect(self._on_units_changed)
        self.units.update_positions(tracker.snapshot().values())

        self._details_timer = PhasedTimer(1000, PHASES_MS["map.details"], self.refresh_details, self)
        self._details_timer.start()
        self.fit_district()
        self.canvas.update_attribution()

    # =========================================================================================== layout
    def _build_layout(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        root.setSpacing(4)
        root.addWidget(self.toolbar)
        middle = QHBoxLayout()
        middle.addWidget(self.canvas, 1)
        side = QVBoxLayout()
        side.addWidget(self.details)
        if self.sensor_details is not None:
            side.addWidget(self.sensor_details)
        self.layers.add_extra(self.heatmap)  # the heat controls under the layer switches
        scroll = QScrollArea()
        scroll.setWidget(self.layers)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        side.addWidget(scroll, 1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(270)
        middle.addWidget(side_widget)
        root.addLayout(middle, 1)
        root.addWidget(self.replay)
        root.addWidget(self.status_label)

    # =========================================================================================== public API
    @property
    def proj(self) -> DisplayProjection:
        return self.canvas.proj

    @property
    def selected_unit(self) -> str | None:
        return self.units.selected

    def set_layer_visible(self, key: str, visible: bool) -> None:
        """Show/hide a layer: officers, vehicles, drones, trails, cameras, cases, heatmap, zones, areas,
        grid, labels."""
        check = self.layers.checks.get(key)
        if check is not None and check.isChecked() != visible:
            check.setChecked(visible)  # re-enters through the toggled signal
            return
        self._on_layer_toggled(key, visible)

    def layer_visible(self, key: str) -> bool:
        return self.canvas.layer_visible(key)

    def set_basemap(self, kind: str) -> None:
        """``"vector"`` (bundled, always available), ``"tiles"`` (XYZ) or ``"mbtiles"``."""
        self.canvas.set_basemap(kind)
        self.toolbar.show_basemap(kind)

    def set_zones(self, zones: Sequence[Any]) -> None:
        """Zones to draw: geo ``Zone``s, ``UnitCell``s, ``ResponsibilityArea``s, store rows or MapZones."""
        self.canvas.set_zones(map_zones(zones))

    def set_cases(self, cases: Sequence[dict[str, Any]]) -> None:
        """Case pins: dicts with code, lat, lon, status, urgency, category_name (others kept for details)."""
        if not self.cases.set_cases(cases, self.proj):
            return
        self.heatmap.add_categories(sorted({str(c.get("category_name") or "") for c in self.cases.cases} - {""}))
        if not self.heatmap.uses_store:
            self.heatmap.refresh()  # the heat of the pins themselves follows them

    def select_unit(self, unit_id: str | None, *, centre: bool = False) -> None:
        """Select (and optionally centre on) a unit; emits ``unit_selected``."""
        self.units.select(unit_id)
        self.replay_units.select(unit_id)
        self.replay_mode.show_trip()
        if centre and unit_id:
            self.centre_on_unit(unit_id)
        self.refresh_details()
        self.unit_selected.emit(unit_id or "")

    def centre_on_unit(self, unit_id: str) -> bool:
        xy = self._unit_layer().display_xy(unit_id)
        if xy is None:
            return False
        self.canvas.centre_on(*xy)
        return True

    def search(self, text: str) -> list[str]:
        """Units whose id, name, device key (badge/plate/terminal) or team contain ``text``; selects the first."""
        if not text.strip():
            return []
        hits = find_units(self.tracker, text)
        if hits:
            self.select_unit(hits[0], centre=True)
        else:
            self.status_label.setText(self.tr("No unit matches \"{0}\"").format(text))
        return hits

    def fit_district(self) -> None:
        self.canvas.show_bbox(*self._heat_bbox(0.01))

    def display_xy(self, unit_id: str) -> tuple[float, float] | None:
        """Where a unit is drawn (display metres), for tests and overlays."""
        return self._unit_layer().display_xy(unit_id)

    def click_at(self, x: float, y: float) -> None:
        """A left click at display point (x, y): a unit selects it, a camera is shown, a case shows it, else a
        location (see :meth:`_on_empty_click`)."""
        self.pointer.click(x, y)

    def _on_unit_clicked(self, unit_id: str) -> None:
        """Clicking a unit selects it, and acknowledges its SOS: the dispatcher has seen it, the ring stops."""
        self.units.sos.acknowledge(unit_id)
        self.select_unit(unit_id)

    def _on_empty_click(self, x: float, y: float) -> None:
        if self.sensor_layer is not None and self.sensor_details is not None:
            sensor = self.sensor_layer.nearest(x, y, HIT_PX * self.canvas.pixel_m())
            if sensor is not None:
                self.sensor_details.show_sensor(sensor)
                return
        if self.units.selected:
            self.select_unit(None)
        lat, lon = self.proj.to_latlon([x], [y])
        self.location_clicked.emit(float(lat[0]), float(lon[0]))

    def show_history(self, start: datetime, end: datetime) -> None:
        """Load a period for replay (worker thread); the map switches to replay mode when it is loaded."""
        self.replay.load(start, end)

    def stop_replay(self) -> None:
        """Back to live positions."""
        self.replay_mode.stop()

    @property
    def replaying(self) -> bool:
        """Is a replayed period on the map (instead of the live units)?"""
        return self.replay_mode.active

    def shutdown(self) -> None:
        """Stop the map's timers and tile workers and the replay clock; call once when the application quits."""
        self.follower.stop()
        self._details_timer.stop()
        if self.sensor_layer is not None:
            self.sensor_layer.stop()
        self.canvas.close_sources()
        if self.history is not None:
            self.history.clock.pause()

    # =========================================================================================== internals
    def _unit_layer(self) -> UnitLayer:
        return self.replay_units if self.replaying else self.units

    def _layers_now(self) -> tuple[UnitLayer, CaseLayer]:
        return (self.replay_units, self.replay_layers.cases) if self.replaying else (self.units, self.cases)

    def _item_of(self, key: str) -> Any:
        return {"cameras": self.canvas.cameras.item, "cases": self.cases.item, "heatmap": self.heatmap.item}[key]

    def _on_layer_toggled(self, key: str, visible: bool) -> None:
        if key == "sanitation" and self.sensor_layer is not None:
            self.sensor_layer.set_visible(visible)
            return
        if key in UNIT_LAYERS:
            self.units.set_layer_visible(key, visible)
            self.replay_units.set_layer_visible(key, visible)
            self._unit_layer().set_visible(True)
            return
        if key in STATIC_PARTS:
            self.canvas.static.set_part_visible(key, self.layer_visible(key))
        if key == "heatmap":
            self.heatmap.set_visible(visible)
        elif key in ("cameras", "cases"):
            self._item_of(key).setVisible(visible)
        if key == "cases":
            self.replay_layers.cases.item.setVisible(visible and self.replaying)
        self.canvas.update_attribution()

    def _on_projection_changed(self, proj: DisplayProjection) -> None:
        self.units.set_projection(proj)
        self.cases.place(proj)
        self.replay_layers.set_projection(proj)
        self.heatmap.set_projection(proj)
        if self.sensor_layer is not None:
            self.sensor_layer.place(proj)

    def _heat_bbox(self, margin: float = 0.02) -> tuple[float, float, float, float]:
        try:
            return city_bbox(self.basemap)
        except ValueError:
            c = self.centre
            return c[0] - margin, c[1] - margin, c[0] + margin, c[1] + margin

    def _on_units_changed(self, positions: list[UnitPosition]) -> None:
        self.units.update_positions(positions)
        self.search_edit.refresh(len(self.units.ids))

    def _unit_info(self, unit_id: str) -> UnitInfo | None:
        return next((u for u in self.tracker.units() if u.id == unit_id), None)

    def refresh_details(self) -> None:
        """The details panel of the selected unit, live or at the replay clock's time."""
        unit = self.units.selected
        if not unit:
            return
        replay = live = None
        if self.replaying and self.history is not None:
            ts = self.history.clock.time
            replay = (ts, self.history.position_of(unit, datetime.fromtimestamp(ts, UTC)))
        elif (pos := self.units.positions.get(unit)) is not None:
            live = (pos, self.units.age_s(unit) or 0.0, self.units.is_stale(unit))
        self.details.show_unit(unit, self._unit_info(unit), live=live, replay=replay,
                               case=self.cases.current_case_of(unit))


def _centre(basemap: Basemap, config: MapConfig) -> tuple[float, float]:
    """The configured centre, else the middle of the basemap, else central Nanjing."""
    if config.center_lat or config.center_lon:
        return config.center_lat, config.center_lon
    try:
        south, west, north, east = city_bbox(basemap)
    except ValueError:
        return 32.0, 118.78
    return (south + north) / 2.0, (west + east) / 2.0


def city_bbox(basemap: Basemap) -> tuple[float, float, float, float]:
    """What 全辖区 shows: the district inside its boundary, or on an OSM city the extent of its streets (the
    extract's border relations reach kilometres beyond them and would squeeze the city into a corner)."""
    if any(f.geometry == "polygon" for f in basemap.boundaries):
        return basemap.bbox
    return street_extent(basemap)
