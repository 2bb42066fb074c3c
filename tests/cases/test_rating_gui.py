"""The desk's 回访 on the dispatch screen: a closed case offers 回访评价, the dispatcher picks the answer in the
dialog and records it with real clicks; the case then shows its rating and the button is spent."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from commandcenter.cases.service import CaseService
from tests.cases.test_dispatch_screen import screen  # noqa: F401  (the fixture)


def test_callback_rating_from_the_close_flow(qtbot: Any, screen: Any, service: CaseService) -> None:  # noqa: F811
    code = screen.late_code
    screen.select_case(code)
    qtbot.waitUntil(lambda: screen._current is not None and screen._current.code == code, timeout=5000)
    bar = screen.action_bar
    assert not bar.rating_button.isVisible()  # an open case has nothing to rate yet
    service.dispatch(code, "o1", "d1").result(10)
    for step in ("arrive", "feedback", "verify"):
        service.transition(code, step, "d1", reason="测试").result(10)
    screen.select_case(code)
    qtbot.waitUntil(lambda: "close" in bar.buttons, timeout=5000)
    qtbot.mouseClick(bar.buttons["close"], Qt.MouseButton.LeftButton)  # 结案 with a click
    qtbot.waitUntil(lambda: bar.rating_button.isVisible() and bar.rating_button.isEnabled(), timeout=5000)
    assert service.get(code).status == "closed"

    qtbot.mouseClick(bar.rating_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.rating_dialog is not None and bar.rating_dialog.isVisible(), timeout=5000)
    dialog = bar.rating_dialog
    assert dialog.answer.count() == 5 and dialog.answer.currentData() == 4  # 满意 preselected
    dialog.answer.setCurrentIndex(dialog.answer.findData(3))
    dialog.comment_edit.setText("基本解决，希望加强巡查")  # Chinese comes through the input method, not keys
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: service.get(code).extra.get("rating") == 3, timeout=5000)
    detail = service.get(code).extra["rating_detail"]
    assert detail["source"] == "callback" and detail["comment"] == "基本解决，希望加强巡查" and detail["by"] == screen.actor
    qtbot.waitUntil(lambda: not bar.rating_button.isEnabled() and "3" in bar.rating_button.text(), timeout=5000)
    history = [screen.case.history.item(i).text() for i in range(screen.case.history.count())]
    assert any("调度回访 3 分" in line for line in history)
