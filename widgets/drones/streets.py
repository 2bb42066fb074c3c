"""The pilot map's streets: water, parks, roads by class and the names of the main streets, as a handful of
cosmetic-pen path items per basemap and origin (cached), so a 20 Hz vehicle update never repaints thousands."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen

from commandcenter.drones.missions import LocalFrame
from commandcenter.geo.basemap import Basemap, MapFeature
from widgets.map import style

MAJOR_ROADS = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary"})
MINOR_PATHS = frozenset({"footway", "path", "cycleway", "steps", "service"})
MAX_LABELLED_WAYS = 150  # above this many named ways (a city, not a district) only major streets are named
LABEL_SPACING_M = 400.0


@dataclass(frozen=True)
class _Layer:
    """One path of the basemap with how to paint it."""

    path: QPainterPath
    pen: QPen
    brush: QBrush
    z: float


@dataclass(frozen=True)
class _Label:
    text: str
    x: float
    y: float
    angle: float
    colour: str
    size: int


_BASEMAP_CACHE: dict[tuple[int, float, float], tuple[Basemap, list[_Layer], list[_Label]]] = {}


def _cosmetic(colour: str, width: float, dash: bool = False) -> QPen:
    """A pen whose width is in screen pixels at every zoom (a 5 m road must stay visible when zoomed out)."""
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if dash:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def _add_feature(path: QPainterPath, frame: LocalFrame, feature: MapFeature) -> None:
    rings = [feature.coords, *feature.holes] if feature.geometry == "polygon" else [feature.coords]
    for ring in rings:
        if len(ring) < 2:
            continue
        arr = np.asarray(ring, dtype=float)
        xs = (arr[:, 1] - frame.lon0) * frame.kx
        ys = (arr[:, 0] - frame.lat0) * frame.ky
        path.moveTo(float(xs[0]), float(ys[0]))
        for x, y in zip(xs[1:], ys[1:], strict=True):
            path.lineTo(float(x), float(y))
        if feature.geometry == "polygon":
            path.closeSubpath()


def _upright(dx: float, dy: float) -> float:
    """The angle of a segment in degrees, turned so that text along it never reads upside down."""
    angle = math.degrees(math.atan2(dy, dx))
    return angle - 180.0 if angle > 90.0 else angle + 180.0 if angle < -90.0 else angle


def _label_anchors(frame: LocalFrame, feature: MapFeature, spacing: float) -> list[tuple[float, float, float]]:
    """Points (x, y, angle) along a way every ``spacing`` metres (from half a spacing in), so that a long street
    keeps a visible name wherever the view is; a short way gets one at the middle of its longest segment."""
    arr = np.asarray(feature.coords, dtype=float)
    if len(arr) < 2:
        return []
    xs = (arr[:, 1] - frame.lon0) * frame.kx
    ys = (arr[:, 0] - frame.lat0) * frame.ky
    dx, dy = np.diff(xs), np.diff(ys)
    lengths = np.hypot(dx, dy)
    total = float(lengths.sum())
    if total < spacing:
        i = int(np.argmax(lengths))
        return [(float((xs[i] + xs[i + 1]) / 2), float((ys[i] + ys[i + 1]) / 2), _upright(dx[i], dy[i]))]
    ends = np.cumsum(lengths)
    anchors = []
    for at in np.arange(spacing / 2, total, spacing):
        i = min(int(np.searchsorted(ends, at)), len(lengths) - 1)
        t = 1.0 - (ends[i] - at) / lengths[i] if lengths[i] > 0 else 0.0
        anchors.append((float(xs[i] + dx[i] * t), float(ys[i] + dy[i] * t), _upright(dx[i], dy[i])))
    return anchors


def basemap_layers(basemap: Basemap, frame: LocalFrame) -> tuple[list[_Layer], list[_Label]]:
    """Water, parks and roads (grouped by class) as a few paths in ``frame`` metres, plus name labels.

    Cached per (basemap, origin): the geometry is converted once, whatever the number of screens or redraws.
    Drawn in F2's colours (land, parks, squares, water, buildings, roads by class), so the pilot reads the same
    map as the dispatcher; buildings are one merged path (a thousand outlines cost about a millisecond).
    """
    key = (id(basemap), frame.lat0, frame.lon0)
    cached = _BASEMAP_CACHE.get(key)
    if cached is not None and cached[0] is basemap:
        return cached[1], cached[2]
    layers: list[_Layer] = []
    no_brush = QBrush(Qt.BrushStyle.NoBrush)
    for features, (fill, outline), z in ((basemap.parks, style.PARK, 0), (basemap.plazas, style.PLAZA, 0.5),
                                         (basemap.water, style.WATER, 1), (basemap.buildings, style.BUILDING, 2)):
        areas, lines = QPainterPath(), QPainterPath()
        for feature in features:
            _add_feature(areas if feature.geometry == "polygon" else lines, frame, feature)
        if not areas.isEmpty():
            layers.append(_Layer(areas, _cosmetic(outline, 1.0), QBrush(QColor(fill)), z))
        if not lines.isEmpty():  # rivers and canals mapped as lines
            layers.append(_Layer(lines, _cosmetic(fill, 6.0), no_brush, z))
    by_class: dict[str, QPainterPath] = {}
    for road in basemap.roads:
        if road.geometry == "line":
            _add_feature(by_class.setdefault(road.cls or "road", QPainterPath()), frame, road)
    for cls, path in by_class.items():
        width, colour, order, _label = style.ROADS.get(cls, style.ROAD_DEFAULT)
        layers.append(_Layer(path, _cosmetic(colour, width, dash=cls == "steps"), no_brush, 10 + order))
    # Street names: the view spans a few hundred metres of a district kilometres wide, so one label per street
    # would mostly fall off screen. Label each way of a named street instead (major streets only in a big
    # city), skipping a repeat of the same name within LABEL_SPACING_M.
    named_ways = [r for r in basemap.roads if r.name and r.geometry == "line" and (r.cls or "") not in MINOR_PATHS]
    if len(named_ways) > MAX_LABELLED_WAYS:
        named_ways = [r for r in named_ways if (r.cls or "") in MAJOR_ROADS]
    labels: list[_Label] = []
    placed: dict[str, list[tuple[float, float]]] = {}
    for road in sorted(named_ways, key=lambda r: (r.cls or "") not in MAJOR_ROADS):
        major = (road.cls or "") in MAJOR_ROADS
        near = placed.setdefault(road.name or "", [])
        for x, y, angle in _label_anchors(frame, road, LABEL_SPACING_M):
            if any(math.hypot(x - px, y - py) < LABEL_SPACING_M * 0.75 for px, py in near):
                continue
            near.append((x, y))
            labels.append(_Label(road.name or "", x, y, angle, "#e6edf3" if major else style.TEXT,
                                 13 if major else 11))
    for feature in [*basemap.water, *basemap.parks]:
        if feature.name and feature.geometry == "polygon" and feature.coords:
            arr = np.asarray(feature.coords, dtype=float)
            x, y = frame.to_xy((float(arr[:, 0].mean()), float(arr[:, 1].mean())))
            labels.append(_Label(feature.name, x, y, 0.0, "#79b8ff" if feature.layer == "water" else "#6fbf7f", 11))
    _BASEMAP_CACHE[key] = (basemap, layers, labels)
    return layers, labels
