"""派无人机 from the dispatch screen: the chosen drone is sent to the selected case through the tasking service."""

from __future__ import annotations

import os
from concurrent.futures import Future
from dataclasses import dataclass

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from widgets.dispatch import DispatchScreen


@dataclass
class Result:
    ok: bool
    drone_id: str
    case_id: int
    reason: str = ""
    snapshot_path: str = ""


class FakeFleet:
    def ids(self) -> list[str]:
        return ["uav-1", "uav-2"]

    def name(self, drone_id: str) -> str:
        return {"uav-1": "巡查1号", "uav-2": "巡查2号"}[drone_id]


class RecordingTasking:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def send_to_case(self, drone_id: str, case_id: int, code: str, lat: float, lon: float,
                     actor: str) -> Future[Result]:
        self.calls.append((drone_id, case_id, code, lat, lon, actor))
        fut: Future[Result] = Future()
        fut.set_result(Result(False, drone_id, case_id, reason="电量不足 25% < 30%"))
        return fut


def test_send_drone_to_the_selected_case_and_show_the_refusal(qtbot, store, tasks) -> None:  # type: ignore[no-untyped-def]
    service = CaseService(store, load_calendar(), load_categories())
    case = service.create_case(NewCase(source="dispatcher", category="暴露垃圾", lat=32.02, lon=118.78,
                                       description="路口垃圾"), "tester").result(10)
    tasking = RecordingTasking()
    feed = DispatchFeed(service, tasks)
    screen = DispatchScreen(service, feed, actor="pilot", tasking=tasking, fleet=FakeFleet())
    feed.start()
    qtbot.addWidget(screen)
    screen.select_case(case.code)
    qtbot.waitUntil(lambda: screen.action_bar.drone_combo.count() == 2, timeout=5000)
    screen.action_bar.drone_combo.setCurrentIndex(1)
    qtbot.mouseClick(screen.action_bar.drone_button, Qt.MouseButton.LeftButton)
    assert tasking.calls == [("uav-2", case.id, case.code, 32.02, 118.78, "pilot")]
    qtbot.waitUntil(lambda: "电量不足" in screen.status_line.text(), timeout=5000)
    screen.shutdown()
    feed.stop()
