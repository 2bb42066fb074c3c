"""Drawing the offline vector basemap and zone polygons with a handful of graphics items.

A district has thousands of buildings and hundreds of road ways. One ``QGraphicsItem`` per feature would make
every repaint walk thousands of items, so features are merged per style: one ``QGraphicsPathItem`` per road
class, one for all buildings, one for all water … Pens are cosmetic (width in pixels), so roads stay legible
at every zoom without re-building paths. Names are ``pg.TextItem`` (fixed pixel size), one per named major
road placed along its longest segment, one per zone at its centroid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QFont, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from commandcenter.geo.basemap import Basemap, MapFeature
from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.zoneshapes import MapZone
from widgets.map import style

LatLon = tuple[float, float]

LABEL_FONT = QFont("Noto Sans CJK SC", 9)
ZONE_FONT = QFont("Noto Sans CJK SC", 8)


def _pen(colour: str, width: float, alpha: int | None = None, dash: bool = False) -> QPen:
    pen = QPen(style.qcolor(colour, alpha))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if dash:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def _polygon(proj: DisplayProjection, ring: Sequence[LatLon]) -> QPolygonF:
    arr = np.asarray(ring, dtype=np.float64)
    x, y = proj.to_xy(arr[:, 0], arr[:, 1])
    return QPolygonF([QPointF(float(a), float(b)) for a, b in zip(x, y, strict=True)])


def polygons_item(proj: DisplayProjection, rings: Iterable[tuple[Sequence[LatLon], Sequence[Sequence[LatLon]]]],
                  fill: str, outline: str, fill_alpha: int = 255, width: float = 1.0,
                  dash: bool = False) -> QGraphicsPathItem:
    """One path item for many polygons (outer ring + holes, even-odd filled)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for ring, holes in rings:
        if len(ring) < 3:
            continue
        path.addPolygon(_polygon(proj, ring))
        path.closeSubpath()
        for hole in holes:
            if len(hole) >= 3:
                path.addPolygon(_polygon(proj, hole))
                path.closeSubpath()
    item = QGraphicsPathItem(path)
    item.setPen(_pen(outline, width, dash=dash))
    item.setBrush(QBrush(style.qcolor(fill, fill_alpha)) if fill_alpha > 0 else QBrush(Qt.BrushStyle.NoBrush))
    return item


def lines_item(proj: DisplayProjection, lines: Iterable[Sequence[LatLon]], colour: str, width: float,
               dash: bool = False) -> QGraphicsPathItem:
    """One path item for many polylines, built with a connect array (no per-line Python path calls)."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    cs: list[np.ndarray] = []
    for line in lines:
        if len(line) < 2:
            continue
        arr = np.asarray(line, dtype=np.float64)
        x, y = proj.to_xy(arr[:, 0], arr[:, 1])
        conn = np.ones(len(x), dtype=np.int32)
        conn[-1] = 0
        xs.append(x)
        ys.append(y)
        cs.append(conn)
    path = (pg.arrayToQPath(np.concatenate(xs), np.concatenate(ys), connect=np.concatenate(cs))
            if xs else QPainterPath())
    item = QGraphicsPathItem(path)
    item.setPen(_pen(colour, width, dash=dash))
    return item


def _road_label_anchor(proj: DisplayProjection, features: list[MapFeature]) -> tuple[float, float, float] | None:
    """Midpoint and on-screen angle (degrees, kept upright) of the longest segment of a road's ways."""
    best: tuple[float, float, float, float] | None = None
    for feat in features:
        arr = np.asarray(feat.coords, dtype=np.float64)
        if len(arr) < 2:
            continue
        x, y = proj.to_xy(arr[:, 0], arr[:, 1])
        dx, dy = np.diff(x), np.diff(y)
        lengths = np.hypot(dx, dy)
        i = int(np.argmax(lengths))
        if best is None or lengths[i] > best[0]:
            angle = math.degrees(math.atan2(dy[i], dx[i]))
            if angle > 90.0:
                angle -= 180.0
            elif angle < -90.0:
                angle += 180.0
            best = (float(lengths[i]), float((x[i] + x[i + 1]) / 2), float((y[i] + y[i + 1]) / 2), angle)
    return None if best is None else (best[1], best[2], best[3])


