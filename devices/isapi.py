"""Hikvision ISAPI alarm push: cameras and NVRs post ``EventNotificationAlert`` XML to an HTTP listener.

A Hikvision device set up with an "alarm host" (HTTP listening server) POSTs each event to it, either as the
XML document alone (``Content-Type: application/xml``) or as ``multipart/form-data`` with the XML in one part
and the event's picture (``image/jpeg``) in another::

    <EventNotificationAlert version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
      <ipAddress>192.168.1.64</ipAddress><channelID>1</channelID>
      <dateTime>2026-12-02T09:30:00+08:00</dateTime><activePostCount>1</activePostCount>
      <eventType>fielddetection</eventType><eventState>active</eventState>
      <DetectionRegionList><DetectionRegionEntry><regionID>2</regionID></DetectionRegionEntry></DetectionRegionList>
    </EventNotificationAlert>

The listener keys each event by ``ipAddress/channelID`` to one of our cameras. The XML is parsed only after a
document type declaration is refused (no entity expansion, no external entities: the "billion laughs" and XXE
attacks need one). A post that is too large, not this XML, from an unmapped camera, or whose picture is not a
JPEG/PNG is answered 4xx with the reason, counted in ``stats`` and described in a ``RejectedInput``; an
accepted one is answered 200 and handed on as a :class:`~devices.camera_ai.CameraDetection`.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from devices.base import ConnectionCounters, LinkStats, RejectedInput, Sink
from devices.camera_ai import CameraDetection, image_mime
from devices.httpserve import BoundedHTTPServer, BoundedRequestHandler, HttpLimits

__all__ = ["IsapiAlert", "IsapiError", "IsapiServer", "parse_alert", "parse_post"]

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_STATES = {"active": "new", "inactive": "end"}


class IsapiError(ValueError):
    """A post that cannot become a detection; ``status`` is the HTTP answer, ``str(err)`` the reason."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True, slots=True)
class IsapiAlert:
    """The fields of one ``EventNotificationAlert`` the command center uses."""

    ip: str
    channel: str
    event_type: str
    state: str  # "active" | "inactive"
    date_time: str
    regions: tuple[str, ...]
    description: str

    @property
    def key(self) -> str:
        """How the config names the camera: ``ipAddress/channelID``."""
        return f"{self.ip}/{self.channel}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_alert(xml: bytes) -> IsapiAlert:
    """Decode an ``EventNotificationAlert`` document safely; IsapiError names what is wrong."""
    if _DECLARATION.search(xml):
        raise IsapiError("XML with a DOCTYPE/ENTITY declaration refused (entity expansion)")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise IsapiError(f"not well-formed XML: {exc}") from None
    if _local(root.tag) != "EventNotificationAlert":
        raise IsapiError(f"root element <{_local(root.tag)}> is not <EventNotificationAlert>")
    fields: dict[str, str] = {}
    regions: list[str] = []
    for element in root.iter():
        name = _local(element.tag)
        text = (element.text or "").strip()
        if name == "regionID" and text:
            regions.append(text)
        elif name not in fields and len(element) == 0:
            fields[name] = text
    channel = fields.get("channelID") or fields.get("dynChannelID") or ""
    for required, value in (("ipAddress", fields.get("ipAddress", "")), ("channelID", channel),
                            ("eventType", fields.get("eventType", ""))):
        if not value:
            raise IsapiError(f"<{required}> missing or empty")
    state = fields.get("eventState", "active").lower()
    if state not in _STATES:
        raise IsapiError(f"<eventState> {state[:20]!r} is neither active nor inactive")
    date_time = fields.get("dateTime", "")
    if date_time:
        try:
            datetime.fromisoformat(date_time.replace("Z", "+00:00"))
        except ValueError:
            raise IsapiError(f"<dateTime> {date_time[:40]!r} is not an ISO 8601 time") from None
    return IsapiAlert(fields["ipAddress"][:64], channel[:16], fields["eventType"][:64], state, date_time[:40],
                      tuple(regions[:16]), fields.get("eventDescription", "")[:200])


