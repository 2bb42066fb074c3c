"""``commandcenter`` command line. The names here are a contract that outside checks rely on: extend, never rename.

    commandcenter demo [--units N] [--lang zh|en] [--layout NAME|RxC] [--basemap FILE] [--db URL]
    commandcenter demo --hall [--units N]        (PostgreSQL + Mosquitto on loopback, a server, two seats)
    commandcenter run --config FILE [--lang zh|en] [--layout NAME|RxC]
    commandcenter serve --config FILE            (headless server: listeners, links, rules; publishes on the bus)
    commandcenter snapshot (--demo | --config FILE) --screen {wall,map,dispatch,drones,briefing}
                           --after SECONDS --out FILE.png [--report FILE.json] [--size WxH]
    commandcenter db upgrade [--db URL]
    commandcenter basemap import FILE
    commandcenter cases import FILE [--mapping FILE]
    commandcenter drone --config FILE --drone ID ACTION …
    commandcenter audit verify | anchor
    commandcenter user add | passwd | disable | list
    commandcenter tracker registrations | deregister PHONE
    commandcenter field pair OFFICER_ID [--config FILE] [--db URL] [--qr FILE.png] | revoke OFFICER_ID
    commandcenter data import KIND FILE [--dry-run] [--crs wgs84|gcj02|bd09] [--config FILE] [--db URL]

The core never imports the views: GUI subcommands are handed to the runner registered under the
``commandcenter.gui`` entry point (``widgets.app:run`` in pyproject.toml), the way napari keeps its models free
of Qt widgets.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from commandcenter import __version__
from commandcenter.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from commandcenter.enforcement.seats import SeatLogin
    from commandcenter.runtime.compose import Services

SCREENS = ("wall", "map", "dispatch", "drones", "briefing")
log = logging.getLogger("commandcenter")


@dataclass
class GuiOptions:
    """Everything the GUI runner needs, already validated."""

    config: Config
    demo: bool
    language: str
    layout: str = ""
    basemap: str = ""
    snapshot_screen: str = ""
    snapshot_after: float = 0.0
    snapshot_out: str = ""
    report_out: str = ""
    size: tuple[int, int] = (1920, 1080)
    run_for: float = 0.0  # seconds; 0 = until the window closes
    start_screen: str = ""  # the screen shown at start ("" = as the window was left)
    # Builds the services once the QApplication exists: the demo's composition for demo/snapshot --demo,
    # ``commandcenter.runtime.compose.build`` of the config otherwise (None: the latter).
    compose: Callable[[], Services] | None = None


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{2,5})[xX×](\d{2,5})", text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1920x1080, got {text!r}")
    return int(match[1]), int(match[2])


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _units(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of officers, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commandcenter", description="智慧城管指挥中心 — smart urban-management command center")
    parser.add_argument("--version", action="version", version=f"commandcenter {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def gui_common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--lang", choices=("zh", "en"), help="UI language (default: config ui.language, else zh)")
        p.add_argument("--layout", default="", help="video wall layout: a saved layout name or RxC such as 3x3")
        p.add_argument("--db", default="", help="SQLAlchemy database URL (default: SQLite file in the data dir)")

    demo = sub.add_parser("demo", help="command center on the simulated city, with its own data folder (<data dir>/demo)")
    gui_common(demo)
    demo.add_argument("--units", type=_units, default=None, help="number of simulated officers (default 200)")
    demo.add_argument("--vehicles", type=_units, default=None, help="number of simulated vehicles (default 50)")
    demo.add_argument("--basemap", default="", help="run the simulation on this OSM XML / GeoJSON city")
    demo.add_argument("--for", dest="run_for", type=_positive, default=0.0, help="quit after SECONDS")
    demo.add_argument("--config", default="", help="with [bus]: a seat of the demo hall's server")
    demo.add_argument("--hall", action="store_true", help="the command hall on this machine: PostgreSQL and "
                      "Mosquitto on loopback, a server on the simulated city and two seats (wall, dispatch)")
    demo.add_argument("--screen", default="", choices=("", *SCREENS), help="screen shown at start")

    run = sub.add_parser("run", help="command center on the real devices of a config file")
    gui_common(run)
    run.add_argument("--config", required=True, help="TOML configuration file (see resources/config.example.toml)")
    run.add_argument("--for", dest="run_for", type=_positive, default=0.0, help="quit after SECONDS")
    run.add_argument("--screen", default="", choices=("", *SCREENS), help="screen shown at start")

    serve = sub.add_parser("serve", help="headless server: every listener and link, rules and escalation, "
                                         "publishing on the bus (for systemd; stops on SIGTERM)")
    serve.add_argument("--config", required=True, help="TOML configuration file (see resources/server.example.toml)")
    serve.add_argument("--for", dest="run_for", type=_positive, default=0.0, help="stop after SECONDS")
    serve.add_argument("--demo", action="store_true", help="serve the simulated city (the server of demo --hall; "
                                                           "its database must be a demo one)")

    snap = sub.add_parser("snapshot", help="run offscreen for a while, save one screen as PNG and the health report")
    source = snap.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="use the simulated city")
    source.add_argument("--config", help="TOML configuration file")
    gui_common(snap)
    snap.add_argument("--screen", required=True, choices=SCREENS)
    snap.add_argument("--after", required=True, type=_positive, help="seconds of live operation before the shot")
    snap.add_argument("--out", required=True, help="PNG file to write")
    snap.add_argument("--report", default="", help="JSON health report to write")
    snap.add_argument("--size", type=_size, default=(1920, 1080), help="window size WxH (default 1920x1080)")
    snap.add_argument("--units", type=_units, default=None, help="simulated officers with --demo")
    snap.add_argument("--basemap", default="", help="with --demo: simulate on this OSM XML / GeoJSON city")

    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="create or migrate the schema to the latest version (Alembic)")
    up.add_argument("--db", default="", help="SQLAlchemy URL (default: the embedded SQLite file)")
    up.add_argument("--config", default="", help="take the URL from this config's [database] url")
    cur = db_sub.add_parser("current", help="print the schema revision(s) of the database")
    cur.add_argument("--db", default="", help="SQLAlchemy URL (default: the embedded SQLite file)")

    basemap = sub.add_parser("basemap", help="basemap administration")
    bm_sub = basemap.add_subparsers(dest="basemap_command", metavar="ACTION", required=True)
    imp = bm_sub.add_parser("import", help="make an OSM XML extract or a GeoJSON file the basemap")
    imp.add_argument("file")
    imp.add_argument("--crs", default="", help="datum of a GeoJSON without a declaration: wgs84|gcj02|bd09")
    bm_sub.add_parser("info", help="describe the current basemap")
    bm_sub.add_parser("reset", help="go back to the bundled district")

    # Subcommands whose parsing lives with their package: everything after the name is passed through.
    for name, text in (("cases", "case intake: cases import FILE [--mapping FILE]"),
                       ("drone", "pilot commands: drone --config FILE --drone ID ACTION"),
                       ("audit", "tamper-evident record: audit verify | anchor"),
                       ("user", "users and roles: user add | passwd | disable | list"),
                       ("tracker", "tracker registrations: tracker registrations | deregister PHONE"),
                       ("field", "城管通 phones: field pair OFFICER_ID [--qr FILE.png] | revoke OFFICER_ID"),
                       ("report", "leadership reports: report kpi --from D --to D | assessment --month YYYY-MM"),
                       ("data", "go-live data: data import KIND FILE [--dry-run] (officers, grid, calendar …)"),
                       ("video", "recorded video: video export CAMERA --from ISO --to ISO --out FILE.mp4 [--case CODE]"),
                       ("disclosure", "执法公示: disclosure export --from DAY --to DAY --out FILE")):
        p = sub.add_parser(name, help=text, add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


# Delegated subcommands: module and function taking argv → exit code.
DELEGATED: dict[str, tuple[str, str]] = {
    "cases": ("commandcenter.cases.cli", "cases_main"),
    "drone": ("commandcenter.drones.cli", "drone_main"),
    "audit": ("commandcenter.enforcement.cli", "audit_main"),
    "user": ("commandcenter.enforcement.cli", "user_main"),
    "tracker": ("commandcenter.runtime.tracker_cli", "tracker_main"),
    "field": ("commandcenter.field.cli", "field_main"),
    "report": ("commandcenter.kpi.cli", "report_main"),
    "data": ("commandcenter.golive.cli", "data_main"),
    "video": ("commandcenter.recording.cli", "video_main"),
    "disclosure": ("commandcenter.enforcement.disclosure_cli", "disclosure_main"),
}


def _gui_runner() -> Callable[[GuiOptions], int]:
    for ep in entry_points(group="commandcenter.gui"):
        if ep.name == "app":
            return ep.load()  # type: ignore[no-any-return]
    raise SystemExit("commandcenter: the GUI is not installed (no 'commandcenter.gui' entry point); "
                     "run `make setup`")


def _config_for(args: argparse.Namespace, demo: bool) -> Config:
    config = load_config(args.config) if getattr(args, "config", None) else Config()
    if demo:
        config.simulator.enabled = True
        if getattr(args, "units", None) is not None:
            config.simulator.units = args.units
        if getattr(args, "vehicles", None) is not None:
            config.simulator.vehicles = args.vehicles
    if getattr(args, "db", ""):
        config.database.url = args.db
    return config


def _gui(args: argparse.Namespace) -> int:
    demo = args.command == "demo" or bool(getattr(args, "demo", False))
    config = _config_for(args, demo)
    options = GuiOptions(
        config=config, demo=demo, language=args.lang or config.ui.language or "zh",
        layout=args.layout or config.ui.layout, basemap=getattr(args, "basemap", "") or "",
        run_for=getattr(args, "run_for", 0.0), start_screen=getattr(args, "screen", "") or "",
    )
    if demo and config.bus is not None:  # a seat of the demo hall: the demo's folders and account, no simulator
        from commandcenter.paths import DEMO, use_profile

        use_profile(DEMO)
    elif demo:
        options.compose = _demo_composition(options)
    elif args.command == "run":
        _refuse_demo_database(config)
    if config.bus is not None:  # a seat of a server: no listeners, live events from the bus
        options.compose = _seat_composition(options)
    if args.command == "snapshot":
        options.snapshot_screen = args.screen
        options.snapshot_after = args.after
        options.snapshot_out = args.out
        options.report_out = args.report
        options.size = args.size
    return _gui_runner()(options)


def _seat_composition(options: GuiOptions) -> Callable[[], Services]:
    """A seat: the same services, reading the database and following the server over the bus ([bus])."""

    def compose() -> Services:
        from commandcenter.bus.bridge import attach_seat
        from commandcenter.drones.remote import SEAT_LOGIN, remote_drone_commands, seat_login
        from commandcenter.ptz.remote import remote_ptz
        from commandcenter.runtime.compose import Role, build
        from commandcenter.server.service import make_bus

        config = options.config
        log.info("seat of the server on %s", config.bus.url if config.bus else "")
        owned = [name for name, present in (("[trackers.jt808]", config.trackers.jt808), ("[trackers.osmand]",
                 config.trackers.osmand), ("[[trackers.nmea]]", config.trackers.nmea), ("[open311]", config.open311),
                 ("[[drones]]", config.drones)) if present]
        if owned:  # said once, not acted on: only the server listens and links
            log.warning("%s: %s belong to the server's config; this seat opens no listener and no drone link",
                        config.source, ", ".join(owned))
        services = build(options.config, role=Role.SEAT, basemap_path=options.basemap or None,
                         layout=options.layout, demo=options.demo)
        try:
            bus = make_bus(options.config, Role.SEAT)
            attach_seat(services, bus)
            # Drone commands go to the server over the bus with this seat's session (opened by the login).
            login = seat_login(services, bus.client_id)
            services.extra[SEAT_LOGIN] = login
            remote_drone_commands(services, bus, bus.client_id, login.current)
            remote_ptz(services, bus, bus.client_id, login.current)  # PTZ intents too (commandcenter/ptz)
            if options.demo:  # a seat of the demo hall runs as the demo's 值班长, like the demo itself
                _demo_seat_login(login, config.ui.user or "admin")
        except BaseException:
            services.stop()
            raise
        return services

    return compose


def _demo_seat_login(login: SeatLogin, username: str) -> None:
    """Open the hall seat's session as a demo account (published password; only a demo database has them)."""
    from commandcenter.enforcement.published import PUBLISHED_PASSWORDS

    login.submit_login(username, PUBLISHED_PASSWORDS[username]).result(timeout=30)


