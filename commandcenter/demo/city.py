"""The simulated city: officers on patrol, sanitation vehicles on their routes, citizens reporting problems.

Units move along the basemap's streets (``StreetGraph``) and report exactly as field devices do: vehicles are
JT/T 808 terminals connected over TCP to the command center's JT/T 808 listener, officers are OsmAnd phones
posting over HTTP to the OsmAnd listener. So the demo exercises the real adapters, the real runtime and the
real store — nothing is injected behind the adapters' backs.

Everything random is drawn from one seeded generator: the same seed gives the same district population.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from commandcenter.domain import VEHICLE_KINDS, UnitKind
from commandcenter.geo.basemap import Basemap
from commandcenter.geo.coords import bearing_deg, haversine_m
from commandcenter.geo.streets import StreetGraph
from commandcenter.runtime.units import UnitInfo
from devices.jt808 import Jt808Terminal
from devices.osmand import OsmAndClient

SENDERS = 16  # sending threads of the simulated phones (each device has at most one report in flight)
TERMINAL_SENDERS = 4  # the vehicles' JT/T 808 terminals send on threads of their own: real ones do not wait for
# phones (with one shared pool, phones whose answers were slow held every thread and no vehicle reported)

log = logging.getLogger(__name__)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志峰亮成晨东海文博晓敏静丽婷雪琳洁"
TEAMS = ("一中队", "二中队", "三中队", "四中队", "机动中队")
# Every squad officer does 市容执法 (street order: stalls, parking, flyers …); the specialties are the 所需技能
# words of resources/cases/categories.csv, so a recommendation says 技能匹配 where it should.
BASE_SKILL = "市容执法"
SKILLS = ("渣土管理", "违建查处", "广告管理", "应急处置", "房屋安全", "环卫保洁")

# Citizen / hotline categories with relative frequency (GB/T 30428 小类 names as the bureau's staff say them).
REPORT_CATEGORIES = (
    ("暴露垃圾", 18), ("占道经营", 22), ("店外经营", 12), ("非法小广告", 10), ("乱堆物料", 8),
    ("私搭乱建", 4), ("道路破损", 5), ("井盖缺失", 3), ("绿地脏乱", 5), ("渣土撒漏", 4), ("施工扰民", 6),
    ("无照经营", 3),
)


@dataclass
class Mover:
    """One simulated unit walking or driving a polyline route."""

    info: UnitInfo
    device_key: str
    mode: str  # walk | ebike | car
    speed_mps: float
    route: list[tuple[float, float]] = field(default_factory=list)
    seg: int = 0
    along: float = 0.0  # metres along the current segment
    lat: float = 0.0
    lon: float = 0.0
    heading: float = 0.0
    next_report: float = 0.0
    home_node: int = 0

    def advance(self, dt: float) -> bool:
        """Move ``dt`` seconds along the route; False when the route is finished."""
        remaining = self.speed_mps * dt
        while remaining > 0 and self.seg < len(self.route) - 1:
            (a_lat, a_lon), (b_lat, b_lon) = self.route[self.seg], self.route[self.seg + 1]
            seg_len = max(haversine_m(a_lat, a_lon, b_lat, b_lon), 0.01)
            step = min(remaining, seg_len - self.along)
            self.along += step
            remaining -= step
            f = self.along / seg_len
            self.lat = a_lat + (b_lat - a_lat) * f
            self.lon = a_lon + (b_lon - a_lon) * f
            self.heading = bearing_deg(a_lat, a_lon, b_lat, b_lon)
            if self.along >= seg_len - 1e-6:
                self.seg += 1
                self.along = 0.0
        return self.seg < len(self.route) - 1


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


class CitySimulator:
    """Population + movement + reports. ``start()`` runs it on its own thread; ``stop()`` ends it."""

    def __init__(self, basemap: Basemap, *, officers: int = 200, vehicles: int = 50, seed: int = 20261121,
                 reports_per_hour: float = 120.0, officer_report_s: float = 5.0, vehicle_report_s: float = 2.0,
                 speedup: float = 1.0, graph: StreetGraph | None = None) -> None:
        self.basemap = basemap
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.speedup = speedup
        self.reports_per_hour = reports_per_hour
        self.officer_report_s = officer_report_s
        self.vehicle_report_s = vehicle_report_s
        full = graph or StreetGraph.from_basemap(basemap)
        self.graph = full.largest_component("walk")
        self.movers: list[Mover] = []
        self.vehicle_routes: dict[str, list[tuple[float, float]]] = {}
        self.posts: dict[str, str] = {}  # officer id → 责任区 code of the post (filled by whoever knows the grid)
        self._make_officers(officers)
        self._make_vehicles(vehicles)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Devices report independently, as real phones and terminals do: the platform answers a report only once
        # it is stored, so a device waits tens of milliseconds for its answer, and one loop waiting for each in
        # turn would let a thousand officers report a few times a minute. Each device has one report in flight.
        self._senders: ThreadPoolExecutor | None = None
        self._terminal_senders: ThreadPoolExecutor | None = None
        self._in_flight: set[str] = set()
        self._in_flight_lock = threading.Lock()
        self._clients = threading.local()
        self._terminals: dict[str, Jt808Terminal] = {}
        self._auth_codes: dict[str, str] = {}  # a real terminal keeps its code and only authenticates on reconnect
        self._osmand: list[OsmAndClient] = []
        self.jt808_address: tuple[str, int] | None = None
        self.osmand_address: tuple[str, int] | None = None
        self.osmand_key = ""
        self.case_sink: Callable[[dict[str, object]], None] | None = None
        self.reports_sent = 0
        self.report_errors = 0
        self.last_error = ""

    # ----------------------------------------------------------------------------------------- population
    def _random_node(self) -> int:
        return int(self.rng.randrange(self.graph.node_count))

    def _make_officers(self, n: int) -> None:
        for i in range(n):
            uid = f"officer-{i + 1:04d}"
            team = TEAMS[i % len(TEAMS)]
            skills = [BASE_SKILL, self.rng.sample(SKILLS, 2)[0]]
            info = UnitInfo(id=uid, kind=UnitKind.OFFICER.value, name=chinese_name(self.rng), sub_kind=team,
                            status="idle", device_keys=(uid,))
            ebike = self.rng.random() < 0.4
            mover = Mover(info, uid, "ebike" if ebike else "walk",
                          speed_mps=(4.5 if ebike else 1.3) * self.rng.uniform(0.8, 1.2))
            mover.home_node = self._random_node()
            self._new_route(mover, mover.home_node, 400 if not ebike else 1200)
            mover.badge = f"320104{i + 1:04d}"  # type: ignore[attr-defined]
            mover.skills = skills  # type: ignore[attr-defined]
            self.movers.append(mover)

    def _make_vehicles(self, n: int) -> None:
        for i in range(n):
            uid = f"hw-{i + 1:03d}"
            kind = VEHICLE_KINDS[0] if i % 5 != 4 else self.rng.choice(VEHICLE_KINDS[1:4])
            phone = f"0139{10000000 + i:08d}"
            plate = f"苏A·{'H' if kind == '环卫车' else 'Z'}{i + 1:04d}"
            info = UnitInfo(id=uid, kind=UnitKind.VEHICLE.value, name=plate, sub_kind=kind, status="idle",
                            device_keys=(phone,))
            mover = Mover(info, phone, "car", speed_mps=self.rng.uniform(4.0, 8.0))
            mover.home_node = self._random_node()
            self._new_route(mover, mover.home_node, 2500)
            self.vehicle_routes[uid] = list(mover.route)
            self.movers.append(mover)

    def _new_route(self, mover: Mover, start: int, length_m: float) -> None:
        nodes = self.graph.random_route(self.rng, start, length_m, mode="walk")
        if len(nodes) < 2:
            nodes = [start, start]
        # Out and back: a vehicle loops its sanitation route, an officer patrols around his post.
        nodes = nodes + list(reversed(nodes))[1:]
        mover.route = self.graph.route_coords(nodes)
        mover.seg = 0
        mover.along = 0.0
        mover.lat, mover.lon = mover.route[0]

    def unit_infos(self) -> list[UnitInfo]:
        return [m.info for m in self.movers]

    def officer_rows(self) -> list[dict[str, object]]:
        return [
            {"id": m.info.id, "badge": getattr(m, "badge", m.info.id), "name": m.info.name, "team": m.info.sub_kind,
             "skills": getattr(m, "skills", []), "device": m.device_key}
            for m in self.movers if m.info.kind == UnitKind.OFFICER.value
        ]

    def vehicle_rows(self) -> list[dict[str, object]]:
        return [
            {"id": m.info.id, "plate": m.info.name, "kind": m.info.sub_kind, "terminal": m.device_key}
            for m in self.movers if m.info.kind == UnitKind.VEHICLE.value
        ]

    def vehicle_terminals(self) -> set[str]:
        return {m.device_key for m in self.movers if m.info.kind == UnitKind.VEHICLE.value}

    # ----------------------------------------------------------------------------------------- running
    def start(self, jt808: tuple[str, int] | None, osmand: tuple[str, int] | None, *, osmand_key: str = "") -> None:
        """Connect the simulated devices; ``osmand_key`` is the phones' key when the listener requires one."""
        self.jt808_address = jt808
        self.osmand_address = osmand
        self.osmand_key = osmand_key
        self._senders = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="sim-device")
        self._terminal_senders = ThreadPoolExecutor(max_workers=TERMINAL_SENDERS, thread_name_prefix="sim-terminal")
        self._thread = threading.Thread(target=self._run, name="city-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        for pool in (self._senders, self._terminal_senders):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        for term in self._terminals.values():
            try:
                term.close()
            except OSError:
                pass
        for client in list(self._osmand):
            client.close()

    def _terminal(self, mover: Mover) -> Jt808Terminal | None:
        term = self._terminals.get(mover.device_key)
        if term is not None or self.jt808_address is None:
            return term
        host, port = self.jt808_address
        try:
            term = Jt808Terminal(mover.device_key, host, port, version=2013, timeout=3.0)
            code = self._auth_codes.get(mover.device_key)
            if code is None or term.authenticate(code) != 0:
                # registered once per terminal: the platform refuses a second registration (result 3)
                term.register(plate=mover.info.name.replace("·", ""), province=32, city=100)
                term.authenticate()
                self._auth_codes[mover.device_key] = term.auth_code
        except (OSError, ValueError) as exc:
            self.last_error = f"JT/T 808 terminal {mover.device_key}: {exc}"
            self.report_errors += 1
            return None
        self._terminals[mover.device_key] = term
        return term

    def _osmand_client(self) -> OsmAndClient | None:
        """The sending thread's own OsmAnd connection (a keep-alive connection is not shared between threads)."""
        client: OsmAndClient | None = getattr(self._clients, "osmand", None)
        if client is None and self.osmand_address is not None:
            host, port = self.osmand_address
            client = OsmAndClient(host, port, timeout=10.0)
            self._clients.osmand = client
            self._osmand.append(client)
        return client

    def _run(self) -> None:
        # Stagger first reports so a thousand officers do not all post in the same instant.
        now = time.monotonic()
        for m in self.movers:
            period = self.vehicle_report_s if m.info.kind == UnitKind.VEHICLE.value else self.officer_report_s
            m.next_report = now + self.rng.uniform(0, period)
        last = now
        next_case = now + self._next_case_gap()
        tick = 1.0  # positions are reported every few seconds; moving them more often only costs GIL time
        while not self._stop.wait(tick):
            now = time.monotonic()
            dt = (now - last) * self.speedup
            last = now
            for m in self.movers:
                if not m.advance(dt):
                    if m.info.kind == UnitKind.VEHICLE.value:
                        m.seg, m.along = 0, 0.0  # loop the assigned route (the route corridor stays valid)
                    else:
                        self._new_route(m, m.home_node, 400 if m.mode == "walk" else 900)
                if now >= m.next_report:
                    self._report(m)
                    period = self.vehicle_report_s if m.info.kind == UnitKind.VEHICLE.value else self.officer_report_s
                    m.next_report = now + period
                if self._stop.is_set():
                    return
            while now >= next_case and not self._stop.is_set():  # several arrivals may fall in one tick
                self._citizen_report()
                next_case += self._next_case_gap()

    def _report(self, m: Mover) -> None:
        """Hand the mover's position, as it is now, to a sending thread (skipped while its last report is
        still unanswered, like a device that is still waiting)."""
        with self._in_flight_lock:
            pool = self._terminal_senders if m.info.kind == UnitKind.VEHICLE.value else self._senders
            if m.device_key in self._in_flight or pool is None:
                return
            self._in_flight.add(m.device_key)
        fix = (m.lat, m.lon, m.speed_mps, m.heading, datetime.now(UTC))
        try:
            pool.submit(self._send, m, *fix)
        except RuntimeError:  # stopping
            with self._in_flight_lock:
                self._in_flight.discard(m.device_key)

    def _send(self, m: Mover, lat: float, lon: float, speed_mps: float, heading: float, fix_time: datetime) -> None:
        try:
            if m.info.kind == UnitKind.VEHICLE.value:
                term = self._terminal(m)
                if term is None:
                    return
                term.report(lat, lon, speed_kmh=speed_mps * 3.6, heading=heading, time=fix_time)
            else:
                client = self._osmand_client()
                if client is None:
                    return
                client.report(m.device_key, lat, lon, timestamp=fix_time, speed_knots=speed_mps * 1.943844,
                              bearing=heading, accuracy=5.0, batt=80, key=self.osmand_key or None)
            self.reports_sent += 1
        except (OSError, ValueError, TimeoutError) as exc:
            self.report_errors += 1
            self.last_error = f"{m.info.id}: {exc}"
            self._terminals.pop(m.device_key, None)
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(m.device_key)

    def _next_case_gap(self) -> float:
        rate_per_s = self.reports_per_hour / 3600.0 * self.speedup
        return self.rng.expovariate(rate_per_s) if rate_per_s > 0 else math.inf

    def _citizen_report(self) -> None:
        if self.case_sink is None:
            return
        names, weights = zip(*REPORT_CATEGORIES, strict=True)
        category = self.rng.choices(names, weights)[0]
        node = self._random_node()
        lat, lon = self.graph.node_latlon(node)
        lat += self.rng.uniform(-0.0002, 0.0002)
        lon += self.rng.uniform(-0.0002, 0.0002)
        source = self.rng.choices(("citizen", "hotline", "patrol", "camera"), (5, 3, 3, 1))[0]
        try:
            self.case_sink({"category": category, "lat": lat, "lon": lon, "source": source,
                            "description": f"{category}：市民反映该处存在{category}问题，请尽快处理。"})
        except Exception as exc:  # the intake refuses bad input with a reason; the simulation goes on
            self.report_errors += 1
            self.last_error = f"case report: {exc}"
