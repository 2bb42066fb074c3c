"""The PTZ service: the one door through which the wall and the map turn cameras.

Views send intents (move at a velocity, stop, zoom, go to / save a preset, look at a map point); the service runs
each on the camera's own ordered lane of the task manager — SOAP calls block for up to the client's timeout and
must never run on the GUI thread, and one camera's "move" then "stop" must reach it in that order. Every intent
answers a ``Future``; failures are also announced on :attr:`PtzService.outcome` (camera id, ok, message) so a tile
can say why the camera did not turn.

Only cameras with ``ptz = true`` and an ``onvif_url`` are PTZ cameras; an intent for any other is refused at
once with :class:`PtzCommandError` and nothing is sent.

A camera alarm with ``alarm_preset`` set turns the camera to that preset before it pops on the wall
(:meth:`PtzService.turn_then`); if the camera does not answer, the alarm pops anyway, with the camera where it is.
A case of another source turns the nearest PTZ camera toward it (commandcenter/ptz/cases.py), which then holds
the camera there for a while (:meth:`PtzService.hold`): an alarm's pop meanwhile does not pull it away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.config import CameraConfig
from commandcenter.ptz.geometry import bearing_deg, distance_m, pan_for_bearing, tilt_for_distance
from commandcenter.runtime.tasks import Lane, TaskManager, TasksStopped
from devices.onvif import OnvifPtzClient, PtzPosition, PtzPreset, PtzStatus, load_schemas

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["PtzCamera", "PtzCommandError", "PtzPosition", "PtzPreset", "PtzService", "PtzStatus"]


class PtzCommandError(ValueError):
    """An intent the service refuses before sending anything (unknown camera, no position, no such preset)."""


@dataclass(frozen=True)
class PtzCamera:
    """What the service knows of one PTZ camera (from its ``[[cameras]]`` entry)."""

    id: str
    name: str
    url: str
    user: str
    password: str
    lat: float | None
    lon: float | None
    heading: float | None
    mount_height_m: float
    alarm_preset: str

    @classmethod
    def from_config(cls, cam: CameraConfig) -> PtzCamera:
        return cls(cam.id, cam.name or cam.id, cam.onvif_url, cam.onvif_user, cam.onvif_password, cam.lat, cam.lon,
                   cam.heading, cam.mount_height_m, cam.alarm_preset)

    @property
    def can_look_at(self) -> bool:
        return self.lat is not None and self.lon is not None and self.heading is not None


ClientFactory = Callable[[PtzCamera], OnvifPtzClient]


class RemoteSender(Protocol):
    """Where a seat's intents go (commandcenter.ptz.remote.RemotePtz)."""

    def send(self, action: str, camera_id: str, args: dict[str, float | str]) -> Future[object]: ...


def onvif_client(camera: PtzCamera) -> OnvifPtzClient:
    return OnvifPtzClient(camera.url, camera.user, camera.password)


