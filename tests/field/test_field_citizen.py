"""Citizen reports (Open311, 全民城管) on the composed command center, over real HTTP on 127.0.0.1 and a real
SQLite file: categories marked 自动派遣 go straight to the nearest idle, on-duty officer's phone, and the photo
behind a ``media_url`` is fetched once into the evidence store after the request was answered."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import struct
import threading
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from commandcenter.config import parse_config
from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.evidence import EvidenceError
from commandcenter.runtime.compose import Services, build
from commandcenter.store import utcnow

from .conftest import CASE_AT, OFFICER_AT, Phone, field_config_text, pair_phone, wait_until

KEY = "citizen-key"
AUTO = "BJ0103"  # 井盖缺失: 自动派遣, 市政养护队
MANUAL = "BJ0101"  # 上水井盖: waits for the desk
FAR_AT = (30.2741, 120.1651)  # ~1 km east of the case

EXTRA = f"""
[[officers]]
id = "o3"
name = "王五"
badge = "B003"
team = "市政养护队"
skills = ["设施维护"]

[open311]
host = "127.0.0.1"
port = 0
api_keys = ["{KEY}"]
media_max_mb = 0.01
media_timeout_s = 5.0
media_allow_private = true  # the test's image host is on 127.0.0.1
"""


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A small, valid grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@contextlib.contextmanager
def composed(tmp_path: Path, extra: str) -> Iterator[Services]:
    config = parse_config(field_config_text(f"sqlite:///{tmp_path / 'citizen.db'}", extra), "citizen-test.toml")
    services = build(config)
    try:
        services.start()
        assert services.field_api is not None and services.field_api.ready.wait(10)
        assert services.open311 is not None and services.open311.ready.wait(10)
        yield services
    finally:
        services.stop()


@pytest.fixture
def citizen_services(qtbot: Any, tmp_path: Path) -> Iterator[Services]:
    with composed(tmp_path, EXTRA) as services:
        yield services


def report(services: Services, category: str, **more: str) -> tuple[int, Any]:
    """A citizen's POST requests.json, as an app of 全民城管 sends it."""
    assert services.open311 is not None
    form = {"api_key": KEY, "service_code": category, "lat": str(CASE_AT[0]), "long": str(CASE_AT[1]),
            "description": "井盖不见了，很危险", **more}
    request = urllib.request.Request(f"http://127.0.0.1:{services.open311.bound_port}/open311/v2/requests.json",
                                     data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def stand(phone: Phone, at: tuple[float, float]) -> None:
    reply = phone.call("POST", "/field/v1/position", {"lat": at[0], "lon": at[1], "time": utcnow().isoformat()})
    assert reply.status == 200, reply.body


def test_a_citizen_report_of_an_auto_dispatch_category_goes_to_the_nearest_on_duty_officer(
        citizen_services: Services) -> None:
    services = citizen_services
    api = services.field_api
    assert api is not None
    base = f"http://127.0.0.1:{api.bound_port}"
    near, nearest, far = (pair_phone(services, base, o) for o in ("o1", "o2", "o3"))
    stand(nearest, CASE_AT)  # right at the manhole, but off duty
    stand(near, OFFICER_AT)  # ~300 m away
    stand(far, FAR_AT)  # ~1 km away
    assert nearest.call("POST", "/field/v1/duty", {"on_duty": False}).status == 200

    status, body = report(services, AUTO)
    assert status == 201, body
    code = body[0]["service_request_id"]
    case = services.cases.get(code)
    assert (case.status, case.assigned_officer, case.source) == ("dispatched", "o1", "citizen")
    assert [t["code"] for t in near.call("GET", "/field/v1/tasks").body["tasks"]] == [code]
    assert nearest.call("GET", "/field/v1/tasks").body["tasks"] == []

    status, body = report(services, MANUAL)
    assert status == 201, body
    manual = services.cases.get(body[0]["service_request_id"])
    assert (manual.status, manual.assigned_officer) == ("reported", None)
    assert [t["code"] for t in far.call("GET", "/field/v1/tasks").body["tasks"]] == []


class PhotoHost:
    """A citizen app's image host on 127.0.0.1: a PNG that waits for ``release``, and a page that is no image."""

    def __init__(self, photo: bytes) -> None:
        self.release = threading.Event()
        self.requests: list[str] = []
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.requests.append(self.path)
                if self.path == "/p/1.png":
                    host.release.wait(10)
                    body, kind = photo, "image/png"
                elif self.path == "/big.png":
                    body, kind = photo + b"\x00" * 20_000, "image/png"
                else:
                    body, kind = b"<html>not a photo</html>", "image/png"  # the header lies
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def photo_host() -> Iterator[PhotoHost]:
    host = PhotoHost(png_bytes())
    yield host
    host.close()


def test_the_citizen_photo_is_fetched_once_into_the_evidence_store(citizen_services: Services,
                                                                   photo_host: PhotoHost) -> None:
    services = citizen_services
    url = photo_host.base + "/p/1.png"
    status, body = report(services, MANUAL, media_url=url)
    assert status == 201, body  # answered while the image host still holds the photo back
    code = body[0]["service_request_id"]
    assert "media_fetch" not in services.cases.get(code).extra
    photo_host.release.set()
    assert wait_until(lambda: "media_fetch" in services.cases.get(code).extra)
    outcome = services.cases.get(code).extra["media_fetch"]
    photo = png_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    assert outcome["url"] == url and outcome["sha256"] == sha and "error" not in outcome
    evidence = services.cases.evidence(code)
    assert (evidence[0]["path"], evidence[0]["sha256"]) == (url, "")  # the case records the URL
    stored = [e for e in evidence if e["sha256"] == sha]
    assert len(stored) == 1 and stored[0]["mime"] == "image/png"
    assert (services.enforcement.evidence.root / stored[0]["path"]).read_bytes() == photo
    assert photo_host.requests.count("/p/1.png") == 1
    rows = services.enforcement.evidence.for_case(services.cases.get(code).id)
    reference = next(r for r in rows if not r.sha256)
    assert reference.url == url  # the address as given, not a file under the evidence tree
    with pytest.raises(EvidenceError, match="is a reference to http"):
        services.enforcement.evidence.open_evidence(reference.id)  # no false integrity failure is audited
    fetched = services.enforcement.evidence.open_evidence(next(r.id for r in rows if r.sha256 == sha))
    assert fetched.intact and fetched.info.url == ""
    # GeoReport still shows the citizen's own URL
    assert services.open311 is not None
    with urllib.request.urlopen(f"http://127.0.0.1:{services.open311.bound_port}/open311/v2/requests/"
                                f"{code}.json", timeout=10) as response:
        assert json.loads(response.read())[0]["media_url"] == url
    result = verify(services.store, evidence_root=services.enforcement.evidence.root)
    assert result.ok, result.summary()
    assert result.evidence_remote == 1 and result.evidence_checked == 2


@pytest.mark.parametrize(("path", "why"), [("/page.png", "not a JPEG or PNG"), ("/big.png", "over the limit"),
                                           ("/gone.png", "")])
def test_a_failed_fetch_keeps_the_case_and_says_why(citizen_services: Services, photo_host: PhotoHost,
                                                    path: str, why: str) -> None:
    services = citizen_services
    url = photo_host.base + path
    if path == "/gone.png":  # nobody listens there any more
        photo_host.close()
        why = "Connection refused"
    status, body = report(services, MANUAL, media_url=url)
    assert status == 201, body
    code = body[0]["service_request_id"]
    assert wait_until(lambda: "media_fetch" in services.cases.get(code).extra)
    case = services.cases.get(code)
    assert case.status == "reported" and why in case.extra["media_fetch"]["error"]
    assert [e["path"] for e in services.cases.evidence(code)] == [url]
    result = verify(services.store, evidence_root=services.enforcement.evidence.root)
    assert result.ok, result.summary()


def test_as_deployed_a_citizen_url_never_reaches_the_bureaus_own_hosts(qtbot: Any, tmp_path: Path,
                                                                       photo_host: PhotoHost) -> None:
    photo_host.release.set()
    with composed(tmp_path, EXTRA.replace("media_allow_private = true", "")) as services:
        status, body = report(services, MANUAL, media_url=photo_host.base + "/p/1.png")
        assert status == 201, body
        code = body[0]["service_request_id"]
        assert wait_until(lambda: "media_fetch" in services.cases.get(code).extra)
        assert "127.0.0.1, an internal address" in services.cases.get(code).extra["media_fetch"]["error"]
        assert photo_host.requests == [] and len(services.cases.evidence(code)) == 1


def test_officers_of_a_team_off_shift_are_not_recommended(qtbot: Any, tmp_path: Path) -> None:
    beijing = datetime.now(timezone(timedelta(hours=8)))

    def hhmm(hours: float) -> str:
        return (beijing + timedelta(hours=hours)).strftime("%H:%M")

    # o1/o2's team works now; o3's night team starts in three hours (both shifts may run past midnight)
    shifts = f"""
[[shifts]]
team = "市政养护队"
name = "白班"
start = "{hhmm(-2)}"
end = "{hhmm(2)}"

[[shifts]]
team = "夜班养护队"
name = "夜班"
start = "{hhmm(3)}"
end = "{hhmm(5)}"
"""
    with composed(tmp_path, EXTRA.replace('team = "市政养护队"', 'team = "夜班养护队"') + shifts) as services:
        assert [s.team for s in services.config.shifts] == ["市政养护队", "夜班养护队"]
        api = services.field_api
        assert api is not None
        base = f"http://127.0.0.1:{api.bound_port}"
        day, night = pair_phone(services, base, "o1"), pair_phone(services, base, "o3")
        stand(night, CASE_AT)  # on duty and right there, but his 班次 has not begun
        stand(day, OFFICER_AT)  # ~300 m away, on shift
        assert night.call("POST", "/field/v1/duty", {"on_duty": True}).body["on_duty"] is True

        status, body = report(services, MANUAL)
        assert status == 201, body
        services.cases.refresh_roster()
        assert [r.officer_id for r in services.cases.recommend(body[0]["service_request_id"])] == ["o1"]
        status, body = report(services, AUTO)
        assert status == 201, body
        case = services.cases.get(body[0]["service_request_id"])
        assert (case.status, case.assigned_officer) == ("dispatched", "o1")
        assert night.call("GET", "/field/v1/tasks").body["tasks"] == []
