"""A seat as a child process for the fault tests, built the way ``commandcenter run --config seat.toml`` builds
one (``commandcenter.cli`` seat composition: ``build(config, role=Role.SEAT)`` + ``attach_seat(MqttBus)``), with the real
status bar in Chinese. Every 100 ms, when anything changed, it appends one JSON line to OUT:

    {"t": unix time, "bus_offline": 总线离线 shown, "server_offline": 服务器离线 shown, "texts": [...],
     "positions": {unit: [lat, lon]}, "queue": codes of the cases in the seat's dispatch queue,
     "devices": the status bar's 设备在线 text}

    python tests/server/seat_child.py SEAT_TOML OUT_JSONL
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(config_path: str, out: str) -> int:
    from PySide6.QtCore import QTimer

    from commandcenter.bus.bridge import ATTACHED, SeatSubscriber
    from commandcenter.cli import GuiOptions, _seat_composition
    from commandcenter.config import load_config
    from widgets.app import make_application
    from widgets.main_window import StatusLine

    app = make_application("zh")
    config = load_config(config_path)
    options = GuiOptions(config=config, demo=False, language="zh")
    services = _seat_composition(options)()
    services.start()
    seat = services.extra[ATTACHED]
    assert isinstance(seat, SeatSubscriber), "a config with [bus] makes a seat"
    status = StatusLine(services.status, link=seat)
    sink = Path(out).open("a", encoding="utf-8")
    last: dict[str, object] = {}
    queue: list[str] = []

    def on_snapshot(snapshot: object) -> None:
        queue[:] = sorted(row.code for row in getattr(snapshot, "queue", []))

    services.dispatch_feed.snapshot.connect(on_snapshot)
    services.dispatch_feed.start()  # as the dispatch screen does

    def record() -> None:
        state = {
            "bus_offline": not status.bus.isHidden(),
            "server_offline": not status.server.isHidden(),
            "texts": [label.text() for label in (status.bus, status.server) if not label.isHidden()],
            "positions": {uid: [round(p.lat, 6), round(p.lon, 6)] for uid, p in services.tracker.snapshot().items()},
            "queue": list(queue),
            "devices": status.devices.text(),
        }
        if state != last:
            last.clear()
            last.update(state)
            sink.write(json.dumps({"t": time.time(), **state}, ensure_ascii=False) + "\n")
            sink.flush()

    timer = QTimer()
    timer.timeout.connect(record)
    timer.start(100)
    record()
    try:
        return app.exec()
    finally:
        services.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
