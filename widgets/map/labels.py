"""The map's words for unit kinds, vehicle types and ages (translated, one place); statuses and zone kinds come
from :mod:`commandcenter.labels`, the application's one source.

The legend, the hover text and the details panel all read them here, so they cannot disagree. Every string is
spelt out in a ``QCoreApplication.translate("MapLabels", …)`` call so that lupdate finds it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from commandcenter.labels import UNIT_STATUS_LABELS, unit_status_label, zone_kind_label


def status_labels() -> dict[str, str]:
    """Officer status → label, in the legend's order (from the application's one source of status words)."""
    return {status: unit_status_label(status) for status in UNIT_STATUS_LABELS}


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
    """A zone kind in the user's language (the application's one source of zone-kind words)."""
    return zone_kind_label(kind)


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
