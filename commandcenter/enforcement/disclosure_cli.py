"""``commandcenter disclosure …``: 执法公示 from the command line (delegated by commandcenter.cli).

    commandcenter disclosure export --from YYYY-MM-DD --to YYYY-MM-DD --out FILE [--db URL] [--config FILE]

Writes the decisions of closed cases issued in the period (local days, both inclusive), masked per
``disclosure`` rules, as .csv, .json or .xlsx by the file's suffix. Exit 0 on success (also for an empty
period: the file then holds the header only), 2 for a usage error, 1 when the export failed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from pathlib import Path

from commandcenter.enforcement.disclosure import EXPORT_SUFFIXES, export_disclosure_file
from commandcenter.store import Store, StoreError, default_url

EXIT_USAGE = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _db_url(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    if args.config:
        from commandcenter.config import load_config

        url = load_config(args.config).database.url
        if url:
            return url
    return default_url()


def disclosure_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="commandcenter disclosure", description="行政执法公示 exports")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="export the period's decisions for publication, masked")
    export.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="end", type=_day, required=True, help="last day (inclusive), YYYY-MM-DD")
    export.add_argument("--out", type=Path, required=True, help=f"file: {', '.join(EXPORT_SUFFIXES)}")
    export.add_argument("--db", default="", help="database URL (default: [database] url, else the local store)")
    export.add_argument("--config", default="", help="configuration file (for its [database] url)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage problem
        return 0 if exc.code == 0 else EXIT_USAGE
    if args.out.suffix.lower() not in EXPORT_SUFFIXES:
        print(f"disclosure export: {args.out}: give a file ending in {', '.join(EXPORT_SUFFIXES)}", file=sys.stderr)
        return EXIT_USAGE
    if args.end < args.start:
        print(f"disclosure export: --to {args.end} is before --from {args.start}", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = Store(_db_url(args))
    except StoreError as exc:
        print(f"disclosure export: {exc}", file=sys.stderr)
        return 1
    try:
        store.upgrade()
        count = export_disclosure_file(store, args.out, start=args.start, end=args.end,
                                       actor=f"cli:{getpass.getuser()}", authorize=None)
    except (OSError, StoreError, ValueError) as exc:
        print(f"disclosure export: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{count} decision(s) from {args.start} to {args.end} written to {args.out}")
    return 0
