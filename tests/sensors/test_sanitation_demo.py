"""The demo's bins and toilets: a day of levels that makes sense, served over real RS-485 (socat + pymodbus) and
real MQTT (the demo's mosquitto), read by the application's own adapters into the health report."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from commandcenter.config import Config
from commandcenter.demo import sanitation
from commandcenter.demo.sanitation import Bin, Toilet
from commandcenter.demo.session import prepare
from commandcenter.geo.district import load_default_basemap
from commandcenter.runtime.compose import build


def test_bins_fill_through_the_day_and_are_emptied_toilets_smell_at_peak_hours() -> None:
    random.seed(3)
    bin_ = Bin("bin-x", fill=5.0, rate=14.0, battery=3.7)
    toilet = Toilet("wc-x", busyness=1.2)
    fills: dict[float, float] = {}
    nh3: dict[float, float] = {}
    hour = 6.5
    for _ in range(int(7.5 * 60)):  # 06:30 → 14:00 in one-minute steps
        hour += 1 / 60
        bin_.advance(hour, 1 / 60)
        toilet.advance(hour, 1 / 60)
        fills[round(hour, 2)], nh3[round(hour, 2)] = bin_.fill, toilet.nh3
    assert fills[7.0] < fills[9.0] < fills[11.0]  # the morning fills it
    assert max(fills.values()) >= 80.0 and fills[14.0] < 10.0  # full by noon, emptied by the 14:00 round
    assert nh3[8.5] > 5.0 > nh3[7.02]  # cleaned at 07:00, over the limit in the morning rush
    night = Toilet("wc-n", busyness=1.2, nh3=6.0)
    for step in range(120):
        night.advance(2.0 + step / 60, 1 / 60)
    assert night.nh3 < 1.5  # ventilated overnight (from 6 ppm in two quiet hours)


def _mosquitto_children() -> int:
    """mosquitto processes this test process started (read from /proc)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        name, parent = fields[0].split("(", 1)[1], int(fields[1].split()[1])
        count += name == "mosquitto" and parent == os.getpid()
    return count


def test_the_demo_serves_its_sensors_to_the_real_adapters(qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sanitation, "MODBUS_PERIOD_S", 0.5)
    monkeypatch.setattr(sanitation, "MQTT_PERIOD_S", 1.0)
    config = Config()
    config.database.url = f"sqlite:///{tmp_path / 'demo.db'}"
    config.simulator.units, config.simulator.vehicles, config.simulator.cameras, config.simulator.drones = 2, 1, 1, 0
    config.simulator.bins, config.simulator.toilets = 6, 3
    setup = prepare(config, load_default_basemap())
    services = None
    try:
        sensors = {s.id: s for s in setup.config.sensors}
        assert len(sensors) == 9 and {s.kind for s in sensors.values()} == {"垃圾桶", "公厕"}
        assert {s.protocol for s in sensors.values()} == {"modbus-rtu", "mqtt"}
        # One broker for the whole demo: the NB-IoT sensors and the Frigate box publish to the same mosquitto.
        assert setup.config.ai.frigate is not None
        assert {s.url for s in sensors.values() if s.protocol == "mqtt"} == {setup.config.ai.frigate.mqtt_url}
        assert _mosquitto_children() == 1
        assert setup.config.sensor_rules == sanitation.DEMO_RULES
        services = build(setup.config)
        services.start()

        def section() -> dict[str, dict[str, object]]:
            return {s["id"]: s for s in services.report()["sensors"]}

        mqtt_ids = [i for i, s in sensors.items() if s.protocol == "mqtt"]
        qtbot.waitUntil(lambda: all(section()[i]["values"] for i in mqtt_ids), timeout=15_000)
        dead = "bin-003"  # the third slave of the first line never answers
        live_serial = [i for i, s in sensors.items() if s.protocol == "modbus-rtu" and i != dead]
        qtbot.waitUntil(lambda: all(section()[i]["state"] == "online" for i in live_serial), timeout=15_000)
        qtbot.waitUntil(lambda: section()[dead]["state"] == "offline", timeout=15_000)
        assert section()[dead]["bad_reads"] >= 2
        toilets = [section()[i] for i, s in sensors.items() if s.kind == "公厕"]
        assert all(set(t["values"]) == {"nh3", "h2s", "occupancy"} for t in toilets)  # type: ignore[arg-type]
        bins = [section()[i] for i, s in sensors.items() if s.kind == "垃圾桶" and i != dead]
        assert all(0 <= float(b["values"]["fill"]) <= 100 for b in bins)  # type: ignore[index]
    finally:
        if services is not None:
            services.stop()
        setup.stop()
