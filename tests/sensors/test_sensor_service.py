"""The SensorService on a real SQLite store and the real case service: rules with hysteresis and minimum duration,
one case per alarm episode with notes, offline sensors, the downsampled history, the health section."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.service import CaseService
from commandcenter.domain import UnitPosition
from commandcenter.sensors.rules import SensorRule
from commandcenter.sensors.service import SensorInfo, SensorService
from commandcenter.sensors.tables import BUCKET_S
from commandcenter.store import Store
from devices.sensor import SensorBadRead, SensorReading
from tests.cases.conftest import NOW, Clock, seed

T0 = NOW.timestamp()
BIN = SensorInfo("bin-1", "新街口1号垃圾桶", "垃圾桶", 30.0000, 119.9950, 2.0, units={"fill": "%"})
SPOIL = SensorInfo("scale-1", "渣土称重点", "渣土", 30.0005, 120.0010, 2.0, units={"spill": "kg"})
FILL_RULE = SensorRule(0, "fill", "BJ0302", above=80, clear_below=60, for_s=4, kinds=("垃圾桶",))
SPILL_RULE = SensorRule(1, "spill", "SJ0302", above=10, for_s=0, kinds=("渣土",))


class WallClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cases(store: Store) -> CaseService:
    seed(store, [{"id": "o1", "badge": "B1", "name": "张三", "team": "执法中队", "skills": ["渣土管理"],
                  "duty_grid": "G002"}])
    position = UnitPosition("o1", "officer", "张三", 30.0004, 120.0012, NOW)
    return CaseService(store, load_calendar(), load_categories(), clock=Clock(), positions=lambda: {"o1": position})


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def sensors(store: Store, cases: CaseService, wall: WallClock, qapp: object) -> Iterator[SensorService]:
    service = SensorService([BIN, SPOIL], [FILL_RULE, SPILL_RULE], store, cases, clock=wall, note_every_s=10)
    service.start()
    yield service
    service.stop()


def feed(service: SensorService, sensor: str, values: list[tuple[float, float]], measure: str = "fill") -> None:
    for offset, value in values:
        service.handle([SensorReading(sensor, "sim", {measure: value}, T0 + offset)])


def sensor_cases(store: Store) -> list[tuple[str, str, str, str]]:
    store.flush()
    return [tuple(r) for r in store.frame("SELECT code, source, category, status FROM cases ORDER BY id")
            .itertuples(index=False)]


def test_a_bin_read_full_once_opens_nothing_a_full_bin_opens_one_case_with_notes(
        sensors: SensorService, cases: CaseService, store: Store) -> None:
    feed(sensors, "bin-1", [(0, 50), (2, 81), (4, 50), (6, 82), (8, 79)])  # one poll at 81 %, a wobble: not full
    assert sensor_cases(store) == [] and not sensors.report()[0]["alarm"]

    feed(sensors, "bin-1", [(10, 85), (12, 86)])  # full for 2 s of the 4 required
    assert sensor_cases(store) == []
    feed(sensors, "bin-1", [(14, 88), (16, 90), (18, 75), (20, 70), (26, 72), (28, 91)])  # raised at 14 s
    opened = sensor_cases(store)
    assert [(source, category) for _code, source, category, _status in opened] == [("sensor", "BJ0302")]
    assert sensors.report()[0] == {"id": "bin-1", "kind": "垃圾桶", "state": "online", "values": {"fill": 91.0},
                                   "bad_reads": 0, "alarm": True}
    feed(sensors, "bin-1", [(30, 59)])  # under clear_below: the episode ends
    code = opened[0][0]
    store.flush()
    notes = [e["note"] for e in cases.events(code) if e["action"] == "sensor"]
    # still in alarm at 18-28 s (above clear_below): noted at 26 s (≥ 10 s after the raise), not again at 28 s
    assert notes == ["告警持续12秒：满溢度72%", "告警解除：满溢度回落至59%"]
    assert sensors.report()[0]["alarm"] is False

    feed(sensors, "bin-1", [(40, 95), (44, 96)])  # a new episode is a new case
    assert len(sensor_cases(store)) == 2


def test_an_auto_dispatch_category_is_dispatched_without_a_human(sensors: SensorService, store: Store) -> None:
    feed(sensors, "scale-1", [(0, 25.0)], measure="spill")
    [(_code, source, category, status)] = sensor_cases(store)
    assert (source, category, status) == ("sensor", "SJ0302", "dispatched")
    # the fill rule is for bins only: a 渣土 sensor reporting "fill" raises nothing
    feed(sensors, "scale-1", [(2, 99.0), (10, 99.0)], measure="fill")
    assert len(sensor_cases(store)) == 1


def test_cases_count_by_source_sensor_in_the_health_report(sensors: SensorService, store: Store) -> None:
    from commandcenter.cases.report import cases_report

    feed(sensors, "scale-1", [(0, 25.0)], measure="spill")
    store.flush()
    assert cases_report(store)["by_source"] == {"sensor": 1}


def test_a_silent_sensor_goes_offline_with_a_maintenance_alarm_and_back(
        sensors: SensorService, wall: WallClock) -> None:
    said: list[tuple[str, str, str]] = []
    sensors.alarm.connect(lambda *args: said.append(args))
    feed(sensors, "bin-1", [(0, 30)])
    sensors.handle([SensorBadRead("bin-1", "modbus", "timeout", "no answer within 1 s")])
    wall.now = T0 + 5.9  # under 3 periods of 2 s
    sensors.tick()
    assert sensors.report()[0]["state"] == "online" and sensors.report()[0]["bad_reads"] == 1
    wall.now = T0 + 6.5
    sensors.tick()
    sensors.tick()
    assert sensors.report()[0]["state"] == "offline"
    offline = [s for s in said if s[0] == "bin-1" and s[1] == "alarm"]
    assert len(offline) == 1 and "离线" in offline[0][2] and "维护" in offline[0][2]
    feed(sensors, "bin-1", [(7, 31)])
    assert sensors.report()[0]["state"] == "online" and said[-1][1] == "info"


def test_an_episode_open_before_a_restart_goes_on_with_its_case(
        store: Store, cases: CaseService, wall: WallClock, qapp: object) -> None:
    first = SensorService([BIN], [FILL_RULE], store, cases, clock=wall)
    first.start()
    feed(first, "bin-1", [(0, 90), (5, 90)])
    first.stop()
    assert len(sensor_cases(store)) == 1
    second = SensorService([BIN], [FILL_RULE], store, cases, clock=wall)
    second.start()
    try:
        feed(second, "bin-1", [(60, 92), (70, 93)])
        assert len(sensor_cases(store)) == 1 and second.report()[0]["alarm"] is True
        feed(second, "bin-1", [(80, 40)])
        store.flush()
        code = sensor_cases(store)[0][0]
        assert [e["note"] for e in cases.events(code) if e["action"] == "sensor"][-1].startswith("告警解除")
    finally:
        second.stop()


def test_history_is_stored_downsampled_and_read_back(sensors: SensorService, store: Store) -> None:
    start = T0 - T0 % BUCKET_S
    readings = [(start - T0 + i * 2.0, 10.0 + i * 0.1) for i in range(3 * BUCKET_S // 2)]  # 3 buckets of polls
    feed(sensors, "bin-1", readings)
    sensors.flush_history()
    store.flush()
    assert store.scalar("SELECT COUNT(*) FROM sensor_readings") == 2  # 2 closed buckets, the third still open
    points = sensors.history("bin-1", "fill", hours=1.0)
    assert [t for t, _v in points] == [start, start + BUCKET_S, start + 2 * BUCKET_S]
    assert points[0][1] == pytest.approx(10.0 + 0.1 * (BUCKET_S / 2 - 1) / 2, abs=1e-3)
    assert points[1][1] > points[0][1] and points[2][1] > points[1][1]


def test_history_older_than_the_retention_is_swept(sensors: SensorService, store: Store) -> None:
    from commandcenter.sensors.tables import RETENTION_DAYS

    day = 86_400.0
    feed(sensors, "bin-1", [(-(RETENTION_DAYS + 1) * day, 10), (-(RETENTION_DAYS - 1) * day, 20), (0, 30)])
    sensors.flush_history()
    store.flush()
    kept = store.frame("SELECT mean FROM sensor_readings")["mean"].tolist()
    assert kept == [20.0]  # the 8-day-old bucket is gone, the 6-day-old one kept, the current one still open
