"""The tile's PTZ pad with real mouse and key events turns the simulated ONVIF camera (over real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from commandcenter.config import CameraConfig
from commandcenter.demo.onvif_camera import SimulatedOnvifCamera
from commandcenter.ptz.service import PtzService
from commandcenter.runtime.tasks import TaskManager
from widgets.wall.ptz_pad import PtzControl, attach_ptz
from widgets.wall.tile import VideoTile


@pytest.fixture
def sim() -> Iterator[SimulatedOnvifCamera]:
    with SimulatedOnvifCamera() as cam:
        yield cam


@pytest.fixture
def control(sim: SimulatedOnvifCamera, qtbot: QtBot) -> Iterator[PtzControl]:
    tasks = TaskManager(2, name="tile-ptz")
    cameras = [CameraConfig(id="ptz-1", name="球机", url="rtsp://127.0.0.1:1/a", ptz=True, onvif_url=sim.device_url,
                            onvif_user="admin", onvif_password="admin123"),
               CameraConfig(id="fixed", url="rtsp://127.0.0.1:1/b")]
    service = PtzService(cameras, tasks)
    tile = VideoTile(0, "w1")
    qtbot.addWidget(tile)
    tile.resize(640, 360)
    tile.set_camera("ptz-1", "球机", False)
    ptz = attach_ptz(tile, service)
    assert ptz is not None
    tile.show()
    qtbot.waitExposed(tile)
    yield ptz
    tasks.stop()


def _velocity(sim: SimulatedOnvifCamera) -> tuple[float, float, float]:
    return sim.state.velocity


def test_button_only_for_ptz_cameras(control: PtzControl) -> None:
    assert control.button.isVisible()
    control.tile.set_camera("fixed", "固定", False)
    assert not control.button.isVisible()


def test_pad_press_turns_and_release_stops(control: PtzControl, sim: SimulatedOnvifCamera, qtbot: QtBot) -> None:
    QTest.mouseClick(control.button, Qt.MouseButton.LeftButton)
    assert control.active and control.pad.isVisible()
    pad = control.pad.pad
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(pad.width() - 4, pad.height() // 2))
    qtbot.waitUntil(lambda: _velocity(sim)[0] > 0.5, timeout=10_000)
    assert _velocity(sim)[1] == pytest.approx(0.0, abs=0.11)
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(pad.width() - 4, pad.height() // 2))
    qtbot.waitUntil(lambda: "Stop" in sim.requests and _velocity(sim) == (0.0, 0.0, 0.0), timeout=10_000)
    QTest.mousePress(control.pad.zoom_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _velocity(sim)[2] > 0, timeout=10_000)
    QTest.mouseRelease(control.pad.zoom_in, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _velocity(sim) == (0.0, 0.0, 0.0), timeout=10_000)


def test_drag_keys_and_wheel(control: PtzControl, sim: SimulatedOnvifCamera, qtbot: QtBot) -> None:
    control.button.setChecked(True)
    tile = control.tile
    QTest.mousePress(tile, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    QTest.mouseMove(tile, QPoint(120, 120))  # drag up-left
    qtbot.waitUntil(lambda: _velocity(sim)[0] < 0 and _velocity(sim)[1] > 0, timeout=10_000)
    QTest.mouseRelease(tile, Qt.MouseButton.LeftButton, pos=QPoint(120, 120))
    qtbot.waitUntil(lambda: _velocity(sim) == (0.0, 0.0, 0.0), timeout=10_000)

    QTest.keyPress(tile, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: _velocity(sim)[1] > 0, timeout=10_000)
    QTest.keyRelease(tile, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: _velocity(sim) == (0.0, 0.0, 0.0), timeout=10_000)

    zoom_before = sim.state.zoom
    wheel = QWheelEvent(QPointF(100, 100), QPointF(tile.mapToGlobal(QPoint(100, 100))), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(tile, wheel)
    qtbot.waitUntil(lambda: sim.state.zoom == pytest.approx(zoom_before + 0.2), timeout=10_000)


def test_presets_save_and_go_from_the_pad(control: PtzControl, sim: SimulatedOnvifCamera, qtbot: QtBot) -> None:
    control.button.setChecked(True)
    sim.state.pan, sim.state.tilt = 0.4, -0.2
    edit = control.pad.presets.lineEdit()
    assert edit is not None
    edit.setText("")
    QTest.keyClicks(edit, "gate-W")  # QTest types ASCII only
    QTest.mouseClick(control.pad.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: control.pad.presets.findText("gate-W") >= 0, timeout=10_000)
    sim.state.pan, sim.state.tilt = 0.0, 0.0
    control.pad.presets.setCurrentIndex(control.pad.presets.findText("gate-W"))
    QTest.mouseClick(control.pad.go, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (sim.state.pan, sim.state.tilt) == (0.4, -0.2), timeout=10_000)


def test_camera_errors_show_on_the_pad(control: PtzControl, qtbot: QtBot) -> None:
    control.button.setChecked(True)
    control.goto_preset("不存在")
    qtbot.waitUntil(lambda: "no preset '不存在'" in control.pad.message.text(), timeout=10_000)
