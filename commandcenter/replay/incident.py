"""复盘 — incident replay: one clock drives the map, the case events and the recorded video of cameras and drones.

An :class:`IncidentScope` is what is replayed: a time span and an area (centre + radius), usually derived from a
case (:func:`scope_for_case`: from a few minutes before it was reported until it was handled or closed, around
where it was reported). :func:`load_incident` reads everything for the scope on a worker — the units' positions
(the map's history replay model, :func:`~commandcenter.mapdata.replay.fetch_history`), the events of the cases in
the area (reported, dispatched, arrived, handled …), the recorded segments of the cameras within the radius and
of the drones whose track passed through it during the span (their downlink's segments carry the drone id) — and
:class:`IncidentReplay` (GUI thread) plays it: the :class:`~commandcenter.mapdata.replay.ReplayClock` ticks,
the :class:`~commandcenter.mapdata.replay.HistoryService` answers where every unit was, and one
:class:`~commandcenter.video.playback.PlaybackSource` per camera is kept in step (re-seeked when it drifts more
than ``DRIFT_S`` from the clock, e.g. after a gap in its recording or above its 16× limit).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtCore import QObject, Signal
from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.config import CameraConfig
from commandcenter.geo.coords import haversine_m, haversine_m_array
from commandcenter.mapdata.replay import HistoryData, HistoryService, ReplayClock, fetch_history
from commandcenter.recording.index import RecordingIndex, Segment
from commandcenter.store import Store, models
from commandcenter.video.playback import SPEEDS, PlaybackSource

log = logging.getLogger(__name__)

BEFORE = timedelta(minutes=5)  # replay starts this long before the case was reported
AFTER = timedelta(minutes=5)  # … and ends this long after it was handled/closed
OPEN_CASE_SPAN = timedelta(minutes=60)  # a case not yet handled: this long after it was reported
RADIUS_M = 500.0
DRIFT_S = 1.5


class ReplayScopeError(ValueError):
    """A scope that cannot be replayed (unknown case, case without a place, empty span)."""


@dataclass(frozen=True)
class IncidentScope:
    start: datetime
    end: datetime
    lat: float
    lon: float
    radius_m: float = RADIUS_M
    case_code: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ReplayScopeError("replay span: use timezone-aware times")
        if self.end <= self.start:
            raise ReplayScopeError(f"replay span {self.start.isoformat()} … {self.end.isoformat()} is empty")
        if self.end - self.start > timedelta(days=1):
            raise ReplayScopeError("replay span: at most one day at a time")


@dataclass(frozen=True)
class IncidentEvent:
    """One line of the incident's story."""

    at: datetime
    case_code: str
    action: str  # created, dispatch, arrive, handle, close … (the case_events action)
    status: str  # the status it led to
    actor: str
    note: str


@dataclass(frozen=True)
class ReplayCamera:
    """A camera of the area, or a drone whose track passed through it (``drone_id`` set; ``distance_m`` is then
    its closest approach during the span, and ``camera_id`` the id its video downlink is recorded under)."""

    camera_id: str
    name: str
    distance_m: float
    segments: list[Segment]
    drone_id: str = ""


@dataclass
class IncidentData:
    scope: IncidentScope
    history: HistoryData
    events: list[IncidentEvent] = field(default_factory=list)
    cameras: list[ReplayCamera] = field(default_factory=list)
    case_title: str = ""
    drones: list[ReplayCamera] = field(default_factory=list)  # drones that flew through the area, nearest first

    @property
    def videos(self) -> list[ReplayCamera]:
        """Every source of recorded video: the area's cameras, then the drones."""
        return [*self.cameras, *self.drones]


def scope_for_case(store: Store, code: str, radius_m: float = RADIUS_M) -> IncidentScope:
    """The span and area of case ``code``: from BEFORE its report to AFTER it was handled (or closed)."""
    def read(session: Session) -> models.Case | None:
        return session.scalar(select(models.Case).where(models.Case.code == code.strip()))

    case = store.read(read)
    if case is None:
        raise ReplayScopeError(f"no case {code!r}")
    if case.lat is None or case.lon is None:
        raise ReplayScopeError(f"case {code} has no position: choose a span and an area instead")
    done = case.handled_at or case.closed_at or (case.created_at + OPEN_CASE_SPAN)
    return IncidentScope(case.created_at - BEFORE, max(done, case.created_at + timedelta(minutes=1)) + AFTER,
                         case.lat, case.lon, radius_m, case.code)


