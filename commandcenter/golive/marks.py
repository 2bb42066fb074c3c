"""Which rows of the shared device and roster tables came from ``data import``.

The ``officers``/``vehicles``/``cameras``/``drones`` tables also hold what the composition copies from the
config (and, in the demo, simulated units of earlier runs). Only imported rows are brought back as units or
devices at start: a camera deleted from the TOML must not return from the table. The ids are kept in the
``settings`` table, one JSON list per kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy.orm import Session

from commandcenter.store.models import Setting

__all__ = ["imported_ids", "mark_imported"]


def _key(kind: str) -> str:
    return f"imported_{kind}"


def imported_ids(session: Session, kind: str) -> set[str]:
    row = session.get(Setting, _key(kind))
    return set(json.loads(row.value)) if row is not None and row.value else set()


def mark_imported(session: Session, kind: str, ids: Iterable[str]) -> None:
    """Add ``ids`` to the kind's imported set (inside the import's transaction)."""
    row = session.get(Setting, _key(kind)) or Setting(key=_key(kind))
    row.value = json.dumps(sorted(imported_ids(session, kind) | set(ids)), ensure_ascii=False)
    session.add(row)
