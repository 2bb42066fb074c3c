"""The bridges between one process's core services and the bus (``docs/bus.md``).

- :class:`CaseBridge` (both roles): the case changes and unit statuses this process committed go out; those
  another process committed come in and are announced here as if local (``operation`` prefixed ``bus:``, never
  published again), so the dispatch feed re-reads the database. After a gap it re-reads what changed meanwhile.
- :class:`ServerPublisher` (the server): positions, drone telemetry, device health, sensor states, the camera-AI
  health section, camera alarms, events-dock lines, its own status (retained, with an "offline" last will) and a heartbeat each second.
- :class:`SeatSubscriber` (a seat): feeds what the server publishes into the seat's tracker, fleet, sensors, health
  report, wall and events dock; says whether the server is online (its heartbeat) and resynchronises from the database
  after any gap.

Wire them with :func:`attach_server` / :func:`attach_seat` after ``build()`` and before ``services.start()``.
"""

from __future__ import annotations

import logging
import time
import uuid
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter import __version__
from commandcenter.bus import topics
from commandcenter.bus.api import Bus, BusMessage, BusState, JsonObject, JsonValue
from commandcenter.bus.payloads import (
    PayloadError,
    drone_from,
    drone_payload,
    integers,
    json_list,
    json_safe,
    now_iso,
    position_from,
    position_payload,
    sensor_from,
    sensor_payload,
    strings,
    text,
)
from commandcenter.bus.resync import ChangedCases, changed_cases, highest_case_id, latest_positions
from commandcenter.cases.changes import CaseChanges
from commandcenter.domain import UnitPosition
from commandcenter.runtime.compose import Services
from commandcenter.runtime.tasks import GuiBridge, TasksStopped

log = logging.getLogger(__name__)

REMOTE = "bus:"  # operation prefix of case changes heard on the bus (announced locally, never published again)
HEARTBEAT_MS = 1000
SERVER_TIMEOUT_S = 3.0  # a seat calls the server offline this long after its last heartbeat
POSITIONS_PER_MESSAGE = 500  # ≈ 130 kB: within any broker's default packet limit (EMQX: 1 MB)
RETAIN_REFRESH_S = 30.0  # a unit's retained position is refreshed at most this often …
# … and at most this many each second (one MQTT message each, ~0.1 ms of paho CPU on each end): 10,000 units
# are refreshed every 40 s at 250 messages a second, not 1,000 (the live stream carries every fix anyway)
RETAINED_PER_ROUND = 250
SENSOR_COALESCE_MS = 250  # sensor changes within this make one round: at most 4 messages a second per sensor
DEVICE_HEALTH_MS = 5000  # device health is republished this often (and at once when a device changes state)
CLOCK_MARGIN = timedelta(seconds=60)  # a catch-up reads a little before the gap: clocks of two machines differ
RETAINED_SETTLE_MS = 500  # after connecting, the broker's retained values have arrived by then (loopback, LAN)
ATTACHED = "bus"  # the key of Services.extra holding the attached bridge


class _Refusals:
    """Counts and logs payloads that do not fit their topic (a bridge never raises into the bus)."""

    def __init__(self, who: str) -> None:
        self.who = who
        self.count = 0

    def __call__(self, message: BusMessage, exc: Exception) -> None:
        self.count += 1
        log.warning("%s: refused a payload on %s: %s", self.who, message.topic, exc)


def origin_of(bus: Bus) -> str:
    """The ``origin`` of what one process's bridges publish: the bus client and a per-bridge suffix, so that a
    server and a seat sharing one in-process bus (the hall in one process) still tell their messages apart."""
    return f"{bus.client_id}/{uuid.uuid4().hex[:8]}"


def _topic(make: Callable[[str], str], ident: str) -> str | None:
    """A topic from an id, or None (logged) when the id cannot be a topic level."""
    try:
        return make(ident)
    except ValueError as exc:
        log.warning("not published on the bus: %s", exc)
        return None


