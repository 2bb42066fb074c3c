"""Names and formats of the KPI figures on screen (translated), and which way is better for each.

The core's ``commandcenter.kpi.figures.FIGURES`` carries the Chinese names the printed reports use; the screen
follows the seat's language, so its labels come from the catalogue.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from commandcenter.kpi.figures import FIGURES

FIGURE_KIND: dict[str, str] = {name: kind for name, _zh, kind in FIGURES}
LOWER_IS_BETTER = frozenset({"rework_rate", "reoffence_rate", "median_response_min", "p90_response_min",
                             "median_handling_min"})
NEUTRAL = frozenset({"reported", "registered", "rated"})  # more cases is neither good nor bad news
BREAKDOWN_ORDER = ("team", "grid", "area", "category", "source", "officer")


def figure_label(name: str) -> str:
    labels = {
        "reported": QCoreApplication.translate("BriefingFigures", "Reported"),
        "registered": QCoreApplication.translate("BriefingFigures", "Registered"),
        "closed": QCoreApplication.translate("BriefingFigures", "Closed"),
        "closure_rate": QCoreApplication.translate("BriefingFigures", "Closure rate"),
        "on_time_rate": QCoreApplication.translate("BriefingFigures", "Closed on time"),
        "rework_rate": QCoreApplication.translate("BriefingFigures", "Rework rate"),
        "timely_dispatch_rate": QCoreApplication.translate("BriefingFigures", "Dispatched on time"),
        "median_response_min": QCoreApplication.translate("BriefingFigures", "Median response (min)"),
        "p90_response_min": QCoreApplication.translate("BriefingFigures", "P90 response (min)"),
        "median_handling_min": QCoreApplication.translate("BriefingFigures", "Median handling (min)"),
        "responded_30min_rate": QCoreApplication.translate("BriefingFigures", "On scene within 30 min"),
        "handled_24h_rate": QCoreApplication.translate("BriefingFigures", "Handled within 24 h"),
        "rating_avg": QCoreApplication.translate("BriefingFigures", "Public rating (1–5)"),
        "rated": QCoreApplication.translate("BriefingFigures", "Ratings"),
        "field_use_rate": QCoreApplication.translate("BriefingFigures", "Field app use"),
        "reoffence_rate": QCoreApplication.translate("BriefingFigures", "Re-offence after a first-offence waiver"),
    }
    return labels.get(name, name)


def breakdown_label(by: str) -> str:
    labels = {"team": QCoreApplication.translate("BriefingFigures", "By team"), "grid": QCoreApplication.translate("BriefingFigures", "By grid"), "area": QCoreApplication.translate("BriefingFigures", "By responsibility area"),
              "category": QCoreApplication.translate("BriefingFigures", "By category"), "source": QCoreApplication.translate("BriefingFigures", "By channel"), "officer": QCoreApplication.translate("BriefingFigures", "By officer")}
    return labels.get(by, by)


def format_value(name: str, value: float | int | None) -> str:
    """A figure as a leader reads it: rates in per cent, minutes with one decimal, counts whole."""
    if value is None:
        return "—"
    kind = FIGURE_KIND.get(name, "count")
    if kind == "rate":
        return f"{100.0 * float(value):.1f}%"
    if kind in ("minutes", "score"):
        return f"{float(value):.1f}"
    return str(int(value))


def format_change(name: str, change: float | None, *, compact: bool = False) -> tuple[str, str]:
    """(▲/▼ text, colour role) of a change against the previous period; rates change in percentage points.

    The arrow is the direction; the colour says whether that direction is good news for this figure.
    ``compact``: without the unit, for table cells."""
    if change is None:
        return "", "muted"
    if abs(change) < 1e-9:
        return "＝", "muted"
    arrow = "▲" if change > 0 else "▼"
    kind = FIGURE_KIND.get(name, "count")
    if kind == "rate" and compact:
        amount = f"{100.0 * abs(change):.1f}"
    elif kind == "rate":
        amount = QCoreApplication.translate("BriefingFigures", "%1 pts").replace("%1", f"{100.0 * abs(change):.1f}")
    elif kind in ("minutes", "score"):
        amount = f"{abs(change):.1f}"
    else:
        amount = str(round(abs(change)))
    if name in NEUTRAL:
        role = "muted"
    else:
        better = (change < 0) if name in LOWER_IS_BETTER else (change > 0)
        role = "ok" if better else "error"
    return f"{arrow} {amount}", role
