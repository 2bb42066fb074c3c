"""PTZ intents from a seat, through the server, over the bus (as drone commands travel, commandcenter/drones/remote).

The server is the process that talks to the cameras' ONVIF services. On a seat, :func:`remote_ptz` makes the
seat's :class:`~commandcenter.ptz.service.PtzService` send every intent as a request instead of calling the
camera:

    seat ──QoS 1── cc/v1/commands/ptz/{camera_id}  {request_id, seat_id, token, action, args, sent_at, timeout_s}
    server: PtzCommandServer → SeatSessions.authenticate(token) → the server's PtzService → ONVIF camera
    seat ◀─QoS 1── cc/v1/replies/{seat_id}         {request_id, camera_id, action, status, result | error}

``status`` is ``ok`` (``result`` is the intent's answer: presets, a token, a position, a status) or ``refused``
(session, arguments or the camera refused, ``error`` says why). A seat that hears nothing within the timeout
fails the Future with :class:`PtzRemoteError`; a request that arrives after its seat stopped waiting is not run
(a "turn left" must not start after the operator was told it failed). A redelivered request runs once.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.bus import topics
from commandcenter.bus.api import Bus, BusMessage, JsonObject, JsonValue
from commandcenter.enforcement.seats import SeatSession, SeatSessions, SessionRefused
from commandcenter.ptz.service import PtzCommandError, PtzService
from commandcenter.runtime.tasks import TaskManager
from devices.onvif import PtzPosition, PtzPreset, PtzStatus

if TYPE_CHECKING:
    from commandcenter.runtime.compose import Services

log = logging.getLogger(__name__)

PTZ = "ptz"  # the command kind of cc/v1/commands/{kind}/{id}
TIMEOUT_S = 8.0  # the client's SOAP timeout is 5 s; the rest is the way there and back
OK, REFUSED = "ok", "refused"
# The intents and their arguments as they travel (name → number or text).
ACTIONS: dict[str, tuple[tuple[str, type], ...]] = {
    "move": (("pan", float), ("tilt", float), ("zoom", float)),
    "zoom": (("speed", float),),
    "stop": (),
    "nudge": (("pan", float), ("tilt", float), ("zoom", float)),
    "status": (),
    "presets": (),
    "goto_preset": (("preset", str),),
    "save_preset": (("name", str),),
    "look_at": (("lat", float), ("lon", float)),
}
SessionSource = Callable[[], SeatSession | None]


class PtzRemoteError(RuntimeError):
    """A seat's PTZ intent the server refused or did not answer (the message says which and why)."""


def encode_result(value: object) -> JsonValue:
    """An intent's answer as JSON."""
    if isinstance(value, PtzPosition):
        return {"pan": value.pan, "tilt": value.tilt, "zoom": value.zoom}
    if isinstance(value, PtzStatus):
        return {"position": encode_result(value.position), "moving": value.moving}
    if isinstance(value, list):
        return [{"token": p.token, "name": p.name, "position": encode_result(p.position)} for p in value
                if isinstance(p, PtzPreset)]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise TypeError(f"cannot send a {type(value).__name__} as a PTZ answer")


def decode_result(action: str, raw: JsonValue) -> object:
    def position(p: JsonValue) -> PtzPosition | None:
        if not isinstance(p, dict):
            return None
        return PtzPosition(float(p.get("pan", 0.0) or 0.0), float(p.get("tilt", 0.0) or 0.0),  # type: ignore[arg-type]
                           float(p.get("zoom", 0.0) or 0.0))  # type: ignore[arg-type]

    if action == "look_at":
        return position(raw)
    if action == "status" and isinstance(raw, dict):
        return PtzStatus(position(raw.get("position")) or PtzPosition(0.0, 0.0, 0.0), bool(raw.get("moving")))
    if action == "presets" and isinstance(raw, list):
        return [PtzPreset(str(p.get("token", "")), str(p.get("name", "")), position(p.get("position")))
                for p in raw if isinstance(p, dict)]
    return raw


def decode_arguments(action: str, raw: JsonValue) -> dict[str, float | str]:
    spec = ACTIONS.get(action)
    if spec is None:
        raise PtzCommandError(f"unknown PTZ action {action!r}")
    if not isinstance(raw, dict):
        raise PtzCommandError(f"PTZ {action}: arguments must be an object")
    out: dict[str, float | str] = {}
    for name, kind in spec:
        value = raw.get(name)
        if kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise PtzCommandError(f"PTZ {action}: {name} must be a number, got {value!r:.40}")
        if kind is str and not isinstance(value, str):
            raise PtzCommandError(f"PTZ {action}: {name} must be text, got {value!r:.40}")
        out[name] = float(value) if kind is float else str(value)  # type: ignore[arg-type]
    return out


@dataclass
class _Pending:
    future: Future[object]
    action: str
    camera_id: str
    deadline: float


