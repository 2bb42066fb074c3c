"""Electronic fences (电子围栏): zone entry/exit, sanitation routes left, officers away from their post grid.

:class:`GeofenceMonitor` is fed the tracker's batches of moved units (connect ``UnitTracker.changed`` to
:meth:`GeofenceMonitor.feed`) and emits one :class:`GeofenceEvent` per happening through ``triggered``,
with a ready-to-show Chinese sentence for the dispatch screen's list, e.g.
"执法队员 张三 离开责任区A3 已超过15分钟".

Design choices:

* Only *transitions* are events. The first position seen for a unit sets its state silently, so starting the
  application does not produce hundreds of "entered" lines.
* A batch is tested zone by zone, vectorised over the units of the batch, with a bounding-box prefilter:
  10,000 units against a district's zones is a few milliseconds.
* Post absence needs a clock, not a fix: an officer who left and whose phone then went quiet must still be
  reported, so :meth:`GeofenceMonitor.check` runs every ``check_interval_s`` on a timer as well.
* An officer who was dispatched to a case (status ``dispatched``/``handling``) or is resting/offline is not
  "absent from post": dispatch sent him away on purpose (``exempt_statuses``).
* The rules need not run on the GUI thread. With :meth:`GeofenceMonitor.use_worker` the tracker's batches
  (:meth:`GeofenceMonitor.feed`) are evaluated on a worker and the events come back to the GUI thread to be
  emitted: at 2,000 units the zone tests and the per-unit rules were the GUI thread's largest single job
  between paints. Batches that arrive while one is evaluated are merged, latest position per unit (the
  tracker already coalesces positions to 5 Hz, so a unit's in-between fixes were never all seen anyway).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.domain import UnitPosition
from commandcenter.geo.coords import LocalProjection
from commandcenter.geo.zones import points_in_polygon
from commandcenter.mapdata.zoneshapes import GRID_CELL, MapZone, map_zones

ENTER, LEAVE = "enter", "leave"
ROUTE_EXIT, ROUTE_RETURN = "route_exit", "route_return"
POST_ABSENT, POST_RETURN = "post_absent", "post_return"

DEFAULT_WATCH_KINDS = frozenset({"疏导点", "管控点", "特色点", "禁止设摊区", "责任区"})
"""Zone kinds whose entry/exit is reported (not 单元网格: 250 m cells would flood the list)."""

DEFAULT_EXEMPT = frozenset({"dispatched", "handling", "resting", "offline"})


@dataclass(frozen=True, slots=True)
class GeofenceEvent:
    """One fence happening. ``target`` is the zone code or route id, ``target_name`` its display name."""

    kind: str
    unit_id: str
    target: str
    target_name: str
    time: datetime
    text: str
    unit_name: str = ""
    distance_m: float | None = None  # route exits: how far off the corridor's centre line


@dataclass(slots=True)
class RouteAssignment:
    """A vehicle's working route: a WGS-84 polyline and the corridor half-width around it."""

    route_id: str
    polyline: list[tuple[float, float]]
    corridor_m: float
    name: str = ""
    xy: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))


@dataclass(slots=True)
class PostAssignment:
    """An officer's post: a zone code (责任区 or 单元网格) and how long he may be away."""

    zone_code: str
    tolerance_s: float


@dataclass(slots=True)
class _UnitState:
    zones: frozenset[str] = frozenset()
    off_route: bool = False
    absent_since: datetime | None = None
    absence_reported: bool = False
    status: str = ""
    name: str = ""
    label: str = ""


def unit_label(pos: UnitPosition) -> str:
    """"执法队员", "环卫车", "无人机" … — how the sentence names the kind of unit."""
    if pos.kind == "vehicle":
        return pos.sub_kind or "车辆"
    return {"officer": "执法队员", "drone": "无人机", "camera": "摄像头"}.get(pos.kind, "单位")


