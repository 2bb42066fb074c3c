"""The field API on PostgreSQL: a code works once even when phones race for it, and a phone walks its task."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.config import parse_config
from commandcenter.field.pairing import PairingError, issue_code, redeem
from commandcenter.runtime.compose import Services, build

from .conftest import OFFICER_AT, Phone, dispatched_case, field_config_text, pair_phone

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_services(qtbot, pg_store) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    url = pg_store.engine.url.render_as_string(hide_password=False)
    pg_store.close()  # the database is the fixture's; the composed command center opens its own store on it
    services = build(parse_config(field_config_text(url), "field-pg.toml"))
    try:
        services.start()
        assert services.field_api is not None and services.field_api.ready.wait(10)
        yield services
    finally:
        services.stop()


def test_a_code_redeemed_by_racing_phones_works_once(pg_services: Services) -> None:
    code = issue_code(pg_services.store, "o1")
    outcomes: list[str] = []

    def phone(n: int) -> None:
        try:
            redeem(pg_services.store, code, f"phone {n}")
            outcomes.append("paired")
        except PairingError:
            outcomes.append("refused")

    racers = [threading.Thread(target=phone, args=(n,)) for n in range(8)]
    for t in racers:
        t.start()
    for t in racers:
        t.join(30)
    assert sorted(outcomes) == ["paired"] + ["refused"] * 7
    assert pg_services.store.scalar("SELECT COUNT(*) FROM field_tokens") == 1


def test_a_phone_walks_its_task_on_postgresql(pg_services: Services, tmp_path: Path) -> None:
    api = pg_services.field_api
    assert api is not None
    phone = pair_phone(pg_services, f"http://127.0.0.1:{api.bound_port}")
    code = dispatched_case(pg_services)
    assert [t["code"] for t in phone.call("GET", "/field/v1/tasks?wait=5").body["tasks"]] == [code]
    assert phone.call("POST", f"/field/v1/tasks/{code}/accept", {}).status == 200
    assert phone.call("POST", f"/field/v1/tasks/{code}/arrive",
                      {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
    photo = phone.upload(f"/field/v1/tasks/{code}/evidence", {}, ("p.jpg", b"\xff\xd8" + b"x" * 1000, "image/jpeg"))
    assert photo.status == 201
    done = phone.call("POST", f"/field/v1/tasks/{code}/report", {"text": "已处置", "evidence": [photo.body["sha256"]]})
    assert done.status == 200 and pg_services.cases.get(code).status == "handled"
    assert Phone(phone.base, "nope").call("GET", "/field/v1/tasks").status == 401
