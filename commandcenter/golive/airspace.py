"""The bureau's no-fly and height-limited zones, from the database, as the drone checks take them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.drones.missions import NoFlyZone
from commandcenter.geo.zones import polygon_centroid
from commandcenter.golive.tables import NoFlyRow
from commandcenter.store import Store

__all__ = ["stored_no_fly_zones"]


def stored_no_fly_zones(store: Store) -> tuple[NoFlyZone, ...]:
    """Every zone of ``nofly_zones`` (``data import nofly``); empty for a database without any."""
    if "nofly_zones" not in store.table_names():
        return ()

    def read(session: Session) -> tuple[NoFlyZone, ...]:
        zones = []
        for row in session.scalars(select(NoFlyRow).order_by(NoFlyRow.id)):
            if row.polygon:
                ring = tuple((float(p[0]), float(p[1])) for p in row.polygon)
                lat, lon = polygon_centroid(ring)
                zones.append(NoFlyZone(row.name, lat, lon, polygon=ring, max_alt_m=row.max_alt_m))
            elif row.lat is not None and row.lon is not None and row.radius_m:
                zones.append(NoFlyZone(row.name, row.lat, row.lon, row.radius_m, max_alt_m=row.max_alt_m))
        return tuple(zones)

    return store.read(read)
