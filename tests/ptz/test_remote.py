"""PTZ from a seat: intents travel to the server over the bus (in-process here) with the seat's session, the
server turns the simulated ONVIF camera and answers; a forged session and a silent server are told to the seat."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commandcenter.bus import InProcessBus
from commandcenter.config import parse_config
from commandcenter.demo.onvif_camera import SimulatedOnvifCamera
from commandcenter.drones.remote import seat_sessions
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.enforcement.seats import SeatSession
from commandcenter.ptz.remote import PtzRemoteError, RemotePtz, attach_ptz_server
from commandcenter.ptz.service import PtzService
from commandcenter.runtime.compose import Services, build
from tests.drones.remote_support import demo_accounts


@pytest.fixture
def sim() -> Iterator[SimulatedOnvifCamera]:
    with SimulatedOnvifCamera() as cam:
        yield cam


@pytest.fixture
def hall(tmp_path: Path, sim: SimulatedOnvifCamera) -> Iterator[tuple[Services, InProcessBus]]:
    bus = InProcessBus("hall", interval_ms=20)
    bus.start()
    config = parse_config(
        f'[database]\nurl = "sqlite:///{tmp_path / "hall.db"}"\n\n[[cameras]]\nid = "dome"\nname = "球机"\n'
        f'url = "rtsp://127.0.0.1:1/a"\nptz = true\nonvif_url = "{sim.device_url}"\nonvif_user = "admin"\n'
        f'onvif_password = "admin123"\nlat = 32.04\nlon = 118.78\nheading = 0.0\n', "server.toml")
    services = build(config)
    demo_accounts(services)
    attach_ptz_server(services, bus)
    services.start()
    yield services, bus
    services.stop()
    bus.stop()


def _seat(services: Services, bus: InProcessBus, session: SeatSession | None, **kw: Any) -> PtzService:
    seat = PtzService(services.config.cameras, services.tasks)
    seat.send_through(RemotePtz(bus, "seat-1", lambda: session, **kw))
    return seat


def test_a_seat_turns_the_camera_through_the_server(hall: tuple[Services, InProcessBus],
                                                    sim: SimulatedOnvifCamera, qtbot: Any) -> None:
    services, bus = hall
    session = seat_sessions(services).open("dispatcher", PUBLISHED_PASSWORDS["dispatcher"], "seat-1")
    seat = _seat(services, bus, session)
    future = seat.move("dome", 0.6, 0.0)
    qtbot.waitUntil(future.done, timeout=10_000)
    assert future.exception() is None and sim.state.velocity[0] == pytest.approx(0.6)
    stop = seat.stop("dome")
    qtbot.waitUntil(stop.done, timeout=10_000)
    assert sim.state.velocity == (0.0, 0.0, 0.0)
    saved = seat.save_preset("dome", "北口")
    qtbot.waitUntil(saved.done, timeout=10_000)
    listed = seat.presets("dome")
    qtbot.waitUntil(listed.done, timeout=10_000)
    assert [p.name for p in listed.result()] == ["北口"]
    looked = seat.look_at("dome", 32.04, 118.781)  # due east of a camera looking north
    qtbot.waitUntil(looked.done, timeout=10_000)
    assert looked.result().pan == pytest.approx(0.5, abs=0.01) and sim.state.pan == pytest.approx(0.5, abs=0.01)


def test_a_forged_session_is_refused_with_the_reason(hall: tuple[Services, InProcessBus],
                                                     sim: SimulatedOnvifCamera, qtbot: Any) -> None:
    services, bus = hall
    real = seat_sessions(services).open("dispatcher", PUBLISHED_PASSWORDS["dispatcher"], "seat-1")
    forged = SeatSession("made-up-token", real.user, "seat-1", real.expires_at)
    seat = _seat(services, bus, forged)
    with qtbot.waitSignal(seat.outcome, timeout=10_000) as told:
        future = seat.move("dome", 1.0, 0.0)
    qtbot.waitUntil(future.done, timeout=10_000)
    assert isinstance(future.exception(), PtzRemoteError)
    assert told.args is not None and told.args[1] is False and "unknown session token" in told.args[2]
    assert sim.state.velocity == (0.0, 0.0, 0.0)


def test_without_a_server_the_seat_says_so(hall: tuple[Services, InProcessBus], qtbot: Any) -> None:
    services, _bus = hall
    lonely = InProcessBus("nobody", interval_ms=20)
    lonely.start()
    try:
        session = seat_sessions(services).open("dispatcher", PUBLISHED_PASSWORDS["dispatcher"], "seat-1")
        seat = _seat(services, lonely, session, timeout_s=0.5)
        future = seat.stop("dome")
        qtbot.waitUntil(future.done, timeout=5_000)
        error = future.exception()
        assert isinstance(error, PtzRemoteError) and "no answer from the server within 0.5 s" in str(error)
    finally:
        lonely.stop()
