"""飞往此处: the confirmation a pilot answers before a drone is sent to a clicked point — where, and how high."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from commandcenter.drones.missions import MAX_ALT_M
from widgets.drones.commands_panel import spin


class GotoDialog(QDialog):
    """Names the drone and the point, asks the altitude (m above home); 飞往 sends, 取消 sends nothing."""

    def __init__(self, name: str, lat: float, lon: float, altitude: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Fly here"))
        layout = QVBoxLayout(self)
        self.question = QLabel(self.tr("Send {0} to {1}, {2}?").format(name, f"{lat:.6f}", f"{lon:.6f}"))
        layout.addWidget(self.question)
        form = QFormLayout()
        self.altitude_spin = spin(5, MAX_ALT_M, round(altitude), " m")
        form.addRow(self.tr("Altitude above home"), self.altitude_spin)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if ok is not None:
            ok.setText(self.tr("Fly there"))
        if cancel is not None:
            cancel.setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.altitude_spin.setFocus()
        self.altitude_spin.selectAll()

    def altitude(self) -> float:
        return float(self.altitude_spin.value())
