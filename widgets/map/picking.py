"""What is under the pointer on the map: a unit, a camera or a case pin (units first, they move).

Tolerances are in screen pixels, converted at the current zoom, so picking feels the same at every scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication

from commandcenter.runtime.units import UnitInfo
from widgets.map import labels
from widgets.map.canvas import HIT_PX, MapCanvas
from widgets.map.points import CaseLayer
from widgets.map.units import UnitLayer


@dataclass(frozen=True)
class Pick:
    """One thing hit: exactly one of the fields is set."""

    unit: str | None = None
    camera: str | None = None
    case: dict[str, Any] | None = None


class MapPicker:
    """Hit tests over the layers on the map now (live or replayed, given by ``layers()``)."""

    def __init__(self, canvas: MapCanvas, layers: Callable[[], tuple[UnitLayer, CaseLayer]],
                 unit_info: Callable[[str], UnitInfo | None]) -> None:
        self.canvas = canvas
        self._layers = layers
        self._unit_info = unit_info

    def case_at(self, x: float, y: float) -> dict[str, Any] | None:
        if not self.canvas.layer_visible("cases"):
            return None
        return self._layers()[1].nearest(x, y, HIT_PX * 1.5 * self.canvas.pixel_m())

    def pick(self, x: float, y: float) -> Pick | None:
        """The unit, camera or case drawn at display point (x, y), in that order of preference."""
        unit = self._layers()[0].nearest(x, y, HIT_PX * self.canvas.pixel_m())
        if unit is not None:
            return Pick(unit=unit)
        camera = self.canvas.camera_at(x, y)
        if camera is not None:
            return Pick(camera=camera)
        case = self.case_at(x, y)
        return Pick(case=case) if case is not None else None

    def hover_text(self, x: float, y: float) -> str:
        """The tooltip for what is under the pointer ("" for nothing)."""
        hit = self.pick(x, y)
        if hit is None:
            return ""
        if hit.unit is not None:
            layer = self._layers()[0]
            info = self._unit_info(hit.unit)
            age = layer.age_s(hit.unit)
            text = f"{info.name if info else hit.unit} · {labels.kind_label(info.kind, info.sub_kind) if info else ''}"
            if info is not None and info.kind == "officer":
                text += f" · {labels.status_labels().get(info.status, info.status)}"
            if age is not None and layer.is_stale(hit.unit):
                no_fix = QCoreApplication.translate("MapPicker", "no fix for {0}")
                text += " · " + no_fix.format(labels.format_age(age))
            return text
        if hit.camera is not None:
            cam = self.canvas.cameras.camera(hit.camera)
            hint = QCoreApplication.translate("MapPicker", "Camera {0} — click to view, drag to the wall")
            return hint.format(cam.name or cam.id)
        case = hit.case or {}
        return f"{case.get('code', '')} {case.get('category_name', '')}"

