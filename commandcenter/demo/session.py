"""The demo's composition: the simulated city on top of the one production build.

    config ──prepare──▶ demo config (a new one) ──build──▶ Services ──attach──▶ + simulator, desk, patrols

``prepare`` starts what the demo serves on loopback (the simulated city in its own process, RTSP cameras, simulated
MAVLink drones) and returns a NEW config that points the command center at them — the caller's config is never
changed. The command center is
then built by :func:`commandcenter.runtime.compose.build` exactly as for a real deployment, and ``attach`` adds
the simulator, the demo accounts, seeding and the simulated duty desk to the same lifecycle.

The demo's database is its own (``<data dir>/demo/commandcenter.db`` unless ``--db`` is given) and marked as a
demo database; a database that something else made is refused.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.config import (
    AiConfig,
    CameraConfig,
    Config,
    DroneConfig,
    FieldConfig,
    FrigateConfig,
    FrigateRuleConfig,
    Jt808Config,
    Open311Config,
    OsmAndConfig,
    SensorConfig,
)
from commandcenter.demo.broker import DemoBroker
from commandcenter.demo.citizens import SimulatedRaters
from commandcenter.demo.city_process import CityPopulation, CityProcess
from commandcenter.demo.database import claim_in_background, demo_database_url
from commandcenter.demo.departments import seed_departments
from commandcenter.demo.desk import SimulatedDesk, seed_today
from commandcenter.demo.frigate_box import DemoFrigateBox, demo_label
from commandcenter.demo.niceness import WORLD_NICENESS
from commandcenter.demo.phones import SimulatedPhones
from commandcenter.demo.sanitation import DEMO_RULES, SanitationSimulator
from commandcenter.geo.basemap import Basemap
from commandcenter.geo.coords import haversine_m
from commandcenter.geo.extent import street_extent, street_sites
from commandcenter.geo.zones import ResponsibilityArea
from commandcenter.runtime.compose import (
    Role,
    Services,
    build,
    case_audit_hook,
    imported_basemap_path,
    load_basemap_checked,
)
from commandcenter.store import models, utcnow

log = logging.getLogger(__name__)
DEMO_OPEN311_KEY = "demo-open311-key"
PATROL_ZONE_KINDS = ("疏导点", "禁止设摊区", "管控点", "特色点")
PHONES_WAIT_S = 300.0  # how long the phones wait for the city's officers (a loaded machine starts the city slowly)


@dataclass
class DemoSetup:
    """What ``prepare`` started and the config that uses it."""

    config: Config
    simulator: CityProcess
    stoppers: list[tuple[str, Callable[[], None]]] = field(default_factory=list)  # running servers, in order
    frigate: DemoFrigateBox | None = None  # the demo's AI camera box (camera detections take the Frigate path)
    broker: DemoBroker | None = None  # the demo's one mosquitto: NB-IoT sensors and the Frigate box publish to it
    broker_failed: bool = False
    # Servers launched but not yet known to listen (the RTSP servers: their few hundred milliseconds of start-up
    # pass while the first screen is built); the services' first part waits for them.
    launched: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def wait_launched(self) -> None:
        """Wait until every launched server listens; one that does not is said in the log (the demo runs on, its
        tiles showing the camera offline), as when a server cannot start at all."""
        launched, self.launched = self.launched, []
        for name, wait in launched:
            try:
                wait()
            except Exception as exc:
                log.warning("%s unavailable: %s", name, exc)

    def stop(self) -> None:
        for name, stop in reversed(self.stoppers):
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)


def build_demo(config: Config, *, basemap_path: str | None = None, layout: str = "",
               parent: QObject | None = None, role: Role = Role.EMBEDDED,
               claimed: Future[None] | None = None) -> Services:
    """The whole demo command center (not yet started): ``prepare`` → ``build`` → ``attach``.

    The demo's database is claimed (on a new one: the schema created, which waits on the disk) while ``prepare``
    starts the loopback servers (which waits on their processes): start-up waits for the longer of the two.
    ``claimed``: that claim, already started by the caller (:func:`claim_in_background`, before this module's
    imports), else it starts here.
    ``role``: :attr:`Role.SERVER` for the server of ``demo --hall`` (the simulated city in a headless server).
    """
    chosen = basemap_path or config.map.basemap or None
    if claimed is None:
        claimed = claim_in_background(config.database.url or demo_database_url())
    try:
        basemap, warning = load_basemap_checked(chosen)
        imported = imported_basemap_path()
        setup = prepare(config, basemap, basemap_file=str(
            chosen or (imported if imported.exists() and not warning else "")))
    except BaseException:
        claimed.exception()  # the claim finishes (its store closes) before the error goes on
        raise
    try:
        claimed.result()
    except BaseException:
        setup.stop()
        raise
    try:
        services = build(setup.config, demo=True, basemap=basemap, layout=layout, parent=parent,
                         basemap_warning=warning, role=role)
    except BaseException:
        setup.stop()
        raise
    attach(services, setup)
    return services


def prepare(config: Config, basemap: Basemap, *, basemap_file: str = "") -> DemoSetup:
    """Start the demo's loopback servers and return a new config using them (``config`` is left as it was).

    The database defaults to the demo's own folder; trackers listen on ephemeral ports; the Open311 endpoint
    takes the demo key; the demo cameras and drones join those of ``config``. The simulated city starts building
    in its own process at once, on ``basemap_file`` ("": the bundled district), which must hold ``basemap``.
    """
    sim_cfg = config.simulator
    simulator = CityProcess(officers=sim_cfg.units, vehicles=sim_cfg.vehicles, seed=sim_cfg.seed,
                            reports_per_hour=sim_cfg.reports_per_hour, speedup=sim_cfg.speedup,
                            basemap_file=basemap_file, niceness=WORLD_NICENESS)
    setup = DemoSetup(config=config, simulator=simulator)
    setup.stoppers.append(("simulated city", simulator.stop))
    try:
        # The two RTSP servers are launched, not waited for: each takes a few hundred milliseconds to listen,
        # which pass while the services are built and the first screen paints (``wait_launched``).
        cameras = _start_demo_cameras(setup, basemap)
        drones = _start_demo_drones(setup, basemap, _start_drone_video(setup, config.simulator.drones))
        sensors = _start_demo_sensors(setup, basemap)
    except BaseException:
        setup.stop()
        raise
    from commandcenter.demo.onvif_camera import with_demo_ptz

    all_cameras = [*config.cameras, *_record_dome(with_demo_ptz(cameras, setup.stoppers))]  # ONVIF dome, recorded
    ai = config.ai if config.ai.frigate is not None else _start_demo_frigate(setup, all_cameras, config.ai)
    trackers = dataclasses.replace(config.trackers, jt808=config.trackers.jt808 or Jt808Config(port=0),
                                   osmand=config.trackers.osmand or OsmAndConfig(port=0))
    setup.config = dataclasses.replace(
        config,
        database=dataclasses.replace(config.database, url=config.database.url or demo_database_url()),
        simulator=dataclasses.replace(sim_cfg, enabled=True),
        trackers=trackers,
        # the demo's citizens attach photos served on loopback (by the demo's image host, the Frigate box's API)
        open311=config.open311 or Open311Config(port=0, api_keys=[DEMO_OPEN311_KEY], jurisdiction="城管执法局",
                                                media_allow_private=True),
        field=config.field or FieldConfig(port=0),  # the simulated officers' phones (城管通)
        cameras=all_cameras,
        drones=[*config.drones, *drones],
        sensors=[*config.sensors, *sensors],
        sensor_rules=config.sensor_rules or (list(DEMO_RULES) if sensors else []),
        ai=ai,
    )
    return setup


def _record_dome(cameras: list[CameraConfig]) -> list[CameraConfig]:
    """The demo's PTZ dome records continuously (a day kept), so a tile can switch to playback and 复盘 has video;
    the other demo cameras stay live-only: every recorded camera keeps its stream pulled all day."""
    return [dataclasses.replace(c, record="continuous", retention_days=1.0) if c.ptz and c.record == "off" else c
            for c in cameras]


def _demo_broker(setup: DemoSetup) -> DemoBroker | None:
    """The demo's one mosquitto, started on first use (None, said in the log, when it cannot run)."""
    if setup.broker is None and not setup.broker_failed:
        try:
            setup.broker = DemoBroker()
        except (OSError, RuntimeError) as exc:
            log.warning("the demo's MQTT broker is unavailable (NB-IoT sensors and camera detections left out): %s",
                        exc)
            setup.broker_failed = True
            return None
        setup.stoppers.append(("demo mosquitto", setup.broker.stop))
    return setup.broker


