"""OsmAnd / Traccar Client HTTP protocol: field parsing and a real HTTP server driven by urllib and http.client."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from adapter_support import RunningAdapter
from adapter_support import wait_until as _wait_until

from devices.base import PositionFix, RejectedInput
from devices.osmand import (
    OsmAndClient,
    OsmAndError,
    OsmAndServer,
    osmand_report,
    parse_json,
    parse_query,
    parse_timestamp,
)

T0 = datetime(2024, 3, 1, 8, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["1709281815", "1709281815000", "1709281815.0", "2024-03-01T08:30:15Z",
                                 "2024-03-01T16:30:15+08:00", "2024-03-01 08:30:15", "2024-03-01T08:30:15.000Z"])
def test_timestamp_forms(raw: str) -> None:
    assert parse_timestamp(raw) == T0


@pytest.mark.parametrize("raw", ["yesterday", "-5", "2024-13-01 00:00:00", ""])
def test_bad_timestamps(raw: str) -> None:
    with pytest.raises(OsmAndError):
        parse_timestamp(raw)


def test_query_fields_and_units() -> None:
    fix = parse_query({"id": "officer-07", "lat": "22.5431", "lon": "114.0579", "timestamp": "1709281815",
                       "speed": "10", "bearing": "271.5", "altitude": "12.5", "accuracy": "8", "hdop": "0.9",
                       "batt": "76.0"})
    assert fix.device_key == "officer-07" and fix.source == "osmand" and fix.time == T0
    assert (fix.lat, fix.lon) == (22.5431, 114.0579)
    assert fix.speed_kmh == pytest.approx(18.52)  # 10 knots
    assert (fix.heading, fix.altitude, fix.accuracy) == (271.5, 12.5, 8.0)
    assert fix.extra == {"hdop": 0.9, "battery": 76.0}
    alt = parse_query({"deviceid": "p2", "location": "22.5,-114.25", "timestamp": "1709281815"})
    assert (alt.device_key, alt.lat, alt.lon) == ("p2", 22.5, -114.25)


@pytest.mark.parametrize(("fields", "reason"), [
    ({"lat": "22.5", "lon": "114"}, "missing id"),
    ({"id": "a", "lon": "114"}, "missing lat"),
    ({"id": "a", "lat": "91", "lon": "114"}, "lat 91 out of range"),
    ({"id": "a", "lat": "22", "lon": "-180.5"}, "lon -180.5 out of range"),
    ({"id": "a", "lat": "north", "lon": "114"}, "lat 'north' is not a number"),
    ({"id": "a", "lat": "nan", "lon": "114"}, "not a finite number"),
    ({"id": "a", "lat": "22", "lon": "114", "speed": "-3"}, "speed -3 is negative"),
    ({"id": "a", "location": "22.5"}, "is not 'lat,lon'"),
])
def test_query_rejections(fields: dict[str, str], reason: str) -> None:
    with pytest.raises(OsmAndError, match=reason):
        parse_query(fields)


def test_json_form() -> None:
    doc: dict[str, Any] = {"device_id": "officer-09", "location": {
        "timestamp": "2024-03-01T08:30:15.000Z", "is_moving": True, "odometer": 1200.5,
        "coords": {"latitude": 31.2304, "longitude": 121.4737, "speed": 2.5, "heading": 90, "altitude": 4,
                   "accuracy": 5},
        "battery": {"level": 0.62, "is_charging": False}}}
    (fix,) = parse_json(doc)
    assert fix.device_key == "officer-09" and fix.time == T0
    assert fix.speed_kmh == pytest.approx(9.0)  # 2.5 m/s
    assert (fix.lat, fix.lon, fix.heading, fix.altitude, fix.accuracy) == (31.2304, 121.4737, 90.0, 4.0, 5.0)
    assert fix.extra == {"battery": 62.0, "charging": False, "moving": True, "odometer_m": 1200.5}
    doc["location"] = [doc["location"], {"timestamp": "2024-03-01T08:30:20Z",
                                         "coords": {"latitude": 31.2305, "longitude": 121.4738, "heading": -1}}]
    fixes = parse_json(doc)
    assert len(fixes) == 2 and fixes[1].heading is None
    with pytest.raises(OsmAndError, match=r"missing location\.coords"):
        parse_json({"device_id": "x", "location": {"timestamp": "2024-03-01T08:30:20Z"}})
    with pytest.raises(OsmAndError, match="lat 95 out of range"):
        parse_json({"device_id": "x", "location": {"coords": {"latitude": 95, "longitude": 1}}})


# --- real server -------------------------------------------------------------------------------------------


class _Running(RunningAdapter[OsmAndServer]):
    def __init__(self, server: OsmAndServer) -> None:
        super().__init__(server, listener=True)
        assert server.ready.wait(5)
        self.url = f"http://127.0.0.1:{server.bound_port}/"


@pytest.fixture
def running() -> Iterator[_Running]:
    r = _Running(OsmAndServer("osm-test", port=0, known_devices={"officer-01", "officer-02", "officer-09"}))
    yield r
    r.finish()


def test_get_and_post_form_reports(running: _Running) -> None:
    assert osmand_report(running.url, "officer-01", 22.5431, 114.0579, timestamp=T0, speed_knots=5,
                         bearing=180, altitude=30, accuracy=6, batt=88) == (200, "")
    assert osmand_report(running.url, "officer-02", 22.6, 114.1, timestamp=1709281815000, method="POST")[0] == 200
    fixes = _wait_until(lambda: len(running.of(PositionFix)) == 2 and running.of(PositionFix))
    first, second = fixes
    assert (first.device_key, first.lat, first.lon, first.time) == ("officer-01", 22.5431, 114.0579, T0)
    assert first.speed_kmh == pytest.approx(9.26) and first.heading == 180.0 and first.extra["battery"] == 88.0
    assert (second.device_key, second.time) == ("officer-02", T0)
    assert running.server.stats.messages == 2 and running.server.stats.bad_messages == 0


def test_traccar_style_post_with_query_string_and_json_body(running: _Running) -> None:
    req = urllib.request.Request(running.url + "?id=officer-01&lat=22.1&lon=113.9&timestamp=2024-03-01%2008:30:15",
                                 data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200
    doc = {"device_id": "officer-09", "location": {"timestamp": "2024-03-01T08:30:15Z",
                                                   "coords": {"latitude": 31.23, "longitude": 121.47, "speed": 10}}}
    req = urllib.request.Request(running.url, data=json.dumps(doc).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200
    fixes = _wait_until(lambda: len(running.of(PositionFix)) == 2 and running.of(PositionFix))
    assert (fixes[0].lat, fixes[0].time) == (22.1, T0)
    assert (fixes[1].device_key, fixes[1].speed_kmh) == ("officer-09", pytest.approx(36.0))


@pytest.mark.parametrize(("device", "lat", "more", "reason"), [
    ("stranger", 22.5, {}, "unknown device 'stranger'"),
    ("officer-01", 91.0, {}, "lat 91 out of range"),
    ("officer-01", 22.5, {"timestamp": "soon"}, "bad timestamp 'soon'"),
])
def test_rejections_answer_400_with_reason(running: _Running, device: str, lat: float, more: dict[str, Any],
                                           reason: str) -> None:
    status, text = osmand_report(running.url, device, lat, 114.0, **more)
    assert status == 400 and reason in text
    rejected = _wait_until(lambda: running.of(RejectedInput))
    assert reason in rejected[0].reason and rejected[0].device_id == "osm-test"
    assert running.of(PositionFix) == []
    assert running.server.stats.bad_messages == 1


def test_bad_bodies_and_missing_fields(running: _Running) -> None:
    for body, ctype, reason in [(b"{not json", "application/json", "bad JSON body"),
                                (b"lat=1&lon=2", "application/x-www-form-urlencoded", "missing id"),
                                (b"\xff\xfe", "application/x-www-form-urlencoded", "not UTF-8")]:
        req = urllib.request.Request(running.url, data=body, method="POST", headers={"Content-Type": ctype})
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(req, timeout=5)
        assert exc.value.code == 400 and reason in exc.value.read().decode()
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(running.url, timeout=5)
    assert exc.value.code == 400
    # the server survives all of it
    assert osmand_report(running.url, "officer-01", 1.0, 2.0)[0] == 200
    assert running.server.stats.bad_messages == 4


def test_keep_alive_client_many_reports_and_stop(running: _Running) -> None:
    assert running.server.bound_port is not None
    with OsmAndClient("127.0.0.1", running.server.bound_port) as client:
        for i in range(50):
            assert client.report("officer-02", 22.0 + i / 1000, 114.0, timestamp=1709281815 + i) == (200, "")
        assert client.report_json({"device_id": "officer-09", "location": {
            "coords": {"latitude": 1, "longitude": 2}}})[0] == 200
        assert client.report("nobody", 1, 2)[0] == 400
    fixes = _wait_until(lambda: len(running.of(PositionFix)) == 51 and running.of(PositionFix))
    assert fixes[49].lat == pytest.approx(22.049)
    assert fixes[49].time == datetime(2024, 3, 1, 8, 31, 4, tzinfo=UTC)


def test_stop_ends_kept_alive_connections_and_bind_clash() -> None:
    r = _Running(OsmAndServer("osm-stop", port=0))
    port = r.server.bound_port
    assert port is not None
    clash = OsmAndServer("osm-clash", port=port)
    with pytest.raises(OSError):
        clash.serve(lambda _e: None, threading.Event())
    client = OsmAndClient("127.0.0.1", port, timeout=2)
    assert client.report("anyone", 1, 2)[0] == 200  # known_devices=None accepts every id
    r.stop_link()
    with pytest.raises(OSError):
        client.report("anyone", 1, 2)
    client.close()
    assert len(r.of(PositionFix)) == 1
    r.finish()


# --- who may report ----------------------------------------------------------------------------------------


def test_a_device_secret_is_required_and_counted_when_missing_or_wrong() -> None:
    """OsmAnd's id is printed on the phone: with a secret configured, the id alone moves nobody."""
    r = _Running(OsmAndServer("osm-keys", port=0, known_devices={"officer-01", "officer-02", "officer-03"},
                              secrets={"officer-01": "s3cret-01"}, shared_secret="fleet-key"))
    try:
        assert osmand_report(r.url, "officer-01", 22.5, 114.0, timestamp=T0, key="s3cret-01") == (200, "")
        assert osmand_report(r.url, "officer-01", 22.5, 114.0, timestamp=T0, method="POST",
                             key="s3cret-01")[0] == 200
        assert osmand_report(r.url, "officer-01", 22.5, 114.0, timestamp=T0) == (
            401, "device 'officer-01' sent no key")
        assert osmand_report(r.url, "officer-01", 22.5, 114.0, timestamp=T0, key="fleet-key") == (
            401, "device 'officer-01' sent a wrong key")  # its own secret wins over the shared one
        assert osmand_report(r.url, "officer-02", 22.5, 114.0, timestamp=T0, key="fleet-key")[0] == 200
        assert osmand_report(r.url, "officer-02", 22.5, 114.0, timestamp=T0, key="s3cret-01")[0] == 401
        doc = {"device_id": "officer-03", "key": "fleet-key",
               "location": {"timestamp": "2024-03-01T08:30:15Z", "coords": {"latitude": 31.2, "longitude": 121.4}}}
        with OsmAndClient("127.0.0.1", r.server.bound_port or 0) as client:
            assert client.report_json(doc) == (200, "")
            assert client.report_json({**doc, "key": "guess"}) == (401, "device 'officer-03' sent a wrong key")
        fixes = _wait_until(lambda: len(r.of(PositionFix)) == 4 and r.of(PositionFix))
        assert [f.device_key for f in fixes] == ["officer-01", "officer-01", "officer-02", "officer-03"]
        assert "key" not in fixes[0].extra
        rejected = r.of(RejectedInput)
        assert len(rejected) == 4 and r.server.unauthorized == 4 and r.server.stats.bad_messages == 4
        assert all(b"s3cret" not in bytes.fromhex(x.raw_hex) and b"guess" not in bytes.fromhex(x.raw_hex)
                   for x in rejected), "secrets are blanked out of what the health view keeps"
        assert r.manager.report()[0]["last_rejected"] == "device 'officer-03' sent a wrong key"
    finally:
        r.finish()


