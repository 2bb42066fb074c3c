"""The composition root: ``build(config) -> Services``, the one place that builds every core service.

    adapter → worker thread → batched queued signal (DeviceManager.events) → core services → Qt models → widgets

The GUI (``widgets.app``), the headless tools (``snapshot``), tests and benchmarks all start from the same
:func:`build`; the demo (``commandcenter.demo``) builds on it with a config of its own and adds its simulated
parts to the same lifecycle. No widget is built here, and screens build no services: they get the models from
:class:`Services`.

Every part that runs (listeners, links, pools, timers, the store's writer) is a named entry of one ordered
:class:`Lifecycle`: ``start()`` runs them in order, ``stop()`` stops what was started in reverse order.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.ai.links import ai_links, camera_ai_service, open_ai_cases, touch_ai_case
from commandcenter.ai.service import CameraAiService
from commandcenter.analytics import BriefingModel
from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import CategoryError, CategoryTable
from commandcenter.cases.citizen_media import CitizenMediaFetcher
from commandcenter.cases.escalation import EscalationService
from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.model import CaseView
from commandcenter.cases.open311_backend import CaseOpen311Backend
from commandcenter.cases.report import cases_report
from commandcenter.cases.service import CaseService
from commandcenter.cases.shifts import Shift, load_roster, parse_clock, stored_shifts
from commandcenter.cases.units import UnitStatusService
from commandcenter.config import CameraConfig, Config, ConfigError
from commandcenter.drones.fleet import DroneFleet, LinkCommander
from commandcenter.drones.guarded import DroneCommands
from commandcenter.drones.schedule import PatrolScheduler, ScheduleError
from commandcenter.drones.tasking import DroneTasking
from commandcenter.enforcement.audit import CheckpointService, checkpoint_service
from commandcenter.enforcement.evidence import EvidenceInfo
from commandcenter.enforcement.permissions import OPEN_GATE, PermissionGate
from commandcenter.enforcement.services import EnforcementServices
from commandcenter.field.departments import DepartmentDesk
from commandcenter.field.http import FieldServer
from commandcenter.field.service import FieldService, SosAlarm
from commandcenter.geo.basemap import Basemap, BasemapError, import_geojson, import_osm_xml, validate_basemap
from commandcenter.geo.coords import haversine_m
from commandcenter.geo.district import DISTRICT_CODE, default_unit_grid
from commandcenter.geo.streets import StreetGraph
from commandcenter.geo.zones import GridIndex, make_unit_grid
from commandcenter.golive.airspace import stored_no_fly_zones
from commandcenter.golive.catalog import bureau_categories, bureau_report
from commandcenter.golive.coverage import calendar_coverage_warnings, covered_years, missing_calendar_years
from commandcenter.golive.devices import with_stored_devices
from commandcenter.golive.grid import imported_grid
from commandcenter.golive.roster import stored_units
from commandcenter.golive.zonesource import stored_zones
from commandcenter.labels import role_label
from commandcenter.mapdata.geofence import EventJob, GeofenceEvent, GeofenceMonitor
from commandcenter.mapdata.heatmap import HeatmapService
from commandcenter.mapdata.replay import HistoryService
from commandcenter.mapdata.zoneshapes import MapZone, map_zones
from commandcenter.ptz.cases import CaseAimer
from commandcenter.ptz.service import PtzService
from commandcenter.recording.clips import ClipSaver
from commandcenter.recording.drones import drone_camera, drone_cameras, record_while_flying
from commandcenter.recording.index import RecordingIndex
from commandcenter.recording.recorder import Recorder, recording_report
from commandcenter.runtime.devices import DeviceManager
from commandcenter.runtime.fdlimits import listener_limits, raise_open_files_limit
from commandcenter.runtime.fixes import TimeWindow
from commandcenter.runtime.health import HealthReport
from commandcenter.runtime.links import drone_links, tracker_links
from commandcenter.runtime.registrations import RevocationWatch, StoredRegistrations
from commandcenter.runtime.tasks import GuiBridge, TaskManager, TasksStopped
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.sensors.links import sensor_links
from commandcenter.sensors.service import SensorService, sensor_infos, sensor_rules
from commandcenter.store import Store, models, utcnow
from commandcenter.video.layout import LayoutError, WallModel, resolve_layout
from commandcenter.video.playback import RecordingAccess
from commandcenter.video.service import DRONE_VIDEO_GROUP, VideoService
from commandcenter.video.walls import MonitorWalls
from devices.base import RejectedInput, TerminalEvent
from devices.handler_slots import HANDLER_SLOTS
from devices.httpserve import HttpLimits
from devices.isapi import IsapiServer
from devices.jt808 import Jt808Server
from devices.mavlink import MavlinkLink
from devices.open311 import Open311Server

log = logging.getLogger(__name__)
# Intake channels act under these names (role "intake": create cases, add evidence, nothing else).
INTAKE_CHANNELS = ("open311", "hotline-12345", "patrol-app", "camera-ai", "sensor-iot", "geofence")
WATCHED_ZONE_KINDS = frozenset({"疏导点", "管控点", "特色点", "禁止设摊区"})
DRONE_CAMERA_GROUP = DRONE_VIDEO_GROUP  # "无人机"


class Role(enum.Enum):
    """Which parts of the command center this process runs (``build(config, role=...)``).

    Whatever listens or runs a timer that must run once for the whole city belongs to the server; a seat only
    reads the database and follows the bus, so any number of seats can run beside one server.
    """

    SERVER = "server"  # `commandcenter serve`: listeners, drone links, escalation, checkpoints, patrol launches
    SEAT = "seat"  # `run`/`snapshot` with [bus]: reads the database, subscribes the bus; opens no listener/link
    EMBEDDED = "embedded"  # `demo`, `run` without [bus]: both in one process, with the in-process bus

    @property
    def serves(self) -> bool:
        """This process owns the listeners, drone links and once-per-city timers."""
        return self is not Role.SEAT


# ---------------------------------------------------------------------------------------------------- lifecycle
@dataclass(frozen=True)
class Part:
    """One running piece: how to start it (None: nothing to start) and how to stop it (None: nothing to stop)."""

    name: str
    start: Callable[[], object] | None = None  # what it returns is ignored
    stop: Callable[[], object] | None = None


class Lifecycle:
    """The ordered list of parts: started in order, stopped in reverse order of starting.

    ``adopt`` records a part that is already running (the store opened by :func:`build`, a demo server started
    before the config it serves could be written), so that it is stopped with the rest.
    """

    def __init__(self) -> None:
        self._parts: list[Part] = []
        self._running: list[Part] = []
        self.log: list[str] = []  # "start NAME" / "stop NAME", in the order they happened

    def add(self, name: str, start: Callable[[], object] | None = None,
            stop: Callable[[], object] | None = None) -> None:
        self._parts.append(Part(name, start, stop))

    def add_first(self, name: str, start: Callable[[], object] | None = None,
                  stop: Callable[[], object] | None = None) -> None:
        """A part that starts before every part not yet running (what the others need in place first)."""
        self._parts.insert(0, Part(name, start, stop))

    def adopt(self, name: str, stop: Callable[[], object]) -> None:
        part = Part(name, None, stop)
        self._parts.append(part)
        self._running.append(part)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self._parts]

    def start(self) -> None:
        """Start every part not yet running, in order. A part that fails stops nothing else: the caller's
        ``stop()`` stops what did start."""
        for part in self._parts:
            if part in self._running:
                continue
            if part.start is not None:
                part.start()
            self._running.append(part)
            self.log.append(f"start {part.name}")

    def stop(self) -> None:
        """Stop the running parts in reverse order; one that fails is logged and the rest still stop."""
        while self._running:
            part = self._running.pop()
            if part.stop is None:
                continue
            try:
                part.stop()
            except Exception:
                log.exception("stopping %s failed", part.name)
            self.log.append(f"stop {part.name}")


# ---------------------------------------------------------------------------------------------------- small parts
class CoreEvents(QObject):
    """Adapter event batches fan out to the core services; what a person must see goes to the events dock."""

    event_logged = Signal(str, str)  # severity ("info" | "warning" | "alarm"), text — for the events dock
    camera_alarm = Signal(str, str)  # camera id, event text: pops the camera into the wall's alarm cell

    BACKLOG = 200

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handlers: list[Callable[[list[Any]], None]] = []
        self._backlog: deque[tuple[str, str]] = deque(maxlen=self.BACKLOG)
        self.event_logged.connect(self._keep)

    def _keep(self, severity: str, text: str) -> None:
        self._backlog.append((severity, text))

    def backlog(self) -> list[tuple[str, str]]:
        """The latest events logged so far, oldest first: a view opened later starts with them (a basemap
        fallback or unreadable schedules are logged while the services are built, before any window exists)."""
        return list(self._backlog)

    def add_handler(self, handler: Callable[[list[Any]], None]) -> None:
        """Core services subscribe to adapter event batches here (called on the GUI thread)."""
        self._handlers.append(handler)

    def dispatch(self, batch: list[Any]) -> None:
        for handler in self._handlers:
            try:
                handler(batch)
            except Exception:
                log.exception("event handler %r failed on a batch of %d", handler, len(batch))

    def log_adapter_events(self, batch: list[Any]) -> None:
        for ev in batch:
            if isinstance(ev, TerminalEvent) and ev.kind in ("unknown", "alarm"):
                self.event_logged.emit("warning", f"{ev.source} {ev.device_key}: {ev.kind} {ev.detail}".strip())
            elif isinstance(ev, TerminalEvent) and ev.kind == "deregistered":
                self.event_logged.emit("info", f"{ev.source} {ev.device_key}: {ev.detail}")
            elif isinstance(ev, RejectedInput):
                self.event_logged.emit("info", f"{ev.device_id}: {ev.reason}")

    def log_geofence(self, ev: GeofenceEvent) -> None:
        # Entering and leaving zones stays in the geofence's list (officers patrol the no-vending streets all
        # day); the events dock gets what someone has to act on.
        if ev.kind in ("route_exit", "post_absent"):
            self.event_logged.emit("warning", ev.text)
        elif ev.kind in ("route_return", "post_return"):
            self.event_logged.emit("info", ev.text)


@dataclass
class Operator:
    """Who is at the console (set by the login dialog; the demo runs as its 值班长 account)."""

    user: str = ""
    role: str = ""


class WallSnapshots:
    """Snapshots taken on the wall (newest last) and attaching the latest one to a case as evidence."""

    def __init__(self, cameras: list[CameraConfig], enforcement: EnforcementServices) -> None:
        self.cameras = cameras
        self.enforcement = enforcement
        self.recent: deque[tuple[str, str, str, float]] = deque(maxlen=50)  # camera, path, sha256, unix time

    def record(self, camera: str, path: object, sha256: str, when: float) -> None:
        self.recent.append((camera, str(path), sha256, float(when)))

    def attach_latest(self, case: CaseView, actor: str) -> Future[EvidenceInfo] | None:
        """Attach the newest snapshot (of the last 10 minutes) to a case as evidence; None when there is none.

        The evidence store re-hashes the file (content-addressed copy), checks ``evidence.add`` for ``actor``
        and appends the addition to the audit chain; the camera's position is the evidence location.
        """
        recent = [s for s in self.recent if time.time() - s[3] < 600]
        if not recent:
            return None
        camera_id, path, _sha256, when = recent[-1]
        camera = next((c for c in self.cameras if c.id == camera_id), None)
        return self.enforcement.evidence.submit_add(
            case.id, Path(path), actor=actor, mime="image/png", captured_at=datetime.fromtimestamp(when, UTC),
            device=camera_id, lat=camera.lat if camera else None, lon=camera.lon if camera else None,
            note=f"视频墙抓拍 {camera.name if camera else camera_id}")


# ---------------------------------------------------------------------------------------------------- services
@dataclass(frozen=True)
class Services:
    """Every core service of one command center, built by :func:`build`. Start with ``start()``, end with
    ``stop()``; ``lifecycle`` holds the order."""

    config: Config
    demo: bool
    lifecycle: Lifecycle
    events: CoreEvents
    operator: Operator
    store: Store
    tasks: TaskManager
    devices: DeviceManager
    tracker: UnitTracker
    health: HealthReport
    basemap: Basemap
    grid: GridIndex
    zones: list[MapZone]
    geofence: GeofenceMonitor
    streets: StreetGraph
    cameras: list[CameraConfig]
    video: VideoService
    walls: MonitorWalls
    snapshots: WallSnapshots
    fleet: DroneFleet
    drone_links: dict[str, MavlinkLink]
    drone_commands: DroneCommands  # the one way to a drone: commanders per person, checked and audited
    tasking: DroneTasking
    patrols: PatrolScheduler | None
    enforcement: EnforcementServices
    categories: CategoryTable
    cases: CaseService
    escalation: EscalationService
    unit_status: UnitStatusService
    gate: PermissionGate
    open311: Open311Server | None
    heatmap: HeatmapService
    history: HistoryService
    dispatch_feed: DispatchFeed
    briefing: BriefingModel
    sensors: SensorService  # IoT sensors: state, rules → one case per alarm episode, health section "sensors"
    extra: dict[str, object] = field(default_factory=dict)  # parts the demo adds (e.g. its simulator)
    checkpoints: CheckpointService | None = None  # signs the audit chain head ([audit] signing_key)
    field_api: FieldServer | None = None  # [field]: the officers' phones (城管通) and their web app
    role: Role = Role.EMBEDDED  # which parts run in this process (a seat opens no listener, no drone link)
    camera_ai: CameraAiService | None = None  # AI camera boxes → cases ([ai.frigate], [ai.isapi])
    ptz: PtzService | None = None  # ONVIF PTZ cameras: pad, presets, look-at, alarm presets (commandcenter/ptz)
    playback: RecordingAccess | None = None  # the recordings' timeline reads for playback and 复盘
    recorder: Recorder | None = None  # cameras' segmented MP4 ([recording]); None on a seat

    @property
    def wall(self) -> WallModel:
        """The main video wall."""
        return self.walls.main

    def start(self) -> None:
        self.lifecycle.start()

    def stop(self) -> None:
        self.lifecycle.stop()

    def on_stop(self, name: str, stop: Callable[[], object]) -> None:
        """Stop ``stop`` with the rest (views built on the services register their own shutdown here)."""
        self.lifecycle.adopt(name, stop)

    def nearest_camera(self, lat: float, lon: float, within_m: float) -> CameraConfig | None:
        """The camera that sees a place: the nearest positioned one within ``within_m`` metres."""
        placed = [(haversine_m(lat, lon, c.lat, c.lon), c) for c in self.cameras if c.lat is not None
                  and c.lon is not None and c.group != DRONE_CAMERA_GROUP]
        best = min(placed, key=lambda pair: pair[0], default=None)
        return best[1] if best is not None and best[0] <= within_m else None

    def report(self) -> dict[str, Any]:
        return self.health.build(database=self.store.description, demo=self.demo)

    def status(self) -> dict[str, str]:
        """What the status bar shows."""
        online, total = self.devices.summary()
        cameras_online, cameras_open = self.video.counts()  # cameras are devices too (idle ones left out)
        role = role_label(self.operator.role)
        user = self.operator.user
        return {
            "clock": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "user": f"{user} ({role})" if user else "—",
            "devices": f"{online + cameras_online}/{total + cameras_open}",
            "cameras": f"{cameras_online}/{cameras_open}",
            "database": self.store.description,
        }


def build(config: Config, *, demo: bool = False, basemap: Basemap | None = None, basemap_path: str | None = None,
          layout: str = "", parent: QObject | None = None, basemap_warning: str = "",
          role: Role = Role.EMBEDDED) -> Services:
    """Build every core service of ``config`` (nothing is listening until ``start()``).

    The store is opened and its schema brought up to date here, because services read it when built (users,
    categories). ``basemap`` (already loaded) wins over ``basemap_path``, which wins over ``[map] basemap``.
    ``demo`` only says so in the health report and logs the console in as the demo's 值班长.
    ``basemap_warning``: why the caller's ``basemap`` is not the one asked for (from :func:`load_basemap_checked`),
    shown in the health report's ``basemap`` section and the events dock like one found here.
    ``role``: :attr:`Role.SEAT` builds the same services but opens no listener or drone link and runs none of the
    once-per-city timers (SLA escalation, audit checkpoints, patrol launches, geofence rules): the server does.
    A server or seat is then attached to its bus (``commandcenter.bus.bridge.attach_server/attach_seat``).
    """
    raise_open_files_limit()  # before anything opens sockets or files; logged
    lifecycle = Lifecycle()
    events = CoreEvents(parent)
    store = Store(config.database.url or None)
    lifecycle.adopt("store", store.close)
    # Reads, decodes and downloads off the GUI thread; stopped after everything that uses it, before the store.
    tasks = TaskManager(name="tasks")
    lifecycle.adopt("tasks", tasks.stop)
    try:
        return _build(config, lifecycle, events, store, tasks, demo=demo, basemap=basemap, basemap_path=basemap_path,
                      layout=layout, basemap_warning=basemap_warning, role=role)
    except BaseException:
        lifecycle.stop()
        raise


def _build(config: Config, lifecycle: Lifecycle, events: CoreEvents, store: Store, tasks: TaskManager, *, demo: bool,
           basemap: Basemap | None, basemap_path: str | None, layout: str, basemap_warning: str = "",
           role: Role = Role.EMBEDDED) -> Services:
    store.upgrade()
    config = with_stored_devices(config, store)  # cameras and drones of `data import`, as if configured
    devices = DeviceManager(events)
    lifecycle.adopt("devices", devices.stop)
    tracker = UnitTracker(store, stale_after_s=config.map.stale_minutes * 60.0, parent=events,
                          window=TimeWindow(max_skew=timedelta(seconds=config.trackers.max_clock_skew_s),
                                            max_age=timedelta(hours=config.trackers.max_fix_age_h)))
    devices.refused_fixes = tracker.refused_of_link
    health = HealthReport()
    health.register("devices", devices.report)
    health.register("units", tracker.report)
    health.register("fixes", tracker.fixes_report)
    health.register("tasks", tasks.report)
    # Device fixes go from the batcher thread straight through the chain to the store: devices are acknowledged
    # once their fixes are committed, without waiting for the GUI thread (which only repaints latest positions).
    devices.set_fix_handler(tracker.ingest)
    # A tracker reporting under a key no unit has: the dispatcher sees it once and can register the unit.
    tracker.unknown_device.connect(lambda source, key: events.event_logged.emit(
        "warning", f"{source} {key}: position from an unregistered device (no unit has this key)"))
    events.add_handler(events.log_adapter_events)
    devices.events.connect(events.dispatch)

    if basemap is None:
        basemap, basemap_warning = load_basemap_checked(basemap_path or config.map.basemap or None)
    if basemap_warning:
        events.event_logged.emit("warning", basemap_warning)
    current_basemap = basemap
    health.register("basemap", lambda: {"name": current_basemap.name, "warning": basemap_warning})
    imported = imported_grid(store)  # the bureau's own 单元网格/责任区 (`data import grid`) win over squares
    grid = imported.index if imported is not None else unit_grid_for(basemap, config.bureau.district_code)
    own_zones = stored_zones(store)  # `data import zones`: the bureau's zones over the basemap's of the same code
    own_codes = {z.code for z in own_zones}
    zones = [*(z for z in map_zones(basemap.zones) if z.code not in own_codes), *own_zones,
             *map_zones([*(imported.areas if imported is not None else grid.areas), *grid.cells])]
    # 责任区 borders are crossed all day; what a dispatcher acts on is entering or leaving the bureau's control
    # zones, a vehicle off its route, an officer away from his post.
    geofence = GeofenceMonitor(zones, watch_kinds=WATCHED_ZONE_KINDS, post_tolerance_min=15.0, parent=events)
    if role.serves:  # the server's rule: a seat hears its alarms over the bus instead of raising them again
        # Evaluated on a lane of its own (in order), the events emitted back on the GUI thread.
        geofence_lane, geofence_bridge = tasks.lane("geofence", 1), GuiBridge(None, events)

        def evaluate_geofence(job: EventJob, done: Callable[[list[GeofenceEvent]], None]) -> None:
            try:
                geofence_bridge.watch(geofence_lane.run(job), done)
            except TasksStopped:  # shutting down: the last positions need no fence lines
                pass

        geofence.use_worker(evaluate_geofence)
        tracker.changed.connect(geofence.feed)
        geofence.triggered.connect(events.log_geofence)
        lifecycle.add("zones", start=lambda: store.write(lambda session: sync_zones(session, zones)))

    # A drone's video downlink is a camera of the wall like any other (and recorded like one: drone_camera).
    cameras = [*config.cameras, *(drone_camera(d) for d in config.drones if d.video)]
    video = VideoService(cameras, parent=events, tasks=tasks,
                         supervisor_options={"park_after": float(config.ui.park_hidden_video_s)})
    lifecycle.add("video", stop=video.shutdown)
    spec = layout or config.ui.layout or ("3x3" if len(cameras) > 4 else "2x2")
    try:
        wall_layout = resolve_layout(spec)
    except LayoutError as exc:
        raise ConfigError(f"--layout {spec!r}: {exc}") from None
    walls = MonitorWalls(cameras, video, WallModel(cameras, video, layout=wall_layout, parent=events))
    # PTZ cameras: the wall's pad and the map's "look at" go through this service; an alarm on a camera with an
    # alarm_preset turns it there first (on the server/embedded process, which talks to the cameras; a seat pops).
    ptz = PtzService(cameras, tasks, parent=events)
    pop_alarm = ptz.turn_then(walls.main.raise_alarm) if role.serves else walls.main.raise_alarm
    if role.serves:
        ptz.prepare_later()  # the ONVIF schemas parsed once start-up settled, not when the first case turns a camera
    events.camera_alarm.connect(pop_alarm)  # queued when raised from a worker thread
    health.register("tiles", walls.main.tiles_report)
    recorder = build_recorder(config, cameras, store, events, lifecycle, health, role)

    fleet = DroneFleet(config.drones, units=tracker, parent=events)
    if recorder is not None:
        record_while_flying(config.drones, fleet, recorder)
    events.add_handler(fleet.apply)
    links = drone_links(config) if role.serves else {}  # a seat's drone commands go through the server

    def start_drone_links() -> None:
        for link in links.values():
            devices.add(link, stale_after=5.0)

    lifecycle.add("drone links", start=start_drone_links)
    health.register("drones", fleet.report)

    channels = [_Channel(name, "intake") for name in INTAKE_CHANNELS]
    enforcement = EnforcementServices.create(store, tasks=tasks, config_users=[*config.users, *channels],
                                             bureau=config.bureau.document_fields(),
                                             data_key=Path(config.security.data_key) if config.security.data_key
                                             else None)
    health.register("bureau", lambda: bureau_report(config.bureau))
    lifecycle.add("enforcement", stop=enforcement.close)
    # The chain head signed on a timer and at exit, outside the database ([audit] signing_key).
    checkpoints = checkpoint_service(config.audit, store) if role.serves else None
    if checkpoints is not None:
        lifecycle.add("audit checkpoints", start=checkpoints.start, stop=checkpoints.stop)
        health.register("audit", checkpoints.report)
    # The link commander stays here: views, schedules and the tasking get commanders per person from
    # drone_commands, so every drone command is authorized and recorded in the audit chain.
    # the bureau's no-fly/限高 zones (`data import nofly`): every upload and 派无人机 is checked against them
    link_commander = LinkCommander.for_fleet(fleet, links, tasks=tasks, no_fly=stored_no_fly_zones(store))
    drone_commands = DroneCommands(link_commander, enforcement.authorize, enforcement.authorizer.allowed,
                                   enforcement.audit.record, shutdown=link_commander.shutdown)
    lifecycle.add("drone commander", stop=drone_commands.shutdown)
    operator = Operator(user=config.ui.user or ("admin" if demo else ""), role="admin" if demo else "")
    # The seat user's gate for screens, layout saving and report export (no user configured: a one-person console).
    gate = PermissionGate(operator.user, enforcement.authorize) if operator.user else OPEN_GATE
    walls.main.gate = gate
    snapshots = WallSnapshots(cameras, enforcement)
    video.on_snapshot.append(snapshots.record)
    categories = bureau_categories(store)  # the bundled table, overridden by `data import categories`
    streets = StreetGraph.from_basemap(basemap)
    cases = CaseService(
        store, load_calendar(), categories,
        authorize=enforcement.authorize, audit=case_audit_hook(enforcement), guard=enforcement.guard,
        positions=tracker.snapshot, unit_status_changed=tracker.set_status,
        streets=streets, stale_after_s=config.map.stale_minutes * 60.0,
        shifts=load_roster((Shift(s.team.strip(), s.name, parse_clock(s.start), parse_clock(s.end))
                            for s in config.shifts), stored_shifts(store)))  # [[shifts]] + `data import roster`
    health.register("cases", lambda: cases_report(store))
    if role.serves:  # a new case turns the nearest PTZ camera toward it, then pops it (commandcenter/ptz/cases.py)
        aimer = CaseAimer(ptz, cameras, config.ptz, store, tasks, authorize=enforcement.authorize,
                          audit=enforcement.audit.record, pop=events.camera_alarm.emit, parent=events)
        if aimer.active:
            cases.announcer.changed.connect(aimer.on_changes)
    enforcement.attach_cases(cases)  # 执法程序: 告知 → 决定 → 执行 → 结案 drive the cases' status
    # A year without its holidays counts 春节 as working days: said loudly until `data import calendar`.
    health.register("calendar", lambda: {"years": covered_years(cases.calendar),
                                         "warnings": calendar_coverage_warnings(cases.calendar)})
    # SLA escalation runs in the core on its own timer, whether or not a dispatch screen is open.
    escalation = EscalationService(cases.escalation, parent=events)
    escalation.failed.connect(lambda text: events.event_logged.emit("warning", text))
    if role.serves:
        lifecycle.add("escalation", start=escalation.start, stop=escalation.stop)
    unit_status = UnitStatusService(store, authorize=enforcement.authorize, audit=enforcement.audit_hook,
                                    parent=events)
    unit_status.status_changed.connect(tracker.set_status)  # map and unit board
    unit_status.status_changed.connect(cases.dispatcher.note_status)  # who is recommended
    limits = listener_limits(config)  # connection caps that fit the open-files limit with a reserve
    HANDLER_SLOTS.set_limit(config.listeners.http_running_handlers)  # process-wide, as the interpreter lock
    health.register("http_handlers", HANDLER_SLOTS.report)
    open311: Open311Server | None = None
    if config.open311 is not None and role.serves:
        o = config.open311
        media = CitizenMediaFetcher(enforcement.evidence.store_file, cases.record_media,
                                    tasks.lane("citizen-media", 2).run, actor="open311",
                                    max_bytes=int(o.media_max_mb * (1 << 20)), timeout_s=o.media_timeout_s,
                                    allow_private=o.media_allow_private)
        server = Open311Server(CaseOpen311Backend(cases, media=media, datum=o.datum), o.host, o.port, api_keys=o.api_keys,
                               jurisdiction=o.jurisdiction, limits=limits.http, max_body=o.max_body_bytes,
                               max_description=o.max_description)
        open311 = server

        def start_open311() -> None:
            devices.add(server, listener=True, stale_after=60.0)

        lifecycle.add("open311", start=start_open311)

    field_api = build_field_api(config, store, tasks, cases, enforcement, tracker, events, cameras,
                                dataclasses.replace(limits.http, max_connections=limits.field_max_connections or
                                                    limits.http.max_connections)) if role.serves else None
    if field_api is not None:
        api = field_api

        def start_field_api() -> None:
            devices.add(api, listener=True, stale_after=60.0)

        lifecycle.add("field api", start=start_field_api, stop=api.close)

    tasking = DroneTasking(fleet, drone_commands, tasks=tasks, video=video, wall=walls.main, evidence=enforcement.evidence,
                           parent=events)
    tasking.progress.connect(lambda drone, _case, text: events.event_logged.emit("info", f"派无人机 {drone}: {text}"))
    lifecycle.add("drone tasking", stop=tasking.shutdown)
    patrols: PatrolScheduler | None = None
    try:
        # A seat lists and edits the schedules; only the server's timer prompts and launches them.
        patrols = PatrolScheduler(drone_commands, tasks=tasks, fleet=fleet, parent=events,
                                  tick_ms=1000 if role.serves else 0)
    except ScheduleError as exc:
        log.warning("patrol schedules unreadable: %s", exc)
        events.event_logged.emit("warning", f"patrol schedules unreadable: {exc}")
    else:
        lifecycle.add("patrol scheduler", stop=patrols.shutdown)

    heatmap = HeatmapService(store, tasks, parent=events)
    lifecycle.add("heatmap", stop=heatmap.close)
    history = HistoryService(store, tasks, parent=events)
    lifecycle.add("history", stop=history.close)
    dispatch_feed = DispatchFeed(cases, tasks, events, escalation=escalation)
    lifecycle.add("dispatch feed", stop=dispatch_feed.stop)
    camera_ai = _camera_ai(config, categories, cameras, cases, enforcement, tasks, events, devices, lifecycle,
                           health, limits.http, role, store=store)

    def briefing_extra() -> dict[str, Any]:
        return {"units": tracker.counts(), "devices": devices.summary(), "drones_airborne": fleet.airborne(),
                "calendar_missing_years": missing_calendar_years(cases.calendar)}

    def escalations() -> list[dict[str, Any]]:
        """The leaders' 督办 list (runs on the briefing worker thread)."""
        return [{"code": case.code, "category": case.category_label, "status": case.status_label,
                 "level": sla.level, "remaining_hours": sla.remaining_hours, "grid": case.grid_code,
                 "officer": case.assigned_officer or ""}
                for case, sla in cases.leader_list(limit=20)]

    # The headless server shows no briefing (each seat computes its own): no KPI queries every 5 s beside ingest.
    briefing = BriefingModel(store, tasks, briefing_extra, parent=events, escalations=escalations,
                             interval_ms=0 if role is Role.SERVER else 5000)
    lifecycle.add("briefing", stop=briefing.stop)  # no KPI queries while the rest shuts down
    if role.serves and (config.kpi.weekly_report or config.kpi.monthly_report):  # weekly/monthly reports to a folder
        from commandcenter.kpi.cli import bureau_name
        from commandcenter.kpi.schedule import ReportScheduler

        reports = ReportScheduler(store, tasks, config.kpi, Path(config.kpi.report_dir or paths.data_dir() / "reports"),
                                  bureau_name(config), parent=events)
        lifecycle.add("scheduled reports", start=reports.start, stop=reports.stop)
        health.register("reports", reports.report)

    lifecycle.add("config units", start=lambda: register_config_units(config, tracker, geofence, zones, store))
    lifecycle.add("device tables", start=lambda: store.write(lambda s: sync_devices(s, cameras, config)))

    # JT/T 808 registrations outlive the process; an admin's `tracker deregister` reaches the listener.
    registrations = StoredRegistrations(store)
    revocations = RevocationWatch(registrations)

    def start_trackers() -> None:
        for link in tracker_links(config, tracker.knows_device, limits, registrations=registrations):
            devices.add(link.adapter, listener=link.listener, stale_after=link.stale_after)
            if isinstance(link.adapter, Jt808Server):
                revocations.watch(link.adapter)

    if role.serves:  # a seat opens no listener: the server hears the devices
        lifecycle.add("trackers", start=start_trackers)
        lifecycle.add("jt808 deregistrations", start=revocations.start, stop=revocations.stop)
    sensors = build_sensors(config, events, devices, health, lifecycle, store, cases, categories, zones, role)
    places = {c.id: (c.lat, c.lon) for c in cameras if c.lat is not None and c.lon is not None}
    return Services(
        config=config, demo=demo, lifecycle=lifecycle, events=events, operator=operator, store=store,
        devices=devices, tracker=tracker, health=health, basemap=basemap, grid=grid, zones=zones,
        geofence=geofence, streets=streets, cameras=cameras, video=video, walls=walls, snapshots=snapshots,
        fleet=fleet, drone_links=links, drone_commands=drone_commands, tasking=tasking, patrols=patrols,
        enforcement=enforcement, categories=categories, cases=cases, escalation=escalation,
        unit_status=unit_status, gate=gate, tasks=tasks,
        open311=open311, heatmap=heatmap,
        history=history, dispatch_feed=dispatch_feed, briefing=briefing, checkpoints=checkpoints,
        field_api=field_api, sensors=sensors, role=role, camera_ai=camera_ai, recorder=recorder, ptz=ptz,
        playback=RecordingAccess(store.engine, tasks, places,
                                 clips=ClipSaver(RecordingIndex(store.engine), tasks, paths.data_dir() / "clips",
                                                 evidence=enforcement.evidence,
                                                 actor=lambda: operator.user or "wall", camera_places=places)))