def _start_demo_sensors(setup: DemoSetup, basemap: Basemap) -> list[SensorConfig]:
    """The demo's bins and toilets as RS-485 Modbus slaves on socat pty pairs and NB-IoT MQTT publishers."""
    sim_cfg = setup.config.simulator
    if sim_cfg.bins <= 0 and sim_cfg.toilets <= 0:
        return []
    broker = _demo_broker(setup)
    sanitation = SanitationSimulator(basemap, paths.data_dir() / "demo-sensors", bins=sim_cfg.bins,
                                     toilets=sim_cfg.toilets, seed=sim_cfg.seed, speedup=sim_cfg.speedup,
                                     broker_url=broker.url if broker is not None else "")
    setup.stoppers.append(("demo sensors", sanitation.stop))
    return sanitation.start()


def _start_demo_frigate(setup: DemoSetup, cameras: list[CameraConfig], ai: AiConfig) -> AiConfig:
    """The demo's Frigate box for its positioned cameras, and ``[ai.frigate]`` pointing at it.

    Without mosquitto the demo runs without camera detections (said in the log), never through a shortcut.
    """
    from commandcenter.cases.categories import load_categories
    from commandcenter.demo.city import REPORT_CATEGORIES

    placed = [c for c in cameras if c.lat is not None and c.lon is not None]
    if not placed:
        return ai
    broker = _demo_broker(setup)
    if broker is None:
        log.warning("demo camera detections unavailable: no broker for the Frigate path")
        return ai
    try:
        box = DemoFrigateBox(broker.port)
    except (OSError, RuntimeError) as exc:
        log.warning("demo camera detections unavailable: %s", exc)
        return ai
    setup.stoppers.append(("demo frigate", box.stop))
    setup.frigate = box
    categories = load_categories()
    codes = [categories.resolve(name).code for name, _weight in REPORT_CATEGORIES]
    return dataclasses.replace(ai, frigate=FrigateConfig(
        mqtt_url=box.mqtt_url, api_url=box.api_url, cameras={c.id: c.id for c in placed},
        rules=[FrigateRuleConfig(label=demo_label(code), category=code, min_score=0.5) for code in codes]))


