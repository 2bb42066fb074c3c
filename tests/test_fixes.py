"""The fix chain: what a tracker reports only becomes a unit's position (and history) when it is a position.

Real listeners on loopback (JT/T 808, OsmAnd) run under the real DeviceManager, whose batches feed the
UnitTracker, which persists into a real SQLite store: the path a vehicle's or an officer's position takes.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from commandcenter.runtime.devices import DeviceManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.store import Store
from devices.base import PositionFix
from devices.jt808 import Jt808Server, Jt808Terminal
from devices.osmand import OsmAndClient, OsmAndServer

PHONE = "013800000001"
HERE = (32.0420, 118.7840)


def fixes_of(store: Store, unit_id: str) -> list[tuple[float, float]]:
    store.flush()
    rows = store.read(lambda s: s.execute(
        text("SELECT lat, lon FROM position_fixes WHERE unit_id = :u ORDER BY time"), {"u": unit_id}).all())
    return [(float(r[0]), float(r[1])) for r in rows]


@dataclass
class Site:
    tracker: UnitTracker
    manager: DeviceManager
    jt808_port: int
    osmand_port: int


@pytest.fixture
def site(qtbot: Any, store: Store) -> Iterator[Site]:
    tracker = UnitTracker(store)
    tracker.register([UnitInfo("V01", "vehicle", "苏A·00001", "环卫车", device_keys=(PHONE,)),
                      UnitInfo("O01", "officer", "王伟", device_keys=("osm-1",))])
    manager = DeviceManager()
    manager.events.connect(tracker.apply)
    manager.refused_fixes = tracker.refused_of_link  # as the composition wires it
    jt = Jt808Server("jt808", "127.0.0.1", 0, False, tracker.knows_device)
    osm = OsmAndServer("osmand", "127.0.0.1", 0, tracker.knows_device)
    manager.add(jt, listener=True)
    manager.add(osm, listener=True)
    assert jt.ready.wait(5) and osm.ready.wait(5)
    assert jt.bound_port and osm.bound_port
    yield Site(tracker, manager, jt.bound_port, osm.bound_port)
    manager.stop()


def test_a_vehicle_without_gps_fix_never_moves(qtbot: Any, site: Site, store: Store) -> None:
    with Jt808Terminal(PHONE, "127.0.0.1", site.jt808_port, timeout=3.0) as term:
        term.register(plate="苏A00001", province=32, city=100)
        term.authenticate()
        now = datetime.now(UTC)
        assert term.report(*HERE, speed_kmh=20.0, time=now) == 0
        qtbot.waitUntil(lambda: site.tracker.get("V01") is not None, timeout=5000)
        # ACC on, not positioned (status bit 1 clear): the terminal sends its last-known or a made-up place
        assert term.report(HERE[0] + 0.01, HERE[1], time=now + timedelta(seconds=5), status=0x1) == 0
        qtbot.waitUntil(lambda: site.tracker.fixes_report()["refused"]["no_fix"] == 1, timeout=5000)
    pos = site.tracker.get("V01")
    assert pos is not None and pos.lat == pytest.approx(HERE[0]) and pos.fix_time == now.replace(microsecond=0)
    assert fixes_of(store, "V01") == [pytest.approx(HERE)]
    report = site.tracker.fixes_report()
    assert report["refused_by_source"] == {"jt808": {"no_fix": 1}}
    assert report["accepted"] == 1 and report["persisted"] == 1


def test_officer_reports_zero_invalid_and_impossible_jumps_are_refused(qtbot: Any, site: Site,
                                                                       store: Store) -> None:
    t0 = datetime.now(UTC).replace(microsecond=0)
    with OsmAndClient("127.0.0.1", site.osmand_port) as client:
        assert client.report("osm-1", *HERE, timestamp=t0)[0] == 200
        assert client.report("osm-1", HERE[0] + 0.02, HERE[1], timestamp=t0 + timedelta(seconds=5),
                             valid="0")[0] == 200  # the phone says: no fix
        assert client.report("osm-1", 0.0, 0.0, timestamp=t0 + timedelta(seconds=10))[0] == 200
        # 55 km north ten seconds later: 20 000 km/h on foot
        assert client.report("osm-1", HERE[0] + 0.5, HERE[1], timestamp=t0 + timedelta(seconds=20))[0] == 200
        assert client.report("osm-1", HERE[0] + 0.0005, HERE[1], timestamp=t0 + timedelta(seconds=30))[0] == 200
    qtbot.waitUntil(lambda: site.tracker.fixes_report()["accepted"] == 2, timeout=5000)
    pos = site.tracker.get("O01")
    assert pos is not None and pos.lat == pytest.approx(HERE[0] + 0.0005)
    assert fixes_of(store, "O01") == [pytest.approx(HERE), pytest.approx((HERE[0] + 0.0005, HERE[1]))]
    refused = site.tracker.fixes_report()["refused"]
    assert isinstance(refused, dict)
    assert refused["no_fix"] == 1 and refused["zero_coordinates"] == 1 and refused["impossible_jump"] == 1


def test_a_unit_that_really_moved_is_followed_after_one_refusal(qtbot: Any) -> None:
    """The first fix may be the glitch (a cold start at yesterday's place): a consistent track wins."""
    tracker = UnitTracker(None)
    tracker.register([UnitInfo("O02", "officer", "李强")])
    t0 = datetime.now(UTC)
    far = (HERE[0] + 1.0, HERE[1])
    tracker.apply([PositionFix("O02", "osmand", t0, *far)])
    tracker.apply([PositionFix("O02", "osmand", t0 + timedelta(seconds=10), *HERE)])
    assert tracker.get("O02").lat == pytest.approx(far[0])  # type: ignore[union-attr]
    tracker.apply([PositionFix("O02", "osmand", t0 + timedelta(seconds=20), HERE[0] + 0.0002, HERE[1])])
    pos = tracker.get("O02")
    assert pos is not None and pos.lat == pytest.approx(HERE[0] + 0.0002)
    assert tracker.fixes_report()["refused"] == {"no_fix": 0, "zero_coordinates": 0, "out_of_range": 0,
                                                 "future": 0, "too_old": 0, "bad_time": 0,
                                                 "unknown_device": 0, "impossible_jump": 1}


def test_out_of_range_and_late_fixes(qtbot: Any, store: Store) -> None:
    tracker = UnitTracker(store)
    tracker.register([UnitInfo("V02", "vehicle", "苏A·00002", device_keys=("t2",))])
    t0 = datetime.now(UTC)
    tracker.apply([PositionFix("t2", "jt808", t0, *HERE),
                   PositionFix("t2", "jt808", t0 + timedelta(seconds=1), 95.0, HERE[1]),
                   PositionFix("t2", "jt808", t0 + timedelta(seconds=2), HERE[0], float("nan")),
                   PositionFix("t2", "jt808", t0 - timedelta(minutes=1), HERE[0] - 0.001, HERE[1])])
    pos = tracker.get("V02")
    assert pos is not None and pos.fix_time == t0, "a late fix is history, not the current position"
    assert tracker.fixes_report()["refused"]["out_of_range"] == 2  # type: ignore[index]
    assert len(fixes_of(store, "V02")) == 2


def test_fixes_from_the_future_or_the_past_are_refused_and_counted_per_device(qtbot: Any, site: Site,
                                                                               store: Store) -> None:
    """A phone dated 2100/2099 must not pin the officer; timestamp 0 and 1900 are not history either."""
    t0 = datetime.now(UTC).replace(microsecond=0)
    with OsmAndClient("127.0.0.1", site.osmand_port) as client:
        assert client.report("osm-1", *HERE, timestamp=t0)[0] == 200
        for forged in (datetime(2100, 1, 1, tzinfo=UTC), datetime(2099, 12, 31, tzinfo=UTC)):
            assert client.report("osm-1", HERE[0] + 0.001, HERE[1], timestamp=forged)[0] == 200
        assert client.report("osm-1", HERE[0] + 0.001, HERE[1], timestamp=0)[0] == 200
        assert client.report("osm-1", HERE[0] + 0.001, HERE[1], timestamp="1900-01-01 00:00:00")[0] == 200
        # a clock a minute fast is within the skew; an honest later fix is then the position
        assert client.report("osm-1", HERE[0] + 0.0002, HERE[1], timestamp=t0 + timedelta(seconds=60))[0] == 200
    qtbot.waitUntil(lambda: site.tracker.fixes_report()["received"] == 6, timeout=5000)
    pos = site.tracker.get("O01")
    assert pos is not None and pos.lat == pytest.approx(HERE[0] + 0.0002)
    assert pos.fix_time == t0 + timedelta(seconds=60)
    assert fixes_of(store, "O01") == [pytest.approx(HERE), pytest.approx((HERE[0] + 0.0002, HERE[1]))]
    refused = site.tracker.fixes_report()["refused"]
    assert isinstance(refused, dict) and refused["future"] == 2 and refused["too_old"] == 2
    osmand = next(d for d in site.manager.report() if d["kind"] == "osmand")
    assert osmand["refused_fixes"] == 4 and osmand["refused_reasons"] == {"future": 2, "too_old": 2}
    jt808 = next(d for d in site.manager.report() if d["kind"] == "jt808")
    assert jt808["refused_fixes"] == 0
    # the 设备状态 dock shows the count, and why on hover
    from widgets.docks import HealthDock

    dock = HealthDock(site.manager.report)
    qtbot.addWidget(dock)
    dock.refresh()
    row = next(r for r in range(dock.table.rowCount()) if dock.table.item(r, 2).text() == "osmand")
    cell = dock.table.item(row, 6)
    assert cell.text() == "4" and cell.toolTip() == "dated in the future: 2\ntoo old: 2"


def test_the_allowed_clock_skew_and_age_are_configurable(qtbot: Any) -> None:
    from commandcenter.runtime.fixes import TimeWindow

    tracker = UnitTracker(None, window=TimeWindow(max_skew=timedelta(seconds=5), max_age=timedelta(hours=1)))
    tracker.register([UnitInfo("O03", "officer", "赵六")])
    now = datetime.now(UTC)
    tracker.apply([PositionFix("O03", "osmand", now + timedelta(seconds=30), *HERE),
                   PositionFix("O03", "osmand", now - timedelta(hours=2), *HERE),
                   PositionFix("O03", "osmand", now - timedelta(minutes=30), *HERE)])
    assert tracker.fixes_report()["refused"] == {"no_fix": 0, "zero_coordinates": 0, "out_of_range": 0,
                                                 "future": 1, "too_old": 1, "bad_time": 0,
                                                 "unknown_device": 0, "impossible_jump": 0}
    assert tracker.get("O03") is not None


def test_an_nmea_port_and_a_drone_link_show_their_own_units_refusals(qtbot: Any) -> None:
    from devices.mavlink import MavlinkLink
    from devices.nmea import NmeaSerialReader

    tracker = UnitTracker(None)
    tracker.register([UnitInfo("post-1", "officer", "一号岗"), UnitInfo("post-2", "officer", "二号岗"),
                      UnitInfo("uav-1", "drone", "巡查1号")])
    long_ago = datetime(2011, 5, 28, 9, 27, 50, tzinfo=UTC)  # a receiver's cold-start date
    tracker.apply([PositionFix("post-1", "nmea", long_ago, *HERE), PositionFix("post-2", "nmea", long_ago, *HERE),
                   PositionFix("post-2", "nmea", datetime.now(UTC), 0.0, 0.0),
                   PositionFix("uav-1", "mavlink", datetime.now(UTC), *HERE, valid=False)])
    assert tracker.refused_of_link(NmeaSerialReader("nmea-1-post-1", "loop://", unit="post-1")) == {"too_old": 1}
    assert tracker.refused_of_link(NmeaSerialReader("nmea-2-post-2", "loop://", unit="post-2")) == {
        "too_old": 1, "zero_coordinates": 1}
    assert tracker.refused_of_link(MavlinkLink("uav-1", "udpin:127.0.0.1:0")) == {"no_fix": 1}
    assert tracker.refused_of_link(MavlinkLink("uav-2", "udpin:127.0.0.1:0")) == {}