def load_incident(store: Store, scope: IncidentScope, cameras: list[CameraConfig]) -> IncidentData:
    """Everything the replay shows, read at once (blocking: on a worker thread)."""
    history = fetch_history(store, scope.start, scope.end)
    # Cases of the area: the history already holds the cases that existed in the span (with positions).
    near = {c["id"]: c for c in history.cases
            if haversine_m(scope.lat, scope.lon, c["lat"], c["lon"]) <= scope.radius_m}

    def read_events(session: Session) -> list[tuple[int, datetime, str, str, str, str]]:
        if not near:
            return []
        rows = session.execute(
            select(models.CaseEvent.case_id, models.CaseEvent.time, models.CaseEvent.action,
                   models.CaseEvent.to_status, models.CaseEvent.actor, models.CaseEvent.note)
            .where(models.CaseEvent.case_id.in_(list(near)), models.CaseEvent.time >= scope.start,
                   models.CaseEvent.time <= scope.end)
            .order_by(models.CaseEvent.time, models.CaseEvent.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]

    events = [IncidentEvent(at, near[cid]["code"], action, status or "", actor, note or "")
              for cid, at, action, status, actor, note in store.read(read_events)]
    index = RecordingIndex(store.engine)
    replay_cameras = []
    for cam in cameras:
        if cam.lat is None or cam.lon is None:
            continue
        distance = haversine_m(scope.lat, scope.lon, cam.lat, cam.lon)
        if distance <= scope.radius_m:
            replay_cameras.append(ReplayCamera(cam.id, cam.name or cam.id, distance,
                                               index.segments(cam.id, scope.start, scope.end)))
    replay_cameras.sort(key=lambda c: c.distance_m)
    drones = _drones_nearby(store, index, scope, history)
    title = ""
    if scope.case_code:
        case = next((c for c in near.values() if c["code"] == scope.case_code), None)
        if case is not None:
            title = f"{case['code']} {case['category_name']} {case['address']}".strip()
    return IncidentData(scope, history, events, replay_cameras, title or scope.case_code, drones)


def _drones_nearby(store: Store, index: RecordingIndex, scope: IncidentScope,
                   history: HistoryData) -> list[ReplayCamera]:
    """Drones with recorded video in the span whose track (their position history) came within the radius."""
    recorded = index.drones_recorded(scope.start, scope.end)
    if not recorded:
        return []

    def read_names(session: Session) -> dict[str, str]:
        rows = session.execute(select(models.Drone.id, models.Drone.name).where(models.Drone.id.in_(list(recorded))))
        return {drone_id: name or drone_id for drone_id, name in rows}

    names = store.read(read_names)
    found = []
    for drone_id, camera_id in recorded.items():
        closest = track_distance(history, drone_id, scope.lat, scope.lon, scope.start, scope.end)
        if closest is not None and closest <= scope.radius_m:
            found.append(ReplayCamera(camera_id, names.get(drone_id, drone_id), closest,
                                      index.segments(camera_id, scope.start, scope.end), drone_id))
    return sorted(found, key=lambda d: d.distance_m)


def track_distance(history: HistoryData, unit_id: str, lat: float, lon: float, start: datetime,
                   end: datetime) -> float | None:
    """The closest a unit's recorded fixes in [start, end] came to (lat, lon), in metres; None without fixes."""
    try:
        u = history.unit_ids.index(unit_id)
    except ValueError:
        return None
    a, b = int(history.offsets[u]), int(history.offsets[u + 1])
    times = history.t[a:b]
    inside = (times >= start.timestamp()) & (times <= end.timestamp())
    if not inside.any():
        return None
    lats, lons = history.lat[a:b][inside], history.lon[a:b][inside]
    return float(haversine_m_array(lats, lons, np.full(lats.shape, lat), np.full(lons.shape, lon)).min())


class IncidentReplay(QObject):
    """The replay in progress (GUI thread): clock → map positions, current event, camera sources in step."""

    moved = Signal(float)  # replay time (epoch seconds), ≤ 20 Hz while playing
    loaded = Signal()

    def __init__(self, history: HistoryService, parent: QObject | None = None, *,
                 video_size: tuple[int, int] = (480, 270)) -> None:
        super().__init__(parent)
        self.history = history
        self.clock = ReplayClock(self)
        self.clock.time_changed.connect(self._on_time)
        self.clock.state_changed.connect(self._on_state)
        self.data: IncidentData | None = None
        self.sources: dict[str, PlaybackSource] = {}
        self._video_size = video_size
        self._seeked: dict[str, float] = {}  # camera → monotonic time of its last re-sync (at most one a second)

    # -- set-up -----------------------------------------------------------------------------------------------------
    def show(self, data: IncidentData) -> None:
        self.close_sources()
        self.data = data
        self.history.set_data(data.history)
        for camera in data.videos:  # cameras and drones alike: recorded video in step with the clock
            if camera.segments:
                source = PlaybackSource(camera.camera_id, camera.segments, self._video_size)
                source.start()
                self.sources[camera.camera_id] = source
        self.clock.set_range(data.scope.start.timestamp(), data.scope.end.timestamp())
        self.loaded.emit()

    def close_sources(self) -> None:
        for source in self.sources.values():
            source.stop(wait=0.0)  # the decoder ends on its own; nothing waits for it here
        self.sources = {}

    # -- controls ---------------------------------------------------------------------------------------------------
    def play(self) -> None:
        self.clock.play()

    def pause(self) -> None:
        self.clock.pause()

    def seek(self, when: datetime) -> None:
        self.clock.seek(when)
        for source in self.sources.values():
            source.seek(when)

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        video_speed = min(SPEEDS[-1], max(SPEEDS[0], self.clock.speed))
        for source in self.sources.values():
            source.set_speed(video_speed)

    # -- what is shown at the clock's time --------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time, UTC)

    def events_until(self, when: datetime) -> list[IncidentEvent]:
        return [e for e in (self.data.events if self.data else []) if e.at <= when]

    def _on_time(self, t: float) -> None:
        when = datetime.fromtimestamp(t, UTC)
        now = time.monotonic()
        for camera_id, source in self.sources.items():
            if not source.covers(when):
                continue  # a hole in this camera's recording: its tile says so and waits for the next span
            position = source.position()
            drifted = position is None or abs((position - when).total_seconds()) > DRIFT_S * self.clock.speed
            if drifted and now - self._seeked.get(camera_id, 0.0) > 1.0:
                self._seeked[camera_id] = now
                source.seek(when)
        self.moved.emit(t)

    def _on_state(self, playing: bool) -> None:
        for source in self.sources.values():
            if playing:
                source.seek(self.now)
                source.play()
            else:
                source.pause()
