"""Fixtures of the cases tests: a migrated store with two grid cells, officers and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.service import CaseService
from commandcenter.domain import UnitPosition
from commandcenter.store import Store
from commandcenter.store.models import Officer, Vehicle, Zone

# Two adjacent 单元网格 cells (west, east) of 责任区 ZR01 around (30.000, 120.000).
WEST = [[29.990, 119.990], [29.990, 120.000], [30.010, 120.000], [30.010, 119.990]]
EAST = [[29.990, 120.000], [29.990, 120.010], [30.010, 120.010], [30.010, 120.000]]
# Tuesday 2026-11-24 10:00 Beijing time.
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class Clock:
    """A settable clock so SLA arithmetic is deterministic."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(store: Store, officers: list[dict[str, Any]] | None = None) -> None:
    def job(s: Any) -> None:
        s.add(Zone(code="G001", name="西网格", kind="单元网格", polygon=WEST, parent_code="ZR01"))
        s.add(Zone(code="G002", name="东网格", kind="单元网格", polygon=EAST, parent_code="ZR01"))
        for o in officers or [
            {"id": "o1", "badge": "B1", "name": "张三", "team": "执法中队", "skills": ["市容执法"], "duty_grid": "G001"},
            {"id": "o2", "badge": "B2", "name": "李四", "team": "环卫队", "skills": ["环卫保洁"], "duty_grid": "G002"},
            {"id": "o3", "badge": "B3", "name": "王五", "team": "执法中队", "skills": ["市容执法"], "duty_grid": "G002"},
        ]:
            s.add(Officer(status="idle", **o))
        s.add(Vehicle(id="v1", plate="浙A12345", kind="执法车", team="执法中队", status="idle"))

    store.write(job)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def positions(clock: Clock) -> dict[str, UnitPosition]:
    return {
        "o1": UnitPosition("o1", "officer", "张三", 30.0000, 119.9950, clock.now),
        "o2": UnitPosition("o2", "officer", "李四", 30.0005, 120.0010, clock.now),
        "o3": UnitPosition("o3", "officer", "王五", 30.0050, 120.0050, clock.now),
    }


@pytest.fixture
def service(store: Store, clock: Clock, positions: dict[str, UnitPosition]) -> Iterator[CaseService]:
    seed(store)
    svc = CaseService(store, load_calendar(), load_categories(), clock=clock, positions=lambda: positions)
    yield svc
