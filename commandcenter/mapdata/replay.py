"""History replay: where every unit was at any moment of a period, and which cases existed then.

:class:`HistoryService` loads ``position_fixes`` (plus the last fix before the period, so every unit has a
position from the first second) and the cases and case events of the period on a worker thread, then answers
from memory:

* :meth:`HistoryService.positions_at` — all units at time ``t`` in one vectorised step (a single
  ``searchsorted`` over fixes sorted by (unit, time) with a combined key), linear interpolation between two
  fixes less than ``max_gap_s`` apart, else the last known position with its age. Cheap enough to run on every
  clock tick at 60× speed.
* :meth:`HistoryService.position_of` — "where was officer X at 14:05".
* :meth:`HistoryService.cases_at` — case pins with their status at ``t`` (from the case events).

:class:`ReplayClock` is the play/pause/seek clock (1×–60×) that drives the map at ≤ 20 Hz.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_right
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import select

from commandcenter.mapdata.trips import TripSummary, trip_summary
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store
from commandcenter.store.models import Case, CaseEvent, PositionFix

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
MIN_SPEED, MAX_SPEED = 1.0, 60.0


def _ts(t: float | datetime) -> float:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise ValueError("naive datetime given to the replay; use timezone-aware times")
        return t.timestamp()
    return float(t)


@dataclass(frozen=True, slots=True)
class HistoricalPosition:
    """A unit's position at a past moment (``age_s`` = seconds since the fix it is based on)."""

    unit_id: str
    time: datetime
    lat: float
    lon: float
    speed: float | None
    heading: float | None
    age_s: float
    interpolated: bool


@dataclass(frozen=True, slots=True)
class ReplayFrame:
    """Every unit with a known position at ``t``; arrays are parallel to ``ids``."""

    t: float
    ids: list[str]
    lat: FloatArray
    lon: FloatArray
    heading: FloatArray
    speed: FloatArray
    age_s: FloatArray


@dataclass(slots=True)
class HistoryData:
    """Everything loaded for a period; fixes are sorted by (unit, time), unit ``i`` owns
    ``offsets[i]:offsets[i+1]``."""

    start: float
    end: float
    unit_ids: list[str]
    offsets: NDArray[np.int64]
    t: FloatArray
    lat: FloatArray
    lon: FloatArray
    speed: FloatArray  # NaN when unknown
    heading: FloatArray
    cases: list[dict[str, Any]] = field(default_factory=list)
    events: dict[int, list[tuple[float, str]]] = field(default_factory=dict)  # case id → [(time, status)]

    @property
    def fix_count(self) -> int:
        return len(self.t)

    def summary(self) -> str:
        a = datetime.fromtimestamp(self.start).strftime("%Y-%m-%d %H:%M")
        b = datetime.fromtimestamp(self.end).strftime("%H:%M")
        return f"{a}–{b}: {len(self.unit_ids)} units, {self.fix_count} fixes, {len(self.cases)} cases"

    def __str__(self) -> str:
        return self.summary()


