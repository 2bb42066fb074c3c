"""Drawing the offline vector basemap, zone polygons and names as one cached graphics item.

A district has thousands of buildings and hundreds of road ways. One ``QGraphicsItem`` per feature would make
every repaint walk thousands of items, so features are merged per style into :class:`Shape` s — one path per
road class, one for all buildings, one for all water … — with cosmetic pens (width in pixels, legible at every
zoom). All static parts are painted by a single :class:`StaticLayersItem` that keeps its own pixmap cache,
so a frame costs one blit. Names are drawn in device pixels: one per named road along its longest
segment, one per zone at its centroid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem

from commandcenter.geo.basemap import Basemap, MapFeature
from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.zoneshapes import MapZone
from widgets.map import style

LatLon = tuple[float, float]

LABEL_FONT = QFont("Noto Sans CJK SC", 9)
ZONE_FONT = QFont("Noto Sans CJK SC", 8)


@dataclass(frozen=True, slots=True)
class Label:
    """A text of fixed pixel size at a map point; ``angle`` in degrees counter-clockwise (street names)."""

    text: str
    x: float
    y: float
    colour: str
    font: QFont
    angle: float = 0.0
    anchor: tuple[float, float] = (0.5, 0.5)  # fraction of the text box placed on the point
    priority: int = 0  # placed first when labels collide (see StaticLayersItem: higher wins)


# Which names win a collision: management zones (what a dispatcher acts on), then water, parks and squares,
# then street names, then the 责任区 names of the grid (they repeat in every block).
PRIORITY_ZONE, PRIORITY_PLACE, PRIORITY_STREET, PRIORITY_AREA = 40, 30, 20, 10
VERTICAL_DEG = 60.0  # a street steeper than this on screen gets its Chinese name stacked upright
# Where a point label may go when its place is taken: on it, above, below, right, left (in box sizes).
_NUDGES = ((0.0, 0.0), (0.0, -1.05), (0.0, 1.05), (0.6, 0.0), (-0.6, 0.0))


@dataclass(frozen=True, slots=True)
class Shape:
    """One merged path and how to draw it."""

    path: QPainterPath
    pen: QPen
    brush: QBrush



class StaticLayersItem(QGraphicsItem):
    """Everything that does not move — basemap shapes, zones, grid, names — painted by one item, cached.

    Why one item with its own cache: a dozen static items cost a dozen viewport-sized alpha blits per frame
    even with Qt's device cache (and Qt's cache for items larger than the viewport re-renders far too often).
    Here the parts are rendered once into one pixmap a margin larger than the viewport; a repaint is one blit
    (opaque when the vector basemap is the background), panning within the margin re-uses it with an
    offset, and only a zoom, a resize, a pan beyond the margin or a layer change re-renders.

    Parts are drawn in insertion order, shapes of all parts first, then all labels (names stay readable
    over any fill).
    """

    MARGIN_PX = 256

    def __init__(self) -> None:
        super().__init__()
        self.parts: dict[str, tuple[list[Shape], list[Label]]] = {}
        self.visible_parts: set[str] = set()
        self.background: QColor | None = QColor(style.LAND)
        self._cache: QPixmap | None = None
        self._cache_key: tuple[float, ...] | None = None
        self._cache_origin = (0.0, 0.0)
        self.renders = 0
        self.placed: list[tuple[Label, LabelBox]] = []  # the labels drawn at the last render, where

    # -- content -------------------------------------------------------------------------------------------
    def set_part(self, key: str, shapes: Sequence[Shape], labels: Sequence[Label], visible: bool = True) -> None:
        self.parts[key] = (list(shapes), list(labels))
        if visible:
            self.visible_parts.add(key)
        else:
            self.visible_parts.discard(key)
        self.invalidate()

    def set_part_visible(self, key: str, visible: bool) -> None:
        if visible == (key in self.visible_parts):
            return
        if visible:
            self.visible_parts.add(key)
        else:
            self.visible_parts.discard(key)
        self.invalidate()

    def part_visible(self, key: str) -> bool:
        return key in self.visible_parts

    def set_background(self, colour: QColor | None) -> None:
        """Opaque land colour under the vector basemap; None over raster tiles (transparent)."""
        self.background = colour
        self.invalidate()

    def shapes(self, key: str) -> list[Shape]:
        return self.parts.get(key, ([], []))[0]

    def labels(self, key: str) -> list[str]:
        return [label.text for label in self.parts.get(key, ([], []))[1]]

    def invalidate(self) -> None:
        self._cache_key = None
        self.update()

    # -- QGraphicsItem -------------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        # Labels and pens extend in pixels, and the background fills the viewport: claim a very large area
        # (the item is always "visible"; culling it would blank the map).
        return QRectF(-1e9, -1e9, 2e9, 2e9)

    def paint(self, painter: QPainter, _option: object, _widget: object = None) -> None:
        device = painter.device()
        world = painter.worldTransform()
        dpr = float(device.devicePixelRatioF()) if hasattr(device, "devicePixelRatioF") else 1.0
        w, h = device.width(), device.height()
        key = (round(world.m11(), 12), round(world.m12(), 12), round(world.m21(), 12), round(world.m22(), 12),
               float(w), float(h), dpr)
        dx = world.dx() - self._cache_origin[0]
        dy = world.dy() - self._cache_origin[1]
        m = self.MARGIN_PX
        if self._cache is None or self._cache_key != key or abs(dx) > m or abs(dy) > m:
            self._render(world, w, h, dpr, key)
            dx = dy = 0.0
        assert self._cache is not None
        painter.save()
        painter.resetTransform()
        painter.drawPixmap(QPointF(dx - m, dy - m), self._cache)
        painter.restore()

    def _render(self, world: QTransform, w: int, h: int, dpr: float, key: tuple[float, ...]) -> None:
        m = self.MARGIN_PX
        pixmap = QPixmap(int((w + 2 * m) * dpr), int((h + 2 * m) * dpr))
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(self.background if self.background is not None else QColor(0, 0, 0, 0))
        shifted = QTransform(world.m11(), world.m12(), world.m21(), world.m22(), world.dx() + m, world.dy() + m)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.setTransform(shifted)
        for part_key, (shapes, _labels) in self.parts.items():
            if part_key in self.visible_parts:
                for shape in shapes:
                    p.setPen(shape.pen)
                    p.setBrush(shape.brush)
                    p.drawPath(shape.path)
        halo = QColor(style.BACKGROUND)
        halo.setAlpha(150)
        visible = [label for part_key, (_shapes, labels) in self.parts.items() if part_key in self.visible_parts
                   for label in labels]
        self.placed = place_labels(p, shifted, visible)
        for label, box in self.placed:
            _draw_label(p, label, box, halo)
        p.end()
        self._cache = pixmap
        self._cache_key = key
        self._cache_origin = (world.dx(), world.dy())
        self.renders += 1


@dataclass(frozen=True, slots=True)
class LabelBox:
    """Where a label is drawn, in device pixels: ``centre`` of its box of ``size`` (before rotation),
    rotated by ``angle``; ``upright`` when its characters are stacked top to bottom; ``bounds`` is the
    axis-aligned rectangle it covers, used to keep labels from overlapping."""

    centre: QPointF
    width: float
    height: float
    angle: float
    upright: bool
    bounds: QRectF


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def label_box(metrics: QFontMetricsF, label: Label, point: QPointF, nudge: tuple[float, float] = (0.0, 0.0)
              ) -> LabelBox:
    """The box of ``label`` at device ``point``: a Chinese name along a near-vertical street is stacked
    upright, one character under the other, as Chinese maps print it; other text follows its angle."""
    upright = abs(label.angle) >= VERTICAL_DEG and _is_cjk(label.text) and len(label.text) > 1
    if upright:
        width = max(metrics.horizontalAdvance(ch) for ch in label.text)
        height = metrics.height() * len(label.text)
        angle = 0.0
    else:
        width, height, angle = metrics.horizontalAdvance(label.text), metrics.height(), label.angle
    cx = point.x() + (0.5 - label.anchor[0]) * width + nudge[0] * width
    cy = point.y() + (0.5 - label.anchor[1]) * height + nudge[1] * height
    centre = QPointF(cx, cy)
    local = QRectF(-width / 2 - 2, -height / 2, width + 4, height)
    bounds = QTransform().translate(cx, cy).rotate(-angle).mapRect(local)
    return LabelBox(centre, width, height, angle, upright, bounds)


def place_labels(p: QPainter, world: QTransform, labels: Sequence[Label]) -> list[tuple[Label, LabelBox]]:
    """The collision pass: labels by priority (ties in their given order), each placed where it overlaps no
    label placed before it — on its point, else nudged above/below/beside (point labels only; a street name
    belongs on its street) — or left out. Returns what to draw and where."""
    placed: list[tuple[Label, LabelBox]] = []
    taken: list[QRectF] = []
    order = sorted(range(len(labels)), key=lambda i: -labels[i].priority)
    metrics_by_font: dict[str, QFontMetricsF] = {}
    for index in order:
        label = labels[index]
        key = label.font.key()
        metrics = metrics_by_font.get(key)
        if metrics is None:
            metrics = metrics_by_font[key] = QFontMetricsF(label.font, p.device())
        point = world.map(QPointF(label.x, label.y))
        nudges = _NUDGES if label.angle == 0.0 else _NUDGES[:1]
        for nudge in nudges:
            box = label_box(metrics, label, point, nudge)
            if not any(box.bounds.intersects(other) for other in taken):
                placed.append((label, box))
                taken.append(box.bounds)
                break
    return placed


def _draw_label(p: QPainter, label: Label, box: LabelBox, halo: QColor | None) -> None:
    """Draw a placed label in device pixels (``p``'s transform is replaced)."""
    p.setFont(label.font)
    p.setTransform(QTransform().translate(box.centre.x(), box.centre.y()).rotate(-box.angle))
    rect = QRectF(-box.width / 2, -box.height / 2, box.width, box.height)
    if halo is not None:
        p.fillRect(rect.adjusted(-2, 0, 2, 0), halo)
    p.setPen(style.qcolor(label.colour))
    if box.upright:
        line = box.height / len(label.text)
        for i, ch in enumerate(label.text):
            p.drawText(QRectF(rect.left(), rect.top() + i * line, box.width, line),
                       int(Qt.AlignmentFlag.AlignCenter), ch)
    else:
        p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), label.text)


