"""OsmAnd / Traccar Client HTTP protocol: officers' phones report their position to a small HTTP server.

Three request shapes exist in the field and all are accepted:

* ``GET /?id=...&lat=...&lon=...&timestamp=...&speed=...`` (OsmAnd live tracking, older Traccar Client);
* ``POST`` with the same fields in the query string and/or an ``application/x-www-form-urlencoded`` body;
* ``POST`` with a JSON body (Traccar Client 8+, built on transistorsoft background-geolocation)::

      {"device_id": "...", "location": {"timestamp": "2024-05-01T08:00:00.000Z",
       "coords": {"latitude": .., "longitude": .., "speed": m/s, "heading": .., "altitude": .., "accuracy": ..},
       "battery": {"level": 0..1, "is_charging": bool}}}

  (``location`` may also be a list of such objects when the phone catches up after losing coverage).

Units: ``speed`` in the query form is knots (OsmAnd's convention, kept by Traccar); JSON ``coords.speed`` is
metres per second. Both become km/h in the PositionFix. A reply of 200 means "stored" (committed by the database
when the server runs with ``ack_after_store``, as the application does); 400 carries a one-line reason in the
body so a field technician testing a phone sees why it was refused; 503 means "not stored, send it again".

OsmAnd's ``id`` is not a secret (it is printed in the app and often the officer's number), so the server can
require more: a per-device secret sent as ``key`` (in the query string — OsmAnd's tracking URL template and
Traccar Client's server URL both carry it —, the form body or the JSON document), answered 401 when missing or
wrong, and an allow-list of source networks (CIDRs), answered 403 for any other address.
"""

from __future__ import annotations

import hmac
import http.client
import ipaddress
import json
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from devices.base import ConnectionCounters, LinkStats, PositionFix, Receipt, RejectedInput, Sink, Waiter
from devices.httpserve import BoundedHTTPServer, BoundedRequestHandler, HttpLimits

__all__ = ["OsmAndClient", "OsmAndError", "OsmAndServer", "osmand_report", "parse_json", "parse_query",
           "parse_timestamp"]

KNOT_KMH = 1.852
_MAX_BODY = 1 << 20
KEY_FIELD = "key"  # the request field carrying a device's secret
_SECRET_IN_RAW = re.compile(rb'(key=|"key"\s*:\s*")[^&"\s]*')  # secrets never reach logs or health reports


class OsmAndError(ValueError):
    """A request that cannot become a position; ``str(err)`` is the reason sent back with the 400."""


