"""What the map says about the selected unit (live or at the replayed moment) or a clicked case."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from commandcenter.domain import UnitPosition
from commandcenter.mapdata.replay import HistoricalPosition
from commandcenter.runtime.units import UnitInfo
from widgets import theme
from widgets.assignees import assignee_kind_label
from widgets.map import labels


class DetailsPanel(QGroupBox):
    """Rich-text details of one unit or case."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Details"))
        layout = QVBoxLayout(self)
        self.label = QLabel(self.tr("Click a unit on the map"))
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setMinimumHeight(120)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.label)

    def text(self) -> str:
        return self.label.text()

    def show_unit(self, unit_id: str, info: UnitInfo | None, *, live: tuple[UnitPosition, float, bool] | None,
                  replay: tuple[float, HistoricalPosition | None] | None, case: dict[str, Any] | None) -> None:
        """A unit: what it is, then its replayed position at ``replay = (time, where)`` or its live
        ``live = (position, age s, stale)``, then the case it is on."""
        tr_badge_plate_terminal = self.tr("Badge / plate / terminal")
        tr_current_case = self.tr("Current case")
        tr_last_fix_age = self.tr("Last fix age")
        tr_position = self.tr("Position")
        tr_replay_time = self.tr("Replay time")
        tr_speed = self.tr("Speed")
        tr_status = self.tr("Status")
        tr_type = self.tr("Type")
        rows = [f"<b>{html.escape(info.name if info else unit_id)}</b> ({html.escape(unit_id)})"]
        if info is not None:
            rows.append(f"{tr_type}: {html.escape(labels.kind_label(info.kind, info.sub_kind))}")
            if info.kind == "officer":
                status = labels.status_labels().get(info.status, info.status)
                rows.append(f"{tr_status}: {html.escape(status)}")
            if info.device_keys:
                rows.append(f"{tr_badge_plate_terminal}: {html.escape(', '.join(info.device_keys))}")
        if replay is not None:
            ts, where = replay
            rows.append(f"{tr_replay_time}: {datetime.fromtimestamp(ts).strftime('%Y-%m-%d %H:%M:%S')}")
            if where is None:
                rows.append(self.tr("No position at this time"))
            else:
                rows.append(f"{tr_position}: {where.lat:.6f}, {where.lon:.6f}")
                if where.speed is not None:
                    rows.append(f"{tr_speed}: {where.speed:.1f} km/h")
                rows.append(f"{tr_last_fix_age}: {labels.format_age(where.age_s)}")
        elif live is not None:
            pos, age, stale = live
            if pos.speed is not None:
                rows.append(f"{tr_speed}: {pos.speed:.1f} km/h")
            colour = theme.colour("error" if stale else "text")
            rows.append(f"<span style='color:{colour}'>{tr_last_fix_age}: {labels.format_age(age)}</span>")
            rows.append(f"{tr_position}: {pos.lat:.6f}, {pos.lon:.6f}")
        else:
            rows.append(self.tr("No position yet"))
        rows.append(f"{tr_current_case}: "
                    + (html.escape(f"{case.get('code', '')} {case.get('category_name', '')}") if case
                       else self.tr("none")))
        self.label.setText("<br>".join(rows))

    def show_case(self, case: dict[str, Any]) -> None:
        tr_status = self.tr("Status")
        tr_urgency = self.tr("Urgency")
        rows = [f"<b>{html.escape(str(case.get('code', '')))}</b>",
                html.escape(str(case.get("category_name", ""))),
                f"{tr_status}: {html.escape(str(case.get('status', '')))}",
                f"{tr_urgency}: {html.escape(str(case.get('urgency', '')))}"]
        if case.get("address"):
            rows.append(html.escape(str(case["address"])))
        if case.get("assigned_unit"):  # who or what was sent: 执法队员, 环卫工人 or a vehicle by its plate
            kind = assignee_kind_label(str(case.get("assignee_kind") or "officer"))
            rows.append(f"{self.tr('Assigned to')}: [{html.escape(kind)}] "
                        f"{html.escape(str(case.get('assigned_officer') or case['assigned_unit']))}")
        self.label.setText("<br>".join(rows))
