"""AI camera boxes end to end: Frigate over a real mosquitto, Hikvision ISAPI over real HTTP, one case per scene."""

from __future__ import annotations

import hashlib
import http.client
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from commandcenter.config import parse_config
from commandcenter.runtime.compose import Services, build
from devices.base import PositionFix
from tests.ai.conftest import FrigateApi, free_port, jpeg_bytes

LAT, LON = 32.0430, 118.7850
ALERT = """<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<ipAddress>{ip}</ipAddress><portNo>80</portNo><protocol>HTTP</protocol><channelID>{channel}</channelID>
<dateTime>2026-12-02T09:30:00+08:00</dateTime><activePostCount>1</activePostCount>
<eventType>{event}</eventType><eventState>active</eventState><eventDescription>Field Detection</eventDescription>
<DetectionRegionList><DetectionRegionEntry><regionID>2</regionID></DetectionRegionEntry></DetectionRegionList>
</EventNotificationAlert>
"""


def _config(tmp_path: Path, broker: int, api_url: str, isapi_port: int) -> str:
    return f"""
[database]
url = "sqlite:///{tmp_path / 'ai.db'}"

[[cameras]]
id = "cam1"
name = "中山路口"
url = "rtsp://127.0.0.1:9/cam1"
lat = {LAT}
lon = {LON}

[[cameras]]
id = "cam2"
name = "新街口东"
url = "rtsp://127.0.0.1:9/cam2"
lat = {LAT + 0.002}
lon = {LON + 0.002}

[[officers]]
id = "o1"
name = "王队员"
device = "phone-o1"
team = "执法中队"
skills = ["市容执法"]

[ai.frigate]
mqtt_url = "mqtt://127.0.0.1:{broker}"
topic_prefix = "frigate"
api_url = "{api_url}"
cameras = {{ front_door = "cam1" }}
rules = [{{ label = "person", zone = "sidewalk", category = "SJ0401", min_score = 0.6 }}]

[ai.isapi]
host = "127.0.0.1"
port = {isapi_port}
cameras = {{ "192.168.1.64/1" = "cam2" }}
rules = [{{ event = "fielddetection", category = "SJ0101" }}]
"""


@pytest.fixture
def services(qtbot: Any, tmp_path: Path, broker: int, frigate_api: FrigateApi) -> Iterator[Services]:
    config = parse_config(_config(tmp_path, broker, frigate_api.url, free_port()), "ai.toml")
    built = build(config)
    built.start()
    try:
        yield built
    finally:
        built.stop()


def _frigate(event_type: str, event_id: str, *, camera: str = "front_door", label: str = "person",
             zones: tuple[str, ...] = ("sidewalk",), score: float = 0.83) -> bytes:
    after = {"id": event_id, "camera": camera, "label": label, "current_zones": list(zones), "top_score": score,
             "has_snapshot": True, "start_time": time.time()}
    return json.dumps({"type": event_type, "before": after, "after": after}).encode()


def _publisher(port: int) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="frigate-under-test")
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _rows(services: Services, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in services.store.frame(sql, params).itertuples(index=False)]


def _camera_cases(services: Services) -> list[tuple[Any, ...]]:
    return _rows(services, "SELECT code, category, reporter, extra, id FROM cases WHERE source = 'camera' ORDER BY id")


def _device(services: Services, device_id: str) -> dict[str, Any]:
    return next(d for d in services.devices.report() if d["id"] == device_id)


