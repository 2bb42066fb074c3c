"""Acknowledged means stored: a device that got its 0x8001 or HTTP 200 forgets the fix, so it must be committed.

The first tests hold the store's single writer (a real SQLite store whose writer is busy with a job that waits
on a gate): no acknowledgement may leave while the fix is not committed, and it leaves once it is. The last test
runs the ingest in a child process, floods it from real sockets, kills it with SIGKILL mid-flood three times and
then finds every acknowledged fix in the database file.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from commandcenter.runtime.devices import DeviceManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.store import Store
from devices.base import PositionFix, Receipt, settle_all
from devices.jt808 import (
    MSG_LOCATION,
    MSG_LOCATION_BATCH,
    MSG_PLATFORM_GENERAL_RESPONSE,
    RESULT_OK,
    Jt808Server,
    Jt808Terminal,
    decode_general_response,
    encode_location,
    encode_location_batch,
)
from devices.osmand import OsmAndClient, OsmAndServer

PHONE = "013900000077"
HERE = (32.0415, 118.7840)
REPO = Path(__file__).resolve().parents[1]


def stored_lats(store: Store, unit_id: str) -> list[float]:
    rows = store.read(lambda s: s.execute(
        text("SELECT lat FROM position_fixes WHERE unit_id = :u ORDER BY time"), {"u": unit_id}).all())
    return [round(float(r[0]), 6) for r in rows]


class HeldWriter:
    """Keeps the store's single writer busy until released: nothing is committed meanwhile."""

    def __init__(self, store: Store) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()

        def hold(_session: Session) -> None:
            self.started.set()
            self.gate.wait(30)

        self.done: Future[None] = store.submit(hold)
        assert self.started.wait(5)

    def release(self) -> None:
        self.gate.set()
        self.done.result(10)


@dataclass
class Site:
    tracker: UnitTracker
    jt808_port: int
    osmand_port: int


@pytest.fixture
def site(qtbot: Any, store: Store) -> Iterator[Site]:
    tracker = UnitTracker(store)
    tracker.register([UnitInfo("V77", "vehicle", "苏A·00077", device_keys=(PHONE,)),
                      UnitInfo("O77", "officer", "赵敏", device_keys=("osm-77",))])
    manager = DeviceManager()
    manager.set_fix_handler(tracker.ingest)
    jt = Jt808Server("jt808", "127.0.0.1", 0, False, tracker.knows_device, ack_after_store=True)
    osm = OsmAndServer("osmand", "127.0.0.1", 0, tracker.knows_device, ack_after_store=True)
    manager.add(jt, listener=True)
    manager.add(osm, listener=True)
    assert jt.ready.wait(5) and osm.ready.wait(5)
    assert jt.bound_port and osm.bound_port
    yield Site(tracker, jt.bound_port, osm.bound_port)
    manager.stop()


def test_jt808_report_is_answered_only_after_the_commit(site: Site, store: Store) -> None:
    with Jt808Terminal(PHONE, "127.0.0.1", site.jt808_port, timeout=5.0) as term:
        term.register()
        assert term.authenticate() == RESULT_OK
        held = HeldWriter(store)
        when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
        serial, frame = term.frame(MSG_LOCATION, encode_location(*HERE, 30.0, 90, when))
        term.send_raw(frame)
        # The fix reaches the tracker (it is the unit's position) but the writer has not committed it.
        deadline = time.monotonic() + 5
        while site.tracker.get("V77") is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert site.tracker.get("V77") is not None
        with pytest.raises(TimeoutError):
            term.receive(timeout=0.5)
        assert stored_lats(store, "V77") == []
        held.release()
        reply = term.receive(timeout=5.0)
        assert reply.header.msg_id == MSG_PLATFORM_GENERAL_RESPONSE
        assert decode_general_response(reply.body) == (serial, MSG_LOCATION, RESULT_OK)
        # Answered means it is in the file: read on another connection, right away.
        assert stored_lats(store, "V77") == [pytest.approx(HERE[0])]


