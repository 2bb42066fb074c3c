"""The fix chain: the one path every tracker's position takes from a device to a unit's current position.

Like Traccar's handler chain, each stage does one job and the order is fixed::

    filter      the fix on its own: the device says it has no GPS fix, (0, 0), latitude/longitude out of range or
                not finite, a time from the future beyond the allowed clock skew, before 2000 or older than the
                oldest history worth keeping
    resolve     device key → unit (a JT/T 808 phone number, an OsmAnd id, an NMEA port's unit, a drone id)
    plausible   the fix against the unit's own track: a jump faster than the unit's kind can move is refused
    persist     the ``position_fixes`` history (drones thinned to one fix a second: they report 5-20 a second)
    latest      the unit's current position: the latest accepted fix by time (a late fix is history only)
    geofence    the latest positions, coalesced to ``CHANGES_HZ`` (5 Hz), go to the geofence (``UnitTracker.changed``)

Officers (OsmAnd), vehicles (JT/T 808), NMEA receivers and drones (MAVLink, fed by the drone fleet) all pass it,
so the map, dispatch ranking, history replay and the geofence see one stream. Every refusal is counted by reason
(and by source) for the health report's ``fixes`` section: a tracker that keeps sending (0, 0) shows up there.

:class:`FixChain` is plain Python; :class:`commandcenter.runtime.units.UnitTracker` runs it under its lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from commandcenter.domain import UnitPosition
from commandcenter.geo.coords import haversine_m
from commandcenter.store import FixRow
from devices.base import PositionFix


class Refusal(StrEnum):
    """Why a fix did not become a position (the keys of the health report's ``fixes.refused``)."""

    NO_FIX = "no_fix"  # the device says it has no GPS fix
    ZERO = "zero_coordinates"  # (0, 0): a receiver without a position filling in zeros
    OUT_OF_RANGE = "out_of_range"  # |lat| > 90, |lon| > 180, NaN or infinite
    FUTURE = "future"  # dated later than now plus the allowed clock skew (a phone set to 2099 pins its unit)
    TOO_OLD = "too_old"  # before 2000 (timestamp 0, 1900) or older than the oldest history kept
    BAD_TIME = "bad_time"  # not a timezone-aware time (an adapter bug; counted rather than crashing the chain)
    UNKNOWN_DEVICE = "unknown_device"  # no unit reports under this device key
    IMPOSSIBLE_JUMP = "impossible_jump"  # faster than the unit's kind can move since its last position


# Speeds (km/h) no unit of a kind reaches between two fixes; generous, so only glitches are refused
# (a receiver jumping to its last cold-start position, a terminal sending another terminal's buffer).
MAX_SPEED_KMH: dict[str, float] = {"officer": 200.0, "vehicle": 250.0, "drone": 300.0}
DEFAULT_MAX_SPEED_KMH = 1000.0
JITTER_M = 50.0  # moves this small are never jumps, whatever the time between (same-second fixes, GPS noise)
# Speed is judged over at least this long: fix times have one-second resolution, phones' clocks wander and a
# tracker may send two fixes in the same second, so over a shorter span a normal move reads as a huge speed.
# Glitches are kilometres away, which this still refuses (an officer 600 m away within 10 s is).
MIN_JUDGED_INTERVAL_S = 10.0
# Both coordinate differences below this many degrees: the move is under JITTER_M for sure (0.0003° is at most
# 33.4 m of latitude or of longitude, so at most 47.2 m diagonally), so no distance needs computing.
_JITTER_DEG = 0.0003
# Seconds between fixes kept in the history per kind (0: every fix). Drones stream 5-20 positions a second;
# one a second replays smoothly and keeps position_fixes small.
PERSIST_INTERVAL_S: dict[str, float] = {"drone": 1.0}
# A fix dated later than now by more than this is refused: phones and terminals with a wrong clock (or a forged
# 2099) would otherwise stay "latest" for ever and hide every honest fix after them. [trackers] max_clock_skew_s.
MAX_CLOCK_SKEW_S = 300.0
# Fixes older than this are refused, not stored: a terminal emptying a buffer of days is normal (0x0704), a
# fix months old is a receiver's cold-start date or a forged one. [trackers] max_fix_age_h.
MAX_FIX_AGE_H = 7 * 24.0
# No tracker in service reports before this: timestamp 0 (1970), 1900 and GPS week-rollover dates are refused.
EARLIEST_FIX = datetime(2000, 1, 1, tzinfo=UTC)
MAX_TRACKED_DEVICES = 4096  # device keys with their own refusal counters (the rest count per source only)
_NUMBER = (float, int)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Which fix times are believable: not before ``earliest``/``max_age`` ago, not beyond ``max_skew`` ahead."""

    max_skew: timedelta = timedelta(seconds=MAX_CLOCK_SKEW_S)
    max_age: timedelta = timedelta(hours=MAX_FIX_AGE_H)
    earliest: datetime = EARLIEST_FIX


DEFAULT_WINDOW = TimeWindow()


def refusal_of(fix: PositionFix, now: datetime | None = None, window: TimeWindow = DEFAULT_WINDOW) -> Refusal | None:
    """The filter stage: why this fix cannot be a position on its own, or None when it can.

    ``now`` defaults to the wall clock (UTC); the chain passes one ``now`` per batch.
    """
    if not fix.valid:
        return Refusal.NO_FIX
    lat, lon = fix.lat, fix.lon
    # A tuple, not ``float | int``: that builds a union object on every call, and this runs once per fix (the
    # union made this line half of the fix chain's CPU in a py-spy --gil profile of bench_store). NaN fails
    # every comparison and ±inf is outside the ranges, so the range test also refuses what is not finite.
    if not (isinstance(lat, _NUMBER) and isinstance(lon, _NUMBER)) \
            or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return Refusal.OUT_OF_RANGE
    if lat == 0.0 and lon == 0.0:
        return Refusal.ZERO
    when = fix.time
    if not isinstance(when, datetime) or when.tzinfo is None:  # adapters promise aware UTC times
        return Refusal.BAD_TIME
    now = now or datetime.now(UTC)
    if when - now > window.max_skew:
        return Refusal.FUTURE
    if when < window.earliest or now - when > window.max_age:
        return Refusal.TOO_OLD
    return None


def implied_speed_kmh(lat: float, lon: float, when: datetime, fix: PositionFix) -> float:
    """Speed needed to get from (lat, lon) at ``when`` to ``fix``; moves within the jitter radius count as 0."""
    if abs(fix.lat - lat) < _JITTER_DEG and abs(fix.lon - lon) < _JITTER_DEG:
        return 0.0  # the usual case (a fix a second after the last one), without the trigonometry
    metres = haversine_m(lat, lon, fix.lat, fix.lon)
    if metres <= JITTER_M:
        return 0.0
    seconds = max((fix.time - when).total_seconds(), MIN_JUDGED_INTERVAL_S)
    return metres / seconds * 3.6


@dataclass(frozen=True, slots=True)
class UnitRef:
    """What the chain needs to know about the unit a fix resolved to."""

    id: str
    kind: str
    name: str
    sub_kind: str
    status: str


@dataclass(slots=True)
class ChainOutcome:
    """What one run of the chain produced: rows for the store, units whose current position moved, new strangers."""

    rows: list[FixRow] = field(default_factory=list)
    moved: set[str] = field(default_factory=set)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (source, device key) seen for the first time


class FixChain:
    """filter → resolve → plausible → persist → latest over a batch of fixes; counts every refusal.

    ``resolve`` maps a fix to its unit (None: unknown device). ``latest`` is the tracker's dict of current
    positions, updated in place. Not thread-safe by itself: the tracker runs it under its lock.
    """

    def __init__(self, resolve: Callable[[PositionFix], UnitRef | None], latest: dict[str, UnitPosition], *,
                 max_speed_kmh: Mapping[str, float] | None = None,
                 persist_interval_s: Mapping[str, float] | None = None, window: TimeWindow = DEFAULT_WINDOW,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._resolve = resolve
        self.window = window
        self._clock = clock
        self._latest = latest
        self.max_speed_kmh = dict(MAX_SPEED_KMH if max_speed_kmh is None else max_speed_kmh)
        self.persist_interval_s = dict(PERSIST_INTERVAL_S if persist_interval_s is None else persist_interval_s)
        self._persisted: dict[str, datetime] = {}  # unit → time of the last fix written to the history
        self._suspect: dict[str, PositionFix] = {}  # unit → the last fix refused as a jump
        self._unknown_keys: set[tuple[str, str]] = set()
        self.received = 0
        self.accepted = 0
        self.persisted = 0
        self.refused: Counter[str] = Counter()
        self.refused_by_source: dict[str, Counter[str]] = {}
        self.refused_by_device: dict[tuple[str, str], Counter[str]] = {}  # (source, device key), bounded

    def run(self, fixes: Iterable[PositionFix]) -> ChainOutcome:
        """One batch through the stages. A unit's current position is built once per batch, from its newest
        accepted fix (a JT/T 808 batch carries dozens of fixes of one unit; only the last one is shown)."""
        out = ChainOutcome()
        now = self._clock()
        window = self.window
        latest = self._latest
        newest: dict[str, tuple[UnitRef, PositionFix]] = {}  # unit → its newest accepted fix of this batch
        for fix in fixes:
            self.received += 1
            reason = refusal_of(fix, now, window)  # filter
            if reason is not None:
                self._refuse(fix, reason)
                continue
            unit = self._resolve(fix)  # resolve
            if unit is None:
                self._refuse(fix, Refusal.UNKNOWN_DEVICE)
                if (fix.source, fix.device_key) not in self._unknown_keys:
                    self._unknown_keys.add((fix.source, fix.device_key))
                    out.unknown.append((fix.source, fix.device_key))
                continue
            in_batch = newest.get(unit.id)
            if in_batch is not None:
                before: tuple[float, float, datetime] | None = (in_batch[1].lat, in_batch[1].lon, in_batch[1].time)
            else:
                previous = latest.get(unit.id)
                before = None if previous is None else (previous.lat, previous.lon, previous.fix_time)
            late = before is not None and fix.time < before[2]
            if not late and before is not None and not self._plausible(unit, before, fix):  # plausible
                self._refuse(fix, Refusal.IMPOSSIBLE_JUMP)
                continue
            self.accepted += 1
            if self._due(unit, fix, late):  # persist
                out.rows.append(FixRow(unit.id, fix.time, fix.lat, fix.lon, fix.speed_kmh, fix.heading, fix.source))
                self.persisted += 1
            if not late:  # a late fix (e.g. a JT/T 808 batch of stored fixes) is history, not "now"
                newest[unit.id] = (unit, fix)
        for unit, fix in newest.values():  # latest
            latest[unit.id] = UnitPosition(
                id=unit.id, kind=unit.kind, name=unit.name, lat=fix.lat, lon=fix.lon, fix_time=fix.time,
                speed=fix.speed_kmh, heading=fix.heading, source=fix.source, status=unit.status,
                sub_kind=unit.sub_kind, extra=dict(fix.extra))
        out.moved.update(newest)
        return out

    def _plausible(self, unit: UnitRef, before: tuple[float, float, datetime], fix: PositionFix) -> bool:
        """Reachable from the current position (``before``: lat, lon, time) at the kind's top speed?

        A glitch is one fix far away; a unit that really is elsewhere (its earlier position was the glitch, or
        it was carried on a truck while switched off) keeps reporting from there. So a fix refused against the
        current position is still accepted when it is reachable from the last refused one.
        """
        bound = self.max_speed_kmh.get(unit.kind, DEFAULT_MAX_SPEED_KMH)
        if implied_speed_kmh(before[0], before[1], before[2], fix) <= bound:
            if self._suspect:
                self._suspect.pop(unit.id, None)
            return True
        suspect = self._suspect.get(unit.id)
        self._suspect[unit.id] = fix
        if suspect is not None and fix.time >= suspect.time \
                and implied_speed_kmh(suspect.lat, suspect.lon, suspect.time, fix) <= bound:
            del self._suspect[unit.id]
            return True
        return False

    def _due(self, unit: UnitRef, fix: PositionFix, late: bool) -> bool:
        interval = self.persist_interval_s.get(unit.kind, 0.0)
        last = self._persisted.get(unit.id)
        if interval > 0 and not late and last is not None and (fix.time - last).total_seconds() < interval:
            return False
        if last is None or fix.time > last:
            self._persisted[unit.id] = fix.time
        return True

    def _refuse(self, fix: PositionFix, reason: Refusal) -> None:
        self.refused[reason.value] += 1
        self.refused_by_source.setdefault(fix.source, Counter())[reason.value] += 1
        key = (fix.source, fix.device_key)
        per_device = self.refused_by_device.get(key)
        if per_device is None:
            if len(self.refused_by_device) >= MAX_TRACKED_DEVICES:
                return  # garbage keys must not grow the counters without bound; the source total still counts
            per_device = self.refused_by_device[key] = Counter()
        per_device[reason.value] += 1

    def refused_of(self, source: str, device_key: str | None = None) -> dict[str, int]:
        """Refusals by reason of one source (a listener), or of one device of it (an NMEA port's unit)."""
        counts = self.refused_by_source.get(source) if device_key is None \
            else self.refused_by_device.get((source, device_key))
        return dict(counts) if counts else {}

    def report(self) -> dict[str, object]:
        """The health report's ``fixes`` section: how many came, how many counted, why the rest did not."""
        return {
            "received": self.received,
            "accepted": self.accepted,
            "persisted": self.persisted,
            "refused": {reason.value: self.refused.get(reason.value, 0) for reason in Refusal},
            "refused_by_source": {source: dict(counts) for source, counts in sorted(self.refused_by_source.items())},
        }
