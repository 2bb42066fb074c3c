"""The pilot's map as a pilot uses it: a map (no metre axes), following the selected drone unless told not to,
飞往此处 on a click with the altitude asked first and a marker where the drone was sent, flight commands in view,
and a mission upload that never changes a flying drone's mode behind the pilot's back."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from commandcenter.drones.missions import CMD_WAYPOINT, Mission, MissionItem, MissionPlan
from commandcenter.geo.coords import haversine_m
from commandcenter.i18n import install_language
from tests.drones.flight_support import FlyingHarness
from widgets.drones import DronesScreen


@pytest.fixture
def pilot(qtbot: Any) -> Iterator[tuple[DronesScreen, FlyingHarness]]:
    harness = FlyingHarness("uav-1", time_scale=4.0)
    screen = DronesScreen(harness.fleet, harness.commands.for_actor("pilot"))
    qtbot.addWidget(screen)
    screen.resize(1600, 1000)
    screen.show()
    qtbot.waitExposed(screen)
    qtbot.waitUntil(lambda: screen.selected == "uav-1" and screen.map.vehicles.data.size == 1, timeout=8000)
    yield screen, harness
    screen.close()
    harness.close()


def take_off(harness: FlyingHarness, alt: float = 20.0) -> None:
    commander = harness.commands.for_actor("pilot")
    for call in (lambda: commander.set_mode("uav-1", "GUIDED"), lambda: commander.arm("uav-1"),
                 lambda: commander.takeoff("uav-1", alt)):
        assert call().result(10).ok


def view_centre_m(screen: DronesScreen, lat: float, lon: float) -> float:
    centre = screen.map.view_centre()
    assert centre is not None
    return haversine_m(centre[0], centre[1], lat, lon)


def test_the_map_has_no_axes_and_north_up(pilot: Any) -> None:
    screen, _harness = pilot
    plot = screen.map.plot.getPlotItem()
    assert not plot.getAxis("bottom").isVisible() and not plot.getAxis("left").isVisible()
    view = plot.getViewBox()
    assert not view.yInverted() and not view.xInverted()


def test_the_map_follows_the_selected_drone_until_follow_is_turned_off(qtbot: Any, pilot: Any) -> None:
    screen, harness = pilot
    assert screen.map.follow_button.isChecked(), "following is the default"
    view = screen.map.plot.getViewBox()
    view.translateBy(x=800, y=600)  # the pilot looks elsewhere; the next telemetry brings the drone back
    state = harness.fleet.state("uav-1")
    assert state is not None and state.lat is not None and state.lon is not None
    qtbot.waitUntil(lambda: view_centre_m(screen, state.lat, state.lon) < 30, timeout=5000)
    QTest.mouseClick(screen.map.follow_button, Qt.MouseButton.LeftButton)
    assert not screen.map.follow_button.isChecked()
    view.translateBy(x=800, y=600)
    qtbot.wait(1200)  # several telemetry updates
    assert view_centre_m(screen, state.lat, state.lon) > 500, "with follow off the view stays where it was put"


def test_fly_here_asks_the_altitude_and_marks_the_target(qtbot: Any, pilot: Any) -> None:
    screen, harness = pilot
    take_off(harness)
    qtbot.waitUntil(lambda: (harness.fleet.state("uav-1").alt_rel or 0) > 15, timeout=15000)
    QTest.mouseClick(screen.map.follow_button, Qt.MouseButton.LeftButton)  # hold the view still for the click
    viewport = screen.map.plot.viewport()
    target = QPoint(viewport.width() // 2 + 120, viewport.height() // 2 - 80)
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=target)
    qtbot.waitUntil(lambda: screen.goto_dialog is not None and screen.goto_dialog.isVisible(), timeout=3000)
    dialog = screen.goto_dialog
    assert dialog is not None and "巡查1号" in dialog.question.text()
    QTest.keyClick(dialog.altitude_spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(dialog.altitude_spin, "45")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    marked = screen.map.goto_target
    assert marked is not None and marked[2] == 45
    assert screen.map.goto_marker.data.size == 1
    qtbot.waitUntil(lambda: "accepted" in screen.status.text(), timeout=8000)
    lat, lon, _alt = marked
    qtbot.waitUntil(lambda: haversine_m(harness.fleet.state("uav-1").lat, harness.fleet.state("uav-1").lon,
                                        lat, lon) < 25, timeout=30000)
    # Cancel sends nothing
    screen.runner.forget_done()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(target.x() - 200, target.y()))
    qtbot.waitUntil(lambda: screen.goto_dialog is not dialog and screen.goto_dialog is not None, timeout=3000)
    second = screen.goto_dialog
    assert second is not None
    cancel = second.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None
    QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert screen.map.goto_target == marked and not screen.runner.pending


def test_uploading_to_a_drone_flying_its_mission_asks_and_keeps_its_mode(qtbot: Any, pilot: Any) -> None:
    screen, harness = pilot
    take_off(harness, 20.0)
    qtbot.waitUntil(lambda: (harness.fleet.state("uav-1").alt_rel or 0) > 15, timeout=15000)
    home = harness.fleet.state("uav-1")
    square = [(home.lat + dy, home.lon + dx) for dy, dx in ((0.0005, 0), (0.0005, 0.0006), (0, 0.0006))]
    plan = MissionPlan(mission=Mission([MissionItem(CMD_WAYPOINT, lat, lon, 25.0) for lat, lon in square]))
    commander = harness.commands.for_actor("pilot")
    assert commander.upload_plan("uav-1", plan).result(10).ok
    assert commander.start_mission("uav-1").result(10).ok
    qtbot.waitUntil(lambda: harness.fleet.state("uav-1").mode == "AUTO", timeout=5000)
    asked: list[str] = []

    def decline(text: str) -> bool:
        asked.append(text)
        return False

    screen.confirm = decline  # type: ignore[method-assign]
    screen.set_plan(MissionPlan(mission=Mission([MissionItem(CMD_WAYPOINT, lat, lon, 30.0) for lat, lon in square])))
    QTest.mouseClick(screen.editor.upload_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "AUTO" in asked[0], "a drone flying its mission: the pilot is asked first"
    assert not screen.runner.pending
    screen.confirm = lambda text: True  # type: ignore[method-assign]
    QTest.mouseClick(screen.editor.upload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Upload mission (巡查1号): accepted" in screen.status.text(), timeout=10000)
    qtbot.wait(500)
    assert harness.fleet.state("uav-1").mode == "AUTO", "the upload did not switch the drone to LOITER"


def test_flight_commands_are_in_view_at_1920x1080_in_both_languages(qtbot: Any, pilot: Any) -> None:
    screen, _harness = pilot
    for language in ("zh", "en"):
        install_language(QApplication.instance(), language)
        try:
            screen.resize(1920 - 280, 1080 - 110)  # the main window's docks and tab bar take the rest
            qtbot.wait(50)
            assert screen.minimumSizeHint().width() <= 1920 - 280, f"{language}: the screen overflows 1920 px"
            for button in (*screen.commands_panel.flight_buttons(), screen.rtl_button, screen.land_button):
                assert button.isVisible()
                corner = button.mapTo(screen, QPoint(button.width(), button.height()))
                assert 0 < corner.x() <= screen.width() and 0 < corner.y() <= screen.height(), button.text()
                assert button.visibleRegion().boundingRect().size() == button.size(), f"{button.text()} is cut"
        finally:
            install_language(QApplication.instance(), "en")


def test_the_pilot_map_draws_the_streets_as_f2_does(qtbot: Any) -> None:
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QGraphicsPathItem

    from commandcenter.geo.district import load_default_basemap
    from widgets.drones.map_panel import DroneMapPanel
    from widgets.map import style

    panel = DroneMapPanel()
    qtbot.addWidget(panel)
    panel.set_basemap(load_default_basemap())
    assert panel.plot.backgroundBrush().color() == QColor(style.LAND), "F2's land colour"
    fills = {item.brush().color().name() for item in panel._basemap_items if isinstance(item, QGraphicsPathItem)}
    assert {QColor(style.BUILDING[0]).name(), QColor(style.WATER[0]).name(), QColor(style.PARK[0]).name()} <= fills
