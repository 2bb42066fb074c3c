"""Colours and symbols of the map: its symbology (roads, units, zones, cases), chosen against the map's dark
ground, whose colours come from the theme (``map_background``, ``map_land``, ``map_text``). One place, so the
legend and the layers cannot disagree."""

from __future__ import annotations

import math
from functools import lru_cache

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainterPath, QTransform

from widgets import theme

BACKGROUND = theme.colour("map_background")
LAND = theme.colour("map_land")
TEXT = theme.colour("map_text")
WATER = ("#16324f", "#1d4b73")  # fill, outline
PARK = ("#14361f", "#1d4a2b")
PLAZA = ("#2a2f3d", "#3a4154")
BUILDING = ("#1c2536", "#27324a")
BOUNDARY = "#e0a526"

# road class → (pen width px, colour, z order among roads, label?)
ROADS: dict[str, tuple[float, str, int, bool]] = {
    "motorway": (6.0, "#b7853f", 9, True),
    "trunk": (5.5, "#a9834a", 8, True),
    "primary": (5.0, "#8f7b52", 7, True),
    "secondary": (4.0, "#5d6f8c", 6, True),
    "tertiary": (3.5, "#52627d", 5, True),
    "pedestrian": (3.0, "#6b5a7a", 4, True),
    "residential": (2.5, "#3d4a61", 3, False),
    "unclassified": (2.0, "#3d4a61", 3, False),
    "living_street": (2.0, "#3d4a61", 3, False),
    "service": (1.5, "#333f53", 2, False),
    "footway": (1.0, "#3b4457", 1, False),
    "path": (1.0, "#3b4457", 1, False),
    "cycleway": (1.0, "#30515a", 1, False),
    "steps": (1.0, "#4a4457", 1, False),
}
ROAD_DEFAULT = (2.0, "#3d4a61", 3, False)

OFFICER_STATUS_COLOURS = {
    "idle": "#2ecc71",
    "dispatched": "#f39c12",
    "handling": "#e74c3c",
    "resting": "#3498db",
    "offline": "#7f8c8d",
}
STALE_COLOUR = "#5c6370"

VEHICLE_COLOURS = {
    "环卫车": "#1abc9c",
    "执法车": "#3b82f6",
    "洒水车": "#22d3ee",
    "清扫车": "#a3e635",
    "垃圾转运车": "#b08968",
    "巡逻电动车": "#a78bfa",
}
VEHICLE_OTHER = "#cbd5e1"
DRONE_COLOUR = "#ff4fd8"
CAMERA_COLOUR = "#facc15"
SELECTION_COLOUR = "#ffffff"
SOS_COLOUR = "#ff1f1f"  # an officer's SOS: the pulsing ring around his marker
SOS_FILL = (255, 31, 31, 70)
TRAIL_COLOUR = (120, 190, 255, 110)

ZONE_COLOURS = {  # kind → (outline, fill alpha 0..255)
    "疏导点": ("#22c55e", 50),
    "管控点": ("#f59e0b", 50),
    "特色点": ("#a855f7", 50),
    "禁止设摊区": ("#ef4444", 45),
    "单元网格": ("#64748b", 0),
    "责任区": ("#38bdf8", 0),
}

CASE_STATUS_COLOURS = {  # unknown statuses fall back to CASE_OTHER
    "new": "#ef4444", "reported": "#ef4444", "pending": "#ef4444", "registered": "#f97316",
    "dispatched": "#f59e0b", "accepted": "#f59e0b", "arrived": "#eab308", "handling": "#eab308",
    "handled": "#22c55e", "verified": "#22c55e", "closed": "#6b7280", "cancelled": "#6b7280",
    "rejected": "#6b7280",
}
CASE_OTHER = "#f472b6"
CASE_SIZE_BY_URGENCY = {1: 20, 2: 16, 3: 13}


def qcolor(spec: str | tuple[int, ...], alpha: int | None = None) -> QColor:
    colour = QColor(*spec) if isinstance(spec, tuple) else QColor(spec)
    if alpha is not None:
        colour.setAlpha(alpha)
    return colour


@lru_cache(maxsize=1)
def camera_symbol() -> QPainterPath:
    """A small camera body with a lens cone, in the unit square pyqtgraph scales to the symbol size."""
    path = QPainterPath()
    path.addRect(-0.45, -0.25, 0.6, 0.5)
    path.moveTo(0.15, -0.1)
    path.lineTo(0.45, -0.3)
    path.lineTo(0.45, 0.3)
    path.lineTo(0.15, 0.1)
    path.closeSubpath()
    return path


@lru_cache(maxsize=1)
def pin_symbol() -> QPainterPath:
    """A map pin whose tip is the case location (symbols are drawn centred, so the head sits above)."""
    path = QPainterPath()
    path.moveTo(0.0, 0.5)
    path.lineTo(-0.3, -0.05)
    path.arcTo(-0.3, -0.5, 0.6, 0.6, 180.0, -180.0)
    path.closeSubpath()  # symbol space has y growing downwards on screen: the tip points down
    return path


@lru_cache(maxsize=64)
def arrow_symbol(heading_bucket: int) -> QPainterPath:
    """A drone arrow pointing to ``heading_bucket * 10`` degrees (0 = north, clockwise)."""
    path = QPainterPath(QPointF(0.0, -0.5))
    path.lineTo(0.35, 0.45)
    path.lineTo(0.0, 0.2)
    path.lineTo(-0.35, 0.45)
    path.closeSubpath()
    return QTransform().rotate(float(heading_bucket * 10)).map(path)


def heading_bucket(heading: float | None) -> int:
    if heading is None or not math.isfinite(heading):
        return 0
    return round(heading / 10.0) % 36
