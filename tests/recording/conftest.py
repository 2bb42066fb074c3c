"""Real cameras for the recording tests: the GStreamer RTSP test server on loopback (320×180 H.264, 25 fps, a key
frame every 10 frames), and helpers to build a recorder on the test's own SQLite file and directory."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commandcenter.config import CameraConfig, RecordingConfig
from commandcenter.demo.testserver import ClipSpec, RtspTestServer, make_clip
from commandcenter.recording.recorder import Recorder
from commandcenter.store import Store

GOP_S = 0.4  # key frame interval of the test clips (10 frames at 25 fps)


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@pytest.fixture(scope="session")
def camera_clips() -> list[Path]:
    return [make_clip(ClipSpec(label=label, width=320, height=180, seconds=4.0, gop=10, variant=i))
            for i, label in enumerate(["录像一", "录像二"])]


@pytest.fixture(scope="session")
def rtsp_cameras(camera_clips: list[Path]) -> Iterator[RtspTestServer]:
    server = RtspTestServer(camera_clips)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cameras(rtsp_cameras: RtspTestServer) -> RtspTestServer:
    """The session's RTSP server, running (a test that stopped it must not break the next one)."""
    if not rtsp_cameras.running:
        rtsp_cameras.restart()
    return rtsp_cameras


MakeRecorder = Callable[..., Recorder]


@pytest.fixture
def notices() -> list[tuple[str, str]]:
    """What the recorders of the test said to the events dock: (severity, text)."""
    return []


@pytest.fixture
def make_recorder(store: Store, tmp_path: Path, notices: list[tuple[str, str]]) -> Iterator[MakeRecorder]:
    """``make_recorder(CameraConfig(...), ..., segment_s=1.5, **recording_keys)``: stopped after the test."""
    made: list[Recorder] = []

    def make(*cameras: CameraConfig, segment_s: float = 1.5, min_free_gb: float = 0.0, **keys: object) -> Recorder:
        config = RecordingConfig(path=str(tmp_path / "recordings"), segment_s=segment_s, min_free_gb=min_free_gb,
                                 **keys)  # type: ignore[arg-type]
        recorder = Recorder(list(cameras), config, store, notify=lambda sev, text: notices.append((sev, text)))
        made.append(recorder)
        return recorder

    yield make
    for recorder in made:
        recorder.stop()