def parse_timestamp(value: Any) -> datetime:
    """Accept unix seconds, unix milliseconds, ISO-8601 and ``yyyy-MM-dd HH:mm:ss`` (UTC when no offset).

    Milliseconds are recognised by magnitude (anything above 1e11 would be a date after the year 5000 in seconds).
    Whatever the phone sends, the answer is a time or an :class:`OsmAndError`; whether the time is believable
    (not 1970, not 2099) is the fix chain's judgement (``commandcenter.runtime.fixes``).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise OsmAndError(f"bad timestamp {str(value)[:40]!r}")
    text = str(value).strip()[:64]
    if not text:
        raise OsmAndError("empty timestamp")
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if number != number or number < 0:
            raise OsmAndError(f"bad timestamp {text!r}")
        if number > 1e11:
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            raise OsmAndError(f"timestamp {text!r} out of range") from None
    iso = text.replace(" ", "T", 1)
    if iso.endswith(("Z", "z")):
        iso = iso[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        raise OsmAndError(f"bad timestamp {text!r}") from None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 has no UTC instant datetime can hold
        raise OsmAndError(f"timestamp {text!r} out of range") from None


def _number(fields: Mapping[str, Any], *names: str) -> float | None:
    for name in names:
        raw = fields.get(name)
        if raw is None or raw == "":
            continue
        if isinstance(raw, bool):
            raise OsmAndError(f"{name} {raw!r} is not a number")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise OsmAndError(f"{name} {raw!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise OsmAndError(f"{name} {raw!r} is not a finite number")
        return value
    return None


def _check_position(lat: float | None, lon: float | None) -> tuple[float, float]:
    if lat is None:
        raise OsmAndError("missing lat")
    if lon is None:
        raise OsmAndError("missing lon")
    if not -90.0 <= lat <= 90.0:
        raise OsmAndError(f"lat {lat:g} out of range -90..90")
    if not -180.0 <= lon <= 180.0:
        raise OsmAndError(f"lon {lon:g} out of range -180..180")
    return lat, lon


def parse_query(fields: Mapping[str, str], now: datetime | None = None) -> PositionFix:
    """Turn OsmAnd query/form fields into a PositionFix (``device_key`` = id). Missing timestamp = now."""
    device = (fields.get("id") or fields.get("deviceid") or "").strip()
    if not device:
        raise OsmAndError("missing id")
    lat = _number(fields, "lat")
    lon = _number(fields, "lon")
    if (lat is None or lon is None) and fields.get("location"):
        parts = fields["location"].split(",")
        if len(parts) != 2:
            raise OsmAndError(f"location {fields['location']!r} is not 'lat,lon'")
        lat = _number({"lat": parts[0]}, "lat")
        lon = _number({"lon": parts[1]}, "lon")
    lat, lon = _check_position(lat, lon)
    ts = fields.get("timestamp")
    when = parse_timestamp(ts) if ts else (now or datetime.now(UTC))
    speed = _number(fields, "speed")
    if speed is not None and speed < 0:
        raise OsmAndError(f"speed {speed:g} is negative")
    heading = _number(fields, "bearing", "heading")
    if heading is not None and not 0.0 <= heading <= 360.0:
        raise OsmAndError(f"bearing {heading:g} out of range 0..360")
    accuracy = _number(fields, "accuracy")
    extra: dict[str, Any] = {}
    hdop = _number(fields, "hdop")
    if hdop is not None:
        extra["hdop"] = hdop
    batt = _number(fields, "batt", "battery")
    if batt is not None:
        extra["battery"] = batt
    if fields.get("charge") is not None:
        extra["charging"] = fields["charge"].lower() in ("1", "true", "yes")
    valid = True
    if fields.get("valid") is not None:
        valid = fields["valid"].lower() not in ("0", "false", "no")
        extra["valid"] = valid
    return PositionFix(device, "osmand", when, lat, lon, None if speed is None else speed * KNOT_KMH,
                       None if heading is None else heading % 360.0, _number(fields, "altitude"), accuracy, extra,
                       valid=valid)


def parse_json(doc: Any, now: datetime | None = None) -> list[PositionFix]:
    """Turn the Traccar Client JSON document into fixes (one per location object)."""
    if not isinstance(doc, dict):
        raise OsmAndError("JSON body is not an object")
    device = doc.get("device_id") or doc.get("id") or doc.get("deviceid")
    if device is None or str(device).strip() == "":
        raise OsmAndError("missing device_id")
    device = str(device).strip()
    locs = doc.get("location")
    if locs is None:
        raise OsmAndError("missing location")
    if isinstance(locs, dict):
        locs = [locs]
    if not isinstance(locs, list) or not locs:
        raise OsmAndError("location is neither an object nor a non-empty list")
    fixes = []
    for loc in locs:
        if not isinstance(loc, dict):
            raise OsmAndError("location item is not an object")
        coords = loc.get("coords")
        if not isinstance(coords, dict):
            raise OsmAndError("missing location.coords")
        lat, lon = _check_position(_number(coords, "latitude"), _number(coords, "longitude"))
        ts = loc.get("timestamp")
        when = parse_timestamp(ts) if ts else (now or datetime.now(UTC))
        speed = _number(coords, "speed")
        heading = _number(coords, "heading")
        if heading is not None and heading < 0:
            heading = None  # the library reports -1 when the heading is unknown
        if heading is not None and heading > 360.0:
            raise OsmAndError(f"heading {heading:g} out of range 0..360")
        extra: dict[str, Any] = {}
        battery = loc.get("battery")
        if isinstance(battery, dict):
            level = _number(battery, "level")
            if level is not None and level >= 0:
                extra["battery"] = round(level * 100.0, 1) if level <= 1.0 else level
            if "is_charging" in battery:
                extra["charging"] = bool(battery["is_charging"])
        if "is_moving" in loc:
            extra["moving"] = bool(loc["is_moving"])
        odometer = _number(loc, "odometer")
        if odometer is not None:
            extra["odometer_m"] = odometer
        fixes.append(PositionFix(device, "osmand", when, lat, lon,
                                 None if speed is None or speed < 0 else speed * 3.6,
                                 None if heading is None else heading % 360.0, _number(coords, "altitude"),
                                 _number(coords, "accuracy"), extra))
    return fixes


class _Handler(BoundedRequestHandler):
    """One request; the adapter instance hangs off the server object.

    HTTP/1.1 keep-alive (a phone or the simulator reuses its connection): between reports the connection waits
    in the server's dispatcher, not in a thread, and is closed after ``HttpLimits.keepalive_timeout``.
    """

    server: _Server

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length_hdr = self.headers.get("Content-Length")
        try:
            length = int(length_hdr) if length_hdr else 0
        except ValueError:
            self._answer(400, f"bad Content-Length {length_hdr!r}", close=True)
            return
        if length < 0 or length > _MAX_BODY:
            self._answer(400, f"body of {length} bytes refused", close=True)
            return
        self._handle(self.read_body(length))

    def _handle(self, body: bytes) -> None:
        adapter = self.server.adapter
        status, reason = adapter.handle(self.command, self.path, self.headers.get("Content-Type", ""), body,
                                        f"{self.client_address[0]}:{self.client_address[1]}")
        self._answer(status, reason)

    def _answer(self, status: int, text: str, close: bool = False) -> None:
        payload = (text + "\n").encode() if text else b""
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are counted in LinkStats; per-request stderr lines would drown the application log."""


