"""Fixtures of the field API tests: the composed command center with a [field] listener on a free 127.0.0.1 port,
a real SQLite file, two officers from the config, and a small HTTP client speaking the officers' API."""

from __future__ import annotations

import contextlib
import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from commandcenter.cases.model import NewCase
from commandcenter.config import parse_config
from commandcenter.runtime.compose import Services, build

# Near the bundled district's centre; the case is ~300 m east of where the officer stands.
OFFICER_AT = (30.2741, 120.1551)
CASE_AT = (30.2741, 120.1582)
CATEGORY = "BJ0101"  # 上水井盖 (not dispatched automatically)


def field_config_text(db_url: str, extra: str = "") -> str:
    return f"""
[database]
url = "{db_url}"

[field]
host = "127.0.0.1"
port = 0
public_url = "http://phones.example:8380"
max_upload_mb = 1.0

[[officers]]
id = "o1"
name = "张三"
badge = "B001"
team = "市政养护队"
skills = ["设施维护"]

[[officers]]
id = "o2"
name = "李四"
badge = "B002"
team = "市政养护队"
skills = ["设施维护"]
{extra}
"""


@dataclass
class Reply:
    status: int
    body: Any


class Phone:
    """An officer's phone: JSON calls with its bearer token against the field listener."""

    def __init__(self, base: str, token: str = "") -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, payload: Any = None, *, timeout: float = 30.0,
             headers: dict[str, str] | None = None, data: bytes | None = None) -> Reply:
        body = data if data is not None else (json.dumps(payload).encode() if payload is not None else None)
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if payload is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                status = response.status
                ctype = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raw, status, ctype = exc.read(), exc.code, exc.headers.get("Content-Type", "")
        return Reply(status, json.loads(raw) if "json" in ctype else raw)

    def upload(self, path: str, fields: dict[str, str], file: tuple[str, bytes, str] | None) -> Reply:
        boundary = "----fieldtest7MA4YWxkTrZu0gW"
        out = io.BytesIO()
        for name, value in fields.items():
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        if file is not None:
            filename, content, mime = file
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                      f'Content-Type: {mime}\r\n\r\n'.encode())
            out.write(content + b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return self.call("POST", path, data=out.getvalue(),
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


@pytest.fixture
def field_services(qtbot, tmp_path: Path) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    config = parse_config(field_config_text(f"sqlite:///{tmp_path / 'field.db'}"), "field-test.toml")
    services = build(config)
    try:
        services.start()
        api = services.field_api
        assert api is not None
        assert api.ready.wait(10), "the field listener did not start"
        yield services
    finally:
        services.stop()


@pytest.fixture
def base_url(field_services: Services) -> str:
    api = field_services.field_api
    assert api is not None
    return f"http://127.0.0.1:{api.bound_port}"


def pair_phone(services: Services, base: str, officer: str = "o1") -> Phone:
    """Pair through the CLI (another entry point on the same database) and the API, as an officer would."""
    from commandcenter.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["field", "pair", officer, "--db", services.config.database.url]) == 0
    code = out.getvalue().strip().splitlines()[-1]
    reply = Phone(base).call("POST", "/field/v1/pair", {"code": code, "device": "test-phone"})
    assert reply.status == 200, reply.body
    return Phone(base, reply.body["token"])


def dispatched_case(services: Services, officer: str = "o1", at: tuple[float, float] = CASE_AT) -> str:
    """A registered case of the category, dispatched to ``officer`` by the desk; its code."""
    view = services.cases.create_case(NewCase(source="dispatcher", category=CATEGORY, description="井盖松动，有异响",
                                              lat=at[0], lon=at[1], address="延安路 100 号"),
                                      "system", register=True).result(10)
    services.cases.dispatch(view.code, officer, "system").result(10)
    return view.code


def wait_until(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())