def test_jt808_batch_is_answered_once_all_its_fixes_are_committed(site: Site, store: Store) -> None:
    with Jt808Terminal(PHONE, "127.0.0.1", site.jt808_port, timeout=5.0) as term:
        term.register()
        assert term.authenticate() == RESULT_OK
        held = HeldWriter(store)
        t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        bodies = [encode_location(HERE[0] + k * 1e-5, HERE[1], 20.0, 0, t0 + timedelta(seconds=k))
                  for k in range(5)]
        serial, frame = term.frame(MSG_LOCATION_BATCH, encode_location_batch(bodies))
        term.send_raw(frame)
        with pytest.raises(TimeoutError):
            term.receive(timeout=0.5)
        held.release()
        reply = term.receive(timeout=5.0)
        assert decode_general_response(reply.body) == (serial, MSG_LOCATION_BATCH, RESULT_OK)
        assert len(stored_lats(store, "V77")) == 5


def test_streams_of_many_terminals_are_answered_message_by_message(qtbot: Any, store: Store) -> None:
    """Answers come from the store's writer thread while terminals keep sending: none may be lost."""
    phones = [f"0139000010{i:02d}" for i in range(20)]
    tracker = UnitTracker(store)
    tracker.register([UnitInfo(f"S{i}", "vehicle", f"苏A·1{i:04d}", device_keys=(p,)) for i, p in enumerate(phones)])
    manager = DeviceManager()
    manager.set_fix_handler(tracker.ingest)
    server = Jt808Server("jt808", "127.0.0.1", 0, False, tracker.knows_device, ack_after_store=True)
    manager.add(server, listener=True)
    assert server.ready.wait(5) and server.bound_port
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    terms = [Jt808Terminal(p, "127.0.0.1", server.bound_port, timeout=10.0) for p in phones]
    try:
        for term in terms:
            term.register()
            assert term.authenticate() == RESULT_OK
        unanswered: list[set[int]] = [set() for _ in terms]
        rounds = 30
        for r in range(rounds):
            for i, term in enumerate(terms):
                bodies = [encode_location(HERE[0] + (r * 25 + k) * 1e-6, HERE[1], 10.0, 0,
                                          t0 + timedelta(seconds=r * 25 + k)) for k in range(25)]
                serial, frame = term.frame(MSG_LOCATION_BATCH, encode_location_batch(bodies))
                term.send_raw(frame)
                unanswered[i].add(serial)
            for i, term in enumerate(terms):
                while len(unanswered[i]) > (10 if r < rounds - 1 else 0):
                    answered, msg_id, result = decode_general_response(term.receive().body)
                    assert (msg_id, result) == (MSG_LOCATION_BATCH, RESULT_OK)
                    unanswered[i].discard(answered)
    finally:
        for term in terms:
            term.close()
        manager.stop()
    assert store.scalar("SELECT COUNT(*) FROM position_fixes") == len(phones) * rounds * 25


def test_invalid_fix_is_acknowledged_without_waiting_for_the_store(site: Site, store: Store) -> None:
    """A report the chain refuses (here: the terminal says it has no GPS fix) has nothing to store; answering
    it at once keeps the terminal from sending the same useless report for ever."""
    with Jt808Terminal(PHONE, "127.0.0.1", site.jt808_port, timeout=5.0) as term:
        term.register()
        assert term.authenticate() == RESULT_OK
        held = HeldWriter(store)
        try:
            when = datetime.now(UTC) - timedelta(minutes=1)
            assert term.report(*HERE, time=when, status=0x1) == RESULT_OK  # status bit 1 clear: no fix
        finally:
            held.release()
    assert site.tracker.fixes_report()["refused"]["no_fix"] == 1  # type: ignore[index]
    assert stored_lats(store, "V77") == []


