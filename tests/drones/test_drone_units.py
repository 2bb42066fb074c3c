"""A drone is a unit like an officer or a vehicle: on the map's position stream, in the history, behind the fix chain.

A simulated ArduCopter flies behind a real MAVLink link; the fleet hands its positions to a UnitTracker that
persists into a real SQLite store, as the runtime wires it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from flight_support import FLY_HOME, FlyingHarness

from commandcenter.mapdata.replay import fetch_history
from commandcenter.runtime.units import UnitTracker
from commandcenter.store import Store


@pytest.fixture
def tracked(qtbot: Any, store: Store) -> Iterator[tuple[FlyingHarness, UnitTracker]]:
    tracker = UnitTracker(store)
    harness = FlyingHarness(units=tracker)
    yield harness, tracker
    harness.close()


def refused(tracker: UnitTracker, reason: str) -> int:
    by_source = tracker.fixes_report()["refused_by_source"]
    assert isinstance(by_source, dict)
    return int(by_source.get("mavlink", {}).get(reason, 0))


def test_a_flying_drone_is_on_the_map_and_in_the_history(qtbot: Any, tracked: tuple[FlyingHarness, UnitTracker],
                                                          store: Store) -> None:
    harness, tracker = tracked
    start = datetime.now(UTC) - timedelta(seconds=1)
    assert [u.kind for u in tracker.units()] == ["drone"], "the fleet declares its drones as units"
    qtbot.waitUntil(lambda: tracker.get("uav-1") is not None, timeout=5000)
    pos = tracker.get("uav-1")
    assert pos is not None and pos.kind == "drone" and pos.name == "巡查1号" and pos.source == "mavlink"
    assert (pos.lat, pos.lon) == (pytest.approx(FLY_HOME[0], abs=1e-6), pytest.approx(FLY_HOME[1], abs=1e-6))
    assert tracker.counts()["drone"] == 1
    commander = harness.commander
    assert commander.set_mode("uav-1", "GUIDED").result(5).ok
    assert commander.arm("uav-1").result(5).ok
    assert commander.takeoff("uav-1", 15).result(5).ok
    qtbot.waitUntil(lambda: ((s := harness.fleet.state("uav-1")) is not None and (s.alt_rel or 0.0) > 5),
                    timeout=10000)
    assert commander.goto("uav-1", FLY_HOME[0] + 0.002, FLY_HOME[1], 15).result(5).ok
    qtbot.waitUntil(lambda: tracker.snapshot()["uav-1"].lat > FLY_HOME[0] + 0.001, timeout=15000)
    assert tracker.report()[0]["id"] == "uav-1" and tracker.report()[0]["kind"] == "drone"

    store.flush()
    history = fetch_history(store, start, datetime.now(UTC) + timedelta(seconds=1), ["uav-1"])
    assert history.unit_ids == ["uav-1"]
    assert history.fix_count >= 3
    assert history.lat.max() > FLY_HOME[0] + 0.0005, "the flight is in the history, not only the start"
    # the link streams 5-20 positions a second; the history keeps one a second
    assert np.diff(history.t).min() >= 0.99
    report = tracker.fixes_report()
    assert isinstance(report["accepted"], int) and isinstance(report["persisted"], int)
    assert report["persisted"] == history.fix_count and report["accepted"] > report["persisted"]


def test_a_drone_without_gps_fix_never_moves_on_the_map(qtbot: Any,
                                                         tracked: tuple[FlyingHarness, UnitTracker]) -> None:
    harness, tracker = tracked
    qtbot.waitUntil(lambda: tracker.get("uav-1") is not None, timeout=5000)
    commander = harness.commander
    assert commander.set_mode("uav-1", "GUIDED").result(5).ok
    assert commander.arm("uav-1").result(5).ok
    assert commander.takeoff("uav-1", 15).result(5).ok
    qtbot.waitUntil(lambda: ((s := harness.fleet.state("uav-1")) is not None and (s.alt_rel or 0.0) > 5),
                    timeout=10000)
    harness.sim.gps_fix = 1  # the receiver lost its fix; the autopilot keeps reporting a dead-reckoned position
    qtbot.waitUntil(lambda: refused(tracker, "no_fix") >= 3, timeout=5000)
    frozen = tracker.get("uav-1")
    assert frozen is not None
    assert commander.goto("uav-1", FLY_HOME[0] + 0.002, FLY_HOME[1], 15).result(5).ok
    qtbot.waitUntil(lambda: ((s := harness.fleet.state("uav-1")) is not None and s.lat is not None
                             and s.lat > frozen.lat + 0.0005), timeout=15000)
    state = harness.fleet.state("uav-1")
    assert state is not None and state.gps_fix == 1, "the pilot still sees what the vehicle says, and why"
    now = tracker.get("uav-1")
    assert now is not None and (now.lat, now.lon, now.fix_time) == (frozen.lat, frozen.lon, frozen.fix_time)
    assert refused(tracker, "no_fix") > 3
    harness.sim.gps_fix = 3
    qtbot.waitUntil(lambda: tracker.snapshot()["uav-1"].lat > frozen.lat + 0.0005, timeout=5000)
