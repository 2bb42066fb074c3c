"""What a process re-reads after a gap, on SQLite and on PostgreSQL: the latest stored fix of every unit, named;
the cases changed during the gap or created after the last one seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from commandcenter.bus.resync import changed_cases, highest_case_id, latest_positions
from commandcenter.runtime.units import UnitInfo
from commandcenter.store import Store, models
from commandcenter.store.store import FixRow

T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest) -> Store:
    store: Store = request.getfixturevalue("store" if request.param == "sqlite" else "pg_store")
    if request.param == "postgresql":
        store.upgrade()
    return store


def _seed(session: Session) -> None:
    session.add(models.Officer(id="OF-1", badge="B1", name="王强", team="一中队", status="dispatched"))
    session.add(models.Vehicle(id="V-1", plate="苏A12345", kind="环卫车", status="idle"))
    for i, (code, minutes) in enumerate([("AJ1", 0), ("AJ2", 30), ("AJ3", 50)], start=1):
        at = T0 + timedelta(minutes=minutes)
        session.add(models.Case(id=i, code=code, source="hotline", status="registered", created_at=at, updated_at=at))


def test_latest_positions_are_the_newest_stored_fix_of_each_unit(any_store: Store) -> None:
    any_store.write(_seed)
    any_store.add_fixes([FixRow("OF-1", T0 + timedelta(seconds=s), 30.0 + s * 1e-4, 120.0, 5.0, 90.0, "osmand")
                         for s in (0, 20, 10)] + [
                        FixRow("V-1", T0, 30.1, 120.1, None, None, "jt808"),
                        FixRow("GONE", T0, 30.2, 120.2, None, None, "jt808")]).result(30)
    known = {"V-1": UnitInfo("V-1", "vehicle", "苏A12345（本机）", "环卫车", "resting")}

    positions = {p.id: p for p in latest_positions(any_store, known)}

    assert set(positions) == {"OF-1", "V-1"}  # a fix of a unit no table knows is not a position
    officer = positions["OF-1"]
    assert (officer.fix_time, round(officer.lat, 4), officer.kind, officer.name, officer.sub_kind, officer.status) == (
        T0 + timedelta(seconds=20), 30.002, "officer", "王强", "一中队", "dispatched")
    assert (positions["V-1"].name, positions["V-1"].status) == ("苏A12345（本机）", "resting")  # the tracker's


def test_changed_cases_are_those_updated_in_the_gap_or_created_after_the_watermark(any_store: Store) -> None:
    any_store.write(_seed)
    assert highest_case_id(any_store) == 3

    by_time = changed_cases(any_store, T0 + timedelta(minutes=20), after_id=3)
    assert (sorted(by_time.codes), sorted(by_time.case_ids), by_time.highest_id) == (["AJ2", "AJ3"], [2, 3], 3)
    by_id = changed_cases(any_store, None, after_id=1)
    assert sorted(by_id.codes) == ["AJ2", "AJ3"]
    assert changed_cases(any_store, T0 + timedelta(hours=1), after_id=3).codes == frozenset()
