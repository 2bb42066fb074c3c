"""Where every unit is: the live position service fed by trackers and drones, read by the map, dispatch and reports.

``UnitTracker`` is a core service living on the GUI thread. Adapters' ``PositionFix`` events arrive in batches
(``apply``; the drone fleet hands its drones' fixes the same way) and pass the fix chain
(:mod:`commandcenter.runtime.fixes`): filtered (no GPS fix, (0, 0), out of range), resolved from the device's own
key (a JT/T 808 phone number, an OsmAnd id, a drone id) to a unit, checked against the unit's track (impossible
jumps), persisted through the store's single writer, and kept as the latest position per unit. Device fixes
take this road on the DeviceManager's batcher thread (``ingest``), so a device's acknowledgement — sent only once
the store has committed its fix — never waits for the GUI thread. Views are told at
most 20 times a second (``changed``, carrying only the units that moved) so a 1 kHz feed cannot flood the GUI;
the geofence listens to the same signal.

``snapshot()`` is safe from any thread (dispatch ranking runs on workers).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtCore import QObject, Signal

from commandcenter.domain import UnitKind, UnitPosition
from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer
from commandcenter.runtime.fixes import DEFAULT_WINDOW, FixChain, TimeWindow, UnitRef
from commandcenter.store import Store
from devices.base import Adapter, PositionFix, Receipt

log = logging.getLogger(__name__)


@dataclass(slots=True)
class UnitInfo:
    """Static facts of a unit: who it is and how its devices call it."""

    id: str
    kind: str  # UnitKind value
    name: str
    sub_kind: str = ""  # vehicle kind / officer team
    status: str = "idle"
    device_keys: tuple[str, ...] = ()


def _committed(fut: Future[int]) -> bool:
    return not fut.cancelled() and fut.exception() is None


def _settle(receipts: dict[Receipt, int], stored: bool) -> None:
    for receipt, fixes in receipts.items():
        receipt.settle(stored, fixes)


# How often moved units are announced (``changed``), coalesced. Every announcement is a slot call on the GUI
# thread for each listener (map, boards, geofence, bus bridge) that has to win the interpreter lock and a CPU
# against the listeners and the store; units report every 2–5 s and the map draws at 5 Hz, so 5 Hz shows every
# move as soon as the map can draw it. Measured in the populated demo (2,000 units, alternating probes):
# at 20 Hz the GUI timer's p99 lateness was 164 / 116 ms, at 5 Hz 140 / 91 ms.
CHANGES_HZ = 5.0


class UnitTracker(QObject):
    """Latest positions of officers, vehicles and drones; coalesced change notifications (``CHANGES_HZ``)."""

    changed = Signal(list)  # list[UnitPosition] of units that moved or changed since the last emission
    unknown_device = Signal(str, str)  # source, device key — a tracker we have no unit for

    def __init__(self, store: Store | None = None, *, stale_after_s: float = 300.0,
                 max_rate_hz: float = CHANGES_HZ, max_speed_kmh: Mapping[str, float] | None = None,
                 persist_interval_s: Mapping[str, float] | None = None, window: TimeWindow = DEFAULT_WINDOW,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.stale_after = timedelta(seconds=stale_after_s)
        self._lock = threading.Lock()
        self._units: dict[str, UnitInfo] = {}
        self._by_key: dict[str, str] = {}
        self._latest: dict[str, UnitPosition] = {}
        self._dirty: set[str] = set()
        self._refs: dict[str, UnitRef] = {}  # unit → what the chain needs of it (rebuilt when the unit changes)
        self.chain = FixChain(self._resolve, self._latest, max_speed_kmh=max_speed_kmh,
                              persist_interval_s=persist_interval_s, window=window)
        self._timer = PhasedTimer(max(1, int(1000 / max_rate_hz)), PHASES_MS["units.handover"], self._emit_changes,
                                  self)  # not in the same turn of the event loop as the map's flush (cadence)
        self._timer.start()

    @property
    def fixes_received(self) -> int:
        return self.chain.received

    @property
    def fixes_unknown(self) -> int:
        return self.chain.refused.get("unknown_device", 0)

    # ------------------------------------------------------------------------------------------- registry
    def register(self, units: Iterable[UnitInfo]) -> None:
        """Declare units and the device keys that report for them (an id always maps to itself)."""
        with self._lock:
            for unit in units:
                self._units[unit.id] = unit
                self._refs.pop(unit.id, None)
                self._by_key[unit.id] = unit.id
                for key in unit.device_keys:
                    if key:
                        self._by_key[key] = unit.id

    def units(self) -> list[UnitInfo]:
        with self._lock:
            return list(self._units.values())

    def knows_device(self, key: str) -> bool:
        """For listeners' ``known_terminals``/``known_devices``: is this key one of our units? Thread-safe."""
        with self._lock:
            return key in self._by_key

    def set_status(self, unit_id: str, status: str) -> None:
        """Reflect a status change made by a core service (dispatch) on the map and the board."""
        with self._lock:
            info = self._units.get(unit_id)
            if info is None:
                return
            info.status = status
            self._refs.pop(unit_id, None)
            pos = self._latest.get(unit_id)
            if pos is not None:
                self._latest[unit_id] = replace(pos, status=status)
            self._dirty.add(unit_id)

    # ------------------------------------------------------------------------------------------- feed
    def _resolve(self, fix: PositionFix) -> UnitRef | None:
        """The chain's resolve stage (called under the lock): device key → unit."""
        unit_id = self._by_key.get(fix.device_key)
        if unit_id is None:
            return None
        ref = self._refs.get(unit_id)
        if ref is None:
            info = self._units[unit_id]
            ref = self._refs[unit_id] = UnitRef(info.id, info.kind, info.name, info.sub_kind, info.status)
        return ref

    def apply(self, events: Iterable[object]) -> None:
        """Take a batch of events; PositionFix ones go through the fix chain, the rest are ignored here."""
        self.ingest([ev for ev in events if isinstance(ev, PositionFix)])

    def ingest(self, fixes: list[PositionFix]) -> None:
        """Run fixes through the chain and hand the rows to the store; thread-safe, never waits on the database.

        The DeviceManager calls this on its batcher thread (``set_fix_handler``) so that acknowledging a device
        does not wait for the GUI thread; the drone fleet calls it (through ``apply``) on the GUI thread.

        Receipts (devices acknowledged only once their fix is stored) are settled when the store's transaction
        holding this batch's rows has committed — the store coalesces every batch queued meanwhile into that one
        transaction, so one fsync acknowledges them all — and "not stored" when it failed, so the devices send
        again. Fixes the chain refused (no GPS fix, out of range, an unknown device, an impossible jump) or
        thinned away are acknowledged with the same batch: they are counted in the health report, and a device
        told "no" would only send the same report again and again.
        """
        if not fixes:
            return
        with self._lock:
            outcome = self.chain.run(fixes)
            self._dirty |= outcome.moved
        receipts: dict[Receipt, int] = {}  # one settle per device message, not per fix
        for fix in fixes:
            if fix.receipt is not None:
                receipts[fix.receipt] = receipts.get(fix.receipt, 0) + 1
        if outcome.rows and self._store is not None:
            written = self._store.add_fixes(outcome.rows)
            if receipts:
                written.add_done_callback(lambda fut: _settle(receipts, _committed(fut)))
        elif receipts:
            _settle(receipts, True)
        for source, key in outcome.unknown:
            log.info("position from unknown %s device %r", source, key)
            self.unknown_device.emit(source, key)

    def apply_remote(self, positions: Iterable[UnitPosition]) -> None:
        """Positions another process (the server) accepted and stored, as a seat gets them from the bus: kept
        as the latest unless older than the one held, announced on ``changed`` like local ones (the map cannot
        tell the difference), never written to the store (the server already did). Units not yet known are
        registered under their own id."""
        with self._lock:
            for pos in positions:
                held = self._latest.get(pos.id)
                if held is not None and (held.fix_time > pos.fix_time
                                         or (held.fix_time == pos.fix_time and held == pos)):
                    continue
                if pos.id not in self._units:
                    self._units[pos.id] = UnitInfo(pos.id, pos.kind, pos.name, pos.sub_kind, pos.status or "idle")
                    self._by_key[pos.id] = pos.id
                elif pos.status:
                    self._units[pos.id].status = pos.status
                self._latest[pos.id] = pos
                self._dirty.add(pos.id)

    def _emit_changes(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            moved = [self._latest[u] for u in self._dirty if u in self._latest]
            self._dirty.clear()
        if moved:
            self.changed.emit(moved)

    # ------------------------------------------------------------------------------------------- reads
    def snapshot(self) -> dict[str, UnitPosition]:
        """A copy of the latest position of every unit that has one. Thread-safe."""
        with self._lock:
            return dict(self._latest)

    def get(self, unit_id: str) -> UnitPosition | None:
        with self._lock:
            return self._latest.get(unit_id)

    def is_stale(self, pos: UnitPosition, now: datetime | None = None) -> bool:
        return ((now or datetime.now(UTC)) - pos.fix_time) > self.stale_after

    def arrays(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Ids and lat/lon arrays of all positioned units (vectorised ranking, map scatter)."""
        with self._lock:
            ids = list(self._latest)
            lat = np.fromiter((p.lat for p in self._latest.values()), float, len(ids))
            lon = np.fromiter((p.lon for p in self._latest.values()), float, len(ids))
        return ids, lat, lon

    def report(self, now: datetime | None = None) -> list[dict[str, object]]:
        """The snapshot report's ``units`` section."""
        now = now or datetime.now(UTC)
        out: list[dict[str, object]] = []
        for pos in sorted(self.snapshot().values(), key=lambda p: p.id):
            out.append({
                "id": pos.id, "kind": pos.kind, "lat": round(pos.lat, 7), "lon": round(pos.lon, 7),
                "fix_time": pos.fix_time.isoformat(), "speed": pos.speed, "heading": pos.heading,
                "source": pos.source, "stale": self.is_stale(pos, now), "status": pos.status,
                "name": pos.name, "sub_kind": pos.sub_kind,
            })
        return out

    def fixes_report(self) -> dict[str, object]:
        """The health report's ``fixes`` section: fixes received, accepted, persisted and refused by reason."""
        with self._lock:
            return self.chain.report()

    def refused_fixes(self, source: str, device_key: str | None = None) -> dict[str, int]:
        """Refused fixes by reason of one source or one of its devices (the device health's ``refused_fixes``)."""
        with self._lock:
            return self.chain.refused_of(source, device_key)

    def refused_of_link(self, adapter: Adapter) -> dict[str, int]:
        """A device link's refused fixes: an NMEA port's unit's, a drone link's drone's (the link id is the
        drone id), else everything its source refused (one JT/T 808 and one OsmAnd listener per process)."""
        key: str | None = None
        if adapter.kind == "nmea":
            unit = getattr(adapter, "unit", None)
            key = unit if isinstance(unit, str) else None
        elif adapter.kind == "mavlink":
            key = adapter.id
        return self.refused_fixes(adapter.kind, key)

    def counts(self) -> dict[str, int]:
        """Units by kind that have a position (briefing screen, status bar)."""
        result = {k.value: 0 for k in UnitKind}
        for pos in self.snapshot().values():
            result[pos.kind] = result.get(pos.kind, 0) + 1
        return result
