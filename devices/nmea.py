"""NMEA 0183 from a GNSS receiver on a serial port (or anything pyserial's ``serial_for_url`` opens).

Used for receivers wired to a command vehicle or a fixed post: one port is one unit. The receiver sends an
*epoch* of sentences once per second (RMC, GGA, VTG, GSA, GSV, ... in a vendor-specific order). RMC carries the
date, time, validity, position, speed and course; GGA adds fix quality, satellites, HDOP and altitude; VTG repeats
speed and course. The sentences of one epoch are merged into one ``PositionFix``.

Checksum policy: a sentence whose ``*hh`` checksum is present and wrong is rejected; a sentence *without* a
checksum is accepted, because some receivers and NMEA multiplexers omit it and the serial link already has its
own framing. Talkers accepted: GP (GPS), GN (multi-constellation), BD/GB (BeiDou), GL (GLONASS), GA (Galileo).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import serial

from devices.base import LinkStats, PositionFix, RejectedInput, Sink, TerminalEvent

__all__ = ["TALKERS", "NmeaError", "NmeaFixAssembler", "NmeaSerialReader", "Sentence", "nmea_checksum",
           "parse_sentence", "with_checksum"]

TALKERS = frozenset({"GP", "GN", "BD", "GB", "GL", "GA"})
KNOT_KMH = 1.852
_MAX_KNOTS = 2000.0  # faster than any receiver we carry (a fighter jet's top speed): garbage beyond
_MAX_LINE = 256  # NMEA says 82 characters; proprietary sentences run longer, garbage runs much longer


class NmeaError(ValueError):
    """A sentence that cannot be used; ``str(err)`` is the reason."""


def nmea_checksum(body: str) -> int:
    """XOR of the characters between ``$`` and ``*``."""
    x = 0
    for b in body.encode("ascii"):
        x ^= b
    return x


def with_checksum(body: str) -> str:
    """``GPRMC,...`` -> ``$GPRMC,...*hh`` (for tests and simulators)."""
    return f"${body}*{nmea_checksum(body):02X}"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One parsed GGA/RMC/VTG sentence; absent fields are None."""

    talker: str
    kind: str  # "GGA" | "RMC" | "VTG"
    utc: time | None = None
    day: date | None = None
    valid: bool = True
    lat: float | None = None
    lon: float | None = None
    speed_kmh: float | None = None
    course: float | None = None
    quality: int | None = None
    satellites: int | None = None
    hdop: float | None = None
    altitude: float | None = None
    mode: str | None = None
    checksum_present: bool = True


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")  # plain decimal: no inf, nan, exponent or underscores
_UNSIGNED = re.compile(r"\d+(\.\d*)?")
_UTC = re.compile(r"(\d{2})(\d{2})(\d{2}(?:\.\d{1,9})?)")
_MAX_FIELD = 20  # longer numeric fields are garbage (and would make int() do quadratic work)


def _float(value: str, what: str) -> float | None:
    """A decimal field; ``inf``, ``nan``, exponents and other things ``float()`` accepts are refused."""
    if value == "":
        return None
    if len(value) > _MAX_FIELD or not _NUMBER.fullmatch(value):
        raise NmeaError(f"bad {what} {value[:_MAX_FIELD]!r}")
    return float(value)


def _int(value: str, what: str) -> int | None:
    if value == "":
        return None
    if len(value) > _MAX_FIELD or not value.isdigit() or not value.isascii():
        raise NmeaError(f"bad {what} {value[:_MAX_FIELD]!r}")
    return int(value)


def _coord(value: str, hemi: str, lat: bool) -> float | None:
    """``ddmm.mmmm``/``dddmm.mmmm`` plus hemisphere -> signed degrees, range-checked.

    The sign comes only from the hemisphere: a ``-999`` (or any sign, exponent, ``inf``) in the number is refused.
    """
    if value == "" and hemi == "":
        return None
    name = "latitude" if lat else "longitude"
    ok_hemi = ("N", "S") if lat else ("E", "W")
    if hemi not in ok_hemi:
        raise NmeaError(f"bad {name} hemisphere {hemi!r}")
    if len(value) > _MAX_FIELD or not _UNSIGNED.fullmatch(value) or not value.isascii():
        raise NmeaError(f"bad {name} {value[:_MAX_FIELD]!r}")
    dot = value.find(".")
    deg_len = (dot if dot >= 0 else len(value)) - 2
    if deg_len < 1 or deg_len > (2 if lat else 3):
        raise NmeaError(f"bad {name} {value!r}")
    degrees = int(value[:deg_len])
    minutes = float(value[deg_len:])
    if minutes >= 60.0:
        raise NmeaError(f"bad {name} {value!r}: {minutes} minutes")
    result = degrees + minutes / 60.0
    limit = 90.0 if lat else 180.0
    if result > limit:
        raise NmeaError(f"{name} {result:.6f} out of range")
    return -result if hemi in ("S", "W") else result