def build_recorder(config: Config, cameras: Sequence[CameraConfig], store: Store, events: CoreEvents,
                   lifecycle: Lifecycle, health: HealthReport, role: Role = Role.EMBEDDED) -> Recorder | None:
    """Recording runs where the cameras are heard (server, embedded default); a camera alarm (AI event, sensor)
    starts an alarm-mode camera's recording. A seat records nothing and reports what the index holds."""
    if not role.serves:
        index = RecordingIndex(store.engine)
        health.register("recording", lambda: recording_report(index))
        return None
    recorder = Recorder(cameras, config.recording, store, notify=events.event_logged.emit,
                        drones=drone_cameras(config.drones))

    def camera_alarm(camera_id: str, text: str) -> None:
        """A plain function, not the bound method: PySide keeps no dangling reference to a non-QObject's method
        when an alarm queued from a worker thread is delivered after the services are gone."""
        recorder.alarm(camera_id, text)

    events.camera_alarm.connect(camera_alarm)
    lifecycle.add("recording", start=recorder.start, stop=recorder.stop)
    health.register("recording", recorder.report)
    health.register("recording_store", recorder.store_report)
    return recorder


def build_sensors(config: Config, events: CoreEvents, devices: DeviceManager, health: HealthReport,
                  lifecycle: Lifecycle, store: Store, cases: CaseService, categories: CategoryTable,
                  zones: Sequence[MapZone], role: Role = Role.EMBEDDED) -> SensorService:
    """The IoT sensors (on the server; a seat only shows them): their links on the device manager, readings
    into the SensorService, alarms to the events dock (and the sensor's camera into the wall's alarm cell), the
    health report's ``sensors`` section."""
    for i, rule in enumerate(config.sensor_rules):
        try:
            categories.resolve(rule.category)
        except CategoryError as exc:
            raise ConfigError(f"{config.source}: sensor_rules[{i}].category: {exc}") from None
    sensors = SensorService(sensor_infos(config.sensors), sensor_rules(config.sensor_rules), store, cases,
                            zones=zones, parent=events)
    events.add_handler(sensors.handle)
    cameras_of = {s.id: s.camera for s in config.sensors if s.camera}

    def alarm(sensor_id: str, severity: str, text: str) -> None:
        events.event_logged.emit(severity, text)
        if severity == "alarm" and sensor_id in cameras_of:
            events.camera_alarm.emit(cameras_of[sensor_id], text)

    sensors.alarm.connect(alarm)
    health.register("sensors", sensors.report)
    links = sensor_links(config.sensors)

    def start_sensor_links() -> None:
        for link in links:
            devices.add(link.adapter, stale_after=link.stale_after)

    if role.serves:  # a seat polls no sensor and raises no sensor alarm: the server does, once for the city
        lifecycle.add("sensors", start=sensors.start, stop=sensors.stop)
        lifecycle.add("sensor links", start=start_sensor_links)
    return sensors


