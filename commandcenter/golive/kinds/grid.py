"""``data import grid``: the bureau's 单元网格 and 责任区 polygons with their GB/T 30428.1 codes.

The file replaces the whole grid in the ``zones`` table (cells and areas not in it are removed; cases keep the
codes they were filed under) and marks the database as having an imported grid, so the composition stops
generating 250 m squares over the basemap (:func:`commandcenter.golive.grid.imported_grid`). Properties:
``code`` (14 digits for a 单元网格), ``name``, ``kind`` (单元网格 or 责任区) and, optionally, a cell's
``area_code``; without it a cell belongs to the 责任区 polygon containing its centroid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commandcenter.geo.zones import point_in_polygon, polygon_centroid
from commandcenter.golive.features import GeoFeature
from commandcenter.golive.framework import ImportCounts, RowProblems
from commandcenter.store.models import Setting, Zone

__all__ = ["GRID_SOURCE_KEY", "import_grid"]

CELL, AREA = "单元网格", "责任区"
GRID_SOURCE_KEY = "grid_source"  # settings row: "import" once a bureau's grid replaced the generated one
_CELL_CODE = re.compile(r"^\d{14}$")


def import_grid(session: Session, features: Sequence[GeoFeature], problems: RowProblems) -> ImportCounts:
    parsed: list[tuple[GeoFeature, str, str, str, list[tuple[float, float]], str]] = []
    seen: dict[str, int] = {}
    for f in features:
        code = f.prop("code", "编码", "网格编码", "gridcode")
        kind = f.prop("kind", "类型", "type")
        if not kind and _CELL_CODE.match(code):
            kind = CELL
        if not code:
            problems.add(f.number, "code", "empty (every 单元网格 and 责任区 needs its code)")
            continue
        if kind not in (CELL, AREA):
            problems.add(f.number, "kind", f"{kind!r} is neither {CELL} nor {AREA}")
            continue
        if kind == CELL and not _CELL_CODE.match(code):
            problems.add(f.number, "code", f"{code!r} is not a 14-digit GB/T 30428.1 unit-grid code")
            continue
        if len(code) > 32:
            problems.add(f.number, "code", f"{code!r} is longer than 32 characters")
            continue
        if code in seen:
            problems.add(f.number, "code", f"{code} is already feature {seen[code]}")
            continue
        seen[code] = f.number
        if f.point is not None or len(f.polygons) != 1:
            problems.add(f.number, "geometry", f"a {kind} is one polygon (got "
                         f"{'a point' if f.point else f'{len(f.polygons)} polygons'})")
            continue
        parent = f.prop("area_code", "parent", "责任区编码", "责任区") if kind == CELL else ""
        parsed.append((f, code, kind, f.prop("name", "名称", "网格名称") or code, f.polygons[0], parent))
    if not any(kind == CELL for _, _, kind, _, _, _ in parsed) and not problems.items:
        problems.add(1, "kind", f"the file has no {CELL}: a grid without cells cannot locate a case")
    areas = [(code, ring) for _, code, kind, _, ring, _ in parsed if kind == AREA]
    area_codes = {code for code, _ in areas}
    existing = {z.code: z for z in session.scalars(select(Zone).where(Zone.kind.in_((CELL, AREA))))}
    clashes = set(session.scalars(select(Zone.code).where(Zone.code.in_(list(seen)), Zone.kind.not_in((CELL, AREA)))))
    counts = ImportCounts()
    for f, code, kind, name, ring, parent in parsed:
        if code in clashes:
            problems.add(f.number, "code", f"{code} is already the code of a zone that is not part of the grid")
            continue
        if kind == CELL:
            if parent and parent not in area_codes:
                problems.add(f.number, "area_code", f"{parent} is not a {AREA} of this file")
                continue
            if not parent:
                lat, lon = polygon_centroid(ring)
                parent = next((a for a, r in areas if point_in_polygon(lat, lon, r)), "")
        polygon = [[lat, lon] for lat, lon in ring]
        row = existing.pop(code, None)
        if row is None:
            session.add(Zone(code=code, name=name, kind=kind, polygon=polygon, parent_code=parent))
            counts.added += 1
        elif (row.name, row.kind, row.polygon, row.parent_code) == (name, kind, polygon, parent):
            counts.unchanged += 1
        else:
            row.name, row.kind, row.polygon, row.parent_code = name, kind, polygon, parent
            counts.updated += 1
    if existing:
        session.execute(delete(Zone).where(Zone.code.in_(list(existing))))
        counts.notes.append(f"{len(existing)} 单元网格/责任区 not in the file removed (the generated grid, or "
                            "cells of an earlier import)")
    setting = session.get(Setting, GRID_SOURCE_KEY) or Setting(key=GRID_SOURCE_KEY)
    setting.value = "import"
    session.add(setting)
    return counts
