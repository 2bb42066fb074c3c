"""Open311 GeoReport v2 endpoint (全民城管: citizens' reports from apps and the web), plain Python.

Implements the GeoReport v2 resources under ``/open311/v2/`` in JSON and XML:

* ``GET services.{fmt}`` — the service list; ``GET services/{code}.{fmt}`` — a service definition;
* ``POST requests.{fmt}`` — a new service request (form-encoded or JSON body); needs a valid ``api_key``;
* ``GET requests.{fmt}`` — requests filtered by ``service_request_id`` (comma list), ``service_code``,
  ``start_date``, ``end_date`` (ISO 8601), ``status`` (open/closed); ``GET requests/{id}.{fmt}`` — one request;
* ``GET tokens/{token}.{fmt}`` — the request id behind a token;
* ``POST requests/{id}/rating.{fmt}`` — an extension (not in GeoReport v2): the citizen rates a closed request,
  ``rating`` 1–5 (5 非常满意 … 1 不满意) and an optional ``comment``; needs a valid ``api_key``. 201 when recorded,
  200 when the same rating was already held (a retry changes nothing); 400 for a rating that is not a whole
  number 1–5 or an over-long comment, 404 for an unknown request, 409 when the request is not closed yet or
  was already rated with another score (the body says which). See ``docs/kpis.md`` (群众评价).

Errors follow the specification's convention: the HTTP status (400 bad or missing parameter, 403 bad or missing
API key, 404 unknown service/request/jurisdiction) and a body that is a list of ``{code, description}`` (XML:
``<errors><error>…</error></errors>``).

The adapter never touches the database: what a request *means* is decided by a backend object
(:class:`Open311Backend`, implemented by the core in ``commandcenter.cases.open311_backend``). The server is a
:class:`devices.httpserve.BoundedHTTPServer` (listen backlog, bounded worker pool, header/body timeouts) run by
``serve(sink, stop)`` on the runtime's worker thread, like the other adapters; each new request is also emitted to
the sink as a :class:`CitizenReport`.

Limits a client is told about, never silently applied: a ``description`` longer than ``max_description``
characters is refused with 400 naming the limit (a 500 KB description is not cut to its first 4,000 characters);
a body over ``max_body`` bytes (``Content-Length``) is refused with 413 before any of it is read.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from devices.base import ConnectionCounters, LinkStats, RejectedInput, Sink
from devices.camera_ai import image_mime
from devices.httpserve import BoundedHTTPServer, BoundedRequestHandler, HttpLimits

__all__ = ["BASE_PATH", "CitizenReport", "MediaFetchError", "Open311Backend", "Open311Error", "Open311Server",
           "fetch_media", "to_xml"]

BASE_PATH = "/open311/v2/"
MAX_BODY = 1 << 20  # a GeoReport request is a few hundred bytes; media travel as URLs
MAX_DESCRIPTION = 4000
"""Characters of a request's description at most (the GeoReport v2 specification suggests 4,000)."""
MAX_RATING_COMMENT = 500


