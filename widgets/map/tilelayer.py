"""Raster basemap tiles (XYZ or MBTiles) drawn as pixmap items placed in display metres.

The view tells the layer its visible rectangle after pans/zooms (debounced); the layer picks the zoom level
whose native resolution matches, asks the source for missing tiles and places what arrives. Decoding runs
on the source's worker threads (``decode_image``); the GUI thread only wraps the decoded ``QImage`` into a
pixmap. Failed tiles become dark placeholders so a dead tile server is visible but harmless.
"""

from __future__ import annotations

from collections import OrderedDict

import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QImage, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsRectItem

from commandcenter.mapdata.projection import DisplayProjection, zoom_for_resolution
from commandcenter.mapdata.tiles import AsyncTileSource

TileId = tuple[int, int, int]
PIXMAP_CACHE = 384


def decode_image(data: bytes) -> QImage | None:
    """Decode tile bytes (runs on a tile worker thread; QImage is safe off the GUI thread)."""
    image = QImage.fromData(data)
    return None if image.isNull() else image


class TileLayer(QObject):
    """Tiles of one source in one plot; ``set_active(False)`` hides them and stops requesting."""

    def __init__(self, plot: pg.PlotItem, source: AsyncTileSource, proj: DisplayProjection,
                 z: float = -100.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plot = plot
        self.source = source
        self.proj = proj
        self._z = z
        self.active = False
        self.zoom = -1
        self._items: dict[TileId, QGraphicsItem] = {}
        self._pixmaps: OrderedDict[TileId, QPixmap] = OrderedDict()
        self._failed: set[TileId] = set()
        self.placeholders = 0
        source.tile_ready.connect(self._on_ready)
        source.tile_failed.connect(self._on_failed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(80)
        self._debounce.timeout.connect(self.refresh)
        plot.getViewBox().sigRangeChanged.connect(self._schedule)

    def set_active(self, active: bool) -> None:
        self.active = active
        for item in self._items.values():
            item.setVisible(active)
        if active:
            self.refresh()
        else:
            self.source.set_wanted(())

    def set_projection(self, proj: DisplayProjection) -> None:
        self.proj = proj
        for key in list(self._items):
            self._remove(key)
        if self.active:
            self.refresh()

    def _schedule(self, *_args: object) -> None:
        if self.active:
            self._debounce.start()

    def wanted_tiles(self) -> list[TileId]:
        vb = self._plot.getViewBox()
        rect = vb.viewRect()
        width_px = max(1.0, vb.width())
        zoom = zoom_for_resolution(rect.width() / width_px, max_zoom=self.source.max_zoom)
        zoom = max(zoom, self.source.min_zoom)
        self.zoom = zoom
        tiles = self.proj.tiles_for(rect.left(), rect.top(), rect.right(), rect.bottom(), zoom)
        return tiles[:256]

    def refresh(self) -> None:
        """Place cached pixmaps, request missing tiles, drop tiles of other zoom levels."""
        if not self.active:
            return
        wanted = self.wanted_tiles()
        wanted_set = set(wanted)
        self.source.set_wanted(wanted_set)
        for key in list(self._items):
            if key not in wanted_set:
                self._remove(key)
        for key in wanted:
            if key in self._items:
                continue
            pixmap = self._pixmaps.get(key)
            if pixmap is not None:
                self._pixmaps.move_to_end(key)
                self._place(key, pixmap)
            elif key not in self._failed:
                self.source.request(*key)

    def _remove(self, key: TileId) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._plot.removeItem(item)

    def _place(self, key: TileId, pixmap: QPixmap | None) -> None:
        x0, y0, w, h = self.proj.tile_rect(*key)
        if pixmap is None:
            rect_item = QGraphicsRectItem(QRectF(x0, y0, w, h))
            pen = QPen(Qt.GlobalColor.darkGray)
            pen.setCosmetic(True)
            pen.setStyle(Qt.PenStyle.DotLine)
            rect_item.setPen(pen)
            rect_item.setBrush(QBrush(Qt.GlobalColor.black))
            item: QGraphicsItem = rect_item
            self.placeholders += 1
        else:
            pix_item = QGraphicsPixmapItem(pixmap)
            pix_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            # pixmap rows run downwards, display y runs north: flip while scaling to the tile's metres.
            pix_item.setTransform(QTransform(w / pixmap.width(), 0, 0, -h / pixmap.height(), x0, y0 + h))
            item = pix_item
        item.setZValue(self._z)
        item.setVisible(self.active)
        self._remove(key)
        self._items[key] = item
        self._plot.addItem(item)

    def _on_ready(self, z: int, x: int, y: int, image: object) -> None:
        key = (z, x, y)
        if not isinstance(image, QImage):
            return
        pixmap = QPixmap.fromImage(image)
        self._pixmaps[key] = pixmap
        while len(self._pixmaps) > PIXMAP_CACHE:
            self._pixmaps.popitem(last=False)
        self._failed.discard(key)
        if self.active and z == self.zoom:
            self._place(key, pixmap)

    def _on_failed(self, z: int, x: int, y: int, _reason: str) -> None:
        key = (z, x, y)
        self._failed.add(key)
        if self.active and z == self.zoom:
            self._place(key, None)

    def retry_failed(self) -> None:
        """Forget failures (e.g. the network is back) and ask again."""
        self._failed.clear()
        self.refresh()

    def shown_tiles(self) -> list[TileId]:
        return [k for k, item in self._items.items() if isinstance(item, QGraphicsPixmapItem)]
