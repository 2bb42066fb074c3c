"""JT/T 808 (2013 and 2019) vehicle-terminal protocol: framing, decoding, encoding, a TCP server and a test client.

The bureau's patrol cars and enforcement trucks carry JT/T 808 terminals that keep one TCP connection open to
the platform, register (0x0100), authenticate (0x0102), then send location reports (0x0200), batches of stored
locations after a coverage gap (0x0704) and heartbeats (0x0002). The platform must answer almost every message
(0x8001 general response, 0x8100 registration response), otherwise terminals retransmit and eventually reconnect.

Layout of a frame (after removing the 0x7E flags and undoing the 0x7D escapes)::

    msg id (2) | body attributes (2) | [2019: protocol version (1)] | phone BCD (6, 2019: 10) | serial (2)
    | [sub-package: total (2) | index (2)] | body (n) | XOR checksum (1)

Body attributes: bits 0-9 body length, 10-12 encryption, 13 sub-package, 14 version flag (2019).

Everything here is plain Python on purpose (no Qt, no database): the decoding functions are pure and fast enough
to run well above 50,000 frames per second, and the server is a single ``selectors`` loop so that thousands of
mostly idle terminal connections cost one thread, not thousands.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import secrets
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

from devices.base import (
    ConnectionCounters,
    LinkStats,
    PositionFix,
    Receipt,
    RejectedInput,
    Sink,
    TerminalEvent,
)

__all__ = [
    "MSG_AUTHENTICATION",
    "MSG_HEARTBEAT",
    "MSG_LOCATION",
    "MSG_LOCATION_BATCH",
    "MSG_LOGOUT",
    "MSG_PLATFORM_GENERAL_RESPONSE",
    "MSG_REGISTRATION",
    "MSG_REGISTRATION_RESPONSE",
    "MSG_TERMINAL_GENERAL_RESPONSE",
    "REG_NO_TERMINAL",
    "REG_NO_VEHICLE",
    "REG_OK",
    "REG_TERMINAL_REGISTERED",
    "REG_VEHICLE_REGISTERED",
    "RESULT_BAD_MESSAGE",
    "RESULT_FAIL",
    "RESULT_OK",
    "RESULT_UNSUPPORTED",
    "Authentication",
    "Discard",
    "FrameDecoder",
    "Header",
    "Jt808Error",
    "Jt808Server",
    "Jt808Terminal",
    "Location",
    "LocationBatch",
    "Message",
    "Registration",
    "RegistrationStore",
    "SubpackageAssembler",
    "TerminalPin",
    "TerminalRecord",
    "bcd_decode",
    "bcd_encode",
    "checksum",
    "code_digest",
    "decode_authentication",
    "decode_frame",
    "decode_general_response",
    "decode_location",
    "decode_location_batch",
    "decode_registration",
    "decode_registration_response",
    "encode_authentication",
    "encode_frame",
    "encode_general_response",
    "encode_location",
    "encode_location_batch",
    "encode_registration",
    "encode_registration_response",
    "escape",
    "parse_header",
    "unescape",
]

FLAG = 0x7E
FLAG_BYTE = b"\x7e"
ESCAPE = 0x7D

MSG_TERMINAL_GENERAL_RESPONSE = 0x0001
MSG_HEARTBEAT = 0x0002
MSG_LOGOUT = 0x0003
MSG_REGISTRATION = 0x0100
MSG_AUTHENTICATION = 0x0102
MSG_LOCATION = 0x0200
MSG_LOCATION_BATCH = 0x0704
MSG_PLATFORM_GENERAL_RESPONSE = 0x8001
MSG_REGISTRATION_RESPONSE = 0x8100

# 0x8001 / 0x0001 results.
RESULT_OK = 0
RESULT_FAIL = 1
RESULT_BAD_MESSAGE = 2
RESULT_UNSUPPORTED = 3

# 0x8100 results.
REG_OK = 0
REG_VEHICLE_REGISTERED = 1
REG_NO_VEHICLE = 2
REG_TERMINAL_REGISTERED = 3
REG_NO_TERMINAL = 4

_ATTR_LENGTH_MASK = 0x03FF
_ATTR_SUBPACKAGE = 0x2000
_ATTR_VERSION_2019 = 0x4000

_CST = timezone(timedelta(hours=8), "GMT+8")
"""JT/T 808 times are Beijing time (GMT+8) regardless of where the terminal is."""

_MAX_BODY = 1023  # 10-bit length field
_MIN_FRAME_2013 = 12 + 1  # header + checksum
_LOCATION_BASE = struct.Struct(">IIIIHHH6s")  # 28 bytes: alarm, status, lat, lon, alt, speed, heading, time
_HDR_START = struct.Struct(">HH")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


class Jt808Error(ValueError):
    """A frame or body that cannot be accepted; ``str(err)`` is the reason a human can act on.

    ``header`` is set when the header could be read even though something else was wrong, so the server can still
    answer the terminal with 0x8001 result 2 (bad message) and the terminal stops retransmitting it.
    """

    def __init__(self, reason: str, header: Header | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.header = header


# --------------------------------------------------------------------------------------------------------------
# Framing


@dataclass(frozen=True, slots=True)
class Discard:
    """Bytes the frame splitter had to throw away (before the first flag, or an over-long run without a flag)."""

    data: bytes
    reason: str


class FrameDecoder:
    """Split a TCP byte stream into the escaped contents of 0x7E-delimited frames.

    TCP hands us arbitrary slices: half a frame, three frames and a bit, or noise. The stream is cut at every
    0x7E; whatever lies between two flags is a candidate frame (terminals that share one flag between consecutive
    frames therefore work too, and empty runs ``7E 7E`` are ignored). Bytes seen before the very first flag are
    reported as a :class:`Discard` rather than silently swallowed, as is a run longer than ``max_frame`` without
    any flag (a stuck or hostile peer must not grow our buffer without bound).
    """

    __slots__ = ("_buf", "_synced", "max_frame")

    def __init__(self, max_frame: int = 4096) -> None:
        self._buf = b""
        self._synced = False
        self.max_frame = max_frame

    def feed(self, data: bytes) -> list[bytes | Discard]:
        """Return the complete candidate frames (still escaped, flags removed) and discards found so far."""
        out: list[bytes | Discard] = []
        if FLAG_BYTE not in data:
            buf = self._buf + data if self._buf else bytes(data)
            if len(buf) > self.max_frame:
                out.append(Discard(buf, f"no frame flag 0x7E in {len(buf)} bytes"))
                self._buf = b""
                self._synced = False
            else:
                self._buf = buf
            return out
        parts = (self._buf + data).split(FLAG_BYTE)
        self._buf = parts.pop()
        first = parts[0]
        if not self._synced:
            if first:
                out.append(Discard(first, f"{len(first)} bytes before the first frame flag"))
            self._synced = True
            parts = parts[1:]
        out.extend(p for p in parts if p)
        if len(self._buf) > self.max_frame:
            out.append(Discard(self._buf, f"no frame flag 0x7E in {len(self._buf)} bytes"))
            self._buf = b""
            self._synced = False
        return out

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buf)


def unescape(raw: bytes) -> bytes:
    """Undo the transmission escapes: 0x7D 0x02 -> 0x7E, 0x7D 0x01 -> 0x7D; anything else after 0x7D is refused.

    Offsets in the error are counted from the first byte after the opening flag, as a protocol analyser shows them.
    """
    i = raw.find(b"\x7d")
    if i < 0:
        return raw
    n = len(raw)
    while i >= 0:
        if i + 1 >= n:
            raise Jt808Error(f"bad escape: 0x7D at the end of the frame (offset {i})")
        nxt = raw[i + 1]
        if nxt != 0x01 and nxt != 0x02:
            raise Jt808Error(f"bad escape 0x7D 0x{nxt:02X} at offset {i}")
        i = raw.find(b"\x7d", i + 2)
    # Safe as two passes: the second byte of a valid escape is never 0x7D, so no pair straddles another.
    return raw.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")


def escape(data: bytes) -> bytes:
    """Apply the transmission escapes (0x7D first, so the 0x7D introduced for 0x7E is not escaped again)."""
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def checksum(data: bytes) -> int:
    """XOR of all bytes, computed by folding one big integer (no per-byte Python loop)."""
    n = len(data)
    x = int.from_bytes(data, "little")
    while n > 1:
        half = (n + 1) >> 1
        shift = half << 3
        x = (x >> shift) ^ (x & ((1 << shift) - 1))
        n = half
    return x


def bcd_decode(data: bytes, what: str = "BCD field") -> str:
    """Digits of a packed BCD field, leading zeros kept; a nibble above 9 raises ``bad BCD in <what>``."""
    digits = data.hex()
    if not digits.isdigit():
        raise Jt808Error(f"bad BCD in {what}: {digits.upper()}")
    return digits


def bcd_encode(digits: str, size: int, what: str = "BCD field") -> bytes:
    """Pack decimal digits into ``size`` bytes, left-padded with zeros."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"{what} must be decimal digits, got {digits!r}")
    if len(digits) > size * 2:
        raise ValueError(f"{what} {digits!r} longer than {size * 2} digits")
    return bytes.fromhex(digits.rjust(size * 2, "0"))