class Open311Error(Exception):
    """An error answered to the client: HTTP status, GeoReport error code and a description."""

    def __init__(self, status: int, description: str, code: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.code = code if code is not None else status
        self.description = description


class Open311Backend(Protocol):
    """What the endpoint needs from the application. Methods may raise :class:`Open311Error`."""

    def services(self) -> list[dict[str, Any]]:
        """GeoReport service list entries (service_code, service_name, description, metadata, type, …)."""
        ...

    def service_definition(self, code: str) -> dict[str, Any] | None:
        """``{"service_code", "attributes": [...]}`` or None for an unknown service code."""
        ...

    def create_request(self, data: dict[str, Any]) -> tuple[str, str]:
        """Store a validated request; returns (service_request_id, token)."""
        ...

    def get_requests(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Requests matching ``{"ids": [...], "service_code", "start_date", "end_date", "status"}`` (None = any),
        or ``{"token": ...}`` alone for the token lookup."""
        ...

    def get_request(self, request_id: str) -> dict[str, Any] | None: ...

    def rate_request(self, request_id: str, rating: int, comment: str) -> tuple[bool, dict[str, Any]]:
        """Record the citizen's rating (1–5) of a closed request: (newly recorded?, the answer's entry). Raises
        :class:`Open311Error` 404 (unknown request) or 409 (not closed, or rated with another score)."""
        ...


@dataclass(frozen=True, slots=True)
class CitizenReport:
    """Emitted to the sink for each accepted request, so the dispatch screen can flash a new citizen report."""

    service_request_id: str
    service_code: str
    description: str
    lat: float | None
    lon: float | None
    media_url: str = ""
    time: float = field(default_factory=time.time)


class MediaFetchError(Exception):
    """A citizen's ``media_url`` could not be taken as a photo; the message says why (kept on the case)."""


def _check_target(url: str, allow_private: bool) -> None:
    """Refuse a scheme other than http/https and, unless allowed, a host on the bureau's own networks.

    A citizen's URL must not make the server knock on its own intranet (loopback, private, link-local,
    reserved addresses: the database, the broker, a camera's web page). The host is resolved here; a name
    that resolves to such an address is refused like the address itself.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise MediaFetchError(f"{url!r} is not an http(s) URL")
    if allow_private:
        return
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaFetchError(f"{url}: cannot resolve {host!r}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise MediaFetchError(f"{url}: {host} is {address}, an internal address; citizen photos are only "
                                  "fetched from the public internet")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL the first request would have been allowed to fetch."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        _check_target(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_media(url: str, *, max_bytes: int, timeout: float, allow_private: bool = False) -> tuple[bytes, str]:
    """The photo behind a citizen's ``media_url``: (bytes, "image/jpeg" | "image/png").

    Blocking (a worker thread, never an HTTP handler or the GUI thread). Refused with :class:`MediaFetchError`:
    a scheme other than http/https, a host on an internal network unless ``allow_private`` (also after a
    redirect), a non-2xx answer, more than ``max_bytes`` (by ``Content-Length`` before reading, or by counting
    while reading), not received within ``timeout`` seconds, and bytes that are not a whole JPEG or PNG
    whatever the server's ``Content-Type`` says.
    """
    _check_target(url, allow_private)
    opener = urllib.request.build_opener(_CheckedRedirects(allow_private))
    request = urllib.request.Request(url, headers={"User-Agent": "commandcenter-open311/1", "Accept": "image/*"})
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise MediaFetchError(f"{url}: {int(length)} bytes, over the limit of {max_bytes}")
            chunks: list[bytes] = []
            got = 0
            deadline = time.monotonic() + timeout  # a server dripping a byte a second is cut off too
            while got <= max_bytes and (chunk := response.read(min(1 << 16, max_bytes + 1 - got))):
                chunks.append(chunk)
                got += len(chunk)
                if time.monotonic() > deadline:
                    raise MediaFetchError(f"{url}: not received within {timeout:g} s")
            data = b"".join(chunks)
    except MediaFetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise MediaFetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise MediaFetchError(f"{url}: {reason}") from None
    if len(data) > max_bytes:
        raise MediaFetchError(f"{url}: more than the limit of {max_bytes} bytes")
    mime = image_mime(data)
    if not mime:
        raise MediaFetchError(f"{url}: the {len(data)} bytes are not a JPEG or PNG image")
    return data, mime


# ------------------------------------------------------------------------------------------------- XML output
_LIST_TAGS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
              "values": "value"}


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    elem = ET.SubElement(parent, tag)
    if isinstance(value, list):
        item_tag = _LIST_TAGS.get(tag, "item")
        for item in value:
            _xml_value(elem, item_tag, item)
    elif isinstance(value, dict):
        for key, sub in value.items():
            _xml_value(elem, key, sub)
    elif isinstance(value, bool):
        elem.text = "true" if value else "false"
    elif value is not None:
        elem.text = str(value)


def to_xml(root_tag: str, payload: Any) -> bytes:
    """GeoReport XML: ``<services><service>…``, ``<service_requests><request>…``, ``<errors><error>…``."""
    root = ET.Element(root_tag)
    if isinstance(payload, list):
        item_tag = _LIST_TAGS.get(root_tag, "item")
        for item in payload:
            _xml_value(root, item_tag, item)
    elif isinstance(payload, dict):
        for key, value in payload.items():
            _xml_value(root, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")


# ------------------------------------------------------------------------------------------------- server
class Open311Server:
    """The GeoReport v2 endpoint as a device adapter (``serve(sink, stop)`` on a worker thread)."""

    kind = "open311"

    def __init__(self, backend: Open311Backend, host: str = "127.0.0.1", port: int = 8311, *,
                 api_keys: list[str] | tuple[str, ...] | frozenset[str] = (), jurisdiction: str = "",
                 id: str = "open311", limits: HttpLimits | None = None, max_body: int = MAX_BODY,
                 max_description: int = MAX_DESCRIPTION) -> None:
        self.id = id
        self.limits = limits or HttpLimits()
        """Backlog, worker pool, connection cap and timeouts of the HTTP listener (config ``[listeners]``)."""
        self.max_body = max_body
        self.max_description = max_description
        self.backend = backend
        self.host = host
        self.port = port
        self.api_keys = frozenset(api_keys)
        self.jurisdiction = jurisdiction
        self.stats = LinkStats()
        self.bound_port: int | None = None
        self._httpd: BoundedHTTPServer | None = None  # the running listener (its connection counters)
        self.ready = threading.Event()
        self._lock = threading.Lock()  # handler threads share the counters
        self._sink: Sink = lambda _e: None

    def connection_counters(self) -> ConnectionCounters:
        """Connections the HTTP listener evicted, timed out or refused since it last started."""
        httpd = self._httpd
        return httpd.counters() if httpd is not None else ConnectionCounters()

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Answer HTTP until ``stop`` is set; raises only if the port cannot be bound."""
        self._sink = sink
        try:
            httpd = _Server((self.host, self.port), _Handler, self)
        except OSError as exc:
            self.stats.last_error = f"cannot listen on {self.host}:{self.port}: {exc}"
            raise
        self.bound_port = httpd.server_address[1]
        self._httpd = httpd
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

    # -- counters (called from handler threads) -------------------------------------------------------
    def _good(self) -> None:
        with self._lock:
            self.stats.good()

    def _bad(self, reason: str, peer: str) -> None:
        with self._lock:
            self.stats.bad(reason)
        self._emit(RejectedInput(self.id, reason, peer=peer))

    def _emit(self, event: Any) -> None:
        try:
            self._sink(event)
        except Exception as exc:  # a sink problem must not turn into an HTTP 500 for the citizen
            with self._lock:
                self.stats.last_error = f"sink failed: {exc}"

    # -- request handling (pure: method, path, query, body → status, content type, body) ----------------
    def handle(self, method: str, target: str, body: bytes, content_type: str, peer: str = "") -> tuple[int, str, bytes]:
        split = urlsplit(target)
        path = unquote(split.path)
        fmt = "json"
        try:
            if not path.startswith(BASE_PATH):
                raise Open311Error(404, f"unknown resource {path}; the GeoReport v2 API is under {BASE_PATH}")
            resource = path[len(BASE_PATH):]
            resource, dot, ext = resource.rpartition(".")
            if not dot:
                resource, ext = ext, "json"
            if ext not in ("json", "xml"):
                raise Open311Error(400, f"format .{ext} not supported; use .json or .xml")
            fmt = ext
            query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
            params = query
            if method == "POST":
                params = {**query, **self._body_params(body, content_type)}
            jurisdiction = params.get("jurisdiction_id", "")
            if jurisdiction and self.jurisdiction and jurisdiction != self.jurisdiction:
                raise Open311Error(404, f"jurisdiction_id {jurisdiction!r} is not served here")
            status, root, payload = self._route(method, resource, params, peer)
            self._good()
            return status, *self._render(fmt, root, payload)
        except Open311Error as exc:
            self._bad(f"{method} {path}: {exc.status} {exc.description}", peer)
            return exc.status, *self._render(fmt, "errors", [{"code": exc.code, "description": exc.description}])

    def _render(self, fmt: str, root: str, payload: Any) -> tuple[str, bytes]:
        if fmt == "xml":
            return "text/xml; charset=utf-8", to_xml(root, payload)
        return "application/json; charset=utf-8", json.dumps(payload, ensure_ascii=False).encode("utf-8")

    @staticmethod
    def _body_params(body: bytes, content_type: str) -> dict[str, str]:
        text = body.decode("utf-8", errors="replace")
        if "json" in content_type.lower():
            try:
                data = json.loads(text or "{}")
            except json.JSONDecodeError as exc:
                raise Open311Error(400, f"request body is not valid JSON: {exc.msg} at {exc.pos}") from None
            if not isinstance(data, dict):
                raise Open311Error(400, "JSON request body must be an object")
            flat: dict[str, str] = {}
            for key, value in data.items():
                if key == "attribute" and isinstance(value, dict):
                    flat.update({f"attribute[{k}]": str(v) for k, v in value.items()})
                elif value is not None:
                    flat[key] = str(value)
            return flat
        return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def _route(self, method: str, resource: str, params: dict[str, str], peer: str) -> tuple[int, str, Any]:
        parts = resource.split("/")
        if method == "GET" and parts == ["services"]:
            return 200, "services", self.backend.services()
        if method == "GET" and len(parts) == 2 and parts[0] == "services":
            definition = self.backend.service_definition(parts[1])
            if definition is None:
                raise Open311Error(404, f"service_code {parts[1]!r} not found")
            return 200, "service_definition", definition
        if parts == ["requests"] and method == "POST":
            return 201, "service_requests", self._create(params, peer)
        if parts == ["requests"] and method == "GET":
            return 200, "service_requests", self.backend.get_requests(self._filters(params))
        if method == "POST" and len(parts) == 3 and parts[0] == "requests" and parts[2] == "rating":
            return self._rate(parts[1], params)
        if method == "GET" and len(parts) == 2 and parts[0] == "requests":
            found = self.backend.get_request(parts[1])
            if found is None:
                raise Open311Error(404, f"service_request_id {parts[1]!r} not found")
            return 200, "service_requests", [found]
        if method == "GET" and len(parts) == 2 and parts[0] == "tokens":
            matches = self.backend.get_requests({"token": parts[1]})
            if not matches:
                raise Open311Error(404, f"token {parts[1]!r} not found")
            return 200, "service_requests", [{"service_request_id": matches[0]["service_request_id"],
                                               "token": parts[1]}]
        if method not in ("GET", "POST"):
            raise Open311Error(405, f"method {method} not allowed")
        raise Open311Error(404, f"unknown resource {resource!r}")

    def _create(self, params: dict[str, str], peer: str) -> list[dict[str, Any]]:
        key = params.get("api_key", "")
        if not key or key not in self.api_keys:
            raise Open311Error(403, "api_key missing or not valid" if key else "api_key required")
        code = params.get("service_code", "").strip()
        if not code:
            raise Open311Error(400, "service_code required")
        definition = self.backend.service_definition(code)
        if definition is None:
            raise Open311Error(404, f"service_code {code!r} not found")
        lat = lon = None
        if params.get("lat") or params.get("long"):
            try:
                lat, lon = float(params["lat"]), float(params["long"])
            except (KeyError, ValueError):
                raise Open311Error(400, "lat and long must both be given as decimal degrees (WGS-84)") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise Open311Error(400, f"lat/long ({lat}, {lon}) out of range")
        address = params.get("address_string", "").strip()
        address_id = params.get("address_id", "").strip()
        if lat is None and not address and not address_id:
            raise Open311Error(400, "a location is required: lat & long, address_string or address_id")
        attributes = {k[len("attribute["):-1]: v for k, v in params.items() if k.startswith("attribute[") and k.endswith("]")}
        for attr in definition.get("attributes", []):
            if attr.get("required") and attr.get("variable", True) and not attributes.get(str(attr.get("code"))):
                raise Open311Error(400, f"attribute[{attr.get('code')}] is required for service {code}")
        media_url = params.get("media_url", "").strip()
        if media_url and not media_url.lower().startswith(("http://", "https://")):
            raise Open311Error(400, "media_url must be an http(s) URL")
        description = params.get("description", "")
        if len(description) > self.max_description:
            raise Open311Error(400, f"description is {len(description)} characters; the limit is "
                                    f"{self.max_description} characters")
        data: dict[str, Any] = {
            "service_code": code, "lat": lat, "long": lon, "address_string": address, "address_id": address_id,
            "description": description, "media_url": media_url, "attributes": attributes,
            **{k: params.get(k, "") for k in ("email", "device_id", "account_id", "first_name", "last_name", "phone")},
        }
        request_id, token = self.backend.create_request(data)
        self._emit(CitizenReport(request_id, code, description, lat, lon, media_url))
        return [{"service_request_id": request_id, "token": token, "service_notice": "", "account_id": data["account_id"]}]

    def _rate(self, request_id: str, params: dict[str, str]) -> tuple[int, str, Any]:
        """The rating extension: checked here (key, value, comment length), recorded by the backend."""
        key = params.get("api_key", "")
        if not key or key not in self.api_keys:
            raise Open311Error(403, "api_key missing or not valid" if key else "api_key required")
        text = params.get("rating", "").strip()
        if not text:
            raise Open311Error(400, "rating required: a whole number 1 (不满意) to 5 (非常满意)")
        if not text.isdigit() or not 1 <= int(text) <= 5:
            raise Open311Error(400, f"rating must be a whole number 1 (不满意) to 5 (非常满意), not {text!r}")
        comment = params.get("comment", "").strip()
        if len(comment) > MAX_RATING_COMMENT:
            raise Open311Error(400, f"comment is {len(comment)} characters; the limit is {MAX_RATING_COMMENT}")
        recorded, entry = self.backend.rate_request(request_id, int(text), comment)
        return (201 if recorded else 200), "service_request_ratings", [entry]

    @staticmethod
    def _filters(params: Mapping[str, str]) -> dict[str, Any]:
        status = params.get("status", "").strip().lower()
        statuses = [s for s in status.split(",") if s] if status else []
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, f"status must be open and/or closed, not {status!r}")
        ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
        return {"ids": ids or None, "service_code": params.get("service_code") or None,
                "start_date": params.get("start_date") or None, "end_date": params.get("end_date") or None,
                "status": statuses[0] if len(statuses) == 1 else None}