def test_osmand_answers_200_only_after_the_commit(site: Site, store: Store) -> None:
    held = HeldWriter(store)
    with OsmAndClient("127.0.0.1", site.osmand_port, timeout=10.0) as client, ThreadPoolExecutor(1) as pool:
        when = datetime.now(UTC) - timedelta(minutes=1)
        answer = pool.submit(client.report, "osm-77", *HERE, timestamp=when)
        deadline = time.monotonic() + 5
        while site.tracker.get("O77") is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert site.tracker.get("O77") is not None  # decoded and through the chain ...
        time.sleep(0.3)
        assert not answer.done()  # ... but not answered while uncommitted
        held.release()
        assert answer.result(10)[0] == 200
    assert stored_lats(store, "O77") == [pytest.approx(HERE[0])]


def test_osmand_answers_503_when_the_store_cannot_write(site: Site, store: Store) -> None:
    store.write(lambda s: s.execute(text("ALTER TABLE position_fixes RENAME TO position_fixes_gone")))
    with OsmAndClient("127.0.0.1", site.osmand_port, timeout=10.0) as client:
        status, reason = client.report("osm-77", *HERE, timestamp=datetime.now(UTC) - timedelta(minutes=1))
    assert status == 503 and "not stored" in reason


def test_a_receipt_answers_once_every_fix_of_the_message_is_settled() -> None:
    outcomes: list[bool] = []
    receipt = Receipt(3, outcomes.append)
    fixes = [PositionFix("k", "jt808", datetime.now(UTC), 30.0, 120.0, receipt=receipt) for _ in range(3)]
    settle_all(fixes[:2])
    assert outcomes == []
    fixes[2].receipt.settle(stored=False)  # type: ignore[union-attr]
    assert outcomes == [False]  # one fix not written: the whole message is sent again
    with pytest.raises(RuntimeError):
        receipt.settle()


# ------------------------------------------------------------------------------------------ kill -9 mid-flood

ROUNDS = 3
TERMINALS = 4  # per round; odd ones send 0x0704 batches of BATCH fixes, even ones single 0x0200 reports
PHONES_PER_ROUND = TERMINALS
OFFICERS = 6
BATCH = 10
WINDOW = 40  # unanswered JT/T 808 messages a terminal keeps in flight
FLOOD_S = (1.2, 1.8, 2.4)  # how long each round floods before the kill


def _key(unit: str, lat: float) -> tuple[str, int]:
    return unit, round(lat * 1e5)


def _lat(seq: int) -> float:
    return 30.0 + seq * 1e-5  # 1.1 m between fixes one second apart: never an impossible jump


class Acked:
    """Every fix a device was told is stored, as (unit, lat key)."""

    def __init__(self) -> None:
        self.keys: set[tuple[str, int]] = set()
        self.by_source = {"jt808": 0, "osmand": 0}
        self._lock = threading.Lock()

    def add(self, source: str, keys: list[tuple[str, int]]) -> None:
        with self._lock:
            self.keys.update(keys)
            self.by_source[source] += len(keys)


def _jt808_flood(phone: str, unit: str, port: int, batch: bool, acked: Acked, stop: threading.Event) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    in_flight: dict[int, list[tuple[str, int]]] = {}
    seq = 0
    try:
        with Jt808Terminal(phone, "127.0.0.1", port, timeout=5.0) as term:
            term.register()
            if term.authenticate() != RESULT_OK:
                return
            while not stop.is_set():
                while len(in_flight) < WINDOW:
                    count = BATCH if batch else 1
                    bodies = [encode_location(_lat(seq + k), 120.0, 4.0, 0, base + timedelta(seconds=seq + k))
                              for k in range(count)]
                    keys = [_key(unit, _lat(seq + k)) for k in range(count)]
                    seq += count
                    msg_id, body = ((MSG_LOCATION_BATCH, encode_location_batch(bodies)) if batch
                                    else (MSG_LOCATION, bodies[0]))
                    serial, frame = term.frame(msg_id, body)
                    in_flight[serial] = keys
                    term.send_raw(frame)
                reply = term.receive(timeout=5.0)
                if reply.header.msg_id != MSG_PLATFORM_GENERAL_RESPONSE:
                    continue
                serial, _msg, result = decode_general_response(reply.body)
                keys = in_flight.pop(serial, [])
                if result == RESULT_OK:
                    acked.add("jt808", keys)
    except (OSError, TimeoutError):  # the platform was killed
        return