# --------------------------------------------------------------------------------------------------------------
# Header and frame


@dataclass(slots=True)
class Header:
    """A decoded message header. ``phone`` keeps every BCD digit (12 for 2013, 20 for 2019).

    Header, Message and Location are not frozen: a frozen dataclass initialises through ``object.__setattr__``,
    which costs a measurable share of the per-frame budget. Treat them as read-only all the same.
    """

    msg_id: int
    body_length: int
    encryption: int
    subpackage: bool
    version: int  # 2013 or 2019 (the 2011 edition shares the 2013 header)
    protocol_version: int | None
    phone: str
    serial: int
    packet_total: int = 0
    packet_index: int = 0
    header_length: int = 12


@dataclass(slots=True)
class Message:
    """A verified frame: header plus raw body bytes (decoded per message id by the ``decode_*`` functions)."""

    header: Header
    body: bytes


def parse_header(data: bytes) -> Header:
    """Parse the header at the start of an unescaped frame (checksum byte may or may not be included)."""
    n = len(data)
    if n < 12:
        raise Jt808Error(f"truncated header: {n} bytes, a header needs at least 12")
    msg_id, attrs = _HDR_START.unpack_from(data, 0)
    sub = bool(attrs & _ATTR_SUBPACKAGE)
    if attrs & _ATTR_VERSION_2019:
        hlen = 17 + (4 if sub else 0)
        if n < hlen:
            raise Jt808Error(f"truncated header: {n} bytes, a 2019 header{' with sub-package' if sub else ''} "
                             f"needs {hlen}")
        protocol_version: int | None = data[4]
        phone = bcd_decode(data[5:15], "phone number")
        serial = _U16.unpack_from(data, 15)[0]
        version = 2019
        pkt_at = 17
    else:
        hlen = 12 + (4 if sub else 0)
        if n < hlen:
            raise Jt808Error(f"truncated header: {n} bytes, a header with sub-package needs {hlen}")
        protocol_version = None
        phone = bcd_decode(data[4:10], "phone number")
        serial = _U16.unpack_from(data, 10)[0]
        version = 2013
        pkt_at = 12
    total = index = 0
    if sub:
        total, index = struct.unpack_from(">HH", data, pkt_at)
    return Header(msg_id, attrs & _ATTR_LENGTH_MASK, (attrs >> 10) & 0x7, sub, version, protocol_version, phone,
                  serial, total, index, hlen)


def decode_frame(raw: bytes) -> Message:
    """Verify and split one frame as returned by :class:`FrameDecoder` (escaped, without the 0x7E flags).

    Order of checks: escapes, minimum size, header, checksum, body length. The header is parsed before the
    checksum is judged so that a corrupted frame can still be answered with 0x8001 result 2.
    """
    data = unescape(raw)
    n = len(data)
    if n < _MIN_FRAME_2013:
        raise Jt808Error(f"truncated header: {n} bytes including checksum, need at least {_MIN_FRAME_2013}")
    header = parse_header(data[:-1])
    computed = checksum(data[:-1])
    if computed != data[-1]:
        raise Jt808Error(f"bad checksum: computed 0x{computed:02X}, frame has 0x{data[-1]:02X}", header)
    present = n - 1 - header.header_length
    if present != header.body_length:
        raise Jt808Error(f"body length field {header.body_length} but {present} bytes present", header)
    return Message(header, data[header.header_length:-1])


def encode_frame(msg_id: int, phone: str, serial: int, body: bytes = b"", *, version: int = 2013,
                 protocol_version: int = 1, packet: tuple[int, int] | None = None, encryption: int = 0) -> bytes:
    """Build a complete escaped frame with flags: header (2013 or 2019), body, XOR checksum.

    ``packet`` is ``(total, index)`` for one piece of a sub-packaged message (index counts from 1).
    """
    if len(body) > _MAX_BODY:
        raise ValueError(f"body of {len(body)} bytes exceeds the 1023-byte limit; split it into sub-packages")
    attrs = len(body) | ((encryption & 0x7) << 10)
    if packet is not None:
        attrs |= _ATTR_SUBPACKAGE
    if version == 2019:
        attrs |= _ATTR_VERSION_2019
        head = struct.pack(">HHB", msg_id, attrs, protocol_version) + bcd_encode(phone, 10, "phone number")
    elif version in (2011, 2013):
        head = struct.pack(">HH", msg_id, attrs) + bcd_encode(phone, 6, "phone number")
    else:
        raise ValueError(f"unknown JT/T 808 version {version}; use 2013 or 2019")
    head += _U16.pack(serial & 0xFFFF)
    if packet is not None:
        head += struct.pack(">HH", *packet)
    payload = head + body
    return b"\x7e" + escape(payload + bytes((checksum(payload),))) + b"\x7e"


# --------------------------------------------------------------------------------------------------------------
# Bodies


def _text(data: bytes) -> str:
    """GBK text as used for plates and names; fixed-size fields are padded with NUL (sometimes spaces)."""
    return data.rstrip(b"\x00").decode("gbk", errors="replace").strip()


def _fixed(text: str, size: int) -> bytes:
    raw = text.encode("gbk")
    if len(raw) > size:
        raise ValueError(f"{text!r} does not fit in {size} bytes")
    return raw.ljust(size, b"\x00")


@dataclass(frozen=True, slots=True)
class Registration:
    """Body of 0x0100 terminal registration."""

    province: int
    city: int
    maker_id: str
    model: str
    terminal_id: str
    plate_colour: int
    plate: str


def decode_registration(body: bytes, version: int = 2013) -> Registration:
    """Decode 0x0100. Field widths: maker/model/terminal id 5/20/7 bytes (2013), 11/30/30 (2019), 5/8/7 (2011)."""
    if version == 2019:
        widths = (11, 30, 30)
    elif len(body) >= 37:
        widths = (5, 20, 7)
    else:
        widths = (5, 8, 7)  # 2011 terminals still in service send the shorter model field
    fixed = 4 + sum(widths) + 1
    if len(body) < fixed:
        raise Jt808Error(f"registration body {len(body)} bytes, need at least {fixed}")
    province, city = struct.unpack_from(">HH", body, 0)
    a = 4
    maker = _text(body[a:a + widths[0]])
    a += widths[0]
    model = _text(body[a:a + widths[1]])
    a += widths[1]
    terminal_id = _text(body[a:a + widths[2]])
    a += widths[2]
    return Registration(province, city, maker, model, terminal_id, body[a], _text(body[a + 1:]))


def encode_registration(reg: Registration, version: int = 2013) -> bytes:
    """Body of 0x0100 (2013 or 2019 field widths)."""
    widths = (11, 30, 30) if version == 2019 else (5, 20, 7)
    return (struct.pack(">HH", reg.province, reg.city) + _fixed(reg.maker_id, widths[0])
            + _fixed(reg.model, widths[1]) + _fixed(reg.terminal_id, widths[2]) + bytes((reg.plate_colour,))
            + reg.plate.encode("gbk"))


