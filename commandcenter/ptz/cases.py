"""A new case turns the nearest PTZ camera toward it before the wall pops that camera.

A camera alarm already turns its own camera to ``alarm_preset`` (:meth:`PtzService.turn_then`); cases of the other
sources (citizen reports, the 12345 hotline, patrols, sensors, the desk) have a place but no camera. When such a
case is created or registered (the case service's committed ``create`` / ``register`` operations), the server:

1. reads the case (place, source, the actor who created or registered it) on a worker;
2. picks the nearest PTZ camera that knows its position and heading, has ``case_turn`` on and has the case within
   its reach (``[[cameras]] case_range_m``, else ``[ptz] case_range_m``);
3. checks that the actor may have a case turn a camera (permission ``ptz.case_turn``: the channels, desks and
   officers hold it in roles.toml; a refusal is written to the audit chain by the Authorizer and nothing moves);
4. turns it — to the preset of the first ``case_presets`` circle holding the case, else "look at" the case's
   point — records ``ptz.case_turn`` (subject ``case:<code>``: camera, preset or pan/tilt, outcome) in the audit
   chain, holds the camera there for ``[ptz] case_hold_s`` (an alarm's pop does not pull it to its alarm preset),
   and only then pops the camera on the wall (``camera_alarm``: every seat's wall, the alarm-mode recorder).

A camera that does not answer still pops, where it is, with the failure in the audit record. Each case turns a
camera once (a case created and then registered is not turned twice).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Slot
from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.changes import CaseChanges
from commandcenter.config import CameraConfig, PtzConfig, parse_case_preset
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.ptz.geometry import distance_m
from commandcenter.ptz.service import PtzCommandError, PtzPosition, PtzService
from commandcenter.runtime.tasks import TaskManager, TasksStopped
from commandcenter.store import Store, models

log = logging.getLogger(__name__)

PERMISSION = "ptz.case_turn"
CASE_OPERATIONS = frozenset({"create", "register"})
REMEMBERED = 10_000  # case ids already turned for (a case turns a camera once)

AuthorizeFn = Callable[[str, str], None]
AuditFn = Callable[[str, str, str, Mapping[str, Any]], "Future[Any]"]  # committed when the future is done
PopFn = Callable[[str, str], None]


@dataclass(frozen=True)
class CaseSpot:
    """What the turn needs of a case: where, from which source, who created/registered it."""

    case_id: int
    code: str
    source: str
    lat: float
    lon: float
    actor: str
    title: str


@dataclass(frozen=True)
class CaseAim:
    """Which camera turns for a case, and how: to ``preset`` if set, else look at the case's point."""

    camera_id: str
    camera_name: str
    distance_m: float
    preset: str = ""


@dataclass(frozen=True)
class _Candidate:
    camera_id: str
    name: str
    lat: float
    lon: float
    range_m: float
    presets: tuple[tuple[str, float, float, float], ...]


def candidates(cameras: Sequence[CameraConfig], ptz: PtzService, config: PtzConfig) -> list[_Candidate]:
    """The PTZ cameras a case may turn: ONVIF, position and heading known, ``case_turn`` on."""
    found = []
    for cam in cameras:
        known = ptz.camera(cam.id)
        if known is None or not known.can_look_at or not cam.case_turn or cam.lat is None or cam.lon is None:
            continue
        presets = tuple(p for p in (parse_case_preset(t) for t in cam.case_presets) if p is not None)
        found.append(_Candidate(cam.id, cam.name or cam.id, cam.lat, cam.lon,
                                cam.case_range_m if cam.case_range_m is not None else config.case_range_m, presets))
    return found


def choose_camera(cameras: Sequence[_Candidate], lat: float, lon: float) -> CaseAim | None:
    """The nearest candidate whose reach holds (lat, lon); its preset for the place if one covers it."""
    reach = [(distance_m(c.lat, c.lon, lat, lon), c) for c in cameras]
    best = min(((d, c) for d, c in reach if d <= c.range_m), key=lambda pair: pair[0], default=None)
    if best is None:
        return None
    distance, camera = best
    preset = next((name for name, plat, plon, radius in camera.presets
                   if distance_m(plat, plon, lat, lon) <= radius), "")
    return CaseAim(camera.camera_id, camera.name, distance, preset)


def read_spots(store: Store, case_ids: Sequence[int], operation: str) -> list[CaseSpot]:
    """The cases with a place, and the actor of their latest ``operation`` event (blocking: on a worker)."""
    def query(session: Session) -> list[CaseSpot]:
        rows = session.execute(select(models.Case.id, models.Case.code, models.Case.source, models.Case.lat,
                                      models.Case.lon, models.Case.category_name, models.Case.address)
                               .where(models.Case.id.in_(list(case_ids)), models.Case.lat.is_not(None),
                                      models.Case.lon.is_not(None))).all()
        spots = []
        for case_id, code, source, lat, lon, category, address in rows:
            if lat is None or lon is None:
                continue
            actor = session.scalar(select(models.CaseEvent.actor)
                                   .where(models.CaseEvent.case_id == case_id, models.CaseEvent.action == operation)
                                   .order_by(models.CaseEvent.time.desc(), models.CaseEvent.id.desc()).limit(1))
            spots.append(CaseSpot(case_id, code, source, lat, lon, actor or "system",
                                  f"{code} {category or ''} {address or ''}".strip()))
        return spots

    return store.read(query)


