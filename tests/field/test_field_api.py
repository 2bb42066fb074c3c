"""The field API over real HTTP on 127.0.0.1 against the composed command center and a real SQLite file:
pairing, duty, positions, long-polled tasks, 接单 → 到场 → 取证 → 处置反馈, 退单, 巡查上报, SOS and every refusal."""

from __future__ import annotations

import contextlib
import hashlib
import io
import select
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from commandcenter.cases.model import NewCase
from commandcenter.cli import main
from commandcenter.enforcement.audit import verify
from commandcenter.field.pairing import issue_code
from commandcenter.runtime.compose import Services
from commandcenter.store import utcnow

from .conftest import CASE_AT, OFFICER_AT, Phone, dispatched_case, pair_phone, wait_until

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"


def test_a_code_pairs_once_and_every_other_call_needs_the_token(field_services: Services, base_url: str,
                                                                 tmp_path: Path) -> None:
    out = io.StringIO()
    qr = tmp_path / "code.png"
    with contextlib.redirect_stdout(out):
        assert main(["field", "pair", "o1", "--db", field_services.config.database.url, "--qr", str(qr)]) == 0
    code = out.getvalue().strip().splitlines()[-1]
    assert len(code) == 8 and code.isalnum()
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"http://127.0.0.1:8380/field/?code={code}" in out.getvalue()  # no --config: the default address
    anonymous = Phone(base_url)
    assert anonymous.call("GET", "/field/v1/tasks").status == 401
    first = anonymous.call("POST", "/field/v1/pair", {"code": code.lower(), "device": "小米 14"})
    assert first.status == 200
    assert first.body["officer"] == {"id": "o1", "name": "张三", "badge": "B001", "team": "市政养护队"}
    again = anonymous.call("POST", "/field/v1/pair", {"code": code, "device": "another phone"})
    assert again.status == 401 and "error" in again.body
    assert anonymous.call("POST", "/field/v1/pair", {"code": "ABCDEFGH"}).status == 401
    expired = issue_code(field_services.store, "o1", now=utcnow() - timedelta(minutes=11))
    assert anonymous.call("POST", "/field/v1/pair", {"code": expired}).status == 401
    phone = Phone(base_url, first.body["token"])
    assert phone.call("GET", "/field/v1/tasks").body == {"tasks": [], "version": 0}
    assert Phone(base_url, "forged").call("GET", "/field/v1/tasks").status == 401
    # tokens are stored hashed: the token itself is nowhere in the database
    assert field_services.store.scalar("SELECT COUNT(*) FROM field_tokens WHERE token_sha256 = :t",
                                       {"t": first.body["token"]}) == 0
    assert field_services.store.scalar("SELECT COUNT(*) FROM field_tokens WHERE token_sha256 = :t",
                                       {"t": hashlib.sha256(first.body["token"].encode()).hexdigest()}) == 1
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["field", "revoke", "o1", "--db", field_services.config.database.url]) == 0
    assert wait_until(lambda: phone.call("GET", "/field/v1/tasks").status == 401, 5.0)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["field", "pair", "nobody", "--db", field_services.config.database.url]) == 1


def test_off_duty_officers_are_never_recommended_and_positions_are_stored(field_services: Services,
                                                                          base_url: str) -> None:
    phone = pair_phone(field_services, base_url)
    now = utcnow().isoformat()
    reply = phone.call("POST", "/field/v1/position", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1], "time": now,
                                                      "accuracy": 8, "speed": 1.2, "heading": 90, "battery": 77})
    assert reply.status == 200
    # 200 means stored: the fix is in the history table already, and the officer is on the map
    assert field_services.store.scalar("SELECT COUNT(*) FROM position_fixes WHERE unit_id = 'o1' "
                                       "AND source = 'field'") == 1
    assert field_services.tracker.get("o1") is not None
    assert phone.call("POST", "/field/v1/position", {"lat": 0, "lon": 0}).status == 400
    assert phone.call("POST", "/field/v1/position", {"lat": "north"}).status == 400
    code = field_services.cases.create_case(NewCase(source="dispatcher", category="BJ0101", lat=CASE_AT[0],
                                                    lon=CASE_AT[1]), "system", register=True).result(10).code
    field_services.cases.refresh_roster()
    assert [r.officer_id for r in field_services.cases.recommend(code)] == ["o1"]
    off = phone.call("POST", "/field/v1/duty", {"on_duty": False})
    assert off.status == 200 and off.body["on_duty"] is False
    assert field_services.cases.recommend(code) == []
    field_services.cases.refresh_roster()  # also after the roster is read again from the database
    assert field_services.cases.recommend(code) == []
    on = phone.call("POST", "/field/v1/duty", {"on_duty": True})
    assert on.status == 200 and on.body["on_duty"] is True
    assert [r.officer_id for r in field_services.cases.recommend(code)] == ["o1"]
    assert phone.call("POST", "/field/v1/duty", {"on_duty": "yes"}).status == 400
    field_services.cases.dispatch(code, "o1", "system").result(10)
    busy = phone.call("POST", "/field/v1/duty", {"on_duty": False})
    assert busy.status == 409 and code in busy.body["error"]


