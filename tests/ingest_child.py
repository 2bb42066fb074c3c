"""The command center's fix ingest as a child process, for tests/test_acknowledged_means_stored.py to kill -9.

Built from the same parts the composition root wires (``commandcenter.runtime.compose``): the real store on an
SQLite file, the UnitTracker's fix chain as the DeviceManager's fix handler, and the JT/T 808 and OsmAnd
listeners from the link factory (``runtime.links``), on ephemeral ports of 127.0.0.1. Once both listen, the
ports are written as JSON to the ready file; then it serves until it is killed.

    python tests/ingest_child.py DB READY_FILE UNITS_JSON

UNITS_JSON maps a unit id to its kind and device key: ``{"V1": ["vehicle", "013900000001"], ...}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(db: str, ready_file: str, units_json: str) -> None:
    from PySide6.QtCore import QCoreApplication

    from commandcenter.config import Config, Jt808Config, OsmAndConfig, TrackersConfig
    from commandcenter.runtime.devices import DeviceManager
    from commandcenter.runtime.links import tracker_links
    from commandcenter.runtime.units import UnitInfo, UnitTracker
    from commandcenter.store import Store
    from devices.jt808 import Jt808Server
    from devices.osmand import OsmAndServer

    app = QCoreApplication(sys.argv[:1])
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    tracker = UnitTracker(store)
    units: dict[str, list[str]] = json.loads(units_json)
    tracker.register([UnitInfo(uid, kind, uid, device_keys=(key,)) for uid, (kind, key) in units.items()])
    manager = DeviceManager()
    manager.set_fix_handler(tracker.ingest)
    config = Config(trackers=TrackersConfig(jt808=Jt808Config(port=0), osmand=OsmAndConfig(port=0)))
    ports: dict[str, int] = {}
    for link in tracker_links(config, tracker.knows_device):
        manager.add(link.adapter, listener=link.listener, stale_after=link.stale_after)
        adapter = link.adapter
        if not isinstance(adapter, Jt808Server | OsmAndServer):
            continue
        if not adapter.ready.wait(30) or adapter.bound_port is None:
            raise SystemExit(f"{adapter.id} did not start listening")
        ports[adapter.kind] = adapter.bound_port
    tmp = Path(ready_file + ".tmp")
    tmp.write_text(json.dumps(ports))
    os.replace(tmp, ready_file)
    app.exec()


if __name__ == "__main__":
    main(*sys.argv[1:4])