@dataclass(frozen=True, slots=True)
class Authentication:
    """Body of 0x0102. IMEI and software version exist only in 2019."""

    auth_code: str
    imei: str = ""
    software_version: str = ""


def decode_authentication(body: bytes, version: int = 2013) -> Authentication:
    """2013: the whole body is the code. 2019: code length (1), code, IMEI (15), software version (20)."""
    if version != 2019:
        if not body:
            raise Jt808Error("authentication with an empty auth code")
        return Authentication(_text(body))
    if not body:
        raise Jt808Error("authentication body empty")
    n = body[0]
    need = 1 + n + 15 + 20
    if len(body) < need:
        raise Jt808Error(f"authentication body {len(body)} bytes, auth code length {n} needs {need}")
    return Authentication(_text(body[1:1 + n]), _text(body[1 + n:16 + n]), _text(body[16 + n:36 + n]))


def encode_authentication(auth_code: str, version: int = 2013, imei: str = "", software_version: str = "") -> bytes:
    """Body of 0x0102 for the given protocol version."""
    code = auth_code.encode("gbk")
    if version != 2019:
        return code
    if len(code) > 255:
        raise ValueError("auth code longer than 255 bytes")
    return bytes((len(code),)) + code + _fixed(imei, 15) + _fixed(software_version, 20)


def decode_general_response(body: bytes) -> tuple[int, int, int]:
    """0x8001 / 0x0001 body: (reply serial, reply msg id, result)."""
    if len(body) < 5:
        raise Jt808Error(f"general response body {len(body)} bytes, need 5")
    serial, msg_id, result = struct.unpack_from(">HHB", body, 0)
    return serial, msg_id, result


def encode_general_response(reply_serial: int, reply_msg_id: int, result: int) -> bytes:
    """0x8001 body."""
    return struct.pack(">HHB", reply_serial & 0xFFFF, reply_msg_id, result)


def decode_registration_response(body: bytes) -> tuple[int, int, str]:
    """0x8100 body: (reply serial, result, auth code — empty unless result is 0)."""
    if len(body) < 3:
        raise Jt808Error(f"registration response body {len(body)} bytes, need 3")
    serial, result = struct.unpack_from(">HB", body, 0)
    return serial, result, _text(body[3:]) if result == REG_OK else ""


def encode_registration_response(reply_serial: int, result: int, auth_code: str = "") -> bytes:
    """0x8100 body; the auth code is only sent with result 0."""
    body = struct.pack(">HB", reply_serial & 0xFFFF, result)
    return body + auth_code.encode("gbk") if result == REG_OK else body


@dataclass(slots=True)
class Location:
    """A decoded 0x0200 body. ``lat``/``lon`` are signed degrees (south/west status bits applied)."""

    alarm: int
    status: int
    lat: float
    lon: float
    altitude: int
    speed_kmh: float
    heading: int
    time: datetime
    mileage_km: float | None = None
    fuel_l: float | None = None
    recorder_speed_kmh: float | None = None
    signal: int | None = None
    satellites: int | None = None
    other: dict[int, bytes] = field(default_factory=dict)

    @property
    def acc_on(self) -> bool:
        return bool(self.status & 0x1)

    @property
    def positioned(self) -> bool:
        return bool(self.status & 0x2)

    def extra(self) -> dict[str, Any]:
        """The fields a PositionFix carries in ``extra`` (only those the terminal actually sent)."""
        out: dict[str, Any] = {"alarm": self.alarm, "status": self.status, "acc": self.acc_on,
                               "positioned": self.positioned}
        if self.mileage_km is not None:
            out["mileage_km"] = self.mileage_km
        if self.fuel_l is not None:
            out["fuel_l"] = self.fuel_l
        if self.recorder_speed_kmh is not None:
            out["recorder_speed_kmh"] = self.recorder_speed_kmh
        if self.signal is not None:
            out["signal"] = self.signal
        if self.satellites is not None:
            out["satellites"] = self.satellites
        for k, v in self.other.items():
            out[f"tlv_0x{k:02X}"] = v.hex()
        return out