class _Server(BoundedHTTPServer):
    def __init__(self, address: tuple[str, int], handler: type[BoundedRequestHandler], adapter: Open311Server) -> None:
        self.adapter = adapter
        super().__init__(address, handler, adapter.limits, name=adapter.id)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stops mid-request or is timed out: counted, no traceback on stderr."""
        super().handle_error(request, client_address)
        with self.adapter._lock:
            self.adapter.stats.last_error = self.last_error


class _Handler(BoundedRequestHandler):
    server: _Server
    server_version = "CommandCenterOpen311/1.0"

    def _serve(self, method: str) -> None:
        adapter = self.server.adapter
        peer = f"{self.client_address[0]}:{self.client_address[1]}"
        body = b""
        if method == "POST":
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > adapter.max_body:
                status, ctype, payload = 413, "application/json", json.dumps(
                    [{"code": 413, "description": f"request body must be 0..{adapter.max_body} bytes"}]).encode()
                adapter._bad(f"POST body of {length} bytes refused", peer)
                self._reply(status, ctype, payload, close=True)
                return
            body = self.read_body(length)
        try:
            status, ctype, payload = adapter.handle(method, self.path, body, self.headers.get("Content-Type", ""), peer)
        except Exception as exc:  # a backend bug: answer 500 with the GeoReport error shape, keep serving
            adapter._bad(f"{method} {self.path}: internal error {exc}", peer)
            status, ctype, payload = 500, "application/json", json.dumps(
                [{"code": 500, "description": "internal error"}]).encode()
        self._reply(status, ctype, payload)

    def _reply(self, status: int, ctype: str, payload: bytes, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Access-Control-Allow-Origin", "*")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the counters and RejectedInput events are the log."""
