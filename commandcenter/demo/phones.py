"""Simulated 城管通 phones: every demo officer works his tasks through the field API, as real phones do.

Each phone is paired with a one-time code (issued on the database, like ``commandcenter field pair``) and then
speaks only HTTP to the field listener: 上班, long-poll its tasks, 接单 after a moment, walk there, 到场 at the
case, upload a generated photo (拍照取证), 处置反馈 with it. The simulated desk does only what a desk does
(立案, 派遣, 核查, 结案), so the demo shows the whole loop the way the bureau runs it.

Why one asyncio loop and kept-alive connections: the demo runs 2,000 officers (``--units 2000``) in the same
process as the command center. A thread per phone (and a new TCP connection per call, as ``urllib`` makes)
cost 2,000 threads and hundreds of connects per second; here all phones are coroutines of one thread, and each
phone keeps one HTTP/1.1 connection (:class:`FieldConnection`) that its long polls and calls reuse, as a phone's
HTTP stack does. The benchmark's phones (``bench/bench_field.py``) use the same connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from commandcenter.field.pairing import issue_codes
from commandcenter.store import Store

__all__ = ["FieldConnection", "PhoneError", "SimulatedPhone", "SimulatedPhones", "generated_photo"]

log = logging.getLogger(__name__)

# Simulated minutes before each step of a phone: (min, max). Brisk (officers nearby, on e-bikes), so that a
# demo watched for a minute shows 接单, 到场 and 处置反馈 coming in from the street.
PHONE_DELAYS_MIN = {"accept": (0.1, 0.5), "walk": (0.3, 3.0), "photo": (0.2, 1.5), "report": (0.1, 1.0)}
POLL_WAIT_S = 55  # a waiting phone asks again about once a minute (the API's longest wait is 60 s)
PAIRING_PER_S = 200.0  # phones switched on per second at start (a bureau's morning, compressed)
SIGNING_IN_AT_ONCE = 32  # phones between "switched on" and "on duty" at a time: the rest wait their turn
SIGN_IN_RETRY_S = (2.0, 60.0)  # a failed sign-in is tried again after 2 s, doubling up to a minute (jittered)
MAX_HEAD_BYTES = 64 * 1024


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


def multipart(fields: dict[str, str], filename: str, content: bytes, mime: str) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with text ``fields`` and the file in field ``file``; (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: {mime}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class PhoneError(RuntimeError):
    """A field API call of a simulated phone failed (status and the server's reason)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class FieldConnection:
    """One phone's kept-alive HTTP/1.1 connection (asyncio): opened on first use, reused by every call.

    A call on a reused connection that the server had closed meanwhile (its keep-alive timeout, an eviction at
    its connection cap) gets no byte of an answer: the request is sent once more on a new connection. Any other
    failure closes the connection and raises ``ConnectionError``/``TimeoutError``; the next call reconnects.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.connects = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, *, token: str = "", body: bytes = b"",
                      content_type: str = "application/json", timeout: float = 30.0) -> tuple[int, bytes]:
        """Send one request and read its answer: (status, body)."""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                + (f"Authorization: Bearer {token}\r\n" if token else "")
                + (f"Content-Type: {content_type}\r\n" if body else "")
                + f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        for attempt in (0, 1):
            reused = self._writer is not None
            try:
                if self._writer is None:
                    self._reader, self._writer = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port), timeout)
                    self.connects += 1
                reader, writer = self._reader, self._writer
                assert reader is not None and writer is not None
                writer.write(head + body if len(body) < (1 << 20) else head)
                if len(body) >= (1 << 20):
                    writer.write(body)  # a large upload is not copied once more to prepend the head
                await writer.drain()
                return await asyncio.wait_for(self._answer(reader), timeout)
            except asyncio.IncompleteReadError as exc:
                self.close()
                if reused and not exc.partial and attempt == 0:
                    continue  # the server had closed the idle connection: send again on a fresh one
                raise ConnectionError(f"{method} {path}: the connection closed mid-answer") from None
            except (OSError, TimeoutError):
                self.close()
                if reused and attempt == 0 and method == "GET":
                    continue
                raise
        raise ConnectionError(f"{method} {path}: no answer")  # not reached: the second attempt returns or raises

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise ConnectionError("the answer's head is too long") from None
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ConnectionError(f"not an HTTP answer: {lines[0][:80]!r}")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length") or 0))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(parts[1]), body

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class SimulatedPhone:
    """One officer's phone: a coroutine that pairs, goes on duty, long-polls and works its tasks."""

    def __init__(self, host: str, port: int, officer_id: str, code: str, *, speedup: float,
                 rng: random.Random, token: str = "",
                 new_code: Callable[[str], Awaitable[str]] | None = None) -> None:
        self.connection = FieldConnection(host, port)
        self.officer_id = officer_id
        self.code = code
        self.remembered = token  # the token this phone kept from an earlier run (a phone pairs once)
        self.new_code = new_code  # asks the desk for a pairing code when the remembered token no longer works
        self.token = ""
        self.on_duty = False
        self.polling = False
        self.speedup = max(speedup, 0.01)
        self.rng = rng
        self.done = {"accepted": 0, "arrived": 0, "evidence": 0, "reported": 0}
        self.errors = 0
        self.last_error = ""
        self.sign_in_attempts = 0
        self.signing_in: asyncio.Semaphore | None = None  # shared by the phones of one run (SimulatedPhones)

    @property
    def steps(self) -> int:
        return sum(self.done.values())

    async def call(self, method: str, path: str, payload: dict[str, Any] | None = None, *, timeout: float = 30.0,
                   body: bytes | None = None, content_type: str = "application/json") -> dict[str, Any]:
        data = body if body is not None else (json.dumps(payload).encode("utf-8") if payload is not None else b"")
        status, raw = await self.connection.request(method, "/field/v1" + path, token=self.token, body=data,
                                                    content_type=content_type, timeout=timeout)
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        if status >= 400:
            reason = answer.get("error", "") if isinstance(answer, dict) else ""
            raise PhoneError(f"{self.officer_id}: {method} {path}: {status} {reason}", status)
        return answer if isinstance(answer, dict) else {}

    async def _pause(self, step: str) -> None:
        low, high = PHONE_DELAYS_MIN[step]
        await asyncio.sleep(self.rng.uniform(low, high) * 60.0 / self.speedup)

    async def run(self) -> None:
        """Until cancelled: pair, 上班, then long-poll and work each task (a refused step is noted, not fatal)."""
        try:
            if not await self._go_on_duty():
                return
            version = ""
            while True:
                try:
                    # the first call answers at once (tasks already assigned); then wait for a change since then
                    query = f"?wait={POLL_WAIT_S}&since={version}" if version else ""
                    self.polling = True
                    try:
                        answer = await self.call("GET", f"/tasks{query}", timeout=POLL_WAIT_S + 15)
                    finally:
                        self.polling = False
                    version = str(answer.get("version", ""))
                    for task in answer.get("tasks", []):
                        await self._work(task)
                except (OSError, PhoneError, KeyError, ValueError) as exc:  # refused (re-dispatched …): go on
                    self._failed(exc)
                    await asyncio.sleep(3.0)
        finally:
            self.connection.close()

    async def _go_on_duty(self) -> bool:
        """Sign in and go on duty, trying again with backoff as a phone app does: on a busy morning the field API
        may answer late, and a phone that gave up at its first timeout would stay off duty all day. False only
        when the server refused for a reason a retry does not change (logged)."""
        delay = SIGN_IN_RETRY_S[0]
        while True:
            try:
                if self.signing_in is None:
                    await self._sign_in_and_start_duty()
                else:
                    async with self.signing_in:
                        await self._sign_in_and_start_duty()
                return True
            except (OSError, PhoneError, KeyError) as exc:
                self._failed(exc)
                status = exc.status if isinstance(exc, PhoneError) else 0
                if status in (400, 403, 404):
                    log.warning("demo phone %s could not sign in: %s", self.officer_id, exc)
                    return False
                if not self.token:
                    # Unanswered (a timeout) or 401: the server may have used the code for an answer that never
                    # arrived, so the next try asks the desk for a new one.
                    self.code = ""
                log.info("demo phone %s: sign-in failed (%s), trying again in %.0f s", self.officer_id, exc, delay)
                await asyncio.sleep(delay * self.rng.uniform(0.5, 1.0))
                delay = min(delay * 2, SIGN_IN_RETRY_S[1])

    async def _sign_in_and_start_duty(self) -> None:
        self.sign_in_attempts += 1
        if not self.token:
            await self._sign_in()
        if not self.on_duty:
            self.on_duty = bool((await self.call("POST", "/duty", {"on_duty": True})).get("on_duty"))

    async def _sign_in(self) -> None:
        """The remembered token if it still works (``GET /me``, a read), else pair with a one-time code."""
        if self.remembered:
            self.token = self.remembered
            try:
                self.on_duty = bool((await self.call("GET", "/me")).get("on_duty"))
                return
            except PhoneError as exc:
                if exc.status != 401:
                    raise
                self.token = ""  # revoked, or another database: pair again
        if not self.code and self.new_code is not None:
            self.code = await self.new_code(self.officer_id)
        self.token = str((await self.call("POST", "/pair", {"code": self.code, "device": "demo phone"}))["token"])

    def _failed(self, exc: Exception) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"

    async def _work(self, task: dict[str, Any]) -> None:
        code = str(task["code"])
        if task["status"] == "dispatched" and task.get("field_state") != "accepted":
            await self._pause("accept")
            await self.call("POST", f"/tasks/{code}/accept", {})
            self.done["accepted"] += 1
        if task["status"] == "dispatched":
            await self._pause("walk")
            lat, lon = task.get("lat"), task.get("lon")
            spot = {"lat": lat + self.rng.uniform(-2e-4, 2e-4), "lon": lon + self.rng.uniform(-2e-4, 2e-4)} \
                if isinstance(lat, float) and isinstance(lon, float) else {}
            await self.call("POST", f"/tasks/{code}/arrive", spot)
            self.done["arrived"] += 1
        await self._pause("photo")
        body, ctype = multipart({"note": "现场处置后照片"}, f"{code}.png", generated_photo(code + self.officer_id),
                                "image/png")
        photo = await self.call("POST", f"/tasks/{code}/evidence", body=body, content_type=ctype)
        self.done["evidence"] += 1
        await self._pause("report")
        await self.call("POST", f"/tasks/{code}/report", {"text": "已现场处置，恢复原状", "evidence": [photo["sha256"]]})
        self.done["reported"] += 1


class SimulatedPhones:
    """The demo's phones: ``start(base_url)`` pairs and runs them on one asyncio thread; ``stop()`` ends them."""

    def __init__(self, store: Store, officer_ids: Sequence[str], *, speedup: float = 1.0, seed: int = 13,
                 pairing_per_s: float = PAIRING_PER_S, tokens_file: Path | None = None) -> None:
        self.store = store
        self.tokens_file = tokens_file  # where the phones keep their tokens between runs (None: pair every run)
        self.officer_ids = list(officer_ids)
        self.speedup = speedup
        self.rng = random.Random(seed)
        self.pairing_per_s = max(pairing_per_s, 1.0)
        self.phones: list[SimulatedPhone] = []
        self._lock = threading.Lock()
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self.cpu_s = 0.0  # CPU seconds of the phones' thread so far (updated every 5 s)
        self.started_at = 0.0

    @property
    def officers(self) -> frozenset[str]:
        return frozenset(self.officer_ids)

    def start(self, base_url: str) -> None:
        """Issue every phone's pairing code (one transaction), then switch the phones on, ramped."""
        split = urlsplit(base_url)
        host, port = split.hostname or "127.0.0.1", split.port or 80
        remembered = self._load_tokens()
        codes = issue_codes(self.store, [o for o in self.officer_ids if o not in remembered], actor="demo")
        phones = [SimulatedPhone(host, port, officer, codes.get(officer, ""), speedup=self.speedup,
                                 rng=random.Random(self.rng.random()), token=remembered.get(officer, ""),
                                 new_code=self._new_code) for officer in self.officer_ids]
        with self._lock:
            if self._stopped:
                return
            self.phones = phones
            self.started_at = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="sim-phones", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            with self._lock:
                if self._stopped:
                    return
                self._loop = loop
                self._main = loop.create_task(self._all())
            loop.run_until_complete(asyncio.gather(self._main, return_exceptions=True))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _all(self) -> None:
        running: list[asyncio.Task[None]] = []
        try:
            batch = max(1, int(self.pairing_per_s / 10))
            # Switched on at pairing_per_s, but only so many sign in at once: beyond what the field API answers
            # per second, more requests in flight only queue up until they time out.
            signing_in = asyncio.Semaphore(SIGNING_IN_AT_ONCE)
            for i, phone in enumerate(self.phones):
                phone.signing_in = signing_in
                running.append(asyncio.create_task(phone.run(), name=f"phone-{phone.officer_id}"))
                if i % batch == batch - 1:
                    await asyncio.sleep(0.1)
            saved: dict[str, str] = {}
            while not all(task.done() for task in running):
                await asyncio.sleep(5.0)
                self.cpu_s = time.thread_time()  # this thread runs every phone: what they all cost
                tokens = {p.officer_id: p.token for p in self.phones if p.token}
                if tokens != saved:
                    await asyncio.to_thread(self._save_tokens, tokens)
                    saved = tokens
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _new_code(self, officer_id: str) -> str:
        codes = await asyncio.to_thread(issue_codes, self.store, [officer_id], actor="demo")
        return codes[officer_id]

    def _load_tokens(self) -> dict[str, str]:
        if self.tokens_file is None:
            return {}
        try:
            data = json.loads(self.tokens_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _save_tokens(self, tokens: dict[str, str]) -> None:
        """Kept like a phone keeps its token: the next demo run signs in without pairing again."""
        if self.tokens_file is None:
            return
        try:
            self.tokens_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.tokens_file.with_suffix(".tmp")
            temporary.write_text(json.dumps(tokens), encoding="utf-8")
            temporary.replace(self.tokens_file)
        except OSError as exc:
            log.warning("demo phones: cannot keep their tokens in %s: %s", self.tokens_file, exc)

    def stop(self) -> None:
        """Cancel every phone (their connections close) and wait for the phones' thread."""
        with self._lock:
            self._stopped = True
            loop, main, thread = self._loop, self._main, self._thread
        if loop is not None and main is not None:
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:
                pass  # the loop already ended
        if thread is not None:
            thread.join(10)

    def report(self) -> dict[str, Any]:
        """The phones' side for the health report: how many paired, on duty, waiting, and what they did."""
        phones = list(self.phones)
        done = {key: sum(p.done[key] for p in phones) for key in ("accepted", "arrived", "evidence", "reported")}
        return {"phones": len(phones), "paired": sum(bool(p.token) for p in phones),
                "on_duty": sum(p.on_duty for p in phones), "polling": sum(p.polling for p in phones),
                "steps": sum(done.values()), **done,
                "connections_opened": sum(p.connection.connects for p in phones),
                "thread_cpu_s": round(self.cpu_s, 2),
                "running_s": round(time.monotonic() - self.started_at, 1) if self.started_at else 0.0,
                "error_count": sum(p.errors for p in phones),
                "errors": [p.last_error for p in phones if p.last_error][:5]}