def _utc(value: str) -> time | None:
    """``hhmmss[.sss]``; anything else (``1159inf``, ``99``, signs) is a bad time, never an exception of its own."""
    if value == "":
        return None
    match = _UTC.fullmatch(value) if value.isascii() else None
    if match is None:
        raise NmeaError(f"bad UTC time {value[:_MAX_FIELD]!r}")
    hh, mm = int(match[1]), int(match[2])
    sec = float(match[3])
    whole = int(sec)
    micro = min(round((sec - whole) * 1e6), 999_999)
    try:
        return time(hh, mm, whole, micro)
    except ValueError:
        raise NmeaError(f"bad UTC time {value!r}") from None


def _day(value: str) -> date | None:
    if value == "":
        return None
    if len(value) != 6 or not value.isdigit() or not value.isascii():
        raise NmeaError(f"bad date {value[:_MAX_FIELD]!r}")
    yy = int(value[4:6])
    try:  # two-digit year: 80-99 are 1980-1999 (GPS week-rollover era), 00-79 are 2000-2079
        return date((1900 if yy >= 80 else 2000) + yy, int(value[2:4]), int(value[0:2]))
    except ValueError:
        raise NmeaError(f"bad date {value!r}") from None


def _bounded(value: float | None, what: str, low: float, high: float) -> float | None:
    if value is not None and not low <= value <= high:
        raise NmeaError(f"{what} {value:g} out of range {low:g}..{high:g}")
    return value


def parse_sentence(line: str) -> Sentence | None:
    """Parse one line. Returns None for well-formed sentences we do not use (GSA, GSV, proprietary...).

    Raises :class:`NmeaError` for a wrong checksum, an unknown talker or a malformed GGA/RMC/VTG.
    """
    line = line.strip()
    if not line.startswith("$"):
        raise NmeaError(f"not an NMEA sentence (no '$'): {line[:40]!r}")
    star = line.rfind("*")
    present = star >= 0
    if present:
        body = line[1:star]
        given = line[star + 1:]
        try:
            want = int(given, 16)
            if len(given) != 2:
                raise ValueError
        except ValueError:
            raise NmeaError(f"bad checksum field {given!r}") from None
        try:
            computed = nmea_checksum(body)
        except UnicodeEncodeError:
            raise NmeaError("non-ASCII characters in sentence") from None
        if computed != want:
            raise NmeaError(f"bad checksum: computed 0x{computed:02X}, sentence has 0x{want:02X}")
    else:
        body = line[1:]
    fields = body.split(",")
    address = fields[0]
    if address.startswith("P"):
        return None  # proprietary ($PUBX, $PMTK...): valid traffic, not ours
    if len(address) != 5:
        raise NmeaError(f"bad sentence address {address!r}")
    talker, kind = address[:2], address[2:]
    if kind not in ("GGA", "RMC", "VTG"):
        return None
    if talker not in TALKERS:
        raise NmeaError(f"unknown talker {talker!r} in {address}")
    f = fields[1:]
    if kind == "RMC":
        if len(f) < 9:
            raise NmeaError(f"RMC has {len(f)} fields, need at least 9")
        status = f[1]
        if status not in ("A", "V"):
            raise NmeaError(f"bad RMC status {status!r}")
        mode = f[11] if len(f) > 11 and f[11] else None
        valid = status == "A" and mode != "N"
        speed = _bounded(_float(f[6], "speed"), "speed (knots)", 0.0, _MAX_KNOTS)
        return Sentence(talker, kind, _utc(f[0]), _day(f[8]), valid, _coord(f[2], f[3], True),
                        _coord(f[4], f[5], False), None if speed is None else speed * KNOT_KMH,
                        _bounded(_float(f[7], "course"), "course", 0.0, 360.0), mode=mode,
                        checksum_present=present)
    if kind == "GGA":
        if len(f) < 9:
            raise NmeaError(f"GGA has {len(f)} fields, need at least 9")
        quality = _int(f[5], "fix quality")
        return Sentence(talker, kind, _utc(f[0]), None, bool(quality), _coord(f[1], f[2], True),
                        _coord(f[3], f[4], False), quality=quality, satellites=_int(f[6], "satellite count"),
                        hdop=_bounded(_float(f[7], "HDOP"), "HDOP", 0.0, 100.0),
                        altitude=_bounded(_float(f[8], "altitude"), "altitude", -1000.0, 100_000.0),
                        checksum_present=present)
    # VTG: course T, 'T', course M, 'M', speed knots, 'N', speed km/h, 'K', mode
    if len(f) < 8:
        raise NmeaError(f"VTG has {len(f)} fields, need at least 8")
    kmh = _bounded(_float(f[6], "speed km/h"), "speed (km/h)", 0.0, _MAX_KNOTS * KNOT_KMH)
    if kmh is None:
        knots = _bounded(_float(f[4], "speed knots"), "speed (knots)", 0.0, _MAX_KNOTS)
        kmh = None if knots is None else knots * KNOT_KMH
    mode = f[8] if len(f) > 8 and f[8] else None
    return Sentence(talker, kind, None, None, mode != "N", speed_kmh=kmh,
                    course=_bounded(_float(f[0], "course"), "course", 0.0, 360.0), mode=mode,
                    checksum_present=present)