def fetch_history(store: Store, start: datetime, end: datetime, unit_ids: list[str] | None = None, *,
                  lookback: timedelta = timedelta(minutes=30)) -> HistoryData:
    """Read a period from the store (blocking: call on a worker). ``lookback`` finds the position at start."""
    t0, t1 = _ts(start), _ts(end)

    def query(session):  # type: ignore[no-untyped-def]
        stmt = (select(PositionFix.unit_id, PositionFix.time, PositionFix.lat, PositionFix.lon,
                       PositionFix.speed, PositionFix.heading)
                .where(PositionFix.time >= start - lookback, PositionFix.time <= end)
                .order_by(PositionFix.unit_id, PositionFix.time))
        if unit_ids:
            stmt = stmt.where(PositionFix.unit_id.in_(unit_ids))
        fixes = session.execute(stmt).all()
        cases = session.execute(
            select(Case.id, Case.code, Case.lat, Case.lon, Case.status, Case.urgency, Case.category,
                   Case.category_name, Case.address, Case.assigned_officer, Case.created_at, Case.closed_at)
            .where(Case.created_at <= end, Case.lat.is_not(None),
                   (Case.closed_at.is_(None)) | (Case.closed_at >= start))
        ).all()
        case_ids = [c[0] for c in cases]
        events = session.execute(
            select(CaseEvent.case_id, CaseEvent.time, CaseEvent.from_status, CaseEvent.to_status)
            .where(CaseEvent.time <= end).where(CaseEvent.case_id.in_(case_ids))
            .order_by(CaseEvent.case_id, CaseEvent.time)
        ).all() if case_ids else []
        return fixes, cases, events

    fixes, cases, events = store.read(query)
    n = len(fixes)
    ids: list[str] = []
    offsets: list[int] = []
    for i, row in enumerate(fixes):
        if not ids or row[0] != ids[-1]:
            ids.append(row[0])
            offsets.append(i)
    offsets.append(n)
    nan = float("nan")
    data = HistoryData(
        start=t0, end=t1, unit_ids=ids, offsets=np.asarray(offsets, dtype=np.int64),
        t=np.fromiter((r[1].timestamp() for r in fixes), float, n),
        lat=np.fromiter((r[2] for r in fixes), float, n),
        lon=np.fromiter((r[3] for r in fixes), float, n),
        speed=np.fromiter((nan if r[4] is None else r[4] for r in fixes), float, n),
        heading=np.fromiter((nan if r[5] is None else r[5] for r in fixes), float, n),
    )
    first_status: dict[int, str] = {}
    for case_id, when, from_status, to_status in events:
        if case_id not in first_status and from_status:
            first_status[case_id] = from_status
        if to_status:
            data.events.setdefault(case_id, []).append((when.timestamp(), to_status))
    for cid, code, lat, lon, status, urgency, cat, cat_name, address, officer, created, closed in cases:
        data.cases.append({
            "id": cid, "code": code, "lat": lat, "lon": lon, "status": status, "urgency": urgency,
            "category": cat, "category_name": cat_name, "address": address, "assigned_officer": officer,
            "created": created.timestamp(), "closed": closed.timestamp() if closed else None,
            "initial_status": first_status.get(cid, "new" if cid in data.events else status),
        })
    return data


def latest_fix_time(store: Store) -> datetime | None:
    """When the newest stored position fix was taken (blocking: call on a worker); None with no fixes."""
    from sqlalchemy import func

    latest = store.read(lambda session: session.execute(select(func.max(PositionFix.time))).scalar())
    if latest is None:
        return None
    return latest if latest.tzinfo is not None else latest.replace(tzinfo=UTC)


class ReplayClock(QObject):
    """Replay time in epoch seconds: play/pause, seek, speed 1×–60×, ticking at ≤ 20 Hz while playing."""

    time_changed = Signal(float)
    state_changed = Signal(bool)  # playing
    finished = Signal()

    def __init__(self, parent: QObject | None = None, *, tick_ms: int = 50) -> None:
        super().__init__(parent)
        self.start = 0.0
        self.end = 0.0
        self.time = 0.0
        self.speed = 1.0
        self.playing = False
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)

    def set_range(self, start: float, end: float) -> None:
        self.start, self.end = float(start), float(max(start, end))
        self.seek(self.start)

    def set_speed(self, speed: float) -> None:
        self.speed = float(min(MAX_SPEED, max(MIN_SPEED, speed)))

    def seek(self, t: float | datetime) -> None:
        self.time = float(min(self.end, max(self.start, _ts(t))))
        self.time_changed.emit(self.time)

    def play(self) -> None:
        if self.time >= self.end:
            self.time = self.start
        self.playing = True
        self._last = time.monotonic()
        self._timer.start()
        self.state_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self.playing = False
            self._timer.stop()
            self.state_changed.emit(False)

    def advance(self, wall_seconds: float) -> None:
        """Move forward by ``wall_seconds`` of real time at the current speed (what a tick does)."""
        self.time = min(self.end, self.time + wall_seconds * self.speed)
        self.time_changed.emit(self.time)
        if self.time >= self.end:
            self.pause()
            self.finished.emit()

    def _tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        self.advance(elapsed)