# ---------------------------------------------------------------------------------------------------- helpers
def build_field_api(config: Config, store: Store, tasks: TaskManager, cases: CaseService,
                    enforcement: EnforcementServices, tracker: UnitTracker, events: CoreEvents,
                    cameras: Sequence[CameraConfig], limits: HttpLimits) -> FieldServer | None:
    """The 城管通 listener of ``[field]`` (None without one). An officer's SOS is an alarm on the events dock of
    every seat and pops the nearest camera (within 300 m) into the wall's alarm cell."""
    if config.field is None:
        return None

    def sos(alarm: SosAlarm) -> None:
        events.event_logged.emit("alarm", alarm.text)
        if alarm.lat is None or alarm.lon is None:
            return
        placed = [(haversine_m(alarm.lat, alarm.lon, c.lat, c.lon), c) for c in cameras
                  if c.lat is not None and c.lon is not None and c.group != DRONE_CAMERA_GROUP]
        nearest = min(placed, key=lambda pair: pair[0], default=None)
        if nearest is not None and nearest[0] <= 300.0:
            events.camera_alarm.emit(nearest[1].id, alarm.text)

    service = FieldService(store, cases, enforcement.evidence, enforcement.authorizer, tracker,
                           audit=enforcement.audit_hook, on_sos=sos,
                           max_upload_bytes=int(config.field.max_upload_mb * (1 << 20)))
    server = FieldServer(service, tasks, config.field.host, config.field.port, limits=limits,
                         public_url=config.field.base_url)
    if enforcement.joint is not None:  # 吹哨报到 departments' phones
        server.departments = DepartmentDesk(store, enforcement.joint, audit=enforcement.audit_hook)
    return server