class LabelsItem(QGraphicsItem):
    """A few changing labels (ages of silent units, facilities' numbers) painted in device pixels by one item.

    Why a pixmap of its own: placing and drawing the labels is dozens of Qt calls from Python per label, and
    the map repaints several times a second while units move; each such call may hand the interpreter lock to
    a busy worker thread and wait for it back, so a frame took a hundred milliseconds of waiting. The labels
    are rendered once per view and change; a repaint in the same view is one blit.
    """

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[Label] = []
        self.renders = 0
        self._cache: QPixmap | None = None
        self._cache_key: tuple[float, ...] | None = None

    def set_labels(self, labels: Sequence[Label]) -> None:
        self.prepareGeometryChange()
        self.labels = list(labels)
        self._cache_key = None
        self.update()

    def texts(self) -> list[str]:
        return [label.text for label in self.labels]

    def boundingRect(self) -> QRectF:
        return QRectF(-1e9, -1e9, 2e9, 2e9) if self.labels else QRectF()

    def paint(self, painter: QPainter, _option: object, _widget: object = None) -> None:
        if not self.labels:
            return
        device = painter.device()
        world = painter.worldTransform()
        dpr = float(device.devicePixelRatioF()) if hasattr(device, "devicePixelRatioF") else 1.0
        key = (world.m11(), world.m12(), world.m21(), world.m22(), world.dx(), world.dy(),
               float(device.width()), float(device.height()), dpr)
        if self._cache is None or self._cache_key != key:
            pixmap = QPixmap(int(device.width() * dpr), int(device.height() * dpr))
            pixmap.setDevicePixelRatio(dpr)
            pixmap.fill(QColor(0, 0, 0, 0))
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
            for label, box in place_labels(p, world, self.labels):  # ages of silent units never pile up
                _draw_label(p, label, box, None)
            p.end()
            self._cache, self._cache_key = pixmap, key
            self.renders += 1
        painter.save()
        painter.resetTransform()
        painter.drawPixmap(QPointF(0.0, 0.0), self._cache)
        painter.restore()


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
                  dash: bool = False) -> Shape:
    """One path for many polygons (outer ring + holes, even-odd filled)."""
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
    brush = QBrush(style.qcolor(fill, fill_alpha)) if fill_alpha > 0 else QBrush(Qt.BrushStyle.NoBrush)
    return Shape(path, _pen(outline, width, dash=dash), brush)