def _serve(args: argparse.Namespace) -> int:
    from commandcenter.runtime import pyside_imports

    pyside_imports.install()  # before the services' imports (commandcenter/runtime/pyside_imports.py)
    from commandcenter.server.service import serve

    config = load_config(args.config)
    if not args.demo:
        _refuse_demo_database(config)
        return serve(config, run_for=args.run_for)
    from commandcenter.demo.session import build_demo, use_demo_folders  # the one door into the demo wing
    from commandcenter.runtime.compose import Role

    use_demo_folders()
    config.simulator.enabled = True
    return serve(config, run_for=args.run_for, compose=lambda: build_demo(config, role=Role.SERVER))


def _demo_composition(options: GuiOptions) -> Callable[[], Services]:
    """The demo's build, the only door from production into ``commandcenter.demo`` (imported here, lazily).

    From here on the process writes into the demo's own folder (database, evidence, layouts). The demo wing is
    imported when the composition runs (after the window's first paint), not here."""
    from commandcenter.paths import DEMO, use_profile

    use_profile(DEMO)  # what ``use_demo_folders`` does, without importing the demo wing before the window shows

    def compose() -> Services:
        from commandcenter.demo.database import claim_in_background, demo_database_url

        # The database's claim (on a new one the schema waits on the disk) starts before the demo wing's imports.
        claimed = claim_in_background(options.config.database.url or demo_database_url())
        from commandcenter.demo.session import build_demo

        return build_demo(options.config, basemap_path=options.basemap or None, layout=options.layout,
                          claimed=claimed)

    return compose