def _osmand_flood(device: str, unit: str, port: int, acked: Acked, stop: threading.Event) -> None:
    base = int(time.time()) - 86400
    seq = 0
    try:
        with OsmAndClient("127.0.0.1", port, timeout=5.0) as client:
            while not stop.is_set():
                lat = _lat(seq)
                status, _ = client.report(device, lat, 120.0, timestamp=base + seq)
                seq += 1
                if status == 200:
                    acked.add("osmand", [_key(unit, lat)])
    except (OSError, TimeoutError):
        return


def _round_units(r: int) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """Fresh devices each round (a restarted platform may ask known terminals to register again)."""
    vehicles = {f"V{r}{i}": ("vehicle", f"0139{r:04d}{i:04d}") for i in range(TERMINALS)}
    officers = {f"O{r}{i}": ("officer", f"phone-{r}-{i}") for i in range(OFFICERS)}
    return vehicles, officers


def test_every_acknowledged_fix_survives_kill_9_mid_flood(tmp_path: Path) -> None:
    db = tmp_path / "ingest.db"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    acked = Acked()
    all_units = {}
    for r in range(ROUNDS):
        vehicles, officers = _round_units(r)
        all_units.update(vehicles)
        all_units.update(officers)
    for r in range(ROUNDS):
        vehicles, officers = _round_units(r)
        ready = tmp_path / f"ready-{r}.json"
        child = subprocess.Popen([sys.executable, str(REPO / "tests" / "ingest_child.py"), str(db), str(ready),
                                  json.dumps(all_units)], env=env)
        stop = threading.Event()
        threads: list[threading.Thread] = []
        try:
            deadline = time.monotonic() + 60
            while not ready.exists():
                assert child.poll() is None, f"ingest child exited with {child.returncode} before listening"
                assert time.monotonic() < deadline, "ingest child did not start listening within 60 s"
                time.sleep(0.05)
            ports = json.loads(ready.read_text())
            before = dict(acked.by_source)
            for i, (unit, (_kind, phone)) in enumerate(vehicles.items()):
                threads.append(threading.Thread(target=_jt808_flood, args=(
                    phone, unit, ports["jt808"], i % 2 == 1, acked, stop)))
            for unit, (_kind, device) in officers.items():
                threads.append(threading.Thread(target=_osmand_flood, args=(
                    device, unit, ports["osmand"], acked, stop)))
            for t in threads:
                t.start()
            time.sleep(FLOOD_S[r])
            child.send_signal(signal.SIGKILL)  # mid-flood: fixes decoded, queued, being committed
            child.wait(10)
            stop.set()
        finally:
            stop.set()
            if child.poll() is None:
                child.kill()
                child.wait(10)
            for t in threads:
                t.join(15)
        assert child.returncode == -signal.SIGKILL
        assert acked.by_source["jt808"] > before["jt808"], f"round {r}: no JT/T 808 fix was acknowledged"
        assert acked.by_source["osmand"] > before["osmand"], f"round {r}: no OsmAnd fix was acknowledged"
    with sqlite3.connect(db) as conn:
        stored = {_key(unit, lat) for unit, lat in conn.execute("SELECT unit_id, lat FROM position_fixes")}
    missing = acked.keys - stored
    assert not missing, (f"{len(missing)} of {len(acked.keys)} acknowledged fixes are not in the database, "
                         f"e.g. {sorted(missing)[:5]}")
