"""``commandcenter report kpi|assessment``: the leadership reports from the command line (and cron).

    commandcenter report kpi --from 2026-11-01 --to 2026-11-30 [--by team|grid|area|category|officer|source]
                             --format json|xlsx|pdf --out FILE [--config FILE] [--db URL] [--prepared-by NAME]
    commandcenter report assessment --month 2026-11 --format json|xlsx|pdf --out FILE [...]

Dates are Asia/Shanghai days and ``--to`` is included. Without ``--by``, the Excel and PDF carry every breakdown
of ``[kpi] report_breakdowns`` (one sheet each) and the JSON only the totals. The database is read only: the
command never migrates or writes it, so it is safe against the live server's database.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from commandcenter.config import Config, ConfigError, KpiConfig, load_config

__all__ = ["bureau_name", "report_main"]


def bureau_name(config: Config | None) -> str:
    """The heading of a report: ``[kpi] bureau_name``, else a ``[bureau] name`` section when the config has one,
    else the generic title."""
    from commandcenter.kpi.export import DEFAULT_BUREAU

    if config is None:
        return DEFAULT_BUREAU
    bureau = getattr(config, "bureau", None)
    return config.kpi.bureau_name or str(getattr(bureau, "name", "") or "") or DEFAULT_BUREAU


def _check_exists(url: str) -> None:
    """A report only reads: a SQLite file that is not there is an error, not a new empty database."""
    from sqlalchemy.engine import make_url

    from commandcenter.store import StoreError, default_url

    try:
        parsed = make_url(url or default_url())
    except Exception as exc:
        raise StoreError(f"database URL {url!r} is not valid: {exc}") from None
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not Path(database).exists():
        raise StoreError(f"no database at {database}")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", required=True, choices=("json", "xlsx", "pdf"))
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--config", default="", help="TOML configuration ([database] url, [kpi] bureau name, weights)")
    p.add_argument("--db", default="", help="SQLAlchemy database URL (default: the config's, else embedded)")
    p.add_argument("--prepared-by", default="", help="who prepared the report (default: the OS user)")


def _parser() -> argparse.ArgumentParser:
    from commandcenter.kpi.figures import BREAKDOWNS

    parser = argparse.ArgumentParser(prog="commandcenter report", description="领导报表：绩效指标与考核")
    sub = parser.add_subparsers(dest="command", required=True)
    kpi = sub.add_parser("kpi", help="figures of a period (--to included), compared with the previous period")
    kpi.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    kpi.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    kpi.add_argument("--by", choices=BREAKDOWNS, default=None, help="one row per team, grid, category …")
    _common(kpi)
    assessment = sub.add_parser("assessment", help="考核 of officers, teams and departments for a month")
    assessment.add_argument("--month", required=True, metavar="YYYY-MM")
    _common(assessment)
    return parser


def report_main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config) if args.config else None
    except ConfigError as exc:
        print(f"commandcenter report: configuration error: {exc}", file=sys.stderr)
        return 2
    from commandcenter.kpi.assessment import assess, parse_month
    from commandcenter.kpi.export import ExportError, write_assessment, write_kpi
    from commandcenter.kpi.figures import KpiError, Period, compute_breakdowns
    from commandcenter.store import Store, StoreError

    settings = config.kpi if config is not None else KpiConfig()
    prepared_by = args.prepared_by or getpass.getuser()
    url = args.db or (config.database.url if config is not None else "")
    try:
        if args.command == "kpi":
            period = Period.parse(args.start, args.end)
        else:
            period = parse_month(args.month)
        _check_exists(url)
        store = Store(url or None)
        if "cases" not in store.table_names():
            store.close()
            raise StoreError(f"{store.description} holds no cases table (not migrated? run `commandcenter db upgrade`)")
    except (KpiError, StoreError) as exc:
        print(f"commandcenter report: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "kpi":
            breakdowns: list[str | None] = (
                [args.by] if args.by is not None or args.format == "json"
                else [None, *settings.report_breakdowns])
            reports = compute_breakdowns(store, period, breakdowns)
            out = write_kpi(reports, Path(args.out), args.format, bureau=bureau_name(config),
                            prepared_by=prepared_by)
        else:
            out = write_assessment(assess(store, period, settings), Path(args.out), args.format,
                                   bureau=bureau_name(config), prepared_by=prepared_by)
    except (KpiError, ExportError) as exc:
        print(f"commandcenter report: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a database that is not there or not migrated: say which, not a traceback
        print(f"commandcenter report: cannot read {store.description}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(out)
    return 0
