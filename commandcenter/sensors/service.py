"""The SensorService: sensor readings in, state and alarms out, one case per alarm episode.

Readings arrive like every adapter event, in the DeviceManager's batches (``handle``, on the thread the batches
are delivered to). For each sensor the service keeps its latest values and bad-read count and judges it online
while readings keep coming: silent for ``OFFLINE_PERIODS`` periods it goes offline (grey on the map, 设备状态)
and raises a maintenance alarm. The rules (:mod:`commandcenter.sensors.rules`) turn values into alarm episodes;
an episode opens ONE case of the rule's category through the ``sensor-iot`` intake channel (source ``sensor``;
auto-dispatched by the intake when the category is 自动派遣), notes on the case while it persists (every
``note_every_s``) and when it clears. Open episodes survive a restart: their cases are found by external id.

Every database write is a job for the store's single writer (``submit``: nothing here waits for it); the reading
history is written in downsampled buckets (:mod:`commandcenter.sensors.tables`).

Only the server (or the one-process application) hears sensors. A seat's service is fed the server's view over
the bus (:meth:`SensorService.apply_remote`, from ``cc/v1/sensors/{id}/state``) for its map layer and report, and
judges nothing itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commandcenter.cases.changes import collector_of
from commandcenter.cases.service import CaseService
from commandcenter.cases.workflow import OPEN_STATUSES
from commandcenter.config import SensorConfig, SensorRuleConfig
from commandcenter.geo.zones import point_in_polygon
from commandcenter.mapdata.zoneshapes import MapZone
from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer
from commandcenter.sensors.rules import RuleEvent, RuleTracker, SensorRule
from commandcenter.sensors.tables import BUCKET_S, RETENTION_DAYS, SensorReadingRow
from commandcenter.store import Store
from commandcenter.store.models import Case, CaseEvent
from devices.sensor import SensorBadRead, SensorReading

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0
OFFLINE_PERIODS = 3.0  # silent this many periods → offline
SOURCE = "sensor"  # the cases' source (cases.by_source)
CHANNEL = "sensor-iot"  # the intake channel the cases are opened as
MEASURE_LABELS = {"fill": "满溢度", "nh3": "氨气", "h2s": "硫化氢", "noise": "噪声", "battery": "电量",
                  "occupancy": "使用人数", "weight": "重量", "temp": "温度", "humidity": "湿度"}


@dataclass(frozen=True, slots=True)
class SensorInfo:
    """What the configuration says about one sensor."""

    id: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    period_s: float
    camera: str = ""
    units: dict[str, str] = field(default_factory=dict)  # measure → unit ("%", "ppm")


@dataclass(frozen=True, slots=True)
class SensorSnapshot:
    """One sensor as the map and the health report show it."""

    id: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    state: str  # "unknown" (nothing heard yet) | "online" | "offline"
    values: dict[str, float]
    units: dict[str, str]
    bad_reads: int
    alarm: bool
    last_reading_at: float | None
    alarms: tuple[str, ...] = ()  # the rules in alarm ("fill > 80")


@dataclass
class _Status:
    info: SensorInfo
    state: str = "unknown"
    values: dict[str, float] = field(default_factory=dict)
    last_seen: float | None = None  # wall time the last reading arrived
    bad_reads: int = 0
    last_bad: str = ""
    remote_alarms: tuple[str, ...] | None = None  # a seat: the rules in alarm as the server said (None: ours)


@dataclass(frozen=True, slots=True)
class RemoteSensor:
    """One sensor as the server last published it on the bus (``cc/v1/sensors/{id}/state``): what a seat shows.
    Carries the sensor's name, place and units too, so a seat whose configuration lists no sensors shows them."""

    id: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    units: dict[str, str]
    state: str
    values: dict[str, float]
    bad_reads: int
    alarms: tuple[str, ...]  # the rules in alarm ("fill > 80"); empty: no alarm
    last_reading_at: float | None  # unix time the server last heard the sensor


@dataclass
class _Bucket:
    start: float
    total: float = 0.0
    low: float = float("inf")
    high: float = float("-inf")
    count: int = 0

    def add(self, value: float) -> None:
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        self.count += 1


@dataclass
class _Episode:
    external_id: str
    last_note: float  # reading time of the last note (or the raise)


def sensor_infos(configs: Sequence[SensorConfig]) -> list[SensorInfo]:
    return [SensorInfo(id=s.id, name=s.name or s.id, kind=s.kind, lat=s.lat, lon=s.lon, period_s=s.period_s,
                       camera=s.camera, units={r.measure: r.unit for r in s.registers}) for s in configs]