def lines_item(proj: DisplayProjection, lines: Iterable[Sequence[LatLon]], colour: str, width: float,
               dash: bool = False) -> Shape:
    """One path for many polylines, built with a connect array (no per-line Python path calls)."""
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
    return Shape(path, _pen(colour, width, dash=dash), QBrush(Qt.BrushStyle.NoBrush))


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


def basemap_shapes(basemap: Basemap, proj: DisplayProjection) -> tuple[list[Shape], list[Label]]:
    """The basemap's merged shapes (bottom to top) and its road/park/water name labels."""
    items: list[Shape] = []
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

    boundary_polys: list[tuple[Sequence[LatLon], Sequence[Sequence[LatLon]]]] = [(f.coords, []) for f in basemap.boundaries if f.geometry == "polygon"]
    if boundary_polys:
        items.append(polygons_item(proj, boundary_polys, style.BOUNDARY, style.BOUNDARY, 0, 2.0, dash=True))
    boundary_lines = [f.coords for f in basemap.boundaries if f.geometry == "line"]
    if boundary_lines:
        items.append(lines_item(proj, boundary_lines, style.BOUNDARY, 2.0, dash=True))

    named: dict[str, list[MapFeature]] = {}
    for road in basemap.roads:
        if road.name and road.geometry == "line":
            named.setdefault(road.name, []).append(road)
    labels: list[Label] = []
    for name, features in named.items():
        cls = features[0].cls or "road"
        if not style.ROADS.get(cls, style.ROAD_DEFAULT)[3] and len(named) > 60:
            continue  # a big city: only major roads get a name
        anchor = _road_label_anchor(proj, features)
        if anchor is None:
            continue
        labels.append(Label(name, anchor[0], anchor[1], style.TEXT, LABEL_FONT, anchor[2],
                            priority=PRIORITY_STREET))
    for poi in basemap.parks + basemap.plazas + basemap.water:
        if poi.name and poi.geometry == "polygon":
            arr = np.asarray(poi.coords, dtype=np.float64)
            x, y = proj.to_xy(arr[:, 0], arr[:, 1])
            labels.append(Label(poi.name, float(x.mean()), float(y.mean()), "#9fb3c8", ZONE_FONT,
                                priority=PRIORITY_PLACE))
    return items, labels


