"""A small map of where the case is: streets, water and parks of the in-memory basemap around the case, a pin
in the middle. Rendered into a QImage on a worker thread (QImage and QPainter without text may be used off the
GUI thread), so selecting a case never waits for it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import partial

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QWidget

from commandcenter.geo.basemap import Basemap, MapFeature
from commandcenter.runtime.tasks import GuiBridge

THUMB_W, THUMB_H = 240, 150
RADIUS_M = 350.0  # half the width of what the thumbnail shows: a few blocks around the case
_M_PER_DEG_LAT = 111_320.0

# The F2 map's day colours, so the thumbnail reads as the same map.
LAND, WATER, PARK, ROAD, MAJOR, PIN = (QColor("#1d232b"), QColor("#1f4e79"), QColor("#23412c"), QColor("#56606b"),
                                       QColor("#a7b0ba"), QColor("#ff3b30"))
_MAJOR = {"motorway", "trunk", "primary", "secondary"}


def render_case_map(basemap: Basemap, lat: float, lon: float, width: int = THUMB_W,
                    height: int = THUMB_H) -> QImage:
    """The neighbourhood of (lat, lon), north up, ``RADIUS_M`` either side of the pin horizontally."""
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(LAND)
    m_per_deg_lon = _M_PER_DEG_LAT * math.cos(math.radians(lat))
    scale = width / (2 * RADIUS_M)  # px per metre
    half_lat = (height / 2 / scale) / _M_PER_DEG_LAT
    half_lon = RADIUS_M / m_per_deg_lon
    box = (lat - half_lat, lon - half_lon, lat + half_lat, lon + half_lon)

    def point(c: tuple[float, float]) -> QPointF:
        return QPointF(width / 2 + (c[1] - lon) * m_per_deg_lon * scale,
                       height / 2 - (c[0] - lat) * _M_PER_DEG_LAT * scale)

    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    for colour, features in ((PARK, basemap.parks), (WATER, basemap.water)):
        painter.setBrush(colour)
        for feature in _within(features, box):
            if feature.geometry == "polygon":
                painter.drawPolygon(QPolygonF([point(c) for c in feature.coords]))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for feature in _within(basemap.roads, box):
        major = (feature.cls or "") in _MAJOR
        painter.setPen(QPen(MAJOR if major else ROAD, 3.0 if major else 1.5))
        path = QPainterPath(point(feature.coords[0]))
        for c in feature.coords[1:]:
            path.lineTo(point(c))
        painter.drawPath(path)
    centre = QPointF(width / 2, height / 2)
    painter.setPen(QPen(QColor("white"), 2))
    painter.setBrush(PIN)
    painter.drawEllipse(centre, 7, 7)
    painter.end()
    return image


def _within(features: Iterable[MapFeature], box: tuple[float, float, float, float]) -> Iterable[MapFeature]:
    south, west, north, east = box
    for feature in features:
        if not feature.coords:
            continue
        s, w, n, e = feature.bounds()
        if s <= north and n >= south and w <= east and e >= west:
            yield feature


class CaseMap(QLabel):
    """The thumbnail under the case detail; hidden for a case without coordinates or without a basemap."""

    def __init__(self, basemap: Callable[[], Basemap | None], bridge: GuiBridge | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._basemap = basemap
        self._bridge = bridge
        self._showing: tuple[float, float] | None = None
        self.setFixedSize(THUMB_W, THUMB_H)
        self.setToolTip(self.tr("Where the case is (north up; the pin is the case)"))
        self.hide()

    def show_location(self, lat: float | None, lon: float | None) -> None:
        basemap = self._basemap()
        if lat is None or lon is None or basemap is None or self._bridge is None:
            self._showing = None
            self.clear()
            self.hide()
            return
        if self._showing == (lat, lon):
            return
        self._showing = (lat, lon)
        self.show()
        self._bridge.run(partial(render_case_map, basemap, lat, lon), partial(self._set, (lat, lon)))

    def _set(self, where: tuple[float, float], image: QImage) -> None:
        try:
            if self._showing == where:  # not an older case's map arriving late
                self.setPixmap(QPixmap.fromImage(image))
        except RuntimeError:  # the label is gone with its screen
            pass
