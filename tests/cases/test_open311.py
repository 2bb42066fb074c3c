"""The Open311 GeoReport v2 endpoint over real HTTP on 127.0.0.1, backed by the case service."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from commandcenter.cases.open311_backend import CaseOpen311Backend
from commandcenter.cases.service import CaseService
from devices.base import RejectedInput
from devices.open311 import CitizenReport, Open311Server
from tests.devices.adapter_support import RunningAdapter

KEY = "test-key-123"
Endpoint = tuple[str, Open311Server, RunningAdapter[Open311Server]]


@pytest.fixture
def endpoint(service: CaseService) -> Iterator[Endpoint]:
    server = Open311Server(CaseOpen311Backend(service), "127.0.0.1", 0, api_keys=[KEY], jurisdiction="nj.qinhuai")
    running = RunningAdapter(server, listener=True)
    assert server.ready.wait(5)
    yield f"http://127.0.0.1:{server.bound_port}/open311/v2/", server, running
    running.finish()


def call(url: str, data: dict[str, Any] | None = None, *, as_json: bool = False) -> tuple[int, bytes]:
    body = None
    headers = {}
    if data is not None:
        if as_json:
            body, headers = json.dumps(data).encode(), {"Content-Type": "application/json"}
        else:
            body = urllib.parse.urlencode(data).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_services_json_and_xml(endpoint: Endpoint) -> None:
    base, _, _ = endpoint
    status, body = call(base + "services.json")
    services = json.loads(body)
    assert status == 200 and {"service_code": "SJ0401", "service_name": "占道经营"}.items() <= next(
        s for s in services if s["service_code"] == "SJ0401").items()
    status, body = call(base + "services.xml")
    root = ET.fromstring(body)
    assert status == 200 and root.tag == "services" and root.find("service/service_code") is not None
    status, body = call(base + "services/SJ0401.json")
    assert status == 200 and json.loads(body)["service_code"] == "SJ0401"
    status, body = call(base + "services/NOPE.json")
    assert status == 404 and json.loads(body)[0]["code"] == 404


def test_post_with_photo_then_status(endpoint: Endpoint, service: CaseService) -> None:
    base, server, running = endpoint
    status, body = call(base + "requests.json", {
        "api_key": KEY, "service_code": "SJ0106", "lat": "30.0001", "long": "119.9951",
        "description": "小区门口垃圾堆了三天", "media_url": "https://img.example.cn/p/123.jpg", "email": "a@b.cn"})
    assert status == 201, body
    created = json.loads(body)[0]
    code, token = created["service_request_id"], created["token"]
    case = service.get(code)
    assert case.source == "citizen" and case.grid_code == "G001" and case.external_id == token
    assert service.evidence(code)[0]["path"] == "https://img.example.cn/p/123.jpg"
    assert any(e.service_request_id == code for e in running.of(CitizenReport))

    status, body = call(base + f"requests/{code}.json")
    request = json.loads(body)[0]
    assert status == 200 and request["status"] == "open" and request["media_url"].endswith("123.jpg")
    assert request["status_notes"].startswith("待立案") and request["updated_datetime"].endswith("+08:00")
    service.register(code, "d1").result()
    service.dispatch(code, "o2", "d1").result()
    service.arrive(code, "o2").result()
    service.feedback(code, "o2", "垃圾已清运").result()
    service.verify(code, "s1").result()
    service.close(code, "s1", "核查通过，已清运").result()
    status, body = call(base + f"requests/{code}.xml")
    root = ET.fromstring(body)
    assert root.tag == "service_requests" and root.findtext("request/status") == "closed"
    assert root.findtext("request/status_notes") == "已结案：核查通过，已清运"

    # JSON body, filters, token lookup.
    status, body = call(base + "requests.json", {"api_key": KEY, "service_code": "SJ0401",
                                                  "address_string": "中华路 100 号", "description": "占道"}, as_json=True)
    assert status == 201
    status, body = call(base + "requests.json?status=open")
    assert [r["service_code"] for r in json.loads(body)] == ["SJ0401"]
    status, body = call(base + f"requests.json?service_request_id={code}&status=closed")
    assert [r["service_request_id"] for r in json.loads(body)] == [code]
    status, body = call(base + "requests.json?start_date=2030-01-01T00:00:00%2B08:00")
    assert json.loads(body) == []
    status, body = call(base + f"tokens/{token}.json")
    assert json.loads(body) == [{"service_request_id": code, "token": token}]
    assert server.stats.messages >= 8


@pytest.mark.parametrize(("form", "status", "fragment"), [
    ({"service_code": "SJ0101", "lat": "30", "long": "120"}, 403, "api_key required"),
    ({"api_key": "wrong", "service_code": "SJ0101", "lat": "30", "long": "120"}, 403, "not valid"),
    ({"api_key": KEY, "service_code": "XX9999", "lat": "30", "long": "120"}, 404, "XX9999"),
    ({"api_key": KEY, "service_code": "SJ0101", "description": "no location"}, 400, "location is required"),
    ({"api_key": KEY, "service_code": "SJ0101", "lat": "abc", "long": "120"}, 400, "lat and long"),
    ({"api_key": KEY, "lat": "30", "long": "120"}, 400, "service_code required"),
    ({"api_key": KEY, "service_code": "SJ0101", "lat": "30", "long": "120", "jurisdiction_id": "other"}, 404,
     "jurisdiction"),
])
def test_errors(endpoint: Endpoint, form: dict[str, str], status: int,
                fragment: str) -> None:
    base, server, running = endpoint
    got, body = call(base + "requests.json", form)
    assert got == status
    errors = json.loads(body)
    assert errors[0]["code"] == status and fragment in errors[0]["description"]
    assert server.stats.bad_messages == 1 and len(running.of(RejectedInput)) == 1


def test_xml_error_and_unknown_request(endpoint: Endpoint) -> None:
    base, _, _ = endpoint
    status, body = call(base + "requests/AJ00000000000000.xml")
    root = ET.fromstring(body)
    assert status == 404 and root.tag == "errors" and root.findtext("error/code") == "404"
    status, body = call(base + "requests.json?status=pending")
    assert status == 400