def zone_shapes(zones: Sequence[MapZone], proj: DisplayProjection,
                kinds: Iterable[str]) -> tuple[list[Shape], list[Label]]:
    """Polygons (one path per kind) and name labels of the zones whose kind is in ``kinds``."""
    wanted = set(kinds)
    shapes: list[Shape] = []
    labels: list[Label] = []
    by_kind: dict[str, list[MapZone]] = {}
    for zone in zones:
        if zone.kind in wanted:
            by_kind.setdefault(zone.kind, []).append(zone)
    for kind, members in by_kind.items():
        outline, alpha = style.ZONE_COLOURS.get(kind, ("#94a3b8", 30))
        width = 1.0 if kind == "单元网格" else 1.6
        shapes.append(polygons_item(proj, [(z.ring, z.holes) for z in members], outline, outline, alpha,
                                    width, dash=kind in ("单元网格", "责任区")))
        if kind == "单元网格":
            continue  # 80+ cell codes would bury the map; the tooltip/details name the cell
        for zone in members:
            arr = np.asarray(zone.ring, dtype=np.float64)
            x, y = proj.to_xy(arr[:, 0], arr[:, 1])
            labels.append(Label(zone.label, float(x.mean()), float(y.mean()), outline, ZONE_FONT,
                                priority=PRIORITY_AREA if kind == "责任区" else PRIORITY_ZONE))
    return shapes, labels
