"""The 无人机 screen rendering live state from the simulated vehicle, commands off the GUI thread, translation."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flight_support import FlyingHarness
from PySide6.QtCore import QCoreApplication, QEvent, QTranslator

from commandcenter.drones.missions import CMD_WAYPOINT, Geofence, Mission, MissionItem, MissionPlan, Polygon
from devices.mavlink import mav
from widgets.drones import DronesScreen

HOME = (32.0603, 118.7969)
Harness = FlyingHarness
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def harness(qtbot: Any) -> Iterator[Harness]:
    h = Harness("uav-2", HOME, sysid=2, name="秦淮二号", time_scale=3.0)
    yield h
    h.close()


@pytest.fixture
def screen(qtbot: Any, harness: Harness) -> DronesScreen:
    widget = DronesScreen(harness.fleet, harness.commander)
    widget.confirm = lambda text: True  # type: ignore[method-assign]
    qtbot.addWidget(widget)
    widget.resize(1400, 850)
    widget.show()
    qtbot.waitUntil(lambda: widget.instruments.fields["mode"][1].text() == "STABILIZE", timeout=5000)
    return widget


def test_renders_live_telemetry(qtbot: Any, screen: DronesScreen, harness: Harness) -> None:
    assert screen.vehicles.list.count() == 1
    assert "秦淮二号" in screen.vehicles.list.item(0).text()
    qtbot.waitUntil(lambda: "32.060300" in screen.instruments.fields["position"][1].text(), timeout=5000)
    # each kind of telemetry arrives in its own event at its own rate (battery 1-2 Hz, GPS 2 Hz)
    qtbot.waitUntil(lambda: "100%" in screen.instruments.fields["battery"][1].text(), timeout=5000)
    qtbot.waitUntil(lambda: "14" in screen.instruments.fields["gps"][1].text(), timeout=5000)
    assert screen.instruments.attitude.valid
    assert len(screen.map.vehicles.data) == 1
    image = screen.grab().toImage()
    assert not image.isNull() and image.width() >= 1000
    report = harness.fleet.report()
    assert report[0]["id"] == "uav-2" and report[0]["sysid"] == 2 and report[0]["link"] == "ok"
    assert set(report[0]) == {"id", "sysid", "link", "mode", "armed", "lat", "lon", "alt_rel", "heading",
                              "groundspeed", "battery_pct", "gps_fix", "satellites", "last_heartbeat_age"}


def test_commands_confirmed_and_acknowledged(qtbot: Any, screen: DronesScreen, harness: Harness) -> None:
    screen.commands_panel.mode_combo.setCurrentText("GUIDED")
    screen.commands_panel.mode_button.click()
    qtbot.waitUntil(lambda: "accepted" in screen.status.text(), timeout=5000)
    qtbot.waitUntil(lambda: screen.instruments.fields["mode"][1].text() == "GUIDED", timeout=5000)
    asked: list[str] = []

    def decline(text: str) -> bool:
        asked.append(text)
        return False

    screen.confirm = decline  # type: ignore[method-assign]
    screen.commands_panel.arm_button.click()
    assert asked == ["Arm the motors of 秦淮二号?"] and not screen.runner.pending  # declined: nothing sent
    screen.confirm = lambda text: True  # type: ignore[method-assign]
    screen.commands_panel.arm_button.click()
    qtbot.waitUntil(lambda: screen.instruments.fields["armed"][1].text() == "ARMED", timeout=5000)
    harness.sim.faults.nack_commands = {mav.MAV_CMD_NAV_RETURN_TO_LAUNCH}
    screen.rtl_button.click()  # one click, no confirmation
    qtbot.waitUntil(lambda: "refused" in screen.status.text(), timeout=5000)
    assert "MAV_RESULT_DENIED" in screen.status.text()
    assert "MAV_RESULT_DENIED" in screen.log.toPlainText()


def test_mission_editing_and_upload(qtbot: Any, screen: DronesScreen, harness: Harness) -> None:
    screen.editor.add_tool.setChecked(True)
    corners = [(32.0600, 118.7960), (32.0600, 118.7985), (32.0620, 118.7985), (32.0620, 118.7960)]
    for lat, lon in corners:
        screen.map.clicked.emit(lat, lon)
    assert screen.editor.table.rowCount() == 4
    cell = screen.editor.table.item(1, 3)
    assert cell is not None
    cell.setText("45")
    assert screen.plan.mission.items[1].alt == 45
    screen.map.waypoint_moved.emit(0, 32.0601, 118.7961, True)
    assert screen.plan.mission.items[0].lat == pytest.approx(32.0601)
    screen.editor.fence_button.click()
    assert len(screen.plan.fence.polygons) == 1 and not screen.plan.mission.items
    screen.editor.survey_button.click()
    assert len(screen.plan.mission.waypoints()) >= 8
    assert "waypoints" in screen.editor.estimate_label.text()
    screen.editor.upload_button.click()
    qtbot.waitUntil(lambda: "Upload mission (秦淮二号): accepted" in screen.status.text(), timeout=8000)
    assert len(harness.sim.missions[mav.MAV_MISSION_TYPE_MISSION]) == len(screen.plan.mission.items) + 1
    assert len(harness.sim.missions[mav.MAV_MISSION_TYPE_FENCE]) == 4
    count = len(screen.plan.mission.items)
    screen.editor.clear_button.click()
    screen.editor.download_button.click()
    qtbot.waitUntil(lambda: "Download mission (秦淮二号): accepted" in screen.status.text(), timeout=8000)
    assert len(screen.plan.mission.items) == count and len(screen.plan.fence.polygons) == 1


def test_fence_violation_refused_before_upload(qtbot: Any, screen: DronesScreen, harness: Harness) -> None:
    area = [(32.0600, 118.7960), (32.0600, 118.7985), (32.0620, 118.7985)]
    screen.set_plan(MissionPlan(Mission([MissionItem(CMD_WAYPOINT, 32.0700, 118.7970, 30)]),
                                Geofence([Polygon(area)])))
    before = harness.sim.packets_in
    screen.editor.upload_button.click()
    qtbot.waitUntil(lambda: "refused" in screen.status.text(), timeout=3000)
    assert "REJECTED: waypoint 1 (32.070000, 118.797000) is outside the inclusion fence" in screen.status.text()
    assert harness.sim.missions[mav.MAV_MISSION_TYPE_MISSION] == []
    assert harness.sim.packets_in - before < 10  # only telemetry-period chatter, no mission protocol


def test_link_loss_turns_vehicle_red(qtbot: Any, screen: DronesScreen, harness: Harness) -> None:
    harness.sim.faults.link_loss = True
    qtbot.waitUntil(lambda: harness.fleet.link("uav-2") == "lost", timeout=5000)
    qtbot.waitUntil(lambda: "LINK LOST" in screen.vehicles.list.item(0).text(), timeout=2000)
    assert screen.vehicles.list.item(0).foreground().color().name() == "#f85149"
    assert not screen.instruments.attitude.valid


def test_chinese_translation(qtbot: Any, screen: DronesScreen, tmp_path: Path) -> None:
    ts = ROOT / "resources" / "translations" / "drones_zh_CN.ts"
    assert "unfinished" not in ts.read_text(encoding="utf-8")
    qm = tmp_path / "drones_zh_CN.qm"
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), str(ts), "-qm", str(qm)], check=True, capture_output=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        QCoreApplication.sendEvent(screen, QEvent(QEvent.Type.LanguageChange))
        assert screen.rtl_button.text() == "返航"
        assert screen.land_button.text() == "降落"
        assert screen.commands_panel.arm_button.text() == "解锁"
        assert screen.editor.upload_button.text() == "上传航线"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_a_hidden_screen_shows_the_latest_state_when_shown_again(qtbot: Any, screen: DronesScreen,
                                                                  harness: Harness) -> None:
    """Behind another tab the screen does not redraw on telemetry; shown again it has the newest state."""
    screen.commands_panel.mode_combo.setCurrentText("GUIDED")
    screen.hide()
    screen.commands_panel.mode_button.click()  # the command goes out while nobody looks
    qtbot.waitUntil(lambda: harness.fleet.state("uav-2").mode == "GUIDED", timeout=5000)
    qtbot.wait(300)  # telemetry keeps arriving while hidden
    assert screen.instruments.fields["mode"][1].text() == "STABILIZE", "a hidden screen redrew its instruments"
    screen.show()
    assert screen.instruments.fields["mode"][1].text() == "GUIDED"
