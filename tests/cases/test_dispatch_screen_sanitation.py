"""The dispatch screen offers sanitation vehicles and workers for a 环卫 case (kind icon, plate, travel time) and
派遣 on a vehicle assigns the case to it: the queue and the detail then show the vehicle by plate, in Chinese.

Real SQLite store, the real case service and feed, the real screen offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.domain import UnitPosition
from commandcenter.i18n import install_language
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store
from commandcenter.store.models import Vehicle

from .conftest import NOW, Clock, seed

LAT, LON = 30.0000, 119.9950


def north(unit: str, kind: str, metres: float) -> UnitPosition:
    return UnitPosition(unit, kind, unit, LAT + metres / 111_195.0, LON, NOW)


@pytest.fixture
def chinese(qapp: Any) -> Iterator[None]:
    install_language(qapp, "zh")
    yield
    install_language(qapp, "en")


@pytest.fixture
def screen(qtbot: Any, store: Store, tasks: TaskManager, chinese: None) -> Iterator[Any]:
    from widgets.dispatch import DispatchScreen

    seed(store, [
        {"id": "o1", "badge": "B1", "name": "张三", "team": "执法中队", "skills": ["市容执法"], "duty_grid": "G001"},
        {"id": "w1", "badge": "H1", "name": "李四", "team": "环卫一队", "skills": ["环卫保洁"], "duty_grid": "G001"},
    ])
    store.write(lambda s: s.add_all([Vehicle(id="v2", plate="苏A·H0002", kind="环卫车", team="", status="idle"),
                                     Vehicle(id="v3", plate="苏A·H0003", kind="清扫车", team="", status="idle")]))
    positions = {"o1": north("o1", "officer", 10.0), "w1": north("w1", "officer", 300.0),
                 "v2": north("v2", "vehicle", 700.0), "v3": north("v3", "vehicle", 150.0)}
    service = CaseService(store, load_calendar(), load_categories(), clock=Clock(), positions=lambda: positions)
    service.refresh_roster()
    case = service.create_case(NewCase(source="patrol", category="垃圾满溢", lat=LAT, lon=LON, address="中山路1号",
                                       description="垃圾桶满溢"), "d1", register=True).result(timeout=10)
    feed = DispatchFeed(service, tasks)
    widget = DispatchScreen(service, feed)
    feed.start()
    widget.code = case.code  # type: ignore[attr-defined]
    widget.service = service  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1600, 900)
    widget.show()
    qtbot.waitUntil(lambda: widget.queue.model.rowCount() == 1, timeout=5000)
    yield widget
    widget.shutdown()
    feed.stop()


def test_dispatch_a_vehicle_from_the_recommendation_list(qtbot: Any, screen: Any, tmp_path: Path) -> None:
    code, service = screen.code, screen.service
    screen.select_case(code)
    recs = screen.recommendations
    qtbot.waitUntil(lambda: recs.list.count() == 3, timeout=5000)
    lines = [recs.list.item(i).text() for i in range(3)]
    ids = [recs.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(3)]
    # nearest first by travel time; the enforcement officer at the bin is not offered for a full bin
    assert ids == ["v3", "w1", "v2"]
    assert lines[0].startswith("1. 车辆 苏A·H0003 (清扫车) · 行程约 ") and "分钟" in lines[0]
    assert lines[1].startswith("2. 环卫工人 李四 · 环卫一队 · 行程约 ")
    assert all(not recs.list.item(i).icon().isNull() for i in range(3))  # the kind's icon on every line
    assert recs.title() == "推荐处置力量（拖到案件上或点击派遣）"
    assert recs.assign_button.text() == "派遣选中对象"
    shots = Path(os.environ.get("CC_SHOT_DIR") or tmp_path)  # set it to keep the screenshots and look at them
    assert screen.grab().save(str(shots / "dispatch_sanitation_recommended.png"))

    recs.list.setCurrentRow(2)  # the dispatcher picks the 环卫车 over the nearer 清扫车
    qtbot.mouseClick(recs.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: service.get(code).status == "dispatched", timeout=5000)
    case = service.get(code)
    assert (case.assigned_officer, case.assignee_kind, case.assignee_plate) == ("v2", "vehicle", "苏A·H0002")
    qtbot.waitUntil(lambda: "苏A·H0002 (环卫车)" in screen.case.detail.text(), timeout=5000)
    assert "处置对象: [车辆] 苏A·H0002 (环卫车)" in screen.case.detail.text()
    model = screen.queue.model
    qtbot.waitUntil(lambda: model.rows[0].assigned == "苏A·H0002 (环卫车)", timeout=5000)
    cell = model.index(0, model.ASSIGNED_COLUMN)
    assert model.headerData(model.ASSIGNED_COLUMN, Qt.Orientation.Horizontal) == "处置对象"
    assert model.data(cell, Qt.ItemDataRole.DecorationRole) is not None
    assert model.data(cell, Qt.ItemDataRole.ToolTipRole) == "车辆: 苏A·H0002 (环卫车)"
    units = {u.id: u.status for u in service.unit_board()}
    assert units["v2"] == "dispatched" and units["v3"] == "idle"
    assert screen.grab().save(str(shots / "dispatch_sanitation_dispatched.png"))
    # the map's case pin says what was sent, and the vehicle's details name its current case
    from widgets.map.details_panel import DetailsPanel
    from widgets.screens import case_pins

    pin = case_pins(model.rows)[0]
    assert (pin["assigned_unit"], pin["assignee_kind"]) == ("v2", "vehicle")
    details = DetailsPanel()
    qtbot.addWidget(details)
    details.show_case(pin)
    assert "处置对象: [车辆] 苏A·H0002 (环卫车)" in details.text()
