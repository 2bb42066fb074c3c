"""``data import nofly``: no-fly (禁飞区) and height-limited (限高区) zones from GeoJSON, KML or a Shapefile.

Polygons are taken as drawn; a point needs a ``radius`` (m). Properties: ``name``, ``kind`` (禁飞区 or 限高区;
a zone with a ``max_alt`` is a 限高区), ``max_alt`` (m above ground, 限高区 only), ``id`` (default: the name).
The file replaces the zones in the database: the drone checks (mission upload, 派无人机, go-to) use exactly
the bureau's list (:func:`commandcenter.golive.airspace.stored_no_fly_zones`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commandcenter.golive.features import GeoFeature
from commandcenter.golive.framework import ImportCounts, RowProblems, upsert
from commandcenter.golive.tables import NoFlyRow

__all__ = ["import_nofly"]

NO_FLY, HEIGHT_LIMITED = "禁飞区", "限高区"


def _number(text: str, number: int, name: str, problems: RowProblems) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.add(number, name, f"{text!r} is not a number of metres")
        return None
    if not 0 < value < 100_000:
        problems.add(number, name, f"{value:g} m is not a plausible value")
        return None
    return value


def import_nofly(session: Session, features: Sequence[GeoFeature], problems: RowProblems) -> ImportCounts:
    counts = ImportCounts()
    seen: dict[str, int] = {}
    for f in features:
        name = f.prop("name", "名称")
        if not name:
            problems.add(f.number, "name", "empty (a pilot must be told which zone refuses him)")
            continue
        zone_id = f.prop("id", "编号") or name
        if zone_id in seen:
            problems.add(f.number, "id", f"{zone_id} is already feature {seen[zone_id]}")
            continue
        seen[zone_id] = f.number
        max_alt = _number(f.prop("max_alt", "限高", "max_alt_m"), f.number, "max_alt", problems)
        kind = f.prop("kind", "类型") or (HEIGHT_LIMITED if max_alt is not None else NO_FLY)
        if kind not in (NO_FLY, HEIGHT_LIMITED):
            problems.add(f.number, "kind", f"{kind!r} is neither {NO_FLY} nor {HEIGHT_LIMITED}")
            continue
        if kind == HEIGHT_LIMITED and max_alt is None:
            problems.add(f.number, "max_alt", f"a {HEIGHT_LIMITED} needs its height limit in metres")
            continue
        values: dict[str, object] = {"id": zone_id, "name": name, "kind": kind,
                                     "max_alt_m": max_alt if kind == HEIGHT_LIMITED else None}
        if f.point is not None:
            radius = _number(f.prop("radius", "半径", "radius_m"), f.number, "radius", problems)
            if radius is None:
                if not f.prop("radius", "半径", "radius_m"):
                    problems.add(f.number, "radius", "a zone given as a point needs a radius in metres")
                continue
            values |= {"polygon": [], "lat": f.point[0], "lon": f.point[1], "radius_m": radius}
        elif len(f.polygons) == 1:
            values |= {"polygon": [[lat, lon] for lat, lon in f.polygons[0]], "lat": None, "lon": None,
                       "radius_m": None}
        else:
            problems.add(f.number, "geometry", f"one polygon or a point per zone (got {len(f.polygons)} polygons)")
            continue
        counts.count(upsert(session, NoFlyRow, zone_id, values))
    gone = [z for z in session.scalars(select(NoFlyRow.id)) if z not in seen]
    if gone:
        session.execute(delete(NoFlyRow).where(NoFlyRow.id.in_(gone)))
        counts.notes.append(f"{len(gone)} zone(s) not in the file removed: {', '.join(gone[:10])}")
    return counts