class _Server(BoundedHTTPServer):
    """The bounded HTTP server with the adapter attached; stopping ends kept-alive phone connections too."""

    adapter: OsmAndServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A phone dropping its connection mid-request is routine on mobile networks: note it, no traceback."""
        exc = sys.exc_info()[1]
        self.adapter.stats.last_error = f"{client_address[0]}:{client_address[1]}: {exc!r}"


class OsmAndServer:
    """HTTP listener for OsmAnd / Traccar Client phones.

    ``known_devices`` is a set of device ids or a predicate; ``None`` accepts every id (the core maps ids to
    units anyway). Handler threads call ``sink`` concurrently, which the runtime's sink allows; the counters are
    guarded by a lock because they are updated from those threads.

    ``secrets`` maps a device id to the ``key`` it must send; ``shared_secret`` is the key of every device
    without its own (empty: such devices need none). ``allow_from`` lists the networks (CIDRs such as
    ``10.20.0.0/16`` or single addresses) requests may come from; empty allows any. Refusals are answered 403
    (address) or 401 (key) and counted in ``stats`` and in ``forbidden``/``unauthorized``.

    With ``ack_after_store`` (what the application runs) a request's fixes carry a :class:`~devices.base.Receipt`
    and the 200 is sent only once the core has settled it: the fixes are committed, or refused by the fix chain
    (an invalid position is answered 200 too — sending it again would not make it valid). Without it (benches,
    a bare test sink) the 200 means "decoded and handed to the sink".
    """

    kind = "osmand"

    def __init__(self, id: str, host: str = "127.0.0.1", port: int = 5055,
                 known_devices: Callable[[str], bool] | set[str] | frozenset[str] | None = None, *,
                 limits: HttpLimits | None = None, secrets: Mapping[str, str] | None = None,
                 shared_secret: str = "", allow_from: Iterable[str] = (), ack_after_store: bool = False,
                 store_wait_s: float = 30.0) -> None:
        self.id = id
        self.ack_after_store = ack_after_store
        self.store_wait_s = store_wait_s
        self.host = host
        self.port = port
        self.limits = limits or HttpLimits()
        """Backlog, worker pool, connection cap and timeouts of the HTTP listener (config ``[listeners]``)."""
        if known_devices is None or callable(known_devices):
            self._known: Callable[[str], bool] | None = known_devices
        else:
            self._known = frozenset(known_devices).__contains__
        self.secrets = {device: secret for device, secret in (secrets or {}).items() if secret}
        self.shared_secret = shared_secret
        try:
            self.allow_from = tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in allow_from)
        except ValueError as exc:
            raise ValueError(f"OsmAnd listener {id}: bad allow_from network: {exc}") from None
        self.forbidden = 0  # requests refused for their source address (403)
        self.unauthorized = 0  # requests refused for a missing or wrong key (401)
        self.stats = LinkStats()
        self.bound_port: int | None = None
        self._httpd: BoundedHTTPServer | None = None  # the running listener (its connection counters)
        self.ready = threading.Event()
        """Set once the socket is bound (``bound_port`` valid)."""
        self._lock = threading.Lock()
        self._sink: Sink = lambda _e: None

    def connection_counters(self) -> ConnectionCounters:
        """Connections the HTTP listener evicted, timed out or refused since it last started."""
        httpd = self._httpd
        return httpd.counters() if httpd is not None else ConnectionCounters()

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Serve HTTP until ``stop``; raise only if the port cannot be bound."""
        self._sink = sink
        try:
            httpd = _Server((self.host, self.port), _Handler, self.limits, name=f"osmand-{self.id}")
        except OSError as exc:
            self.stats.last_error = f"cannot listen on {self.host}:{self.port}: {exc}"
            raise
        httpd.adapter = self
        self._httpd = httpd
        self.bound_port = httpd.server_address[1]
        self.ready.set()

        try:
            httpd.serve_until(stop, f"osmand-{self.id}")
        finally:
            self.ready.clear()

    def handle(self, method: str, path: str, content_type: str, body: bytes, peer: str = "") -> tuple[int, str]:
        """Decode one request into fixes; returns (HTTP status, reason). Public so it can be tested directly."""
        denied = self._source_refusal(peer)
        if denied is not None:
            return self._refuse(403, denied, path, body, peer)
        try:
            fixes, key = self._decode(method, path, content_type, body)
            for fix in fixes:
                if self._known is not None and not self._known(fix.device_key):
                    raise OsmAndError(f"unknown device {fix.device_key!r}")
        except OsmAndError as exc:
            return self._refuse(400, str(exc), path, body, peer)
        denied = self._key_refusal(fixes, key)
        if denied is not None:
            return self._refuse(401, denied, path, body, peer)
        with self._lock:
            self.stats.good(len(fixes))
        if not self.ack_after_store or not fixes:
            for fix in fixes:
                self._sink(fix)
            return 200, ""
        return self._handle_until_stored(fixes)

    def _handle_until_stored(self, fixes: list[PositionFix]) -> tuple[int, str]:
        """Answer 200 only once the fixes are stored: the phone drops a position it got 200 for.

        The handler thread waits for the receipt (the store's commit, which the store makes for every request
        that arrived meanwhile at once). Not stored, or not within ``store_wait_s``: 503, and the phone sends
        the position again.
        """
        waiter = Waiter()
        receipt = Receipt(len(fixes), waiter)
        for fix in fixes:
            self._sink(replace(fix, receipt=receipt))
        stored = waiter.wait(self.store_wait_s)
        if stored:
            return 200, ""
        reason = ("position not stored: the database refused it" if stored is False
                  else f"position not stored within {self.store_wait_s:.0f} s")
        with self._lock:
            self.stats.last_error = reason
        return 503, reason

    def _source_refusal(self, peer: str) -> str | None:
        """Why a request from ``peer`` ("host:port") is not allowed, or None."""
        if not self.allow_from:
            return None
        host = peer.rsplit(":", 1)[0].strip("[]") if peer else ""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return f"source address {host or '(none)'!r} is not allowed"
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 on a dual-stack socket
        if mapped is not None:
            address = mapped
        if any(address.version == net.version and address in net for net in self.allow_from):
            return None
        return f"source address {host} is not allowed"

    def _key_refusal(self, fixes: list[PositionFix], key: str) -> str | None:
        """Why the ``key`` sent with these fixes does not open them, or None (compared in constant time)."""
        for device in dict.fromkeys(fix.device_key for fix in fixes):
            expected = self.secrets.get(device) or self.shared_secret
            if not expected:
                continue
            if not key:
                return f"device {device!r} sent no {KEY_FIELD}"
            if not hmac.compare_digest(key.encode("utf-8", "replace"), expected.encode("utf-8")):
                return f"device {device!r} sent a wrong {KEY_FIELD}"
        return None

    def _refuse(self, status: int, reason: str, path: str, body: bytes, peer: str) -> tuple[int, str]:
        """Count a refused request and describe it (secrets blanked out) for the health view."""
        with self._lock:
            self.stats.bad(reason)
            if status == 403:
                self.forbidden += 1
            elif status == 401:
                self.unauthorized += 1
        raw = (path.encode("utf-8", "replace") + (b" " + body if body else b""))[:512]
        raw = _SECRET_IN_RAW.sub(rb"\1***", raw)
        self._sink(RejectedInput(self.id, reason, raw.hex(), peer))
        return status, reason

    @staticmethod
    def _decode(method: str, path: str, content_type: str, body: bytes) -> tuple[list[PositionFix], str]:
        """The request's fixes and the ``key`` it carries ("" when none)."""
        if method not in ("GET", "POST"):
            raise OsmAndError(f"method {method} not supported")
        query = urllib.parse.urlsplit(path).query
        fields = {k: v for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)}
        key = fields.get(KEY_FIELD, "")
        stripped = body.strip()
        if stripped:
            if "json" in content_type.lower() or stripped[:1] in (b"{", b"["):
                try:
                    doc = json.loads(stripped)
                except (ValueError, RecursionError) as exc:  # also 5,000-digit numbers (int limit)
                    raise OsmAndError(f"bad JSON body: {exc}") from None
                docs = doc if isinstance(doc, list) else [doc]
                for item in docs:
                    if isinstance(item, dict) and isinstance(item.get(KEY_FIELD), str):
                        key = key or item[KEY_FIELD]
                out: list[PositionFix] = []
                for item in docs:
                    out.extend(parse_json(item))
                if not out:
                    raise OsmAndError("empty JSON list")
                return out, key
            try:
                text = stripped.decode("utf-8")
            except UnicodeDecodeError:
                raise OsmAndError("form body is not UTF-8") from None
            fields.update(urllib.parse.parse_qsl(text, keep_blank_values=True))
            key = fields.get(KEY_FIELD, key)
        if not fields:
            raise OsmAndError("no fields: expected id, lat, lon, timestamp")
        return [parse_query(fields)], key