def _camera_ai(config: Config, categories: CategoryTable, cameras: Sequence[CameraConfig], cases: CaseService,
               enforcement: EnforcementServices, tasks: TaskManager, events: CoreEvents, devices: DeviceManager,
               lifecycle: Lifecycle, health: HealthReport, limits: HttpLimits,
               role: Role = Role.EMBEDDED, *, store: Store | None = None) -> CameraAiService | None:
    """Frigate / Hikvision boxes → the one path to cases (none without an ``[ai]`` box in the config)."""
    boxes = ai_links(config, limits)
    if not boxes:
        return None
    service = camera_ai_service(config, categories, cameras, cases.intake_event, enforcement.evidence.store_file,
                                tasks.lane("camera-ai", 1).run, log_line=events.event_logged.emit,
                                alarm=events.camera_alarm.emit,
                                touch=touch_ai_case(store) if store is not None and role.serves else None)
    events.add_handler(service.handle_batch)
    health.register("camera_ai", service.report)

    def start_boxes() -> None:
        if store is not None:  # before the boxes talk: a scene reported across the restart stays its one case
            since = datetime.fromtimestamp(service.clock() - service.window_s, UTC)
            reopened = service.reopen_windows(open_ai_cases(store, since))
            if reopened:
                log.info("camera ai: %d deduplication windows re-opened from open cases", reopened)
        for box in boxes:
            devices.add(box, listener=isinstance(box, IsapiServer), stale_after=300.0)

    if role.serves:  # the boxes talk to the server; a seat sees the cases and alarms they cause over the bus
        lifecycle.add("camera ai", start=start_boxes)
    return service


