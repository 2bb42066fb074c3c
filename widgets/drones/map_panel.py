"""The small tactical map of the 无人机 screen: streets, vehicles with heading, trails, homes, missions, fences.

A pyqtgraph plot in local east/north metres around an origin (the basemap's centre, else the first position
seen), aspect locked so distances look right. Under the vehicles lies the basemap — water, parks, roads with the
names of the main streets — because a pilot steers by "over 中华路, past the river", not by metres; it is a
handful of QGraphicsPathItems (one per layer/road class, cosmetic pens) built once per basemap and origin and
cached, so a 20 Hz vehicle update repaints a few paths, never thousands of items.

Two kinds of mission are drawn: the plan being edited (blue, draggable waypoints) and each vehicle's *active*
mission as downloaded from the vehicle (orange, with its fence), which is what it will really fly — they differ
whenever someone edits without uploading. The map only draws and reports gestures: a left click adds a waypoint
(when the screen's "add waypoints" tool is on), dragging a waypoint moves it. Everything crossing its API is
WGS-84.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainterPath, QTransform
from PySide6.QtWidgets import QGraphicsPathItem, QToolButton, QVBoxLayout, QWidget

from commandcenter.drones.missions import Geofence, LocalFrame, MissionPlan
from commandcenter.geo.basemap import Basemap
from commandcenter.geo.extent import street_extent
from widgets.drones.streets import basemap_layers
from widgets.map import style as map_style

WAYPOINT = QColor("#2f81f7")
INCLUSION = QColor("#3fb950")
EXCLUSION = QColor("#f85149")
HOME = QColor("#ffcc00")
RALLY = QColor("#d2a8ff")
ACTIVE = QColor("#f0883e")  # the mission a vehicle reports: what it will actually fly
GOTO = QColor("#ff5fd2")  # where a drone was sent with 飞往此处
BASEMAP_Z = -100


def _arrow() -> QPainterPath:
    """A unit-size arrow pointing up (north), the scatter symbol of a vehicle."""
    path = QPainterPath()
    path.moveTo(0, -0.5)
    path.lineTo(0.35, 0.45)
    path.lineTo(0, 0.25)
    path.lineTo(-0.35, 0.45)
    path.closeSubpath()
    return path


ARROW = _arrow()
_ARROWS: dict[int, QPainterPath] = {}


def heading_symbol(heading: float) -> QPainterPath:
    """The arrow rotated to ``heading`` (5° steps, cached: pyqtgraph keeps one atlas entry per symbol)."""
    key = round((heading % 360) / 5) * 5 % 360
    path = _ARROWS.get(key)
    if path is None:
        # pyqtgraph symbols are drawn y-down, so a clockwise compass heading is a plain clockwise rotation
        path = _ARROWS[key] = QTransform().rotate(key).map(ARROW)
    return path


class _Waypoints(pg.ScatterPlotItem):
    """Waypoint markers that can be dragged; emits the index and the new position in view coordinates."""

    dragged = Signal(int, float, float, bool)  # index, x, y, finished

    def __init__(self) -> None:
        super().__init__(size=14, pen=pg.mkPen("#ffffff", width=1.5), brush=pg.mkBrush(WAYPOINT), pxMode=True)
        self._drag: int | None = None

    def mouseDragEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            hits = self.pointsAt(ev.buttonDownPos())
            if len(hits) == 0:
                ev.ignore()
                return
            self._drag = int(hits[0].index())
        elif self._drag is None:
            ev.ignore()
            return
        pos = ev.pos()
        self.dragged.emit(self._drag, pos.x(), pos.y(), bool(ev.isFinish()))
        if ev.isFinish():
            self._drag = None
        ev.accept()


class _ActiveMission:
    """The items drawing one vehicle's active mission: route, waypoint dots, the current target, its fence."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        self.plot = plot
        self.route = pg.PlotCurveItem()
        self.points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(ACTIVE), pen=pg.mkPen("#0b1118", width=1))
        self.target = pg.ScatterPlotItem(size=18, symbol="o", brush=None, pen=pg.mkPen(ACTIVE, width=2.5))
        self.fence: list[pg.PlotCurveItem] = []
        for z, item in ((12, self.route), (13, self.points), (14, self.target)):
            item.setZValue(z)
            plot.addItem(item)

    def remove(self) -> None:
        for item in (self.route, self.points, self.target, *self.fence):
            self.plot.removeItem(item)
        self.fence = []


