"""Permission checks for drone commands, in the core: a pilot screen hiding a button is not a check.

The composition builds one :class:`DroneCommands` over the link commander and hands out only
:class:`AuthorizedCommander` objects, one per person (the seat's user for the pilot screen, the person who
confirmed a patrol banner, the dispatcher who sent a drone to a case). The raw link commander is never reachable
from a view, a schedule or a tasking: every path to a vehicle goes through the same check and the same audit chain.

Every command first asks the enforcement authorizer whether the actor holds ``drone.command`` (``drone.arm`` for
arming, take-off and mission start — the actions that put a vehicle in the air). A refusal never reaches the link;
it comes back as a refused CommandResult naming the missing permission, and the authorizer records the refusal in
the audit chain. A command that is let through is itself recorded (``drone.<action>``, subject ``drone:<id>``)
before it leaves, so the record says who flew what. RTL and LAND need only ``drone.view``: bringing a drone home
must always be possible for whoever watches it. Mission download is a read: allowed with ``drone.command`` and
not recorded (views download on their own; they ask :meth:`AuthorizedCommander.allowed` first, so a watcher
without the right never produces refusals it did not ask for).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from commandcenter.drones.fleet import CommandResult, DroneCommander
from commandcenter.drones.missions import MissionPlan

ARMING_ACTIONS = frozenset({"arm", "takeoff", "start_mission"})
SAFETY_ACTIONS = frozenset({"rtl", "land"})
READ_ACTIONS = frozenset({"download_plan"})  # asks the vehicle, changes nothing: not written to the audit chain
COMMANDS = ("arm", "disarm", "set_mode", "takeoff", "land", "rtl", "goto", "change_speed", "pause_mission",
            "continue_mission", "start_mission", "upload_plan", "download_plan")

AuthorizeFn = Callable[[str, str], None]  # (actor, permission): returns, or raises PermissionDenied (audited)
AllowedFn = Callable[[str, str], bool]  # (actor, permission): whether held, recording nothing
AuditFn = Callable[[str, str, str, Mapping[str, Any]], object]  # (actor, action, subject, data), not waited for


def permission_for(action: str) -> str:
    if action in ARMING_ACTIONS:
        return "drone.arm"
    if action in SAFETY_ACTIONS:
        return "drone.view"
    return "drone.command"


def _plain(value: Any) -> Any:
    """A command argument as audit data (a plan by its size; inf/NaN as text: the chain's JSON refuses them)."""
    if isinstance(value, MissionPlan):
        return {"mission_items": len(value.mission.items), "fence": not value.fence.is_empty(),
                "rally_points": len(value.rally)}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


class AuthorizedCommander:
    """A DroneCommander that authorizes ``actor()`` before each command (see the module docstring).

    ``allowed`` (actor, permission → bool, recording nothing) answers :meth:`allowed` for views deciding whether
    to offer a control or issue an automatic request; without it every action counts as allowed there and the
    command itself is still checked. ``audit`` records each command that is let through.
    """

    def __init__(self, inner: DroneCommander, authorize: AuthorizeFn, actor: Callable[[], str], *,
                 allowed: AllowedFn | None = None, audit: AuditFn | None = None,
                 context: Mapping[str, str] | None = None) -> None:
        self.inner = inner
        self.authorize = authorize
        self.actor = actor
        self._allowed = allowed
        self._audit = audit
        self._context = dict(context or {})  # added to each audit record (e.g. the seat a command came from)

    def allowed(self, action: str) -> bool:
        """Whether the actor may send ``action`` (records nothing: for enabling buttons and automatic reads)."""
        return self._allowed is None or self._allowed(self.actor(), permission_for(action))

    def require(self, *actions: str) -> None:
        """Authorize every permission ``actions`` need, up front (raises PermissionDenied, recorded once).

        A patrol or a tasking checks all its steps before the first leaves, so a pilot who may upload but not
        arm does not leave a half-done plan on the vehicle.
        """
        actor = self.actor()
        for permission in dict.fromkeys(permission_for(action) for action in actions):
            self.authorize(actor, permission)

    def _guarded(self, action: str) -> Callable[..., Future[Any]]:
        call = getattr(self.inner, action)

        def run(drone_id: str, *args: Any, **kwargs: Any) -> Future[Any]:
            actor = self.actor()
            try:
                self.authorize(actor, permission_for(action))
            except PermissionError as exc:
                refused: Future[Any] = Future()
                text = getattr(exc, "message_zh", str(exc))
                result = CommandResult(False, "PERMISSION_DENIED", text)
                refused.set_result((result, MissionPlan()) if action == "download_plan" else result)
                return refused
            if self._audit is not None and action not in READ_ACTIONS:
                data: dict[str, Any] = {"args": [_plain(a) for a in args]}
                data.update({key: _plain(value) for key, value in kwargs.items()})
                data.update(self._context)
                self._audit(actor, f"drone.{action}", f"drone:{drone_id}", data)
            return call(drone_id, *args, **kwargs)  # type: ignore[no-any-return]

        return run

    def __getattr__(self, name: str) -> Any:
        if name in COMMANDS:
            return self._guarded(name)
        return getattr(self.inner, name)  # mode_names and other reads pass through


class DroneCommands:
    """The one way to the drones: holds the link commander privately and hands out per-person commanders.

    Built once in the composition (``Services.drone_commands``); views, the patrol scheduler and the tasking
    receive this (or a commander from it), never the link commander itself.
    """

    def __init__(self, inner: DroneCommander, authorize: AuthorizeFn, allowed: AllowedFn,
                 audit: AuditFn | None = None, *, shutdown: Callable[[], None] | None = None) -> None:
        self._inner = inner
        self._authorize = authorize
        self._allowed = allowed
        self._audit = audit
        self._shutdown = shutdown
        self.through_server = False  # a seat's: commands go to the server (see send_through)

    @property
    def no_fly(self) -> Any:
        """The link commander's no-fly zones (the tasking refuses the same airport the upload would)."""
        return getattr(self._inner, "no_fly", None)

    def for_actor(self, actor: str | Callable[[], str], *,
                  context: Mapping[str, str] | None = None) -> AuthorizedCommander:
        """A commander acting as ``actor`` (a name, or a callable read at each command: the seat's current user).

        ``context`` goes into the audit record of each command let through (the server adds the seat and the
        request a remote command came with).
        """
        who: Callable[[], str] = (lambda: actor) if isinstance(actor, str) else actor
        return AuthorizedCommander(self._inner, self._authorize, who, allowed=self._allowed, audit=self._audit,
                                   context=context)

    def send_through(self, server: DroneCommander) -> None:
        """A seat: every commander handed out from now on sends through ``server`` (the command server, over
        the bus) instead of a link, which a seat does not have.

        The check here stays (a control the user may not use is refused at once, and the refusal recorded once);
        commands let through are not recorded here, because the server checks them again and records them under
        the user the seat's session token resolves to: one record of who flew what, written where it flew.
        """
        self._inner = server
        self._audit = None
        self.through_server = True

    def shutdown(self) -> None:
        if self._shutdown is not None:
            self._shutdown()


class AuthorizedTasking:
    """派无人机 with the caller's ``drone.command`` checked first; a refusal raises PermissionDenied (audited)."""

    def __init__(self, inner: Any, authorize: Callable[[str, str], None]) -> None:
        self.inner = inner
        self.authorize = authorize

    def send_to_case(self, drone_id: str, case_id: int, case_code: str, lat: float, lon: float,
                     actor: str) -> Future[Any]:
        self.authorize(actor, "drone.command")
        return self.inner.send_to_case(drone_id, case_id, case_code, lat, lon, actor)  # type: ignore[no-any-return]