def imported_basemap_path() -> Path:
    """Where ``commandcenter basemap import`` keeps the basemap it made current (shared with the demo)."""
    return paths.base_data_dir() / "basemap.geojson"


def load_basemap(path: str | Path | None) -> Basemap:
    """A basemap from an OSM XML or GeoJSON file; None → the imported one, else the bundled district."""
    return load_basemap_checked(path)[0]


def load_basemap_checked(path: str | Path | None) -> tuple[Basemap, str]:
    """The basemap and a warning ("" when none).

    A file given explicitly must be usable (BasemapError otherwise: the person named it). The imported basemap
    is on disk from an earlier ``basemap import``; if it has since become unusable (an older version imported
    a 2-node OSM file, the file was edited) the application still starts, on the bundled district, and says why
    in the health report and the log instead of refusing to start until ``basemap reset``.
    """
    if path:
        p = Path(path)
        if not p.exists():
            raise BasemapError(f"{p}: basemap file not found")
        chosen = import_osm_xml(p) if p.suffix.lower() in (".osm", ".xml") else import_geojson(p)
        validate_basemap(chosen, str(p))
        return chosen, ""
    from commandcenter.geo.district import load_default_basemap

    imported = imported_basemap_path()
    if imported.exists():
        try:
            chosen = import_geojson(imported)
            validate_basemap(chosen, str(imported))
            return chosen, ""
        except BasemapError as exc:
            warning = (f"imported basemap not usable, running on the bundled district: {exc} "
                       "(import a better one with `commandcenter basemap import FILE`, or `basemap reset`)")
            log.warning("%s", warning)
            return load_default_basemap(), warning
    return load_default_basemap(), ""