def test_a_long_poll_returns_when_a_task_is_dispatched(field_services: Services, base_url: str) -> None:
    phone = pair_phone(field_services, base_url)
    started = time.monotonic()
    quiet = phone.call("GET", "/field/v1/tasks?wait=1")
    assert quiet.status == 200 and quiet.body["tasks"] == [] and 0.9 <= time.monotonic() - started < 5
    got: dict[str, object] = {}

    def poll() -> None:
        t0 = time.monotonic()
        got["reply"] = phone.call("GET", "/field/v1/tasks?wait=30")
        got["seconds"] = time.monotonic() - t0

    waiter = threading.Thread(target=poll)
    waiter.start()
    api = field_services.field_api
    assert api is not None
    assert wait_until(lambda: len(api.waiters) == 1)
    code = dispatched_case(field_services)
    waiter.join(15)
    reply = got["reply"]
    assert getattr(reply, "status") == 200  # noqa: B009
    tasks = getattr(reply, "body")["tasks"]  # noqa: B009
    assert [t["code"] for t in tasks] == [code] and tasks[0]["status"] == "dispatched"
    assert tasks[0]["address"] == "延安路 100 号" and tasks[0]["description"] == "井盖松动，有异响"
    assert float(got["seconds"]) < 5  # type: ignore[arg-type]
    # a change between two polls is not missed: the version the phone saw is older, so it returns at once
    seen = getattr(reply, "body")["version"]  # noqa: B009
    field_services.cases.dispatch(dispatched_case(field_services, "o2"), "o1", "system").result(10)
    assert wait_until(lambda: phone.call("GET", "/field/v1/tasks").body["version"] > seen)
    t0 = time.monotonic()
    assert len(phone.call("GET", f"/field/v1/tasks?wait=30&since={seen}").body["tasks"]) == 2
    assert time.monotonic() - t0 < 5
    assert phone.call("GET", "/field/v1/tasks?wait=soon").status == 400


def _raw_long_polls(port: int, token: str, count: int, *, wait_s: float) -> list[socket.socket]:
    """``count`` long polls on connections of their own, sent and not read (the caller reads and closes them)."""
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(f"GET /field/v1/tasks?wait={wait_s:g} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}"
                     "\r\n\r\n".encode())
        socks.append(sock)
    return socks


def test_parked_long_polls_hold_no_thread_each(field_services: Services, base_url: str) -> None:
    phone = pair_phone(field_services, base_url)
    api = field_services.field_api
    assert api is not None
    threads_before = threading.active_count()
    socks = _raw_long_polls(api.bound_port or 0, phone.token, 200, wait_s=30)
    try:
        assert wait_until(lambda: len(api.waiters) == 200, 20)
        # at most the listener's fixed worker pool was started, not a thread per waiting phone
        assert threading.active_count() - threads_before <= api.limits.workers + 4 < 200
        # the listener still answers other calls while 200 phones wait
        assert phone.call("GET", "/field/v1/tasks", timeout=5).status == 200
        dispatched_case(field_services)
        for sock in socks:
            head = sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200"), head[:80]
    finally:
        for sock in socks:
            sock.close()


