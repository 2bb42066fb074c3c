"""Shared fixtures: a real GStreamer RTSP server on loopback serving small clips (320×180, 25 fps)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commandcenter.demo.testserver import ClipSpec, RtspTestServer, make_clip

MOUNTS = 4


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or the deadline passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@pytest.fixture(scope="session")
def small_clips() -> list[Path]:
    labels = ["新街口东", "鼓楼广场", "中山路北", "夫子庙西"]
    return [make_clip(ClipSpec(label=label, width=320, height=180, seconds=4.0, gop=10, variant=i))
            for i, label in enumerate(labels[:MOUNTS])]


@pytest.fixture(scope="session")
def rtsp_server(small_clips: list[Path]) -> Iterator[RtspTestServer]:
    server = RtspTestServer(small_clips)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(rtsp_server: RtspTestServer) -> RtspTestServer:
    """The session server, guaranteed running (a test that stops it must not break the next one)."""
    if not rtsp_server.running:
        rtsp_server.restart()
    return rtsp_server
