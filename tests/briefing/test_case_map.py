"""The big screen's map of today's cases: today's cases as dots by state over their heat, yesterday's not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commandcenter.store import Store, models
from widgets.briefing.case_map import TodayMapPage


def test_today_s_cases_are_on_the_map_by_state_with_their_heat(qtbot, store: Store, tasks) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    recent = now - timedelta(minutes=1)

    def case(code: str, status: str, created: datetime, deadline: datetime | None) -> models.Case:
        return models.Case(code=code, source="patrol", status=status, lat=32.04, lon=118.78, created_at=created,
                           updated_at=created, deadline_at=deadline)

    store.write(lambda s: s.add_all([
        case("T1", "dispatched", recent, now + timedelta(hours=2)),
        case("T2", "dispatched", recent, now - timedelta(seconds=1)),  # past its deadline
        case("T3", "closed", recent, None),
        case("Y1", "dispatched", now - timedelta(days=2), None),  # not today's
    ]))
    page = TodayMapPage(store, tasks)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.shown_cases, timeout=15000) as shown:
        page.resize(800, 600)
        page.show()
    data = shown.args[0]
    assert sorted(data.state) == ["closed", "open", "overdue"]
    assert len(page.dots.data) == 3
    assert data.heat is not None and data.heat.count == 3
    assert page.heat.image is not None
    assert "3" in page.summary.text()