def test_a_dispatched_task_overtakes_timed_out_polls_still_being_answered(
        field_services: Services, base_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Phones that connected together time out together, every cycle: the answers to their expired polls (each a
    read of the officer's tasks) must not hold up the answer a dispatch wakes."""
    api = field_services.field_api
    assert api is not None
    dispatcher_phone = pair_phone(field_services, base_url)
    crowd = pair_phone(field_services, base_url, "o2")
    reads = api.service.tasks

    def slow_read(officer: str) -> list[dict[str, object]]:
        if officer == "o2":
            time.sleep(0.05)  # 120 expired polls: about 3 s of answers on the lane's two workers
        return reads(officer)

    monkeypatch.setattr(api.service, "tasks", slow_read)
    socks = _raw_long_polls(api.bound_port or 0, crowd.token, 120, wait_s=1)
    try:
        assert wait_until(lambda: len(api.waiters) == 120, 20)
        got: dict[str, object] = {}

        def poll() -> None:
            got["reply"] = dispatcher_phone.call("GET", "/field/v1/tasks?wait=30", timeout=30)
            got["crowd_answered"] = sum(bool(select.select([s], [], [], 0)[0]) for s in socks)

        waiter = threading.Thread(target=poll)
        waiter.start()
        assert wait_until(lambda: len(api.waiters) == 121, 20)
        assert wait_until(lambda: len(api.waiters) == 1, 20)  # the crowd's polls expired: their answers queue
        code = dispatched_case(field_services)
        waiter.join(30)
        reply = got["reply"]
        assert [t["code"] for t in getattr(reply, "body")["tasks"]] == [code]  # noqa: B009
        assert int(got["crowd_answered"]) < 120  # type: ignore[call-overload]  # answered while they still queued
        for sock in socks:  # every expired poll is still answered
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        for sock in socks:
            sock.close()


def test_a_task_from_accept_to_feedback_with_a_photo(field_services: Services, base_url: str) -> None:
    phone = pair_phone(field_services, base_url)
    other = pair_phone(field_services, base_url, "o2")
    code = dispatched_case(field_services)
    assert other.call("GET", f"/field/v1/tasks/{code}").status == 403
    assert other.call("POST", f"/field/v1/tasks/{code}/accept", {}).status == 403
    assert phone.call("GET", "/field/v1/tasks/AJ000").status == 404
    assert phone.call("POST", f"/field/v1/tasks/{code}/report", {"text": "done"}).status == 409
    accepted = phone.call("POST", f"/field/v1/tasks/{code}/accept", {})
    assert accepted.status == 200
    assert field_services.cases.get(code).extra["field"]["state"] == "accepted"
    arrived = phone.call("POST", f"/field/v1/tasks/{code}/arrive", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]})
    assert arrived.status == 200 and arrived.body["status"] == "handling"
    assert 250 < arrived.body["distance_m"] < 350
    assert phone.call("POST", f"/field/v1/tasks/{code}/arrive", {}).status == 409
    photo = phone.upload(f"/field/v1/tasks/{code}/evidence", {"note": "井盖已固定", "lat": "30.2741",
                                                             "lon": "120.1582"}, ("after.jpg", JPEG, "image/jpeg"))
    assert photo.status == 201
    assert photo.body == {"sha256": hashlib.sha256(JPEG).hexdigest(), "size": len(JPEG)}
    task = phone.call("GET", f"/field/v1/tasks/{code}").body
    assert [p["sha256"] for p in task["photos"]] == [photo.body["sha256"]]
    served = phone.call("GET", f"/field/v1/tasks/{code}/photos/{photo.body['sha256']}")
    assert served.status == 200 and served.body == JPEG
    evidence = field_services.enforcement.evidence.for_case(field_services.cases.get(code).id)
    assert [(e.officer, e.added_by, e.sha256) for e in evidence] == [("o1", "o1", photo.body["sha256"])]
    assert phone.call("POST", f"/field/v1/tasks/{code}/report", {"text": ""}).status == 400
    assert phone.call("POST", f"/field/v1/tasks/{code}/report",
                      {"text": "已处置", "evidence": ["0" * 64]}).status == 400
    report = phone.call("POST", f"/field/v1/tasks/{code}/report",
                        {"text": "井盖已更换并固定", "evidence": [photo.body["sha256"]]})
    assert report.status == 200 and report.body["status"] == "handled"
    case = field_services.cases.get(code)
    assert case.status == "handled" and case.extra["field"]["state"] == "reported"
    actions = [(e["actor"], e["action"]) for e in field_services.cases.events(code)]
    for step in ("accept", "arrive", "evidence", "feedback"):
        assert ("o1", step) in actions, actions
    assert phone.call("GET", "/field/v1/tasks").body["tasks"] == []  # now on the desk for 核查
    # 核查 on the desk may send it back (返工) to the same officer's phone
    seen = phone.call("GET", "/field/v1/tasks").body["version"]
    field_services.cases.verify(code, "system").result(10)
    field_services.cases.rework(code, "system", "井盖仍有松动").result(10)
    back = phone.call("GET", f"/field/v1/tasks?wait=10&since={seen}")
    assert [(t["code"], t["status"]) for t in back.body["tasks"]] == [(code, "dispatched")]
    result = verify(field_services.store, evidence_root=field_services.enforcement.evidence.root)
    assert result.ok, result


def test_refusing_sends_the_case_back_flagged_with_the_reason(field_services: Services, base_url: str) -> None:
    phone = pair_phone(field_services, base_url)
    code = dispatched_case(field_services)
    assert phone.call("POST", f"/field/v1/tasks/{code}/refuse", {"reason": " "}).status == 400
    refused = phone.call("POST", f"/field/v1/tasks/{code}/refuse", {"reason": "不在本人责任区"})
    assert refused.status == 200 and refused.body["status"] == "returned"
    case = field_services.cases.get(code)
    assert case.status == "returned" and case.assigned_officer is None
    assert case.extra["field_refused"]["reason"] == "不在本人责任区"
    assert case.extra["field_refused"]["officer"] == "o1"
    assert phone.call("GET", f"/field/v1/tasks/{code}").status == 403


