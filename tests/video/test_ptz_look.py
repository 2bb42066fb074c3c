""""Look at this point" from the map: a right-click offers the PTZ cameras in range and turns the chosen one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from commandcenter.config import CameraConfig, MapConfig
from commandcenter.demo.onvif_camera import SimulatedOnvifCamera
from commandcenter.geo.district import load_default_basemap
from commandcenter.ptz.service import PtzService
from commandcenter.runtime.tasks import TaskManager
from widgets.map.canvas import MapCanvas
from widgets.wall.ptz_look import PtzLookAt

LAT, LON = 32.0439, 118.7848


@pytest.fixture
def sim() -> Iterator[SimulatedOnvifCamera]:
    with SimulatedOnvifCamera() as cam:
        yield cam


def test_right_click_turns_the_nearest_ptz_camera_towards_the_point(sim: SimulatedOnvifCamera, qtbot: QtBot) -> None:
    tasks = TaskManager(2, name="look")
    cameras = [
        CameraConfig(id="dome", name="东侧球机", url="rtsp://127.0.0.1:1/a", ptz=True, onvif_url=sim.device_url,
                     onvif_user="admin", onvif_password="admin123", lat=LAT, lon=LON + 0.002, heading=0.0),
        CameraConfig(id="no-heading", url="rtsp://127.0.0.1:1/b", ptz=True, onvif_url=sim.device_url,
                     lat=LAT, lon=LON),
        CameraConfig(id="far", url="rtsp://127.0.0.1:1/c", ptz=True, onvif_url=sim.device_url, lat=LAT + 0.1,
                     lon=LON, heading=0.0),
    ]
    service = PtzService(cameras, tasks)
    canvas = MapCanvas(load_default_basemap(), MapConfig(), cameras, (LAT, LON), lambda _k: True, tasks=tasks)
    qtbot.addWidget(canvas)
    canvas.resize(800, 600)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.show_bbox(LAT - 0.001, LON - 0.001, LAT + 0.001, LON + 0.001)
    look = PtzLookAt(canvas, service)
    centre = QPoint(canvas.viewport().width() // 2, canvas.viewport().height() // 2)
    point = look.point_at(centre)
    assert point is not None and point == pytest.approx((LAT, LON), abs=2e-4)
    menu = look.menu_at(centre)
    assert menu is not None
    labels = [a.text() for a in menu.actions()]
    assert len(labels) == 1 and labels[0].startswith("东侧球机") and "(" in labels[0]  # only the one that can
    with qtbot.waitSignal(look.looked, timeout=5_000) as shown:
        menu.actions()[0].trigger()
    assert shown.args == ["dome"]
    # The point is due west of the camera, whose pan 0 looks north: a quarter turn left.
    qtbot.waitUntil(lambda: sim.state.pan == pytest.approx(-0.5, abs=0.02), timeout=10_000)
    tasks.stop()
