"""Hot spots by time: the case heat map filters by the local hour of day and the weekday as well as category."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyqtgraph as pg
from PySide6.QtCore import Qt

from commandcenter.mapdata.heatmap import HeatGrid, HeatmapService, case_points
from commandcenter.store import Store, models
from widgets.map.heatmap_panel import HeatmapPanel

BBOX = (32.0, 118.7, 32.1, 118.8)


def _seed(store: Store) -> None:
    """Night vending near the west edge (23:00 Beijing on a Tuesday), morning rubbish in the east (08:00 Wednesday)."""
    night = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 23:00 local, Tuesday 24 Nov
    morning = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 08:00 local, Wednesday 25 Nov
    rows = [models.Case(code=f"N{i}", source="patrol", status="reported", category_name="占道经营",
                        lat=32.05, lon=118.72, created_at=night + timedelta(minutes=i), updated_at=night)
            for i in range(5)]
    rows += [models.Case(code=f"M{i}", source="patrol", status="reported", category_name="暴露垃圾",
                         lat=32.05, lon=118.78, created_at=morning + timedelta(minutes=i), updated_at=morning)
             for i in range(3)]
    store.write(lambda s: s.add_all(rows))


def test_case_points_keep_only_the_local_hours_and_weekdays_asked(store: Store) -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    _seed(store)
    start = now - timedelta(days=7)
    assert len(case_points(store, start, now)[0]) == 8
    night_lat, night_lon = case_points(store, start, now, hours=frozenset({22, 23, 0}))
    assert len(night_lat) == 5 and set(night_lon.round(2)) == {118.72}
    assert len(case_points(store, start, now, weekdays=frozenset({2}))[0]) == 3  # Wednesday: the morning rubbish
    assert len(case_points(store, start, now, hours=frozenset({8}), weekdays=frozenset({1}))[0]) == 0


def test_choosing_night_in_the_panel_redraws_the_heat_from_the_night_cases(qtbot, store: Store, tasks) -> None:  # type: ignore[no-untyped-def]
    # Cases dated two days ago, so the panel's "last 30 days" finds them.
    recent = datetime.now(UTC) - timedelta(days=2)
    local_night = recent.replace(hour=15, minute=0, second=0, microsecond=0)  # 23:00 Beijing
    store.write(lambda s: s.add_all([
        models.Case(code=f"R{i}", source="patrol", status="reported", category_name="占道经营", lat=32.05,
                    lon=118.72, created_at=local_night + timedelta(minutes=i), updated_at=local_night)
        for i in range(4)] + [
        models.Case(code=f"D{i}", source="patrol", status="reported", category_name="暴露垃圾", lat=32.05,
                    lon=118.78, created_at=local_night + timedelta(hours=10), updated_at=local_night)
        for i in range(6)]))
    service = HeatmapService(store, tasks)
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    panel = HeatmapPanel(service, plot.getPlotItem(), BBOX, lambda: [])
    qtbot.addWidget(panel)
    panel.show()
    panel.item.setVisible(True)
    panel.period.setCurrentIndex(panel.period.findData(30))
    with qtbot.waitSignal(service.ready, timeout=10000) as all_day:
        panel.refresh()
    assert isinstance(all_day.args[0], HeatGrid) and all_day.args[0].count == 10
    # The leader opens the day-part box and picks 夜间 with the keyboard, as at the console.
    panel.hours.setFocus()
    night_index = next(i for i in range(panel.hours.count()) if panel.hours.itemData(i) and 23 in panel.hours.itemData(i))
    with qtbot.waitSignal(service.ready, timeout=10000) as night:
        for _ in range(night_index):
            qtbot.keyClick(panel.hours, Qt.Key.Key_Down)
    assert panel.hours.currentIndex() == night_index
    grid = night.args[0]
    assert grid.count == 4
    _lat, lon = grid.peak_latlon()
    assert abs(lon - 118.72) < 0.01
