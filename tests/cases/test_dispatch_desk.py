"""What a dispatcher reaches for on the 调度 screen (issue 15): recommendations on a new report and why a list is
empty, skills that match, a queue with address / time / urgency and a filter and search, a readable detail with
a map thumbnail, every panel one click away, 督办/催办 on the escalated list, and placing an unplaced case by a
click on the map. Driven with real clicks and keys (pytest-qt) over a real SQLite store."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.dispatch import Dispatcher, OfficerInfo, team_serves
from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.domain import UnitPosition
from commandcenter.geo.basemap import Basemap, MapFeature
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store
from tests.cases.conftest import Clock, seed

AUDITED: list[tuple[str, str]] = []


BASEMAP = Basemap(name="test")
BASEMAP.add(MapFeature("road", "line", [(29.995, 119.99), (30.005, 120.01)], name="中山路", cls="primary"))


def _basemap() -> Basemap:
    return BASEMAP




@pytest.fixture
def desk(qtbot: Any, store: Store, clock: Clock, positions: dict[str, UnitPosition],
         tasks: TaskManager):  # type: ignore[no-untyped-def]
    from widgets.dispatch import DispatchScreen

    AUDITED.clear()
    seed(store)
    service = CaseService(store, load_calendar(), load_categories(), clock=clock, positions=lambda: positions,
                          audit=lambda _s, actor, action, subject, _data: AUDITED.append((action, subject)))
    service.refresh_roster()
    late = service.create_case(NewCase(source="hotline", category="占道经营", lat=30.0001, lon=119.9951,
                                       address="中山路12号门前", description="早市占道"), "d1",
                               register=True).result()
    fresh = service.create_case(NewCase(source="citizen", category="井盖缺失", lat=30.0004, lon=120.0012,
                                        address="汉中路88号", description="井盖缺失，非常危险", urgency=1),
                                "d1").result()
    unplaced = service.create_case(NewCase(source="hotline", category="暴露垃圾", address="建邺区某小区门口",
                                           description="12345 工单，无坐标"), "d1").result()
    clock.now += timedelta(minutes=45)  # the registered case is past its 0.5 h dispatch limit: escalated
    feed = DispatchFeed(service, tasks)
    extra = [(f"Panel {i}", QWidget()) for i in range(5)]  # the enforcement panels others add
    for _title, panel in extra:
        panel.set_case = lambda _id: None  # type: ignore[attr-defined]
    screen = DispatchScreen(service, feed, actor="d1", case_panels=extra, basemap=_basemap)
    feed.start()
    qtbot.addWidget(screen)
    screen.resize(1920, 1000)
    screen.show()
    qtbot.waitUntil(lambda: screen.queue.model.rowCount() == 3, timeout=5000)
    screen.codes = {"late": late.code, "fresh": fresh.code, "unplaced": unplaced.code}  # type: ignore[attr-defined]
    screen.svc = service  # type: ignore[attr-defined]
    yield screen
    screen.shutdown()
    feed.stop()


def _click_row(qtbot: Any, screen: Any, code: str) -> None:
    view = screen.queue.view
    row = next(i for i, r in enumerate(screen.queue.model.rows) if r.code == code)
    rect = view.visualRect(screen.queue.model.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: screen._current is not None and screen._current.code == code, timeout=5000)


def test_a_new_report_gets_recommendations_with_matching_skills(qtbot: Any, desk: Any) -> None:
    _click_row(qtbot, desk, desk.codes["fresh"])  # 待立案: not registered yet
    qtbot.waitUntil(lambda: len(desk.recommendations.recommendations) > 0, timeout=5000)
    assert desk._current.status == "reported"


def test_an_empty_recommendation_list_says_why(qtbot: Any, desk: Any) -> None:
    _click_row(qtbot, desk, desk.codes["unplaced"])
    qtbot.waitUntil(lambda: desk.recommendations.list.count() == 1, timeout=5000)
    hint = desk.recommendations.list.item(0).text()
    assert "location" in hint or "位置" in hint
    assert desk.recommendations.selected_officer() is None  # the hint is not an officer


def test_ordinary_categories_match_a_normal_squad_officer() -> None:
    assert team_serves("一中队", "执法中队") and team_serves("机动中队", "执法中队")
    assert team_serves("环卫一队", "环卫队") and not team_serves("一中队", "环卫队")
    fix = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    officer = OfficerInfo("o9", "赵六", team="一中队", skills=("市容执法",))
    dispatcher = Dispatcher(lambda: {"o9": UnitPosition("o9", "officer", "赵六", 30.0, 120.0, fix)},
                            clock=fix.timestamp)
    dispatcher.set_roster([officer], {})
    from commandcenter.cases.recommend import skills_for

    for name in ("占道经营", "非机动车乱停放", "店外经营", "流动摊贩", "非法小广告"):
        category = load_categories().resolve(name)
        [rec] = dispatcher.recommend(30.001, 120.001, skills=skills_for(category), team=category.team)
        assert rec.skill_match and "技能不符" not in rec.summary, name


def test_demo_officers_have_the_skills_categories_ask_for() -> None:
    from commandcenter.demo.city import BASE_SKILL, SKILLS

    wanted = {skill for category in load_categories() for skill in category.skills}
    assert BASE_SKILL in wanted and set(SKILLS) <= wanted


def test_queue_shows_address_time_and_urgency_with_filter_and_search(qtbot: Any, desk: Any) -> None:
    model = desk.queue.model
    fresh = next(i for i, r in enumerate(model.rows) if r.code == desk.codes["fresh"])
    assert model.data(model.index(fresh, model.ADDRESS_COLUMN)) == "汉中路88号"
    assert model.data(model.index(fresh, model.URGENCY_COLUMN)) in ("紧急", "Urgent")
    reported = model.data(model.index(fresh, 4))
    assert reported[2] == "-" and ":" in reported  # 11-24 10:00
    # Filter: urgent only (keyboard on the combo), then back to all and search by address.
    combo = desk.queue.filter_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=2000)
    assert model.rows[0].code == desk.codes["fresh"]
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=2000)
    qtbot.keyClicks(desk.queue.search, "88")  # house number of 汉中路88号 (QTest types ASCII only)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=2000)
    assert model.rows[0].code == desk.codes["fresh"]
    desk.queue.search.setText("中山路")  # a Chinese word, as an input method commits it
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.rows[0].code == desk.codes["late"], timeout=2000)


def test_every_queue_column_is_in_view_without_scrolling(qtbot: Any, desk: Any) -> None:
    view, model = desk.queue.view, desk.queue.model
    for width in (1920, 2560):
        desk.resize(width, 1000)
        qtbot.wait(50)
        shown = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
        assert {model.URGENCY_COLUMN, model.ADDRESS_COLUMN, 4, model.TIME_LEFT_COLUMN, model.STATUS_COLUMN,
                7} <= set(shown)
        right = max(view.columnViewportPosition(c) + view.columnWidth(c) for c in shown)
        assert right <= view.viewport().width() + 1 and view.horizontalScrollBar().maximum() == 0
        assert all(view.columnWidth(c) >= 40 for c in shown)


def test_detail_rounds_coordinates_names_urgency_and_shows_a_map(qtbot: Any, desk: Any) -> None:
    _click_row(qtbot, desk, desk.codes["fresh"])
    text = desk.case.detail.text()
    assert "30.000400, 120.001200" in text
    assert "紧急" in text or "Urgent" in text
    qtbot.waitUntil(lambda: desk.case.map.pixmap() is not None and not desk.case.map.pixmap().isNull(),
                    timeout=5000)
    image = desk.case.map.pixmap().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert centre.red() > 200 and centre.green() < 100  # the case's pin
    assert desk.case.map.isVisible()


def test_every_panel_is_one_click_away_at_1920(qtbot: Any, desk: Any) -> None:
    tabs = desk.tabs
    assert tabs.count() == 10  # units, form, alarms, five more panels, escalated, on shift (在班)
    names = tabs.names
    assert names.horizontalScrollBar().maximum() == 0 and names.verticalScrollBar().maximum() == 0
    for index in range(tabs.count()):
        rect = names.visualItemRect(names.item(index))
        assert names.viewport().rect().contains(rect), tabs.tabText(index)
        qtbot.mouseClick(names.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert tabs.currentIndex() == index
    assert tabs.stack.width() >= 300  # a wide panel gets its room, the names column stays narrow


def test_supervise_and_urge_from_the_escalated_list(qtbot: Any, desk: Any) -> None:
    code = desk.codes["late"]
    desk.tabs.setCurrentIndex(desk.tabs.indexOf(desk.escalation))
    lst = desk.escalated
    qtbot.waitUntil(lambda: lst.count() >= 1, timeout=5000)
    row = next(i for i in range(lst.count()) if lst.item(i).data(Qt.ItemDataRole.UserRole) == code)
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(lst.item(row)).center())
    qtbot.keyClicks(desk.escalation.note, "by 17:00 today")
    qtbot.mouseClick(desk.escalation.supervise_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(e["action"] == "supervise" for e in desk.svc.events(code)), timeout=5000)
    qtbot.mouseClick(desk.escalation.urge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(e["action"] == "urge" for e in desk.svc.events(code)), timeout=5000)
    supervised = next(e for e in desk.svc.events(code) if e["action"] == "supervise")
    assert supervised["note"] == "by 17:00 today"
    assert ("case.supervise", code) in AUDITED and ("case.urge", code) in AUDITED
    assert desk.svc.get(code).status == "registered"  # a nudge, not a step
    history = [desk.case.history.item(i).text() for i in range(desk.case.history.count())]
    qtbot.waitUntil(lambda: any("催办" in desk.case.history.item(i).text() or "urged" in
                                desk.case.history.item(i).text() for i in range(desk.case.history.count())),
                    timeout=5000)
    assert history is not None


def test_a_case_without_coordinates_is_placed_by_a_map_click(qtbot: Any, desk: Any) -> None:
    code = desk.codes["unplaced"]
    _click_row(qtbot, desk, code)
    button = desk.case.place_button
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    desk.set_location(30.0003, 119.9952)  # what the map's click hands over (MapScreen.location_clicked)
    qtbot.waitUntil(lambda: desk.svc.get(code).lat is not None, timeout=5000)
    placed = desk.svc.get(code)
    assert (placed.lat, placed.lon, placed.grid_code) == (30.0003, 119.9952, "G001")
    assert any(e["action"] == "locate" for e in desk.svc.events(code))
    assert ("case.locate", code) in AUDITED
    qtbot.waitUntil(lambda: not desk.case.place_button.isVisible(), timeout=5000)
    # The next map click is a new case again, not another placement.
    desk.set_location(30.0, 120.0)
    assert desk.tabs.currentIndex() == 1





def test_a_hotline_file_is_imported_with_the_columns_the_dispatcher_chooses(qtbot: Any, desk: Any, tmp_path: Any,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

    from commandcenter.geo.coords import wgs84_to_gcj02

    gcj_lat, gcj_lon = wgs84_to_gcj02(30.0002, 119.9990)
    export = tmp_path / "12345-export.csv"
    export.write_text("工单流水号,诉求类型,诉求内容,事发地址,纬度,经度\n"
                      f"T-001,占道经营,水果摊占道,中山路口,{gcj_lat},{gcj_lon}\n"
                      "T-002,占道经营,早点摊占道,中山路,,\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(export), ""))
    qtbot.mouseClick(desk.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(desk, "mapping_dialog", None) is not None and desk.mapping_dialog.isVisible(),
                    timeout=10_000)
    dialog = desk.mapping_dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    # The platform calls the ticket number 工单流水号, which the configured mapping does not know: refused until
    # the dispatcher picks it; the columns it knows are preselected.
    assert dialog.combos["category"].currentData() == "诉求类型" and dialog.combos["lat"].currentData() == "纬度"
    assert not ok.isEnabled() and dialog.problem.text()
    dialog.combos["external_id"].setCurrentIndex(dialog.combos["external_id"].findData("工单流水号"))
    dialog.datum.setCurrentIndex(dialog.datum.findData("gcj02"))  # a WeChat/Amap export
    assert ok.isEnabled()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.queue.model.rowCount() == 5, timeout=10_000)
    by_address = {c.address: c for c in desk.svc.queue() if c.address in ("中山路口", "中山路")}
    converted = by_address["中山路口"]
    assert abs(converted.lat - 30.0002) < 2e-5 and abs(converted.lon - 119.9990) < 2e-5  # GCJ-02 → WGS-84
    located = by_address["中山路"]  # address only: placed on the street by the basemap's gazetteer
    assert located.lat is not None and 29.995 <= located.lat <= 30.005
