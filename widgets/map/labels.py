"""The map's words for unit kinds, officer statuses, vehicle types, zone kinds and ages (translated, one place).

The legend, the hover text and the details panel all read them here, so they cannot disagree. Every string is
spelt out in a ``QCoreApplication.translate("MapLabels", …)`` call so that lupdate finds it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from commandcenter.mapdata.zoneshapes import GRID_CELL, RESPONSIBILITY


def status_labels() -> dict[str, str]:
    """Officer status → label, in the legend's order."""
    return {
        "idle": QCoreApplication.translate("MapLabels", "Available"),
        "dispatched": QCoreApplication.translate("MapLabels", "En route"),
        "handling": QCoreApplication.translate("MapLabels", "On scene"),
        "resting": QCoreApplication.translate("MapLabels", "Resting"),
        "offline": QCoreApplication.translate("MapLabels", "Offline"),
    }


def vehicle_label(kind: str) -> str:
    labels = {
        "环卫车": QCoreApplication.translate("MapLabels", "Sanitation truck"),
        "执法车": QCoreApplication.translate("MapLabels", "Enforcement car"),
        "洒水车": QCoreApplication.translate("MapLabels", "Sprinkler truck"),
        "清扫车": QCoreApplication.translate("MapLabels", "Sweeper"),
        "垃圾转运车": QCoreApplication.translate("MapLabels", "Refuse transfer truck"),
        "巡逻电动车": QCoreApplication.translate("MapLabels", "Patrol e-bike"),
    }
    return labels.get(kind, kind or QCoreApplication.translate("MapLabels", "Vehicle"))


def zone_label(kind: str) -> str:
    labels = {
        "疏导点": QCoreApplication.translate("MapLabels", "Designated vending area"),
        "管控点": QCoreApplication.translate("MapLabels", "Control point"),
        "特色点": QCoreApplication.translate("MapLabels", "Feature spot"),
        "禁止设摊区": QCoreApplication.translate("MapLabels", "No-vending zone"),
        GRID_CELL: QCoreApplication.translate("MapLabels", "Unit grid cell"),
        RESPONSIBILITY: QCoreApplication.translate("MapLabels", "Responsibility area"),
    }
    return labels.get(kind, kind)


def kind_label(kind: str, sub_kind: str) -> str:
    """What a unit is: a vehicle by its type, else officer or drone."""
    if kind == "vehicle":
        return vehicle_label(sub_kind)
    if kind == "drone":
        return QCoreApplication.translate("MapLabels", "Drone")
    return QCoreApplication.translate("MapLabels", "Officer") if kind == "officer" else kind


def format_age(seconds: float) -> str:
    """How long ago, in the largest whole unit (s, min, h, d)."""
    s = max(0, int(seconds))
    if s < 60:
        return QCoreApplication.translate("MapLabels", "{0} s").format(s)
    if s < 3600:
        return QCoreApplication.translate("MapLabels", "{0} min").format(s // 60)
    if s < 86400:
        return QCoreApplication.translate("MapLabels", "{0} h").format(s // 3600)
    return QCoreApplication.translate("MapLabels", "{0} d").format(s // 86400)
