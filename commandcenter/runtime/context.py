"""The application context: builds the core services from a Config and wires the one-way data flow.

    adapter → worker thread → batched queued signal (DeviceManager.events) → core services → Qt models → widgets

No widget is built here; ``widgets.app`` builds the views from the services this context exposes. The context is
also what headless tools (snapshot, benchmarks, tests) start and stop.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select

from commandcenter import paths
from commandcenter.config import (
    CameraConfig,
    Config,
    ConfigError,
    DroneConfig,
    Jt808Config,
    Open311Config,
    OsmAndConfig,
)
from commandcenter.geo.basemap import Basemap, BasemapError, import_geojson, import_osm_xml
from commandcenter.geo.district import default_unit_grid
from commandcenter.geo.zones import GridIndex, make_unit_grid
from commandcenter.mapdata.geofence import GeofenceMonitor
from commandcenter.mapdata.zoneshapes import MapZone, map_zones
from commandcenter.runtime.devices import DeviceManager
from commandcenter.runtime.health import HealthReport
from commandcenter.runtime.links import tracker_links
from commandcenter.runtime.tasks import TaskManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.store import Store, models, utcnow
from devices.base import RejectedInput, TerminalEvent

if TYPE_CHECKING:
    from commandcenter.drones.fleet import DroneFleet, LinkCommander
    from commandcenter.video.layout import WallModel
    from commandcenter.video.service import VideoService

log = logging.getLogger(__name__)
DEMO_OPEN311_KEY = "demo-open311-key"
# Intake channels act under these names (role "intake": create cases, add evidence, nothing else).
INTAKE_CHANNELS = ("open311", "hotline-12345", "patrol-app", "camera-ai", "sensor-iot", "geofence")
WATCHED_ZONE_KINDS = frozenset({"疏导点", "管控点", "特色点", "禁止设摊区"})


def imported_basemap_path() -> Path:
    """Where ``commandcenter basemap import`` keeps the basemap it made current."""
    return paths.data_dir() / "basemap.geojson"


def load_basemap(path: str | Path | None) -> Basemap:
    """A basemap from an OSM XML or GeoJSON file; None → the imported one, else the bundled district."""
    if path:
        p = Path(path)
        if not p.exists():
            raise BasemapError(f"{p}: basemap file not found")
        return import_osm_xml(p) if p.suffix.lower() in (".osm", ".xml") else import_geojson(p)
    if imported_basemap_path().exists():
        return import_geojson(imported_basemap_path())
    from commandcenter.geo.district import load_default_basemap

    return load_default_basemap()


class AppContext(QObject):
    """Owns the store, the device manager, the unit tracker and (as later parts plug in) every core service."""

    event_logged = Signal(str, str)  # severity ("info" | "warning" | "alarm"), text — for the events dock
    camera_alarm = Signal(str, str)  # camera id, event text: pops the camera into the wall's alarm cell

    def __init__(self, config: Config, *, demo: bool = False, basemap_path: str | None = None,
                 layout: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.demo = demo
        self.store = Store(config.database.url or None)
        self.tasks = TaskManager(name="tasks")  # reads, decodes, downloads off the GUI thread; stopped last
        self.devices = DeviceManager(self)
        self.tracker = UnitTracker(self.store, stale_after_s=config.map.stale_minutes * 60.0, parent=self)
        self.health = HealthReport()
        self.health.register("devices", self.devices.report)
        self.health.register("units", self.tracker.report)
        self.health.register("tasks", self.tasks.report)
        self.basemap = load_basemap(basemap_path or config.map.basemap or None)
        self.simulator: Any = None
        self.user = config.ui.user or ("admin" if demo else "")
        self.role = "admin" if demo else ""
        self._event_handlers: list[Callable[[list[Any]], None]] = [self.tracker.apply, self._log_events]
        self.devices.events.connect(self._dispatch_events)
        self._stoppers: list[Callable[[], None]] = []
        self.layout_spec = layout or config.ui.layout
        self.cameras: list[CameraConfig] = list(config.cameras)
        self.video: VideoService | None = None
        self.wall: WallModel | None = None
        self.fleet: DroneFleet | None = None
        self.commander: LinkCommander | None = None
        self.drone_links: dict[str, Any] = {}
        self.open311: Any = None
        self.snapshots: deque[tuple[str, str, str, float]] = deque(maxlen=50)  # camera, path, sha256, unix time
        self.tasking: Any = None  # commandcenter.drones.tasking.DroneTasking
        self.patrols: Any = None  # commandcenter.drones.schedule.PatrolScheduler
        self.cases: Any = None
        self.escalation: Any = None  # commandcenter.cases.escalation.EscalationService
        self.enforcement: Any = None
        self.grid = unit_grid_for(self.basemap)
        self.zones: list[MapZone] = map_zones([*self.basemap.zones, *self.grid.areas, *self.grid.cells])
        # 责任区 borders are crossed all day; what a dispatcher acts on is entering or leaving the bureau's
        # control zones, a vehicle off its route, an officer away from his post.
        self.geofence = GeofenceMonitor(self.zones, watch_kinds=WATCHED_ZONE_KINDS, post_tolerance_min=15.0,
                                        parent=self)
        self.tracker.changed.connect(self.geofence.process)
        self.geofence.triggered.connect(self._geofence_event)

    # ------------------------------------------------------------------------------------------ events
    def add_event_handler(self, handler: Callable[[list[Any]], None]) -> None:
        """Core services subscribe to adapter event batches here (called on the GUI thread)."""
        self._event_handlers.append(handler)

    def _dispatch_events(self, batch: list[Any]) -> None:
        for handler in self._event_handlers:
            try:
                handler(batch)
            except Exception:
                log.exception("event handler %r failed on a batch of %d", handler, len(batch))

    def _geofence_event(self, ev: Any) -> None:
        if ev.kind in ("route_exit", "post_absent"):
            self.event_logged.emit("warning", ev.text)
        elif ev.kind in ("route_return", "post_return"):
            self.event_logged.emit("info", ev.text)
        # Entering and leaving zones stays in the geofence's list (officers patrol the no-vending streets all
        # day); the events dock gets what someone has to act on.

    def _log_events(self, batch: list[Any]) -> None:
        for ev in batch:
            if isinstance(ev, TerminalEvent) and ev.kind in ("unknown", "alarm"):
                self.event_logged.emit("warning", f"{ev.source} {ev.device_key}: {ev.kind} {ev.detail}".strip())
            elif isinstance(ev, RejectedInput):
                self.event_logged.emit("info", f"{ev.device_id}: {ev.reason}")

    # ------------------------------------------------------------------------------------------ life
    def start(self) -> None:
        """Migrate the schema, load the units, start listeners (and the simulator in demo mode)."""
        self.store.upgrade()
        self.store.write(lambda session: sync_zones(session, self.zones))
        if self.demo:
            self._prepare_demo()
            self._start_demo_cameras()
            self._start_demo_drones()
        for drone in self.config.drones:  # a drone's video downlink is a camera of the wall like any other
            if drone.video:
                self.cameras.append(CameraConfig(id=f"{drone.id}-video", name=f"{drone.name or drone.id} 视频",
                                                 url=drone.video, group="无人机"))
        self._start_video()
        self._start_drones()
        self._start_cases()
        self._start_drone_tasks()
        self._register_config_units()
        self.store.write(lambda session: sync_devices(session, self.cameras, self.config))
        for link in tracker_links(self.config, self.tracker.knows_device):
            self.devices.add(link.adapter, listener=link.listener, stale_after=link.stale_after)
        if self.simulator is not None:
            threading.Thread(target=self._start_simulator, name="sim-start", daemon=True).start()

    def _prepare_demo(self) -> None:
        """Populate the simulated city and point the trackers at ephemeral loopback ports."""
        from commandcenter.simulator.city import CitySimulator

        sim_cfg = self.config.simulator
        self.simulator = CitySimulator(self.basemap, officers=sim_cfg.units, vehicles=sim_cfg.vehicles,
                                       seed=sim_cfg.seed, reports_per_hour=sim_cfg.reports_per_hour,
                                       speedup=sim_cfg.speedup)
        if self.config.trackers.jt808 is None:
            self.config.trackers.jt808 = Jt808Config(port=0)
        if self.config.trackers.osmand is None:
            self.config.trackers.osmand = OsmAndConfig(port=0)
        self.tracker.register(self.simulator.unit_infos())
        for mover in self.simulator.movers:
            if mover.info.kind == "vehicle":
                self.geofence.assign_route(mover.info.id, self.simulator.vehicle_routes[mover.info.id],
                                           route_id=f"R-{mover.info.id}", name=f"{mover.info.name} 作业路线")
            else:
                area = self.grid.area_at(*self.simulator.graph.node_latlon(mover.home_node))
                if area is not None:
                    self.simulator.posts[mover.info.id] = area.code
                    self.geofence.assign_post(mover.info.id, area.code)
        self.store.write(self._upsert_sim_population)
        self._stoppers.append(self.simulator.stop)

    def _start_demo_cameras(self) -> None:
        """Serve the demo's own cameras over real RTSP on loopback, placed at the basemap's camera sites."""
        from commandcenter.video.testserver import start_demo_cameras

        count = self.config.simulator.cameras
        if count <= 0:
            return
        south, west, north, east = self.basemap.bbox
        sites = [f for f in self.basemap.camera_sites if f.coords and f.name][:count]
        try:
            server, cameras = start_demo_cameras(count, (south + north) / 2, (west + east) / 2,
                                                 names=[f.name or "" for f in sites] or None)
        except Exception as exc:  # no GStreamer/ffmpeg: the demo still runs, the wall says why
            log.warning("demo cameras unavailable: %s", exc)
            self.event_logged.emit("warning", f"demo cameras unavailable: {exc}")
            return
        self._stoppers.append(server.stop)
        for camera, site in zip(cameras, sites, strict=False):  # cameras stand at the district's intersections
            camera.lat, camera.lon = site.coords[0]
        self.cameras.extend(cameras)

    def _start_cases(self) -> None:
        """Users, audit chain and evidence (enforcement), the case service with its hooks, the Open311 endpoint."""
        from commandcenter.cases.calendar import load_calendar
        from commandcenter.cases.categories import load_categories
        from commandcenter.cases.escalation import EscalationService
        from commandcenter.cases.open311_backend import CaseOpen311Backend
        from commandcenter.cases.report import cases_report
        from commandcenter.cases.service import CaseService
        from commandcenter.enforcement.auth import create_demo_users
        from commandcenter.enforcement.services import EnforcementServices
        from commandcenter.geo.streets import StreetGraph
        from devices.open311 import Open311Server

        channels = [_Channel(name, "intake") for name in INTAKE_CHANNELS]
        self.enforcement = EnforcementServices.create(self.store, tasks=self.tasks,
                                                      config_users=[*self.config.users, *channels])
        self._stoppers.append(self.enforcement.close)
        if self.demo:
            create_demo_users(self.store)
        self.categories = load_categories()
        self.streets = self.simulator.graph if self.simulator is not None else StreetGraph.from_basemap(self.basemap)
        self.cases = CaseService(
            self.store, load_calendar(), self.categories,
            authorize=self.enforcement.authorize, audit=self.enforcement.audit_hook, guard=self.enforcement.guard,
            positions=self.tracker.snapshot, unit_status_changed=self.tracker.set_status,
            streets=self.streets, stale_after_s=self.config.map.stale_minutes * 60.0)
        self.health.register("cases", lambda: cases_report(self.store))
        # SLA escalation runs in the core on its own timer, whether or not a dispatch screen is open.
        self.escalation = EscalationService(self.cases.escalation, parent=self)
        self.escalation.failed.connect(lambda text: self.event_logged.emit("warning", text))
        self.escalation.start()
        self._stoppers.append(self.escalation.stop)
        open311 = self.config.open311
        if open311 is None and self.demo:
            open311 = Open311Config(port=0, api_keys=[DEMO_OPEN311_KEY], jurisdiction="城管执法局")
        if open311 is not None:
            self.open311 = Open311Server(CaseOpen311Backend(self.cases), open311.host, open311.port,
                                         api_keys=open311.api_keys, jurisdiction=open311.jurisdiction)
            self.devices.add(self.open311, listener=True, stale_after=60.0)
        if self.demo:

            self.simulator.case_sink = self._simulated_report
            threading.Thread(target=self._seed_and_staff_desk, name="demo-desk", daemon=True).start()

    def nearest_camera(self, lat: float, lon: float, within_m: float) -> CameraConfig | None:
        """The camera that sees a place: the nearest positioned one within ``within_m`` metres."""
        from commandcenter.geo.coords import haversine_m

        placed = [(haversine_m(lat, lon, c.lat, c.lon), c) for c in self.cameras if c.lat is not None
                  and c.lon is not None and c.group != "无人机"]
        best = min(placed, key=lambda pair: pair[0], default=None)
        return best[1] if best is not None and best[0] <= within_m else None

    def attach_latest_snapshot(self, case: Any, actor: str) -> Any:
        """Attach the newest wall snapshot (of the last 10 minutes) to a case as evidence; None when there is none.

        The evidence store re-hashes the file (content-addressed copy), checks ``evidence.add`` for ``actor`` and
        appends the addition to the audit chain; the camera's position is the evidence location.
        """
        import time
        from datetime import UTC, datetime

        recent = [s for s in self.snapshots if time.time() - s[3] < 600]
        if not recent or self.enforcement is None:
            return None
        camera_id, path, _sha256, when = recent[-1]
        camera = next((c for c in self.cameras if c.id == camera_id), None)
        return self.enforcement.evidence.submit_add(
            case.id, Path(path), actor=actor, mime="image/png", captured_at=datetime.fromtimestamp(when, UTC),
            device=camera_id, lat=camera.lat if camera else None, lon=camera.lon if camera else None,
            note=f"视频墙抓拍 {camera.name if camera else camera_id}")

    def _start_drone_tasks(self) -> None:
        """派无人机 from cases and 巡查计划 patrol schedules over the fleet and commander (core: no widgets)."""
        from commandcenter.drones.schedule import PatrolScheduler, ScheduleError
        from commandcenter.drones.tasking import DroneTasking

        if self.fleet is None or self.commander is None:
            return
        self.tasking = DroneTasking(self.fleet, self.commander, tasks=self.tasks, video=self.video, wall=self.wall,
                                    evidence=self.enforcement.evidence if self.enforcement else None, parent=self)
        self.tasking.progress.connect(
            lambda drone, _case, text: self.event_logged.emit("info", f"派无人机 {drone}: {text}"))
        self._stoppers.append(self.tasking.shutdown)
        try:
            self.patrols = PatrolScheduler(self.commander, tasks=self.tasks, fleet=self.fleet, parent=self)
        except ScheduleError as exc:
            log.warning("patrol schedules unreadable: %s", exc)
            self.event_logged.emit("warning", f"patrol schedules unreadable: {exc}")
        else:
            self._stoppers.append(self.patrols.shutdown)

    def _seed_and_staff_desk(self) -> None:
        """A fresh demo database gets today's cases so far; then the simulated desk keeps cases moving."""
        import time

        from commandcenter.cases.service import CaseService
        from commandcenter.simulator.desk import SimulatedDesk, seed_today

        cases = self.cases
        deadline = time.monotonic() + 20  # dispatch recommendations need the officers' live positions
        while time.monotonic() < deadline and len(self.tracker.snapshot()) < 0.8 * len(self.simulator.movers):
            time.sleep(0.2)
        try:
            if not self.store.scalar("SELECT COUNT(*) FROM cases"):
                points = [self.simulator.graph.node_latlon(n) for n in range(0, self.simulator.graph.node_count, 3)]
                seeded = seed_today(lambda clock: CaseService(
                    self.store, cases.calendar, self.categories, authorize=self.enforcement.authorize,
                    audit=self.enforcement.audit_hook, guard=self.enforcement.guard, positions=self.tracker.snapshot,
                    streets=self.streets, clock=clock), self.categories, points)
                log.info("demo: %d cases of today seeded", seeded)
        except Exception:
            log.exception("demo: seeding today's cases failed")
        desk = SimulatedDesk(cases, actor="dispatcher", speedup=self.config.simulator.speedup).start()
        self._stoppers.append(desk.stop)

    def _simulated_report(self, report: dict[str, Any]) -> None:
        """A simulated report through its real channel (runs on the simulator's thread, never the GUI's)."""
        from commandcenter.cases.model import NewCase

        source = str(report["source"])
        category = self.categories.resolve(str(report["category"]))
        lat, lon, text = float(report["lat"]), float(report["lon"]), str(report["description"])
        if source == "citizen" and self.open311 is not None and self.open311.bound_port:
            import urllib.parse
            import urllib.request

            body = urllib.parse.urlencode({"api_key": DEMO_OPEN311_KEY, "service_code": category.code,
                                           "lat": lat, "long": lon, "description": text,
                                           "first_name": "市民", "phone": "13800000000"}).encode()
            url = f"http://127.0.0.1:{self.open311.bound_port}/open311/v2/requests.json"
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as resp:
                resp.read()
        elif source in ("camera", "sensor"):
            camera = self.nearest_camera(lat, lon, within_m=400.0)
            text = f"视频智能识别：{category.name}"
            self.cases.intake_event(source, category.code, lat, lon, text, camera_id=camera.id if camera else None,
                                    actor="camera-ai")
            if camera is not None:
                self.camera_alarm.emit(camera.id, f"{camera.name}：{text}")
        else:
            channel = "hotline-12345" if source == "hotline" else "patrol-app"
            self.cases.create_case(NewCase(source=source, category=category.code, description=text, lat=lat,
                                           lon=lon, reporter="12345热线" if source == "hotline" else "巡查队员"),
                                   channel)

    def _start_demo_drones(self) -> None:
        """Simulated multicopters speaking real MAVLink over TCP on loopback, each with its own video downlink."""
        from commandcenter.simulator.mav_vehicle import SimVehicle

        count = self.config.simulator.drones
        if count <= 0:
            return
        south, west, north, east = self.basemap.bbox
        videos = self._start_drone_video(count)
        for i in range(count):
            # Home pads spread across the district (e.g. on the roofs of the bureau's squad stations).
            lat = south + (north - south) * (0.3 + 0.2 * i)
            lon = west + (east - west) * (0.25 + 0.25 * i)
            sim = SimVehicle(i + 1, lat, lon, listen="tcp:127.0.0.1:0").start()
            self._stoppers.append(sim.stop)
            self.config.drones.append(DroneConfig(id=f"uav-{i + 1}", name=f"巡查{i + 1}号", url=sim.url,
                                                  video=videos[i] if i < len(videos) else "", sysid=i + 1))

    def _start_drone_video(self, count: int) -> list[str]:
        from commandcenter.video.testserver import ClipSpec, RtspTestServer, make_clip

        try:
            clips = [make_clip(ClipSpec(label=f"巡查{i + 1}号 机载", width=640, height=360, seconds=10.0, gop=25,
                                        variant=7 + i, timecode=False)) for i in range(count)]
            server = RtspTestServer(clips)
            server.start()
        except Exception as exc:
            log.warning("demo drone video unavailable: %s", exc)
            return []
        self._stoppers.append(server.stop)
        return [server.url(i + 1) for i in range(count)]

    def _start_drones(self) -> None:
        """Fleet state, one MAVLink link per drone, a commander routing commands to them; drone video on the wall."""
        from commandcenter.drones.fleet import DroneFleet, LinkCommander
        from commandcenter.runtime.links import drone_links

        self.fleet = DroneFleet(self.config.drones, parent=self)
        self.add_event_handler(self.fleet.apply)
        self.drone_links = drone_links(self.config)
        for link in self.drone_links.values():
            self.devices.add(link, stale_after=5.0)
        self.commander = LinkCommander.for_fleet(self.fleet, self.drone_links, tasks=self.tasks)
        self._stoppers.append(self.commander.shutdown)
        self.health.register("drones", self.fleet.report)
        if self.demo and self.config.drones:
            self._fly_demo_patrols()

    def _fly_demo_patrols(self) -> None:
        from commandcenter.simulator.patrols import fly_demo_patrols

        assert self.fleet is not None and self.commander is not None
        stop = threading.Event()
        self._stoppers.append(stop.set)
        wanted = ("疏导点", "禁止设摊区", "管控点", "特色点")
        zones = [(z.name, z.ring) for kind in wanted for z in self.zones if z.kind == kind and len(z.ring) >= 3]
        fly_demo_patrols(self.commander, self.fleet, [d.id for d in self.config.drones], zones,
                         on_event=lambda text: self.event_logged.emit("info", text), stop=stop)

    def _start_video(self) -> None:
        """The video service and the wall model (core: no widgets) and their report section."""
        from commandcenter.video.layout import LayoutError, WallModel, resolve_layout
        from commandcenter.video.service import VideoService

        self.video = VideoService(self.cameras, parent=self, tasks=self.tasks)
        self._stoppers.append(self.video.shutdown)
        self.video.on_snapshot.append(lambda camera, path, sha256, when: self.snapshots.append(
            (camera, str(path), sha256, float(when))))
        try:
            layout = resolve_layout(self.layout_spec or ("3x3" if len(self.cameras) > 4 else "2x2"))
        except LayoutError as exc:
            raise ConfigError(f"--layout {self.layout_spec!r}: {exc}") from None
        self.wall = WallModel(self.cameras, self.video, layout=layout, parent=self)
        self.camera_alarm.connect(self.wall.raise_alarm)  # queued when raised from a worker thread
        self.health.register("tiles", self.wall.tiles_report)

    def _upsert_sim_population(self, session: Any) -> int:
        sim = self.simulator
        now = utcnow()
        existing = set(session.scalars(select(models.Officer.id)))
        for row in sim.officer_rows():
            if row["id"] not in existing:
                session.add(models.Officer(status="idle", status_since=now,
                                           duty_grid=sim.posts.get(row["id"], ""), **row))
        existing = set(session.scalars(select(models.Vehicle.id)))
        for row in sim.vehicle_rows():
            if row["id"] not in existing:
                session.add(models.Vehicle(status="idle", status_since=now, **row))
        return len(sim.movers)

    def _register_config_units(self) -> None:
        units = [UnitInfo(id=o.id, kind="officer", name=o.name or o.id, sub_kind=o.team,
                          device_keys=(o.device,) if o.device else ()) for o in self.config.officers]
        units += [UnitInfo(id=v.id, kind="vehicle", name=v.plate or v.id, sub_kind=v.kind,
                           device_keys=(v.terminal,) if v.terminal else ()) for v in self.config.vehicles]
        units += [UnitInfo(id=n.unit, kind="officer", name=n.unit, device_keys=(n.unit,))
                  for n in self.config.trackers.nmea if not any(u.id == n.unit for u in units)]
        self.tracker.register(units)
        if units:
            # An officer's post may be given by 责任区/单元网格 code or by name ("责任区A3").
            posts = {z.code: z.code for z in self.zones if z.kind in ("责任区", "单元网格")}
            posts.update({z.name: z.code for z in self.zones if z.kind in ("责任区", "单元网格") and z.name})
            resolved: dict[str, str] = {}
            for o in self.config.officers:
                if o.grid and o.grid not in posts:
                    areas = sorted(z.name for z in self.zones if z.kind == "责任区")
                    raise ConfigError(f"{self.config.source}: officers: {o.id!r} has grid {o.grid!r}, which is not a "
                                      f"责任区 or 单元网格 of the basemap (责任区: {', '.join(areas[:12])} …)")
                if o.grid:
                    resolved[o.id] = posts[o.grid]
            self.store.write(lambda s: _upsert_config_units(s, self.config, resolved))
            for officer_id, code in resolved.items():
                self.geofence.assign_post(officer_id, code)

    def _start_simulator(self) -> None:
        """Wait until the listeners are bound, then let the simulated devices connect to them."""
        import time

        deadline = time.monotonic() + 10
        jt = self.devices.get("jt808")
        osm = self.devices.get("osmand")
        while time.monotonic() < deadline:
            ports = [getattr(h.adapter, "bound_port", None) if h else 0 for h in (jt, osm)]
            if all(ports):
                break
            time.sleep(0.05)
        jt_addr = ("127.0.0.1", jt.adapter.bound_port) if jt and jt.adapter.bound_port else None  # type: ignore[attr-defined]
        osm_addr = ("127.0.0.1", osm.adapter.bound_port) if osm and osm.adapter.bound_port else None  # type: ignore[attr-defined]
        self.simulator.start(jt_addr, osm_addr)

    def on_stop(self, stopper: Callable[[], None]) -> None:
        self._stoppers.append(stopper)

    def stop(self) -> None:
        for stopper in reversed(self._stoppers):
            try:
                stopper()
            except Exception:
                log.exception("stopping %r failed", stopper)
        self.devices.stop()
        self.tasks.stop()
        self.store.close()

    # ------------------------------------------------------------------------------------------ views
    def report(self) -> dict[str, Any]:
        return self.health.build(database=self.store.description, demo=self.demo)

    def status(self) -> dict[str, str]:
        """What the status bar shows."""
        from datetime import datetime

        online, total = self.devices.summary()
        role = {"admin": "值班长", "dispatcher": "调度员", "pilot": "飞手", "leader": "领导", "legal": "法制审核员",
                "observer": "观察"}.get(self.role, self.role)
        return {
            "clock": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "user": f"{self.user} ({role})" if self.user else "—",
            "devices": f"{online}/{total}",
            "database": self.store.description,
        }


