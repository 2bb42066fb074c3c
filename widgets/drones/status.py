"""How a drone's state reads at a glance: its health colour (list and map) and its link in words."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from commandcenter.drones.fleet import VehicleState
from widgets import theme

GPS_FIX = {0: "—", 1: "no fix", 2: "2D", 3: "3D", 4: "DGPS", 5: "RTK float", 6: "RTK fixed"}
_HEALTH_ROLES = {"ok": "ok", "warn": "warn", "bad": "error", "idle": "disabled"}


def health(link: str, state: VehicleState | None) -> str:
    """ok / warn / bad / idle: what colour a vehicle gets in the list and on the map."""
    if link in ("lost", "offline"):
        return "bad"
    if state is None or link == "connecting":
        return "idle"
    if (state.battery_pct is not None and state.battery_pct < 25) or state.gps_fix < 3 or state.link_quality < 0.7:
        return "warn"
    return "ok"


def health_colour(link: str, state: VehicleState | None) -> QColor:
    """The theme's colour for a vehicle's health."""
    return theme.qcolour(_HEALTH_ROLES[health(link, state)])


def link_text(link: str) -> str:
    return {"ok": QCoreApplication.translate("DroneStatus", "link OK"),
            "lost": QCoreApplication.translate("DroneStatus", "LINK LOST"),
            "offline": QCoreApplication.translate("DroneStatus", "offline"),
            "connecting": QCoreApplication.translate("DroneStatus", "connecting")}.get(link, link)
