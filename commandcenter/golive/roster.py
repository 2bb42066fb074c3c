"""Imported officers and vehicles as units of the tracker (map, unit board), beside the config's.

``data import officers``/``vehicles`` write the ``officers``/``vehicles`` tables, which the dispatch
recommendation already reads; the tracker, though, learns its units at start from the composition. This is
where the composition asks the database for the units the config does not name.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.golive.marks import imported_ids
from commandcenter.runtime.units import UnitInfo
from commandcenter.store import Store
from commandcenter.store.models import Officer, Vehicle

__all__ = ["StoredUnits", "stored_units"]

StoredUnits = tuple[list[UnitInfo], dict[str, str]]


def stored_units(store: Store, known: Collection[str]) -> StoredUnits:
    """Imported units (``marks``) that are not in ``known`` (the config's ids), and the officers' posts
    (officer id → 责任区/单元网格 code) for the geofence."""

    def read(session: Session) -> StoredUnits:
        units: list[UnitInfo] = []
        posts: dict[str, str] = {}
        officers = imported_ids(session, "officers") - set(known)
        vehicles = imported_ids(session, "vehicles") - set(known)
        for o in session.scalars(select(Officer).where(Officer.id.in_(officers)).order_by(Officer.id)):
            units.append(UnitInfo(id=o.id, kind="officer", name=o.name or o.id, sub_kind=o.team, status=o.status,
                                  device_keys=(o.device,) if o.device else ()))
            if o.duty_grid:
                posts[o.id] = o.duty_grid
        for v in session.scalars(select(Vehicle).where(Vehicle.id.in_(vehicles)).order_by(Vehicle.id)):
            units.append(UnitInfo(id=v.id, kind="vehicle", name=v.plate or v.id, sub_kind=v.kind,
                                  status=v.status, device_keys=(v.terminal,) if v.terminal else ()))
        return units, posts

    if "settings" not in store.table_names():
        return [], {}
    return store.read(read)