_BCD_VALUE = [(b >> 4) * 10 + (b & 0xF) if (b >> 4) <= 9 and (b & 0xF) <= 9 else -1 for b in range(256)]
_EIGHT_HOURS = timedelta(hours=8)
_BCD_BYTE = [(n // 10) << 4 | n % 10 for n in range(100)]  # 0-99 → its BCD byte


def _bcd_time(raw: bytes) -> datetime:
    """YYMMDDhhmmss BCD in Beijing time -> aware UTC (table lookups: this runs once per position)."""
    v = _BCD_VALUE
    yy, mo, dd, hh, mi, ss = v[raw[0]], v[raw[1]], v[raw[2]], v[raw[3]], v[raw[4]], v[raw[5]]
    if yy < 0 or mo < 0 or dd < 0 or hh < 0 or mi < 0 or ss < 0:
        raise Jt808Error(f"bad BCD in time: {raw.hex().upper()}")
    try:
        return datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=UTC) - _EIGHT_HOURS
    except ValueError as exc:
        raise Jt808Error(f"bad time {raw.hex()} (YYMMDDhhmmss): {exc}") from None


def _time_bcd(t: datetime) -> bytes:
    if t.tzinfo is None:
        raise ValueError("location time must be timezone-aware")
    t = t.astimezone(_CST)
    b = _BCD_BYTE  # YYMMDDhhmmss as strftime("%y%m%d%H%M%S") would give, without its per-call import
    return bytes((b[t.year % 100], b[t.month], b[t.day], b[t.hour], b[t.minute], b[t.second]))


def decode_location(body: bytes) -> Location:
    """Decode 0x0200 (also one item of 0x0704), validating ranges and the additional-information TLVs."""
    n = len(body)
    if n < 28:
        raise Jt808Error(f"location body {n} bytes, need at least 28")
    alarm, status, lat_raw, lon_raw, alt, speed, heading, t = _LOCATION_BASE.unpack_from(body, 0)
    lat = lat_raw / 1e6
    lon = lon_raw / 1e6
    if lat > 90.0:
        raise Jt808Error(f"latitude {lat:.6f} out of range")
    if lon > 180.0:
        raise Jt808Error(f"longitude {lon:.6f} out of range")
    if heading > 359:
        raise Jt808Error(f"heading {heading} out of range 0-359")
    if status & 0x4:
        lat = -lat
    if status & 0x8:
        lon = -lon
    when = _bcd_time(t)
    if alt >= 0x8000:  # altitude is a WORD; some terminals send below-sea-level values two's-complement
        alt -= 0x10000
    mileage = fuel = rec_speed = None
    signal = sats = None
    other: dict[int, bytes] = {}
    i = 28
    while i < n:
        if i + 2 > n:
            raise Jt808Error(f"additional info truncated at offset {i}: 1 byte left, need id and length")
        tid = body[i]
        tlen = body[i + 1]
        end = i + 2 + tlen
        if end > n:
            raise Jt808Error(f"additional info 0x{tid:02X} length {tlen} overruns the body at offset {i}")
        v = body[i + 2:end]
        if tid == 0x01 and tlen == 4:
            mileage = _U32.unpack(v)[0] / 10
        elif tid == 0x02 and tlen == 2:
            fuel = _U16.unpack(v)[0] / 10
        elif tid == 0x03 and tlen == 2:
            rec_speed = _U16.unpack(v)[0] / 10
        elif tid == 0x30 and tlen == 1:
            signal = v[0]
        elif tid == 0x31 and tlen == 1:
            sats = v[0]
        else:
            other[tid] = v
        i = end
    return Location(alarm, status, lat, lon, alt, speed / 10, heading, when, mileage, fuel, rec_speed, signal, sats,
                    other)


def encode_location(lat: float, lon: float, speed_kmh: float, heading: float, time: datetime, *, alarm: int = 0,
                    status: int | None = None, altitude: int = 0, mileage_km: float | None = None,
                    fuel_l: float | None = None, signal: int | None = None, satellites: int | None = None,
                    extra_tlvs: Iterable[tuple[int, bytes]] = ()) -> bytes:
    """0x0200 body. ``status`` defaults to ACC on + positioned; south/west bits are set from the signs."""
    st = 0x3 if status is None else status
    st = (st | 0x4) if lat < 0 else (st & ~0x4)
    st = (st | 0x8) if lon < 0 else (st & ~0x8)
    body = _LOCATION_BASE.pack(alarm, st, round(abs(lat) * 1e6), round(abs(lon) * 1e6), altitude & 0xFFFF,
                               round(speed_kmh * 10), round(heading) % 360, _time_bcd(time))
    if mileage_km is not None:
        body += b"\x01\x04" + _U32.pack(round(mileage_km * 10))
    if fuel_l is not None:
        body += b"\x02\x02" + _U16.pack(round(fuel_l * 10))
    if signal is not None:
        body += bytes((0x30, 1, signal))
    if satellites is not None:
        body += bytes((0x31, 1, satellites))
    for tid, value in extra_tlvs:
        body += bytes((tid, len(value))) + value
    return body


@dataclass(frozen=True, slots=True)
class LocationBatch:
    """0x0704: stored locations uploaded together; ``kind`` 0 = normal batch, 1 = blind-area supplement."""

    kind: int
    items: list[Location]


def decode_location_batch(body: bytes) -> LocationBatch:
    """Decode 0x0704: count (2), type (1), then ``count`` items each WORD-length-prefixed 0x0200 bodies."""
    if len(body) < 3:
        raise Jt808Error(f"location batch body {len(body)} bytes, need at least 3")
    count, kind = struct.unpack_from(">HB", body, 0)
    items: list[Location] = []
    i = 3
    for k in range(count):
        if i + 2 > len(body):
            raise Jt808Error(f"location batch says {count} items but body ends after {k}")
        ln = _U16.unpack_from(body, i)[0]
        if i + 2 + ln > len(body):
            raise Jt808Error(f"location batch item {k + 1} length {ln} overruns the body")
        try:
            items.append(decode_location(body[i + 2:i + 2 + ln]))
        except Jt808Error as exc:
            raise Jt808Error(f"location batch item {k + 1}: {exc.reason}") from None
        i += 2 + ln
    if i != len(body):
        raise Jt808Error(f"location batch has {len(body) - i} bytes after its {count} items")
    return LocationBatch(kind, items)


def encode_location_batch(bodies: Sequence[bytes], kind: int = 0) -> bytes:
    """0x0704 body from already-encoded 0x0200 bodies."""
    return struct.pack(">HB", len(bodies), kind) + b"".join(_U16.pack(len(b)) + b for b in bodies)


# --------------------------------------------------------------------------------------------------------------
# Sub-packages


class SubpackageAssembler:
    """Collect the pieces of a sub-packaged message and hand back the whole message once all have arrived.

    Pieces of one message carry consecutive serials and indexes 1..total, so ``serial - index`` identifies the
    message. Incomplete messages are forgotten after ``timeout`` seconds so a terminal that gives up mid-way does
    not pin memory.
    """

    def __init__(self, timeout: float = 60.0, max_pending: int = 64) -> None:
        self.timeout = timeout
        self.max_pending = max_pending
        self._pending: dict[tuple[str, int, int, int], tuple[float, dict[int, bytes]]] = {}

    def add(self, msg: Message, now: float | None = None) -> Message | None:
        """Add one piece; return the reassembled message when complete (header with ``subpackage=False``)."""
        h = msg.header
        if not h.subpackage:
            return msg
        if h.packet_total < 1 or not 1 <= h.packet_index <= h.packet_total:
            raise Jt808Error(f"sub-package index {h.packet_index} of {h.packet_total} is invalid", h)
        now = time.monotonic() if now is None else now
        self._expire(now)
        key = (h.phone, h.msg_id, h.packet_total, (h.serial - h.packet_index) & 0xFFFF)
        _, pieces = self._pending.setdefault(key, (now, {}))
        pieces[h.packet_index] = msg.body
        if len(pieces) < h.packet_total:
            if len(self._pending) > self.max_pending:
                oldest = min(self._pending, key=lambda k: self._pending[k][0])
                del self._pending[oldest]
            return None
        del self._pending[key]
        body = b"".join(pieces[i] for i in range(1, h.packet_total + 1))
        first_serial = (h.serial - h.packet_index + 1) & 0xFFFF
        whole = Header(h.msg_id, len(body), h.encryption, False, h.version, h.protocol_version, h.phone,
                       first_serial, 0, 0, h.header_length - 4)
        return Message(whole, body)

    def _expire(self, now: float) -> None:
        stale = [k for k, (t, _) in self._pending.items() if now - t > self.timeout]
        for k in stale:
            del self._pending[k]

    @property
    def pending(self) -> int:
        return len(self._pending)


# --------------------------------------------------------------------------------------------------------------
# Server


@dataclass(frozen=True, slots=True)
class TerminalPin:
    """What a terminal must say about itself in 0x0100 to register (config ``[[vehicles]] terminal_*``).

    Empty fields are not checked. A wrong plate is answered with result 2 (no such vehicle), a wrong maker,
    model or terminal id with result 4 (no such terminal): someone who only knows the phone number cannot
    register a box of his own in the vehicle's name.
    """

    plate: str = ""
    maker_id: str = ""
    model: str = ""
    terminal_id: str = ""

    def refusal(self, reg: Registration) -> tuple[int, str] | None:
        """(0x8100 result, reason) when ``reg`` does not match, else None."""
        if self.plate and reg.plate.strip() != self.plate:
            return REG_NO_VEHICLE, f"plate {reg.plate!r} is not the registered {self.plate!r}"
        for what, want, got in (("maker", self.maker_id, reg.maker_id), ("model", self.model, reg.model),
                                ("terminal id", self.terminal_id, reg.terminal_id)):
            if want and got.strip() != want:
                return REG_NO_TERMINAL, f"{what} {got!r} is not the registered {want!r}"
        return None


@dataclass(frozen=True, slots=True)
class TerminalRecord:
    """A terminal's registration as the platform keeps it: what it said about itself and its auth code's hash.

    Only the SHA-256 of the code is kept: whoever reads the registrations (a backup, the database's owner)
    cannot authenticate as the vehicle with them.
    """

    phone: str
    code_sha256: str
    plate: str = ""
    plate_colour: int = 0
    maker_id: str = ""
    model: str = ""
    terminal_id: str = ""
    peer: str = ""


class RegistrationStore(Protocol):
    """Where :class:`Jt808Server` keeps registrations so that they outlive the process.

    This library has no database: the application implements it over its own (``commandcenter.runtime.
    registrations``). ``load`` is called when the listener starts; ``save`` and ``revoke`` are called on the
    server's selector thread and must not block (queue the write). ``revoke`` names the code it ends, so a
    revocation that arrives late never ends a newer registration.
    """

    def load(self) -> Mapping[str, TerminalRecord]:
        """The live registrations by phone number."""
        ...

    def save(self, record: TerminalRecord) -> None:
        """A terminal registered: keep (or replace) its registration."""
        ...

    def revoke(self, phone: str, code_sha256: str, reason: str) -> None:
        """The registration holding this code ended (the terminal logged out, an operator deregistered it)."""
        ...


def code_digest(code: str) -> str:
    """SHA-256 (hex) of an auth code: what a :class:`RegistrationStore` keeps instead of the code."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


_WAKE = object()
"""Selector key data of the server's wake-up socket (the listener's is None, a terminal's its _Conn)."""
_LOCATION_MESSAGES = (MSG_LOCATION, MSG_LOCATION_BATCH)


def _known_predicate(known: Callable[[str], bool] | set[str] | frozenset[str] | None) -> Callable[[str], bool]:
    if known is None:
        return lambda _phone: False
    if callable(known):
        return known
    frozen = frozenset(known)
    return frozen.__contains__


class _Conn:
    """Per-connection state of the server: decoder, identity, outgoing bytes, consecutive bad frames."""

    __slots__ = ("alarm", "assembler", "authed", "bad_streak", "code", "decoder", "generation", "out", "peer",
                 "phone", "registered", "serial", "sock", "version", "writing")

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.decoder = FrameDecoder()
        self.assembler = SubpackageAssembler()
        self.phone = ""
        self.authed = False
        self.registered = ""  # the phone number this connection registered (it may repeat a lost 0x0100)
        self.code = ""  # the auth code handed to this connection with its registration (sent again on a repeat)
        self.generation = 0  # the phone's registration generation when this connection authenticated
        self.version = 2013
        self.bad_streak = 0
        self.out = bytearray()
        self.serial = 0
        self.alarm = 0
        self.writing = False

    def next_serial(self) -> int:
        s = self.serial
        self.serial = (s + 1) & 0xFFFF
        return s


class Jt808Server:
    """JT/T 808 platform side on TCP: one ``selectors`` thread for all terminal connections.

    A terminal must register (0x0100) or authenticate (0x0102) before its locations are accepted. Whether a
    phone number is ours is decided by ``known_terminals`` (a set of phone-number strings as the terminal sends
    them — 12 digits for 2013, 20 for 2019 — or a predicate); ``accept_unknown=True`` lets any terminal in, as on
    a test bench. An unknown terminal gets 0x8100 result 4 and a ``TerminalEvent(kind="unknown")`` so an operator
    can see it and add it, rather than wondering why a car never shows up.

    With ``ack_after_store`` (what the application runs) a location report (0x0200) or batch (0x0704) is
    answered with 0x8001 only once the core has settled the :class:`~devices.base.Receipt` its fixes carry: the
    fixes are committed, or refused by the fix chain (an invalid position is acknowledged too — sending it
    again would not make it valid). Receipts settle on other threads (the store's writer); they queue the answer
    and wake the selector loop through a socket pair, which alone writes to terminals. A report the store could
    not write is not answered, so the terminal sends it again. Without it (benches, a bare test sink) 0x8001
    means "decoded and handed to the sink".

    Auth codes are random, one per registration; the server keeps their SHA-256 by phone number, so a code
    survives a reconnect. With ``registrations`` (a :class:`RegistrationStore`; the application's keeps them in
    its database) they survive a restart too: a terminal that registered before authenticates after it with its
    code. Without one a restart forgets them and terminals register again, which the protocol expects them to
    do when authentication fails. An operator's deregistration made elsewhere (another process writing the
    store) reaches the running server through :meth:`apply_revocations`.

    Re-registration follows JT/T 808: once a terminal holds an auth code, a 0x0100 for its phone number from
    another connection is answered with result 3 (terminal already registered) and no code, so knowing a phone
    number is not enough to take over a vehicle. The registration ends with the terminal's own 0x0003 logout
    (注销) from its authenticated session or with :meth:`deregister` (an operator's action); either also
    invalidates the old code. ``pins`` (phone → :class:`TerminalPin`) refuses a registration whose plate,
    maker, model or terminal id differ from the configured ones.
    """

    kind = "jt808"

    def __init__(self, id: str, host: str = "127.0.0.1", port: int = 6808, accept_unknown: bool = False,
                 known_terminals: Callable[[str], bool] | set[str] | frozenset[str] | None = None, *,
                 max_bad_frames: int = 10, idle_timeout: float = 600.0,
                 max_clients: int = 20000, auth_timeout: float = 60.0,
                 pins: Mapping[str, TerminalPin] | None = None, ack_after_store: bool = False,
                 registrations: RegistrationStore | None = None) -> None:
        self.id = id
        self.ack_after_store = ack_after_store
        # Acknowledgements of stored fixes, queued by whichever thread settled their receipt; the selector loop
        # sends them after ``_wake_w`` wakes it (one wake byte per burst, not per answer).
        self._stored_acks: list[tuple[_Conn, Header]] = []
        self._stored_lock = threading.Lock()
        self._wake_sent = False
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self.host = host
        self.port = port
        self.accept_unknown = accept_unknown
        self._known = _known_predicate(known_terminals)
        self.max_bad_frames = max_bad_frames
        self.idle_timeout = idle_timeout
        self.max_clients = max_clients
        """Open connections at most; at the cap the idlest one is closed to let a new terminal in."""
        self.auth_timeout = auth_timeout
        """Seconds a connection may stay without registering or authenticating (idle sockets hold descriptors)."""
        self.evicted = 0
        """Connections closed to make room (at ``max_clients`` or when the process ran out of descriptors)."""
        self.timed_out = 0
        """Connections closed for silence (``idle_timeout``) or for not authenticating in ``auth_timeout``."""
        self.refused = 0
        """New connections closed at once: the cap was reached and no connection could be evicted."""
        self.pins: dict[str, TerminalPin] = dict(pins or {})
        self._store = registrations
        self._registration_lock = threading.Lock()  # deregister() comes from other threads
        self._codes: dict[str, str] = {}  # phone → SHA-256 of its valid auth code (registered terminals)
        self._generation: dict[str, int] = {}  # phone → deregistrations so far (part of the auth code)
        self.stats = LinkStats()
        self.bound_port: int | None = None
        self._conns: dict[int, _Conn] = {}
        self._last_seen: dict[int, float] = {}
        self._opened: dict[int, float] = {}  # fd → when accepted (the auth_timeout counts from there)
        self._sink: Sink = lambda _e: None
        self._sel: selectors.BaseSelector | None = None
        self.ready = threading.Event()
        """Set once the listening socket is bound (``bound_port`` valid); tests and benches wait on it."""

    # -- policy ------------------------------------------------------------------------------------------

    def is_known(self, phone: str) -> bool:
        return self.accept_unknown or self._known(phone)

    def is_registered(self, phone: str) -> bool:
        """Holds this terminal an auth code (registered or authenticated, not logged out or deregistered)?"""
        with self._registration_lock:
            return phone in self._codes

    def connection_counters(self) -> ConnectionCounters:
        """Connections evicted at the cap, timed out and refused (the device health report shows them)."""
        return ConnectionCounters(evicted=self.evicted, timed_out=self.timed_out, refused=self.refused)

    def deregister(self, phone: str, reason: str = "operator") -> bool:
        """Operator action: forget the terminal's registration so it (or its replacement) may register again.

        The old auth code stops working and sessions authenticated with it are refused from now on (a hijacker
        already connected is cut off too); the registration store is told. Returns whether the terminal was
        registered. Thread-safe.
        """
        with self._registration_lock:
            digest = self._forget(phone)
        if digest is not None and self._store is not None:
            self._store.revoke(phone, digest, reason)
        return digest is not None

    def apply_revocations(self, revoked: Mapping[str, str]) -> list[str]:
        """Registrations ended outside this process (``commandcenter tracker deregister``): phone → the hash of
        the code that was revoked. A phone whose current code is that one is deregistered here too (its sessions
        end); a phone that has registered anew since keeps its new code. Returns the phones deregistered.
        Thread-safe; the application calls it on a timer with what its store reads.
        """
        ended: list[str] = []
        with self._registration_lock:
            for phone, digest in revoked.items():
                if self._codes.get(phone) == digest:
                    self._forget(phone)
                    ended.append(phone)
        for phone in ended:
            self._sink(TerminalEvent(phone, "jt808", "deregistered", "registration ended by an operator"))
        return ended

    def _forget(self, phone: str) -> str | None:
        """Drop the phone's code and end its sessions (caller holds the lock); the code's hash, if it had one."""
        self._generation[phone] = self._generation.get(phone, 0) + 1
        return self._codes.pop(phone, None)

    # -- loop --------------------------------------------------------------------------------------------

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Listen, answer terminals and emit events until ``stop``; raise only if the port cannot be bound."""
        self._sink = sink
        if self._store is not None:  # before binding: a store that cannot be read fails the link (and it retries)
            stored = self._store.load()
            with self._registration_lock:
                for phone, record in stored.items():
                    self._codes.setdefault(phone, record.code_sha256)
        listener = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
            listener.listen(1024)
            listener.setblocking(False)
        except OSError as exc:
            listener.close()
            self.stats.last_error = f"cannot listen on {self.host}:{self.port}: {exc}"
            raise
        self.bound_port = listener.getsockname()[1]
        sel = selectors.DefaultSelector()
        self._sel = sel
        sel.register(listener, selectors.EVENT_READ, None)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        sel.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        self.ready.set()
        last_sweep = time.monotonic()
        try:
            while not stop.is_set():
                for key, mask in sel.select(timeout=0.2):
                    if key.data is _WAKE:
                        self._send_stored_acks()
                        continue
                    if key.data is None:
                        self._accept(listener)
                        continue
                    conn: _Conn = key.data
                    if mask & selectors.EVENT_READ:
                        self._read(conn)
                    if mask & selectors.EVENT_WRITE and conn.sock.fileno() >= 0:
                        self._flush(conn)
                now = time.monotonic()
                if now - last_sweep > min(5.0, self.auth_timeout / 2):
                    last_sweep = now
                    self._sweep_idle(now)
        finally:
            for conn in list(self._conns.values()):
                self._close(conn, "server stopped", emit=False)
            sel.close()
            listener.close()
            with self._stored_lock:
                self._stored_acks.clear()
                wake_r, wake_w, self._wake_r, self._wake_w = self._wake_r, self._wake_w, None, None
            for wake in (wake_r, wake_w):
                if wake is not None:
                    wake.close()
            self._sel = None
            self.stats.clients = 0
            self.ready.clear()

    def _accept(self, listener: socket.socket) -> None:
        assert self._sel is not None
        retried = False
        while True:
            try:
                sock, addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # EMFILE and friends: keep serving the connections we have
                self.stats.last_error = f"accept failed: {exc}"
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    if not retried and self._evict_idlest("out of file descriptors"):
                        retried = True  # a descriptor is free again: let the waiting terminal in
                        continue
                    time.sleep(0.05)
                return
            if len(self._conns) >= self.max_clients and not self._evict_idlest(f"{self.max_clients} connections"):
                sock.close()
                self.refused += 1
                self.stats.bad(f"refused connection from {addr[0]}:{addr[1]}: {self.max_clients} clients")
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Conn(sock, f"{addr[0]}:{addr[1]}")
            fd = sock.fileno()
            self._conns[fd] = conn
            self._last_seen[fd] = self._opened[fd] = time.monotonic()
            self._sel.register(sock, selectors.EVENT_READ, conn)
            self.stats.clients = len(self._conns)

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._close(conn, f"connection error: {exc}")
            return
        if not data:
            self._close(conn, "connection closed by terminal")
            return
        self._last_seen[conn.sock.fileno()] = time.monotonic()
        for item in conn.decoder.feed(data):
            if isinstance(item, Discard):
                conn.bad_streak += 1
                self._reject(conn, item.reason, item.data)
            else:
                self._handle_frame(conn, item)
            if conn.sock.fileno() < 0:
                return
            if conn.bad_streak >= self.max_bad_frames:
                # A peer that only sends noise (port scanner, wrong protocol) must not cost us more work.
                why = f"dropped after {conn.bad_streak} consecutive bad frames"
                self._sink(RejectedInput(self.id, f"{conn.phone or conn.peer}: {why}", "", conn.peer))
                self._close(conn, why)
                return
        if conn.out:
            self._flush(conn)

    def _handle_frame(self, conn: _Conn, raw: bytes) -> None:
        try:
            msg = decode_frame(raw)
        except Jt808Error as exc:
            conn.bad_streak += 1
            self._reject(conn, exc.reason, raw)
            h = exc.header
            if h is not None:
                self._reply(conn, h, MSG_PLATFORM_GENERAL_RESPONSE,
                            encode_general_response(h.serial, h.msg_id, RESULT_BAD_MESSAGE))
            return
        h = msg.header
        if h.encryption:
            conn.bad_streak += 1
            self._reject(conn, f"encrypted body (mode {h.encryption}) not supported", raw)
            self._reply(conn, h, MSG_PLATFORM_GENERAL_RESPONSE,
                        encode_general_response(h.serial, h.msg_id, RESULT_UNSUPPORTED))
            return
        if h.subpackage:
            try:
                whole = conn.assembler.add(msg)
            except Jt808Error as exc:
                conn.bad_streak += 1
                self._reject(conn, exc.reason, raw)
                self._reply(conn, h, MSG_PLATFORM_GENERAL_RESPONSE,
                            encode_general_response(h.serial, h.msg_id, RESULT_BAD_MESSAGE))
                return
            conn.bad_streak = 0
            if whole is not None and self.ack_after_store and whole.header.msg_id in _LOCATION_MESSAGES:
                # The last piece completes the locations: it is answered once they are stored.
                self._dispatch(conn, whole, raw, acked=False, reply_to=h)
                return
            # Every other piece is acknowledged so the terminal does not retransmit it.
            self._reply(conn, h, MSG_PLATFORM_GENERAL_RESPONSE,
                        encode_general_response(h.serial, h.msg_id, RESULT_OK))
            if whole is None:
                return
            self._dispatch(conn, whole, raw, acked=True)
            return
        self._dispatch(conn, msg, raw, acked=False)

    def _dispatch(self, conn: _Conn, msg: Message, raw: bytes, acked: bool, reply_to: Header | None = None) -> None:
        h = msg.header
        mid = h.msg_id
        conn.version = h.version
        try:
            if mid == MSG_LOCATION:
                self._on_location(conn, msg, raw, acked, reply_to or h)
            elif mid == MSG_LOCATION_BATCH:
                self._on_batch(conn, msg, raw, acked, reply_to or h)
            elif mid == MSG_HEARTBEAT:
                ok = self._session_valid(conn, h.phone)
                if not acked:
                    self._ack(conn, h, RESULT_OK if ok else RESULT_FAIL)
                self._good(conn)
            elif mid == MSG_REGISTRATION:
                self._on_registration(conn, msg)
            elif mid == MSG_AUTHENTICATION:
                self._on_authentication(conn, msg, raw, acked)
            elif mid == MSG_LOGOUT:
                if not acked:
                    self._ack(conn, h, RESULT_OK)
                self._good(conn)
                if conn.authed and conn.phone == h.phone:
                    conn.authed = False
                    conn.registered = ""
                    self.deregister(h.phone, "logout")  # 注销: the terminal gives up its registration and code
                    self._sink(TerminalEvent(h.phone, "jt808", "logout", conn.peer))
            elif mid == MSG_TERMINAL_GENERAL_RESPONSE:
                self._good(conn)  # answers to platform commands need no reply
            else:
                if not acked:
                    self._ack(conn, h, RESULT_UNSUPPORTED)
                self._good(conn)
        except Jt808Error as exc:
            conn.bad_streak += 1
            self._reject(conn, exc.reason, raw, h.phone)
            if not acked:
                self._ack(conn, reply_to or h, RESULT_BAD_MESSAGE)

    def _good(self, conn: _Conn) -> None:
        conn.bad_streak = 0
        self.stats.good()

    def _session_valid(self, conn: _Conn, phone: str) -> bool:
        """Authenticated as ``phone``, and not deregistered by an operator since (that ends the session too)."""
        if not (conn.authed and conn.phone == phone):
            return False
        with self._registration_lock:
            return self._generation.get(phone, 0) == conn.generation

    def _authed_for(self, conn: _Conn, h: Header, raw: bytes, acked: bool, what: str) -> bool:
        if self._session_valid(conn, h.phone):
            return True
        reason = (f"{what} from terminal {h.phone} refused: unknown terminal" if not self.is_known(h.phone)
                  else f"{what} from terminal {h.phone} refused: not authenticated")
        self._reject(conn, reason, raw, h.phone)
        if not acked:
            self._ack(conn, h, RESULT_FAIL)
        return False

    def _on_location(self, conn: _Conn, msg: Message, raw: bytes, acked: bool, reply_to: Header) -> None:
        h = msg.header
        if not self._authed_for(conn, h, raw, acked, "location"):
            return
        loc = decode_location(msg.body)
        receipt = self._receipt(conn, reply_to, 1, acked)
        self._good(conn)
        self._emit_fix(conn, h.phone, loc, receipt=receipt)

    def _on_batch(self, conn: _Conn, msg: Message, raw: bytes, acked: bool, reply_to: Header) -> None:
        h = msg.header
        if not self._authed_for(conn, h, raw, acked, "location batch"):
            return
        batch = decode_location_batch(msg.body)
        receipt = self._receipt(conn, reply_to, len(batch.items), acked)
        self._good(conn)
        for loc in batch.items:
            self._emit_fix(conn, h.phone, loc, batch=batch.kind, receipt=receipt)

    def _receipt(self, conn: _Conn, reply_to: Header, fixes: int, acked: bool) -> Receipt | None:
        """Answer a location message now, or hand out the receipt that answers it once its fixes are stored."""
        if acked:
            return None
        if not self.ack_after_store or fixes == 0:
            self._ack(conn, reply_to, RESULT_OK)
            return None
        return Receipt(fixes, lambda stored: self._on_stored(conn, reply_to, stored))

    def _on_stored(self, conn: _Conn, reply_to: Header, stored: bool) -> None:
        """A receipt settled (any thread): queue the 0x8001 and wake the loop. Not stored: no answer, the
        terminal retransmits the report after its timeout."""
        if not stored:
            return
        with self._stored_lock:
            wake = self._wake_w
            if wake is None:
                return  # the server stopped: the terminal sends again to the next one
            self._stored_acks.append((conn, reply_to))
            if self._wake_sent:
                return
            self._wake_sent = True
        try:
            wake.send(b"\0")
        except OSError:  # full (the loop is already woken) or closed by a stop
            pass

    def _send_stored_acks(self) -> None:
        """In the loop: send the answers whose fixes were stored, to terminals still connected."""
        assert self._wake_r is not None
        try:  # drain first: a wake byte sent from now on belongs to answers not taken below, so none is lost
            while self._wake_r.recv(4096):
                pass
        except OSError:  # drained
            pass
        with self._stored_lock:
            acks, self._stored_acks = self._stored_acks, []
            self._wake_sent = False
        touched: dict[int, _Conn] = {}
        for conn, reply_to in acks:
            fd = conn.sock.fileno()
            if fd < 0 or self._conns.get(fd) is not conn:
                continue  # the terminal left before its fixes were stored; it sends them again
            self._ack(conn, reply_to, RESULT_OK)
            touched[fd] = conn
        for conn in touched.values():
            self._flush(conn)

    def _emit_fix(self, conn: _Conn, phone: str, loc: Location, batch: int | None = None,
                  receipt: Receipt | None = None) -> None:
        extra = loc.extra()
        if batch is not None:
            extra["batch_type"] = batch
        if loc.alarm and loc.alarm != conn.alarm:
            self._sink(TerminalEvent(phone, "jt808", "alarm", f"alarm flags 0x{loc.alarm:08X}"))
        conn.alarm = loc.alarm
        self._sink(PositionFix(phone, "jt808", loc.time, loc.lat, loc.lon, loc.speed_kmh, float(loc.heading),
                               float(loc.altitude), None, extra, valid=loc.positioned, receipt=receipt))

    def _on_registration(self, conn: _Conn, msg: Message) -> None:
        h = msg.header
        reg = decode_registration(msg.body, h.version)
        self._good(conn)
        detail = (f"plate {reg.plate or '-'} colour {reg.plate_colour}, terminal {reg.terminal_id}, "
                  f"maker {reg.maker_id}, model {reg.model}, {conn.peer}")
        if not self.is_known(h.phone):
            self._reply(conn, h, MSG_REGISTRATION_RESPONSE, encode_registration_response(h.serial, REG_NO_TERMINAL))
            self._sink(TerminalEvent(h.phone, "jt808", "unknown", detail))
            return
        pin = self.pins.get(h.phone)
        mismatch = pin.refusal(reg) if pin is not None else None
        if mismatch is not None:
            result, why = mismatch
            self._refuse_registration(conn, h, result, f"registration of terminal {h.phone} refused: {why}",
                                      msg.body, detail)
            return
        with self._registration_lock:
            current = self._codes.get(h.phone)
            # This connection's own registration, its answer lost: the same code again.
            repeat = conn.registered == h.phone and current is not None and current == code_digest(conn.code)
            taken = current is not None and not repeat
            code = conn.code if repeat else secrets.token_hex(8)
            if not taken and not repeat:
                self._codes[h.phone] = code_digest(code)
        if taken:
            self._refuse_registration(
                conn, h, REG_TERMINAL_REGISTERED, f"registration of terminal {h.phone} from {conn.peer} refused: "
                "already registered (it must log out, or an operator deregister it, first)", msg.body, detail)
            return
        conn.phone = h.phone
        conn.registered = h.phone
        conn.code = code
        if not repeat and self._store is not None:
            self._store.save(TerminalRecord(h.phone, code_digest(code), reg.plate.strip(), reg.plate_colour,
                                            reg.maker_id.strip(), reg.model.strip(), reg.terminal_id.strip(),
                                            conn.peer))
        self._reply(conn, h, MSG_REGISTRATION_RESPONSE, encode_registration_response(h.serial, REG_OK, code))
        self._sink(TerminalEvent(h.phone, "jt808", "registered", detail))

    def _refuse_registration(self, conn: _Conn, h: Header, result: int, reason: str, body: bytes,
                             detail: str) -> None:
        """Answer 0x8100 with ``result`` (no code), count it and tell the operator who tried."""
        self._reply(conn, h, MSG_REGISTRATION_RESPONSE, encode_registration_response(h.serial, result))
        self.stats.bad(reason)
        self._sink(RejectedInput(self.id, reason, body[:512].hex(), conn.peer))
        self._sink(TerminalEvent(h.phone, "jt808", "registration_refused", f"{reason}; {detail}"))

    def _on_authentication(self, conn: _Conn, msg: Message, raw: bytes, acked: bool) -> None:
        h = msg.header
        auth = decode_authentication(msg.body, h.version)
        if not self.is_known(h.phone):
            self._reject(conn, f"authentication from unknown terminal {h.phone}", raw, h.phone)
            self._sink(TerminalEvent(h.phone, "jt808", "unknown", f"authentication attempt from {conn.peer}"))
            if not acked:
                self._ack(conn, h, RESULT_FAIL)
            return
        with self._registration_lock:  # checked and bound to the session at once: a revocation comes between neither
            expected = self._codes.get(h.phone)
            valid = expected is not None and hmac.compare_digest(code_digest(auth.auth_code), expected)
            if valid:
                conn.generation = self._generation.get(h.phone, 0)
        if not valid:
            self._reject(conn, f"terminal {h.phone} sent a wrong auth code; it must register again", raw, h.phone)
            if not acked:
                self._ack(conn, h, RESULT_FAIL)
            return
        conn.phone = h.phone
        conn.authed = True
        if not acked:
            self._ack(conn, h, RESULT_OK)
        self._good(conn)
        detail = conn.peer if not auth.imei else f"{conn.peer} IMEI {auth.imei} software {auth.software_version}"
        self._sink(TerminalEvent(h.phone, "jt808", "authenticated", detail))

    # -- output ------------------------------------------------------------------------------------------

    def _ack(self, conn: _Conn, h: Header, result: int) -> None:
        self._reply(conn, h, MSG_PLATFORM_GENERAL_RESPONSE, encode_general_response(h.serial, h.msg_id, result))

    def _reply(self, conn: _Conn, h: Header, msg_id: int, body: bytes) -> None:
        """Queue a platform message in the terminal's own protocol version and phone format."""
        conn.out += encode_frame(msg_id, h.phone, conn.next_serial(), body, version=h.version,
                                 protocol_version=h.protocol_version or 1)

    def _flush(self, conn: _Conn) -> None:
        try:
            sent = conn.sock.send(conn.out)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self._close(conn, f"send failed: {exc}")
            return
        del conn.out[:sent]
        if len(conn.out) > 1 << 20:
            self._close(conn, "terminal does not read its replies (1 MiB queued)")
            return
        want_write = bool(conn.out)
        if want_write != conn.writing and self._sel is not None:
            conn.writing = want_write
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if want_write else 0)
            self._sel.modify(conn.sock, events, conn)

    def _reject(self, conn: _Conn, reason: str, raw: bytes, phone: str = "") -> None:
        self.stats.bad(reason)
        who = phone or conn.phone
        self._sink(RejectedInput(self.id, f"{who}: {reason}" if who else reason, raw[:512].hex(), conn.peer))

    def _close(self, conn: _Conn, why: str, emit: bool = True) -> None:
        fd = conn.sock.fileno()
        if fd < 0:
            return
        if conn.out:
            try:
                conn.sock.send(conn.out)
            except OSError:
                pass
        if self._sel is not None:
            try:
                self._sel.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        conn.sock.close()
        self._conns.pop(fd, None)
        self._last_seen.pop(fd, None)
        self._opened.pop(fd, None)
        self.stats.clients = len(self._conns)
        if emit and conn.phone:
            self._sink(TerminalEvent(conn.phone, "jt808", "disconnected", why))

    def _sweep_idle(self, now: float) -> None:
        for fd, seen in list(self._last_seen.items()):
            conn = self._conns.get(fd)
            if conn is None:
                continue
            if now - seen > self.idle_timeout:
                self.timed_out += 1
                self._close(conn, f"no data for {self.idle_timeout:.0f} s")
            elif not conn.authed and now - self._opened.get(fd, now) > self.auth_timeout:
                self.timed_out += 1
                self._close(conn, f"not registered or authenticated within {self.auth_timeout:.0f} s")

    def _evict_idlest(self, why: str) -> bool:
        """Close one connection to make room: never-authenticated ones first, then the longest silent.

        A flood of idle sockets is newer and unauthenticated, so a real terminal that reported a minute ago
        keeps its connection; False when there is nothing to close.
        """
        if not self._last_seen:
            return False
        unauthed = [(seen, fd) for fd, seen in self._last_seen.items()
                    if fd in self._conns and not self._conns[fd].authed]
        candidates = unauthed or [(seen, fd) for fd, seen in self._last_seen.items() if fd in self._conns]
        if not candidates:
            return False
        _seen, fd = min(candidates)
        self.evicted += 1
        self._close(self._conns[fd], f"closed to make room for a new connection ({why})")
        return True