class DroneMapPanel(QWidget):
    """Basemap, vehicles, trails, homes, the edited plan and each vehicle's active mission, in local metres."""

    clicked = Signal(float, float)  # lat, lon of a left click on empty map
    waypoint_moved = Signal(int, float, float, bool)  # index, lat, lon, finished

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame: LocalFrame | None = None
        self.plot = pg.PlotWidget(background=map_style.LAND)  # F2's land colour under F2's streets
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        # A map, like F2: north up (y is north, never rotated), streets underneath, no metre axes.
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.hideButtons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        # Follow the selected drone (on by default; the pilot turns it off to look elsewhere).
        self.follow_button = QToolButton(self.plot)
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.move(8, 8)
        self.follow_button.toggled.connect(lambda on: self._follow_now() if on else None)
        self._followed: tuple[float, float] | None = None
        # Where a drone was sent (飞往此处): a ring and its altitude, until the next one.
        self.goto_marker = pg.ScatterPlotItem(size=22, symbol="o", brush=None, pen=pg.mkPen(GOTO, width=3))
        self.goto_marker.setZValue(18)
        self.goto_label = pg.TextItem("", color=GOTO.name(), anchor=(0.5, -0.6))
        self.goto_label.setZValue(18)
        self.plot.addItem(self.goto_marker)
        self.plot.addItem(self.goto_label)
        self.goto_target: tuple[float, float, float] | None = None
        self.retranslate()
        self._fence_items: list[pg.PlotCurveItem] = []
        self._labels: list[pg.TextItem] = []
        self._trails: dict[str, pg.PlotCurveItem] = {}
        self.route = pg.PlotCurveItem(pen=pg.mkPen(WAYPOINT, width=2, style=Qt.PenStyle.DashLine))
        self.waypoints = _Waypoints()
        self.rally = pg.ScatterPlotItem(size=11, symbol="t", brush=pg.mkBrush(RALLY), pen=None)
        self.homes = pg.ScatterPlotItem(size=16, symbol="star", brush=pg.mkBrush(HOME), pen=None)
        self.vehicles = pg.ScatterPlotItem(size=26, pxMode=True)
        for item in (self.route, self.rally, self.homes, self.waypoints, self.vehicles):
            self.plot.addItem(item)
        self.vehicles.setZValue(20)
        self.waypoints.setZValue(15)
        self.waypoints.dragged.connect(self._on_drag)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self._fitted = False
        self._trail_pen = pg.mkPen("#58a6ff", width=1.5)
        self._trail_keys: dict[str, tuple[int, Any]] = {}
        self._pens = {True: pg.mkPen("#ffffff", width=2), False: pg.mkPen("#0b1118", width=1)}
        self._brushes: dict[str, Any] = {}
        self.basemap: Basemap | None = None
        self._basemap_items: list[Any] = []
        self._active: dict[str, _ActiveMission] = {}

    def _brush(self, colour: QColor) -> Any:
        """Shared brushes: pyqtgraph caches symbol pixmaps per (symbol, pen, brush) object."""
        brush = self._brushes.get(colour.name())
        if brush is None:
            brush = self._brushes[colour.name()] = pg.mkBrush(colour)
        return brush

    # -- coordinates ---------------------------------------------------------------------------------------------

    def ensure_origin(self, lat: float, lon: float) -> None:
        if self.frame is None:
            self.frame = LocalFrame((lat, lon))

    def to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        self.ensure_origin(lat, lon)
        assert self.frame is not None
        return self.frame.to_xy((lat, lon))

    def _on_click(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double() or self.frame is None:
            return
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(ev.scenePos()):
            return
        point = view.mapSceneToView(ev.scenePos())
        if len(self.waypoints.pointsAt(QPointF(point.x(), point.y()))) > 0:
            return  # a click on a waypoint selects/drags it, it does not stack another one
        lat, lon = self.frame.to_latlon(point.x(), point.y())
        self.clicked.emit(lat, lon)

    def _on_drag(self, index: int, x: float, y: float, finished: bool) -> None:
        if self.frame is not None:
            lat, lon = self.frame.to_latlon(x, y)
            self.waypoint_moved.emit(index, lat, lon, finished)

    # -- drawing -------------------------------------------------------------------------------------------------

    def show_vehicles(self, vehicles: Sequence[tuple[str, float, float, float, QColor, bool]],
                      trails: dict[str, list[tuple[float, float]]], homes: Sequence[tuple[float, float]]) -> None:
        """``vehicles``: (id, lat, lon, heading, colour, selected) for those with a position."""
        spots = []
        for _drone_id, lat, lon, heading, colour, selected in vehicles:
            x, y = self.to_xy(lat, lon)
            spots.append({"pos": (x, y), "symbol": heading_symbol(heading), "brush": self._brush(colour),
                          "pen": self._pens[selected], "size": 30 if selected else 24})
        self.vehicles.setData(spots)
        for drone_id, points in trails.items():
            curve = self._trails.get(drone_id)
            if curve is None:
                curve = self._trails[drone_id] = pg.PlotCurveItem(pen=self._trail_pen)
                curve.setOpacity(0.6)
                self.plot.addItem(curve)
            key = (len(points), points[-1] if points else None)
            if len(points) >= 2 and self._trail_keys.get(drone_id) != key and self.frame is not None:
                self._trail_keys[drone_id] = key
                latlon = np.asarray(points, dtype=float)  # vectorised: 10 trails × 600 points at 20 Hz
                curve.setData((latlon[:, 1] - self.frame.lon0) * self.frame.kx,
                              (latlon[:, 0] - self.frame.lat0) * self.frame.ky)
        chosen = [spot["pos"] for spot, vehicle in zip(spots, vehicles, strict=True) if vehicle[5]]
        self._followed = chosen[0] if chosen else None
        if self._fitted and self.follow_button.isChecked():
            self._follow_now()
        home_xy = [self.to_xy(lat, lon) for lat, lon in homes]
        self.homes.setData([p[0] for p in home_xy], [p[1] for p in home_xy])
        if not self._fitted and spots:
            self._fitted = True
            x, y = spots[0]["pos"]  # start on the first vehicle: the origin may be the basemap's centre
            self.plot.getViewBox().setRange(xRange=(x - 300, x + 300), yRange=(y - 300, y + 300))

    def _follow_now(self) -> None:
        """Centre the view on the selected drone, keeping the pilot's zoom."""
        if self._followed is None:
            return
        view = self.plot.getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        x, y = self._followed
        if abs(x - (x0 + x1) / 2) > (x1 - x0) * 0.02 or abs(y - (y0 + y1) / 2) > (y1 - y0) * 0.02:
            view.setRange(xRange=(x - (x1 - x0) / 2, x + (x1 - x0) / 2),
                          yRange=(y - (y1 - y0) / 2, y + (y1 - y0) / 2), padding=0)

    def view_centre(self) -> tuple[float, float] | None:
        """The lat/lon at the middle of the view (what the pilot is looking at)."""
        if self.frame is None:
            return None
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        return self.frame.to_latlon((x0 + x1) / 2, (y0 + y1) / 2)

    def show_goto_target(self, lat: float, lon: float, alt: float) -> None:
        """Mark where a drone was sent (飞往此处) with its altitude."""
        x, y = self.to_xy(lat, lon)
        self.goto_target = (lat, lon, alt)
        self.goto_marker.setData([x], [y])
        self.goto_label.setText(self.tr("Fly here · {0} m").format(f"{alt:.0f}"))
        self.goto_label.setPos(x, y)

    def retranslate(self) -> None:
        self.follow_button.setText(self.tr("Follow drone"))
        self.follow_button.setToolTip(self.tr("Keep the selected drone in the middle of the map"))
        self.follow_button.adjustSize()
        if self.goto_target is not None:
            self.show_goto_target(*self.goto_target)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- basemap ---------------------------------------------------------------------------------------------------

    def set_basemap(self, basemap: Basemap | None) -> None:
        """Draw ``basemap`` under everything (None removes it). Fixes the origin at its centre if none yet."""
        for item in self._basemap_items:
            self.plot.removeItem(item)
        self._basemap_items = []
        self.basemap = basemap
        if basemap is None or not any(basemap.roads or basemap.water or basemap.parks):
            return
        south, west, north, east = street_extent(basemap)  # the city, not the file's border relations
        self.ensure_origin((south + north) / 2, (west + east) / 2)
        assert self.frame is not None
        layers, labels = basemap_layers(basemap, self.frame)
        for layer in layers:
            item = QGraphicsPathItem(layer.path)
            item.setPen(layer.pen)
            item.setBrush(layer.brush)
            item.setZValue(BASEMAP_Z + layer.z)
            self.plot.addItem(item)
            self._basemap_items.append(item)
        for label in labels:
            # A Chinese name along a near-vertical street is stacked upright, as on F2 and on Chinese maps.
            upright = abs(label.angle) >= 60 and len(label.text) > 1 and all("\u3400" <= c <= "\u9fff"
                                                                              for c in label.text)
            text = pg.TextItem("\n".join(label.text) if upright else label.text, color=label.colour,
                               anchor=(0.5, 0.5), angle=0.0 if upright else label.angle)
            font = text.textItem.font()
            font.setPixelSize(label.size)
            text.setFont(font)
            text.setPos(label.x, label.y)
            text.setZValue(BASEMAP_Z + 50)
            self.plot.addItem(text)
            self._basemap_items.append(text)

    # -- active missions -------------------------------------------------------------------------------------------

    def show_active(self, drone_id: str, plan: MissionPlan | None, current_seq: int = 0,
                    selected: bool = False) -> None:
        """Draw the mission ``drone_id`` reports (None or empty: remove it). ``current_seq`` is MISSION_CURRENT's
        sequence number, counted like ArduPilot's (0 is home, items start at 1), and is ringed on the map."""
        drawn = self._active.get(drone_id)
        if plan is None or (not plan.mission.waypoints() and plan.fence.is_empty()):
            if drawn is not None:
                drawn.remove()
                del self._active[drone_id]
            return
        if drawn is None:
            drawn = self._active[drone_id] = _ActiveMission(self.plot)
        points = plan.mission.waypoints()
        xy = [self.to_xy(it.lat, it.lon) for _, it in points]
        drawn.route.setData([p[0] for p in xy], [p[1] for p in xy],
                            pen=pg.mkPen(ACTIVE, width=3 if selected else 1.5))
        drawn.route.setOpacity(1.0 if selected else 0.55)
        drawn.points.setData([p[0] for p in xy], [p[1] for p in xy])
        drawn.points.setOpacity(1.0 if selected else 0.55)
        target = [(x, y) for (number, _), (x, y) in zip(points, xy, strict=True) if number == current_seq]
        drawn.target.setData([p[0] for p in target], [p[1] for p in target])
        for curve in drawn.fence:
            self.plot.removeItem(curve)
        drawn.fence = [self._fence_curve(xs, ys, inclusion) for xs, ys, inclusion in self._fence_rings(plan.fence)]

    def active_ids(self) -> list[str]:
        return list(self._active)

    def show_plan(self, plan: MissionPlan) -> None:
        """Redraw the route, numbered waypoints, fence polygons/circles and rally points."""
        points = plan.mission.waypoints()
        xy = [self.to_xy(it.lat, it.lon) for _, it in points]
        self.route.setData([p[0] for p in xy], [p[1] for p in xy])
        self.waypoints.setData([p[0] for p in xy], [p[1] for p in xy], data=[n for n, _ in points])
        for label in self._labels:
            self.plot.removeItem(label)
        self._labels = []
        for (number, item), (x, y) in zip(points, xy, strict=True):
            label = pg.TextItem(f"{number} · {item.alt:.0f}m", color="#e6edf3", anchor=(-0.2, 1.2))
            label.setPos(x, y)
            self.plot.addItem(label)
            self._labels.append(label)
        for curve in self._fence_items:
            self.plot.removeItem(curve)
        self._fence_items = [self._fence_curve(xs, ys, inclusion)
                             for xs, ys, inclusion in self._fence_rings(plan.fence)]
        rally = [self.to_xy(r.lat, r.lon) for r in plan.rally]
        self.rally.setData([p[0] for p in rally], [p[1] for p in rally])

    def _fence_rings(self, fence: Geofence) -> list[tuple[list[float], list[float], bool]]:
        """Polygons and circles of a fence as closed rings in local metres, with their inclusion flag."""
        rings = []
        for poly in fence.polygons:
            if poly.points:
                ring = [self.to_xy(lat, lon) for lat, lon in [*poly.points, poly.points[0]]]
                rings.append(([p[0] for p in ring], [p[1] for p in ring], poly.inclusion))
        for circle in fence.circles:
            cx, cy = self.to_xy(circle.lat, circle.lon)
            angles = [2 * math.pi * k / 48 for k in range(49)]
            rings.append(([cx + circle.radius * math.cos(a) for a in angles],
                          [cy + circle.radius * math.sin(a) for a in angles], circle.inclusion))
        return rings

    def _fence_curve(self, xs: list[float], ys: list[float], inclusion: bool) -> pg.PlotCurveItem:
        colour = INCLUSION if inclusion else EXCLUSION
        curve = pg.PlotCurveItem(xs, ys, pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine))
        curve.setZValue(11)
        self.plot.addItem(curve)
        return curve