def _query(device_id: str, lat: float, lon: float, timestamp: datetime | float | str | None, speed_knots: float | None,
           bearing: float | None, altitude: float | None, accuracy: float | None, batt: float | None,
           **more: Any) -> dict[str, str]:
    fields: dict[str, str] = {"id": device_id, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}"}
    if timestamp is None:
        timestamp = datetime.now(UTC)
    if isinstance(timestamp, datetime):
        fields["timestamp"] = str(int(timestamp.timestamp()))
    else:
        fields["timestamp"] = str(timestamp)  # int, float or an already formatted string, sent verbatim
    for key, value in (("speed", speed_knots), ("bearing", bearing), ("altitude", altitude), ("accuracy", accuracy),
                       ("batt", batt)):
        if value is not None:
            fields[key] = f"{value:g}"
    for key, value in more.items():
        if value is not None:
            fields[key] = str(value)
    return fields


def osmand_report(url: str, device_id: str, lat: float, lon: float, *, timestamp: datetime | float | str | None = None,
                  speed_knots: float | None = None, bearing: float | None = None, altitude: float | None = None,
                  accuracy: float | None = None, batt: float | None = None, method: str = "GET",
                  timeout: float = 5.0, **more: Any) -> tuple[int, str]:
    """Send one OsmAnd report with urllib; returns (HTTP status, response text). Never raises on 4xx/5xx."""
    fields = _query(device_id, lat, lon, timestamp, speed_knots, bearing, altitude, accuracy, batt, **more)
    encoded = urllib.parse.urlencode(fields)
    if method.upper() == "POST":
        req = urllib.request.Request(url, data=encoded.encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        sep = "&" if "?" in url else "?"
        req = urllib.request.Request(url + sep + encoded, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace").strip()


class OsmAndClient:
    """A persistent-connection OsmAnd client (http.client keep-alive) for the simulator's many officers.

    One TCP connection carries every report; a dropped connection is reopened once per request.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 5055, timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def report(self, device_id: str, lat: float, lon: float, *, timestamp: datetime | float | str | None = None,
               speed_knots: float | None = None, bearing: float | None = None, altitude: float | None = None,
               accuracy: float | None = None, batt: float | None = None, **more: Any) -> tuple[int, str]:
        """GET one report over the kept-alive connection; returns (HTTP status, response text)."""
        path = "/?" + urllib.parse.urlencode(
            _query(device_id, lat, lon, timestamp, speed_knots, bearing, altitude, accuracy, batt, **more))
        return self._request("GET", path, None, {})

    def report_json(self, doc: dict[str, Any]) -> tuple[int, str]:
        """POST a Traccar Client JSON document."""
        return self._request("POST", "/", json.dumps(doc).encode(), {"Content-Type": "application/json"})

    def _request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, str]:
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                text = resp.read().decode("utf-8", "replace").strip()
                if resp.will_close:
                    self.close()
                return resp.status, text
            except (http.client.HTTPException, ConnectionError, BrokenPipeError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> OsmAndClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