def parse_post(content_type: str, body: bytes) -> tuple[IsapiAlert, bytes, str]:
    """The alert and its picture (bytes, mime; empty when none) of one POST body."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in ("application/xml", "text/xml", ""):
        return parse_alert(body), b"", ""
    if kind != "multipart/form-data":
        raise IsapiError(f"Content-Type {kind!r} is neither XML nor multipart/form-data", 415)
    if "boundary=" not in content_type:
        raise IsapiError("multipart/form-data without a boundary")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    alert: IsapiAlert | None = None
    picture, mime = b"", ""
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise IsapiError("multipart body without parts")
    for part in message.iter_parts():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        part_type = part.get_content_type()
        if part_type.startswith("image/"):
            mime = image_mime(data)
            if not mime:
                raise IsapiError(f"picture part {part.get_filename() or part_type!r} is not a JPEG or PNG "
                                 f"({len(data)} bytes starting {data[:8].hex()})")
            picture = data
        elif alert is None and (part_type.endswith("xml") or data.lstrip().startswith(b"<")):
            alert = parse_alert(data)
    if alert is None:
        raise IsapiError("multipart post without an EventNotificationAlert part")
    return alert, picture, mime


class _Handler(BoundedRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        adapter = self.server.adapter
        peer = f"{self.client_address[0]}:{self.client_address[1]}"
        length_hdr = self.headers.get("Content-Length")
        try:
            length = int(length_hdr or "")
        except ValueError:
            self._answer(411 if not length_hdr else 400, adapter.refuse(
                f"Content-Length {length_hdr!r} missing or not a number", b"", peer), close=True)
            return
        if length < 0 or length > adapter.max_body_bytes:
            self._answer(413, adapter.refuse(f"post of {length} bytes is larger than {adapter.max_body_bytes}",
                                             b"", peer), close=True)
            return
        status, reason = adapter.handle(self.headers.get("Content-Type", ""), self.read_body(length), peer)
        self._answer(status, reason)

    def _answer(self, status: int, text: str, close: bool = False) -> None:
        payload = (text or "OK").encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Posts are counted in LinkStats, not printed."""


class _Server(BoundedHTTPServer):
    adapter: IsapiServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.adapter.stats.last_error = f"{client_address[0]}:{client_address[1]}: {sys.exc_info()[1]!r}"


class IsapiServer:
    """The HTTP listener for Hikvision alarm pushes (adapter contract of devices.base).

    ``cameras`` maps ``ipAddress/channelID`` to our camera ids; a post from any other camera is refused 403
    so the installer sees at once that the device is not configured.
    """

    kind = "isapi"

    def __init__(self, id: str, host: str, port: int, cameras: Mapping[str, str], *,
                 limits: HttpLimits | None = None, max_body_bytes: int = 4 << 20) -> None:
        self.id = id
        self.host, self.port = host, port
        self.cameras = dict(cameras)
        self.limits = limits or HttpLimits()
        self.max_body_bytes = max_body_bytes
        self.stats = LinkStats()
        self.bound_port: int | None = None
        self.ready = threading.Event()
        self._httpd: _Server | None = None
        self._lock = threading.Lock()  # handler threads update the counters
        self._sink: Sink = lambda _e: None

    def connection_counters(self) -> ConnectionCounters:
        httpd = self._httpd
        return httpd.counters() if httpd is not None else ConnectionCounters()

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Serve until ``stop``; raise only if the port cannot be bound."""
        self._sink = sink
        try:
            httpd = _Server((self.host, self.port), _Handler, self.limits, name=f"isapi-{self.id}")
        except OSError as exc:
            self.stats.last_error = f"cannot listen on {self.host}:{self.port}: {exc}"
            raise
        httpd.adapter = self
        self._httpd = httpd
        self.bound_port = httpd.server_address[1]
        self.ready.set()

        try:
            httpd.serve_until(stop, f"isapi-{self.id}")
        finally:
            self.ready.clear()

    def refuse(self, reason: str, body: bytes, peer: str) -> str:
        """Count and describe a refused post; returns the reason for the answer."""
        with self._lock:
            self.stats.bad(reason)
        self._sink(RejectedInput(self.id, reason, body[:64].hex(), peer))
        return reason

    def handle(self, content_type: str, body: bytes, peer: str = "") -> tuple[int, str]:
        """Decode one post into a detection; returns (HTTP status, reason)."""
        try:
            alert, picture, mime = parse_post(content_type, body)
        except IsapiError as exc:
            return exc.status, self.refuse(str(exc), body, peer)
        camera_id = self.cameras.get(alert.key)
        if camera_id is None:
            return 403, self.refuse(f"unknown camera {alert.key!r} (not in [ai.isapi] cameras)", body, peer)
        with self._lock:
            self.stats.good()
        event_id = f"{alert.key}/{alert.event_type}/{alert.date_time}"
        self._sink(CameraDetection(self.id, "isapi", camera_id, event_id, alert.event_type, alert.regions, 1.0,
                                   _STATES[alert.state], picture, mime,
                                   detail=f"ISAPI {alert.key} {alert.description}".strip()))
        return 200, ""
