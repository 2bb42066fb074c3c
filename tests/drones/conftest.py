"""Fixtures of the drone tests that fly: a SimVehicle behind a real MAVLink link feeding a DroneFleet the way the
runtime does, and a real RTSP server standing in for a drone's video downlink."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from typing import Any

import pytest
from flight_support import FlyingHarness

from commandcenter.demo.testserver import ClipSpec, RtspTestServer, make_clip


@pytest.fixture
def flying(qtbot: Any) -> Iterator[FlyingHarness]:
    """A vehicle on the ground at FLY_HOME with position, home and a 3D fix already in the fleet."""
    h = FlyingHarness()
    qtbot.waitUntil(lambda: (s := h.fleet.state("uav-1")) is not None and s.lat is not None and s.gps_fix == 3
                    and s.home_lat is not None, timeout=5000)
    yield h
    h.close()


@pytest.fixture(scope="session")
def downlink() -> Iterator[RtspTestServer]:
    """A drone video downlink: one small clip over real RTSP on loopback (``downlink.url(1)``)."""
    clip = make_clip(ClipSpec(label="巡查1号 机载", width=320, height=180, seconds=4.0, gop=10, variant=7,
                              timecode=False))
    server = RtspTestServer([clip])
    server.start()
    yield server
    server.stop()
