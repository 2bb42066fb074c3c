"""The 在班 panel shows the latest board when it comes into view, not while it is hidden behind another tab."""

from __future__ import annotations

from typing import Any

from commandcenter.cases.shifts import TeamDuty
from widgets.dispatch.duty_panel import DutyPanel


def _board(on_duty: int) -> list[TeamDuty]:
    officers = tuple((f"队员{i}", "idle") for i in range(on_duty))
    return [TeamDuty("市政养护队", True, (), officers, (), ())]


def test_a_hidden_panel_shows_the_latest_board_when_shown(qtbot: Any) -> None:
    panel = DutyPanel()
    qtbot.addWidget(panel)
    panel.show_board(_board(1))
    panel.show_board(_board(3))  # still hidden: nothing built yet, only the latest board kept
    assert panel.tree.topLevelItemCount() == 0
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.tree.topLevelItemCount() == 1
    assert panel.tree.topLevelItem(0).text(2) == "3" and panel.tree.topLevelItem(0).childCount() == 3
    panel.show_board(_board(2))  # in view: at once
    assert panel.tree.topLevelItem(0).text(2) == "2"