def _start_demo_cameras(setup: DemoSetup, basemap: Basemap) -> list[CameraConfig]:
    """The demo's own cameras over real RTSP on loopback, standing at the basemap's camera sites."""
    from commandcenter.demo.testserver import start_demo_cameras

    count = setup.config.simulator.cameras
    if count <= 0:
        return []
    # The basemap's own camera sites (the bundled district has them); on an OSM city, places on its named
    # streets spread across the streets' extent (never the file's bbox: border relations reach far beyond).
    sites = [(f.name or "", *f.coords[0]) for f in basemap.camera_sites if f.coords and f.name][:count]
    if len(sites) < count:
        sites += [(f"{street}监控", lat, lon) for street, lat, lon in street_sites(basemap, count - len(sites))]
    south, west, north, east = street_extent(basemap)
    try:
        server, cameras = start_demo_cameras(count, (south + north) / 2, (west + east) / 2,
                                             names=[name for name, _lat, _lon in sites] or None, live_clock=True,
                                             niceness=WORLD_NICENESS, wait=False)
    except Exception as exc:  # no GStreamer/ffmpeg: the demo still runs, the wall says why
        log.warning("demo cameras unavailable: %s", exc)
        return []
    setup.stoppers.append(("demo cameras", server.stop))
    setup.launched.append(("demo cameras", server.wait_ready))
    placed = []
    for i, camera in enumerate(cameras):
        if i < len(sites):
            _name, lat, lon = sites[i]
            camera = dataclasses.replace(camera, lat=lat, lon=lon)
        placed.append(camera)
    return placed


