"""The map's 环卫设施 layer offscreen: bins and toilets coloured by their live level with the number beside them,
offline ones grey, a click shows the facility's details with its history chart (read off the GUI thread)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.service import CaseService
from commandcenter.config import MapConfig
from commandcenter.mapdata.heatmap import HeatmapService
from commandcenter.runtime.tasks import TaskManager
from commandcenter.sensors.rules import SensorRule
from commandcenter.sensors.service import SensorInfo, SensorService
from commandcenter.store import Store
from devices.sensor import SensorReading
from tests.map.test_screen import BASEMAP, make_tracker, street_points, view_pos
from widgets.map import MapScreen
from widgets.map.sensors import LEVEL_COLOURS

POINTS = street_points(4, seed=11)
SENSORS = [SensorInfo("bin-full", "中华路1号桶", "垃圾桶", *POINTS[0], 60.0, units={"fill": "%"}),
           SensorInfo("bin-half", "中华路2号桶", "垃圾桶", *POINTS[1], 60.0, units={"fill": "%"}),
           SensorInfo("wc-1", "中华路公厕", "公厕", *POINTS[2], 60.0, units={"nh3": "ppm"}),
           SensorInfo("bin-dead", "中华路3号桶", "垃圾桶", *POINTS[3], 1.0, units={"fill": "%"})]
RULES = [SensorRule(0, "fill", "BJ0302", above=80, clear_below=60, kinds=("垃圾桶",)),
         SensorRule(1, "nh3", "BJ0301", above=5, clear_below=3, kinds=("公厕",))]


@pytest.fixture
def sensors(store: Store, qapp: object) -> Iterator[SensorService]:
    cases = CaseService(store, load_calendar(), load_categories())
    clock = [1_800_000_000.0]
    service = SensorService(SENSORS, RULES, store, cases, clock=lambda: clock[0])
    service.start()
    now = clock[0]
    for i in range(40):  # an hour of history in 5-minute buckets for the full bin
        t = now - 3600 + i * 90
        service.handle([SensorReading("bin-full", "sim", {"fill": 30 + i * 1.5}, t)])
    service.handle([SensorReading("bin-half", "sim", {"fill": 45.0}, now),
                    SensorReading("wc-1", "sim", {"nh3": 4.2}, now)])
    clock[0] = now + 0.5
    service.tick()
    service.flush_history()
    store.flush()
    clock[0] = now + 3.5  # bin-dead never reported: offline after 3 periods
    service.tick()
    yield service
    service.stop()


def test_sanitation_layer_shows_levels_and_a_clicked_bins_history(qtbot, tasks: TaskManager,  # type: ignore[no-untyped-def]
                                                                  sensors: SensorService, tmp_path: Path) -> None:
    heatmap = HeatmapService(None, tasks)
    screen = MapScreen(make_tracker(officers=3, vehicles=0, drones=0), BASEMAP, MapConfig(), [], heatmap=heatmap,
                       tasks=tasks, sensors=sensors)
    qtbot.addWidget(screen)
    try:
        screen.resize(1300, 850)
        screen.show()
        layer = screen.sensor_layer
        assert layer is not None and screen.sensor_details is not None
        assert layer.levels == {"bin-full": ("alarm", "88%"), "bin-half": ("ok", "45%"),
                                "wc-1": ("high", "4.2ppm"), "bin-dead": ("offline", "—")}
        brushes = {sid: b.color().name() for sid, b in zip(layer.item.data["data"], layer.item.data["brush"],
                                                            strict=True)}
        assert brushes["bin-full"] == LEVEL_COLOURS["alarm"] and brushes["bin-dead"] == LEVEL_COLOURS["offline"]
        assert sorted(text for text, _colour in layer.number_labels()) == ["4.2ppm", "45%", "88%", "—"]

        # A new reading: the half-full bin is now near full (amber), its number and colour follow on the map.
        sensors.handle([SensorReading("bin-half", "sim", {"fill": 70.0}, sensors.clock())])
        sensors.tick()
        layer.refresh()
        assert sorted(text for text, _colour in layer.number_labels()) == ["4.2ppm", "70%", "88%", "—"]
        assert dict(layer.number_labels())["70%"] == LEVEL_COLOURS["high"]
        brushes = {sid: b.color().name() for sid, b in zip(layer.item.data["data"], layer.item.data["brush"],
                                                            strict=True)}
        assert brushes["bin-half"] == LEVEL_COLOURS["high"]

        x, y = screen.proj.to_xy([POINTS[0][0]], [POINTS[0][1]])
        screen.canvas.show_bbox(POINTS[0][0] - 0.004, POINTS[0][1] - 0.006, POINTS[0][0] + 0.004,
                                POINTS[0][1] + 0.006)
        screen.click_at(float(x[0]), float(y[0]))
        details = screen.sensor_details
        assert details.isVisible() and "中华路1号桶" in details.label.text()
        qtbot.waitUntil(lambda: len(details.points) >= 12, timeout=5000)
        assert details.points[-1][1] > details.points[0][1]  # the bin filled over the hour
        assert details.limit.isVisible() and details.limit.value() == 80

        screen.set_layer_visible("sanitation", False)
        assert not layer.item.isVisible() and layer.nearest(float(x[0]), float(y[0]), 50) is None
        screen.set_layer_visible("sanitation", True)
        assert view_pos(screen, float(x[0]), float(y[0])) is not None
        out = Path(os.environ.get("CC_SENSOR_MAP_PNG", tmp_path / "sanitation.png"))
        assert screen.grab().save(str(out))
    finally:
        screen.shutdown()
        heatmap.close()
