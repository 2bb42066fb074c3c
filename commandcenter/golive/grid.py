"""The grid the application works on: the bureau's imported 单元网格/责任区 when there are any, else none here
(the composition then generates squares over the basemap, as before go-live)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.geo.zones import GridIndex, ResponsibilityArea
from commandcenter.golive.kinds.grid import GRID_SOURCE_KEY
from commandcenter.mapdata.zoneshapes import MapZone
from commandcenter.store import Store
from commandcenter.store.models import Setting, Zone

__all__ = ["ImportedGrid", "imported_grid"]


@dataclass(frozen=True, slots=True)
class ImportedGrid:
    """The imported grid as the locator (cells with their 责任区) and the 责任区 polygons for map and geofence."""

    index: GridIndex
    areas: list[MapZone]


def imported_grid(store: Store) -> ImportedGrid | None:
    """The grid ``data import grid`` stored, or None when the database has none (or predates the tables)."""
    if "settings" not in store.table_names():
        return None

    def read(session: Session) -> ImportedGrid | None:
        mark = session.get(Setting, GRID_SOURCE_KEY)
        if mark is None or mark.value != "import":
            return None
        rows = session.execute(select(Zone.code, Zone.name, Zone.kind, Zone.parent_code, Zone.polygon)
                               .where(Zone.kind.in_(("单元网格", "责任区"))).order_by(Zone.id)).all()
        cells = GridIndex.from_polygons((r.code, r.name, r.parent_code, r.polygon) for r in rows
                                        if r.kind == "单元网格").cells
        if not cells:
            return None
        members: dict[str, list[str]] = {}
        for cell in cells:
            members.setdefault(cell.area_code, []).append(cell.code)
        areas, zones = [], []
        for r in rows:
            if r.kind != "责任区" or not r.polygon:
                continue
            ring = tuple((float(p[0]), float(p[1])) for p in r.polygon)
            lats, lons = [p[0] for p in ring], [p[1] for p in ring]
            areas.append(ResponsibilityArea(r.code, r.name, members.get(r.code, []),
                                            (min(lats), min(lons), max(lats), max(lons))))
            zones.append(MapZone(r.code, r.name, "责任区", ring))
        return ImportedGrid(GridIndex(cells, areas), zones)

    return store.read(read)
