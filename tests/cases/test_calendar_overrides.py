"""Calendar overrides stored in the database (work_calendar_days) move deadlines of the case service."""

from __future__ import annotations

from datetime import UTC, datetime

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.cases.tables import WorkCalendarDay
from commandcenter.store import Store
from tests.cases.conftest import NOW, Clock, seed


def _deadline_of_a_new_case(store: Store) -> datetime:
    service = CaseService(store, load_calendar(), load_categories(), clock=Clock())
    view = service.create_case(NewCase(source="dispatcher", category="占道经营", lat=30.0, lon=119.995,
                                       description="早市摊贩占道"), "dispatcher", register=True).result(10)
    assert view.deadline_at is not None
    return view.deadline_at


def test_a_holiday_override_in_the_database_moves_the_deadline(store: Store) -> None:
    """NOW is Tuesday 24 Nov 2026 10:00 in Beijing; the bureau declares that Tuesday a day off (e.g. a local
    festival): a case registered then is due no earlier than Wednesday."""
    seed(store)
    ordinary = _deadline_of_a_new_case(store)
    assert ordinary.astimezone(UTC).date() == NOW.date()  # a same-day limit on an ordinary Tuesday
    store.write(lambda s: s.add(WorkCalendarDay(day="2026-11-24", kind="holiday", name="区庆")))
    moved = _deadline_of_a_new_case(store)
    assert moved.astimezone(UTC).date() > NOW.date()
    assert load_calendar().with_overrides([("2026-11-24", "holiday", "区庆")]).working_time_between(NOW, moved) \
        == load_calendar().working_time_between(NOW, ordinary)


def test_a_workday_override_makes_a_sunday_count(store: Store) -> None:
    """Sunday 29 Nov 2026 declared a 调休 working day: a case registered Saturday is due on that Sunday."""
    seed(store)
    store.write(lambda s: s.add(WorkCalendarDay(day="2026-11-29", kind="workday", name="调休")))
    saturday = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    service = CaseService(store, load_calendar(), load_categories(), clock=Clock(saturday))
    view = service.create_case(NewCase(source="dispatcher", category="占道经营", lat=30.0, lon=119.995,
                                       description="早市摊贩占道"), "dispatcher", register=True).result(10)
    assert view.deadline_at is not None
    assert view.deadline_at.astimezone(UTC).date() == datetime(2026, 11, 29, tzinfo=UTC).date()
