"""The drones of the fleet, one line each: name, mode, armed, battery, link, coloured by health."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QGroupBox, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from commandcenter.drones.fleet import DroneFleet
from widgets.drones.status import health_colour, link_text


class VehicleListPanel(QGroupBox):
    """``selected(drone id or None)`` when the pilot picks another drone."""

    selected = Signal(object)

    def __init__(self, fleet: DroneFleet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fleet = fleet
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._on_current)
        layout.addWidget(self.list)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Drones"))
        for row in range(self.list.count()):
            self.update_vehicle(self.list.item(row).data(Qt.ItemDataRole.UserRole))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def update_vehicle(self, drone_id: str) -> None:
        """Add or refresh a drone's line (the first drone seen is selected)."""
        item = self._item(drone_id)
        if item is None:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, drone_id)
            self.list.addItem(item)
        state = self.fleet.state(drone_id)
        link = self.fleet.link(drone_id)
        parts = [self.fleet.name(drone_id)]
        if state is not None:
            parts.append(state.mode)
            parts.append(self.tr("armed") if state.armed else self.tr("disarmed"))
            if state.battery_pct is not None:
                parts.append(f"{state.battery_pct:.0f}%")
        if link != "ok":
            parts.append(link_text(link))
        text = "  ·  ".join(parts)
        colour = health_colour(link, state)
        if item.text() != text:  # every Qt call releases the GIL to the link thread: skip the no-op ones
            item.setText(text)
        if item.foreground().color() != colour:
            item.setForeground(colour)
        if self.list.currentItem() is None:
            self.list.setCurrentRow(0)

    def _item(self, drone_id: str) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == drone_id:
                return item
        return None

    def _on_current(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self.selected.emit(current.data(Qt.ItemDataRole.UserRole) if current is not None else None)
