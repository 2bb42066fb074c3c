"""A recording server as a child process, for tests/recording/test_crash.py to kill -9 mid-segment.

Built from the parts the composition root wires: the real store on an SQLite file and the Recorder with one
continuous camera. Once a segment is indexed and the next one has been written for a while, it writes the ready
file; then it records until it is killed.

    python tests/recording/record_child.py DB ROOT URL READY_FILE
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def main(db: str, root: str, url: str, ready_file: str) -> None:
    from commandcenter.config import CameraConfig, RecordingConfig
    from commandcenter.recording.recorder import Recorder
    from commandcenter.store import Store

    store = Store(f"sqlite:///{db}")
    store.upgrade()
    recorder = Recorder([CameraConfig(id="cam-1", url=url, record="continuous")],
                        RecordingConfig(path=root, segment_s=1.5, min_free_gb=0.0), store)
    recorder.start()
    far = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    camera = recorder.recorders["cam-1"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        current = camera.open_segment()
        if (len(recorder.index.segments("cam-1", *far)) >= 2 and current is not None
                and current.duration_s >= 0.8):
            Path(ready_file).write_text(current.path, encoding="utf-8")
            break
        time.sleep(0.02)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main(*sys.argv[1:5])
