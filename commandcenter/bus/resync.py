"""What a process re-reads from the database after a gap on the bus: the database is the truth.

Run on a worker (the task manager), never on the GUI thread; both functions return plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from commandcenter.domain import UnitKind, UnitPosition
from commandcenter.runtime.units import UnitInfo
from commandcenter.store import Store, models


@dataclass(frozen=True, slots=True)
class ChangedCases:
    """Cases changed since a moment (or created after a known id): what a cut-off process may have missed."""

    case_ids: frozenset[int]
    codes: frozenset[str]
    highest_id: int  # the watermark for the next gap


def latest_positions(store: Store, known: Mapping[str, UnitInfo]) -> list[UnitPosition]:
    """The latest stored fix of every unit, named from the units the tracker knows or the unit tables.

    On PostgreSQL one index probe per unit (``LATERAL … ORDER BY time DESC LIMIT 1`` on the (unit, time)
    index): a seat's resync must not scan every fix ever stored (10,000 units at 1 Hz store 36 million a
    hour). Elsewhere (an SQLite file) the newest fix per unit by grouping.
    """
    def query(session: Session) -> list[UnitPosition]:
        facts: dict[str, tuple[str, str, str, str]] = {}  # id → kind, name, sub kind, status
        for ident, name, team, status in session.execute(
                select(models.Officer.id, models.Officer.name, models.Officer.team, models.Officer.status)):
            facts[ident] = (UnitKind.OFFICER.value, name, team, status)
        for ident, plate, kind, status in session.execute(
                select(models.Vehicle.id, models.Vehicle.plate, models.Vehicle.kind, models.Vehicle.status)):
            facts[ident] = (UnitKind.VEHICLE.value, plate, kind, status)
        for ident, name in session.execute(select(models.Drone.id, models.Drone.name)):
            facts[ident] = (UnitKind.DRONE.value, name, "", "")
        if session.get_bind().dialect.name == "postgresql":
            rows = session.execute(text(
                "SELECT u.id, f.time, f.lat, f.lon, f.speed, f.heading, f.source FROM unnest(:ids) AS u(id) "
                "CROSS JOIN LATERAL (SELECT time, lat, lon, speed, heading, source FROM position_fixes p "
                "WHERE p.unit_id = u.id ORDER BY p.time DESC LIMIT 1) f"),
                {"ids": sorted(set(known) | set(facts))}).all()
        else:
            newest = (select(models.PositionFix.unit_id, func.max(models.PositionFix.time).label("time"))
                      .group_by(models.PositionFix.unit_id).subquery())
            rows = session.execute(
                select(models.PositionFix.unit_id, models.PositionFix.time, models.PositionFix.lat,
                       models.PositionFix.lon, models.PositionFix.speed, models.PositionFix.heading,
                       models.PositionFix.source)
                .join(newest, (models.PositionFix.unit_id == newest.c.unit_id)
                      & (models.PositionFix.time == newest.c.time))
            ).all()
        out: dict[str, UnitPosition] = {}
        for unit_id, time, lat, lon, speed, heading, source in rows:
            info = known.get(unit_id)
            if info is not None:
                kind, name, sub_kind, status = info.kind, info.name, info.sub_kind, info.status
            elif unit_id in facts:
                kind, name, sub_kind, status = facts[unit_id]
            else:
                continue  # a fix of a unit since removed from every table
            out[unit_id] = UnitPosition(id=unit_id, kind=kind, name=name, lat=lat, lon=lon,
                                        fix_time=time.astimezone(UTC) if time.tzinfo else time.replace(tzinfo=UTC),
                                        speed=speed, heading=heading, source=source, status=status,
                                        sub_kind=sub_kind)
        return list(out.values())

    return store.read(query)


def changed_cases(store: Store, since: datetime | None, after_id: int) -> ChangedCases:
    """Cases updated at or after ``since`` or created after ``after_id`` (``since`` None: only the watermark)."""
    def query(session: Session) -> ChangedCases:
        highest = int(session.scalar(select(func.coalesce(func.max(models.Case.id), 0))) or 0)
        condition = models.Case.id > after_id
        if since is not None:
            condition = or_(condition, models.Case.updated_at >= since)
        rows = session.execute(select(models.Case.id, models.Case.code).where(condition)).all()
        return ChangedCases(frozenset(int(r[0]) for r in rows), frozenset(str(r[1]) for r in rows), highest)

    return store.read(query)


def highest_case_id(store: Store) -> int:
    """The watermark a process starts from: cases above it were created after it last looked."""
    return store.read(lambda session: int(session.scalar(select(func.coalesce(func.max(models.Case.id), 0))) or 0))
