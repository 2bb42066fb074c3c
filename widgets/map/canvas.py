"""The map canvas: a pyqtgraph view in display metres with the basemap (vector or tiles), zones and cameras.

Coordinates: Web Mercator metres (aspect locked, no axes) around the map's centre, in the datum of the basemap
on screen (:class:`~commandcenter.mapdata.projection.DisplayProjection`). Everything handed over is WGS-84 and is
projected here. Switching to tiles of another datum re-projects and announces ``projection_changed`` so the
layers drawn on top (units, cases, heat) follow.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from commandcenter.config import CameraConfig, MapConfig
from commandcenter.geo.basemap import OSM_ATTRIBUTION, Basemap
from commandcenter.mapdata.mbtiles import MBTilesSource
from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.tiles import AsyncTileSource, XyzTileSource, default_cache_dir
from commandcenter.mapdata.zoneshapes import GRID_CELL, RESPONSIBILITY, MapZone
from commandcenter.runtime.tasks import TaskManager
from widgets import theme
from widgets.map.layers_panel import MANAGEMENT_KINDS
from widgets.map.points import CameraLayer
from widgets.map.tilelayer import TileLayer, decode_image
from widgets.map.vector import Label, Shape, StaticLayersItem, basemap_shapes, zone_shapes

CAMERA_MIME = "application/x-cc-camera-id"
HIT_PX = 10.0
STATIC_PARTS = ("basemap", "grid", "areas", "zones", "labels")


class MapCanvas(pg.PlotWidget):
    """The drawing surface. Pressing on a camera: a click activates it, a drag carries its id out."""

    camera_activated = Signal(str)
    projection_changed = Signal(object)  # DisplayProjection

    def __init__(self, basemap: Basemap, config: MapConfig, cameras: Sequence[CameraConfig],
                 centre: tuple[float, float], is_checked: Callable[[str], bool], *, tasks: TaskManager,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, background=theme.colour("map_background"))
        self.basemap = basemap
        self.config = config
        self.tasks = tasks  # tiles are fetched and decoded on the application's task manager
        self.proj = DisplayProjection.centred(*centre)
        self.basemap_kind = "vector"
        self._is_checked = is_checked
        self._camera_press: tuple[str, QPoint] | None = None
        self.setMinimumSize(400, 300)
        self.plot = self.getPlotItem()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setAspectLocked(True)
        self.plot.disableAutoRange()  # the map sets its range; auto-range would re-measure items on every update
        self.plot.getViewBox().setBackgroundColor(theme.colour("map_land"))
        self.plot.layout.setContentsMargins(0, 0, 0, 0)
        self.attribution_label = QLabel(self)
        theme.set_role(self.attribution_label, "overlay")
        self.attribution_label.hide()
        self.installEventFilter(self)
        self.static = StaticLayersItem()
        self.static.setZValue(-50)
        self.plot.addItem(self.static, ignoreBounds=True)
        self.zones: list[MapZone] = []
        self.cameras = CameraLayer(self.plot, cameras)
        self.cameras.place(self.proj)
        self.tile_layers: dict[str, TileLayer] = {}
        self._build_tile_layers()

    # ------------------------------------------------------------------------------------------ layers
    def layer_visible(self, key: str) -> bool:
        """Whether a layer shows: the vector basemap and its names only without tiles, others by their switch."""
        if key == "basemap":
            return self.basemap_kind == "vector"
        if key == "labels" and self.basemap_kind != "vector":
            return False  # raster tiles carry their own names
        return self._is_checked(key)

    def set_zones(self, zones: list[MapZone]) -> None:
        self.zones = zones
        self.build_static_layers()

    def build_static_layers(self) -> None:
        """Vector basemap, zones and names in the current projection (re-run on a datum change)."""
        shapes, names = basemap_shapes(self.basemap, self.proj)
        parts: dict[str, tuple[list[Shape], list[Label]]] = {"basemap": (shapes, []), "labels": ([], names)}
        for key, kinds in (("grid", (GRID_CELL,)), ("areas", (RESPONSIBILITY,)), ("zones", MANAGEMENT_KINDS)):
            parts[key] = zone_shapes(self.zones, self.proj, kinds)
        for key in STATIC_PARTS:
            self.static.set_part(key, *parts[key], visible=self.layer_visible(key))

    def _build_tile_layers(self) -> None:
        sources: list[tuple[str, AsyncTileSource]] = []
        if self.config.tile_url:
            sources.append(("tiles", XyzTileSource(self.config.tile_url, default_cache_dir(self.config.tile_cache),
                                                   crs=self.config.tile_crs, decoder=decode_image, tasks=self.tasks)))
        if self.config.mbtiles:
            mb = MBTilesSource(self.config.mbtiles, crs=self.config.tile_crs, decoder=decode_image,
                               tasks=self.tasks)
            mb.metadata_ready.connect(self._on_tile_metadata)  # a bound slot, so it runs on the GUI thread
            mb.load_metadata()
            sources.append(("mbtiles", mb))
        for key, source in sources:
            source.setParent(self)
            self.tile_layers[key] = TileLayer(self.plot, source, self.proj, parent=self)

    def _on_tile_metadata(self, _metadata: dict[str, Any]) -> None:
        self.update_attribution()

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
        self.static.set_background(QColor(theme.colour("map_land")) if kind == "vector" else None)
        self.static.set_part_visible("basemap", kind == "vector")
        self.static.set_part_visible("labels", self.layer_visible("labels"))
        self.update_attribution()

    def _set_projection(self, proj: DisplayProjection) -> None:
        vb = self.plot.getViewBox()
        rect = vb.viewRect()
        lat, lon = self.proj.to_latlon([rect.left(), rect.right()], [rect.top(), rect.bottom()])
        self.proj = proj
        self.build_static_layers()
        for layer in self.tile_layers.values():
            layer.set_projection(proj)
        self.cameras.place(proj)
        self.projection_changed.emit(proj)
        x, y = proj.to_xy(lat, lon)
        vb.setRange(xRange=(float(x[0]), float(x[1])), yRange=(float(y[0]), float(y[1])), padding=0)

    # ------------------------------------------------------------------------------------------ view
    def pixel_m(self) -> float:
        """Display metres per screen pixel (hit tolerances scale with the zoom)."""
        px = self.plot.getViewBox().viewPixelSize()
        return float(max(px[0], px[1], 1e-6))

    def show_bbox(self, south: float, west: float, north: float, east: float) -> None:
        x, y = self.proj.to_xy([south, north], [west, east])
        self.plot.getViewBox().setRange(xRange=(float(x[0]), float(x[1])), yRange=(float(y[0]), float(y[1])),
                                        padding=0.02)

    def centre_on(self, x: float, y: float) -> None:
        vb = self.plot.getViewBox()
        rect = vb.viewRect()
        vb.translateBy(x=x - rect.center().x(), y=y - rect.center().y())

    def to_view(self, scene_pos: QPointF) -> QPointF | None:
        """A scene position in display metres, or None outside the map."""
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        return vb.mapSceneToView(scene_pos)

    def close_sources(self) -> None:
        for layer in self.tile_layers.values():
            layer.set_active(False)
            layer.source.close()

    # ------------------------------------------------------------------------------------------ cameras
    def camera_at(self, x: float, y: float) -> str | None:
        """The visible camera drawn at display point (x, y), if any."""
        if not self.layer_visible("cameras"):
            return None
        return self.cameras.nearest(x, y, HIT_PX * self.pixel_m())

    def camera_at_widget_pos(self, pos: QPointF) -> str | None:
        p = self.plot.getViewBox().mapSceneToView(self.mapToScene(pos.toPoint()))
        return self.camera_at(p.x(), p.y())

    @staticmethod
    def camera_mime(camera_id: str) -> QMimeData:
        """What dragging a camera off the map carries (the video wall accepts this MIME type)."""
        mime = QMimeData()
        mime.setData(CAMERA_MIME, camera_id.encode("utf-8"))
        mime.setText(camera_id)
        return mime

    def mousePressEvent(self, ev: QMouseEvent) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            camera = self.camera_at_widget_pos(ev.position())
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
                drag.setMimeData(self.camera_mime(camera))
                drag.exec(Qt.DropAction.CopyAction)
            ev.accept()
            return
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        if self._camera_press is not None:
            camera, _start = self._camera_press
            self._camera_press = None
            self.camera_activated.emit(camera)
            ev.accept()
            return
        super().mouseReleaseEvent(ev)

    # ------------------------------------------------------------------------------------------ attribution
    def update_attribution(self) -> None:
        """The data source's attribution in the corner (OSM data and tiles must be credited)."""
        text = ""
        if self.basemap_kind == "vector":
            text = self.basemap.attribution or ""
        else:
            layer = self.tile_layers.get(self.basemap_kind)
            source = layer.source if layer is not None else None
            if isinstance(source, MBTilesSource):
                text = _strip_tags(source.metadata.get("attribution", ""))
            elif isinstance(source, XyzTileSource) and "openstreetmap" in source.url_template.lower():
                text = OSM_ATTRIBUTION
        if text == OSM_ATTRIBUTION:  # the licence's wording in the user's language (zh: the stored Chinese text)
            text = self.tr("Map data © OpenStreetMap contributors (ODbL)")
        self.attribution_label.setText(text)
        self.attribution_label.setVisible(bool(text))
        self._place_attribution()

    def _place_attribution(self) -> None:
        label = self.attribution_label
        label.adjustSize()
        label.move(self.width() - label.width() - 4, self.height() - label.height() - 4)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self and event.type() == QEvent.Type.Resize:
            self._place_attribution()
        return super().eventFilter(obj, event)


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