@dataclass(frozen=True)
class _Channel:
    username: str
    role: str


def unit_grid_for(basemap: Basemap) -> GridIndex:
    """单元网格 and 责任区 over the basemap: inside its district boundary when it has a closed one."""
    if any(f.geometry == "polygon" for f in basemap.boundaries):
        return default_unit_grid(basemap)
    return make_unit_grid(basemap.bbox, 250.0)


def sync_zones(session: Any, zones: list[MapZone]) -> int:
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


def sync_devices(session: Any, cameras: list[CameraConfig], config: Config) -> None:
    """Cameras, drones and sensors of this deployment into their tables (ids are stable; config wins)."""
    for cam in cameras:
        row = session.get(models.Camera, cam.id) or models.Camera(id=cam.id)
        row.name, row.url, row.sub_url, row.group, row.ptz = cam.name or cam.id, cam.url, cam.sub_url, cam.group, cam.ptz
        row.lat, row.lon = cam.lat, cam.lon
        session.add(row)
    for drone in config.drones:
        row = session.get(models.Drone, drone.id) or models.Drone(id=drone.id)
        row.name, row.url, row.video, row.sysid = drone.name or drone.id, drone.url, drone.video, drone.sysid
        session.add(row)
    for sensor in config.sensors:
        row = session.get(models.Sensor, sensor.id) or models.Sensor(id=sensor.id)
        row.kind, row.url, row.lat, row.lon, row.camera_id = sensor.kind, sensor.url, sensor.lat, sensor.lon, sensor.camera
        session.add(row)


def _upsert_config_units(session: Any, config: Config, posts: dict[str, str]) -> None:
    """Officers and vehicles named in the config exist in the store (config wins for their static facts)."""
    for o in config.officers:
        row = session.get(models.Officer, o.id) or models.Officer(id=o.id, status="idle", status_since=utcnow())
        row.badge, row.name, row.team, row.skills = o.badge or o.id, o.name or o.id, o.team, list(o.skills)
        row.device, row.duty_grid = o.device, posts.get(o.id, "")
        session.add(row)
    for v in config.vehicles:
        row = session.get(models.Vehicle, v.id) or models.Vehicle(id=v.id, status="idle", status_since=utcnow())
        row.plate, row.kind, row.terminal, row.team = v.plate or v.id, v.kind, v.terminal, v.team
        session.add(row)
