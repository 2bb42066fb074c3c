"""``commandcenter field pair OFFICER_ID [--qr FILE.png]`` and ``commandcenter field revoke OFFICER_ID``; with
``--department DEPT`` (its id or name in the 部门名录) instead of an officer, the same for a 吹哨报到 department's
contact (:mod:`commandcenter.field.departments`).

Both work on the database (``--db URL``, else the config's ``[database] url``, else the embedded SQLite file),
so the running server honours a new code at once and drops a revoked phone within two seconds. They are
run on the server by its operator, like ``db upgrade``: whoever can run them can already write the database, so
they need no application login and are audited as ``cli:<OS user>``.

``pair`` prints the code alone on its last line (scripts take it from there); ``--qr`` writes a PNG whose
content is the web app's address with the code, ``<public_url>/field/?code=CODE``: scanning it opens the app
and pairs the phone.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING
from urllib.parse import quote

from commandcenter.config import ConfigError, load_config
from commandcenter.field.pairing import CODE_TTL, PairingError, issue_code, revoke

if TYPE_CHECKING:
    from commandcenter.config import Config
    from commandcenter.enforcement.audit import AuditLog
    from commandcenter.store import Store

__all__ = ["department_pairing_url", "field_main", "pairing_url"]


def pairing_url(public_url: str, code: str) -> str:
    """What the QR code holds: the app's address with the code (the app pairs from it)."""
    return f"{public_url.rstrip('/')}/field/?code={quote(code)}"


def department_pairing_url(public_url: str, code: str) -> str:
    """A department contact's QR code: the app pairs the phone to the department (``dcode``), not an officer."""
    return f"{public_url.rstrip('/')}/field/?dcode={quote(code)}"


def field_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="commandcenter field", description="城管通: pair and revoke officers' phones")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("pair", "print a one-time pairing code (valid 10 minutes, single use)"),
                       ("revoke", "end every token of an officer's phones")):
        p = sub.add_parser(name, help=text)
        p.add_argument("officer_id", nargs="?", default="")
        p.add_argument("--department", default="", metavar="DEPT",
                       help="a 吹哨报到 department's contact (its id or name) instead of an officer")
        p.add_argument("--config", default="", help="TOML configuration file ([database] url, [field] public_url)")
        p.add_argument("--db", default="", help="SQLAlchemy database URL (default: the config's, else embedded)")
        if name == "pair":
            p.add_argument("--qr", default="", metavar="FILE.png", help="also write the code as a QR code (PNG)")
    args = parser.parse_args(argv)
    if bool(args.officer_id) == bool(args.department):
        parser.error(f"{args.command}: give an OFFICER_ID or --department DEPT (one of them)")
    try:
        config = load_config(args.config) if args.config else None
    except ConfigError as exc:
        print(f"commandcenter field: configuration error: {exc}", file=sys.stderr)
        return 2
    from commandcenter.enforcement.audit import AuditLog
    from commandcenter.store import Store, StoreError

    url = args.db or (config.database.url if config is not None else "")
    actor = f"cli:{getpass.getuser()}"
    try:
        store = Store(url or None)
    except StoreError as exc:
        print(f"commandcenter field: {exc}", file=sys.stderr)
        return 1
    try:
        store.upgrade()
        audit = AuditLog(store)
        if args.department:
            return _department(args, store, audit, actor, config)
        if args.command == "revoke":
            count = revoke(store, args.officer_id, actor=actor, audit=audit.append)
            print(f"officer {args.officer_id}: {count} token(s) revoked")
            return 0
        code = issue_code(store, args.officer_id, actor=actor, audit=audit.append)
        if args.qr:
            import segno

            field_config = config.field if config is not None else None
            public = field_config.base_url if field_config is not None else "http://127.0.0.1:8380"
            segno.make(pairing_url(public, code), error="m").save(args.qr, scale=8, border=4)
            print(f"QR code written to {args.qr} ({pairing_url(public, code)})")
        minutes = int(CODE_TTL.total_seconds() // 60)
        print(f"pairing code for officer {args.officer_id}, valid {minutes} minutes, single use:")
        print(code)
        return 0
    except PairingError as exc:
        print(f"commandcenter field {args.command}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _department(args: argparse.Namespace, store: Store, audit: AuditLog, actor: str, config: Config | None) -> int:
    """``field pair|revoke --department DEPT``: the officer commands' twins for a department's contact."""
    from commandcenter.field.departments import issue_department_code, revoke_department

    if args.command == "revoke":
        count, card = revoke_department(store, args.department, actor=actor, audit=audit.append)
        print(f"department {card.id} {card.name}: {count} token(s) revoked")
        return 0
    code, card = issue_department_code(store, args.department, actor=actor, audit=audit.append)
    if args.qr:
        import segno

        public = config.field.base_url if config is not None and config.field is not None else "http://127.0.0.1:8380"
        url = department_pairing_url(public, code)
        segno.make(url, error="m").save(args.qr, scale=8, border=4)
        print(f"QR code written to {args.qr} ({url})")
    minutes = int(CODE_TTL.total_seconds() // 60)
    print(f"pairing code for department {card.id} {card.name}, valid {minutes} minutes, single use:")
    print(code)
    return 0
