"""The command center's live map: basemap, zones, units, cameras, cases, heatmap, trails and history replay.

Coordinates: the view is a pyqtgraph plot in Web Mercator metres (aspect locked, no axes) around the map's
centre, in the datum of the basemap on screen (see :class:`~commandcenter.mapdata.projection.DisplayProjection`).
Everything the core hands over is WGS-84 and is projected here; clicks are converted back to WGS-84.

Threading: nothing here does I/O. Tiles come from worker pools (``commandcenter.mapdata.tiles``), history and
heatmap data from :class:`~commandcenter.mapdata.replay.HistoryService` and
:class:`~commandcenter.mapdata.heatmap.HeatmapService` workers; unit updates arrive coalesced from the
tracker and are drawn at ≤ 20 Hz by :class:`~widgets.map.units.UnitLayer`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QDateTime,
    QEvent,
    QMimeData,
    QObject,
    QPoint,
    QPointF,
    QRectF,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QCursor, QDrag, QIcon, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from commandcenter.config import CameraConfig, MapConfig
from commandcenter.domain import UnitPosition
from commandcenter.geo.basemap import Basemap
from commandcenter.labels import UNIT_STATUS_LABELS, unit_status_label, zone_kind_label
from commandcenter.mapdata.heatmap import HeatGrid, HeatmapService
from commandcenter.mapdata.mbtiles import MBTilesSource
from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.replay import HistoryService, ReplayFrame
from commandcenter.mapdata.tiles import AsyncTileSource, XyzTileSource, default_cache_dir
from commandcenter.mapdata.zoneshapes import GRID_CELL, RESPONSIBILITY, MapZone, map_zones
from commandcenter.runtime.tasks import TaskManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from widgets.map import style
from widgets.map.tilelayer import TileLayer, decode_image
from widgets.map.units import DRONE, OFFICER, VEHICLE, UnitLayer, group_of
from widgets.map.vector import Label, Shape, StaticLayersItem, basemap_shapes, zone_shapes

CAMERA_MIME = "application/x-cc-camera-id"
HIT_PX = 10.0
MANAGEMENT_KINDS = ("疏导点", "管控点", "特色点", "禁止设摊区")
REPLAY_SPEEDS = (1, 2, 5, 10, 30, 60)
SLIDER_STEPS = 1000


def _swatch(colour: str, shape: str = "o", size: int = 14) -> QIcon:
    """A legend icon: the layer's symbol in its colour."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(QColor("#0b1220"))
    r = QRectF(2, 2, size - 4, size - 4)
    if shape == "s":
        painter.drawRect(r)
    elif shape == "line":
        painter.setPen(QColor(colour))
        painter.drawLine(QPointF(1, size / 2), QPointF(size - 1, size / 2))
    elif shape == "area":
        fill = QColor(colour)
        fill.setAlpha(90)
        painter.setBrush(fill)
        painter.setPen(QColor(colour))
        painter.drawRect(r)
    else:
        painter.drawEllipse(r)
    painter.end()
    return QIcon(pix)


class _MapView(pg.PlotWidget):
    """The plot widget, plus pressing on a camera: a click activates it, a drag carries its id out."""

    def __init__(self, screen: MapScreen) -> None:
        super().__init__(background=style.BACKGROUND)
        self._screen = screen
        self._camera_press: tuple[str, QPoint] | None = None

    def mousePressEvent(self, ev: QMouseEvent) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            camera = self._screen.camera_at_widget_pos(ev.position())
            if camera is not None:
                self._camera_press = (camera, ev.position().toPoint())
                ev.accept()
                return
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        if self._camera_press is not None:
            camera, start = self._camera_press
            if (ev.position().toPoint() - start).manhattanLength() >= QApplication.startDragDistance():
                self._camera_press = None
                drag = QDrag(self)
                drag.setMimeData(self._screen.camera_mime(camera))
                drag.exec(Qt.DropAction.CopyAction)
            ev.accept()
            return
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        if self._camera_press is not None:
            camera, _start = self._camera_press
            self._camera_press = None
            self._screen.camera_activated.emit(camera)
            ev.accept()
            return
        super().mouseReleaseEvent(ev)