class HistoryService(QObject):
    """Loads a period on a worker and answers replay queries from memory (see the module docstring)."""

    loaded = Signal(object)  # HistoryData (str() is a one-line summary)
    failed = Signal(str)
    latest_found = Signal(float)  # epoch seconds of the newest stored fix (find_latest)
    _arrived = Signal(object)

    def __init__(self, store: Store, tasks: TaskManager, *, max_gap_s: float = 120.0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.max_gap_s = max_gap_s
        self.clock = ReplayClock(self)
        self.data: HistoryData | None = None
        self._pool = tasks.lane("history", 1)  # one period at a time, in the order asked
        self._arrived.connect(self._install)
        self._empty = np.zeros(0)

    @property
    def is_loaded(self) -> bool:
        return self.data is not None

    def load(self, start: datetime, end: datetime, unit_ids: list[str] | None = None) -> Future[HistoryData]:
        """Read the period on the worker; ``loaded`` (GUI thread) when ready, ``failed`` with a reason."""

        def job() -> HistoryData:
            try:
                data = fetch_history(self.store, start, end, unit_ids)
            except Exception as exc:
                log.warning("history load failed: %s", exc)
                self.failed.emit(f"history: {exc}")
                raise
            self._arrived.emit(data)
            return data

        return self._pool.run(job)

    def find_latest(self) -> Future[datetime | None]:
        """Look up the newest stored fix on the worker; ``latest_found`` says when (only if there is one).

        The replay's default period ends there: "the last hour" of a system that was off overnight is empty."""

        def job() -> datetime | None:
            latest = latest_fix_time(self.store)
            if latest is not None:
                self.latest_found.emit(latest.timestamp())
            return latest

        return self._pool.run(job)

    def trip(self, unit_id: str) -> TripSummary | None:
        """Route, stops and trip summary of ``unit_id`` over the loaded period (None: not in it)."""
        d = self.data
        index = self._index.get(unit_id) if d is not None else None
        if d is None or index is None:
            return None
        a, b = int(d.offsets[index]), int(d.offsets[index + 1])
        inside = (d.t[a:b] >= d.start - 1.0) & (d.t[a:b] <= d.end)  # not the look-back before the period
        return trip_summary(unit_id, d.t[a:b][inside], d.lat[a:b][inside], d.lon[a:b][inside])

    def close(self) -> None:
        """Drop queued loads (a running one finishes; its result is still installed)."""
        self._pool.cancel_pending()

    def set_data(self, data: HistoryData) -> None:
        """Install loaded data directly (the worker path does this through a queued signal)."""
        self._install(data)

    def _install(self, data: object) -> None:
        assert isinstance(data, HistoryData)
        self.data = data
        self._prepare(data)
        self.clock.pause()
        self.clock.set_range(data.start, data.end)
        self.loaded.emit(data)

    def _prepare(self, data: HistoryData) -> None:
        """Combined (unit, time) keys so one searchsorted finds every unit's fix at a time."""
        counts = np.diff(data.offsets)
        self._unit_of_fix = np.repeat(np.arange(len(data.unit_ids)), counts)
        self._base = float(data.t.min()) if len(data.t) else 0.0
        self._span = float(data.t.max() - self._base + 1.0) * 2.0 + 86400.0 * 365 if len(data.t) else 1.0
        self._keys = self._unit_of_fix * self._span + (data.t - self._base)
        self._index = {u: i for i, u in enumerate(data.unit_ids)}

    # ------------------------------------------------------------------------------------------- queries
    def positions_at(self, t: float | datetime) -> ReplayFrame:
        """All units with a fix at or before ``t`` (interpolated when the next fix is near)."""
        ts = _ts(t)
        d = self.data
        if d is None or not len(d.t):
            e = self._empty
            return ReplayFrame(ts, [], e, e, e, e, e)
        n_units = len(d.unit_ids)
        q = np.arange(n_units) * self._span + (ts - self._base)
        i = np.searchsorted(self._keys, q, side="right") - 1
        first = d.offsets[:-1]
        last = d.offsets[1:] - 1
        valid = i >= first
        units = np.flatnonzero(valid)
        i = i[valid]
        has_next = i < last[valid]
        nxt = np.where(has_next, i + 1, i)
        gap = d.t[nxt] - d.t[i]
        interp = has_next & (gap > 0) & (gap <= self.max_gap_s)
        f = np.where(interp, (ts - d.t[i]) / np.where(gap > 0, gap, 1.0), 0.0)
        lat = d.lat[i] + f * (d.lat[nxt] - d.lat[i])
        lon = d.lon[i] + f * (d.lon[nxt] - d.lon[i])
        age = np.where(interp, 0.0, ts - d.t[i])
        heading = np.nan_to_num(d.heading[i])
        speed = d.speed[i]
        ids = [d.unit_ids[u] for u in units]
        return ReplayFrame(ts, ids, lat, lon, heading, speed, age)

    def position_of(self, unit_id: str, t: float | datetime) -> HistoricalPosition | None:
        """Where one unit was at ``t`` — None before its first loaded fix or for an unknown unit."""
        ts = _ts(t)
        d = self.data
        if d is None:
            return None
        u = self._index.get(unit_id)
        if u is None:
            return None
        a, b = int(d.offsets[u]), int(d.offsets[u + 1])
        times = d.t[a:b]
        j = int(np.searchsorted(times, ts, side="right")) - 1
        if j < 0:
            return None
        i = a + j
        when = datetime.fromtimestamp(ts, UTC)
        speed = None if np.isnan(d.speed[i]) else float(d.speed[i])
        heading = None if np.isnan(d.heading[i]) else float(d.heading[i])
        if i + 1 < b:
            gap = d.t[i + 1] - d.t[i]
            if 0 < gap <= self.max_gap_s:
                f = (ts - d.t[i]) / gap
                return HistoricalPosition(unit_id, when, float(d.lat[i] + f * (d.lat[i + 1] - d.lat[i])),
                                          float(d.lon[i] + f * (d.lon[i + 1] - d.lon[i])), speed, heading,
                                          0.0, f > 0)
        return HistoricalPosition(unit_id, when, float(d.lat[i]), float(d.lon[i]), speed, heading,
                                  float(ts - d.t[i]), False)

    def cases_at(self, t: float | datetime) -> list[dict[str, Any]]:
        """Cases that existed at ``t``, each a copy with ``status`` as it was then."""
        ts = _ts(t)
        d = self.data
        if d is None:
            return []
        out = []
        for case in d.cases:
            if case["created"] > ts:
                continue
            events = d.events.get(case["id"], [])
            k = bisect_right([e[0] for e in events], ts)
            status = events[k - 1][1] if k else case["initial_status"]
            out.append({**case, "status": status})
        return out

    def case_events_between(self, t0: float | datetime, t1: float | datetime) -> list[tuple[float, str, str]]:
        """(time, case code, new status) of status changes in ``(t0, t1]`` (replay event list)."""
        a, b = _ts(t0), _ts(t1)
        d = self.data
        if d is None:
            return []
        codes = {c["id"]: c["code"] for c in d.cases}
        out = [(when, codes[cid], status) for cid, evs in d.events.items() for when, status in evs
               if a < when <= b and cid in codes]
        return sorted(out)
