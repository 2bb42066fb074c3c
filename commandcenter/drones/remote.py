"""Drone commands from a seat, through the server, over the bus.

The server is the only process with drone links. On a seat, :func:`remote_drone_commands` makes the seat's
``services.drone_commands`` send through a :class:`RemoteCommander` instead of a link, so the pilot screen, the
patrol banners and 派无人机 keep their :class:`~commandcenter.drones.guarded.AuthorizedCommander` (every command
returns a Future of a :class:`CommandResult`; the seat's own check greys out and refuses at once what the user
may not do). The RemoteCommander turns each command that passes into a request on the bus:

    seat ──QoS 1── cc/v1/commands/drone/{drone_id}  {request_id, seat_id, token, action, args, sent_at, timeout_s}
    server: CommandServer → SeatSessions.authenticate(token) → DroneCommands.for_actor(user) → link → vehicle
    seat ◀─QoS 1── cc/v1/replies/{seat_id}          {request_id, drone_id, action, status, result[, plan]}

``status`` is ``ok`` (the command reached the link; ``result`` is the vehicle's answer, which may itself be a
refusal such as MAV_RESULT_DENIED or a link TIMEOUT) or ``refused`` (the seat's session, the user's permission
or the arguments were refused in the core, with the reason). A seat that hears nothing within the command's
timeout (the server is down, the broker lost the request) resolves the Future with ``SERVER_TIMEOUT``; a reply
that comes later is ignored, and the pilot is told the command may still have reached the drone. So that a
request held up on the way (a broker that was down keeps QoS 1 messages) never flies after its seat gave up on
it, the server refuses a request older than its ``timeout_s`` (``sent_at`` is the seat's clock: the hall's
machines keep NTP time).

The check that counts and the audit record happen on the server in the core, under the user the token resolves
to (see :mod:`commandcenter.enforcement.seats`), exactly as for a command given in the single-process app: a
seat cannot name the user it acts as, and a seat whose own check was skipped is refused all the same. A
request delivered twice (MQTT QoS 1 may redeliver) runs once: the server remembers recent request ids and
answers a repeat with the reply it already gave.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.bus import topics
from commandcenter.bus.api import Bus, BusMessage, JsonObject, JsonValue
from commandcenter.drones.fleet import CommandResult
from commandcenter.drones.guarded import COMMANDS, DroneCommands, permission_for
from commandcenter.drones.missions import DEFAULT_NO_FLY_ZONES, MissionPlan
from commandcenter.drones.planfile import PlanFileError, parse_plan, plan_to_dict
from commandcenter.enforcement.seats import SeatLogin, SeatSession, SeatSessions, SessionRefused
from commandcenter.runtime.tasks import TaskManager

if TYPE_CHECKING:
    from commandcenter.runtime.compose import Services

log = logging.getLogger(__name__)

DRONE = "drone"  # the command kind of cc/v1/commands/{kind}/{id}
COMMAND_SERVER = "seat command server"  # Services.extra key of the server's CommandServer
OK, REFUSED = "ok", "refused"
# result names a seat sees besides the vehicle's own
SERVER_TIMEOUT = "SERVER_TIMEOUT"
SESSION_REFUSED = "SESSION_REFUSED"
INVALID_REQUEST = "INVALID_REQUEST"
STALE_REQUEST = "STALE_REQUEST"  # arrived after its seat stopped waiting: not run
NOT_LOGGED_IN = "NOT_LOGGED_IN"
# refusals of the core (permission, validation) as the guarded and link commanders name them
CORE_REFUSALS = frozenset({"PERMISSION_DENIED", "REJECTED", SESSION_REFUSED, INVALID_REQUEST, STALE_REQUEST})

COMMAND_TIMEOUT_S = 10.0  # a link waits 3 × 1.5 s for a COMMAND_ACK; the rest is the way there and back
PLAN_TIMEOUT_S = 90.0  # mission, fence and rally transfers are item by item with retries
PLAN_ACTIONS = frozenset({"upload_plan", "download_plan"})
MAX_ID = 64
DEFAULT_MODES = ["STABILIZE", "GUIDED", "LOITER", "AUTO", "RTL", "LAND"]  # as the link commander without a vehicle

# The named arguments of each command as they travel: (name, kind, default); kind is bool | float | str | plan.
_NO_DEFAULT = object()
ARGUMENTS: dict[str, tuple[tuple[str, str, object], ...]] = {
    "arm": (("force", "bool", False),),
    "disarm": (("force", "bool", False),),
    "set_mode": (("name", "str", _NO_DEFAULT),),
    "takeoff": (("alt", "float", _NO_DEFAULT),),
    "land": (),
    "rtl": (),
    "goto": (("lat", "float", _NO_DEFAULT), ("lon", "float", _NO_DEFAULT), ("alt", "float", _NO_DEFAULT)),
    "change_speed": (("speed", "float", _NO_DEFAULT),),
    "pause_mission": (),
    "continue_mission": (),
    "start_mission": (),
    "upload_plan": (("plan", "plan", _NO_DEFAULT),),
    "download_plan": (),
}
assert set(ARGUMENTS) == set(COMMANDS), "every guarded command travels"


class InvalidRequest(ValueError):
    """A request whose action or arguments cannot be run (named in the message)."""


def encode_arguments(action: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> JsonObject:
    """A command's call arguments as the request's ``args`` object (a plan as its .plan document)."""
    spec = ARGUMENTS[action]
    if len(args) > len(spec):
        raise TypeError(f"{action}() takes {len(spec)} arguments after the drone id, got {len(args)}")
    named = {name: value for (name, _kind, _default), value in zip(spec, args, strict=False)}
    for key, value in kwargs.items():
        if key not in {name for name, _kind, _default in spec} or key in named:
            raise TypeError(f"{action}() got an unexpected or repeated argument {key!r}")
        named[key] = value
    encoded: JsonObject = {}
    for name, kind, default in spec:
        if name not in named:
            if default is _NO_DEFAULT:
                raise TypeError(f"{action}() is missing its argument {name!r}")
            continue
        value = named[name]
        encoded[name] = plan_to_dict(value) if kind == "plan" else value
    return encoded


def decode_arguments(action: str, raw: JsonValue) -> dict[str, Any]:
    """The keyword arguments of ``action`` from a request's ``args``; raises InvalidRequest naming the field."""
    if action not in ARGUMENTS:
        raise InvalidRequest(f"unknown drone command {action!r}; expected one of {', '.join(COMMANDS)}")
    if not isinstance(raw, dict):
        raise InvalidRequest(f"{action}: 'args' must be an object, not {type(raw).__name__}")
    spec = ARGUMENTS[action]
    unknown = set(raw) - {name for name, _kind, _default in spec}
    if unknown:
        raise InvalidRequest(f"{action}: unknown argument(s) {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for name, kind, default in spec:
        if name not in raw:
            if default is _NO_DEFAULT:
                raise InvalidRequest(f"{action}: argument {name!r} is missing")
            continue
        out[name] = _decode_value(action, name, kind, raw[name])
    return out


def _decode_value(action: str, name: str, kind: str, value: JsonValue) -> Any:
    where = f"{action}: argument {name!r}"
    if kind == "bool":
        if not isinstance(value, bool):
            raise InvalidRequest(f"{where} must be true or false, not {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidRequest(f"{where} must be a finite number, not {value!r}")
        return float(value)
    if kind == "str":
        if not isinstance(value, str) or not 0 < len(value) <= 32:
            raise InvalidRequest(f"{where} must be a name of 1 to 32 characters, not {value!r}")
        return value
    if not isinstance(value, dict):
        raise InvalidRequest(f"{where} must be a .plan document (an object)")
    try:
        return parse_plan(json.dumps(value, ensure_ascii=False), f"{action} request")
    except PlanFileError as exc:
        raise InvalidRequest(f"{where}: {exc}") from None


def _result_json(result: CommandResult) -> JsonObject:
    return {"ok": result.ok, "result_name": result.result_name, "text": result.text}


def _is_id(value: JsonValue, limit: int = MAX_ID) -> bool:
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        return False
    try:
        topics.level(value)
    except ValueError:
        return False
    return True


# ================================================================================================== the seat
SessionSource = Callable[[], SeatSession | None]


@dataclass
class _Pending:
    future: Future[Any]
    action: str
    drone_id: str
    deadline: float  # time.monotonic()
    timeout_s: float


class RemoteCommander(QObject):
    """The seat's drone commander: :class:`AuthorizedCommander`'s interface, each command a bus request.

    ``session`` is the seat's current :class:`SeatSession` (or a callable giving it: the user may log out and
    another log in). ``allowed`` (user, permission → bool, recording nothing) lets views grey out controls the
    user may not use, from the seat's own database; the check that counts runs on the server. ``authorize``
    backs :meth:`require` (a patrol banner checks every step before the first).
    """

    _arm_timer = Signal()

    def __init__(self, bus: Bus, seat_id: str, session: SeatSession | SessionSource, *,
                 allowed: Callable[[str, str], bool] | None = None,
                 authorize: Callable[[str, str], None] | None = None,
                 timeouts: Mapping[str, float] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = bus
        self.seat_id = topics.level(seat_id)
        self._session: SessionSource = session if callable(session) else (lambda: session)
        self._allowed = allowed
        self._authorize = authorize
        self.timeouts = {action: PLAN_TIMEOUT_S if action in PLAN_ACTIONS else COMMAND_TIMEOUT_S
                         for action in COMMANDS}
        self.timeouts.update(timeouts or {})
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._expire)
        self.no_fly = tuple(DEFAULT_NO_FLY_ZONES)  # the tasking refuses the same airports the server's upload would
        self._arm_timer.connect(self._start_timer)  # queued when a command is sent from a worker thread
        bus.subscribe(topics.command_reply(self.seat_id), self._on_replies)

    # -- what the views use ---------------------------------------------------------------------------------
    @property
    def user(self) -> str:
        session = self._session()
        return session.username if session is not None else ""

    def allowed(self, action: str) -> bool:
        """Whether the seat's user may send ``action`` (records nothing: for enabling buttons)."""
        user = self.user
        if not user:
            return False
        return self._allowed is None or self._allowed(user, permission_for(action))

    def require(self, *actions: str) -> None:
        """Authorize every permission ``actions`` need, up front (raises PermissionError, recorded once)."""
        user = self.user
        if not user:
            raise PermissionError(f"seat {self.seat_id}: nobody is logged in")
        if self._authorize is not None:
            for permission in dict.fromkeys(permission_for(action) for action in actions):
                self._authorize(user, permission)

    def mode_names(self, drone_id: str) -> list[str]:
        """The flight modes offered (the seat has no link to ask the vehicle: the common ArduPilot ones)."""
        return list(DEFAULT_MODES)

    def pending(self) -> int:
        """Commands sent and not yet answered (nor timed out)."""
        with self._lock:
            return len(self._pending)

    # -- the DroneCommander protocol: each command one request --------------------------------------------
    def arm(self, drone_id: str, force: bool = False) -> Future[CommandResult]:
        return self.send("arm", drone_id, force=force)

    def disarm(self, drone_id: str, force: bool = False) -> Future[CommandResult]:
        return self.send("disarm", drone_id, force=force)

    def set_mode(self, drone_id: str, name: str) -> Future[CommandResult]:
        return self.send("set_mode", drone_id, name=name)

    def takeoff(self, drone_id: str, alt: float) -> Future[CommandResult]:
        return self.send("takeoff", drone_id, alt=alt)

    def land(self, drone_id: str) -> Future[CommandResult]:
        return self.send("land", drone_id)

    def rtl(self, drone_id: str) -> Future[CommandResult]:
        return self.send("rtl", drone_id)

    def goto(self, drone_id: str, lat: float, lon: float, alt: float) -> Future[CommandResult]:
        return self.send("goto", drone_id, lat=lat, lon=lon, alt=alt)

    def change_speed(self, drone_id: str, speed: float) -> Future[CommandResult]:
        return self.send("change_speed", drone_id, speed=speed)

    def pause_mission(self, drone_id: str) -> Future[CommandResult]:
        return self.send("pause_mission", drone_id)

    def continue_mission(self, drone_id: str) -> Future[CommandResult]:
        return self.send("continue_mission", drone_id)

    def start_mission(self, drone_id: str) -> Future[CommandResult]:
        return self.send("start_mission", drone_id)

    def upload_plan(self, drone_id: str, plan: MissionPlan) -> Future[CommandResult]:
        return self.send("upload_plan", drone_id, plan=plan)

    def download_plan(self, drone_id: str) -> Future[tuple[CommandResult, MissionPlan]]:
        return self.send("download_plan", drone_id)

    # -- sending --------------------------------------------------------------------------------------------
    def send(self, action: str, drone_id: str, *args: Any, **kwargs: Any) -> Future[Any]:
        """Publish ``action`` for ``drone_id``; the Future resolves from the reply or at the timeout."""
        future: Future[Any] = Future()
        session = self._session()
        if session is None:
            return self._resolve(future, action, CommandResult(False, NOT_LOGGED_IN,
                                                               f"seat {self.seat_id}: nobody is logged in"))
        try:
            encoded = encode_arguments(action, args, kwargs)
            topic = topics.command_request(DRONE, drone_id)
        except (TypeError, ValueError) as exc:
            return self._resolve(future, action, CommandResult(False, INVALID_REQUEST, str(exc)))
        request_id = uuid.uuid4().hex
        timeout_s = self.timeouts[action]
        with self._lock:
            self._pending[request_id] = _Pending(future, action, drone_id, time.monotonic() + timeout_s, timeout_s)
        self._arm_timer.emit()
        self.bus.publish(topic, {"request_id": request_id, "seat_id": self.seat_id, "token": session.token,
                                 "action": action, "args": encoded, "sent_at": time.time(),
                                 "timeout_s": timeout_s}, qos=1)
        return future

    @staticmethod
    def _resolve(future: Future[Any], action: str, result: CommandResult,
                 plan: MissionPlan | None = None) -> Future[Any]:
        if not future.done():
            future.set_result((result, plan or MissionPlan()) if action == "download_plan" else result)
        return future

    def _start_timer(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [(rid, p) for rid, p in self._pending.items() if p.deadline <= now]
            for rid, _pending in due:
                del self._pending[rid]
            idle = not self._pending
        if idle:
            self._timer.stop()
        for _rid, pending in due:
            text = (f"{pending.action} {pending.drone_id}: no answer from the server within "
                    f"{pending.timeout_s:g} s (server or bus down?); the drone may or may not have received it")
            self._resolve(pending.future, pending.action, CommandResult(False, SERVER_TIMEOUT, text))

    def _on_replies(self, messages: list[BusMessage]) -> None:
        for message in messages:
            request_id = message.payload.get("request_id")
            if not isinstance(request_id, str):
                continue
            with self._lock:
                pending = self._pending.pop(request_id, None)
            if pending is None:  # a repeated reply, or one after the timeout: the pilot already has an answer
                continue
            result, plan = _reply_result(message.payload)
            self._resolve(pending.future, pending.action, result, plan)


def _reply_result(payload: JsonObject) -> tuple[CommandResult, MissionPlan | None]:
    raw = payload.get("result")
    if not isinstance(raw, dict):
        return CommandResult(False, INVALID_REQUEST, f"malformed reply from the server: {payload!r:.200}"), None
    result = CommandResult(bool(raw.get("ok")), str(raw.get("result_name", "")), str(raw.get("text", "")))
    plan = None
    raw_plan = payload.get("plan")
    if isinstance(raw_plan, dict):
        try:
            plan = _decode_value("download_plan", "plan", "plan", raw_plan)
        except InvalidRequest as exc:
            return CommandResult(False, INVALID_REQUEST, f"the downloaded plan does not read: {exc}"), None
    return result, plan


# ================================================================================================== the server
@dataclass(frozen=True)
class _Request:
    request_id: str
    seat_id: str
    drone_id: str
    token: str
    action: str
    args: JsonValue
    sent_at: float | None  # unix time on the seat's clock; None when the request did not say (refused)
    timeout_s: float | None


def _number(value: JsonValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


class CommandServer:
    """Runs the seats' drone command requests through the core's :class:`DroneCommands` and replies.

    Requests are handled on a lane of the task manager (resolving a token reads the database; the bus thread
    does no I/O). Recent request ids are remembered with their reply: a redelivered request gets the same reply
    again and reaches the drone only once.
    """

    def __init__(self, bus: Bus, commands: DroneCommands, sessions: SeatSessions, tasks: TaskManager, *,
                 remember: int = 4096) -> None:
        self.bus = bus
        self.commands = commands
        self.sessions = sessions
        self._lane = tasks.lane("seat-commands", 4)
        self._remember = remember
        self._seen: OrderedDict[tuple[str, str], JsonObject | None] = OrderedDict()  # None: still running
        self._lock = threading.Lock()
        self._stopped = False
        self.counts = {"requests": 0, "duplicates": 0, "refused": 0, "dropped": 0}

    def start(self) -> None:
        self.bus.subscribe(topics.COMMAND_REQUESTS, self._on_requests)

    def stop(self) -> None:
        """Take no more requests (the bus keeps the subscription; the requests are then simply not answered)."""
        self._stopped = True
        self._lane.cancel_pending()

    def report(self) -> dict[str, int]:
        """Counters for the health report."""
        with self._lock:
            return dict(self.counts)

    # -- receiving ------------------------------------------------------------------------------------------
    def _on_requests(self, messages: list[BusMessage]) -> None:
        for message in messages:
            if self._stopped:
                return
            request = self._parse(message)
            if request is None:
                continue
            key = (request.seat_id, request.request_id)
            with self._lock:
                repeated = key in self._seen
                earlier = self._seen.get(key)
                if repeated:
                    self.counts["duplicates"] += 1
                else:
                    self.counts["requests"] += 1
                    self._seen[key] = None
                    while len(self._seen) > self._remember:
                        self._seen.popitem(last=False)
            if not repeated:
                self._lane.run(functools.partial(self._handle_or_fail, request))
            elif earlier is not None:  # answered already: the seat may have missed the reply
                self.bus.publish(topics.command_reply(request.seat_id), earlier, qos=1)

    def _parse(self, message: BusMessage) -> _Request | None:
        levels = message.topic.split("/")
        if len(levels) != 5 or levels[3] != DRONE:
            return None  # another kind of command: not ours
        payload = message.payload
        if message.retained:  # a command is for now, never a last value replayed to whoever subscribes later
            log.warning("retained drone command on %s ignored", message.topic)
            with self._lock:
                self.counts["dropped"] += 1
            return None
        request_id, seat_id = payload.get("request_id"), payload.get("seat_id")
        token, action = payload.get("token"), payload.get("action")
        if not _is_id(request_id) or not _is_id(seat_id, 48):
            log.warning("drone command on %s without a usable request_id/seat_id: dropped (no one to answer)",
                        message.topic)
            with self._lock:
                self.counts["dropped"] += 1
            return None
        assert isinstance(request_id, str) and isinstance(seat_id, str)
        return _Request(request_id, seat_id, levels[4], token if isinstance(token, str) else "",
                        action if isinstance(action, str) else "", payload.get("args", {}),
                        _number(payload.get("sent_at")), _number(payload.get("timeout_s")))

    # -- running --------------------------------------------------------------------------------------------
    def _handle_or_fail(self, request: _Request) -> None:
        """:meth:`_handle`; a failure of the server itself (e.g. the database unreachable) still answers."""
        try:
            self._handle(request)
        except Exception as exc:
            log.exception("drone command %s of seat %s failed", request.action, request.seat_id)
            self._reply(request, OK, CommandResult(False, "ERROR", f"{request.action}: the server failed: {exc}"))

    def _handle(self, request: _Request) -> None:
        if request.sent_at is None or request.timeout_s is None:
            self._reply(request, REFUSED, CommandResult(False, INVALID_REQUEST,
                                                        "the request has no sent_at / timeout_s numbers"))
            return
        age = time.time() - request.sent_at
        if age > request.timeout_s:  # its seat has told the pilot "no answer": it must not fly now
            log.warning("seat %s: %s for %s arrived %.1f s after it was sent (seat waits %g s): not run",
                        request.seat_id, request.action, request.drone_id, age, request.timeout_s)
            self._reply(request, REFUSED, CommandResult(
                False, STALE_REQUEST, f"{request.action}: arrived {age:.1f} s after it was sent, later than the "
                                      f"seat waits ({request.timeout_s:g} s): not sent to the drone (if every "
                                      "command says so, the seat's and the server's clocks differ: check NTP)"))
            return
        subject = f"drone:{request.drone_id}"
        attempt = {"command": request.action[:32], "request": request.request_id}
        try:
            user = self.sessions.authenticate(request.token, request.seat_id, subject, attempt)
        except SessionRefused as exc:
            self._reply(request, REFUSED, CommandResult(False, SESSION_REFUSED, str(exc)))
            return
        try:
            kwargs = decode_arguments(request.action, request.args)
        except InvalidRequest as exc:
            log.warning("seat %s (%s): %s", request.seat_id, user, exc)
            self._reply(request, REFUSED, CommandResult(False, INVALID_REQUEST, str(exc)))
            return
        commander = self.commands.for_actor(user, context={"seat": request.seat_id,
                                                           "request": request.request_id})
        future: Future[Any] = getattr(commander, request.action)(request.drone_id, **kwargs)
        future.add_done_callback(lambda f: self._finished(request, f))

    def _finished(self, request: _Request, future: Future[Any]) -> None:
        plan: MissionPlan | None = None
        try:
            outcome = future.result()
        except Exception as exc:  # a failing link must still answer the seat
            log.exception("drone command %s of seat %s failed", request.action, request.seat_id)
            outcome = CommandResult(False, "ERROR", f"{request.action}: {exc}")
        if isinstance(outcome, tuple):
            outcome, plan = outcome
        status = REFUSED if outcome.result_name in CORE_REFUSALS else OK
        self._reply(request, status, outcome, plan if outcome.ok else None)

    def _reply(self, request: _Request, status: str, result: CommandResult, plan: MissionPlan | None = None) -> None:
        payload: JsonObject = {"request_id": request.request_id, "drone_id": request.drone_id,
                               "action": request.action, "status": status, "result": _result_json(result)}
        if plan is not None:
            payload["plan"] = plan_to_dict(plan)
        with self._lock:
            if status == REFUSED:
                self.counts["refused"] += 1
            key = (request.seat_id, request.request_id)
            if key in self._seen:
                self._seen[key] = payload
        self.bus.publish(topics.command_reply(request.seat_id), payload, qos=1)


# ================================================================================================== wiring
def seat_sessions(services: Services) -> SeatSessions:
    """The seat sessions of a built command center (its store, login and audit chain)."""
    enforcement = services.enforcement
    return SeatSessions(services.store, enforcement.auth, enforcement.audit)


SEAT_LOGIN = "seat login"  # Services.extra key of a seat's SeatLogin (the login dialog's backend)


def seat_login(services: Services, seat_id: str) -> SeatLogin:
    """SEAT role: the login dialog's backend (``LoginDialog(seat_login(...))``): the ordinary password check,
    which also opens the seat's session; the session is closed (its token revoked) when the services stop."""
    login = SeatLogin(seat_sessions(services), topics.level(seat_id))
    services.on_stop("seat session", login.logout)
    return login


def attach_command_server(services: Services, bus: Bus) -> CommandServer:
    """SERVER role: answer the seats' drone commands on ``bus`` through ``services.drone_commands`` (the links).

    Subscribes now (call after ``build()``; before or after ``start()``); stops taking requests when the services
    stop. Adds the health section ``seat_commands`` (requests, duplicates, refused, dropped).
    """
    if services.drone_commands.through_server:
        raise RuntimeError("these services are a seat's (remote_drone_commands): they cannot also serve commands")
    server = CommandServer(bus, services.drone_commands, seat_sessions(services), services.tasks)
    server.start()
    services.extra[COMMAND_SERVER] = server
    services.on_stop("seat command server", server.stop)
    services.health.register("seat_commands", server.report)
    return server


def remote_drone_commands(services: Services, bus: Bus, seat_id: str,
                          session: SeatSession | SessionSource) -> RemoteCommander:
    """SEAT role: from now on ``services.drone_commands`` sends every command through the server on ``bus``, as
    the user of the seat's session (``SeatLogin.current``, read at each command).

    Everything built on ``services.drone_commands`` (the pilot screen, patrol banners, 派无人机) keeps its
    interface and its check here; the server checks again and records each command under the session's user.
    """
    if COMMAND_SERVER in services.extra:
        raise RuntimeError("these services serve the seats' commands (attach_command_server): a seat's commands "
                           "would come back to themselves")
    enforcement = services.enforcement
    commander = RemoteCommander(bus, seat_id, session, allowed=enforcement.authorizer.allowed,
                                authorize=enforcement.authorize, parent=services.events)
    commander.no_fly = tuple(services.drone_commands.no_fly or ())  # the bureau's zones, as the server checks
    services.drone_commands.send_through(commander)
    return commander
