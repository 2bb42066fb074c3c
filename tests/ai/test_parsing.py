"""What the boxes send, decoded or refused with a reason: Frigate event JSON, ISAPI XML and multipart, pictures."""

from __future__ import annotations

import json

import pytest

from devices.camera_ai import image_mime
from devices.frigate import FrigateError, parse_event
from devices.isapi import IsapiError, parse_alert, parse_post
from tests.ai.conftest import jpeg_bytes


def _frigate(**after: object) -> bytes:
    base: dict[str, object] = {"id": "1733130000.123456-abc123", "camera": "front_door", "label": "person",
                               "current_zones": ["sidewalk"], "top_score": 0.9, "has_snapshot": True}
    base.update(after)
    return json.dumps({"type": "update", "before": {}, "after": base}).encode()


def test_a_frigate_update_is_decoded() -> None:
    event = parse_event(_frigate())
    assert (event.type, event.id, event.camera, event.label, event.zones, event.score, event.has_snapshot) == \
        ("update", "1733130000.123456-abc123", "front_door", "person", ("sidewalk",), 0.9, True)


@pytest.mark.parametrize(("payload", "reason"), [
    (b"\xff\xfe", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({"type": "moved", "after": {}}).encode(), "type 'moved'"),
    (_frigate(id="../../api/config"), "not a Frigate event id"),
    (_frigate(camera=""), "after.camera"),
    (_frigate(current_zones="sidewalk"), "current_zones"),
    (_frigate(top_score=7), "top_score"),
    (_frigate(top_score=True), "top_score"),
])
def test_a_bad_frigate_message_is_refused_naming_the_field(payload: bytes, reason: str) -> None:
    with pytest.raises(FrigateError, match=reason.replace("(", r"\(").replace("[", r"\[")):
        parse_event(payload)


ALERT = b"""<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>10.1.2.3</ipAddress><channelID>2</channelID><dateTime>2026-12-02T09:30:00+08:00</dateTime>
<eventType>regionEntrance</eventType><eventState>inactive</eventState>
<DetectionRegionList><DetectionRegionEntry><regionID>1</regionID></DetectionRegionEntry>
<DetectionRegionEntry><regionID>3</regionID></DetectionRegionEntry></DetectionRegionList>
</EventNotificationAlert>"""


def test_an_isapi_alert_is_decoded_whatever_its_namespace() -> None:
    alert = parse_alert(ALERT)
    assert (alert.key, alert.event_type, alert.state, alert.regions) == ("10.1.2.3/2", "regionEntrance", "inactive",
                                                                         ("1", "3"))
    assert parse_alert(ALERT.replace(b' xmlns="http://www.isapi.org/ver20/XMLSchema"', b"")).key == "10.1.2.3/2"


@pytest.mark.parametrize(("xml", "reason"), [
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
     b"<EventNotificationAlert>&lol2;</EventNotificationAlert>", "DOCTYPE"),
    (b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><EventNotificationAlert/>', "DOCTYPE"),
    (b"<EventNotificationAlert><ipAddress>1.2.3.4</ipAddress>", "not well-formed"),
    (b"<ResponseStatus/>", "is not <EventNotificationAlert>"),
    (ALERT.replace(b"<channelID>2</channelID>", b""), "<channelID> missing"),
    (ALERT.replace(b"inactive", b"maybe"), "<eventState>"),
    (ALERT.replace(b"2026-12-02T09:30:00+08:00", b"yesterday"), "<dateTime>"),
])
def test_a_bad_isapi_alert_is_refused(xml: bytes, reason: str) -> None:
    with pytest.raises(IsapiError, match=reason):
        parse_alert(xml)


def test_multipart_gives_the_alert_and_the_checked_picture() -> None:
    picture = jpeg_bytes()
    body = (b"--b1\r\nContent-Disposition: form-data; name=\"x.xml\"\r\nContent-Type: application/xml\r\n\r\n" + ALERT
            + b"\r\n--b1\r\nContent-Disposition: form-data; name=\"pic\"; filename=\"p.jpg\"\r\n"
              b"Content-Type: image/jpeg\r\n\r\n" + picture + b"\r\n--b1--\r\n")
    alert, data, mime = parse_post("multipart/form-data; boundary=b1", body)
    assert alert.key == "10.1.2.3/2" and data == picture and mime == "image/jpeg"
    with pytest.raises(IsapiError, match="not a JPEG or PNG"):
        parse_post("multipart/form-data; boundary=b1", body.replace(picture, picture[:100]))
    with pytest.raises(IsapiError, match="without an EventNotificationAlert"):
        parse_post("multipart/form-data; boundary=b1",
                   body.replace(ALERT, b"hello").replace(b"application/xml", b"text/plain"))
    with pytest.raises(IsapiError, match="neither XML nor multipart") as err:
        parse_post("application/json", b"{}")
    assert err.value.status == 415


def test_pictures_are_recognised_by_their_bytes() -> None:
    assert image_mime(jpeg_bytes()) == "image/jpeg"
    assert image_mime(jpeg_bytes()[:-2]) == ""  # cut short: no end-of-image marker
    assert image_mime(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20 + b"IEND\xaeB`\x82") == "image/png"
    assert image_mime(b"<html>502 Bad Gateway</html>") == ""