def _start_demo_drones(setup: DemoSetup, basemap: Basemap, videos: list[str]) -> list[DroneConfig]:
    """Simulated multicopters speaking real MAVLink over TCP on loopback, each with its own video downlink
    (``videos``: their RTSP URLs, from :func:`_start_drone_video`). They fly in a process of their own
    (:mod:`commandcenter.demo.vehicle_process`), as real drones are outside the command center."""
    from commandcenter.demo.vehicle_process import VehicleProcess

    count = setup.config.simulator.drones
    if count <= 0:
        return []
    vehicles = VehicleProcess(drone_pads(basemap, count), niceness=WORLD_NICENESS)
    setup.stoppers.append(("simulated drones", vehicles.stop))
    drones = []
    for i, url in enumerate(vehicles.urls):
        video = videos[i] if i < len(videos) else ""
        # Their video is recorded while they fly (a day kept), so 复盘 shows what a drone saw over an incident.
        drones.append(DroneConfig(id=f"uav-{i + 1}", name=f"巡查{i + 1}号", url=url, video=video, sysid=i + 1,
                                  record="airborne" if video else "off", retention_days=1.0))
    return drones


def drone_pads(basemap: Basemap, count: int) -> list[tuple[float, float]]:
    """Home pads of the demo drones, spread across the streets' extent (e.g. on the roofs of the bureau's squad
    stations) — over the city the basemap shows, not the file's far-reaching bbox."""
    south, west, north, east = street_extent(basemap)
    # Three pads on the diagonal; a fourth drone and more get pads beside them (never two on one pad).
    return [(south + (north - south) * (0.3 + 0.2 * (i % 3) + 0.08 * (i // 3 % 3)),
             west + (east - west) * (0.25 + 0.25 * (i % 3) - 0.08 * (i // 3 % 3))) for i in range(count)]


def _start_drone_video(setup: DemoSetup, count: int) -> list[str]:
    if count <= 0:
        return []
    from commandcenter.demo.testserver import ClipSpec, RtspTestServer

    try:  # live, with the real time burned in (encoded only while someone watches the downlink)
        server = RtspTestServer([], live=[ClipSpec(label=f"巡查{i + 1}号 机载", width=640, height=360, gop=25,
                                                   variant=7 + i, timecode=False) for i in range(count)],
                               niceness=WORLD_NICENESS)
        server.launch()
    except Exception as exc:
        log.warning("demo drone video unavailable: %s", exc)
        return []
    setup.stoppers.append(("demo drone video", server.stop))
    setup.launched.append(("demo drone video", server.wait_ready))
    return [server.url(i + 1) for i in range(count)]


# ---------------------------------------------------------------------------------------------------- attach
class _PopulationArrived(QObject):
    """Hands the city's population from the city process's reader thread to the GUI thread (queued)."""

    arrived = Signal(object)


def attach(services: Services, setup: DemoSetup) -> None:
    """Add the simulated city to built services: units, posts and routes (once the city process says who is in
    it), reports, the desk (the demo accounts were created with the database's claim)."""
    for name, stop in setup.stoppers:
        services.lifecycle.adopt(name, stop)
    # Before any other part starts (the wall's streams, the recorders): the launched video servers listen.
    services.lifecycle.add_first("demo video servers", start=setup.wait_launched)
    city = setup.simulator
    services.extra["simulator"] = city
    registered = threading.Event()  # the units are known before their devices report
    bridge = _PopulationArrived(services.events)
    bridge.arrived.connect(lambda population: _populate(services, population, registered))
    city.when_populated(bridge.arrived.emit)
    services.lifecycle.add("demo departments", start=lambda: seed_departments(services.store))  # 吹哨报到
    if setup.frigate is not None:
        services.extra["frigate_box"] = setup.frigate
    city.case_sink = lambda report: simulated_report(services, report)
    services.lifecycle.add("demo simulator", start=lambda: threading.Thread(
        target=_start_simulator, args=(services, city, registered), name="sim-start", daemon=True).start())
    phones = SimulatedPhones(services.store, [], speedup=setup.config.simulator.speedup,
                             tokens_file=paths.data_dir() / "demo-phones.json")
    services.extra["phones"] = phones
    services.health.register("demo_phones", phones.report)
    desk = _Desk()
    services.lifecycle.add("demo desk", start=lambda: threading.Thread(
        target=_seed_and_staff_desk, args=(services, city, registered, desk), name="demo-desk",
        daemon=True).start(), stop=desk.stop)
    services.lifecycle.add("demo phones", start=lambda: threading.Thread(
        target=_start_phones, args=(services, city, registered, phones), name="demo-phones", daemon=True).start(),
        stop=phones.stop)
    raters = SimulatedRaters(services.cases, lambda: services.open311.bound_port if services.open311 else None,
                             DEMO_OPEN311_KEY, interval_s=max(1.0, 5.0 / max(setup.config.simulator.speedup, 1.0)))
    services.extra["raters"] = raters
    services.lifecycle.add("demo raters", start=raters.start, stop=raters.stop)  # 群众评价 through Open311
    if setup.config.drones:
        stop_patrols = threading.Event()
        services.lifecycle.add("demo patrols", start=lambda: _fly_demo_patrols(services, stop_patrols),
                               stop=stop_patrols.set)


def _populate(services: Services, population: CityPopulation, registered: threading.Event) -> None:
    """The city's units known to the tracker, posted to their 责任区, vehicles on their routes, and stored (on
    the GUI thread, where the tracker and the geofence are used; the store's writer is not waited for)."""
    services.tracker.register(population.units)
    for unit in population.units:
        if unit.kind == "vehicle":
            services.geofence.assign_route(unit.id, population.vehicle_routes[unit.id], route_id=f"R-{unit.id}",
                                           name=f"{unit.name} 作业路线")
        elif unit.id in population.homes:
            area = services.grid.area_at(*population.homes[unit.id])
            if area is not None:
                population.posts[unit.id] = area.code
                services.geofence.assign_post(unit.id, area.code)
    stored = services.store.submit(lambda session: _upsert_population(session, population))
    stored.add_done_callback(lambda _done: registered.set())  # the officers' rows exist before they report


def _upsert_population(session: Session, population: CityPopulation) -> int:
    now = utcnow()
    existing = set(session.scalars(select(models.Officer.id)))
    for row in population.officer_rows:
        if row["id"] not in existing:
            session.add(models.Officer(status="idle", status_since=now,
                                       duty_grid=population.posts.get(str(row["id"]), ""), **row))
    existing = set(session.scalars(select(models.Vehicle.id)))
    for row in population.vehicle_rows:
        if row["id"] not in existing:
            session.add(models.Vehicle(status="idle", status_since=now, **row))
    return len(population.units)


def _start_simulator(services: Services, city: CityProcess, registered: threading.Event) -> None:
    """Wait until the listeners are bound and the city's units are known, then let its devices connect."""
    deadline = time.monotonic() + 60
    ports: list[int | None] = [None, None]
    while time.monotonic() < deadline:
        ports = [_bound_port(services, "jt808"), _bound_port(services, "osmand")]
        if all(ports) and registered.is_set():
            break
        if city.failed:
            return
        time.sleep(0.05)
    jt, osm = ports
    osmand = services.config.trackers.osmand
    city.start(("127.0.0.1", jt) if jt else None, ("127.0.0.1", osm) if osm else None,
               osmand_key=osmand.key if osmand is not None else "")


def _bound_port(services: Services, device_id: str) -> int | None:
    handle = services.devices.get(device_id)
    port = getattr(handle.adapter, "bound_port", None) if handle is not None else None
    return int(port) if port else None


class _Desk:
    """The simulated desk once it runs; stopping before it started means it never starts."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self.desk: SimulatedDesk | None = None

    def run(self, desk: SimulatedDesk) -> None:
        with self._lock:
            if not self.stopped.is_set():
                self.desk = desk.start()

    def stop(self) -> None:
        with self._lock:
            self.stopped.set()
            if self.desk is not None:
                self.desk.stop()


def phone_officers(population: CityPopulation) -> list[str]:
    """The simulated officers who carry a 城管通 phone: every officer of the city."""
    return [u.id for u in population.units if u.kind == "officer"]


def _start_phones(services: Services, city: CityProcess, registered: threading.Event,
                  phones: SimulatedPhones) -> None:
    """Once the officers are stored and the field listener is bound, pair the phones and let them work."""
    deadline = time.monotonic() + PHONES_WAIT_S
    while not registered.wait(0.2):
        if city.failed:
            return  # the city's failure is reported by the city process itself
        if time.monotonic() > deadline:
            log.warning("demo: the simulated phones stay off: the city's officers were not registered within %.0f s",
                        PHONES_WAIT_S)
            return
    population = city.population
    if population is None:
        return
    phones.officer_ids = phone_officers(population)
    port = None
    deadline = time.monotonic() + 60  # the listener binds and the officers are stored right after registration
    while time.monotonic() < deadline and not (port := _bound_port(services, "field")):
        time.sleep(0.1)
    try:
        while phones.officer_ids and time.monotonic() < deadline and services.store.scalar(
                "SELECT COUNT(*) FROM officers WHERE id = :o", {"o": phones.officer_ids[-1]}) == 0:
            time.sleep(0.2)
        if port and phones.officer_ids:
            # officers with tasks in hand switch their phones on first (2,000 phones take a while to sign in)
            busy = set(services.store.read(lambda s: list(s.scalars(select(models.Case.assigned_officer).where(
                models.Case.status.in_(("dispatched", "handling")), models.Case.assigned_officer.is_not(None))))))
            phones.officer_ids.sort(key=lambda officer: officer not in busy)
            phones.start(f"http://127.0.0.1:{port}")
        elif phones.officer_ids:
            log.warning("demo: the simulated phones stay off: the field listener did not bind within 60 s")
    except Exception:
        log.exception("demo: the simulated phones did not start")


def _seed_and_staff_desk(services: Services, city: CityProcess, registered: threading.Event, desk: _Desk) -> None:
    """A fresh demo database gets today's cases so far; then the simulated desk keeps cases moving."""
    cases, enforcement = services.cases, services.enforcement
    # Fresh or not is decided now, before the city's first reports arrive (they would make it look used).
    fresh = not services.store.scalar("SELECT COUNT(*) FROM cases")
    while not registered.wait(0.2):
        if desk.stopped.is_set() or city.failed:
            return
    population = city.population
    if population is None:
        return
    deadline = time.monotonic() + 20  # dispatch recommendations need the officers' live positions
    while time.monotonic() < deadline and len(services.tracker.snapshot()) < 0.8 * len(population.units):
        if desk.stopped.wait(0.2):
            return
    try:
        if fresh:
            points = population.street_points
            seeded = seed_today(lambda clock: CaseService(
                services.store, cases.calendar, services.categories, authorize=enforcement.authorize,
                audit=case_audit_hook(enforcement), guard=enforcement.guard, positions=services.tracker.snapshot,
                streets=services.streets, clock=clock), services.categories, points)
            log.info("demo: %d cases of today seeded", seeded)
    except Exception:
        log.exception("demo: seeding today's cases failed")
    if not desk.stopped.is_set():
        desk.run(SimulatedDesk(cases, actor="dispatcher", speedup=services.config.simulator.speedup))


def simulated_report(services: Services, report: dict[str, object]) -> None:
    """A simulated report through its real channel (runs on the simulator's thread, never the GUI's)."""
    source = str(report["source"])
    category = services.categories.resolve(str(report["category"]))
    lat, lon, text = float(str(report["lat"])), float(str(report["lon"])), str(report["description"])
    open311 = services.open311
    if source == "citizen" and open311 is not None and open311.bound_port:
        fields: dict[str, object] = {"api_key": DEMO_OPEN311_KEY, "service_code": category.code, "lat": lat,
                                     "long": lon, "description": text, "first_name": "市民", "phone": "13800000000"}
        box = services.extra.get("frigate_box")
        if isinstance(box, DemoFrigateBox):  # the citizen sends a photo with the report, as the apps ask
            fields["media_url"] = box.citizen_photo()
        body = urllib.parse.urlencode(fields).encode()
        url = f"http://127.0.0.1:{open311.bound_port}/open311/v2/requests.json"
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as resp:
            resp.read()
    elif source == "camera":
        # What a camera sees goes through the demo's Frigate box: MQTT event, snapshot over HTTP, the AI path.
        camera = services.nearest_camera(lat, lon, within_m=400.0)
        box = services.extra.get("frigate_box")
        if camera is not None and isinstance(box, DemoFrigateBox):
            box.detect(camera.id, demo_label(category.code))
    elif source == "sensor":
        camera = services.nearest_camera(lat, lon, within_m=400.0)
        text = f"视频智能识别：{category.name}"
        services.cases.intake_event(source, category.code, lat, lon, text, camera_id=camera.id if camera else None,
                                    actor="camera-ai")
        if camera is not None:
            services.events.camera_alarm.emit(camera.id, f"{camera.name}：{text}")
    else:
        channel = "hotline-12345" if source == "hotline" else "patrol-app"
        services.cases.create_case(NewCase(source=source, category=category.code, description=text, lat=lat,
                                           lon=lon, reporter="12345热线" if source == "hotline" else "巡查队员"),
                                   channel)


def _fly_demo_patrols(services: Services, stop: threading.Event) -> None:
    from commandcenter.demo.patrols import fly_demo_patrols

    zones: list[tuple[str, Sequence[tuple[float, float]]]] = [
        (z.name, z.ring) for kind in PATROL_ZONE_KINDS for z in services.zones if z.kind == kind and len(z.ring) >= 3]
    if not zones:  # a real city's basemap has no management zones: patrol the 责任区 around each drone's pad
        zones = _areas_near_drones(services)
    # flown as the demo's console user (值班长), checked and audited like any pilot's commands
    commander = services.drone_commands.for_actor(services.operator.user or "system")
    fly_demo_patrols(commander, services.fleet, [d.id for d in services.config.drones], zones,
                     on_event=lambda text: services.events.event_logged.emit("info", text), stop=stop)


def _areas_near_drones(services: Services) -> list[tuple[str, Sequence[tuple[float, float]]]]:
    """One 责任区 per demo drone, the one nearest to its home pad, as a patrol ring (rectangle of its bounds)."""
    areas = list(services.grid.areas)
    chosen: list[tuple[str, Sequence[tuple[float, float]]]] = []
    for lat, lon in drone_pads(services.basemap, len(services.config.drones)):

        def distance(area: ResponsibilityArea, lat: float = lat, lon: float = lon) -> float:
            s, w, n, e = area.bounds
            return haversine_m(lat, lon, (s + n) / 2, (w + e) / 2)

        for area in sorted(areas, key=distance):
            if area.name not in {name for name, _ring in chosen}:
                s, w, n, e = area.bounds
                chosen.append((area.name, [(s, w), (s, e), (n, e), (n, w)]))
                break
    return chosen


def use_demo_folders() -> str:
    """Everything the demo writes goes to its own folder (see :mod:`commandcenter.paths`); returns the previous
    profile."""
    return paths.use_profile(paths.DEMO)
