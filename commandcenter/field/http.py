"""The field API's HTTP listener: ``/field/v1/`` (JSON, bearer tokens) and the officers' web app at ``/field/``.

A device adapter like the Open311 endpoint (``serve(sink, stop)`` on a DeviceManager worker thread) on the
bounded HTTP server of :mod:`devices.httpserve` (backlog, worker pool, request timeouts, connection cap), with
two additions the phones need:

* long polls (``GET /field/v1/tasks?wait=60``) are detached from their worker and parked in
  :class:`~commandcenter.field.waiters.Waiters`: 10,000 waiting phones cost 10,000 sockets, not threads; a
  committed case change wakes the phones of the officers it touched, and their answers are read and sent on a
  task-manager lane;
* uploads (``multipart/form-data``) are streamed to a file next to the evidence store in 64 KiB pieces, never
  held whole in memory, refused with 413 past ``[field] max_upload_mb`` and discarded when cut short.

TLS is a reverse proxy's job (nginx/caddy in front, ``public_url`` the https address the phones use).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field, replace
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from commandcenter import paths
from commandcenter.field.departments import DepartmentDesk, department_api
from commandcenter.field.service import FieldError, FieldService
from commandcenter.field.waiters import Waiters
from commandcenter.runtime.tasks import Lane, TaskManager, TasksStopped
from devices.base import LinkStats, Sink
from devices.httpserve import BoundedHTTPServer, BoundedRequestHandler, HttpLimits

__all__ = ["API", "APP_DIR", "FieldServer"]

API = "/field/v1/"
APP_DIR = paths.RESOURCES / "field"
MAX_JSON_BYTES = 64 * 1024
DISCARD_MAX_BYTES = 64 << 20  # a refused upload's body read and dropped before the 413, at most this much
MAX_WAIT_S = 60.0
UPLOAD_BODY_TIMEOUT_S = 600.0  # a 50 MB video over a weak mobile link takes minutes
_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
                 ".webmanifest": "application/manifest+json", ".png": "image/png"}
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass(slots=True)
class Upload:
    """The file part of a multipart request, on disk."""

    path: Path
    filename: str
    mime: str
    size: int


@dataclass(slots=True)
class _Poll:
    """A parked long poll: the detached connection and whose tasks it waits for."""

    sock: Any
    addr: Any
    officer: str
    keep_alive: bool


@dataclass(slots=True)
class _Multipart:
    fields: dict[str, str] = field(default_factory=dict)
    upload: Upload | None = None


class FieldServer:
    """The field API as a device adapter (``serve(sink, stop)``), started with the other listeners."""

    kind = "field"

    def __init__(self, service: FieldService, tasks: TaskManager, host: str = "127.0.0.1", port: int = 8380, *,
                 id: str = "field", limits: HttpLimits | None = None, public_url: str = "",
                 app_dir: Path = APP_DIR) -> None:
        self.id = id
        self.service = service
        self.host = host
        self.port = port
        self.public_url = public_url
        self.app_dir = app_dir
        base = limits or HttpLimits()
        self.limits = replace(base, body_timeout=max(base.body_timeout, UPLOAD_BODY_TIMEOUT_S))
        self.stats = LinkStats()
        self.departments: DepartmentDesk | None = None  # set by the composition: departments' phones
        self.bound_port: int | None = None
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        # Two lanes: polls woken by a change (a task dispatched to the officer) and polls whose wait ran out.
        # Phones that connected within seconds time out within seconds, every cycle: 10,000 answers, each a read of
        # the officer's tasks. On one lane a dispatch's answer queued behind them for seconds (bench_field: p50
        # 6 s on a slow machine); on its own lane it is answered at once.
        self._answers = tasks.lane("field-longpoll", 2)
        self._expired_answers = tasks.lane("field-longpoll-expired", 2)
        self.waiters: Waiters[_Poll] = Waiters(partial(self._answer_polls, lane=self._answers),
                                               name="field-longpoll",
                                               expired=partial(self._answer_polls, lane=self._expired_answers))
        service.cases.announcer.changed.connect(self._case_changed, type=_direct())

    # -- lifecycle ----------------------------------------------------------------------------------------
    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Answer HTTP until ``stop`` is set; raises only if the port cannot be bound."""
        try:
            httpd = _Server((self.host, self.port), _Handler, self)
        except OSError as exc:
            self.stats.last_error = f"cannot listen on {self.host}:{self.port}: {exc}"
            raise
        self._httpd = httpd
        self.bound_port = httpd.server_address[1]
        worker = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                  name=f"{self.id}-http", daemon=True)
        worker.start()
        self.ready.set()
        try:
            stop.wait()
        finally:
            httpd.shutdown()
            httpd.server_close()
            worker.join(5)
            self.ready.clear()

    def close(self) -> None:
        """Answer every parked poll (the listener is going away) and stop the poll timer."""
        self.waiters.stop()

    # -- long polls ----------------------------------------------------------------------------------------
    def _case_changed(self, changes: Any) -> None:
        """On the store's writer thread, after a commit: find (off the writer) whose phones to wake."""
        try:
            self._answers.run(lambda: self.waiters.wake(self.service.officers_of(changes)))
        except TasksStopped:
            pass  # shutting down: the parked polls are answered (or closed) by close()

    def _answer_polls(self, polls: list[_Poll], *, lane: Lane) -> None:
        for poll in polls:
            try:
                lane.run(partial(self._answer_poll, poll))
            except TasksStopped:
                httpd = self._httpd
                if httpd is not None:
                    httpd.answer_detached(poll.sock, poll.addr, b"", keep_alive=False)

    def _answer_poll(self, poll: _Poll) -> None:
        httpd = self._httpd
        if httpd is None:
            return
        try:
            status, payload = 200, self.tasks_payload(poll.officer)
        except FieldError as exc:
            status, payload = exc.status, {"error": exc.message}
        except Exception as exc:  # a bug must not leave the phone hanging
            status, payload = 500, {"error": f"internal error: {exc}"}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
                + ("" if poll.keep_alive else "Connection: close\r\n") + "\r\n")
        httpd.answer_detached(poll.sock, poll.addr, head.encode("latin-1") + body, keep_alive=poll.keep_alive)

    def tasks_payload(self, officer: str) -> dict[str, Any]:
        version = self.waiters.version(officer)  # read first: a change after this is seen by the next poll
        return {"tasks": self.service.tasks(officer), "version": version}

    # -- counters ------------------------------------------------------------------------------------------
    def _good(self) -> None:
        with self._lock:
            self.stats.good()

    def _bad(self, reason: str) -> None:
        with self._lock:
            self.stats.bad(reason)