@dataclass(slots=True)
class _Epoch:
    utc: time | None
    rmc: Sentence | None = None
    gga: Sentence | None = None
    vtg: Sentence | None = None
    seen: set[str] = field(default_factory=set)


class NmeaFixAssembler:
    """Merge the RMC/GGA/VTG sentences of one epoch (same UTC time) into one PositionFix.

    An epoch is emitted as soon as both RMC and GGA have arrived, when a sentence of a later epoch arrives, or on
    :meth:`flush` (the reader calls it when the line goes quiet, so RMC-only receivers are not a second late).
    An epoch that either sentence marks invalid (RMC status V, GGA quality 0) produces no position.
    GGA has no date: a GGA-only epoch takes the date of the last RMC, else today's UTC date.
    """

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self._epoch: _Epoch | None = None
        self._last_day: date | None = None
        self._done: time | None = None
        self.valid: bool | None = None
        """Whether the last completed epoch had a fix (None before the first one)."""

    def add(self, s: Sentence) -> list[PositionFix | None]:
        """Feed one sentence; returns completed epochs (a fix, or None for an epoch without a valid fix)."""
        out: list[PositionFix | None] = []
        if s.kind == "VTG":
            if self._epoch is not None and self._epoch.vtg is None:
                self._epoch.vtg = s
            return out
        if s.utc is not None and s.utc == self._done:
            return out  # a second talker repeating an epoch already emitted (e.g. GP and GN)
        ep = self._epoch
        if ep is not None and (ep.utc != s.utc or s.kind in ep.seen):
            out.append(self._finish(ep))
            ep = None
        if ep is None:
            ep = self._epoch = _Epoch(s.utc)
        ep.seen.add(s.kind)
        if s.kind == "RMC":
            ep.rmc = s
            if s.day is not None:
                self._last_day = s.day
        else:
            ep.gga = s
        if ep.rmc is not None and ep.gga is not None:
            out.append(self._finish(ep))
        return out

    def flush(self) -> list[PositionFix | None]:
        """Emit the pending epoch, if any."""
        if self._epoch is None:
            return []
        return [self._finish(self._epoch)]

    def _finish(self, ep: _Epoch) -> PositionFix | None:
        self._epoch = None
        self._done = ep.utc
        rmc, gga, vtg = ep.rmc, ep.gga, ep.vtg
        valid = (rmc is None or rmc.valid) and (gga is None or gga.valid)
        primary = rmc if rmc is not None else gga
        if primary is None or primary.lat is None or primary.lon is None or primary.utc is None:
            valid = False
        self.valid = valid
        if not valid or primary is None or primary.lat is None or primary.lon is None or primary.utc is None:
            return None
        day = (rmc.day if rmc is not None else None) or self._last_day or datetime.now(UTC).date()
        when = datetime.combine(day, primary.utc, UTC)
        if rmc is None and self._last_day is None and when - datetime.now(UTC) > timedelta(hours=12):
            when -= timedelta(days=1)  # GGA just before midnight read just after it
        speed = rmc.speed_kmh if rmc is not None and rmc.speed_kmh is not None else (vtg.speed_kmh if vtg else None)
        course = rmc.course if rmc is not None and rmc.course is not None else (vtg.course if vtg else None)
        extra: dict[str, Any] = {}
        if gga is not None:
            if gga.quality is not None:
                extra["fix_quality"] = gga.quality
            if gga.satellites is not None:
                extra["satellites"] = gga.satellites
            if gga.hdop is not None:
                extra["hdop"] = gga.hdop
        if rmc is not None and rmc.mode:
            extra["mode"] = rmc.mode
        extra["talker"] = primary.talker
        return PositionFix(self.unit, "nmea", when, primary.lat, primary.lon, speed, course,
                           gga.altitude if gga is not None else None, None, extra)


