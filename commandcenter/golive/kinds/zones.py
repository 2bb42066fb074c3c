"""``data import zones``: the bureau's 疏导点/管控点/特色点/禁止设摊区 polygons and its camera sites, separately from
the basemap.

Polygons need ``name`` and ``kind`` (one of the four); ``code`` defaults to ``ZN-<name>``. A Point feature with
a ``camera`` property is a camera site: it places that camera (imported or configured) on the map. Zones are
upserted by code and marked as imported, so the composition draws and watches them over the basemap's own
(:func:`commandcenter.golive.zonesource.stored_zones`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from commandcenter.geo.zones import ZONE_KINDS
from commandcenter.golive.features import GeoFeature
from commandcenter.golive.framework import ImportCounts, RowProblems
from commandcenter.golive.marks import mark_imported
from commandcenter.store.models import Camera, Zone

__all__ = ["import_zones"]


def import_zones(session: Session, features: Sequence[GeoFeature], problems: RowProblems) -> ImportCounts:
    counts = ImportCounts()
    seen: dict[str, int] = {}
    taken: list[str] = []
    for f in features:
        camera_id = f.prop("camera", "摄像机")
        if f.point is not None:
            camera = session.get(Camera, camera_id) if camera_id else None
            if camera is None:
                problems.add(f.number, "camera", f"{camera_id!r} is not a camera (import the cameras first)"
                             if camera_id else "a point is a camera site and needs its camera id")
                continue
            if (camera.lat, camera.lon) == f.point:
                counts.unchanged += 1
            else:
                camera.lat, camera.lon = f.point
                counts.updated += 1
            continue
        name, kind = f.prop("name", "名称"), f.prop("kind", "类型")
        if not name:
            problems.add(f.number, "name", "empty")
            continue
        if kind not in ZONE_KINDS:
            problems.add(f.number, "kind", f"{kind!r} is not one of {'、'.join(ZONE_KINDS)}")
            continue
        if len(f.polygons) != 1:
            problems.add(f.number, "geometry", f"a zone is one polygon (got {len(f.polygons)})")
            continue
        code = f.prop("code", "编码") or f"ZN-{name}"
        if len(code) > 32:
            problems.add(f.number, "code", f"{code!r} is longer than 32 characters")
            continue
        if code in seen:
            problems.add(f.number, "code", f"{code} is already feature {seen[code]}")
            continue
        seen[code] = f.number
        polygon = [[lat, lon] for lat, lon in f.polygons[0]]
        row = session.query(Zone).filter(Zone.code == code).one_or_none()
        if row is not None and row.kind in ("单元网格", "责任区"):
            problems.add(f.number, "code", f"{code} is the code of a {row.kind}")
            continue
        if row is None:
            session.add(Zone(code=code, name=name, kind=kind, polygon=polygon, parent_code=""))
            counts.added += 1
        elif (row.name, row.kind, row.polygon) == (name, kind, polygon):
            counts.unchanged += 1
        else:
            row.name, row.kind, row.polygon = name, kind, polygon
            counts.updated += 1
        taken.append(code)
    mark_imported(session, "zones", taken)
    return counts
