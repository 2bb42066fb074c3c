"""The dispatch screen renders real data offscreen, shows legal actions only, and assigns in one click."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import timedelta
from typing import Any

import pytest

from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.runtime.tasks import TaskManager


@pytest.fixture
def screen(qtbot: Any, service: CaseService, clock: Any, tasks: TaskManager):  # type: ignore[no-untyped-def]
    from widgets.dispatch import DispatchScreen

    service.refresh_roster()
    late = service.create_case(NewCase(source="hotline", category="占道经营", lat=30.0001, lon=119.9951,
                                       description="早市占道"), "d1", register=True).result()
    service.create_case(NewCase(source="citizen", category="暴露垃圾", lat=30.0004, lon=120.0012,
                                description="垃圾"), "d1").result()
    clock.now += timedelta(minutes=45)  # the registered case is past its 0.5 h dispatch limit
    feed = DispatchFeed(service, tasks)
    widget = DispatchScreen(service, feed)
    feed.start()
    widget.late_code = late.code  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1500, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.queue.model.rowCount() == 2, timeout=5000)
    yield widget
    widget.shutdown()
    feed.stop()


def test_renders_queue_units_and_escalation(screen: Any) -> None:
    model = screen.queue.model
    first = model.rows[0]
    assert first.code == screen.late_code and first.level == "overdue"  # overdue sorts first
    assert model.data(model.index(0, model.TIME_LEFT_COLUMN)).startswith(("overdue", "超时"))
    assert screen.unit_model.rowCount() == 4  # three officers, one vehicle
    units = screen.unit_model
    assert {units.data(units.index(r, 0)) for r in range(4)} == {"张三 (B1)", "李四 (B2)", "王五 (B3)", "浙A12345"}
    assert screen.escalated.count() >= 1
    assert "2" in screen.queue.title.text()
    screen.grab()  # paints without errors


def test_detail_actions_recommendation_and_one_click_assign(qtbot: Any, screen: Any, service: CaseService) -> None:
    code = screen.late_code
    screen.select_case(code)
    qtbot.waitUntil(lambda: screen._current is not None and screen._current.code == code, timeout=5000)
    assert set(screen.action_bar.buttons) >= {"dispatch", "transfer", "summon"}
    assert "close" not in screen.action_bar.buttons  # only legal actions are offered
    qtbot.waitUntil(lambda: screen.recommendations.list.count() == 3, timeout=5000)
    assert screen.recommendations.list.item(0).data(0x0100) == "o1"
    assert "距离" in screen.recommendations.list.item(0).text()
    screen.recommendations.assign_button.click()
    qtbot.waitUntil(lambda: service.get(code).status == "dispatched", timeout=5000)
    qtbot.waitUntil(lambda: "arrive" in screen.action_bar.buttons, timeout=5000)
    assert service.get(code).assigned_officer == "o1"
    # People read officers by name and badge: in the case detail, its history and the queue.
    qtbot.waitUntil(lambda: "张三 (B1)" in screen.case.detail.text(), timeout=5000)
    history = [screen.case.history.item(i).text() for i in range(screen.case.history.count())]
    assert any("张三 (B1)" in line for line in history) and not any(" o1" in line for line in history)
    qtbot.waitUntil(lambda: any(r.code == code and r.assigned == "张三 (B1)" for r in screen.queue.model.rows),
                    timeout=5000)


def test_refused_action_is_shown(qtbot: Any, screen: Any) -> None:
    code = screen.late_code
    screen.select_case(code)
    qtbot.waitUntil(lambda: screen._current is not None, timeout=5000)
    screen.action_bar.reason_edit.setText("")
    screen.action_bar.do_action("reject")  # not legal once registered: the refusal comes back from the writer
    qtbot.waitUntil(lambda: "不能" in screen.status_line.text(), timeout=5000)


def test_form_map_click_and_events(qtbot: Any, screen: Any, service: CaseService) -> None:
    screen.set_location(30.0003, 120.0009)
    assert screen.form.has_location.isChecked() and screen.tabs.currentIndex() == 1
    screen.form.category_combo.setCurrentIndex(screen.form.category_combo.findData("SJ0201"))
    screen.form.description_edit.setPlainText("电线杆小广告")
    screen.form.create_case()
    qtbot.waitUntil(lambda: screen.queue.model.rowCount() == 3, timeout=5000)
    created = next(r for r in screen.queue.model.rows if r.category == "Illegal small ads")  # English mode: English name
    assert created.grid == "G002"
    screen.add_event("电子围栏告警：禁止设摊区出现摊贩", source="geofence", category="占道经营", lat=30.0, lon=119.99,
                     urgent=True)
    assert screen.events.count() == 1 and screen.banner.text()
    screen.events.activate(screen.events.item(0))
    assert screen.form.category_combo.currentData() == "SJ0401" and screen.form.lat_spin.value() == pytest.approx(30.0)


def test_the_open_case_follows_changes_made_elsewhere(qtbot: Any, screen: Any, service: CaseService) -> None:
    """Another seat dispatches the case the dispatcher is looking at: the detail shows it without a click."""
    code = screen.late_code
    screen.select_case(code)
    qtbot.waitUntil(lambda: screen._current is not None and screen._current.code == code, timeout=5000)
    service.dispatch(code, "o2", "other-seat").result(10)
    qtbot.waitUntil(lambda: "李四 (B2)" in screen.case.detail.text(), timeout=5000)
    assert screen._current.status == "dispatched"