def test_uploads_over_the_limit_or_cut_short_store_nothing(field_services: Services, base_url: str) -> None:
    phone = pair_phone(field_services, base_url)
    code = dispatched_case(field_services)
    root = field_services.enforcement.evidence.root

    def files() -> set[Path]:  # the evidence folder is shared by the session's tests
        return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()

    before = files()
    big = phone.upload(f"/field/v1/tasks/{code}/evidence", {}, ("big.jpg", b"\xff" * (2 << 20), "image/jpeg"))
    assert big.status == 413 and "error" in big.body
    just_over = phone.upload(f"/field/v1/tasks/{code}/evidence", {},
                             ("over.jpg", b"\xff" * ((1 << 20) + 10), "image/jpeg"))
    assert just_over.status == 413
    assert phone.upload(f"/field/v1/tasks/{code}/evidence", {}, ("a.txt", b"hello", "text/plain")).status == 400
    assert phone.upload(f"/field/v1/tasks/{code}/evidence", {"note": "x"}, None).status == 400
    api = field_services.field_api
    assert api is not None
    body = (b'------b\r\nContent-Disposition: form-data; name="file"; filename="cut.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + b"\xff" * 50_000)
    with socket.create_connection(("127.0.0.1", api.bound_port or 0), timeout=10) as sock:
        sock.sendall(f"POST /field/v1/tasks/{code}/evidence HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: Bearer {phone.token}\r\nContent-Type: multipart/form-data; boundary=----b\r\n"
                     f"Content-Length: 200000\r\n\r\n".encode() + body)
    time.sleep(0.5)
    assert field_services.store.scalar("SELECT COUNT(*) FROM evidence") == 0
    assert files() == before  # neither the refused files nor the cut one (nor a half-written temporary)


def test_patrol_reports_and_sos(field_services: Services, base_url: str, qtbot) -> None:  # type: ignore[no-untyped-def]
    phone = pair_phone(field_services, base_url)
    categories = phone.call("GET", "/field/v1/categories").body["categories"]
    assert {"code": "BJ0101", "name": "上水井盖", "major": categories[0]["major"]} in categories
    assert phone.upload("/field/v1/reports", {"category": "BJ0101", "description": "x"}, None).status == 400
    assert phone.upload("/field/v1/reports", {"category": "nope", "lat": "30.27", "lon": "120.15"},
                        None).status == 400
    made = phone.upload("/field/v1/reports", {"category": "BJ0101", "description": "井盖破损", "lat": "30.2741",
                                              "lon": "120.1582"}, ("street.jpg", JPEG, "image/jpeg"))
    assert made.status == 201
    case = field_services.cases.get(made.body["code"])
    assert (case.source, case.reporter, case.category) == ("patrol", "o1", "BJ0101")
    assert [e["sha256"] for e in field_services.cases.evidence(case.code)] == [hashlib.sha256(JPEG).hexdigest()]
    with qtbot.waitSignal(field_services.events.event_logged, timeout=5000,
                          check_params_cb=lambda severity, text: severity == "alarm" and "张三" in text):
        assert phone.call("POST", "/field/v1/sos", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
    assert field_services.tracker.get("o1") is not None


def test_the_web_app_is_served_from_resources(base_url: str) -> None:
    page = Phone(base_url).call("GET", "/field/")
    assert page.status == 200 and "城管通" in page.body.decode("utf-8")
    for name in ("", "app.js", "app.css"):  # shipped with the application: nothing from a CDN
        text = Phone(base_url).call("GET", f"/field/{name}").body.decode("utf-8")
        assert "https://" not in text and "http://" not in text, name
    assert Phone(base_url).call("GET", "/field/../config.example.toml").status == 404


def test_the_field_listener_has_its_own_connection_cap_fitted_into_the_descriptor_budget(
        field_services: Services) -> None:
    from commandcenter.runtime.fdlimits import listener_limits

    config = field_services.config
    assert config.field is not None and config.field.max_connections == 12000
    roomy = listener_limits(config, soft_limit=100_000, in_use=50)
    assert roomy.field_max_connections == 12000 and roomy.http.max_connections == 512
    tight = listener_limits(config, soft_limit=4096, in_use=50)
    assert 16 <= tight.field_max_connections < 4096 - config.listeners.reserve_fds
    api = field_services.field_api
    assert api is not None and api.limits.max_connections > api.limits.workers  # not the HTTP listeners' 512
