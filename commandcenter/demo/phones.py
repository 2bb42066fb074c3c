"""Simulated 城管通 phones: demo officers who work their tasks through the field API, as real phones do.

Each phone is paired with a one-time code (issued on the database, like ``commandcenter field pair``) and then
speaks only HTTP to the field listener: 上班, long-poll its tasks, 接单 after a moment, walk there, 到场 at the
case, upload a generated photo (拍照取证), 处置反馈 with it. The simulated desk leaves these officers' cases to
them (it does what a desk does: 立案, 派遣, 核查, 结案), so the demo shows the whole loop the way the bureau runs it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import struct
import threading
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Sequence
from typing import Any

from commandcenter.field.pairing import issue_code
from commandcenter.store import Store

log = logging.getLogger(__name__)

# Simulated minutes from dispatch to each step of a phone: (min, max).
PHONE_DELAYS_MIN = {"accept": (0.3, 1.5), "walk": (2.0, 8.0), "photo": (2.0, 8.0), "report": (1.0, 5.0)}
POLL_WAIT_S = 20


def generated_photo(seed: str, width: int = 64, height: int = 48) -> bytes:
    """A small PNG (pure Python) whose colours come from ``seed``: every case gets a photo of its own."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes((digest[(x // 8) % 32], digest[(y // 8 + 7) % 32], (x * 4 + y * 2) % 256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows)))
            + chunk(b"IEND", b""))


class PhoneError(RuntimeError):
    """A field API call of a simulated phone failed (status and the server's reason)."""


class SimulatedPhone:
    """One officer's phone: a thread that long-polls and works its tasks until ``stop``."""

    def __init__(self, base_url: str, officer_id: str, code: str, stop: threading.Event, *, speedup: float,
                 rng: random.Random) -> None:
        self.base = base_url.rstrip("/") + "/field/v1"
        self.officer_id = officer_id
        self.code = code
        self.token = ""
        self.stop = stop
        self.speedup = max(speedup, 0.01)
        self.rng = rng
        self.steps = 0
        self.last_error = ""
        self.thread = threading.Thread(target=self._run, name=f"sim-phone-{officer_id}", daemon=True)

    # -- HTTP ---------------------------------------------------------------------------------------------
    def call(self, method: str, path: str, payload: dict[str, Any] | None = None, *, timeout: float = 30.0,
             body: bytes | None = None, content_type: str = "application/json") -> dict[str, Any]:
        data = body if body is not None else (json.dumps(payload).encode("utf-8") if payload is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
                return answer
        except urllib.error.HTTPError as exc:
            try:
                reason = json.loads(exc.read()).get("error", "")
            except ValueError:
                reason = ""
            raise PhoneError(f"{self.officer_id}: {method} {path}: {exc.code} {reason}") from None

    def upload(self, path: str, fields: dict[str, str], filename: str, content: bytes, mime: str) -> dict[str, Any]:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                     f"Content-Type: {mime}\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.call("POST", path, body=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}")

    # -- behaviour ----------------------------------------------------------------------------------------
    def _pause(self, step: str) -> bool:
        """Wait the step's simulated minutes; False when the phone is being stopped."""
        low, high = PHONE_DELAYS_MIN[step]
        return not self.stop.wait(self.rng.uniform(low, high) * 60.0 / self.speedup)

    def _run(self) -> None:
        try:
            self.token = str(self.call("POST", "/pair", {"code": self.code, "device": "demo phone"})["token"])
            self.call("POST", "/duty", {"on_duty": True})
        except (OSError, PhoneError) as exc:
            self.last_error = str(exc)
            log.warning("demo phone %s could not pair: %s", self.officer_id, exc)
            return
        version = ""
        while not self.stop.is_set():
            try:
                since = f"&since={version}" if version else ""
                answer = self.call("GET", f"/tasks?wait={POLL_WAIT_S}{since}", timeout=POLL_WAIT_S + 15)
                version = str(answer.get("version", ""))
                for task in answer.get("tasks", []):
                    if self.stop.is_set():
                        return
                    self._work(task)
            except (OSError, PhoneError, KeyError) as exc:  # a refused step (the desk re-dispatched …): go on
                self.last_error = str(exc)
                if self.stop.wait(3.0):
                    return

    def _work(self, task: dict[str, Any]) -> None:
        code = str(task["code"])
        if task["status"] == "dispatched" and task.get("field_state") != "accepted":
            if not self._pause("accept"):
                return
            self.call("POST", f"/tasks/{code}/accept", {})
            self.steps += 1
        if task["status"] == "dispatched":
            if not self._pause("walk"):
                return
            lat, lon = task.get("lat"), task.get("lon")
            spot = {"lat": lat + self.rng.uniform(-2e-4, 2e-4), "lon": lon + self.rng.uniform(-2e-4, 2e-4)} \
                if isinstance(lat, float) and isinstance(lon, float) else {}
            self.call("POST", f"/tasks/{code}/arrive", spot)
            self.steps += 1
        if not self._pause("photo"):
            return
        photo = self.upload(f"/tasks/{code}/evidence", {"note": "现场处置后照片"}, f"{code}.png",
                            generated_photo(code + self.officer_id), "image/png")
        self.steps += 1
        if not self._pause("report"):
            return
        self.call("POST", f"/tasks/{code}/report", {"text": "已现场处置，恢复原状", "evidence": [photo["sha256"]]})
        self.steps += 1


class SimulatedPhones:
    """The demo's phones: ``start(base_url)`` pairs and runs them; ``stop()`` ends them."""

    def __init__(self, store: Store, officer_ids: Sequence[str], *, speedup: float = 1.0, seed: int = 13) -> None:
        self.store = store
        self.officer_ids = list(officer_ids)
        self.speedup = speedup
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self.phones: list[SimulatedPhone] = []

    @property
    def officers(self) -> frozenset[str]:
        return frozenset(self.officer_ids)

    def start(self, base_url: str) -> None:
        for officer_id in self.officer_ids:
            if self._stop.is_set():
                return
            code = issue_code(self.store, officer_id, actor="demo")
            phone = SimulatedPhone(base_url, officer_id, code, self._stop, speedup=self.speedup,
                                   rng=random.Random(self.rng.random()))
            self.phones.append(phone)
            phone.thread.start()

    def stop(self) -> None:
        self._stop.set()

    def report(self) -> dict[str, Any]:
        return {"phones": len(self.phones), "paired": sum(bool(p.token) for p in self.phones),
                "steps": sum(p.steps for p in self.phones),
                "errors": [p.last_error for p in self.phones if p.last_error][:5]}