class CaseAimer(QObject):
    """Listens to committed case operations (``announcer.changed``, queued to this object's thread: never on the
    store's writer) on the server and turns cameras."""

    def __init__(self, ptz: PtzService, cameras: Sequence[CameraConfig], config: PtzConfig, store: Store,
                 tasks: TaskManager, *, authorize: AuthorizeFn, audit: AuditFn, pop: PopFn,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ptz, self.config, self.store, self.tasks = ptz, config, store, tasks
        self.cameras = candidates(cameras, ptz, config)
        self._authorize, self._audit, self._pop = authorize, audit, pop
        self._done: OrderedDict[int, None] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self.config.case_turn and bool(self.cameras)

    @Slot(object)
    def on_changes(self, changes: object) -> None:
        """Slot of the case announcer: a created or registered case with a place, from a source that turns."""
        if not isinstance(changes, CaseChanges) or changes.operation not in CASE_OPERATIONS or not self.active:
            return
        with self._lock:
            ids = [i for i in changes.case_ids if i not in self._done]
        if not ids:
            return
        operation = changes.operation
        try:
            future = self.tasks.run(lambda: read_spots(self.store, ids, operation))
        except TasksStopped:  # shutting down: a case committed during the stop turns no camera
            log.debug("PTZ for cases: %d case(s) after the stop, not read", len(ids))
            return
        future.add_done_callback(self._read)

    def _read(self, future: Future[list[CaseSpot]]) -> None:
        try:
            spots = future.result()
        except Exception:
            log.exception("PTZ for cases: reading the new cases failed")
            return
        for spot in spots:
            try:
                self.aim(spot)
            except Exception:  # one case's trouble must not keep the others from turning
                log.exception("PTZ for case %s failed", spot.code)

    def aim(self, spot: CaseSpot) -> Future[None] | None:
        """Turn a camera for one case (see the module docstring); returns the turn's future, None if none."""
        if spot.source not in self.config.case_sources:
            return None
        with self._lock:
            if spot.case_id in self._done:
                return None
            self._done[spot.case_id] = None
            while len(self._done) > REMEMBERED:
                self._done.popitem(last=False)
        aim = choose_camera(self.cameras, spot.lat, spot.lon)
        if aim is None:
            return None
        try:
            self._authorize(spot.actor, PERMISSION)
        except PermissionDenied as exc:  # the Authorizer wrote the refusal to the audit chain
            log.info("PTZ for case %s: %s", spot.code, exc)
            return None
        try:
            turn: Future[Any] = (self.ptz.goto_preset(aim.camera_id, aim.preset) if aim.preset
                                 else self.ptz.look_at(aim.camera_id, spot.lat, spot.lon))
        except PtzCommandError as exc:
            self._finish(spot, aim, str(exc))
            return None
        done: Future[None] = Future()

        def turned(f: Future[Any]) -> None:
            error = f.exception()
            self._finish(spot, aim, str(error) if error is not None else "", f.result() if error is None else None)
            done.set_result(None)

        turn.add_done_callback(turned)
        return done

    def _finish(self, spot: CaseSpot, aim: CaseAim, error: str, position: object = None) -> None:
        """Audit the turn (or why it failed), hold the camera there, then pop it on the wall."""
        data: dict[str, Any] = {"camera": aim.camera_id, "distance_m": round(aim.distance_m, 1),
                                "source": spot.source, "ok": not error}
        if aim.preset:
            data["preset"] = aim.preset
        else:
            data["look_at"] = [round(spot.lat, 6), round(spot.lon, 6)]
            if isinstance(position, PtzPosition):  # where "look at" pointed it (generic pan/tilt, -1 … 1)
                data |= {"pan": round(position.pan, 4), "tilt": round(position.tilt, 4)}
        if error:
            data["error"] = error
        if not error:
            self.ptz.hold(aim.camera_id, self.config.case_hold_s)
        how = f"预置位 {aim.preset}" if aim.preset else "对准案发点"
        text = f"{aim.camera_name}：{how}（案件 {spot.title}）"

        def pop(record: Future[Any] | None) -> None:
            """The wall pops once the record is committed (or failed, said in the log): the trail comes first."""
            if record is not None and record.exception() is not None:
                log.error("PTZ for case %s: the audit record failed: %s", spot.code, record.exception())
            self._pop(aim.camera_id, text)

        try:
            record: Future[Any] = self._audit(spot.actor, PERMISSION, f"case:{spot.code}", data)
        except Exception:
            log.exception("PTZ for case %s: the audit record failed", spot.code)
            pop(None)
            return
        record.add_done_callback(pop)