# ============================================================================================== both roles
class CaseBridge(QObject):
    """Case changes and unit statuses between this process and the others on the bus."""

    caught_up = Signal(object)  # ChangedCases re-read from the database after a gap

    def __init__(self, services: Services, bus: Bus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.refused = _Refusals("case bridge")
        self.origin = origin_of(bus)
        self._tasks = GuiBridge(services.tasks, self)
        self._watermark = 0  # the highest case id this process has seen
        self._gap_since: datetime | None = None
        self.heard = 0
        services.cases.announcer.changed.connect(self._on_local_changes)
        services.unit_status.status_changed.connect(self._on_local_status)
        services.cases.core.unit_listeners.append(self._on_case_unit_change)  # the writer thread: publish only
        bus.subscribe(topics.CASES, self._on_cases)
        bus.subscribe(topics.UNIT_STATUSES, self._on_statuses)
        bus.state_changed.connect(self._on_bus_state)
        bus.resynced.connect(lambda: self.catch_up())

    def start(self) -> None:
        self._run(lambda: highest_case_id(self.services.store), self._set_watermark)

    # -- out -----------------------------------------------------------------------------------------------
    def _on_local_changes(self, changes: CaseChanges) -> None:
        if changes.operation.startswith(REMOTE):
            return
        self._watermark = max([self._watermark, *changes.case_ids])
        for code in sorted(changes.codes):
            topic = _topic(topics.case, code)
            if topic is not None:
                self.bus.publish(topic, {
                    "code": code, "operation": changes.operation, "case_ids": json_list(changes.case_ids),
                    "codes": json_list(changes.codes), "units": json_list(changes.units), "origin": self.origin,
                    "at": now_iso()}, qos=1)

    def _on_local_status(self, unit_id: str, status: str) -> None:
        topic = _topic(topics.unit_status, unit_id)
        if topic is not None:
            self.bus.publish(topic, {"id": unit_id, "status": status, "origin": self.origin, "at": now_iso()},
                             retain=True, qos=1)

    def _on_case_unit_change(self, unit_id: str, status: str | None, _delta: int) -> None:
        if status is not None:
            self._on_local_status(unit_id, status)

    # -- in ------------------------------------------------------------------------------------------------
    def _on_cases(self, batch: list[BusMessage]) -> None:
        case_ids: set[int] = set()
        codes: set[str] = set()
        units: set[str] = set()
        operations: set[str] = set()
        for message in batch:
            try:
                if text(message.payload, "origin", "") == self.origin:
                    continue  # our own change, already announced here
                codes.add(text(message.payload, "code"))
                codes.update(strings(message.payload, "codes"))
                case_ids.update(integers(message.payload, "case_ids"))
                units.update(strings(message.payload, "units"))
                operations.add(text(message.payload, "operation", "change"))
            except PayloadError as exc:
                self.refused(message, exc)
        if not codes:
            return
        self.heard += 1
        self._watermark = max([self._watermark, *case_ids])
        operation = operations.pop() if len(operations) == 1 else "changes"
        self.services.cases.announcer.announce(
            CaseChanges(REMOTE + operation, frozenset(case_ids), frozenset(codes), frozenset(units)))

    def _on_statuses(self, batch: list[BusMessage]) -> None:
        """Statuses set elsewhere: on the map and in the recommender at once, and announced as changed units so
        the unit board re-reads them (as it does after a status set here)."""
        changed: set[str] = set()
        for message in batch:
            try:
                if text(message.payload, "origin", "") == self.origin:
                    continue
                unit_id, status = text(message.payload, "id"), text(message.payload, "status")
            except PayloadError as exc:
                self.refused(message, exc)
                continue
            self.services.tracker.set_status(unit_id, status)
            self.services.cases.dispatcher.note_status(unit_id, status)
            if not message.retained:  # retained ones are the picture on connecting, not news
                changed.add(unit_id)
        if changed:
            self.services.cases.announcer.announce(CaseChanges(REMOTE + "unit.status", units=frozenset(changed)))

    # -- gaps ----------------------------------------------------------------------------------------------
    def _on_bus_state(self, state: BusState) -> None:
        if state is BusState.OFFLINE and self._gap_since is None:
            self._gap_since = datetime.now(UTC)

    def note_gap(self, since: datetime) -> None:
        """Another part noticed a gap (a seat: the server was offline since ``since``)."""
        if self._gap_since is None or since < self._gap_since:
            self._gap_since = since

    def catch_up(self) -> None:
        """Re-read the cases changed during the gap (and any created since the watermark) and announce them."""
        since = self._gap_since - CLOCK_MARGIN if self._gap_since is not None else None
        self._gap_since = None
        after = self._watermark
        self._run(lambda: changed_cases(self.services.store, since, after), self._caught_up)

    def _caught_up(self, changed: ChangedCases) -> None:
        self._set_watermark(changed.highest_id)
        if changed.codes:
            self.services.cases.announcer.announce(
                CaseChanges(REMOTE + "resync", changed.case_ids, changed.codes))
        self.caught_up.emit(changed)

    def _set_watermark(self, highest: int) -> None:
        self._watermark = max(self._watermark, highest)

    def _run(self, read: Callable[[], Any], done: Callable[[Any], None]) -> None:
        try:
            self._tasks.run(read, done, lambda exc: log.warning("bus catch-up read failed: %s", exc))
        except TasksStopped:
            pass  # shutting down


# ============================================================================================== the server
class ServerPublisher(QObject):
    """Publishes the server's live state; see the module docstring."""

    def __init__(self, services: Services, bus: Bus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.cases = CaseBridge(services, bus, self)
        self.heartbeats = 0
        self.started_at = ""
        self._unretained: dict[str, UnitPosition] = {}  # moved since their retained value was last refreshed
        self._retained_at: dict[str, float] = {}  # unit id → monotonic time of its last retained publish
        bus.set_last_will(topics.SERVER_STATUS, {"state": "offline", "client_id": bus.client_id,
                                                 "reason": "vanished"})
        services.tracker.changed.connect(self._on_positions)
        services.fleet.changed.connect(self._on_drones)
        services.events.camera_alarm.connect(self._on_camera_alarm)
        services.events.event_logged.connect(self._on_event)
        services.devices.state_changed.connect(self._on_device_state)
        services.sensors.changed.connect(self._on_sensors)
        bus.state_changed.connect(self._on_bus_state)
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(HEARTBEAT_MS)
        self._heartbeat.timeout.connect(self._beat)
        self._heartbeat.timeout.connect(self.refresh_retained)
        self._device_timer = QTimer(self)
        self._device_timer.setInterval(DEVICE_HEALTH_MS)
        self._device_timer.timeout.connect(self.publish_devices)
        self._device_soon = QTimer(self)
        self._device_soon.setSingleShot(True)
        self._device_soon.setInterval(100)  # devices changing together make one round
        self._device_soon.timeout.connect(self.publish_devices)
        self._sensor_sent: dict[str, tuple[object, ...]] = {}  # sensor id → what its last message said
        self._sensors_soon = QTimer(self)
        self._sensors_soon.setSingleShot(True)
        self._sensors_soon.setInterval(SENSOR_COALESCE_MS)
        self._sensors_soon.timeout.connect(self.publish_sensors)
        services.health.register("bus", self.report)

    def start(self) -> None:
        self.started_at = now_iso()
        self.cases.start()
        self.bus.start()
        self._heartbeat.start()
        self._device_timer.start()

    def stop(self) -> None:
        """Say "offline" (retained) and disconnect cleanly: seats show 服务器离线 at once."""
        self._heartbeat.stop()
        self._device_timer.stop()
        self._device_soon.stop()
        self._sensors_soon.stop()
        if self.bus.state is BusState.CONNECTED:
            self.bus.publish(topics.SERVER_STATUS, self._status("offline"), retain=True, qos=1)
        self.bus.stop()

    def report(self) -> dict[str, JsonValue]:
        """The health report's ``bus`` section."""
        return {**self.bus.health(), "role": "server", "heartbeats": self.heartbeats,
                "refused_payloads": self.cases.refused.count}

    # -- state ---------------------------------------------------------------------------------------------
    def _status(self, state: str) -> JsonObject:
        return {"state": state, "since": self.started_at if state == "online" else now_iso(),
                "client_id": self.bus.client_id, "version": __version__}

    def _on_bus_state(self, state: BusState) -> None:
        if state is BusState.CONNECTED:  # first connect and every reconnect: the whole picture again
            self.publish_everything()

    def publish_everything(self) -> None:
        """Status, every position, drone, device and sensor: what a broker that lost its retained values needs."""
        self.bus.publish(topics.SERVER_STATUS, self._status("online"), retain=True, qos=1)
        self._retained_at.clear()  # every retained position again (the broker may have restarted without them)
        self._on_positions(list(self.services.tracker.snapshot().values()))
        self._on_drones(self.services.fleet.ids())
        self.publish_devices()
        self._sensor_sent.clear()
        self.publish_sensors()

    def _beat(self) -> None:
        self.heartbeats += 1
        self.bus.publish(topics.SERVER_HEARTBEAT, {"seq": self.heartbeats, "at": now_iso(),
                                                   "client_id": self.bus.client_id})

    # -- live state ----------------------------------------------------------------------------------------
    def _on_positions(self, moved: list[UnitPosition]) -> None:
        """The live stream: one message per round (per ``POSITIONS_PER_MESSAGE``); the retained per-unit values
        follow within ``RETAIN_REFRESH_S`` (:meth:`refresh_retained`)."""
        if not moved:
            return
        payloads: list[JsonValue] = [position_payload(pos) for pos in moved]
        at = now_iso()
        for start in range(0, len(payloads), POSITIONS_PER_MESSAGE):
            self.bus.publish(topics.POSITIONS, {"positions": payloads[start:start + POSITIONS_PER_MESSAGE],
                                                "at": at})
        for pos in moved:
            self._unretained[pos.id] = pos

    def refresh_retained(self) -> None:
        """Each unit's retained position, at most every ``RETAIN_REFRESH_S`` and ``RETAINED_PER_ROUND`` per
        round: what a seat that connects later gets first (it reads the database as well)."""
        now = time.monotonic()
        budget = RETAINED_PER_ROUND
        for unit_id in list(self._unretained):
            if budget <= 0:
                break
            if now - self._retained_at.get(unit_id, -RETAIN_REFRESH_S) < RETAIN_REFRESH_S:
                continue
            pos = self._unretained.pop(unit_id)
            self._retained_at[unit_id] = now
            topic = _topic(topics.unit_position, unit_id)
            if topic is not None:
                self.bus.publish(topic, position_payload(pos), retain=True)
                budget -= 1

    def _on_drones(self, ids: list[str]) -> None:
        fleet = self.services.fleet
        for drone_id in ids:
            topic = _topic(topics.drone_telemetry, drone_id)
            if topic is None:
                continue
            route = fleet.route(drone_id)
            self.bus.publish(topic, drone_payload(drone_id, fleet.name(drone_id), route[1] if route else 0,
                                                  fleet.link(drone_id), fleet.state(drone_id)), retain=True)

    def _on_device_state(self, _device_id: str, _state: str) -> None:
        if not self._device_soon.isActive():
            self._device_soon.start()

    def publish_devices(self) -> None:
        for entry in self.services.devices.report():
            topic = _topic(topics.device_health, str(entry["id"]))
            payload = json_safe(entry)
            if topic is not None and isinstance(payload, dict):
                self.bus.publish(topic, payload, retain=True, qos=1)
        if self.services.camera_ai is not None:
            section = json_safe(self.services.camera_ai.report())
            if isinstance(section, dict):
                self.bus.publish(topics.CAMERA_AI_HEALTH, section, retain=True, qos=1)

    def _on_sensors(self) -> None:
        if not self._sensors_soon.isActive():
            self._sensors_soon.start()

    def publish_sensors(self) -> None:
        """The sensors whose state, values, bad reads or alarm changed since their last message (retained: a
        seat connecting later gets every sensor's latest at once)."""
        for sensor in self.services.sensors.snapshot():
            said = (sensor.state, tuple(sorted(sensor.values.items())), sensor.bad_reads, sensor.alarms)
            if self._sensor_sent.get(sensor.id) == said:
                continue
            topic = _topic(topics.sensor_state, sensor.id)
            if topic is not None:
                self._sensor_sent[sensor.id] = said
                self.bus.publish(topic, sensor_payload(sensor), retain=True, qos=1)

    def _on_camera_alarm(self, camera_id: str, text_: str) -> None:
        topic = _topic(lambda ident: topics.alarm("camera", ident), camera_id)
        if topic is not None:
            self.bus.publish(topic, {"kind": "camera", "source_id": camera_id, "text": text_,
                                     "origin": self.cases.origin, "at": now_iso()}, qos=1)

    def _on_event(self, severity: str, text_: str) -> None:
        self.bus.publish(topics.EVENTS, {"severity": severity, "text": text_, "origin": self.cases.origin,
                                         "at": now_iso()}, qos=1)


# ============================================================================================== a seat
class SeatSubscriber(QObject):
    """Feeds the server's live state into a seat's services; says whether the server is online."""

    server_state_changed = Signal(str)  # "online" | "offline"
    resynced = Signal()  # the seat re-read positions (and cases) from the database after a gap
    first_picture = Signal()  # once: stored positions read and the broker's retained values delivered

    def __init__(self, services: Services, bus: Bus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bus = bus
        self.cases = CaseBridge(services, bus, self)
        self.refused = _Refusals("seat subscriber")
        self._tasks = GuiBridge(services.tasks, self)
        self._devices: dict[str, JsonObject] = {}
        self._camera_ai: JsonObject | None = None  # the server's camera_ai section, once heard
        self._server_state = "offline"
        self._last_seen = 0.0  # monotonic time of the server's last sign of life
        self._offline_since: datetime | None = None
        self._ever_online = False
        self.resyncs = 0
        self.last_resync_at = ""
        self.ready = False  # see first_picture
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(RETAINED_SETTLE_MS)
        self._settle.timeout.connect(self._picture_complete)
        bus.subscribe(topics.UNIT_POSITIONS, self._on_positions)
        bus.subscribe(topics.POSITIONS, self._on_position_stream)
        bus.subscribe(topics.DRONE_TELEMETRY, self._on_drones)
        bus.subscribe(topics.DEVICE_HEALTH, self._on_devices)
        bus.subscribe(topics.SENSOR_STATES, self._on_sensors)
        bus.subscribe(topics.CAMERA_AI_HEALTH, self._on_camera_ai)
        bus.subscribe(topics.ALARMS, self._on_alarms)
        bus.subscribe(topics.EVENTS, self._on_events)
        bus.subscribe(topics.SERVER_STATUS, self._on_server_status)
        bus.subscribe(topics.SERVER_HEARTBEAT, self._on_heartbeat)
        bus.resynced.connect(self.resync_positions)
        bus.state_changed.connect(lambda _state: self._check_picture())
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(250)
        self._watchdog.timeout.connect(self._check_server)
        services.health.replace("devices", self.devices_report)
        services.health.register("bus", self.report)

    def start(self) -> None:
        self.cases.start()
        self.bus.start()
        self._watchdog.start()
        self.resync_positions()  # the last stored positions, before the bus brings newer ones

    def stop(self) -> None:
        self._watchdog.stop()
        self.bus.stop()

    @property
    def server_state(self) -> str:
        return self._server_state

    @property
    def bus_state(self) -> BusState:
        return self.bus.state

    def report(self) -> dict[str, JsonValue]:
        """The health report's ``bus`` section."""
        return {**self.bus.health(), "role": "seat", "server": self._server_state, "resyncs": self.resyncs,
                "last_resync_at": self.last_resync_at,
                "refused_payloads": self.refused.count + self.cases.refused.count}

    def devices_report(self) -> list[dict[str, Any]]:
        """The report's ``devices`` section: the seat's own links (normally none) and the server's devices."""
        own = self.services.devices.report()
        mine = {entry["id"] for entry in own}
        return own + [dict(entry) for ident, entry in sorted(self._devices.items()) if ident not in mine]

    # -- the server's life ---------------------------------------------------------------------------------
    def _on_heartbeat(self, _batch: list[BusMessage]) -> None:
        self._alive()

    def _on_server_status(self, batch: list[BusMessage]) -> None:
        for message in batch:
            state = message.payload.get("state")
            if state == "offline":
                self._set_server_state("offline", datetime.now(UTC))
            elif state == "online" and not message.retained:  # a retained "online" proves nothing
                self._alive()

    def _alive(self) -> None:
        self._last_seen = time.monotonic()
        if self._server_state != "online":
            came_back = self._ever_online
            self._ever_online = True
            since = self._offline_since
            self._set_server_state("online", None)
            if came_back:
                if since is not None:
                    self.cases.note_gap(since)
                self.cases.catch_up()
                self.resync_positions()

    def _check_server(self) -> None:
        if self._server_state == "online" and time.monotonic() - self._last_seen > SERVER_TIMEOUT_S:
            silent = time.monotonic() - self._last_seen
            self._set_server_state("offline", datetime.now(UTC) - timedelta(seconds=silent))

    def _set_server_state(self, state: str, since: datetime | None) -> None:
        if state == self._server_state:
            return
        self._server_state = state
        self._offline_since = since if state == "offline" else None
        log.log(logging.WARNING if state == "offline" else logging.INFO, "seat: the server is %s", state)
        self.server_state_changed.emit(state)

    # -- the server's live state ---------------------------------------------------------------------------
    def _on_positions(self, batch: list[BusMessage]) -> None:
        """The retained per-unit positions (on connecting) and their slow refreshes."""
        positions: list[UnitPosition] = []
        for message in batch:
            if not message.payload:
                continue  # a cleared retained position
            try:
                positions.append(position_from(message.payload))
            except PayloadError as exc:
                self.refused(message, exc)
        if positions:
            self.services.tracker.apply_remote(positions)

    def _on_position_stream(self, batch: list[BusMessage]) -> None:
        """The live stream: a list of positions per message."""
        positions: list[UnitPosition] = []
        for message in batch:
            items = message.payload.get("positions")
            if not isinstance(items, list):
                self.refused(message, PayloadError(f"field 'positions': expected a list, got {items!r:.80}"))
                continue
            for item in items:
                try:
                    if not isinstance(item, dict):
                        raise PayloadError(f"a position: expected an object, got {item!r:.80}")
                    positions.append(position_from(item))
                except PayloadError as exc:
                    self.refused(message, exc)
        if positions:
            self.services.tracker.apply_remote(positions)

    def _on_drones(self, batch: list[BusMessage]) -> None:
        for message in batch:
            try:
                drone_id, name, sysid, link, state = drone_from(message.payload)
            except PayloadError as exc:
                self.refused(message, exc)
                continue
            if state is not None:
                self.services.fleet.apply_remote(drone_id, name or drone_id, sysid, link, state)

    def _on_devices(self, batch: list[BusMessage]) -> None:
        for message in batch:
            ident = message.payload.get("id")
            if not isinstance(ident, str):
                self.refused(message, PayloadError(f"field 'id': expected a string, got {ident!r}"))
                continue
            self._devices[ident] = message.payload

    def _on_sensors(self, batch: list[BusMessage]) -> None:
        updates = []
        for message in batch:
            if not message.payload:
                continue  # a cleared retained state
            try:
                updates.append(sensor_from(message.payload))
            except PayloadError as exc:
                self.refused(message, exc)
        self.services.sensors.apply_remote(updates)

    def _on_camera_ai(self, batch: list[BusMessage]) -> None:
        """The server's ``camera_ai`` section becomes the seat's (a seat runs no AI box of its own)."""
        if not batch or not batch[-1].payload:
            return
        first = self._camera_ai is None
        self._camera_ai = batch[-1].payload
        if first:
            try:
                self.services.health.register("camera_ai", self.camera_ai_report)
            except ValueError:  # the seat's config names [ai] boxes too: they are the server's, and idle here
                self.services.health.replace("camera_ai", self.camera_ai_report)

    def camera_ai_report(self) -> dict[str, Any]:
        """The report's ``camera_ai`` section: the server's, as last published."""
        return dict(self._camera_ai or {})

    def _on_alarms(self, batch: list[BusMessage]) -> None:
        for message in batch:
            if message.retained:
                continue  # an alarm is news, not a state
            try:
                if text(message.payload, "origin", "") == self.cases.origin:
                    continue
                kind, source, what = (text(message.payload, "kind"), text(message.payload, "source_id"),
                                      text(message.payload, "text"))
            except PayloadError as exc:
                self.refused(message, exc)
                continue
            if kind == "camera":
                self.services.events.camera_alarm.emit(source, what)
            else:
                self.services.events.event_logged.emit("alarm", what)

    def _on_events(self, batch: list[BusMessage]) -> None:
        for message in batch:
            try:
                if text(message.payload, "origin", "") == self.cases.origin:
                    continue
                severity, what = text(message.payload, "severity"), text(message.payload, "text")
            except PayloadError as exc:
                self.refused(message, exc)
                continue
            self.services.events.event_logged.emit(severity, what)

    # -- resync --------------------------------------------------------------------------------------------
    def resync_positions(self) -> None:
        """The latest stored position of every unit (newer ones from the bus are kept)."""
        known = {unit.id: unit for unit in self.services.tracker.units()}
        try:
            self._tasks.run(lambda: latest_positions(self.services.store, known), self._resynced,
                            lambda exc: log.warning("seat: re-reading positions failed: %s", exc))
        except TasksStopped:
            pass

    def _resynced(self, positions: list[UnitPosition]) -> None:
        self.services.tracker.apply_remote(positions)
        self.resyncs += 1
        self.last_resync_at = now_iso()
        self.resynced.emit()
        self._check_picture()

    def _check_picture(self) -> None:
        """A headless seat (``snapshot``) writes its report once it has the picture a window would show."""
        if not self.ready and self.resyncs and self.bus.state is BusState.CONNECTED and not self._settle.isActive():
            self._settle.start()

    def _picture_complete(self) -> None:
        if not self.ready and self.bus.state is BusState.CONNECTED:
            self.ready = True
            self.first_picture.emit()


# ============================================================================================== wiring
def _claim(services: Services, bridge: QObject) -> None:
    if ATTACHED in services.extra:
        raise ValueError(f"these services already have a bus bridge ({type(services.extra[ATTACHED]).__name__}): "
                         "one process is a server or a seat, not both")
    services.extra[ATTACHED] = bridge


def attach_server(services: Services, bus: Bus) -> ServerPublisher:
    """Make ``services`` the server on ``bus``: call after ``build()``, before ``services.start()`` (which
    connects the bus; ``services.stop()`` says "offline" and disconnects, before anything else stops)."""
    publisher = ServerPublisher(services, bus, services.events)
    _claim(services, publisher)
    services.lifecycle.add("bus (server)", start=publisher.start, stop=publisher.stop)
    return publisher


def attach_seat(services: Services, bus: Bus) -> SeatSubscriber:
    """Make ``services`` a seat on ``bus``: call after ``build()``, before ``services.start()``."""
    subscriber = SeatSubscriber(services, bus, services.events)
    _claim(services, subscriber)
    # The server watches the geofence and its lines come over the bus; a seat's own geofence would say it twice.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # already disconnected by the seat role's composition
        try:
            services.tracker.changed.disconnect(services.geofence.feed)
        except (RuntimeError, TypeError):
            pass
    services.lifecycle.add("bus (seat)", start=subscriber.start, stop=subscriber.stop)
    return subscriber
