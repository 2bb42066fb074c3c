"""The migrations (all heads) and a case lifecycle on PostgreSQL, in a database of the test's own."""

from __future__ import annotations

from typing import Any

import pytest

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import NewCase
from commandcenter.cases.report import cases_report
from commandcenter.cases.service import CaseService
from commandcenter.store import Store

from .conftest import Clock, seed

pytestmark = pytest.mark.postgres



def test_upgrade_and_lifecycle_on_postgresql(pg_store: Store) -> None:
    pg_store.upgrade()
    assert {"case_tasks", "case_merges", "work_calendar_days"} <= set(pg_store.table_names())
    seed(pg_store)
    clock = Clock()
    positions: dict[str, Any] = {}
    service = CaseService(pg_store, load_calendar(), load_categories(), clock=clock, positions=lambda: positions)
    case = service.create_case(NewCase(source="hotline", category="占道经营", lat=30.0001, lon=119.9951,
                                       external_id="PG-1"), "d1", register=True).result()
    assert case.grid_code == "G001" and case.code.startswith("AJ20261124")
    service.dispatch(case.code, "o1", "d1").result()
    service.arrive(case.code, "o1").result()
    joint = service.summon(case.code, ["住建局"], "d1").result()
    service.update_task(joint.tasks[0].id, "done", "住建局").result()
    service.feedback(case.code, "o1").result()
    service.verify(case.code, "s1").result()
    closed = service.close(case.code, "s1").result()
    assert closed.status == "closed" and closed.closed_at is not None
    assert [e["action"] for e in service.events(case.code)] == [
        "create", "register", "dispatch", "arrive", "summon", "task", "feedback", "verify", "close"]
    with pytest.raises(Exception, match=r"unique|duplicate"):
        service.create_case(NewCase(source="hotline", category="占道经营", lat=30.0, lon=119.995,
                                    external_id="PG-1"), "d1").result()
    report = cases_report(pg_store)
    assert report["total"] == 1 and report["by_status"] == {"closed": 1}
    assert [c.code for c in service.queue()] == [case.code]  # today's closed case
    assert service.unit_board()[0].status == "idle"
