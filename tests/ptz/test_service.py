"""The PTZ service: intents run off the GUI thread, in order per camera, against the simulated ONVIF camera."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from commandcenter.config import CameraConfig
from commandcenter.demo.onvif_camera import SimulatedOnvifCamera
from commandcenter.ptz.geometry import bearing_deg, pan_for_bearing
from commandcenter.ptz.service import PtzCommandError, PtzService
from commandcenter.runtime.tasks import TaskManager

CAM_LAT, CAM_LON = 32.0439, 118.7848


@pytest.fixture
def sim() -> Iterator[SimulatedOnvifCamera]:
    with SimulatedOnvifCamera() as cam:
        yield cam


@pytest.fixture
def tasks() -> Iterator[TaskManager]:
    manager = TaskManager(2, name="ptz-test")
    yield manager
    manager.stop()


def _cameras(sim: SimulatedOnvifCamera, **extra: object) -> list[CameraConfig]:
    ptz = CameraConfig(id="ptz-1", name="新街口球机", url="rtsp://127.0.0.1:1/x", ptz=True,
                       onvif_url=sim.device_url, onvif_user="admin", onvif_password="admin123",
                       lat=CAM_LAT, lon=CAM_LON, heading=90.0, **extra)  # type: ignore[arg-type]
    fixed = CameraConfig(id="fixed-1", url="rtsp://127.0.0.1:1/y")
    return [ptz, fixed]


def test_move_stop_and_presets_by_name(sim: SimulatedOnvifCamera, tasks: TaskManager) -> None:
    service = PtzService(_cameras(sim), tasks)
    assert service.camera_ids() == ["ptz-1"]
    service.move("ptz-1", 0.8, 0.0).result(10)
    service.stop("ptz-1").result(10)
    assert sim.state.pan > 0.0 and not sim.state.moving
    service.nudge("ptz-1", 0.0, 0.0, 0.3).result(10)
    token = service.save_preset("ptz-1", "路口").result(10)
    service.nudge("ptz-1", 0.5, 0.0).result(10)
    service.goto_preset("ptz-1", "路口").result(10)  # by name
    assert sim.state.zoom == pytest.approx(0.3)
    assert [p.token for p in service.presets("ptz-1").result(10)] == [token]
    assert service.save_preset("ptz-1", "路口").result(10) == token  # same name: overwritten, not a second one


def test_refuses_a_camera_that_is_not_ptz(sim: SimulatedOnvifCamera, tasks: TaskManager) -> None:
    service = PtzService(_cameras(sim), tasks)
    with pytest.raises(PtzCommandError, match="'fixed-1' is not a PTZ camera"):
        service.move("fixed-1", 1.0, 0.0)
    assert sim.requests == []


def test_look_at_turns_towards_the_bearing(sim: SimulatedOnvifCamera, tasks: TaskManager) -> None:
    service = PtzService(_cameras(sim), tasks)
    target = (CAM_LAT + 0.001, CAM_LON)  # due north, ~111 m: heading 90 → a quarter turn left
    position = service.look_at("ptz-1", *target).result(10)
    assert position.pan == pytest.approx(-0.5, abs=1e-3)
    assert sim.state.pan == pytest.approx(-0.5, abs=1e-3)
    assert -0.1 < sim.state.tilt < 0.0  # looking slightly down at the street
    assert pan_for_bearing(bearing_deg(CAM_LAT, CAM_LON, CAM_LAT, CAM_LON + 0.001), 90.0) == pytest.approx(0, abs=1e-3)


def test_failures_are_announced(sim: SimulatedOnvifCamera, tasks: TaskManager, qtbot: QtBot) -> None:
    service = PtzService(_cameras(sim), tasks)
    with qtbot.waitSignal(service.outcome, timeout=10_000) as blocker:
        future = service.goto_preset("ptz-1", "没有的")
    assert blocker.args is not None and blocker.args[:2] == ["ptz-1", False]
    assert "no preset '没有的'" in blocker.args[2]
    with pytest.raises(PtzCommandError):
        future.result(5)


def test_alarm_turns_to_the_preset_before_popping(sim: SimulatedOnvifCamera, tasks: TaskManager,
                                                  qtbot: QtBot) -> None:
    sim.state.presets["preset_9"] = ("出入口", 0.7, -0.2, 0.5)
    service = PtzService(_cameras(sim, alarm_preset="出入口"), tasks)
    popped: list[tuple[str, str, float]] = []
    slot = service.turn_then(lambda camera, text: popped.append((camera, text, sim.state.pan)))
    slot("ptz-1", "占道经营")
    qtbot.waitUntil(lambda: bool(popped), timeout=10_000)
    assert popped == [("ptz-1", "占道经营", 0.7)]  # the camera was at the preset when it popped
    slot("fixed-1", "烟雾")  # no PTZ: pops at once
    assert popped[-1][:2] == ("fixed-1", "烟雾")


def test_the_demo_has_a_dome_that_turns_to_its_alarm_preset(tasks: TaskManager, qtbot: QtBot) -> None:
    from commandcenter.demo.onvif_camera import with_demo_ptz

    stoppers: list[tuple[str, object]] = []
    cameras = with_demo_ptz([CameraConfig(id="unplaced", url="rtsp://127.0.0.1:1/a"),
                             CameraConfig(id="cam1", url="rtsp://127.0.0.1:1/b", lat=32.02, lon=118.78)],
                            stoppers)  # type: ignore[arg-type]
    try:
        assert [c.ptz for c in cameras] == [False, True] and cameras[1].alarm_preset == "东侧入口"
        service = PtzService(cameras, tasks)
        popped: list[str] = []
        service.turn_then(lambda camera, _text: popped.append(camera))("cam1", "告警")
        qtbot.waitUntil(lambda: popped == ["cam1"], timeout=10_000)
        assert service.status("cam1").result(10).position.pan == pytest.approx(0.5)
    finally:
        for _name, stop in stoppers:
            assert callable(stop)
            stop()


def test_the_onvif_schemas_are_parsed_ahead_on_a_worker_not_at_the_first_turn(
        sim: SimulatedOnvifCamera, tasks: TaskManager, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first camera turn of the day must not wait for (and stutter every screen with) 0.3 s of schema
    parsing: ``prepare_later`` parses them on a worker once start-up settled, and asks the camera nothing."""
    import threading

    import devices.onvif as onvif

    monkeypatch.setattr(onvif, "_documents", {})  # as in a process that never turned a camera
    parsed_on: list[str] = []
    parse = onvif.wsdl_document

    def spy(name: str, transport: object) -> object:
        parsed_on.append(threading.current_thread().name)
        return parse(name, transport)  # type: ignore[arg-type]

    monkeypatch.setattr(onvif, "wsdl_document", spy)
    service = PtzService(_cameras(sim), tasks)
    service.prepare_later(50)
    assert onvif._documents == {}, "not at once: start-up goes first"
    qtbot.waitUntil(lambda: set(onvif._documents) == set(onvif.SCHEMAS), timeout=30_000)
    assert parsed_on and threading.main_thread().name not in parsed_on
    assert sim.requests == []
    assert PtzService([CameraConfig(id="fixed-1", url="rtsp://127.0.0.1:1/y")], tasks).prepare() is None