def basemap_items(basemap: Basemap, proj: DisplayProjection) -> tuple[list[QGraphicsItem], list[pg.TextItem]]:
    """Shapes (bottom to top) and road-name labels of the whole basemap."""
    items: list[QGraphicsItem] = []
    areas = (
        (basemap.parks, style.PARK),
        (basemap.plazas, style.PLAZA),
        (basemap.water, style.WATER),
        (basemap.buildings, style.BUILDING),
    )
    for features, (fill, outline) in areas:
        polys = [(f.coords, f.holes) for f in features if f.geometry == "polygon"]
        if polys:
            items.append(polygons_item(proj, polys, fill, outline))
        lines = [f.coords for f in features if f.geometry == "line"]  # rivers/streams as lines
        if lines:
            items.append(lines_item(proj, lines, outline, 3.0))

    by_class: dict[str, list[MapFeature]] = {}
    for road in basemap.roads:
        if road.geometry == "line":
            by_class.setdefault(road.cls or "road", []).append(road)
    ordered = sorted(by_class.items(), key=lambda kv: style.ROADS.get(kv[0], style.ROAD_DEFAULT)[2])
    for cls, roads in ordered:
        width, colour, _z, _label = style.ROADS.get(cls, style.ROAD_DEFAULT)
        items.append(lines_item(proj, [r.coords for r in roads], colour, width, dash=cls == "steps"))

    boundary_polys = [(f.coords, []) for f in basemap.boundaries if f.geometry == "polygon"]
    if boundary_polys:
        items.append(polygons_item(proj, boundary_polys, style.BOUNDARY, style.BOUNDARY, 0, 2.0, dash=True))
    boundary_lines = [f.coords for f in basemap.boundaries if f.geometry == "line"]
    if boundary_lines:
        items.append(lines_item(proj, boundary_lines, style.BOUNDARY, 2.0, dash=True))

    named: dict[str, list[MapFeature]] = {}
    for road in basemap.roads:
        if road.name and road.geometry == "line":
            named.setdefault(road.name, []).append(road)
    labels: list[pg.TextItem] = []
    for name, features in named.items():
        cls = features[0].cls or "road"
        if not style.ROADS.get(cls, style.ROAD_DEFAULT)[3] and len(named) > 60:
            continue  # a big city: only major roads get a name
        anchor = _road_label_anchor(proj, features)
        if anchor is None:
            continue
        label = pg.TextItem(name, color=style.TEXT, anchor=(0.5, 0.5), angle=anchor[2])
        label.setFont(LABEL_FONT)
        label.setPos(anchor[0], anchor[1])
        labels.append(label)
    for poi in basemap.parks + basemap.plazas + basemap.water:
        if poi.name and poi.geometry == "polygon":
            arr = np.asarray(poi.coords, dtype=np.float64)
            x, y = proj.to_xy(arr[:, 0], arr[:, 1])
            label = pg.TextItem(poi.name, color="#9fb3c8", anchor=(0.5, 0.5))
            label.setFont(ZONE_FONT)
            label.setPos(float(x.mean()), float(y.mean()))
            labels.append(label)
    return items, labels


def zone_items(zones: Sequence[MapZone], proj: DisplayProjection,
               kinds: Iterable[str]) -> tuple[list[QGraphicsItem], list[pg.TextItem]]:
    """Polygons (one item per zone kind) and name labels of the zones whose kind is in ``kinds``."""
    wanted = set(kinds)
    items: list[QGraphicsItem] = []
    labels: list[pg.TextItem] = []
    by_kind: dict[str, list[MapZone]] = {}
    for zone in zones:
        if zone.kind in wanted:
            by_kind.setdefault(zone.kind, []).append(zone)
    for kind, members in by_kind.items():
        outline, alpha = style.ZONE_COLOURS.get(kind, ("#94a3b8", 30))
        width = 1.0 if kind == "单元网格" else 1.6
        items.append(polygons_item(proj, [(z.ring, z.holes) for z in members], outline, outline, alpha,
                                   width, dash=kind in ("单元网格", "责任区")))
        if kind == "单元网格":
            continue  # 80+ cell codes would bury the map; the tooltip/details name the cell
        for zone in members:
            arr = np.asarray(zone.ring, dtype=np.float64)
            x, y = proj.to_xy(arr[:, 0], arr[:, 1])
            label = pg.TextItem(zone.label, color=outline, anchor=(0.5, 0.5))
            label.setFont(ZONE_FONT)
            label.setPos(float(x.mean()), float(y.mean()))
            labels.append(label)
    return items, labels
