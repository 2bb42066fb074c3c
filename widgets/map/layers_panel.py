"""The map's layer switches with their legend: one check box per layer, the symbols it draws under it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QWidget

from commandcenter.mapdata.zoneshapes import GRID_CELL, RESPONSIBILITY
from widgets.map import labels, style
from widgets.map.sensors import layer_legend, layer_title

MANAGEMENT_KINDS = ("疏导点", "管控点", "特色点", "禁止设摊区")
HIDDEN_AT_START = ("heatmap", "grid")


def swatch(colour: str, shape: str = "o", size: int = 14) -> QIcon:
    """A legend icon: the layer's symbol in its colour."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(QColor(style.BACKGROUND))
    r = QRectF(2, 2, size - 4, size - 4)
    if shape == "s":
        painter.drawRect(r)
    elif shape == "line":
        painter.setPen(QColor(colour))
        painter.drawLine(QPointF(1, size / 2), QPointF(size - 1, size / 2))
    elif shape == "area":
        fill = QColor(colour)
        fill.setAlpha(90)
        painter.setBrush(fill)
        painter.setPen(QColor(colour))
        painter.drawRect(r)
    else:
        painter.drawEllipse(r)
    painter.end()
    return QIcon(pix)


class LayersPanel(QGroupBox):
    """Check boxes that switch the map's layers, each with its legend; ``toggled(key, on)`` on every change."""

    toggled = Signal(str, bool)

    def __init__(self, trail_minutes: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Layers and legend"))
        self.checks: dict[str, QCheckBox] = {}
        self._grid = grid = QGridLayout(self)
        grid.setVerticalSpacing(2)
        row = 0
        for key, text, legend in self._legend_spec(trail_minutes):
            check = QCheckBox(text)
            check.setChecked(key not in HIDDEN_AT_START)
            check.toggled.connect(lambda on, k=key: self.toggled.emit(k, on))
            self.checks[key] = check
            grid.addWidget(check, row, 0, 1, 2)
            row += 1
            for colour, shape, label in legend:
                icon = QLabel()
                icon.setPixmap(swatch(colour, shape).pixmap(14, 14))
                grid.addWidget(icon, row, 0, Qt.AlignmentFlag.AlignRight)
                grid.addWidget(QLabel(label), row, 1)
                row += 1

    def add_extra(self, widget: QWidget) -> None:
        """Controls of a layer (e.g. the heatmap's period) under the legend."""
        self._grid.addWidget(widget, self._grid.rowCount(), 0, 1, 2)

    def is_checked(self, key: str) -> bool:
        """Whether a layer is switched on (layers without a check box always are)."""
        check = self.checks.get(key)
        return check.isChecked() if check is not None else True

    def _legend_spec(self, trail_minutes: float) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
        """(layer key, check text, legend rows (colour, shape, text)) in panel order."""
        status = labels.status_labels()
        cases = style.CASE_STATUS_COLOURS
        return [
            ("officers", self.tr("Officers"),
             [(c, "o", status[s]) for s, c in style.OFFICER_STATUS_COLOURS.items()]
             + [(style.STALE_COLOUR, "o", self.tr("No recent fix"))]),
            ("vehicles", self.tr("Vehicles"),
             [(c, "s", labels.vehicle_label(k)) for k, c in style.VEHICLE_COLOURS.items()]),
            ("drones", self.tr("Drones"), [(style.DRONE_COLOUR, "o", self.tr("Drone (arrow = heading)"))]),
            ("cameras", self.tr("Cameras"), [(style.CAMERA_COLOUR, "s", self.tr("Camera (click or drag)"))]),
            ("zones", self.tr("Management zones"),
             [(style.ZONE_COLOURS[k][0], "area", labels.zone_label(k)) for k in MANAGEMENT_KINDS]),
            ("areas", self.tr("Responsibility areas"), [(style.ZONE_COLOURS[RESPONSIBILITY][0], "line",
                                                          labels.zone_label(RESPONSIBILITY))]),
            ("grid", self.tr("Unit grid"), [(style.ZONE_COLOURS[GRID_CELL][0], "line", labels.zone_label(GRID_CELL))]),
            ("cases", self.tr("Cases"), [(cases["new"], "o", self.tr("New / registered")),
                                         (cases["dispatched"], "o", self.tr("Dispatched / on scene")),
                                         (cases["handled"], "o", self.tr("Handled")),
                                         (cases["closed"], "o", self.tr("Closed"))]),
            ("sanitation", layer_title(), layer_legend()),
            ("heatmap", self.tr("Case heatmap"), []),
            ("trails", self.tr("Trails"), [(style.qcolor(style.TRAIL_COLOUR).name(), "line",
                                            self.tr("Last {0} min").format(int(trail_minutes)))]),
            ("labels", self.tr("Street names"), []),
        ]
