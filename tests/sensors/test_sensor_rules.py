"""Alarm rules: a below-rule with its own hysteresis, the minimum duration restarting, rules per kind and zone."""

from __future__ import annotations

from commandcenter.mapdata.zoneshapes import MapZone
from commandcenter.sensors.rules import RuleTracker, SensorRule
from commandcenter.sensors.service import SensorInfo, SensorService

BATTERY = SensorRule(0, "battery", "BJ0302", below=3.3, clear_above=3.5, for_s=60)
NOISE = SensorRule(1, "noise", "SJ0401", above=70, for_s=0, zone_kinds=("禁止设摊区",))


def transitions(tracker: RuleTracker, rule: SensorRule, readings: list[tuple[float, float]]) -> list[str]:
    out = []
    for when, value in readings:
        out += [f"{e.transition}@{when:g}" for e in tracker.apply("s1", [rule], {rule.measure: value}, when)]
    return out


def test_a_below_rule_waits_its_duration_restarts_after_a_good_reading_and_clears_above_its_band() -> None:
    tracker = RuleTracker([BATTERY])
    assert transitions(tracker, BATTERY, [(0, 3.2), (50, 3.25), (55, 3.4), (70, 3.2), (120, 3.1)]) == []
    assert transitions(tracker, BATTERY, [(130, 3.1), (140, 3.45), (150, 3.6)]) == [
        "raised@130", "persisting@140", "cleared@150"]  # held 60 s from 70 s; 3.45 is inside the band
    assert tracker.active("s1") == []


def test_a_rule_for_a_zone_kind_applies_only_to_sensors_inside_such_a_zone(qapp: object, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cases.calendar import load_calendar
    from commandcenter.cases.categories import load_categories
    from commandcenter.cases.service import CaseService

    zone = MapZone("Z1", "中华路禁止设摊区", "禁止设摊区", ((32.0, 118.0), (32.0, 118.01), (32.01, 118.01),
                                                         (32.01, 118.0)))
    inside = SensorInfo("noise-in", "噪声1", "噪声", 32.005, 118.005, 10.0)
    outside = SensorInfo("noise-out", "噪声2", "噪声", 32.02, 118.005, 10.0)
    unplaced = SensorInfo("noise-x", "噪声3", "噪声", None, None, 10.0)
    service = SensorService([inside, outside, unplaced], [NOISE], store,
                            CaseService(store, load_calendar(), load_categories()), zones=[zone])
    assert service.threshold("noise-in", "noise") == 70
    assert service.threshold("noise-out", "noise") is None and service.threshold("noise-x", "noise") is None