def distance_to_polyline_m(px: float, py: float, xy: NDArray[np.float64]) -> float:
    """Shortest distance (metres) from a point to a polyline, all in local metres."""
    if len(xy) == 0:
        return math.inf
    if len(xy) == 1:
        return float(math.hypot(px - xy[0, 0], py - xy[0, 1]))
    a = xy[:-1]
    d = xy[1:] - a
    len2 = (d**2).sum(axis=1)
    t = np.clip(((px - a[:, 0]) * d[:, 0] + (py - a[:, 1]) * d[:, 1]) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
    cx = a[:, 0] + t * d[:, 0]
    cy = a[:, 1] + t * d[:, 1]
    return float(np.sqrt(((cx - px) ** 2 + (cy - py) ** 2).min()))


EventJob = Callable[[], "list[GeofenceEvent]"]
"""A batch evaluation to run on a worker; it answers the events to emit."""
RunOffThread = Callable[[EventJob, Callable[["list[GeofenceEvent]"], None]], None]
"""Runs a job on a worker and hands its events to a callback on the GUI thread (in submission order)."""


class GeofenceMonitor(QObject):
    """See the module docstring. Lives on the GUI thread, where ``triggered`` is emitted; the rules' state is
    guarded by a lock, so evaluation may run on a worker (:meth:`use_worker`) while the GUI thread assigns
    routes and posts."""

    triggered = Signal(object)  # GeofenceEvent

    def __init__(self, zones: Iterable[Any] = (), *, watch_kinds: Iterable[str] = DEFAULT_WATCH_KINDS,
                 corridor_m: float = 30.0, post_tolerance_min: float = 15.0,
                 exempt_statuses: Iterable[str] = DEFAULT_EXEMPT, check_interval_s: float = 30.0,
                 history: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.watch_kinds = frozenset(watch_kinds)
        self.corridor_m = corridor_m
        self.post_tolerance_s = post_tolerance_min * 60.0
        self.exempt_statuses = frozenset(exempt_statuses)
        self.routes: dict[str, RouteAssignment] = {}
        self.posts: dict[str, PostAssignment] = {}
        self.recent: deque[GeofenceEvent] = deque(maxlen=history)
        self._state: dict[str, _UnitState] = {}
        self._proj = LocalProjection(0.0, 0.0)
        self._lock = threading.RLock()  # rules' state: zones, routes, posts, per-unit state
        self._run_off_thread: RunOffThread | None = None
        self._pending: dict[str, UnitPosition] = {}  # fed, not yet taken by a worker job (under _pending_lock)
        self._pending_lock = threading.Lock()
        self._job_queued = False
        self.set_zones(zones)
        self._timer = QTimer(self)
        self._timer.setInterval(int(check_interval_s * 1000))
        self._timer.timeout.connect(lambda: self.check())
        self._timer.start()

    # ------------------------------------------------------------------------------------------- setup
    def set_zones(self, zones: Iterable[Any]) -> None:
        """Zones to watch (any zone-like objects, see :func:`~commandcenter.mapdata.zoneshapes.map_zones`)."""
        shapes = map_zones(zones)
        with self._lock:
            self.zones: list[MapZone] = shapes
            self.zone_by_code = {z.code: z for z in self.zones}
            if self.zones:
                boxes = np.array([z.bounds for z in self.zones], dtype=np.float64)
                self._proj = LocalProjection(float((boxes[:, 0].min() + boxes[:, 2].max()) / 2),
                                             float((boxes[:, 1].min() + boxes[:, 3].max()) / 2))
            self._boxes = np.array([z.bounds for z in self.zones], dtype=np.float64).reshape(-1, 4)
            for route in self.routes.values():
                route.xy = self._route_xy(route.polyline)

    def _route_xy(self, polyline: Sequence[tuple[float, float]]) -> NDArray[np.float64]:
        arr = np.asarray(polyline, dtype=np.float64).reshape(-1, 2)
        x, y = self._proj.to_xy_array(arr[:, 0], arr[:, 1])
        return np.column_stack([x, y])

    def assign_route(self, unit_id: str, polyline: Sequence[tuple[float, float]], *, route_id: str = "",
                     name: str = "", corridor_m: float | None = None) -> None:
        """Give a vehicle its working route; leaving the corridor (± ``corridor_m``) is reported."""
        with self._lock:
            if not self.zones and polyline:
                self._proj = LocalProjection(*polyline[0])
            route = RouteAssignment(route_id or unit_id, list(polyline), corridor_m or self.corridor_m,
                                    name or route_id or "作业路线")
            route.xy = self._route_xy(route.polyline)
            self.routes[unit_id] = route
            state = self._state.get(unit_id)
            if state is not None:
                state.off_route = False

    def clear_route(self, unit_id: str) -> None:
        with self._lock:
            self.routes.pop(unit_id, None)

    def assign_post(self, unit_id: str, zone_code: str, tolerance_min: float | None = None) -> None:
        """Give an officer his post zone (a 责任区/单元网格 code); absence beyond the tolerance is reported."""
        with self._lock:
            if zone_code not in self.zone_by_code:
                raise KeyError(f"unknown zone {zone_code!r} for the post of {unit_id}")
            tol = self.post_tolerance_s if tolerance_min is None else tolerance_min * 60.0
            self.posts[unit_id] = PostAssignment(zone_code, tol)
            state = self._state.get(unit_id)
            if state is not None:
                state.absent_since, state.absence_reported = None, False

    def clear_post(self, unit_id: str) -> None:
        with self._lock:
            self.posts.pop(unit_id, None)

    # ------------------------------------------------------------------------------------------- feed
    def use_worker(self, run_off_thread: RunOffThread | None) -> None:
        """Evaluate what :meth:`feed` gets on a worker (None: on the caller's thread, as :meth:`process`)."""
        self._run_off_thread = run_off_thread

    def feed(self, positions: Iterable[UnitPosition]) -> None:
        """Slot for ``UnitTracker.changed``: evaluated on the worker when one is set, else right here.

        Called on the GUI thread; costs a dict update there. Events are emitted later, on the GUI thread."""
        run = self._run_off_thread
        if run is None:
            self.process(positions)
            return
        with self._pending_lock:
            for pos in positions:
                if pos.kind != "camera":
                    self._pending[pos.id] = pos
            if self._job_queued or not self._pending:
                return
            self._job_queued = True
        run(self._evaluate_pending, self.publish)

    def _evaluate_pending(self) -> list[GeofenceEvent]:
        """Worker job: everything fed since the last job, latest position per unit."""
        with self._pending_lock:
            batch, self._pending = list(self._pending.values()), {}
            self._job_queued = False
        return self.evaluate(batch)

    def process(self, positions: Iterable[UnitPosition]) -> list[GeofenceEvent]:
        """Evaluate a batch of positions and emit its events here and now; returns the events emitted."""
        events = self.evaluate(positions)
        self.publish(events)
        return events

    def evaluate(self, positions: Iterable[UnitPosition]) -> list[GeofenceEvent]:
        """The events a batch of positions makes, without emitting them (thread-safe; runs on a worker)."""
        batch = [p for p in positions if p.kind != "camera"]
        if not batch:
            return []
        lat = np.fromiter((p.lat for p in batch), float, len(batch))
        lon = np.fromiter((p.lon for p in batch), float, len(batch))
        with self._lock:
            post_codes = {a.zone_code for a in self.posts.values()}
            members: list[set[str]] = [set() for _ in batch]
            for zi, zone in enumerate(self.zones):
                if zone.kind not in self.watch_kinds and zone.code not in post_codes:
                    continue
                s, w, n, e = self._boxes[zi]
                cand = np.flatnonzero((lat >= s) & (lat <= n) & (lon >= w) & (lon <= e))
                if len(cand) == 0:
                    continue
                inside = points_in_polygon(lat[cand], lon[cand], zone.ring, zone.holes)
                for i in cand[inside]:
                    members[int(i)].add(zone.code)
            events: list[GeofenceEvent] = []
            for pos, zones in zip(batch, members, strict=True):
                events.extend(self._evaluate(pos, frozenset(zones)))
        return events

    def check(self, now: datetime | None = None) -> list[GeofenceEvent]:
        """Report post absences that passed their tolerance without a new fix (timer; callable in tests)."""
        now = now or datetime.now(UTC)
        events = []
        with self._lock:
            for unit_id, post in self.posts.items():
                state = self._state.get(unit_id)
                if state is None:
                    continue
                ev = self._absence_due(unit_id, state, post, now)
                if ev is not None:
                    events.append(ev)
        self.publish(events)
        return events

    def publish(self, events: list[GeofenceEvent]) -> None:
        """Keep and emit events (on the GUI thread: views and the events dock listen to ``triggered``)."""
        for ev in events:
            self.recent.append(ev)
            self.triggered.emit(ev)

    # ------------------------------------------------------------------------------------------- rules
    def _evaluate(self, pos: UnitPosition, zones: frozenset[str]) -> list[GeofenceEvent]:
        state = self._state.get(pos.id)
        first = state is None
        if state is None:
            state = self._state[pos.id] = _UnitState()
        state.status, state.name, state.label = pos.status, pos.name, unit_label(pos)
        events: list[GeofenceEvent] = []
        who = f"{state.label} {pos.name}".strip()
        if not first:
            for code in sorted(zones - state.zones):
                zone = self.zone_by_code[code]
                if zone.kind in self.watch_kinds and zone.kind != GRID_CELL:
                    events.append(GeofenceEvent(ENTER, pos.id, code, zone.label, pos.fix_time,
                                                f"{who} 进入{zone.label}", pos.name))
            for code in sorted(state.zones - zones):
                zone = self.zone_by_code[code]
                if zone.kind in self.watch_kinds and zone.kind != GRID_CELL:
                    events.append(GeofenceEvent(LEAVE, pos.id, code, zone.label, pos.fix_time,
                                                f"{who} 离开{zone.label}", pos.name))
        state.zones = zones

        route = self.routes.get(pos.id)
        if route is not None and len(route.xy):
            x, y = self._proj.to_xy(pos.lat, pos.lon)
            dist = distance_to_polyline_m(x, y, route.xy)
            off = dist > route.corridor_m
            if off and not state.off_route:
                events.append(GeofenceEvent(ROUTE_EXIT, pos.id, route.route_id, route.name, pos.fix_time,
                                            f"{who} 偏离{route.name} 约{round(dist)}米", pos.name, dist))
            elif not off and state.off_route:
                events.append(GeofenceEvent(ROUTE_RETURN, pos.id, route.route_id, route.name, pos.fix_time,
                                            f"{who} 回到{route.name}", pos.name, dist))
            state.off_route = off

        post = self.posts.get(pos.id)
        if post is not None:
            zone = self.zone_by_code[post.zone_code]
            if post.zone_code in zones or pos.status in self.exempt_statuses:
                if state.absence_reported and post.zone_code in zones:
                    away = (pos.fix_time - state.absent_since) if state.absent_since else timedelta(0)
                    minutes = int(away.total_seconds() // 60)
                    events.append(GeofenceEvent(POST_RETURN, pos.id, post.zone_code, zone.label, pos.fix_time,
                                                f"{who} 回到{zone.label}（离开约{minutes}分钟）", pos.name))
                state.absent_since, state.absence_reported = None, False
            else:
                if state.absent_since is None:
                    state.absent_since = pos.fix_time
                ev = self._absence_due(pos.id, state, post, pos.fix_time)
                if ev is not None:
                    events.append(ev)
        return events

    def _absence_due(self, unit_id: str, state: _UnitState, post: PostAssignment,
                     now: datetime) -> GeofenceEvent | None:
        if state.absent_since is None or state.absence_reported or state.status in self.exempt_statuses:
            return None
        if (now - state.absent_since).total_seconds() < post.tolerance_s:
            return None
        state.absence_reported = True
        zone = self.zone_by_code[post.zone_code]
        minutes = round(post.tolerance_s / 60.0)
        who = f"{state.label} {state.name}".strip()
        return GeofenceEvent(POST_ABSENT, unit_id, post.zone_code, zone.label, now,
                             f"{who} 离开{zone.label} 已超过{minutes}分钟", state.name)