def _direct() -> Any:
    from PySide6.QtCore import Qt

    return Qt.ConnectionType.DirectConnection


class _Server(BoundedHTTPServer):
    def __init__(self, address: tuple[str, int], handler: type[BoundedRequestHandler], adapter: FieldServer) -> None:
        self.adapter = adapter
        super().__init__(address, handler, adapter.limits, name=adapter.id)

    def handle_error(self, request: Any, client_address: Any) -> None:
        super().handle_error(request, client_address)
        with self.adapter._lock:
            self.adapter.stats.last_error = self.last_error


class _Handler(BoundedRequestHandler):
    server: _Server
    server_version = "CommandCenterField/1.0"

    # -- entry points --------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the listener's counters are the log."""

    def _dispatch(self, method: str) -> None:
        adapter = self.server.adapter
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        try:
            if path == "/field" or path == "/":
                self._redirect("/field/" + (f"?{split.query}" if split.query else ""))
                return
            if path.startswith(API):
                self._api(method, path[len(API):].strip("/"), query)
            elif path.startswith("/field/") and method == "GET":
                self._static(path[len("/field/"):])
            else:
                raise FieldError(404, f"no such resource {path}")
            adapter._good()
        except FieldError as exc:
            adapter._bad(f"{method} {path}: {exc.status} {exc.message}")
            self._json(exc.status, {"error": exc.message}, close=exc.status == 413 or method == "POST")
        except ConnectionError as exc:  # the phone stopped sending: nothing was stored, nobody to answer
            adapter._bad(f"{method} {path}: {exc}")
            self.close_connection = True
        except Exception as exc:
            adapter._bad(f"{method} {path}: internal error {exc!r}")
            self._json(500, {"error": "internal error"})

    # -- API -----------------------------------------------------------------------------------------------
    def _api(self, method: str, route: str, query: dict[str, str]) -> None:
        service = self.server.adapter.service
        parts = route.split("/") if route else []
        if parts[:1] == ["department"]:  # 吹哨报到 departments' phones (commandcenter.field.departments)
            department_api(self, self.server.adapter.departments, method, parts[1:])
            return
        if parts == ["pair"]:
            self._need(method, "POST")
            body = self._json_body()
            self._json(200, service.pair(str(body.get("code") or ""), str(body.get("device") or "")[:128]))
            return
        officer = service.authenticate(self._bearer())
        if parts == ["me"]:
            self._need(method, "GET")
            self._json(200, service.status(officer))
        elif parts == ["categories"]:
            self._need(method, "GET")
            self._json(200, {"categories": service.categories()})
        elif parts == ["duty"]:
            self._need(method, "POST")
            self._json(200, service.duty(officer, self._json_body().get("on_duty")))
        elif parts == ["position"]:
            self._need(method, "POST")
            service.position(officer, self._json_body())
            self._json(200, {"stored": True})
        elif parts == ["sos"]:
            self._need(method, "POST")
            self._json(200, service.sos(officer, self._json_body()))
        elif parts == ["reports"]:
            self._need(method, "POST")
            form = self._multipart()
            try:
                up = form.upload
                self._json(201, service.new_report(officer, form.fields, up.path if up else None,
                                                   filename=up.filename if up else "", mime=up.mime if up else ""))
            finally:
                _discard(form.upload)
        elif parts == ["tasks"]:
            self._need(method, "GET")
            self._tasks(officer, query)
        elif len(parts) >= 2 and parts[0] == "tasks":
            code = parts[1]
            if not _CODE.match(code):
                raise FieldError(404, f"no task {code!r}")
            self._task(method, officer, code, parts[2:])
        else:
            raise FieldError(404, f"no such resource {API}{route}")

    def _task(self, method: str, officer: str, code: str, rest: list[str]) -> None:
        service = self.server.adapter.service
        if not rest:
            self._need(method, "GET")
            self._json(200, service.task(officer, code))
        elif len(rest) == 2 and rest[0] == "photos":
            self._need(method, "GET")
            if not _SHA.match(rest[1]):
                raise FieldError(404, "no such photo")
            path, mime = service.photo(officer, code, rest[1])
            self._file(path, mime, cache="private, max-age=86400")
        elif rest == ["accept"]:
            self._need(method, "POST")
            self._json_body()
            self._json(200, service.accept(officer, code))
        elif rest == ["refuse"]:
            self._need(method, "POST")
            self._json(200, service.refuse(officer, code, self._json_body().get("reason")))
        elif rest == ["arrive"]:
            self._need(method, "POST")
            self._json(200, service.arrive(officer, code, self._json_body()))
        elif rest == ["report"]:
            self._need(method, "POST")
            self._json(200, service.report(officer, code, self._json_body()))
        elif rest == ["evidence"]:
            self._need(method, "POST")
            service.task(officer, code)  # 403/404 before a byte of the upload is read
            form = self._multipart()
            try:
                if form.upload is None:
                    raise FieldError(400, "the file field is required (multipart/form-data, field name 'file')")
                up = form.upload
                self._json(201, service.add_evidence(officer, code, up.path, filename=up.filename, mime=up.mime,
                                                     fields=form.fields))
            finally:
                _discard(form.upload)
        else:
            raise FieldError(404, f"no such resource on task {code}: {'/'.join(rest)}")

    def _tasks(self, officer: str, query: dict[str, str]) -> None:
        adapter = self.server.adapter
        wait = 0.0
        if query.get("wait"):
            try:
                wait = float(query["wait"])
            except ValueError:
                raise FieldError(400, f"wait must be a number of seconds, got {query['wait']!r}") from None
            if not 0 <= wait <= 3600:
                raise FieldError(400, f"wait must be 0..{MAX_WAIT_S:g} seconds, got {wait:g}")
            wait = min(wait, MAX_WAIT_S)
        since = query.get("since")
        changed = since is not None and since != str(adapter.waiters.version(officer))
        if wait <= 0 or changed:
            self._json(200, adapter.tasks_payload(officer))
            return
        keep_alive = self.headers.get("Connection", "").lower() != "close"
        sock, addr = self.detach()
        adapter.waiters.park(officer, _Poll(sock, addr, officer, keep_alive), wait)

    # -- request parts -------------------------------------------------------------------------------------
    @staticmethod
    def _need(method: str, expected: str) -> None:
        if method != expected:
            raise FieldError(405, f"use {expected}")

    def _bearer(self) -> str:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""

    def _length(self, limit: int) -> int:
        if self.headers.get("Transfer-Encoding"):
            raise FieldError(400, "send a Content-Length (chunked bodies are not accepted)")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise FieldError(400, "Content-Length is not a number") from None
        if length < 0:
            raise FieldError(400, "Content-Length is negative")
        if length > limit:
            self._discard(min(length, DISCARD_MAX_BYTES))
            raise FieldError(413, f"request body of {length} bytes is over the limit of {limit} bytes")
        return length

    def _discard(self, count: int) -> None:
        """Read and drop a refused body (up to DISCARD_MAX_BYTES) before answering: a phone that writes its whole
        upload before reading (browsers, urllib) then gets the 413 and its reason instead of a broken pipe."""
        left = count
        try:
            while left > 0:
                chunk = self.rfile.read(min(_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
        except (TimeoutError, OSError):
            pass  # the phone stopped sending: the answer goes out anyway, then the connection is closed

    def _json_body(self) -> dict[str, Any]:
        body = self.read_body(self._length(MAX_JSON_BYTES))
        if not body.strip():
            return {}
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FieldError(400, f"request body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise FieldError(400, "request body must be a JSON object")
        return data

    def _multipart(self) -> _Multipart:
        ctype = self.headers.get("Content-Type", "")
        match = re.search(r'boundary="?([^";]+)"?', ctype)
        if not ctype.lower().startswith("multipart/form-data") or match is None:
            raise FieldError(400, "expected multipart/form-data with a boundary")
        service = self.server.adapter.service
        limit = service.max_upload_bytes
        length = self._length(limit + MAX_JSON_BYTES)  # the file plus the form fields and part headers
        spool = service.evidence.root
        spool.mkdir(parents=True, exist_ok=True)
        form = read_multipart(self.rfile, length, match[1].encode("latin-1"), spool, limit)
        self.body_done()
        return form

    # -- answers -------------------------------------------------------------------------------------------
    def _json(self, status: int, payload: Any, *, close: bool = False) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, "application/json; charset=utf-8", body, close=close, cache="no-store")

    def _send(self, status: int, ctype: str, body: bytes, *, close: bool = False, cache: str = "no-cache",
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, where: str) -> None:
        self._send(302, "text/plain; charset=utf-8", b"", extra={"Location": where})

    def _static(self, name: str) -> None:
        name = name or "index.html"
        app_dir = self.server.adapter.app_dir.resolve()
        path = (app_dir / name).resolve()
        if app_dir not in path.parents or not path.is_file() or path.suffix not in _STATIC_TYPES:
            raise FieldError(404, f"no such file /field/{name}")
        self._file(path, _STATIC_TYPES[path.suffix], cache="no-cache")

    def _file(self, path: Path, mime: str, *, cache: str) -> None:
        try:
            size = path.stat().st_size
            handle = path.open("rb")
        except OSError:
            raise FieldError(404, f"file {path.name} is missing") from None
        with handle:
            self.send_response(200)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", cache)
            self.end_headers()
            while chunk := handle.read(1 << 16):
                self.wfile.write(chunk)


def _discard(upload: Upload | None) -> None:
    if upload is not None:
        upload.path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------- multipart
_CHUNK = 1 << 16
_MAX_PART_HEAD = 16 * 1024
_MAX_FIELD = 64 * 1024


def read_multipart(rfile: Any, length: int, boundary: bytes, spool: Path, max_file: int) -> _Multipart:
    """Parse a ``multipart/form-data`` body of ``length`` bytes from ``rfile`` without holding it in memory.

    Text fields are kept (up to 64 KiB each); the part named ``file`` is written to a temporary file in
    ``spool``. FieldError 413 past ``max_file`` bytes, 400 for a malformed body; ConnectionError when the body
    is cut short. On any failure the temporary file is gone: a broken upload stores nothing.
    """
    reader = _BodyReader(rfile, length)
    form = _Multipart()
    try:
        _parse_parts(reader, b"--" + boundary, spool, max_file, form)
    except BaseException:
        _discard(form.upload)
        raise
    return form


class _BodyReader:
    """A window over the request body: at most ``length`` bytes, read in pieces into ``buffer`` on demand."""

    def __init__(self, rfile: Any, length: int) -> None:
        self.rfile = rfile
        self.remaining = length
        self.buffer = b""

    def fill(self) -> bool:
        """Read one more piece; False at the end of the body."""
        if self.remaining <= 0:
            return False
        chunk = self.rfile.read(min(_CHUNK, self.remaining))
        if not chunk:
            raise ConnectionError(f"upload cut short: {self.remaining} bytes of the body never arrived")
        self.remaining -= len(chunk)
        self.buffer += chunk
        return True

    def until(self, marker: bytes, limit: int) -> bytes:
        """The bytes before ``marker`` (consumed with it); 400 when it is not within ``limit`` bytes."""
        while (at := self.buffer.find(marker)) < 0:
            if len(self.buffer) > limit or not self.fill():
                raise FieldError(400, "malformed multipart body")
        out, self.buffer = self.buffer[:at], self.buffer[at + len(marker):]
        return out


def _parse_parts(reader: _BodyReader, delimiter: bytes, spool: Path, max_file: int, form: _Multipart) -> None:
    preamble = reader.until(delimiter, _MAX_PART_HEAD)
    del preamble
    separator = b"\r\n" + delimiter
    while True:
        while len(reader.buffer) < 2 and reader.fill():
            pass
        if reader.buffer.startswith(b"--"):
            return  # the closing delimiter
        if not reader.buffer.startswith(b"\r\n"):
            raise FieldError(400, "malformed multipart body (no line break after a boundary)")
        reader.buffer = reader.buffer[2:]
        head = reader.until(b"\r\n\r\n", _MAX_PART_HEAD).decode("utf-8", "replace")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head.split("\r\n"))}
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'\bname="([^"]*)"', disposition)
        file_match = re.search(r'\bfilename="([^"]*)"', disposition)
        name = name_match[1] if name_match else ""
        if name == "file" and file_match is not None:
            if form.upload is not None:
                raise FieldError(400, "only one file per request")
            form.upload = _stream_file(reader, separator, spool, max_file, Path(file_match[1]).name or "upload",
                                       headers.get("content-type", ""))
        else:
            value = reader.until(separator, _MAX_FIELD + len(separator))
            if len(value) > _MAX_FIELD:
                raise FieldError(413, f"form field {name!r} is over {_MAX_FIELD} bytes")
            form.fields[name] = value.decode("utf-8", "replace")


def _stream_file(reader: _BodyReader, separator: bytes, spool: Path, max_file: int, filename: str,
                 mime: str) -> Upload:
    fd, tmp = tempfile.mkstemp(dir=spool, prefix=".upload-")
    path = Path(tmp)
    upload = Upload(path, filename, mime, 0)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                at = reader.buffer.find(separator)
                if at >= 0:
                    data, reader.buffer = reader.buffer[:at], reader.buffer[at + len(separator):]
                    upload.size += len(data)
                    if upload.size > max_file:
                        raise FieldError(413, f"file is over the limit of {max_file // (1 << 20)} MB")
                    out.write(data)
                    return upload
                keep = len(separator) - 1  # a separator may straddle two pieces
                if len(reader.buffer) > keep:
                    data, reader.buffer = reader.buffer[:-keep], reader.buffer[-keep:]
                    upload.size += len(data)
                    if upload.size > max_file:
                        raise FieldError(413, f"file is over the limit of {max_file // (1 << 20)} MB")
                    out.write(data)
                if not reader.fill():
                    raise FieldError(400, "malformed multipart body (the file part never ends)")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
