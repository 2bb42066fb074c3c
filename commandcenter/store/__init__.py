"""Persistence: ORM tables, the single-writer Store, Alembic migrations."""

from commandcenter.store.store import FixRow, Store, StoreError, default_url, utcnow

__all__ = ["FixRow", "Store", "StoreError", "default_url", "utcnow"]