def _refuse_demo_database(config: Config) -> None:
    """``run`` works on real data only: a demo database, or one with the published demo accounts, is refused."""
    from commandcenter.enforcement.published import refuse_demo_database
    from commandcenter.store import Store

    store = Store(config.database.url or None)
    try:
        refuse_demo_database(store)
    finally:
        store.close()


def _db(args: argparse.Namespace) -> int:
    from commandcenter.store import Store
    from commandcenter.store.migrate import current

    url = args.db or (load_config(args.config).database.url if getattr(args, "config", "") else "")
    store = Store(url or None)
    try:
        if args.db_command == "upgrade":
            store.upgrade()
            print(f"database {store.description} is at revision {', '.join(current(store.engine))}")
        else:
            print(", ".join(current(store.engine)) or "(empty: run `commandcenter db upgrade`)")
    finally:
        store.close()
    return 0


def _basemap(args: argparse.Namespace) -> int:
    from commandcenter.geo.basemap import import_geojson, import_osm_xml, save_geojson, validate_basemap
    from commandcenter.runtime.compose import imported_basemap_path, load_basemap

    target = imported_basemap_path()
    if args.basemap_command == "reset":
        target.unlink(missing_ok=True)
        print("basemap: back to the bundled district")
        return 0
    if args.basemap_command == "info":
        bm = load_basemap(None)
        print(_describe_basemap(bm, str(target) if target.exists() else "bundled district"))
        return 0
    path = Path(args.file)
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    if path.suffix.lower() in (".osm", ".xml"):
        bm = import_osm_xml(path)
    else:
        bm = import_geojson(path, crs=args.crs or None)
    validate_basemap(bm, str(path))  # refused with the reason; the current basemap stays in place
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".new")
    save_geojson(bm, staged)
    os.replace(staged, target)  # a crash while writing leaves the current basemap whole
    print(_describe_basemap(bm, f"{path} → {target}"))
    return 0


