"""The selected drone's instruments: attitude indicator and the telemetry table."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from commandcenter.drones.fleet import VehicleState
from widgets import theme
from widgets.drones.attitude import AttitudeIndicator
from widgets.drones.status import GPS_FIX, link_text

FIELDS = ("mode", "armed", "altitude", "speed", "heading", "battery", "gps", "link", "position")


class InstrumentsPanel(QWidget):
    """Attitude and telemetry of one vehicle; ``fields[key] = (name label, value label)``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.attitude = AttitudeIndicator()
        layout.addWidget(self.attitude)
        self.telemetry_box = QGroupBox()
        grid = QGridLayout(self.telemetry_box)
        self.fields: dict[str, tuple[QLabel, QLabel]] = {}
        for row, key in enumerate(FIELDS):
            name, value = QLabel(), QLabel("—")
            theme.set_role(name, "name")
            theme.set_role(value, "value")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.fields[key] = (name, value)
        layout.addWidget(self.telemetry_box)
        self._last: tuple[VehicleState | None, str] = (None, "offline")
        self.retranslate()

    def retranslate(self) -> None:
        self.telemetry_box.setTitle(self.tr("Telemetry"))
        labels = {"mode": self.tr("Mode"), "armed": self.tr("Armed"), "altitude": self.tr("Altitude"),
                  "speed": self.tr("Ground / air speed"), "heading": self.tr("Heading"),
                  "battery": self.tr("Battery"), "gps": self.tr("GPS / satellites"), "link": self.tr("Link"),
                  "position": self.tr("Position")}
        for key, (name, _value) in self.fields.items():
            name.setText(labels[key])
        self.show_state(*self._last)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_state(self, state: VehicleState | None, link: str) -> None:
        """Show a vehicle's state (None: no vehicle, or nothing heard from it yet)."""
        self._last = (state, link)
        values = self._telemetry_text(state, link)
        for key, (_name, value) in self.fields.items():
            text = values.get(key, "—")
            if value.text() != text:
                value.setText(text)
        if state is None:
            self.attitude.set_attitude(0.0, 0.0, 0.0, valid=False)
        else:
            self.attitude.set_attitude(state.roll, state.pitch, state.heading if state.heading is not None
                                       else state.yaw, valid=link == "ok")

    def _telemetry_text(self, s: VehicleState | None, link: str) -> dict[str, str]:
        if s is None:
            return {"link": link_text(link)}

        def num(value: float | None, fmt: str) -> str:
            return "—" if value is None else format(value, fmt)

        battery = f"{num(s.battery_voltage, '.1f')} V  {num(s.battery_pct, '.0f')}%"
        if s.time_left_s is not None:
            battery += "  " + self.tr("{0} min left").format(f"{s.time_left_s / 60:.0f}")
        return {
            "mode": s.mode,
            "armed": self.tr("ARMED") if s.armed else self.tr("disarmed"),
            "altitude": f"{num(s.alt_rel, '.1f')} m  (MSL {num(s.alt_msl, '.0f')} m)",
            "speed": f"{num(s.groundspeed, '.1f')} / {num(s.airspeed, '.1f')} m/s",
            "heading": f"{num(s.heading, '03.0f')}°",
            "battery": battery,
            "gps": f"{GPS_FIX.get(s.gps_fix, str(s.gps_fix))}  ·  {s.satellites}",
            "link": f"{link_text(link)}  {s.link_quality * 100:.0f}%",
            "position": f"{num(s.lat, '.6f')}, {num(s.lon, '.6f')}",
        }
