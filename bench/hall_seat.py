"""A headless seat for bench/bench_hall.py: ``build(config, role=Role.SEAT)`` + ``attach_seat(MqttBus)`` on a
QCoreApplication, recording what it sees until SIGTERM, then writing it as JSON to OUT.

    python bench/hall_seat.py SEAT_TOML OUT_JSON [--positions] [--create-cases N]

--positions      record when each (unit, latitude) first reached the seat's tracker (the fifth seat)
--create-cases N create N cases, one a second, recording when each was submitted (the first seat)
--start-file F   create them only once F exists (the bench touches it when the terminals start reporting)

Always recorded: when each case code was first announced here, and the bus/resync moments.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer

    from commandcenter.bus.api import BusState
    from commandcenter.bus.bridge import attach_seat
    from commandcenter.cases.changes import CaseChanges
    from commandcenter.cases.model import NewCase
    from commandcenter.config import load_config
    from commandcenter.domain import UnitPosition
    from commandcenter.runtime.compose import Role, build
    from commandcenter.server.service import SignalRelay, make_bus

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config_path, out = argv[0], argv[1]
    record_positions = "--positions" in argv
    create = int(argv[argv.index("--create-cases") + 1]) if "--create-cases" in argv else 0
    start_file = Path(argv[argv.index("--start-file") + 1]) if "--start-file" in argv else None
    app = QCoreApplication(["hall-seat"])
    config = load_config(config_path)
    services = build(config, role=Role.SEAT)
    seat = attach_seat(services, make_bus(config, Role.SEAT))
    seen: dict[str, list[list[float]]] = {}  # unit -> [[lat, t], ...]
    cases_seen: dict[str, float] = {}
    created: dict[str, float] = {}
    moments: dict[str, list[float]] = {"connected": [], "offline": [], "resynced": []}

    def on_positions(moved: list[UnitPosition]) -> None:
        now = time.time()
        for p in moved:
            seen.setdefault(p.id, []).append([round(p.lat, 6), now])

    def on_cases(changes: CaseChanges) -> None:
        now = time.time()
        for code in changes.codes:
            cases_seen.setdefault(code, now)

    def on_state(state: BusState) -> None:
        if state is BusState.CONNECTED:
            moments["connected"].append(time.time())
        elif state is BusState.OFFLINE:
            moments["offline"].append(time.time())

    if record_positions:
        services.tracker.changed.connect(on_positions)
    services.cases.announcer.changed.connect(on_cases)
    seat.bus.state_changed.connect(on_state)
    seat.resynced.connect(lambda: moments["resynced"].append(time.time()))

    made = {"n": 0}

    def create_case() -> None:
        if made["n"] >= create or (start_file is not None and not start_file.exists()):
            return
        made["n"] += 1
        started = time.time()
        operation = services.cases.create_case(NewCase(source="hotline", category="SJ0401",
                                                       description=f"bench case {made['n']}", lat=32.0415,
                                                       lon=118.784, reporter="12345热线"), "hotline-12345")
        operation.add_done_callback(lambda op: created.setdefault(op.result().code, started)
                                    if op.exception() is None else None)

    timer = QTimer()
    timer.timeout.connect(create_case)
    relay = SignalRelay(app, config_path)
    services.start()
    if create:
        QTimer.singleShot(8000, lambda: timer.start(1000))  # after every seat has connected
    print("seat up", flush=True)
    app.exec()
    timer.stop()
    services.stop()
    relay.close()
    result: dict[str, Any] = {"positions": seen, "cases_seen": cases_seen, "created": created, "moments": moments}
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main(sys.argv[1:]))