class PtzService(QObject):
    """Intents to PTZ cameras, run off the GUI thread in order per camera. Construct on the GUI thread."""

    outcome = Signal(str, bool, str)  # camera id, ok, message (what was done, or why it failed)
    presetsChanged = Signal(str, object)  # camera id, list[PtzPreset]

    def __init__(self, cameras: list[CameraConfig], tasks: TaskManager, *,
                 client_factory: ClientFactory = onvif_client, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cameras = {c.id: PtzCamera.from_config(c) for c in cameras if c.ptz and c.onvif_url}
        self._tasks = tasks
        self._factory = client_factory
        self._clients: dict[str, OnvifPtzClient] = {}
        self._lanes: dict[str, Lane] = {}
        self._remote: RemoteSender | None = None
        self._held: dict[str, float] = {}  # camera id → monotonic time until which a case keeps it (hold)
        self._hold_lock = threading.Lock()

    def send_through(self, remote: RemoteSender) -> None:
        """A seat: every intent from now on goes to the server (commandcenter/ptz/remote.py), which owns the
        cameras' ONVIF sessions, checks the seat's session and answers."""
        self._remote = remote

    def prepare_later(self, delay_ms: int = 15_000) -> None:
        """Parse the ONVIF schemas on a worker ``delay_ms`` after now (once start-up has settled), so the first
        camera turn — the first case of the day — waits for no parsing and stutters no screen
        (:func:`devices.onvif.load_schemas`). Nothing to do without PTZ cameras, or on a seat (the server talks
        to the cameras)."""
        if self._cameras and self._remote is None:
            QTimer.singleShot(delay_ms, self, self.prepare)

    def prepare(self) -> Future[list[str]] | None:
        """Parse the ONVIF schemas now, on a worker (see :meth:`prepare_later`); the future has their names."""
        if not self._cameras or self._remote is not None:
            return None
        try:
            future = self._tasks.run(load_schemas)
        except TasksStopped:
            return None
        future.add_done_callback(_log_failure)
        return future

    # -- what there is ----------------------------------------------------------------------------------------------
    def camera_ids(self) -> list[str]:
        return sorted(self._cameras)

    def camera(self, camera_id: str) -> PtzCamera | None:
        return self._cameras.get(camera_id)

    def is_ptz(self, camera_id: str | None) -> bool:
        return camera_id is not None and camera_id in self._cameras

    # -- intents ----------------------------------------------------------------------------------------------------
    def move(self, camera_id: str, pan: float, tilt: float, zoom: float = 0.0) -> Future[None]:
        """Turn at the given velocities (-1 … 1) until :meth:`stop`."""
        return self._intent(camera_id, "move", {"pan": pan, "tilt": tilt, "zoom": zoom},
                            lambda: self._run(camera_id, "move", lambda c: c.continuous_move(pan, tilt, zoom)))

    def zoom(self, camera_id: str, speed: float) -> Future[None]:
        return self._intent(camera_id, "zoom", {"speed": speed},
                            lambda: self._run(camera_id, "zoom", lambda c: c.continuous_move(0.0, 0.0, speed)))

    def stop(self, camera_id: str) -> Future[None]:
        return self._intent(camera_id, "stop", {}, lambda: self._run(camera_id, "stop", lambda c: c.stop()))

    def nudge(self, camera_id: str, pan: float, tilt: float, zoom: float = 0.0) -> Future[None]:
        """A step (relative move) — the keyboard's arrows and a click on the pad."""
        return self._intent(camera_id, "nudge", {"pan": pan, "tilt": tilt, "zoom": zoom},
                            lambda: self._run(camera_id, "step", lambda c: c.relative_move(pan, tilt, zoom)))

    def status(self, camera_id: str) -> Future[PtzStatus]:
        return self._intent(camera_id, "status", {},
                            lambda: self._run(camera_id, "status", lambda c: c.status(), announce=False))

    def presets(self, camera_id: str) -> Future[list[PtzPreset]]:
        def job(client: OnvifPtzClient) -> list[PtzPreset]:
            found = client.presets()
            self.presetsChanged.emit(camera_id, found)
            return found

        return self._intent(camera_id, "presets", {},
                            lambda: self._run(camera_id, "presets", job, announce=False))

    def goto_preset(self, camera_id: str, preset: str) -> Future[None]:
        """Go to a preset given by token or name (a name is looked up in the camera's list)."""
        def job(client: OnvifPtzClient) -> None:
            client.goto_preset(self._resolve_preset(camera_id, client, preset))

        return self._intent(camera_id, "goto_preset", {"preset": preset},
                            lambda: self._run(camera_id, f"preset {preset}", job))

    def save_preset(self, camera_id: str, name: str) -> Future[str]:
        """Save the current position as ``name`` (a preset of that name is overwritten); returns its token."""
        if not name.strip():
            raise PtzCommandError(f"PTZ camera {camera_id}: a preset needs a name")

        def job(client: OnvifPtzClient) -> str:
            existing = next((p.token for p in client.presets() if p.name == name.strip()), None)
            token = client.set_preset(name.strip(), existing)
            self.presetsChanged.emit(camera_id, client.presets())
            return token

        return self._intent(camera_id, "save_preset", {"name": name},
                            lambda: self._run(camera_id, f"save preset {name}", job))

    def look_at(self, camera_id: str, lat: float, lon: float) -> Future[PtzPosition]:
        """Turn the camera to a map point: pan from the bearing against its heading, tilt from the distance."""
        camera = self._camera(camera_id)
        if not camera.can_look_at or camera.lat is None or camera.lon is None or camera.heading is None:
            raise PtzCommandError(f"PTZ camera {camera_id}: needs lat, lon and heading in [[cameras]] to look at "
                                  "a point on the map")
        if self._remote is not None:
            return self._intent(camera_id, "look_at", {"lat": lat, "lon": lon}, lambda: Future())
        distance = distance_m(camera.lat, camera.lon, lat, lon)
        pan = pan_for_bearing(bearing_deg(camera.lat, camera.lon, lat, lon), camera.heading)
        tilt = tilt_for_distance(distance, camera.mount_height_m)

        def job(client: OnvifPtzClient) -> PtzPosition:
            zoom = client.status().position.zoom
            client.absolute_move(pan, tilt, zoom)
            return PtzPosition(pan, tilt, zoom)

        return self._run(camera_id, f"look at {lat:.5f},{lon:.5f} ({distance:.0f} m)", job)

    def turn_then(self, show: Callable[[str, str], object]) -> Callable[[str, str], None]:
        """Wrap a wall's ``raise_alarm(camera_id, text)``: a PTZ camera with ``alarm_preset`` is first turned to
        it, and pops (on the thread the slot was called on, via a queued signal) once it answered or failed."""
        bridge = _Relay(self)
        bridge.fire.connect(lambda camera_id, text: show(camera_id, text))

        def slot(camera_id: str, text: str) -> None:
            camera = self._cameras.get(camera_id)
            if camera is None or not camera.alarm_preset or self.held(camera_id):
                show(camera_id, text)  # a camera a case just turned stays on the case
                return
            try:
                future = self.goto_preset(camera_id, camera.alarm_preset)
            except (PtzCommandError, TasksStopped):  # no answer, or the application is stopping: pop where it is
                show(camera_id, text)
                return
            future.add_done_callback(lambda _f: bridge.fire.emit(camera_id, text))

        return slot

    def hold(self, camera_id: str, seconds: float) -> None:
        """Keep the camera where it was turned (for a case): alarms pop it without going to ``alarm_preset``."""
        with self._hold_lock:
            self._held[camera_id] = time.monotonic() + seconds

    def held(self, camera_id: str) -> bool:
        with self._hold_lock:
            return self._held.get(camera_id, 0.0) > time.monotonic()

    # -- plumbing ---------------------------------------------------------------------------------------------------
    def _intent(self, camera_id: str, action: str, args: dict[str, float | str],
                local: Callable[[], Future[T]]) -> Future[T]:
        """Run here (``local``) or, on a seat, through the server; failures are announced either way."""
        if self._remote is None:
            return local()
        self._camera(camera_id)  # refused here, before anything travels
        future = self._remote.send(action, camera_id, args)

        def done(f: Future[object]) -> None:
            error = f.exception()
            if error is not None:
                self.outcome.emit(camera_id, False, str(error))
                return
            if action == "presets":
                self.presetsChanged.emit(camera_id, f.result())
            elif action == "save_preset":
                self.presets(camera_id)
            if action not in ("status", "presets"):
                self.outcome.emit(camera_id, True, action)

        future.add_done_callback(done)
        return future  # type: ignore[return-value]

    def _camera(self, camera_id: str) -> PtzCamera:
        camera = self._cameras.get(camera_id)
        if camera is None:
            raise PtzCommandError(f"camera {camera_id!r} is not a PTZ camera (needs ptz = true and onvif_url in "
                                  "[[cameras]])")
        return camera

    def _client(self, camera: PtzCamera) -> OnvifPtzClient:
        client = self._clients.get(camera.id)
        if client is None:
            client = self._clients[camera.id] = self._factory(camera)
        return client

    def _resolve_preset(self, camera_id: str, client: OnvifPtzClient, preset: str) -> str:
        found = client.presets()
        for p in found:
            if preset in (p.token, p.name):
                return p.token
        raise PtzCommandError(f"PTZ camera {camera_id}: no preset {preset!r} (has: "
                              f"{', '.join(p.name for p in found) or 'none'})")

    def _run(self, camera_id: str, what: str, call: Callable[[OnvifPtzClient], T], *,
                announce: bool = True) -> Future[T]:
        camera = self._camera(camera_id)
        lane = self._lanes.get(camera_id)
        if lane is None:
            lane = self._lanes[camera_id] = self._tasks.lane(f"ptz:{camera_id}")

        def job() -> T:
            try:
                result = call(self._client(camera))
            except Exception as exc:
                log.warning("PTZ %s %s failed: %s", camera_id, what, exc)
                self.outcome.emit(camera_id, False, str(exc))
                raise
            if announce:
                self.outcome.emit(camera_id, True, what)
            return result

        return lane.run(job)


class _Relay(QObject):
    """Carries "pop now" from the worker that heard the camera back to the thread the service lives on."""

    fire = Signal(str, str)


def _log_failure(future: Future[list[str]]) -> None:
    exc = future.exception()
    if exc is not None:  # the first PTZ call parses them again and reports its own error to the person
        log.warning("PTZ: the ONVIF schemas could not be prepared: %s", exc)