# --------------------------------------------------------------------------------------------------------------
# Client (tests, bench, simulator)


class Jt808Terminal:
    """A blocking JT/T 808 terminal: what a vehicle unit does, for tests, the bench and the simulator.

    Each request waits for the platform's answer (matched by our serial) unless ``wait=False``; answers are
    returned as ``(msg_id, result)`` style tuples so callers can assert on them.
    """

    def __init__(self, phone: str, host: str = "127.0.0.1", port: int = 6808, version: int = 2013,
                 timeout: float = 5.0, connect: bool = True) -> None:
        self.phone = phone
        self.host = host
        self.port = port
        self.version = version
        self.timeout = timeout
        self.auth_code = ""
        self._serial = 0
        self._decoder = FrameDecoder()
        self._inbox: list[Message] = []
        self.sock: socket.socket | None = None
        if connect:
            self.connect()

    def connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self) -> Jt808Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- raw I/O -----------------------------------------------------------------------------------------

    def frame(self, msg_id: int, body: bytes = b"", serial: int | None = None,
              packet: tuple[int, int] | None = None) -> tuple[int, bytes]:
        """Encode one of our messages; returns (serial used, frame bytes)."""
        if serial is None:
            serial = self._serial
            self._serial = (self._serial + 1) & 0xFFFF
        return serial, encode_frame(msg_id, self.phone, serial, body, version=self.version, packet=packet)

    def send_raw(self, data: bytes) -> None:
        if self.sock is None:
            raise OSError("terminal not connected")
        self.sock.sendall(data)

    def receive(self, timeout: float | None = None) -> Message:
        """Next complete, valid platform message (invalid frames from the platform raise Jt808Error)."""
        if self._inbox:
            return self._inbox.pop(0)
        if self.sock is None:
            raise OSError("terminal not connected")
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self._inbox:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from the platform")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("platform closed the connection")
            for item in self._decoder.feed(data):
                if isinstance(item, Discard):
                    continue
                self._inbox.append(decode_frame(item))
        return self._inbox.pop(0)

    def request(self, msg_id: int, body: bytes = b"", wait: bool = True) -> Message | None:
        """Send a message and wait for the platform answer that refers to its serial."""
        serial, data = self.frame(msg_id, body)
        self.send_raw(data)
        if not wait:
            return None
        return self._answer_to(serial)

    def _answer_to(self, serial: int) -> Message:
        while True:
            reply = self.receive()
            if len(reply.body) >= 2 and _U16.unpack_from(reply.body, 0)[0] == serial:
                return reply

    # -- messages ----------------------------------------------------------------------------------------

    def register(self, plate: str = "测A12345", plate_colour: int = 1, province: int = 44, city: int = 300,
                 maker_id: str = "CCTST", model: str = "CC-T1", terminal_id: str = "") -> tuple[int, str]:
        """0x0100; returns (result, auth code). The code is remembered for :meth:`authenticate`."""
        reg = Registration(province, city, maker_id, model, terminal_id or self.phone[-7:], plate_colour, plate)
        reply = self.request(MSG_REGISTRATION, encode_registration(reg, self.version))
        assert reply is not None
        if reply.header.msg_id != MSG_REGISTRATION_RESPONSE:
            _, _, result = decode_general_response(reply.body)
            raise Jt808Error(f"platform answered the registration with 0x{reply.header.msg_id:04X} result {result}")
        _, result, code = decode_registration_response(reply.body)
        if result == REG_OK:
            self.auth_code = code
        return result, code

    def authenticate(self, auth_code: str | None = None, imei: str = "860000000000001",
                     software_version: str = "1.0.0") -> int:
        """0x0102 with the remembered (or given) code; returns the 0x8001 result."""
        body = encode_authentication(self.auth_code if auth_code is None else auth_code, self.version, imei,
                                     software_version)
        return self._general(MSG_AUTHENTICATION, body)

    def heartbeat(self) -> int:
        return self._general(MSG_HEARTBEAT, b"")

    def logout(self) -> int:
        return self._general(MSG_LOGOUT, b"")

    def report(self, lat: float, lon: float, speed_kmh: float = 0.0, heading: float = 0.0,
               time: datetime | None = None, alarm: int = 0, status: int | None = None, altitude: int = 0,
               mileage_km: float | None = None, fuel_l: float | None = None, wait: bool = True) -> int | None:
        """0x0200; returns the 0x8001 result (None with ``wait=False``)."""
        body = encode_location(lat, lon, speed_kmh, heading, time or datetime.now(UTC), alarm=alarm,
                               status=status, altitude=altitude, mileage_km=mileage_km, fuel_l=fuel_l)
        if not wait:
            self.request(MSG_LOCATION, body, wait=False)
            return None
        return self._general(MSG_LOCATION, body)

    def batch_report(self, items: Sequence[dict[str, Any]], kind: int = 0, wait: bool = True) -> int | None:
        """0x0704 from dicts of :meth:`report` keyword arguments (lat, lon, speed_kmh, heading, time, ...)."""
        bodies = []
        for it in items:
            args = dict(it)
            bodies.append(encode_location(args.pop("lat"), args.pop("lon"), args.pop("speed_kmh", 0.0),
                                          args.pop("heading", 0.0), args.pop("time", None) or datetime.now(UTC),
                                          **args))
        body = encode_location_batch(bodies, kind)
        if not wait:
            self.request(MSG_LOCATION_BATCH, body, wait=False)
            return None
        return self._general(MSG_LOCATION_BATCH, body)

    def _general(self, msg_id: int, body: bytes) -> int:
        reply = self.request(msg_id, body)
        assert reply is not None
        if reply.header.msg_id == MSG_PLATFORM_GENERAL_RESPONSE:
            return decode_general_response(reply.body)[2]
        raise Jt808Error(f"expected 0x8001, platform sent 0x{reply.header.msg_id:04X}")
