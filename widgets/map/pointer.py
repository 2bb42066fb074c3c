"""What the mouse does on the map: a tooltip naming what is under the cursor, and a left click told apart into
a unit, a camera, a case pin or an empty spot — each its own signal, so the screen only wires outcomes.

Hover tooltips are throttled to 20 Hz: pyqtgraph reports every mouse move, and hit-testing all layers on each
one is wasted work on the GUI thread.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QToolTip

from widgets.map.canvas import MapCanvas
from widgets.map.picking import MapPicker

HOVER_INTERVAL_S = 0.05


class MapPointer(QObject):
    """Hover and click handling over a :class:`MapCanvas`; ``picker`` decides what a point hits."""

    unit_clicked = Signal(str)  # unit id
    camera_clicked = Signal(str)  # camera id
    case_clicked = Signal(object)  # the case pin's dict
    empty_clicked = Signal(float, float)  # display x, y of a click that hit nothing

    def __init__(self, canvas: MapCanvas, picker: MapPicker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.picker = picker
        self._hover_last = 0.0
        scene = canvas.plot.scene()
        scene.sigMouseClicked.connect(self._on_scene_clicked)
        scene.sigMouseMoved.connect(self._on_scene_moved)

    def click(self, x: float, y: float) -> None:
        """A left click at display point (x, y): emits the signal of what it hit (units first, they move)."""
        hit = self.picker.pick(x, y)
        if hit is not None and hit.unit is not None:
            self.unit_clicked.emit(hit.unit)
        elif hit is not None and hit.camera is not None:
            self.camera_clicked.emit(hit.camera)
        elif hit is not None and hit.case is not None:
            self.case_clicked.emit(hit.case)
        else:
            self.empty_clicked.emit(x, y)

    def _on_scene_moved(self, scene_pos: QPointF) -> None:
        now = time.monotonic()
        if now - self._hover_last < HOVER_INTERVAL_S:
            return
        self._hover_last = now
        p = self.canvas.to_view(scene_pos)
        if p is None:
            return
        text = self.picker.hover_text(p.x(), p.y())
        if text:
            QToolTip.showText(QCursor.pos(), text, self.canvas)
        else:
            QToolTip.hideText()

    def _on_scene_clicked(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        p = self.canvas.plot.getViewBox().mapSceneToView(ev.scenePos())
        self.click(p.x(), p.y())