class NmeaSerialReader:
    """Adapter: read NMEA lines from ``url`` (a device path, ``socket://host:port``, ``loop://``, a pty).

    Opening failure and a port that disappears (USB receiver unplugged, pty closed) raise, so the runtime marks
    the device offline and reopens it with backoff. Bad sentences are counted and reported, never raised.
    """

    kind = "nmea"

    def __init__(self, id: str, url: str, baud: int = 9600, unit: str = "", read_timeout: float = 0.2) -> None:
        self.id = id
        self.url = url
        self.baud = baud
        self.unit = unit or id
        self.read_timeout = read_timeout
        self.stats = LinkStats()
        self.ready = threading.Event()
        """Set while the port is open."""
        self._had_fix: bool | None = None

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        """Read until ``stop``; raise ``serial.SerialException`` (or OSError) if the port fails."""
        try:
            port = serial.serial_for_url(self.url, baudrate=self.baud, timeout=self.read_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            self.stats.last_error = f"cannot open {self.url}: {exc}"
            raise
        assembler = NmeaFixAssembler(self.unit)
        buf = b""
        self.ready.set()
        try:
            while not stop.is_set():
                try:
                    chunk = port.read(1)
                    if chunk:
                        waiting = port.in_waiting
                        if waiting:
                            chunk += port.read(waiting)
                except (serial.SerialException, OSError) as exc:
                    self.stats.last_error = f"{self.url}: {exc}"
                    raise
                if not chunk:
                    self._emit(sink, assembler, assembler.flush())
                    continue
                buf += chunk
                lines = buf.split(b"\n")
                buf = lines.pop()
                if len(buf) > _MAX_LINE:
                    self._reject(sink, f"no line end in {len(buf)} bytes", buf)
                    buf = b""
                for raw in lines:
                    self._line(sink, assembler, raw)
        finally:
            self.ready.clear()
            port.close()

    def _line(self, sink: Sink, assembler: NmeaFixAssembler, raw: bytes) -> None:
        raw = raw.strip(b"\r\x00 ")
        if not raw:
            return
        if len(raw) > _MAX_LINE:
            self._reject(sink, f"line of {len(raw)} bytes is too long for NMEA", raw)
            return
        try:
            text = raw.decode("ascii")
            sentence = parse_sentence(text)
        except UnicodeDecodeError:
            self._reject(sink, "non-ASCII bytes in line", raw)
            return
        except NmeaError as exc:
            self._reject(sink, str(exc), raw)
            return
        except (ValueError, OverflowError) as exc:  # a field the parser did not foresee: refuse, keep reading
            self._reject(sink, f"unreadable sentence: {exc}", raw)
            return
        if sentence is None:
            return
        self.stats.good()
        self._emit(sink, assembler, assembler.add(sentence))

    def _emit(self, sink: Sink, assembler: NmeaFixAssembler, results: list[PositionFix | None]) -> None:
        for fix in results:
            now_valid = fix is not None
            if self._had_fix is not None and self._had_fix != now_valid:
                sink(TerminalEvent(self.unit, "nmea", "fix" if now_valid else "no_fix",
                                   "receiver has a position again" if now_valid else "receiver lost its fix"))
            self._had_fix = now_valid
            if fix is not None:
                sink(fix)

    def _reject(self, sink: Sink, reason: str, raw: bytes) -> None:
        self.stats.bad(reason)
        sink(RejectedInput(self.id, reason, raw[:256].hex(), self.url))
