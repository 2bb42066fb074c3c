"""The demo's departments directory (吹哨报到): a typical district's departments, 兴隆街道 answered by the demo
account ``district``. A real bureau enters its own in the 部门名录 panel; nothing outside the demo seeds them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.enforcement.joint import seed_rows
from commandcenter.enforcement.tables import Department
from commandcenter.store import Store, utcnow

DISTRICT_ACCOUNT = ("兴隆街道办事处", "district")  # the demo's department seat


def seed_departments(store: Store) -> int:
    """Add the departments the directory does not have yet; returns how many were added."""

    def job(session: Session) -> int:
        have = set(session.scalars(select(Department.name)))
        added = 0
        for row in seed_rows():
            if row["name"] in have:
                continue
            username = DISTRICT_ACCOUNT[1] if row["name"] == DISTRICT_ACCOUNT[0] else ""
            session.add(Department(name=row["name"], kind=row["kind"], contact=row["contact"], phone=row["phone"],
                                   username=username, response_hours=24.0, active=True, created_at=utcnow()))
            added += 1
        return added

    return store.write(job)