def test_requests_from_outside_the_allowed_networks_get_403() -> None:
    outside = _Running(OsmAndServer("osm-far", port=0, allow_from=["10.20.0.0/16", "192.168.1.7"]))
    inside = _Running(OsmAndServer("osm-near", port=0, allow_from=["10.0.0.0/8", "127.0.0.0/8"]))
    try:
        assert osmand_report(outside.url, "officer-01", 22.5, 114.0, timestamp=T0) == (
            403, "source address 127.0.0.1 is not allowed")
        assert outside.server.forbidden == 1 and outside.server.stats.bad_messages == 1
        assert osmand_report(inside.url, "officer-01", 22.5, 114.0, timestamp=T0) == (200, "")
        _wait_until(lambda: inside.of(PositionFix))
        assert outside.of(PositionFix) == [] and outside.of(RejectedInput)[0].peer.startswith("127.0.0.1:")
    finally:
        outside.finish()
        inside.finish()
    with pytest.raises(ValueError, match="bad allow_from network"):
        OsmAndServer("osm-bad", allow_from=["10.0.0.0/33"])


@pytest.mark.parametrize("raw", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1e400", "inf", "nan",
                                 "9e15", "1" * 5000, "2024-03-01T08:30:15+25:00"])
def test_hostile_timestamps_are_refused_not_raised(raw: str) -> None:
    with pytest.raises(OsmAndError):
        parse_timestamp(raw)