class RemotePtz(QObject):
    """The seat's side: each intent one request; the Future resolves from the reply or at the timeout."""

    _arm_timer = Signal()

    def __init__(self, bus: Bus, seat_id: str, session: SeatSession | SessionSource, *,
                 timeout_s: float = TIMEOUT_S, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self.seat_id = topics.level(seat_id)
        self._session: SessionSource = session if callable(session) else (lambda: session)
        self.timeout_s = timeout_s
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._expire)
        self._arm_timer.connect(lambda: None if self._timer.isActive() else self._timer.start())
        bus.subscribe(topics.command_reply(self.seat_id), self._on_replies)

    def send(self, action: str, camera_id: str, args: dict[str, float | str]) -> Future[object]:
        future: Future[object] = Future()
        session = self._session()
        if session is None:
            future.set_exception(PtzRemoteError(f"PTZ {action} {camera_id}: nobody is logged in at this seat"))
            return future
        request_id = uuid.uuid4().hex
        with self._lock:
            self._pending[request_id] = _Pending(future, action, camera_id, time.monotonic() + self.timeout_s)
        self._arm_timer.emit()
        payload: JsonObject = {"request_id": request_id, "seat_id": self.seat_id, "token": session.token,
                               "action": action, "args": dict(args), "sent_at": time.time(),
                               "timeout_s": self.timeout_s}
        self.bus.publish(topics.command_request(PTZ, camera_id), payload, qos=1)
        return future

    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [(rid, p) for rid, p in self._pending.items() if p.deadline <= now]
            for rid, _p in due:
                del self._pending[rid]
            if not self._pending:
                self._timer.stop()
        for _rid, pending in due:
            if not pending.future.done():
                pending.future.set_exception(PtzRemoteError(
                    f"PTZ {pending.action} {pending.camera_id}: no answer from the server within "
                    f"{self.timeout_s:g} s (server or bus down?)"))

    def _on_replies(self, messages: list[BusMessage]) -> None:
        for message in messages:
            request_id = message.payload.get("request_id")
            if not isinstance(request_id, str):
                continue
            with self._lock:
                pending = self._pending.pop(request_id, None)
            if pending is None or pending.future.done():
                continue  # another commander's reply (drones share the topic), a repeat, or too late
            if message.payload.get("status") == OK:
                pending.future.set_result(decode_result(pending.action, message.payload.get("result")))
            else:
                pending.future.set_exception(PtzRemoteError(str(message.payload.get("error") or "refused")))


class PtzCommandServer:
    """The server's side: authenticate the seat's session, run the intent on the server's PtzService, reply."""

    def __init__(self, bus: Bus, service: PtzService, sessions: SeatSessions, tasks: TaskManager, *,
                 remember: int = 2048) -> None:
        self.bus, self.service, self.sessions = bus, service, sessions
        self._lane = tasks.lane("seat-ptz", 4)
        self._seen: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self._remember = remember
        self._lock = threading.Lock()
        self.counts = {"requests": 0, "duplicates": 0, "refused": 0}

    def start(self) -> None:
        self.bus.subscribe(topics.COMMAND_REQUESTS, self._on_requests)

    def stop(self) -> None:
        self._lane.cancel_pending()

    def report(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def _on_requests(self, messages: list[BusMessage]) -> None:
        for message in messages:
            levels = message.topic.split("/")
            if len(levels) != 5 or levels[3] != PTZ or message.retained:
                continue
            payload = message.payload
            request_id, seat_id = payload.get("request_id"), payload.get("seat_id")
            if not isinstance(request_id, str) or not isinstance(seat_id, str) or not request_id or not seat_id:
                continue
            key = (seat_id, request_id)
            with self._lock:
                if key in self._seen:
                    self.counts["duplicates"] += 1
                    continue
                self._seen[key] = True
                while len(self._seen) > self._remember:
                    self._seen.popitem(last=False)
                self.counts["requests"] += 1
            self._lane.run(functools.partial(self._handle, message, levels[4], seat_id, request_id))

    def _handle(self, message: BusMessage, camera_id: str, seat_id: str, request_id: str) -> None:
        payload = message.payload
        action = str(payload.get("action") or "")
        reply: JsonObject = {"request_id": request_id, "camera_id": camera_id, "action": action}
        try:
            sent_at, timeout_s = payload.get("sent_at"), payload.get("timeout_s")
            if not isinstance(sent_at, int | float) or not isinstance(timeout_s, int | float):
                raise PtzCommandError(f"PTZ {action}: the request has no sent_at / timeout_s numbers")
            if time.time() - sent_at > timeout_s:
                raise PtzCommandError(f"PTZ {action} {camera_id}: arrived after the seat stopped waiting: not sent")
            token = payload.get("token")
            user = self.sessions.authenticate(token if isinstance(token, str) else "", seat_id, f"camera:{camera_id}",
                                              {"command": f"ptz.{action}"[:32], "request": request_id})
            kwargs = decode_arguments(action, payload.get("args", {}))
            log.info("PTZ %s %s from seat %s (%s)", action, camera_id, seat_id, user)
            result = getattr(self.service, action)(camera_id, **kwargs).result(timeout=float(timeout_s))
            reply.update(status=OK, result=encode_result(result))
        except (SessionRefused, PtzCommandError, Exception) as exc:  # every failure answers the seat
            with self._lock:
                self.counts["refused"] += 1
            reply.update(status=REFUSED, error=str(exc))
        self.bus.publish(topics.command_reply(seat_id), reply, qos=1)


PTZ_SERVER = "seat ptz server"  # Services.extra key


def attach_ptz_server(services: Services, bus: Bus) -> PtzCommandServer | None:
    """SERVER role: answer the seats' PTZ intents through the server's PtzService (health: ``seat_ptz``)."""
    if services.ptz is None:
        return None
    from commandcenter.drones.remote import seat_sessions

    server = PtzCommandServer(bus, services.ptz, seat_sessions(services), services.tasks)
    server.start()
    services.extra[PTZ_SERVER] = server
    services.on_stop("seat ptz server", server.stop)
    services.health.register("seat_ptz", server.report)
    return server


def remote_ptz(services: Services, bus: Bus, seat_id: str, session: SeatSession | SessionSource) -> RemotePtz | None:
    """SEAT role: from now on ``services.ptz`` sends every intent through the server, as the seat's user."""
    if services.ptz is None:
        return None
    remote = RemotePtz(bus, seat_id, session, parent=services.events)
    services.ptz.send_through(remote)
    return remote
