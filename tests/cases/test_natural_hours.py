"""Urgent safety categories (计时方式 自然时) count clock hours: a Saturday report is due on Saturday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.store import Store
from tests.cases.conftest import Clock, seed

# Saturday 2026-11-28 10:00 Beijing time.
SATURDAY = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def _service(store: Store, clock: Clock) -> CaseService:
    seed(store)
    return CaseService(store, load_calendar(), load_categories(), clock=clock, positions=lambda: {})


def test_missing_manhole_cover_reported_on_saturday_is_due_on_saturday(store: Store) -> None:
    clock = Clock(SATURDAY)
    service = _service(store, clock)
    case = service.create_case(NewCase(source="citizen", category="井盖缺失", lat=30.0001, lon=119.9951,
                                       description="井盖缺失，非常危险", urgency=1), "d1").result()
    assert case.deadline_at is not None
    local = case.deadline_at.astimezone(load_calendar().tz)
    assert local.date() == SATURDAY.date()  # not Monday
    assert case.deadline_at == SATURDAY + timedelta(hours=0.5)  # 立案时限 0.5 h of clock time
    # The countdown counts clock hours too: 20 minutes later, 10 minutes are left (not "paused until Monday").
    clock.now = SATURDAY + timedelta(minutes=20)
    sla = service.sla(case, clock.now)
    assert sla.level != "overdue"
    assert abs((sla.remaining_hours or 0.0) - 10 / 60) < 1e-6


def test_ordinary_category_still_counts_the_working_calendar(store: Store) -> None:
    service = _service(store, Clock(SATURDAY))
    case = service.create_case(NewCase(source="citizen", category="占道经营", lat=30.0001, lon=119.9951),
                               "d1").result()
    assert case.deadline_at is not None
    assert case.deadline_at.astimezone(load_calendar().tz).isoweekday() == 1  # Monday


def test_category_table_marks_the_urgent_safety_categories() -> None:
    table = load_categories()
    assert {c.name for c in table if c.natural_hours} >= {"井盖缺失", "燃气泄漏", "路面塌陷"}
    assert not table.resolve("占道经营").natural_hours
