"""Facts about the database itself, in its ``settings`` table: what the database is for.

The demo marks the database it creates (``purpose = demo``). Two rules read the mark: demo accounts, whose
passwords are published, are only ever created in a demo database, and ``commandcenter run`` refuses one, so
real work never lands among simulated officers and seeded cases.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from commandcenter.store.models import Setting
from commandcenter.store.store import Store

PURPOSE = "purpose"
DEMO = "demo"


def get_setting(store: Store, key: str) -> str | None:
    """The value of ``key``; None when it is unset or the schema predates the settings table."""
    if "settings" not in store.table_names():
        return None

    def read(session: Session) -> str | None:
        row = session.get(Setting, key)
        return row.value if row is not None else None

    return store.read(read)


def set_setting(store: Store, key: str, value: str) -> None:
    """Set ``key`` (the schema must be up to date: ``store.upgrade()``)."""

    def write(session: Session) -> None:
        row = session.get(Setting, key) or Setting(key=key)
        row.value = value
        session.add(row)

    store.write(write)


def is_demo_database(store: Store) -> bool:
    """True when the demo made this database (see ``commandcenter.demo.database``)."""
    return get_setting(store, PURPOSE) == DEMO
