"""``commandcenter tracker …``: the trackers' registrations, read and ended from the command line.

    commandcenter tracker registrations [--config FILE | --db URL]
    commandcenter tracker deregister PHONE [--config FILE | --db URL] --as USER

``deregister`` is what an admin does when a vehicle's JT/T 808 terminal is replaced: the new box is refused
(result 3) while the old registration stands. It changes the world, so it runs as someone who proves it
(``--as USER`` with the password, or a ``[[users]]`` service account's token), needs ``device.manage``
(admins) and is recorded in the audit chain under that user. The running application (another process,
sharing the database) ends the old code and its sessions within a few seconds.

    0  done    1  refused (credentials, permission, no such registration)    2  bad usage or config
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from commandcenter.config import ConfigError, load_config
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.auth import (
    AuthService,
    CliAuthError,
    add_credential_arguments,
    authenticate_cli,
)
from commandcenter.enforcement.permissions import Authorizer, PermissionDenied
from commandcenter.runtime.registrations import (
    REVOCATION_POLL_S,
    NotRegistered,
    StoredRegistrations,
    deregister_terminal,
)
from commandcenter.store import Store, default_url

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
PERMISSION = "device.manage"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commandcenter tracker", description="tracker registrations")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("registrations", help="list JT/T 808 registrations, current and ended")
    dereg = sub.add_parser("deregister", help="end a JT/T 808 terminal's registration so a new box may register")
    dereg.add_argument("phone", help="the terminal's phone number as it sends it (12 digits 2013, 20 digits 2019)")
    add_credential_arguments(dereg)
    for p in sub.choices.values():
        p.add_argument("--config", default="", help="take the database from this config's [database] url "
                                                    "(and its [[users]] service accounts)")
        p.add_argument("--db", default="", help="database URL (default: the local SQLite store)")
    return parser


def _fail(message: str, code: int) -> int:
    print(f"commandcenter tracker: {message}", file=sys.stderr)
    return code


def tracker_main(argv: Sequence[str]) -> int:
    """Run one ``tracker`` action; returns the exit code (see the module docstring)."""
    try:
        opts = _parser().parse_args(list(argv))
    except SystemExit as exc:  # argparse has printed the usage problem
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        config = load_config(opts.config) if opts.config else None
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    url = opts.db or (config.database.url if config is not None else "") or default_url()
    try:
        store = Store(url)
    except Exception as exc:  # a bad URL or an unreachable server: say which
        return _fail(f"cannot open the database {url}: {exc}", EXIT_USAGE)
    try:
        store.upgrade()
        registrations = StoredRegistrations(store)
        if opts.action == "registrations":
            rows = registrations.all()
            for info in rows:
                print(info.describe())
            if not rows:
                print("no JT/T 808 terminal has registered")
            return EXIT_OK
        audit = AuditLog(store)
        users = config.users if config is not None else []
        authorizer = Authorizer(store, audit, extra_roles={u.username: u.role for u in users})
        tokens = {u.username: u.token_sha256 for u in users if u.token_sha256}
        actor = authenticate_cli(opts, AuthService(store, audit), service_tokens=tokens)
        authorizer.authorize(actor, PERMISSION)
        info = deregister_terminal(store, audit.append, opts.phone, actor)
        print(f"terminal {opts.phone} deregistered by {actor} (was {info.describe().split(': ', 1)[1]}); "
              f"the running listener ends its code within {REVOCATION_POLL_S:g} s and a new terminal may register")
        return EXIT_OK
    except CliAuthError as exc:
        return _fail(str(exc), exc.exit_code)
    except PermissionDenied as exc:  # recorded by the authorizer
        return _fail(str(exc), EXIT_REFUSED)
    except NotRegistered as exc:
        return _fail(str(exc), EXIT_REFUSED)
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(tracker_main(sys.argv[1:]))