def sensor_rules(configs: Sequence[SensorRuleConfig]) -> list[SensorRule]:
    return [SensorRule(index=i, measure=r.measure, category=r.category, above=r.above, clear_below=r.clear_below,
                       below=r.below, clear_above=r.clear_above, for_s=r.for_s, kinds=tuple(r.kinds),
                       zone_kinds=tuple(r.zone_kinds)) for i, r in enumerate(configs)]


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}秒"
    if seconds < 7200:
        return f"{seconds / 60:.0f}分钟"
    return f"{seconds / 3600:.1f}小时"


def episode_id(sensor_id: str, rule: SensorRule, start: float) -> str:
    """The alarm episode's case external id: unique per sensor, rule and raise time; found again after a restart."""
    return f"sensor:{sensor_id}:{rule.index}:{int(start)}"


class SensorService(QObject):
    """Sensor state, history, alarm rules and their cases (see the module docstring)."""

    changed = Signal()  # values or states changed (models coalesce)
    alarm = Signal(str, str, str)  # sensor id, severity ("alarm" | "warning" | "info"), text for the events dock

    def __init__(self, sensors: Sequence[SensorInfo], rules: Sequence[SensorRule], store: Store, cases: CaseService,
                 *, zones: Sequence[MapZone] = (), clock: Callable[[], float] = time.time,
                 note_every_s: float = 1800.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.cases = cases
        self.clock = clock
        self.note_every_s = note_every_s
        self._status = {s.id: _Status(s) for s in sensors}
        self._applicable = {s.id: [r for r in rules if self._applies(r, s, zones)] for s in sensors}
        self.tracker = RuleTracker(list(rules))
        self._episodes: dict[tuple[str, int], _Episode] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._closed: list[SensorReadingRow] = []
        self.unknown_readings = 0
        self._pruned_at = float("-inf")  # the retention sweep runs with the first write, then hourly
        self.started_at = clock()
        self._timer = PhasedTimer(1000, PHASES_MS["sensors.silence"], self.tick, self)

    @staticmethod
    def _applies(rule: SensorRule, sensor: SensorInfo, zones: Sequence[MapZone]) -> bool:
        if rule.kinds and sensor.kind not in rule.kinds:
            return False
        if not rule.zone_kinds:
            return True
        if sensor.lat is None or sensor.lon is None:
            return False
        return any(z.kind in rule.zone_kinds and point_in_polygon(sensor.lat, sensor.lon, z.ring) for z in zones)

    # ------------------------------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Pick up alarm episodes whose cases are still open, then watch for silent sensors every second."""
        self.started_at = self.clock()
        for (sensor_id, rule_index), (external_id, since) in self.store.read(self._open_episodes).items():
            self.tracker.restore(sensor_id, rule_index, since)
            self._episodes[(sensor_id, rule_index)] = _Episode(external_id, since)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.flush_history(everything=True)

    def _open_episodes(self, session: Session) -> dict[tuple[str, int], tuple[str, float]]:
        found: dict[tuple[str, int], tuple[str, float]] = {}
        rows = session.execute(select(Case.external_id).where(Case.source == SOURCE, Case.external_id.like("sensor:%"),
                                                              Case.status.in_(OPEN_STATUSES)))
        for (external_id,) in rows:
            parts = str(external_id).split(":")
            if len(parts) == 4 and parts[1] in self._status and parts[2].isdigit() and parts[3].isdigit():
                found[(parts[1], int(parts[2]))] = (str(external_id), float(parts[3]))
        return found

    # ------------------------------------------------------------------------------------------ readings
    def handle(self, batch: list[Any]) -> None:
        """One batch of adapter events (the DeviceManager's ``events``): readings and bad reads of our sensors."""
        touched = False
        for event in batch:
            if isinstance(event, SensorReading):
                touched = self._reading(event) or touched
            elif isinstance(event, SensorBadRead):
                status = self._status.get(event.sensor_id)
                if status is not None:
                    status.bad_reads += 1
                    status.last_bad = f"{event.reason}: {event.detail}" if event.detail else event.reason
                    touched = True
        if touched:
            self.changed.emit()
            self.flush_history()

    def _reading(self, reading: SensorReading) -> bool:
        status = self._status.get(reading.sensor_id)
        if status is None:
            self.unknown_readings += 1
            return False
        status.values.update(reading.values)
        status.last_seen = self.clock()
        if status.state != "online":
            if status.state == "offline":
                self._say(status.info, "info", f"传感器 {status.info.name} 恢复在线")
            status.state = "online"
        for measure, value in reading.values.items():
            self._add_to_history(reading.sensor_id, measure, value, reading.time)
        for event in self.tracker.apply(reading.sensor_id, self._applicable[reading.sensor_id], reading.values,
                                        reading.time):
            self._on_rule(status.info, event)
        return True

    def tick(self) -> None:
        """Once a second: a sensor silent for OFFLINE_PERIODS periods goes offline with a maintenance alarm."""
        now = self.clock()
        went = False
        for status in self._status.values():
            heard = status.last_seen if status.last_seen is not None else self.started_at
            if status.state != "offline" and now - heard > OFFLINE_PERIODS * status.info.period_s:
                status.state = "offline"
                went = True
                silent = f"{now - heard:.0f} s" if status.last_seen is not None else "自启动以来"
                self._say(status.info, "alarm", f"传感器 {status.info.name} 离线（{silent}无数据），请安排维护")
        if went:
            self.changed.emit()

    def _say(self, info: SensorInfo, severity: str, text: str) -> None:
        self.alarm.emit(info.id, severity, text)

    def apply_remote(self, updates: Sequence[RemoteSensor]) -> None:
        """A seat: the server's view of its sensors (from the bus) replaces ours, for the map layer and the
        report. No history is written, no rule runs and no alarm is raised here: the server did all that once."""
        for update in updates:
            status = self._status.get(update.id)
            if status is None:
                info = SensorInfo(id=update.id, name=update.name or update.id, kind=update.kind, lat=update.lat,
                                  lon=update.lon, period_s=60.0, units=dict(update.units))
                status = self._status[update.id] = _Status(info)
                self._applicable[update.id] = []
            status.state = update.state
            status.values = dict(update.values)
            status.bad_reads = update.bad_reads
            status.last_seen = update.last_reading_at
            status.remote_alarms = tuple(update.alarms)
        if updates:
            self.changed.emit()

    # ------------------------------------------------------------------------------------------ alarms → cases
    def _on_rule(self, info: SensorInfo, event: RuleEvent) -> None:
        rule = event.rule
        key = (info.id, rule.index)
        label = MEASURE_LABELS.get(rule.measure, rule.measure)
        unit = info.units.get(rule.measure, "")
        value = f"{event.value:g}{unit}"
        if event.transition == "raised":
            external_id = episode_id(info.id, rule, event.episode_start)
            self._episodes[key] = _Episode(external_id, event.time)
            text = f"{info.kind}{info.name}{label}{value}（{rule.describe()}{unit}，持续{rule.for_s:g}秒）"
            self._say(info, "alarm", f"传感器告警：{text}")
            self._open_case(info, rule, external_id, text)
            self.changed.emit()
            return
        episode = self._episodes.get(key)
        if episode is None:
            return
        if event.transition == "cleared":
            del self._episodes[key]
            self._say(info, "info", f"传感器告警解除：{info.name}{label}{value}")
            self._note(episode.external_id, f"告警解除：{label}回落至{value}", {"value": event.value, "cleared": True})
            self.changed.emit()
        elif event.time - episode.last_note >= self.note_every_s:
            episode.last_note = event.time
            self._note(episode.external_id, f"告警持续{_duration(event.time - event.episode_start)}：{label}{value}",
                       {"value": event.value})

    def _open_case(self, info: SensorInfo, rule: SensorRule, external_id: str, text: str) -> None:
        if info.lat is None or info.lon is None:
            self._say(info, "warning", f"传感器 {info.name} 没有配置位置（lat/lon），告警未能立案")
            return
        try:
            operation = self.cases.intake_event(SOURCE, rule.category, info.lat, info.lon, text,
                                                camera_id=info.camera or None, actor=CHANNEL, external_id=external_id,
                                                dispatch_by_flag=True)
        except Exception as exc:  # an unknown category, a refused permission: say so, keep watching
            log.exception("sensor %s: opening a case failed", info.id)
            self._say(info, "warning", f"传感器 {info.name} 告警立案失败：{exc}")
            return

        def done(future: Any) -> None:
            if future.exception() is not None:
                log.error("sensor %s: case for %s not stored: %s", info.id, external_id, future.exception())

        operation.add_done_callback(done)

    def _note(self, external_id: str, note: str, data: dict[str, Any]) -> None:
        """A note on the episode's case (found by external id on the writer, so it follows the case's creation)."""

        def job(session: Session) -> str:
            row = session.scalar(select(Case).where(Case.source == SOURCE, Case.external_id == external_id))
            if row is None:
                return ""
            now = self.cases.clock()
            session.add(CaseEvent(case_id=row.id, time=now, actor=CHANNEL, action="sensor", from_status=row.status,
                                  to_status=row.status, note=note, data={**data, "episode": external_id}))
            self.cases.core.audit(session, CHANNEL, "case.sensor_note", row.code, {"note": note})
            row.updated_at = now
            collector_of(session).case(row.id, row.code)
            return row.code

        self.cases.submit("sensor_note", job)

    # ------------------------------------------------------------------------------------------ history
    def _add_to_history(self, sensor_id: str, measure: str, value: float, when: float) -> None:
        start = when - when % BUCKET_S
        bucket = self._buckets.get((sensor_id, measure))
        if bucket is not None and bucket.start != start:
            self._closed.append(self._row(sensor_id, measure, bucket))
            bucket = None
        if bucket is None:
            bucket = self._buckets[(sensor_id, measure)] = _Bucket(start)
        bucket.add(value)

    @staticmethod
    def _row(sensor_id: str, measure: str, bucket: _Bucket) -> SensorReadingRow:
        return SensorReadingRow(sensor_id=sensor_id, measure=measure, at=datetime.fromtimestamp(bucket.start, UTC),
                                mean=round(bucket.total / bucket.count, 4), min=bucket.low, max=bucket.high,
                                count=bucket.count)

    def flush_history(self, *, everything: bool = False) -> None:
        """Write the closed buckets (``everything``: the open ones too, at exit) and drop what is past retention."""
        if everything:
            self._closed += [self._row(s, m, b) for (s, m), b in self._buckets.items()]
            self._buckets.clear()
        if not self._closed:
            return
        rows, self._closed = self._closed, []
        now = self.clock()
        prune = now - self._pruned_at >= PRUNE_EVERY_S
        if prune:
            self._pruned_at = now
        cutoff = datetime.fromtimestamp(now, UTC) - timedelta(days=RETENTION_DAYS)

        def job(session: Session) -> int:
            session.add_all(rows)
            if prune:
                session.execute(delete(SensorReadingRow).where(SensorReadingRow.at < cutoff))
            return len(rows)

        self.store.submit(job)

    def history(self, sensor_id: str, measure: str, hours: float = 24.0) -> list[tuple[float, float]]:
        """(unix time, mean) of the last ``hours`` of one measure, the open bucket included. Reads the database:
        run it off the GUI thread (TaskManager)."""
        since = datetime.fromtimestamp(self.clock() - hours * 3600.0, UTC)

        def query(session: Session) -> list[tuple[float, float]]:
            rows = session.execute(select(SensorReadingRow.at, SensorReadingRow.mean)
                                   .where(SensorReadingRow.sensor_id == sensor_id, SensorReadingRow.measure == measure,
                                          SensorReadingRow.at >= since).order_by(SensorReadingRow.at))
            return [(at.timestamp(), float(mean)) for at, mean in rows]

        points = self.store.read(query)
        pending = [row for row in list(self._closed) if row.sensor_id == sensor_id and row.measure == measure]
        points += [(row.at.timestamp(), row.mean) for row in pending]
        bucket = self._buckets.get((sensor_id, measure))
        if bucket is not None and bucket.count:
            points.append((bucket.start, bucket.total / bucket.count))
        return sorted(set(points))

    # ------------------------------------------------------------------------------------------ views
    def snapshot(self) -> list[SensorSnapshot]:
        out = []
        for status in self._status.values():
            info = status.info
            alarms = (status.remote_alarms if status.remote_alarms is not None
                      else tuple(r.describe() for r in self.tracker.active(info.id)))
            out.append(SensorSnapshot(id=info.id, name=info.name, kind=info.kind, lat=info.lat, lon=info.lon,
                                      state=status.state, values=dict(status.values), units=dict(info.units),
                                      bad_reads=status.bad_reads, alarm=bool(alarms), last_reading_at=status.last_seen,
                                      alarms=alarms))
        return out

    def threshold(self, sensor_id: str, measure: str) -> float | None:
        """The lowest ``above`` threshold of the rules watching this measure of this sensor (for the map's colours)."""
        limits = [r.above for r in self._applicable.get(sensor_id, ()) if r.measure == measure and r.above is not None]
        return min(limits) if limits else None

    def report(self) -> list[dict[str, Any]]:
        """The health report's ``sensors`` section: id, kind, state, values, bad_reads, alarm."""
        return [{"id": s.id, "kind": s.kind, "state": s.state, "values": s.values, "bad_reads": s.bad_reads,
                 "alarm": s.alarm} for s in self.snapshot()]
