"""``commandcenter data import KIND FILE [--dry-run] [--crs wgs84|gcj02|bd09] [--config FILE] [--db URL]``
and ``commandcenter data encrypt-parties [--dry-run] [--old-key FILE] [--config FILE] [--db URL]``.

The contract outside checks rely on: exit 0 only when every row was taken; any bad row → exit 1, each bad row
named by its row number in the sheet (header = row 1) and its field, and nothing imported from the file. A
file that cannot be read at all (format, a missing column) also exits 1 and imports nothing; a usage error
exits 2. ``--dry-run`` checks everything and reports what would change without writing.

Like ``db upgrade`` it runs on the server by its operator against the database (``--db``, else the config's
``[database] url``, else the embedded SQLite file) and is audited as ``cli:<OS user>``. Running services read
the imported data when they start.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.exc import SQLAlchemyError

from commandcenter.config import ConfigError, load_config
from commandcenter.golive.framework import (
    CRS_CHOICES,
    ImportOptions,
    ImportRejected,
    ImportResult,
    run_import,
)
from commandcenter.golive.registry import KINDS
from commandcenter.golive.sheets import SheetError

__all__ = ["data_main", "describe"]


def describe(result: ImportResult) -> str:
    """One line a clerk can read: what the import did, or would do in a dry run."""
    c = result.counts
    if result.dry_run:
        text = (f"dry run: {result.kind} from {result.path.name}: {result.rows} row(s) valid; would add {c.added}, "
                f"update {c.updated}, leave {c.unchanged} unchanged; nothing written")
    else:
        text = (f"{result.kind} from {result.path.name}: {result.rows} row(s) imported: added {c.added}, "
                f"updated {c.updated}, unchanged {c.unchanged}")
    return "\n".join([text, *(f"note: {n}" for n in c.notes)])


def data_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="commandcenter data", description="go-live data: import a bureau's "
                                     "grid, roster, devices, categories, calendar and no-fly zones")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import one file, all rows or none")
    imp.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
    imp.add_argument("file", help="Excel (.xlsx) or CSV for tables; GeoJSON, Shapefile or KML for areas")
    imp.add_argument("--dry-run", action="store_true", help="check every row and report what would change")
    imp.add_argument("--crs", choices=CRS_CHOICES, default="wgs84",
                     help="datum of the file's coordinates (GCJ-02: Amap/WeChat, BD-09: Baidu); default WGS-84")
    imp.add_argument("--config", default="", help="TOML configuration file ([database] url)")
    imp.add_argument("--db", default="", help="SQLAlchemy database URL (default: the config's, else embedded)")
    sub.add_parser("kinds", help="list the kinds of data and their columns")
    enc = sub.add_parser("encrypt-parties", help="encrypt the 当事人 ID numbers and phones still in clear "
                         "(recorded before encryption); with --old-key, re-encrypt everything under a new key")
    enc.add_argument("--dry-run", action="store_true", help="count what would be encrypted; write nothing")
    enc.add_argument("--old-key", default="", help="key file the parties are encrypted with now (key rotation: "
                     "the new key is [security] data_key / CC_DATA_KEY)")
    enc.add_argument("--config", default="", help="TOML configuration file ([database] url, [security] data_key)")
    enc.add_argument("--db", default="", help="SQLAlchemy database URL (default: the config's, else embedded)")
    args = parser.parse_args(argv)
    if args.command == "kinds":
        for name in sorted(KINDS):
            print(f"{name:12s} {KINDS[name].summary}")
        return 0
    if args.command == "encrypt-parties":
        from commandcenter.golive.party_cli import encrypt_parties_main

        return encrypt_parties_main(args.config, args.db, dry_run=args.dry_run, old_key=args.old_key)
    try:
        config = load_config(args.config) if args.config else None
    except ConfigError as exc:
        print(f"commandcenter data: configuration error: {exc}", file=sys.stderr)
        return 2
    from commandcenter.store import Store, StoreError

    url = args.db or (config.database.url if config is not None else "")
    try:
        store = Store(url or None)
    except StoreError as exc:
        print(f"commandcenter data: {exc}", file=sys.stderr)
        return 1
    try:
        store.upgrade()
        result = run_import(store, KINDS[args.kind], args.file, dry_run=args.dry_run,
                            options=ImportOptions(crs=args.crs), actor=f"cli:{getpass.getuser()}")
    except ImportRejected as exc:
        print(f"commandcenter data import {args.kind}: {exc.path}: {len(exc.problems)} bad row(s), "
              f"nothing imported:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (SheetError, StoreError) as exc:
        print(f"commandcenter data import {args.kind}: {exc}; nothing imported", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # a constraint the checks did not foresee: still all or nothing
        print(f"commandcenter data import {args.kind}: {args.file}: the database refused the file "
              f"({exc.__class__.__name__}: {str(exc).splitlines()[0]}); nothing imported", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(describe(result))
    return 0
