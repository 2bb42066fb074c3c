"""The pilot command line: ``commandcenter drone --config FILE --drone ID ACTION …``.

For the field pilot with a laptop and for scripts: it opens the link of the configured drone, waits for the
vehicle's heartbeat, does one thing and says exactly what happened. The exit code is 0 only when the vehicle
acknowledged; otherwise the reason (the MAV_RESULT name and the vehicle's STATUSTEXT, or the plan rule broken)
goes to stderr.

Every action but ``status`` changes the world, so it runs as someone who proved it (``--as USER`` with the
user's password, or a ``[[users]]`` service account's token: see ``commandcenter.enforcement.auth``), checked
against the same permissions as the pilot screen (``drone.arm`` for arm/takeoff, ``drone.command`` for the rest,
``drone.view`` for RTL/LAND) and recorded in the audit chain of the configured database before anything is sent.
Positions, altitudes and plans are validated before the link is even opened:

    0  acknowledged          1  refused, failed or timed out (reason on stderr)
    2  bad usage, config or plan file                  3  no link or no heartbeat from the vehicle
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from commandcenter.config import Config, ConfigError, DroneConfig, load_config
from commandcenter.drones.fleet import download_plan, upload_plan
from commandcenter.drones.guarded import permission_for
from commandcenter.drones.missions import (
    MissionRejected,
    NoFlyZone,
    altitude_problems,
    target_problems,
    validate_mission,
)
from commandcenter.drones.planfile import PlanFileError, load_plan, save_plan
from commandcenter.drones.state import VehicleStates
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.auth import (
    AuthService,
    CliAuthError,
    add_credential_arguments,
    authenticate_cli,
)
from commandcenter.enforcement.permissions import Authorizer, PermissionDenied
from commandcenter.store import Store, default_url
from devices.mavlink import CommandResult, MavlinkLink

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NO_LINK = 0, 1, 2, 3
# The CLI action → the commander action whose permission it needs (status is a read of what the link hears).
COMMANDER_ACTIONS = {"arm": "arm", "disarm": "disarm", "mode": "set_mode", "takeoff": "takeoff", "goto": "goto",
                     "land": "land", "rtl": "rtl", "upload": "upload_plan", "fence": "upload_plan",
                     "download": "download_plan"}


def _bureau_no_fly_zones(config: Config) -> tuple[NoFlyZone, ...]:
    """The no-fly/限高 zones of the configured database (``data import nofly``), as the server checks them."""
    from commandcenter.golive.airspace import stored_no_fly_zones

    store = Store(config.database.url or default_url())
    try:
        return stored_no_fly_zones(store)
    finally:
        store.close()

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commandcenter drone", description="Command one configured drone.")
    parser.add_argument("--config", required=True, help="the TOML configuration with the [[drones]] entry")
    parser.add_argument("--drone", required=True, help="id of the [[drones]] entry")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the heartbeat")
    parser.add_argument("--tlog", default=None, help="record the session to this .tlog file")
    add_credential_arguments(parser)
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("status", help="print the vehicle state as JSON")
    sub.add_parser("arm", help="arm the motors")
    sub.add_parser("disarm", help="disarm the motors")
    mode = sub.add_parser("mode", help="change flight mode")
    mode.add_argument("name")
    takeoff = sub.add_parser("takeoff", help="take off to ALT metres above home (GUIDED, armed)")
    takeoff.add_argument("alt", type=float)
    goto = sub.add_parser("goto", help="fly to a position (guided)")
    goto.add_argument("lat", type=float)
    goto.add_argument("lon", type=float)
    goto.add_argument("alt", type=float)
    sub.add_parser("land", help="land where the vehicle is")
    sub.add_parser("rtl", help="return to launch")
    for name, text in (("upload", "validate and upload the mission of a .plan/.waypoints file"),
                       ("download", "download mission, fence and rally points into a .plan file"),
                       ("fence", "upload the geofence and rally points of a .plan file")):
        p = sub.add_parser(name, help=text)
        p.add_argument("file")
    return parser


def _fail(message: str, code: int) -> int:
    print(f"commandcenter drone: {message}", file=sys.stderr)
    return code


def drone_main(args: Sequence[str]) -> int:
    """Run one pilot command; returns the exit code (see the module docstring)."""
    try:
        opts = _parser().parse_args(list(args))
    except SystemExit as exc:  # argparse has printed the usage problem
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        config = load_config(opts.config)
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    drone = next((d for d in config.drones if d.id == opts.drone), None)
    if drone is None:
        known = ", ".join(d.id for d in config.drones) or "none"
        return _fail(f"{opts.config}: no [[drones]] entry with id {opts.drone!r} (configured: {known})", EXIT_USAGE)
    problems = []
    if opts.action == "goto":
        problems = target_problems(opts.lat, opts.lon, opts.alt)
    elif opts.action == "takeoff":
        problems = altitude_problems(opts.alt)
    if problems:
        return _fail(f"{opts.action} refused before sending: {'; '.join(problems)}", EXIT_USAGE)
    plan = None
    if opts.action in ("upload", "fence"):
        try:
            plan = load_plan(opts.file)
            if opts.action == "upload":
                validate_mission(plan.mission, plan.fence, _bureau_no_fly_zones(config))
        except PlanFileError as exc:
            return _fail(str(exc), EXIT_USAGE)
        except MissionRejected as exc:
            return _fail(f"{opts.file}: mission refused before upload: {exc}", EXIT_REFUSED)
    if opts.action in COMMANDER_ACTIONS:
        refused = _authorize(config, opts, drone)
        if refused is not None:
            return refused
    states = VehicleStates()
    return _with_link(drone, opts, states, lambda link, sysid: _execute(link, sysid, opts, plan, states))


def _authorize(config: Config, opts: argparse.Namespace, drone: DroneConfig) -> int | None:
    """Who acts, whether they may, and the audit record — before the link is opened; an exit code if refused."""
    action = COMMANDER_ACTIONS[opts.action]
    try:
        store = Store(config.database.url or default_url())
    except Exception as exc:  # a bad URL or an unreachable server: say which
        return _fail(f"cannot open the database for the audit record: {exc}", EXIT_USAGE)
    try:
        store.upgrade()
        audit = AuditLog(store)
        authorizer = Authorizer(store, audit, extra_roles={u.username: u.role for u in config.users})
        tokens = {u.username: u.token_sha256 for u in config.users if u.token_sha256}
        actor = authenticate_cli(opts, AuthService(store, audit), service_tokens=tokens)
        authorizer.authorize(actor, permission_for(action))
        data: dict[str, object] = {"via": "cli", "command": opts.action}
        for key in ("name", "alt", "lat", "lon", "file"):
            if hasattr(opts, key):
                data[key] = getattr(opts, key)
        audit.record(actor, f"drone.{action}", f"drone:{drone.id}", data).result(60)
        return None
    except CliAuthError as exc:
        return _fail(str(exc), exc.exit_code)
    except PermissionDenied as exc:  # recorded by the authorizer
        return _fail(str(exc), EXIT_REFUSED)
    finally:
        store.close()


def _with_link(drone: DroneConfig, opts: argparse.Namespace, states: VehicleStates,
               action: Callable[[MavlinkLink, int], int]) -> int:
    link = MavlinkLink(drone.id, drone.url, sysid=drone.sysid, firmware=drone.firmware, tlog=opts.tlog)
    stop = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            link.serve(states.apply, stop)
        except Exception as exc:  # reported below; the CLI has no manager to restart the link
            failure.append(exc)

    thread = threading.Thread(target=serve, name=f"drone-cli-{drone.id}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + opts.timeout
        sysid = None
        while sysid is None and not failure and time.monotonic() < deadline:
            sysid = link.wait_vehicle(drone.sysid, min(0.2, max(0.0, deadline - time.monotonic())))
        if failure:
            return _fail(f"cannot open {drone.url}: {failure[0]}", EXIT_NO_LINK)
        if sysid is None:
            which = f"system {drone.sysid}" if drone.sysid else "any vehicle"
            return _fail(f"no heartbeat from {which} on {drone.url} within {opts.timeout:g} s", EXIT_NO_LINK)
        return action(link, sysid)
    finally:
        stop.set()
        thread.join(timeout=5)


def _report(what: str, result: CommandResult) -> int:
    if result.ok:
        print(f"{what}: {result.result_name}" + (f" ({result.text})" if result.text else ""))
        return EXIT_OK
    return _fail(f"{what} refused: {result.describe()}", EXIT_REFUSED)


def _execute(link: MavlinkLink, sysid: int, opts: argparse.Namespace, plan: Any, states: VehicleStates) -> int:
    action = opts.action
    if action == "status":
        deadline = time.monotonic() + 2.0
        state = states.get(sysid)
        while (state is None or state.lat is None or state.battery_pct is None) and time.monotonic() < deadline:
            time.sleep(0.05)
            state = states.get(sysid)
        print(json.dumps(dataclasses.asdict(state) if state else {}, ensure_ascii=False, indent=2))
        return EXIT_OK
    simple: dict[str, Callable[[], CommandResult]] = {
        "arm": lambda: link.arm(sysid),
        "disarm": lambda: link.disarm(sysid),
        "land": lambda: link.land(sysid),
        "rtl": lambda: link.rtl(sysid),
    }
    if action in simple:
        return _report(action, simple[action]())
    if action == "mode":
        return _report(f"mode {opts.name}", link.set_mode(sysid, opts.name))
    if action == "takeoff":
        return _report(f"takeoff {opts.alt:g} m", link.takeoff(sysid, opts.alt))
    if action == "goto":
        return _report(f"goto {opts.lat:.6f} {opts.lon:.6f} {opts.alt:g} m",
                       link.goto(sysid, opts.lat, opts.lon, opts.alt))
    if action == "upload":
        return _report(f"upload {opts.file}", upload_plan(link, sysid, plan, fence=False, rally=False))
    if action == "fence":
        return _report(f"fence {opts.file}", upload_plan(link, sysid, plan, mission=False))
    result, downloaded = download_plan(link, sysid)
    if not result.ok:
        return _report("download", result)
    save_plan(downloaded, opts.file)
    return _report(f"download to {opts.file}", result)


if __name__ == "__main__":
    sys.exit(drone_main(sys.argv[1:]))