class MapScreen(QWidget):
    """Live map screen. See the module docstring; the signals are the screen's whole outward contract."""

    unit_selected = Signal(str)  # unit id ("" when the selection is cleared)
    location_clicked = Signal(float, float)  # WGS-84 lat, lon of a click on empty map (new case there)
    camera_activated = Signal(str)  # camera id clicked on the map (show it on the wall)

    def __init__(self, tracker: UnitTracker, basemap: Basemap, map_config: MapConfig,
                 cameras: Sequence[CameraConfig], *, heatmap: HeatmapService, history: HistoryService | None = None,
                 tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks  # tiles, history and heat are read and decoded on the application's task manager
        self.setObjectName("MapScreen")
        self.tracker = tracker
        self.basemap = basemap
        self.config = map_config
        self.cameras = [c for c in cameras if c.lat is not None and c.lon is not None]
        self.store = heatmap.store
        self.zones: list[MapZone] = map_zones(basemap.zones)
        self.cases: list[dict[str, Any]] = []
        self.following = False
        self.basemap_kind = "vector"
        self.replaying = False
        try:
            south, west, north, east = basemap.bbox
            centre = ((south + north) / 2.0, (west + east) / 2.0)
        except ValueError:
            centre = (32.0, 118.78)
        if map_config.center_lat or map_config.center_lon:
            centre = (map_config.center_lat, map_config.center_lon)
        self.centre = centre
        self.proj = DisplayProjection.centred(*centre)

        self._build_ui()
        self.plot = self.view.getPlotItem()
        self._layer_items: dict[str, list[Any]] = {}
        self._build_static_layers()
        self.units = UnitLayer(self.plot, self.proj, stale_s=map_config.stale_minutes * 60.0,
                               trail_window_s=map_config.trail_minutes * 60.0, parent=self)
        self.units.age_format = self._format_age
        self.replay_units = UnitLayer(self.plot, self.proj, stale_s=map_config.stale_minutes * 60.0,
                                      trail_window_s=map_config.trail_minutes * 60.0, z=55.0, parent=self)
        self.replay_units.age_format = self._format_age
        self.replay_units.set_visible(False)
        self._build_point_layers()
        self.tile_layers: dict[str, TileLayer] = {}
        self._build_tile_layers()

        tracker.changed.connect(self._on_units_changed)
        self.units.update_positions(tracker.snapshot().values())
        self._refresh_search_model()

        self.history = history
        self.heatmap_service = heatmap
        self.heatmap_service.ready.connect(self._on_heatmap)
        self.heatmap_service.failed.connect(self.status_label.setText)  # bound slot: queued to the GUI thread
        if self.history is not None:
            self.history.loaded.connect(self._on_history_loaded)
            self.history.failed.connect(self.status_label.setText)
            self.history.clock.time_changed.connect(self._on_replay_time)
            self.history.clock.state_changed.connect(self._on_replay_state)
        self.replay_box.setEnabled(self.history is not None)

        self._follow_timer = QTimer(self)
        self._follow_timer.setInterval(200)
        self._follow_timer.timeout.connect(self._follow_step)
        self._follow_timer.start()
        self._details_timer = QTimer(self)
        self._details_timer.setInterval(1000)
        self._details_timer.timeout.connect(self._refresh_details)
        self._details_timer.start()
        self._hover_last = 0.0
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.plot.scene().sigMouseMoved.connect(self._on_scene_moved)
        self.fit_district()
        self._update_attribution()

    # =========================================================================================== building
    def _build_ui(self) -> None:
        self.setStyleSheet(
            "#MapScreen, #MapScreen QWidget { background: #0f172a; color: #d6deeb; }"
            "#MapScreen QGroupBox { border: 1px solid #24324a; border-radius: 4px; margin-top: 14px; }"
            "#MapScreen QGroupBox::title { subcontrol-origin: margin; left: 8px; color: #8fb3ff; }"
            "#MapScreen QLineEdit, #MapScreen QComboBox, #MapScreen QDateTimeEdit "
            "{ background: #16213a; border: 1px solid #2a3a5c; padding: 2px 4px; }"
            "#MapScreen QPushButton, #MapScreen QToolButton { background: #1c2a48; border: 1px solid #2f4470;"
            " padding: 3px 8px; border-radius: 3px; }"
            "#MapScreen QToolButton:checked, #MapScreen QPushButton:checked { background: #2f5fb3; }"
        )
        root = QVBoxLayout(self)
        root.setContentsMargins(4, 4, 4, 4)
        root.setSpacing(4)

        bar = QHBoxLayout()
        self.basemap_combo = QComboBox()
        self.basemap_combo.addItem(self.tr("Vector map"), "vector")
        if self.config.tile_url:
            self.basemap_combo.addItem(self.tr("Online tiles"), "tiles")
        if self.config.mbtiles:
            self.basemap_combo.addItem(self.tr("Offline tiles (MBTiles)"), "mbtiles")
        self.basemap_combo.currentIndexChanged.connect(
            lambda _i: self.set_basemap(str(self.basemap_combo.currentData())))
        bar.addWidget(QLabel(self.tr("Basemap")))
        bar.addWidget(self.basemap_combo)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search name, badge or plate"))
        self.search_edit.setClearButtonEnabled(True)
        self._search_model = QStringListModel(self)
        completer = QCompleter(self._search_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._on_search_activated)
        self.search_edit.setCompleter(completer)
        self.search_edit.returnPressed.connect(lambda: self.search(self.search_edit.text()))
        bar.addWidget(self.search_edit, 1)
        self.follow_button = QToolButton()
        self.follow_button.setText(self.tr("Follow"))
        self.follow_button.setCheckable(True)
        self.follow_button.toggled.connect(self.set_following)
        bar.addWidget(self.follow_button)
        fit = QToolButton()
        fit.setText(self.tr("Whole district"))
        fit.clicked.connect(self.fit_district)
        bar.addWidget(fit)
        root.addLayout(bar)

        middle = QHBoxLayout()
        self.view = _MapView(self)
        self.view.setMinimumSize(400, 300)
        plot = self.view.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setAspectLocked(True)
        plot.disableAutoRange()  # the map sets its range; auto-range would re-measure items on every update
        plot.getViewBox().setBackgroundColor(style.LAND)
        plot.layout.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.view, 1)
        self.attribution_label = QLabel(self.view)
        self.attribution_label.setStyleSheet(
            "background: rgba(11,18,32,180); color: #aab6c8; padding: 1px 6px; font-size: 11px;")
        self.attribution_label.hide()
        self.view.installEventFilter(self)

        side = QVBoxLayout()
        details_box = QGroupBox(self.tr("Details"))
        dl = QVBoxLayout(details_box)
        self.details_label = QLabel(self.tr("Click a unit on the map"))
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.TextFormat.RichText)
        self.details_label.setMinimumHeight(120)
        self.details_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        dl.addWidget(self.details_label)
        side.addWidget(details_box)

        layers_box = QGroupBox(self.tr("Layers and legend"))
        self.layer_checks: dict[str, QCheckBox] = {}
        grid = QGridLayout(layers_box)
        grid.setVerticalSpacing(2)
        row = 0
        for key, text, legend in self._legend_spec():
            check = QCheckBox(text)
            check.setChecked(key not in ("heatmap", "grid"))
            check.toggled.connect(lambda on, k=key: self.set_layer_visible(k, on))
            self.layer_checks[key] = check
            grid.addWidget(check, row, 0, 1, 2)
            row += 1
            for colour, shape, label in legend:
                icon = QLabel()
                icon.setPixmap(_swatch(colour, shape).pixmap(14, 14))
                grid.addWidget(icon, row, 0, Qt.AlignmentFlag.AlignRight)
                grid.addWidget(QLabel(label), row, 1)
                row += 1
        heat = QHBoxLayout()
        self.heat_period = QComboBox()
        for days, text in ((1, self.tr("Last 24 hours")), (7, self.tr("Last 7 days")),
                           (30, self.tr("Last 30 days"))):
            self.heat_period.addItem(text, days)
        self.heat_category = QComboBox()
        self.heat_category.addItem(self.tr("All categories"), "")
        self.heat_period.currentIndexChanged.connect(lambda _i: self.refresh_heatmap())
        self.heat_category.currentIndexChanged.connect(lambda _i: self.refresh_heatmap())
        heat.addWidget(self.heat_period)
        heat.addWidget(self.heat_category)
        grid.addLayout(heat, row, 0, 1, 2)
        scroll = QScrollArea()
        scroll.setWidget(layers_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        side.addWidget(scroll, 1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(270)
        middle.addWidget(side_widget)
        root.addLayout(middle, 1)

        self.replay_box = QGroupBox(self.tr("Replay"))
        rb = QHBoxLayout(self.replay_box)
        now = QDateTime.currentDateTime()
        self.replay_from = QDateTimeEdit(now.addSecs(-3600))
        self.replay_to = QDateTimeEdit(now)
        for edit in (self.replay_from, self.replay_to):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        self.replay_load = QPushButton(self.tr("Load"))
        self.replay_load.clicked.connect(self._load_history_clicked)
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(self._toggle_play)
        self.speed_combo = QComboBox()
        for speed in REPLAY_SPEEDS:
            self.speed_combo.addItem(f"{speed}×", speed)
        self.speed_combo.currentIndexChanged.connect(self._speed_changed)
        self.replay_slider = QSlider(Qt.Orientation.Horizontal)
        self.replay_slider.setRange(0, SLIDER_STEPS)
        self.replay_slider.setEnabled(False)
        self.replay_slider.sliderMoved.connect(self._slider_moved)
        self.replay_time_label = QLabel("--:--:--")
        self.goto_time = QDateTimeEdit(now)
        self.goto_time.setDisplayFormat("HH:mm")
        self.goto_time.setToolTip(self.tr("Where was the selected unit at this time"))
        self.goto_time.dateTimeChanged.connect(self._goto_time_changed)
        self.live_button = QPushButton(self.tr("Live"))
        self.live_button.clicked.connect(self.stop_replay)
        for w in (QLabel(self.tr("From")), self.replay_from, QLabel(self.tr("To")), self.replay_to,
                  self.replay_load, self.play_button, self.speed_combo):
            rb.addWidget(w)
        rb.addWidget(self.replay_slider, 1)
        rb.addWidget(self.replay_time_label)
        rb.addWidget(QLabel(self.tr("Go to")))
        rb.addWidget(self.goto_time)
        rb.addWidget(self.live_button)
        root.addWidget(self.replay_box)
        self.status_label = QLabel("")
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        root.addWidget(self.status_label)

    def _legend_spec(self) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
        """(layer key, check text, legend rows (colour, shape, text)) in panel order."""
        status = self._status_labels()
        return [
            ("officers", self.tr("Officers"),
             [(c, "o", status[s]) for s, c in style.OFFICER_STATUS_COLOURS.items()]
             + [(style.STALE_COLOUR, "o", self.tr("No recent fix"))]),
            ("vehicles", self.tr("Vehicles"),
             [(c, "s", self._vehicle_label(k)) for k, c in style.VEHICLE_COLOURS.items()]),
            ("drones", self.tr("Drones"), [(style.DRONE_COLOUR, "o", self.tr("Drone (arrow = heading)"))]),
            ("cameras", self.tr("Cameras"), [(style.CAMERA_COLOUR, "s", self.tr("Camera (click or drag)"))]),
            ("zones", self.tr("Management zones"),
             [(style.ZONE_COLOURS[k][0], "area", self._zone_label(k)) for k in MANAGEMENT_KINDS]),
            ("areas", self.tr("Responsibility areas"), [(style.ZONE_COLOURS[RESPONSIBILITY][0], "line",
                                                          self._zone_label(RESPONSIBILITY))]),
            ("grid", self.tr("Unit grid"), [(style.ZONE_COLOURS[GRID_CELL][0], "line",
                                             self._zone_label(GRID_CELL))]),
            ("cases", self.tr("Cases"), [("#ef4444", "o", self.tr("New / registered")),
                                         ("#f59e0b", "o", self.tr("Dispatched / on scene")),
                                         ("#22c55e", "o", self.tr("Handled")),
                                         ("#6b7280", "o", self.tr("Closed"))]),
            ("heatmap", self.tr("Case heatmap"), []),
            ("trails", self.tr("Trails"), [(style.qcolor(style.TRAIL_COLOUR).name(), "line",
                                            self.tr("Last {0} min").format(int(self.config.trail_minutes)))]),
            ("labels", self.tr("Street names"), []),
        ]

    def _status_labels(self) -> dict[str, str]:
        return {status: unit_status_label(status) for status in UNIT_STATUS_LABELS}

    def _vehicle_label(self, kind: str) -> str:
        labels = {"环卫车": self.tr("Sanitation truck"), "执法车": self.tr("Enforcement car"),
                  "洒水车": self.tr("Sprinkler truck"), "清扫车": self.tr("Sweeper"),
                  "垃圾转运车": self.tr("Refuse transfer truck"), "巡逻电动车": self.tr("Patrol e-bike")}
        return labels.get(kind, kind or self.tr("Vehicle"))

    def _zone_label(self, kind: str) -> str:
        return zone_kind_label(kind)

    def _kind_label(self, pos: UnitPosition | UnitInfo) -> str:
        if pos.kind == "vehicle":
            return self._vehicle_label(pos.sub_kind)
        return {"officer": self.tr("Officer"), "drone": self.tr("Drone")}.get(pos.kind, pos.kind)

    def _format_age(self, seconds: float) -> str:
        s = max(0, int(seconds))
        if s < 60:
            return self.tr("{0} s").format(s)
        if s < 3600:
            return self.tr("{0} min").format(s // 60)
        if s < 86400:
            return self.tr("{0} h").format(s // 3600)
        return self.tr("{0} d").format(s // 86400)

    STATIC_PARTS = ("basemap", "grid", "areas", "zones", "labels")

    def _build_static_layers(self) -> None:
        """Vector basemap, zones and names in the current projection (re-run on a datum change)."""
        if not hasattr(self, "static"):
            self.static = StaticLayersItem()
            self.static.setZValue(-50)
            self.plot.addItem(self.static, ignoreBounds=True)
        shapes, labels = basemap_shapes(self.basemap, self.proj)
        zones = list(self.zones)
        parts: dict[str, tuple[list[Shape], list[Label]]] = {"basemap": (shapes, []), "labels": ([], labels)}
        for key, kinds in (("grid", (GRID_CELL,)), ("areas", (RESPONSIBILITY,)), ("zones", MANAGEMENT_KINDS)):
            parts[key] = zone_shapes(zones, self.proj, kinds)
        for key in self.STATIC_PARTS:
            self.static.set_part(key, *parts[key], visible=self._layer_visible(key))

    def _build_point_layers(self) -> None:
        self.camera_item = pg.ScatterPlotItem(symbol=style.camera_symbol(), size=16,
                                              pen=pg.mkPen("#0b1220"), brush=pg.mkBrush(style.CAMERA_COLOUR))
        self.camera_item.setZValue(70)
        self.case_item = pg.ScatterPlotItem(symbol=style.pin_symbol(), pen=pg.mkPen("#0b1220"))
        self.case_item.setZValue(65)
        self.heat_item = pg.ImageItem()
        self.heat_item.setZValue(5)
        self.heat_item.setOpacity(0.75)
        lut = pg.ColorMap([0.0, 0.3, 0.6, 1.0], [(0, 0, 0, 0), (0, 120, 255, 150), (255, 200, 0, 200),
                                                  (255, 40, 40, 230)]).getLookupTable(nPts=256, alpha=True)
        self.heat_item.setLookupTable(lut)
        self.heat_grid: HeatGrid | None = None
        self.replay_case_item = pg.ScatterPlotItem(symbol=style.pin_symbol(), pen=pg.mkPen("#ffffff"))
        self.replay_case_item.setZValue(66)
        self.replay_case_item.setVisible(False)
        for key, item in (("cameras", self.camera_item), ("cases", self.case_item),
                          ("heatmap", self.heat_item)):
            self._layer_items[key] = [item]
            item.setVisible(self._layer_visible(key))
            self.plot.addItem(item)
        self.plot.addItem(self.replay_case_item)
        self._place_cameras()
        self._place_cases()

    def _build_tile_layers(self) -> None:
        sources: list[tuple[str, AsyncTileSource]] = []
        if self.config.tile_url:
            sources.append(("tiles", XyzTileSource(self.config.tile_url, default_cache_dir(self.config.tile_cache),
                                                   crs=self.config.tile_crs, decoder=decode_image, tasks=self.tasks)))
        if self.config.mbtiles:
            mb = MBTilesSource(self.config.mbtiles, crs=self.config.tile_crs, decoder=decode_image, tasks=self.tasks)
            mb.metadata_ready.connect(self._on_tile_metadata)  # a bound slot, so it runs on the GUI thread
            mb.load_metadata()
            sources.append(("mbtiles", mb))
        for key, source in sources:
            source.setParent(self)
            self.tile_layers[key] = TileLayer(self.plot, source, self.proj, parent=self)

    def _on_tile_metadata(self, _metadata: dict[str, Any]) -> None:
        self._update_attribution()

    def _layer_visible(self, key: str) -> bool:
        if key == "basemap":
            return self.basemap_kind == "vector"
        if key == "labels" and self.basemap_kind != "vector":
            return False  # raster tiles carry their own names
        check = self.layer_checks.get(key)
        return check.isChecked() if check is not None else True

    # =========================================================================================== public API
    def set_layer_visible(self, key: str, visible: bool) -> None:
        """Show/hide a layer: officers, vehicles, drones, trails, cameras, cases, heatmap, zones, areas,
        grid, labels."""
        check = self.layer_checks.get(key)
        if check is not None and check.isChecked() != visible:
            check.setChecked(visible)  # re-enters through the toggled signal
            return
        if key in ("officers", "vehicles", "drones", "trails"):
            self.units.set_layer_visible(key, visible)
            self.replay_units.set_layer_visible(key, visible)
            if not self.replaying:
                self.units.set_visible(True)
            else:
                self.replay_units.set_visible(True)
                self.units.set_visible(False)
            return
        if key in self.STATIC_PARTS:
            self.static.set_part_visible(key, self._layer_visible(key))
        for item in self._layer_items.get(key, []):
            item.setVisible(visible)
        if key == "cases":
            self.replay_case_item.setVisible(visible and self.replaying)
        if key == "heatmap" and visible:
            self.refresh_heatmap()
        self._update_attribution()

    def layer_visible(self, key: str) -> bool:
        return self._layer_visible(key)

    def set_basemap(self, kind: str) -> None:
        """``"vector"`` (bundled, always available), ``"tiles"`` (XYZ) or ``"mbtiles"``."""
        if kind != "vector" and kind not in self.tile_layers:
            raise ValueError(f"basemap {kind!r} is not configured")
        self.basemap_kind = kind
        crs = "wgs84" if kind == "vector" else self.tile_layers[kind].source.crs  # type: ignore[attr-defined]
        if crs != self.proj.crs:
            self._set_projection(self.proj.with_crs(crs))
        for key, layer in self.tile_layers.items():
            layer.set_active(key == kind)
        self.static.set_background(QColor(style.LAND) if kind == "vector" else None)
        self.static.set_part_visible("basemap", kind == "vector")
        self.static.set_part_visible("labels", self._layer_visible("labels"))
        index = self.basemap_combo.findData(kind)
        if index >= 0 and index != self.basemap_combo.currentIndex():
            self.basemap_combo.setCurrentIndex(index)
        self._update_attribution()

    def set_zones(self, zones: Sequence[Any]) -> None:
        """Zones to draw: geo ``Zone``s, ``UnitCell``s, ``ResponsibilityArea``s, store rows or MapZones."""
        self.zones = map_zones(zones)
        self._build_static_layers()

    def set_cases(self, cases: Sequence[dict[str, Any]]) -> None:
        """Case pins: dicts with code, lat, lon, status, urgency, category_name (others kept for details)."""
        self.cases = [c for c in cases if c.get("lat") is not None and c.get("lon") is not None]
        self._place_cases()
        categories = sorted({str(c.get("category_name") or "") for c in self.cases} - {""})
        known = {self.heat_category.itemData(i) for i in range(self.heat_category.count())}
        for name in categories:
            if name not in known:
                self.heat_category.addItem(name, name)
        if self.layer_visible("heatmap") and self.store is None:
            self.refresh_heatmap()

    def select_unit(self, unit_id: str | None, *, centre: bool = False) -> None:
        """Select (and optionally centre on) a unit; emits ``unit_selected``."""
        self.units.select(unit_id)
        self.replay_units.select(unit_id)
        if centre and unit_id:
            self.centre_on_unit(unit_id)
        self._refresh_details()
        self.unit_selected.emit(unit_id or "")

    @property
    def selected_unit(self) -> str | None:
        return self.units.selected

    def centre_on_unit(self, unit_id: str) -> bool:
        layer = self.replay_units if self.replaying else self.units
        xy = layer.display_xy(unit_id)
        if xy is None:
            return False
        vb = self.plot.getViewBox()
        rect = vb.viewRect()
        vb.translateBy(x=xy[0] - rect.center().x(), y=xy[1] - rect.center().y())
        return True

    def set_following(self, on: bool) -> None:
        self.following = on
        if self.follow_button.isChecked() != on:
            self.follow_button.setChecked(on)

    def search(self, text: str) -> list[str]:
        """Units whose id, name, device key (badge/plate/terminal) or team contain ``text``; selects the first."""
        needle = text.strip().lower()
        if not needle:
            return []
        if "(" in needle and needle.endswith(")"):
            needle = needle[needle.rfind("(") + 1:-1]
        hits: list[str] = []
        for info in self.tracker.units():
            fields = [info.id, info.name, info.sub_kind, *info.device_keys]
            if any(needle == f.lower() for f in fields if f):
                hits.insert(0, info.id)
            elif any(needle in f.lower() for f in fields if f):
                hits.append(info.id)
        if hits:
            self.select_unit(hits[0], centre=True)
        else:
            self.status_label.setText(self.tr("No unit matches \"{0}\"").format(text))
        return hits

    def fit_district(self) -> None:
        try:
            south, west, north, east = self.basemap.bbox
        except ValueError:
            south, west, north, east = (self.centre[0] - 0.01, self.centre[1] - 0.01,
                                        self.centre[0] + 0.01, self.centre[1] + 0.01)
        x, y = self.proj.to_xy([south, north], [west, east])
        self.plot.getViewBox().setRange(xRange=(float(x[0]), float(x[1])), yRange=(float(y[0]), float(y[1])),
                                        padding=0.02)

    def display_xy(self, unit_id: str) -> tuple[float, float] | None:
        """Where a unit is drawn (display metres), for tests and overlays."""
        return (self.replay_units if self.replaying else self.units).display_xy(unit_id)

    def unit_colour(self, unit_id: str) -> str:
        """The brush colour the unit is drawn with (``style.STALE_COLOUR`` when stale)."""
        layer = self.replay_units if self.replaying else self.units
        row = layer.index.get(unit_id)
        if row is None:
            return ""
        self.units.flush()
        for item in layer.group_items():
            for spot_x, spot_y in zip(item.data["x"], item.data["y"], strict=False):
                if spot_x == layer.x[row] and spot_y == layer.y[row]:
                    return str(item.opts["brush"].color().name())
        return ""

    def camera_mime(self, camera_id: str) -> QMimeData:
        """What dragging a camera off the map carries (the video wall accepts this MIME type)."""
        mime = QMimeData()
        mime.setData(CAMERA_MIME, camera_id.encode("utf-8"))
        mime.setText(camera_id)
        return mime

    def camera_at_widget_pos(self, pos: QPointF) -> str | None:
        if not self._layer_visible("cameras") or not self.cameras:
            return None
        vb = self.plot.getViewBox()
        scene_pos = self.view.mapToScene(pos.toPoint())
        p = vb.mapSceneToView(scene_pos)
        return self._nearest_camera(p.x(), p.y())

    def show_history(self, start: datetime, end: datetime) -> None:
        """Load a period for replay (worker thread); the map switches to replay mode when it is loaded."""
        if self.history is None:
            raise RuntimeError("history replay needs a store")
        self.status_label.setText(self.tr("Loading history…"))
        self.history.load(start, end)

    def stop_replay(self) -> None:
        """Back to live positions."""
        if self.history is not None:
            self.history.clock.pause()
        self.replaying = False
        self.replay_units.set_visible(False)
        self.replay_case_item.setVisible(False)
        self.units.set_visible(True)
        self.case_item.setVisible(self._layer_visible("cases"))
        self.play_button.setEnabled(False)
        self.replay_slider.setEnabled(False)
        self.replay_time_label.setText("--:--:--")
        self._refresh_details()

    def seek(self, when: datetime) -> None:
        """Replay: jump to a moment (clamped to the loaded period)."""
        if self.history is not None and self.history.is_loaded:
            self.history.clock.seek(when.timestamp())

    def shutdown(self) -> None:
        """Stop the map's worker pools (tiles, history, heatmap); call once when the application quits."""
        self._follow_timer.stop()
        self._details_timer.stop()
        for layer in self.tile_layers.values():
            layer.set_active(False)
            layer.source.close()
        if self.history is not None:
            self.history.clock.pause()
            self.history.close()
        self.heatmap_service.close()

    def refresh_heatmap(self) -> None:
        """Recompute the case heatmap for the chosen period and category (on a worker)."""
        if not self._layer_visible("heatmap"):
            return
        days = int(self.heat_period.currentData() or 1)
        category = str(self.heat_category.currentData() or "")
        end = datetime.now(UTC)
        bbox = self._heat_bbox()
        if self.store is not None:
            self.heatmap_service.compute_from_store(end - timedelta(days=days), end, category or None, bbox)
        else:
            pts = [c for c in self.cases if not category or c.get("category_name") == category]
            self.heatmap_service.compute(np.array([float(c["lat"]) for c in pts]),
                                         np.array([float(c["lon"]) for c in pts]), bbox)

    # =========================================================================================== internals
    def _heat_bbox(self) -> tuple[float, float, float, float]:
        try:
            return self.basemap.bbox
        except ValueError:
            c = self.centre
            return c[0] - 0.02, c[1] - 0.02, c[0] + 0.02, c[1] + 0.02

    def _set_projection(self, proj: DisplayProjection) -> None:
        vb = self.plot.getViewBox()
        rect = vb.viewRect()
        lat, lon = self.proj.to_latlon([rect.left(), rect.right()], [rect.top(), rect.bottom()])
        self.proj = proj
        self._build_static_layers()
        self.units.set_projection(proj)
        self.replay_units.set_projection(proj)
        for layer in self.tile_layers.values():
            layer.set_projection(proj)
        self._place_cameras()
        self._place_cases()
        if self.heat_grid is not None:
            self._on_heatmap(self.heat_grid)
        x, y = proj.to_xy(lat, lon)
        vb.setRange(xRange=(float(x[0]), float(x[1])), yRange=(float(y[0]), float(y[1])), padding=0)

    def _place_cameras(self) -> None:
        if not self.cameras:
            self.camera_item.setData(x=[], y=[])
            self._camera_xy = np.zeros((0, 2))
            return
        x, y = self.proj.to_xy([float(c.lat or 0.0) for c in self.cameras],
                               [float(c.lon or 0.0) for c in self.cameras])
        self._camera_xy = np.column_stack([x, y])
        self.camera_item.setData(x=x, y=y, data=[c.id for c in self.cameras])

    def _case_spots(self, cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
        if not cases:
            return {"x": [], "y": []}
        x, y = self.proj.to_xy([float(c["lat"]) for c in cases], [float(c["lon"]) for c in cases])
        brushes = [pg.mkBrush(style.CASE_STATUS_COLOURS.get(str(c.get("status", "")), style.CASE_OTHER))
                   for c in cases]
        sizes = [style.CASE_SIZE_BY_URGENCY.get(int(c.get("urgency") or 2), 16) for c in cases]
        return {"x": x, "y": y, "brush": brushes, "size": sizes}

    def _place_cases(self) -> None:
        spots = self._case_spots(self.cases)
        self.case_item.setData(**spots)
        self._case_xy = np.column_stack([spots["x"], spots["y"]]) if self.cases else np.zeros((0, 2))

    def _nearest_camera(self, x: float, y: float) -> str | None:
        if len(self._camera_xy) == 0:
            return None
        tol = HIT_PX * self._pixel_m()
        d2 = ((self._camera_xy - (x, y)) ** 2).sum(axis=1)
        i = int(np.argmin(d2))
        return self.cameras[i].id if d2[i] <= tol * tol else None

    def _nearest_case(self, x: float, y: float) -> dict[str, Any] | None:
        cases = self._replay_cases if self.replaying else self.cases
        xy = self._replay_case_xy if self.replaying else self._case_xy
        if not self._layer_visible("cases") or len(xy) == 0:
            return None
        tol = HIT_PX * 1.5 * self._pixel_m()
        d2 = ((xy - (x, y)) ** 2).sum(axis=1)
        i = int(np.argmin(d2))
        return cases[i] if d2[i] <= tol * tol else None

    def _pixel_m(self) -> float:
        px = self.plot.getViewBox().viewPixelSize()
        return float(max(px[0], px[1], 1e-6))

    def _on_units_changed(self, positions: list[UnitPosition]) -> None:
        self.units.update_positions(positions)
        if len(self.units.ids) != self._search_count:
            self._refresh_search_model()

    _search_count = 0

    def _refresh_search_model(self) -> None:
        entries = []
        for info in self.tracker.units():
            keys = " ".join(k for k in info.device_keys if k)
            entries.append(f"{info.name} {keys} ({info.id})" if keys else f"{info.name} ({info.id})")
        self._search_model.setStringList(sorted(entries))
        self._search_count = len(self.units.ids)

    def _on_search_activated(self, text: str) -> None:
        self.search(text)

    def _follow_step(self) -> None:
        if self.following and self.units.selected:
            self.centre_on_unit(self.units.selected)

    def _on_scene_moved(self, scene_pos: QPointF) -> None:
        now = time.monotonic()
        if now - self._hover_last < 0.05:
            return
        self._hover_last = now
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return
        p = vb.mapSceneToView(scene_pos)
        text = self._hover_text(p.x(), p.y())
        if text:
            QToolTip.showText(QCursor.pos(), text, self.view)
        else:
            QToolTip.hideText()

    def _hover_text(self, x: float, y: float) -> str:
        tol = HIT_PX * self._pixel_m()
        layer = self.replay_units if self.replaying else self.units
        unit = layer.nearest(x, y, tol)
        if unit is not None:
            info = self._unit_info(unit)
            name = info.name if info else unit
            age = layer.age_s(unit)
            text = f"{name} · {self._kind_label(info) if info else ''}"
            if info is not None and info.kind == "officer":
                text += f" · {self._status_labels().get(info.status, info.status)}"
            if age is not None and layer.is_stale(unit):
                text += " · " + self.tr("no fix for {0}").format(self._format_age(age))
            return text
        camera = self._nearest_camera(x, y) if self._layer_visible("cameras") else None
        if camera is not None:
            cam = next(c for c in self.cameras if c.id == camera)
            return self.tr("Camera {0} — click to view, drag to the wall").format(cam.name or cam.id)
        case = self._nearest_case(x, y)
        if case is not None:
            return f"{case.get('code', '')} {case.get('category_name', '')}"
        return ""

    def _on_scene_clicked(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        vb = self.plot.getViewBox()
        p = vb.mapSceneToView(ev.scenePos())
        self.click_at(p.x(), p.y())

    def click_at(self, x: float, y: float) -> None:
        """A left click at display point (x, y): a unit selects it, a case shows it, else a location."""
        tol = HIT_PX * self._pixel_m()
        layer = self.replay_units if self.replaying else self.units
        unit = layer.nearest(x, y, tol)
        if unit is not None:
            self.select_unit(unit)
            return
        camera = self._nearest_camera(x, y) if self._layer_visible("cameras") else None
        if camera is not None:
            self.camera_activated.emit(camera)
            return
        case = self._nearest_case(x, y)
        if case is not None:
            self._show_case(case)
            return
        if self.units.selected:
            self.select_unit(None)
        lat, lon = self.proj.to_latlon([x], [y])
        self.location_clicked.emit(float(lat[0]), float(lon[0]))

    def _unit_info(self, unit_id: str) -> UnitInfo | None:
        return next((u for u in self.tracker.units() if u.id == unit_id), None)

    def _current_case_of(self, unit_id: str) -> dict[str, Any] | None:
        for case in self.cases:
            if unit_id in (case.get("assigned_officer"), case.get("assigned_unit"), case.get("officer")):
                if str(case.get("status", "")) not in ("closed", "cancelled", "handled"):
                    return case
        return None

    def _refresh_details(self) -> None:
        unit = self.units.selected
        if not unit:
            return
        tr_badge_plate_terminal = self.tr("Badge / plate / terminal")
        tr_current_case = self.tr("Current case")
        tr_last_fix_age = self.tr("Last fix age")
        tr_position = self.tr("Position")
        tr_replay_time = self.tr("Replay time")
        tr_speed = self.tr("Speed")
        tr_status = self.tr("Status")
        tr_type = self.tr("Type")
        info = self._unit_info(unit)
        layer = self.replay_units if self.replaying else self.units
        pos = self.units.positions.get(unit)
        rows = [f"<b>{html.escape(info.name if info else unit)}</b> ({html.escape(unit)})"]
        if info is not None:
            rows.append(f"{tr_type}: {html.escape(self._kind_label(info))}")
            if info.kind == "officer":
                rows.append(f"{tr_status}: {html.escape(self._status_labels().get(info.status, info.status))}")
            if info.device_keys:
                rows.append(f"{tr_badge_plate_terminal}: {html.escape(', '.join(info.device_keys))}")
        if self.replaying and self.history is not None:
            ts = self.history.clock.time
            rows.append(f"{tr_replay_time}: {datetime.fromtimestamp(ts).strftime('%Y-%m-%d %H:%M:%S')}")
            where = self.history.position_of(unit, datetime.fromtimestamp(ts, UTC))
            if where is None:
                rows.append(self.tr("No position at this time"))
            else:
                rows.append(f"{tr_position}: {where.lat:.6f}, {where.lon:.6f}")
                if where.speed is not None:
                    rows.append(f"{tr_speed}: {where.speed:.1f} km/h")
                rows.append(f"{tr_last_fix_age}: {self._format_age(where.age_s)}")
        elif pos is not None:
            if pos.speed is not None:
                rows.append(f"{tr_speed}: {pos.speed:.1f} km/h")
            age = layer.age_s(unit) or 0.0
            stale = layer.is_stale(unit)
            colour = "#f87171" if stale else "#d6deeb"
            rows.append(f"<span style='color:{colour}'>{tr_last_fix_age}: {self._format_age(age)}</span>")
            rows.append(f"{tr_position}: {pos.lat:.6f}, {pos.lon:.6f}")
        else:
            rows.append(self.tr("No position yet"))
        case = self._current_case_of(unit)
        rows.append(f"{tr_current_case}: "
                    + (html.escape(f"{case.get('code', '')} {case.get('category_name', '')}") if case
                       else self.tr("none")))
        self.details_label.setText("<br>".join(rows))

    def _show_case(self, case: dict[str, Any]) -> None:
        tr_status = self.tr("Status")
        tr_urgency = self.tr("Urgency")
        rows = [f"<b>{html.escape(str(case.get('code', '')))}</b>",
                html.escape(str(case.get("category_name", ""))),
                f"{tr_status}: {html.escape(str(case.get('status', '')))}",
                f"{tr_urgency}: {html.escape(str(case.get('urgency', '')))}"]
        if case.get("address"):
            rows.append(html.escape(str(case["address"])))
        self.details_label.setText("<br>".join(rows))

    def _update_attribution(self) -> None:
        text = ""
        if self.basemap_kind == "vector":
            text = self.basemap.attribution or ""
        else:
            layer = self.tile_layers.get(self.basemap_kind)
            source = layer.source if layer is not None else None
            if isinstance(source, MBTilesSource):
                text = _strip_tags(source.metadata.get("attribution", ""))
            elif isinstance(source, XyzTileSource) and "openstreetmap" in source.url_template.lower():
                text = "地图数据 © OpenStreetMap 贡献者 (ODbL)"
        self.attribution_label.setText(text)
        self.attribution_label.setVisible(bool(text))
        self._place_attribution()

    def _place_attribution(self) -> None:
        label = self.attribution_label
        label.adjustSize()
        label.move(self.view.width() - label.width() - 4, self.view.height() - label.height() - 4)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.view and event.type() == QEvent.Type.Resize:
            self._place_attribution()
        return super().eventFilter(obj, event)

    # ------------------------------------------------------------------------------------------- heatmap
    def _on_heatmap(self, grid: HeatGrid) -> None:
        self.heat_grid = grid
        values = grid.values
        top = float(values.max()) if values.size else 0.0
        if top <= 0:
            self.heat_item.clear()
            return
        x, y = self.proj.to_xy([grid.south, grid.north], [grid.west, grid.east])
        # ImageItem indexes [x, y]; the grid is [row = south→north, col = west→east].
        self.heat_item.setImage(values.T, levels=(0.0, top), autoLevels=False)
        self.heat_item.setRect(QRectF(float(x[0]), float(y[0]), float(x[1] - x[0]), float(y[1] - y[0])))

    # ------------------------------------------------------------------------------------------- replay
    def _load_history_clicked(self) -> None:
        start = datetime.fromtimestamp(self.replay_from.dateTime().toSecsSinceEpoch(), UTC)
        end = datetime.fromtimestamp(self.replay_to.dateTime().toSecsSinceEpoch(), UTC)
        if end <= start:
            self.status_label.setText(self.tr("The end of the period must be after its start"))
            return
        self.show_history(start, end)

    def _on_history_loaded(self, summary: object) -> None:
        assert self.history is not None
        self.replaying = True
        self.units.set_visible(False)
        self.case_item.setVisible(False)
        self.replay_units.clear()
        self.replay_units.set_visible(True)
        self.replay_case_item.setVisible(self._layer_visible("cases"))
        self.play_button.setEnabled(True)
        self.replay_slider.setEnabled(True)
        self.status_label.setText(str(summary))
        self.history.clock.set_speed(float(self.speed_combo.currentData() or 1))
        self._on_replay_time(self.history.clock.time)

    def _toggle_play(self) -> None:
        if self.history is None:
            return
        if self.history.clock.playing:
            self.history.clock.pause()
        else:
            self.history.clock.play()

    def _on_replay_state(self, playing: bool) -> None:
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))

    def _speed_changed(self, _index: int) -> None:
        if self.history is not None:
            self.history.clock.set_speed(float(self.speed_combo.currentData() or 1))

    def _slider_moved(self, value: int) -> None:
        if self.history is None or not self.history.is_loaded:
            return
        start, end = self.history.clock.start, self.history.clock.end
        self.history.clock.seek(start + (end - start) * value / SLIDER_STEPS)

    def _goto_time_changed(self, qdt: QDateTime) -> None:
        if self.history is None or not self.history.is_loaded:
            return
        start = datetime.fromtimestamp(self.history.clock.start)
        wanted = qdt.time()
        when = start.replace(hour=wanted.hour(), minute=wanted.minute(), second=0, microsecond=0)
        if when < start:
            when += timedelta(days=1)
        self.seek(when.astimezone(UTC))

    _replay_cases: list[dict[str, Any]] = []
    _replay_case_xy = np.zeros((0, 2))

    def _on_replay_time(self, t: float) -> None:
        if self.history is None or not self.replaying:
            return
        frame: ReplayFrame = self.history.positions_at(t)
        infos = {u.id: u for u in self.tracker.units()}
        groups = np.fromiter((group_of(infos[u].kind, infos[u].status, infos[u].sub_kind) if u in infos
                              else group_of("officer", "idle", "") for u in frame.ids), np.int16, len(frame.ids))
        kinds = np.fromiter(({"vehicle": VEHICLE, "drone": DRONE}.get(infos[u].kind, OFFICER) if u in infos
                             else OFFICER for u in frame.ids), np.int8, len(frame.ids))
        self.replay_units.clock = lambda: t
        self.replay_units.set_frame(frame.ids, frame.lat, frame.lon, t - frame.age_s, frame.heading, groups,
                                    kinds)
        self._replay_cases = self.history.cases_at(t)
        spots = self._case_spots(self._replay_cases)
        self.replay_case_item.setData(**spots)
        self._replay_case_xy = (np.column_stack([spots["x"], spots["y"]]) if self._replay_cases
                                else np.zeros((0, 2)))
        start, end = self.history.clock.start, self.history.clock.end
        if end > start and not self.replay_slider.isSliderDown():
            self.replay_slider.blockSignals(True)
            self.replay_slider.setValue(round((t - start) / (end - start) * SLIDER_STEPS))
            self.replay_slider.blockSignals(False)
        self.replay_time_label.setText(datetime.fromtimestamp(t).strftime("%H:%M:%S"))
        self.replay_units.flush()
        if self.following and self.units.selected:
            self.centre_on_unit(self.units.selected)
        self._refresh_details()


def _strip_tags(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return html.unescape("".join(out)).strip()
