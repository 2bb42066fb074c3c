"""The management zones ``data import zones`` stored, as the map and the geofence take them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.golive.marks import imported_ids
from commandcenter.mapdata.zoneshapes import MapZone
from commandcenter.store import Store
from commandcenter.store.models import Zone

__all__ = ["stored_zones"]


def stored_zones(store: Store) -> list[MapZone]:
    """Imported 疏导点/管控点/特色点/禁止设摊区 (they replace a basemap zone of the same code)."""
    if "settings" not in store.table_names():
        return []

    def read(session: Session) -> list[MapZone]:
        codes = imported_ids(session, "zones")
        rows = list(session.scalars(select(Zone).where(Zone.code.in_(codes)).order_by(Zone.id))) if codes else []
        return [MapZone(z.code, z.name, z.kind, tuple((float(p[0]), float(p[1])) for p in z.polygon))
                for z in rows if z.polygon and len(z.polygon) >= 3]

    return store.read(read)
