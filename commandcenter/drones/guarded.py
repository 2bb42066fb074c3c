"""Permission checks for drone commands, in the core: a pilot screen hiding a button is not a check.

``AuthorizedCommander`` wraps any DroneCommander: every command first asks the enforcement authorizer whether the
operator holds ``drone.command`` (``drone.arm`` for arming, take-off and mission start — the actions that put a
vehicle in the air). A refusal never reaches the link; it comes back as a refused CommandResult naming the missing
permission, and the authorizer records the refusal in the audit chain. RTL and LAND need only ``drone.view``:
bringing a drone home must always be possible for whoever watches it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from commandcenter.drones.fleet import CommandResult, DroneCommander
from commandcenter.drones.missions import MissionPlan

ARMING_ACTIONS = frozenset({"arm", "takeoff", "start_mission"})
SAFETY_ACTIONS = frozenset({"rtl", "land"})
COMMANDS = ("arm", "disarm", "set_mode", "takeoff", "land", "rtl", "goto", "change_speed", "pause_mission",
            "continue_mission", "start_mission", "upload_plan", "download_plan")


def permission_for(action: str) -> str:
    if action in ARMING_ACTIONS:
        return "drone.arm"
    if action in SAFETY_ACTIONS:
        return "drone.view"
    return "drone.command"


class AuthorizedCommander:
    """A DroneCommander that authorizes ``actor()`` before each command (see the module docstring)."""

    def __init__(self, inner: DroneCommander, authorize: Callable[[str, str], None], actor: Callable[[], str]) -> None:
        self.inner = inner
        self.authorize = authorize
        self.actor = actor

    def _guarded(self, action: str) -> Callable[..., Future[Any]]:
        call = getattr(self.inner, action)

        def run(drone_id: str, *args: Any, **kwargs: Any) -> Future[Any]:
            permission = permission_for(action)
            try:
                self.authorize(self.actor(), permission)
            except PermissionError as exc:
                refused: Future[Any] = Future()
                text = getattr(exc, "message_zh", str(exc))
                result = CommandResult(False, "PERMISSION_DENIED", text)
                refused.set_result((result, MissionPlan()) if action == "download_plan" else result)
                return refused
            return call(drone_id, *args, **kwargs)  # type: ignore[no-any-return]

        return run

    def __getattr__(self, name: str) -> Any:
        if name in COMMANDS:
            return self._guarded(name)
        return getattr(self.inner, name)  # mode_names and other reads pass through


class AuthorizedTasking:
    """派无人机 with the caller's ``drone.command`` checked first; a refusal raises PermissionDenied (audited)."""

    def __init__(self, inner: Any, authorize: Callable[[str, str], None]) -> None:
        self.inner = inner
        self.authorize = authorize

    def send_to_case(self, drone_id: str, case_id: int, case_code: str, lat: float, lon: float,
                     actor: str) -> Future[Any]:
        self.authorize(actor, "drone.command")
        return self.inner.send_to_case(drone_id, case_id, case_code, lat, lon, actor)  # type: ignore[no-any-return]
