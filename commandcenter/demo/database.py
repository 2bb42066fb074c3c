"""The demo's database: its own file in the demo folder, marked as the demo's when the demo creates it.

A database is the demo's when the demo made it: empty when the demo first opened it, then marked
``purpose = demo`` (``commandcenter.store.settings``). The demo refuses any other database, so the demo's
accounts (published passwords), simulated officers and seeded cases never land in real data.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from sqlalchemy import delete

from commandcenter import paths
from commandcenter.demo.airspace import seed_demo_airspace
from commandcenter.store import Store, StoreError
from commandcenter.store.models import TerminalRegistration
from commandcenter.store.settings import DEMO, PURPOSE, is_demo_database, set_setting


def demo_database_url() -> str:
    """SQLite in the demo's own data folder (``<data dir>/demo/commandcenter.db``)."""
    return f"sqlite:///{paths.demo_data_dir() / 'commandcenter.db'}"


class NotADemoDatabase(StoreError):
    """The demo was pointed at a database it did not make."""


def mark_demo_database(store: Store) -> None:
    """Bring the schema up to date and mark the database as the demo's (for a database just created)."""
    store.upgrade()
    set_setting(store, PURPOSE, DEMO)


def claim_demo_database(url: str) -> None:
    """Make ``url`` the demo's database: an empty one is marked, a demo one is taken as it is, any other refused.

    A demo database taken again forgets its JT/T 808 registrations: the simulated terminals keep no auth codes
    from one run to the next, so each run they register as new boxes (a registration kept from the last run
    would refuse them, result 3)."""
    store = Store(url or None)
    try:
        if not store.table_names():
            mark_demo_database(store)
        elif not is_demo_database(store):
            raise NotADemoDatabase(
                f"{store.description} was not made by the demo, which writes simulated officers, seeded cases "
                "and demo accounts with published passwords; run the demo without --db (it keeps its data in "
                f"{paths.demo_data_dir()}) or give it a new, empty database")
        else:
            store.upgrade()
            store.write(lambda session: session.execute(delete(TerminalRegistration)))
        seed_demo_airspace(store)  # the demo city's airport, as a bureau's `data import nofly` would store it
    finally:
        store.close()


def claim_in_background(url: str) -> Future[None]:
    """Claim ``url`` and create the demo accounts in it on a thread of its own (see :func:`claim_demo_database`).

    Why: on a new database the schema's creation waits on the disk for most of a second; started first, it runs
    while the GUI thread imports and builds the rest. The accounts are there before the services are built: the
    console's 值班长 needs the map's view permission when the first screen is built, before the services start."""
    claimed: Future[None] = Future()

    def run() -> None:
        if not claimed.set_running_or_notify_cancel():
            return
        try:
            from commandcenter.demo.users import create_demo_users

            claim_demo_database(url)
            store = Store(url or None)
            try:
                create_demo_users(store)
            finally:
                store.close()
        except BaseException as exc:
            claimed.set_exception(exc)
        else:
            claimed.set_result(None)

    threading.Thread(target=run, name="demo-database", daemon=True).start()
    return claimed