def test_a_frigate_event_and_sixty_updates_make_one_case_with_its_snapshot(
        qtbot: Any, services: Services, broker: int, frigate_api: FrigateApi) -> None:
    picture = jpeg_bytes()
    frigate_api.pictures["1733130000.5-abc123"] = picture
    alarms: list[tuple[str, str]] = []
    dock: list[tuple[str, str]] = []
    services.events.camera_alarm.connect(lambda cam, text: alarms.append((cam, text)))
    services.events.event_logged.connect(lambda sev, text: dock.append((sev, text)))
    # an officer on duty 150 m from the camera: 占道经营 is 自动派遣, so the case goes straight to him
    services.tracker.ingest([PositionFix("phone-o1", "osmand", datetime.now(UTC), LAT + 0.001, LON + 0.001)])
    qtbot.waitUntil(lambda: "o1" in services.tracker.snapshot(), timeout=5000)
    handle = services.devices.get("frigate")
    assert handle is not None
    qtbot.waitUntil(handle.adapter.subscribed.is_set, timeout=10000)  # type: ignore[attr-defined]
    client = _publisher(broker)
    try:
        client.publish("frigate/events", _frigate("new", "1733130000.5-abc123"), qos=1).wait_for_publish(5)
        for _ in range(60):
            client.publish("frigate/events", _frigate("update", "1733130000.5-abc123"), qos=1)
        client.publish("frigate/events", _frigate("end", "1733130000.5-abc123"), qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()
    assert services.camera_ai is not None
    qtbot.waitUntil(lambda: services.camera_ai is not None and services.camera_ai.counts["events"] == 62,
                    timeout=20000)
    cases = _camera_cases(services)
    assert len(cases) == 1, cases  # one scene, one case: 62 messages folded into it
    code, category, reporter, extra, case_id = cases[0]
    assert category == "SJ0401" and reporter == "cam1"
    (view,) = services.cases.find_cases(codes=[code])
    assert view.status == "dispatched" and view.assigned_officer == "o1"
    assert "frigate" in view.description and "ai.frigate.rules[0]" in view.description
    extra = json.loads(extra) if isinstance(extra, str) else extra
    assert extra["ai_box"] == "frigate" and extra["ai_rule"].startswith("ai.frigate.rules[0]")
    assert services.camera_ai.counts["deduplicated"] == 61
    evidence = _rows(services, "SELECT sha256, mime, device FROM evidence WHERE case_id = :c", {"c": int(case_id)})
    assert evidence == [(hashlib.sha256(picture).hexdigest(), "image/jpeg", "cam1")]
    stored = services.enforcement.evidence.open_evidence(
        services.enforcement.evidence.for_case(int(case_id))[0].id)
    assert stored.intact and stored.info.path.read_bytes() == picture
    assert frigate_api.requests == ["/api/events/1733130000.5-abc123/snapshot.jpg"]  # fetched once
    qtbot.waitUntil(lambda: bool(alarms), timeout=5000)
    assert alarms[0][0] == "cam1" and code in alarms[0][1] and "frigate" in alarms[0][1]
    assert any(sev == "alarm" and code in text and "ai.frigate.rules[0]" in text and "自动派遣" in text
               for sev, text in dock)
    assert services.report()["camera_ai"]["cases"] == 1


def test_frigate_bad_input_is_refused_counted_and_opens_nothing(
        qtbot: Any, services: Services, broker: int, frigate_api: FrigateApi) -> None:
    handle = services.devices.get("frigate")
    assert handle is not None
    qtbot.waitUntil(handle.adapter.subscribed.is_set, timeout=10000)  # type: ignore[attr-defined]
    client = _publisher(broker)
    try:
        for payload in (b"{not json", _frigate("new", "1733130001.0-zzz", camera="back_yard"),
                        _frigate("new", "1733130002.0-nopic"), _frigate("update", "1733130002.0-nopic"),
                        _frigate("update", "1733130002.0-nopic"), b'{"type": "new", "after": {"id": "../../etc"}}'):
            client.publish("frigate/events", payload, qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()
    qtbot.waitUntil(lambda: _device(services, "frigate")["bad_messages"] == 6, timeout=10000)
    report = _device(services, "frigate")
    assert "Frigate event id" in report["last_error"] and report["messages"] == 0
    rejected = [r.reason for r in services.devices.get("frigate").rejects]  # type: ignore[union-attr]
    assert any("not JSON" in r for r in rejected) and any("unknown Frigate camera 'back_yard'" in r for r in rejected)
    assert sum("1733130002.0-nopic is not a JPEG or PNG" in r for r in rejected) == 3
    assert frigate_api.requests == ["/api/events/1733130002.0-nopic/snapshot.jpg"]  # asked once, not per update
    assert _camera_cases(services) == []
    assert services.store.scalar("SELECT COUNT(*) FROM evidence") == 0


def _multipart(xml: str, picture: bytes, boundary: str = "MIME_boundary") -> tuple[str, bytes]:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"MoveDetection.xml\"; "
            f"filename=\"MoveDetection.xml\"\r\nContent-Type: application/xml\r\n\r\n").encode() + xml.encode()
    body += (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"fielddetectionPicture\"; "
             f"filename=\"fielddetectionPicture.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + picture
    body += f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def _post(port: int, content_type: str, body: bytes, length: int | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", "/ISAPI/Event/notification/alert")
        conn.putheader("Content-Type", content_type)
        conn.putheader("Content-Length", str(len(body) if length is None else length))
        conn.endheaders()
        if length is None:
            conn.send(body)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def test_an_isapi_multipart_alarm_opens_a_case_with_its_picture_and_bad_posts_are_refused(
        qtbot: Any, services: Services) -> None:
    handle = services.devices.get("isapi")
    assert handle is not None
    qtbot.waitUntil(lambda: handle.adapter.bound_port is not None, timeout=5000)  # type: ignore[attr-defined]
    port = handle.adapter.bound_port  # type: ignore[attr-defined]
    picture = jpeg_bytes("blue")
    good = ALERT.format(ip="192.168.1.64", channel=1, event="fielddetection")
    assert _post(port, *_multipart(good, picture)) == (200, "OK\n")
    assert _post(port, "application/xml", good.encode())[0] == 200  # the same scene again: folded
    assert services.camera_ai is not None
    qtbot.waitUntil(lambda: services.camera_ai is not None and services.camera_ai.counts["events"] == 2,
                    timeout=10000)
    cases = _camera_cases(services)
    assert [(c[1], c[2]) for c in cases] == [("SJ0101", "cam2")]
    assert _rows(services, "SELECT sha256, mime FROM evidence WHERE case_id = :c", {"c": int(cases[0][4])}) \
        == [(hashlib.sha256(picture).hexdigest(), "image/jpeg")]

    refused = [
        (_multipart(ALERT.format(ip="10.0.0.9", channel=3, event="fielddetection"), picture), 403, "unknown camera"),
        (_multipart(good, b"<html>not a picture</html>"), 400, "not a JPEG or PNG"),
        (("application/xml", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><EventNotificationAlert>&a;'
                             b"</EventNotificationAlert>"), 400, "DOCTYPE"),
        (("application/xml", b"<EventNotificationAlert><ipAddress>1.2.3.4"), 400, "not well-formed"),
    ]
    for (content_type, body), status, reason in refused:
        answer = _post(port, content_type, body)
        assert answer[0] == status and reason in answer[1], answer
    status, text = _post(port, "application/xml", b"", length=64 << 20)
    assert status == 413 and "larger than" in text
    report = _device(services, "isapi")
    assert report["bad_messages"] == 5 and report["messages"] == 2
    assert len(_camera_cases(services)) == 1
    assert services.store.scalar("SELECT COUNT(*) FROM evidence") == 1