def case_audit_hook(enforcement: EnforcementServices) -> Callable[[Session, str, str, str, dict[str, Any]], None]:
    """The case service's audit hook: every case action appended to the hash chain in the same transaction."""

    def audit(session: Session, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        enforcement.audit_hook(session, actor, action, target, detail)

    return audit


@dataclass(frozen=True)
class _Channel:
    username: str
    role: str


def unit_grid_for(basemap: Basemap, district_code: str = "") -> GridIndex:
    """Generated 单元网格 and 责任区 over the basemap (until the bureau imports its own grid): inside its district
    boundary when it has a closed one, else over the extent of its streets (an OSM extract's border relations
    reach far beyond them), coded under ``[bureau] district_code`` (default: the bundled district's)."""
    from commandcenter.geo.extent import street_extent

    code = district_code or DISTRICT_CODE
    if any(f.geometry == "polygon" for f in basemap.boundaries):
        return default_unit_grid(basemap, district_code=code)
    return make_unit_grid(street_extent(basemap), 250.0, code)


def register_config_units(config: Config, tracker: UnitTracker, geofence: GeofenceMonitor, zones: Sequence[MapZone],
                          store: Store) -> None:
    """The config's officers and vehicles (and NMEA units) known to the tracker, stored, posted to their 责任区.

    An officer's post may be given by 责任区/单元网格 code or by name ("责任区A3"); an unknown one is a config
    error naming the officer.
    """
    units = [UnitInfo(id=o.id, kind="officer", name=o.name or o.id, sub_kind=o.team,
                      device_keys=(o.device,) if o.device else ()) for o in config.officers]
    units += [UnitInfo(id=v.id, kind="vehicle", name=v.plate or v.id, sub_kind=v.kind,
                       device_keys=(v.terminal,) if v.terminal else ()) for v in config.vehicles]
    units += [UnitInfo(id=n.unit, kind="officer", name=n.unit, device_keys=(n.unit,))
              for n in config.trackers.nmea if not any(u.id == n.unit for u in units)]
    imported, imported_posts = stored_units(store, {u.id for u in units})  # `data import officers/vehicles`
    tracker.register([*units, *imported])
    for officer_id, code in imported_posts.items():
        if code in geofence.zone_by_code:
            geofence.assign_post(officer_id, code)
        else:  # the grid was replaced after the roster was imported: the post is gone, the officer is not
            log.warning("officer %s: post %r is not a 责任区/单元网格 of the current grid; no post watched",
                        officer_id, code)
    if not units:
        return
    posts = {z.code: z.code for z in zones if z.kind in ("责任区", "单元网格")}
    posts.update({z.name: z.code for z in zones if z.kind in ("责任区", "单元网格") and z.name})
    resolved: dict[str, str] = {}
    for o in config.officers:
        if o.grid and o.grid not in posts:
            areas = sorted(z.name for z in zones if z.kind == "责任区")
            raise ConfigError(f"{config.source}: officers: {o.id!r} has grid {o.grid!r}, which is not a "
                              f"责任区 or 单元网格 of the basemap (责任区: {', '.join(areas[:12])} …)")
        if o.grid:
            resolved[o.id] = posts[o.grid]
    store.write(lambda s: _upsert_config_units(s, config, resolved))
    for officer_id, code in resolved.items():
        geofence.assign_post(officer_id, code)


def sync_zones(session: Session, zones: Sequence[MapZone]) -> int:
    """Zones of the current basemap and grid into the ``zones`` table (by code), for case intake and queries."""
    existing = {z.code: z for z in session.scalars(select(models.Zone))}
    for i, zone in enumerate(zones):
        code = zone.code or f"Z{i:04d}"
        row = existing.get(code) or models.Zone(code=code)
        row.name, row.kind = zone.name or code, zone.kind
        row.polygon = [[lat, lon] for lat, lon in zone.ring]
        row.parent_code = str(zone.props.get("area_code", "")) if zone.kind == "单元网格" else ""
        session.add(row)
    return len(zones)


def sync_devices(session: Session, cameras: Sequence[CameraConfig], config: Config) -> None:
    """Cameras, drones and sensors of this deployment into their tables (ids are stable; config wins)."""
    for cam in cameras:
        row = session.get(models.Camera, cam.id) or models.Camera(id=cam.id)
        row.name, row.url, row.sub_url, row.group, row.ptz = cam.name or cam.id, cam.url, cam.sub_url, cam.group, cam.ptz
        row.lat, row.lon = cam.lat, cam.lon
        session.add(row)
    for drone in config.drones:
        d = session.get(models.Drone, drone.id) or models.Drone(id=drone.id)
        d.name, d.url, d.video, d.sysid = drone.name or drone.id, drone.url, drone.video, drone.sysid
        session.add(d)
    for sensor in config.sensors:
        s = session.get(models.Sensor, sensor.id) or models.Sensor(id=sensor.id)
        s.kind, s.url, s.lat, s.lon, s.camera_id = sensor.kind, sensor.url, sensor.lat, sensor.lon, sensor.camera
        session.add(s)


UnitRow = TypeVar("UnitRow", models.Officer, models.Vehicle)


def _rows_by_id(session: Session, model: type[UnitRow], ids: list[str]) -> dict[str, UnitRow]:
    """The rows of ``model`` with these ids, by id, in IN lists of 500 (SQLite's variable limit)."""
    found: dict[str, UnitRow] = {}
    for start in range(0, len(ids), 500):
        found.update((row.id, row) for row in session.scalars(select(model).where(model.id.in_(ids[start:start + 500]))))
    return found


def _upsert_config_units(session: Session, config: Config, posts: dict[str, str]) -> None:
    """Officers and vehicles named in the config exist in the store (config wins for their static facts).

    The existing rows are read in a few queries, not one per unit: a city's 10,000 vehicles one ``get`` at a
    time took longer than a start may wait for the writer on a loaded machine."""
    officers = _rows_by_id(session, models.Officer, [o.id for o in config.officers])
    vehicles = _rows_by_id(session, models.Vehicle, [v.id for v in config.vehicles])
    for o in config.officers:
        row = officers.get(o.id) or models.Officer(id=o.id, status="idle", status_since=utcnow())
        row.badge, row.name, row.team, row.skills = o.badge or o.id, o.name or o.id, o.team, list(o.skills)
        row.device, row.duty_grid = o.device, posts.get(o.id, "")
        session.add(row)
    for v in config.vehicles:
        vrow = vehicles.get(v.id) or models.Vehicle(id=v.id, status="idle", status_since=utcnow())
        vrow.plate, vrow.kind, vrow.terminal, vrow.team = v.plate or v.id, v.kind, v.terminal, v.team
        session.add(vrow)
