"""The ONVIF PTZ client against the simulated camera, over real HTTP on 127.0.0.1 (both built from the WSDLs)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from commandcenter.demo.onvif_camera import SimulatedOnvifCamera
from devices.onvif import OnvifAuthError, OnvifError, OnvifPtzClient


@pytest.fixture
def camera() -> Iterator[SimulatedOnvifCamera]:
    with SimulatedOnvifCamera(user="admin", password="s3cret") as cam:
        yield cam


def test_continuous_move_turns_the_camera_until_stop(camera: SimulatedOnvifCamera) -> None:
    client = OnvifPtzClient(camera.device_url, "admin", "s3cret")
    assert client.status().position.pan == 0.0
    client.continuous_move(1.0, -0.5)
    time.sleep(0.3)
    moving = client.status()
    assert moving.moving
    assert moving.position.pan > 0.05 and moving.position.tilt < -0.02
    client.stop()
    stopped = client.status()
    assert not stopped.moving
    time.sleep(0.2)
    assert client.status().position == stopped.position  # stopped means it stays
    assert camera.requests[:3] == ["GetCapabilities", "GetProfiles", "GetStatus"]


def test_absolute_and_relative_moves(camera: SimulatedOnvifCamera) -> None:
    client = OnvifPtzClient(camera.device_url, "admin", "s3cret")
    client.absolute_move(0.25, -0.5, 0.4)
    position = client.status().position
    assert (position.pan, position.tilt, position.zoom) == pytest.approx((0.25, -0.5, 0.4))
    client.relative_move(0.1, 0.2, 0.1)
    position = client.status().position
    assert (position.pan, position.tilt, position.zoom) == pytest.approx((0.35, -0.3, 0.5))


def test_presets_round_trip(camera: SimulatedOnvifCamera) -> None:
    client = OnvifPtzClient(camera.device_url, "admin", "s3cret")
    client.absolute_move(-0.6, 0.1, 0.8)
    token = client.set_preset("东门")
    client.absolute_move(0.0, 0.0, 0.0)
    presets = client.presets()
    assert [(p.token, p.name) for p in presets] == [(token, "东门")]
    assert presets[0].position is not None and presets[0].position.pan == pytest.approx(-0.6)
    client.goto_preset(token)
    position = client.status().position
    assert (position.pan, position.tilt, position.zoom) == pytest.approx((-0.6, 0.1, 0.8))


def test_unknown_preset_is_a_clear_error(camera: SimulatedOnvifCamera) -> None:
    client = OnvifPtzClient(camera.device_url, "admin", "s3cret")
    with pytest.raises(OnvifError, match="GotoPreset 'nope' refused"):
        client.goto_preset("nope")


def test_bad_credentials_are_refused_with_a_clear_error(camera: SimulatedOnvifCamera) -> None:
    client = OnvifPtzClient(camera.device_url, "admin", "wrong")
    with pytest.raises(OnvifAuthError, match=r"user 'admin' was refused \(wrong user name or password\)"):
        client.continuous_move(1.0, 0.0)
    assert camera.state.velocity == (0.0, 0.0, 0.0)  # nothing moved
    assert camera.requests == []  # refused before any operation ran


def test_unreachable_camera_names_the_device() -> None:
    with SimulatedOnvifCamera() as cam:
        url = cam.device_url
    client = OnvifPtzClient(url, "admin", "admin123", timeout=2.0)
    with pytest.raises(OnvifError, match=f"ONVIF device {url}: GetCapabilities: cannot reach the camera"):
        client.stop()