def _describe_basemap(bm: object, where: str) -> str:
    counts = {layer: len(getattr(bm, layer, []) or []) for layer in ("roads", "water", "parks", "buildings",
                                                                      "boundaries")}
    named = len({r.name for r in getattr(bm, "roads", []) if getattr(r, "name", None)})
    attribution = getattr(bm, "attribution", None) or "—"
    return (f"basemap {getattr(bm, 'name', '')} ({where}): " + ", ".join(f"{k} {v}" for k, v in counts.items())
            + f"; named streets {named}; attribution: {attribution}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Delegated subcommands parse their own options (including --help).
    if argv and argv[0] in DELEGATED:
        module_name, func = DELEGATED[argv[0]]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            print(f"commandcenter {argv[0]}: not available in this build ({exc})", file=sys.stderr)
            return 2
        return int(getattr(module, func)(argv[1:]))
    args = parser.parse_args(argv)
    from commandcenter.enforcement.published import DemoDatabaseError

    if args.command == "serve":  # a service: one line per record on stdout, as journald keeps it
        from commandcenter.server.logs import configure_service_logging

        configure_service_logging(args.verbose)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its plugin chatter hides the one line that matters
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "demo" and args.hall:
            from commandcenter.demo.hall import run_hall  # the demo wing, through its one door

            return run_hall(units=args.units, lang=args.lang or "zh", run_for=args.run_for)
        if args.command in ("demo", "run", "snapshot"):
            return _gui(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "db":
            return _db(args)
        if args.command == "basemap":
            return _basemap(args)
    except ConfigError as exc:
        print(f"commandcenter: configuration error: {exc}", file=sys.stderr)
        return 2
    except DemoDatabaseError as exc:
        print(f"commandcenter {args.command}: refused: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from commandcenter.geo.basemap import BasemapError
        from commandcenter.store import StoreError

        if isinstance(exc, BasemapError | StoreError):
            print(f"commandcenter: {exc}", file=sys.stderr)
            return 1
        raise
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
