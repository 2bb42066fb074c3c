"""The demo city's airspace: Nanjing Lukou airport as a no-fly zone in the demo's database.

A real bureau imports its own zones (``commandcenter data import nofly``); nothing about Nanjing is built into
the drone checks, so the demo seeds its airport the same way a bureau's import would store it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from commandcenter.drones.missions import NoFlyZone
from commandcenter.golive.tables import NoFlyRow
from commandcenter.store import Store

__all__ = ["NANJING_LUKOU", "seed_demo_airspace"]

# 南京禄口国际机场: the CAAC airport protection zone extends well beyond the runways; 10 km keeps clear of it.
NANJING_LUKOU = NoFlyZone("南京禄口机场", 31.742, 118.862, 10_000.0)


def seed_demo_airspace(store: Store) -> None:
    """Store the demo's airport (once; a demo database keeps what it has)."""

    def seed(session: Session) -> None:
        if session.get(NoFlyRow, "lukou") is None:
            z = NANJING_LUKOU
            session.add(NoFlyRow(id="lukou", name=z.name, kind="禁飞区", max_alt_m=None, polygon=[], lat=z.lat,
                                 lon=z.lon, radius_m=z.radius_m))

    store.write(seed)
