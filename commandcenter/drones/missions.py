"""Missions, geofences and rally points as the command center plans them, and the checks made before upload.

A plan is validated *before* it goes to the vehicle: a waypoint outside the inclusion fence, inside an exclusion
zone, above the fence ceiling or inside a no-fly zone (the airport) is refused with a reason naming the
waypoint, so the pilot fixes the plan instead of discovering the fence breach in the air. Generators (lawn-mower
survey, perimeter orbit) produce plain waypoints the pilot can still edit.

Coordinates are WGS-84 degrees; altitudes are metres relative to home (MAV_FRAME_GLOBAL_RELATIVE_ALT) unless an
item's frame says otherwise. Local geometry uses an equirectangular projection around the plan, exact enough
for the few kilometres a multicopter covers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from commandcenter.geo.coords import EARTH_RADIUS_M, haversine_m
from commandcenter.geo.zones import point_in_polygon as _point_in_polygon
from devices.mavlink import MissionWireItem, mav

FRAME_GLOBAL = mav.MAV_FRAME_GLOBAL
FRAME_RELATIVE = mav.MAV_FRAME_GLOBAL_RELATIVE_ALT
CMD_WAYPOINT = mav.MAV_CMD_NAV_WAYPOINT
CMD_TAKEOFF = mav.MAV_CMD_NAV_TAKEOFF
CMD_LAND = mav.MAV_CMD_NAV_LAND
CMD_RTL = mav.MAV_CMD_NAV_RETURN_TO_LAUNCH
CMD_LOITER_TIME = mav.MAV_CMD_NAV_LOITER_TIME
CMD_FENCE_INCLUSION = mav.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION
CMD_FENCE_EXCLUSION = mav.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION
CMD_FENCE_CIRCLE_INCLUSION = mav.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION
CMD_FENCE_CIRCLE_EXCLUSION = mav.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION
CMD_RALLY = mav.MAV_CMD_NAV_RALLY_POINT
# NAV commands whose lat/lon is a place the vehicle flies to (DO_* commands carry no position)
POSITIONAL = frozenset({CMD_WAYPOINT, CMD_TAKEOFF, CMD_LAND, CMD_LOITER_TIME, mav.MAV_CMD_NAV_LOITER_UNLIM,
                        mav.MAV_CMD_NAV_LOITER_TURNS, mav.MAV_CMD_NAV_SPLINE_WAYPOINT})

# NAV commands that fly to a place and so need one: 0, 0 (or a null in a .plan) is no place. TAKEOFF and LAND
# at 0, 0 mean "here" and are allowed without.
NEEDS_POSITION = frozenset({CMD_WAYPOINT, CMD_LOITER_TIME, mav.MAV_CMD_NAV_LOITER_UNLIM, mav.MAV_CMD_NAV_LOITER_TURNS,
                            mav.MAV_CMD_NAV_SPLINE_WAYPOINT})
# Every MAV_CMD of the dialect the links speak: anything else is a typo or a file from another world.
KNOWN_COMMANDS: frozenset[int] = frozenset(int(k) for k in mav.enums["MAV_CMD"] if k != mav.MAV_CMD_ENUM_END)
# The ceiling for light drones over a city (China's 120 m rule) when the plan's fence sets none lower.
MAX_ALT_M = 120.0

LatLon = tuple[float, float]


class MissionRejected(ValueError):
    """A plan that must not be uploaded; the message names the waypoint and the rule it breaks."""


# ---------------------------------------------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------------------------------------------


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance between two ``(lat, lon)`` points (the project's one haversine)."""
    return haversine_m(a[0], a[1], b[0], b[1])


class LocalFrame:
    """Equirectangular east/north metres around an origin, both ways."""

    def __init__(self, origin: LatLon) -> None:
        self.lat0, self.lon0 = origin
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(self.lat0))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def to_xy(self, p: LatLon) -> tuple[float, float]:
        return (p[1] - self.lon0) * self.kx, (p[0] - self.lat0) * self.ky

    def to_latlon(self, x: float, y: float) -> LatLon:
        return self.lat0 + y / self.ky, self.lon0 + x / self.kx


def centroid(points: Sequence[LatLon]) -> LatLon:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def point_in_polygon(p: LatLon, polygon: Sequence[LatLon]) -> bool:
    """The project's one point-in-polygon test (:func:`commandcenter.geo.zones.point_in_polygon`) on a point."""
    return _point_in_polygon(p[0], p[1], polygon)


def _interpolate(a: LatLon, b: LatLon, step_m: float) -> list[LatLon]:
    """Points along a leg every ``step_m`` (excluding the ends) so legs crossing a zone are caught."""
    n = int(distance_m(a, b) // step_m)
    return [(a[0] + (b[0] - a[0]) * k / (n + 1), a[1] + (b[1] - a[1]) * k / (n + 1)) for k in range(1, n + 1)]


# ---------------------------------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class MissionItem:
    """One mission command. ``params`` are MAVLink param1..param4; ``lat``/``lon``/``alt`` are params 5..7."""

    command: int = CMD_WAYPOINT
    lat: float = 0.0
    lon: float = 0.0
    alt: float = 0.0
    frame: int = FRAME_RELATIVE
    params: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    autocontinue: bool = True

    @property
    def positional(self) -> bool:
        return self.command in POSITIONAL and not (self.lat == 0.0 and self.lon == 0.0)


@dataclass
class Mission:
    """An ordered list of items (without ArduPilot's home item 0, which :func:`mission_to_wire` adds)."""

    items: list[MissionItem] = field(default_factory=list)
    cruise_speed: float = 8.0
    hover_speed: float = 5.0

    def waypoints(self) -> list[tuple[int, MissionItem]]:
        """(1-based number as shown to the pilot, item) of every item with a position."""
        return [(i + 1, it) for i, it in enumerate(self.items) if it.positional]


@dataclass
class Polygon:
    points: list[LatLon]
    inclusion: bool = True

    def contains(self, p: LatLon) -> bool:
        return point_in_polygon(p, self.points)


@dataclass
class Circle:
    lat: float
    lon: float
    radius: float
    inclusion: bool = True

    def contains(self, p: LatLon) -> bool:
        return distance_m((self.lat, self.lon), p) <= self.radius


@dataclass
class Geofence:
    """Inclusion/exclusion polygons and circles plus a ceiling. Empty inclusion lists mean "anywhere"."""

    polygons: list[Polygon] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    max_alt: float | None = None

    @property
    def has_inclusion(self) -> bool:
        return any(p.inclusion for p in self.polygons) or any(c.inclusion for c in self.circles)

    def zones(self) -> list[Polygon | Circle]:
        return [*self.polygons, *self.circles]

    def inside_inclusion(self, p: LatLon) -> bool:
        return any(z.contains(p) for z in self.zones() if z.inclusion)

    def exclusion_hit(self, p: LatLon) -> int | None:
        """1-based number of the exclusion zone containing ``p`` (polygons first, then circles)."""
        zones = [z for z in self.zones() if not z.inclusion]
        for number, zone in enumerate(zones, start=1):
            if zone.contains(p):
                return number
        return None

    def is_empty(self) -> bool:
        return not self.polygons and not self.circles


@dataclass
class RallyPoint:
    lat: float
    lon: float
    alt: float = 30.0


@dataclass(frozen=True)
class NoFlyZone:
    """A restricted area: a circle (centre and ``radius_m``) or a ``polygon``; a 禁飞区 when ``max_alt_m`` is None
    (never fly into it), a 限高区 otherwise (never above ``max_alt_m`` m inside it).

    The zones come from the bureau's database (``commandcenter data import nofly``); nothing about one city is
    built in (the demo brings its own airport, ``commandcenter.demo``).
    """

    name: str
    lat: float
    lon: float
    radius_m: float = 0.0
    polygon: tuple[LatLon, ...] = ()
    max_alt_m: float | None = None

    def contains(self, p: LatLon) -> bool:
        if self.polygon:
            return point_in_polygon(p, self.polygon)
        return distance_m((self.lat, self.lon), p) <= self.radius_m

    def forbids(self, p: LatLon, alt: float) -> bool:
        """Whether being at ``p``, ``alt`` m above home, breaks this zone."""
        return self.contains(p) and (self.max_alt_m is None or alt > self.max_alt_m)

    @property
    def description(self) -> str:
        """What the pilot reads after the zone's name."""
        shape = (f"within {self.radius_m:.0f} m of {self.lat:.3f}, {self.lon:.3f}" if not self.polygon
                 else f"polygon of {len(self.polygon)} vertices")
        return shape if self.max_alt_m is None else f"height limit {self.max_alt_m:.0f} m, {shape}"


# No zone is built in: a bureau imports its own (airports, military sites, 限高区) into the database.
DEFAULT_NO_FLY_ZONES: tuple[NoFlyZone, ...] = ()


@dataclass
class MissionPlan:
    """What a QGroundControl .plan file holds: mission, fence and rally points, plus the planned home."""

    mission: Mission = field(default_factory=Mission)
    fence: Geofence = field(default_factory=Geofence)
    rally: list[RallyPoint] = field(default_factory=list)
    home: tuple[float, float, float] | None = None  # lat, lon, AMSL alt


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------


def command_name(command: int) -> str:
    """``WAYPOINT`` for 16, ``999`` for a command the dialect does not know."""
    entry = mav.enums["MAV_CMD"].get(command)
    return entry.name.removeprefix("MAV_CMD_NAV_").removeprefix("MAV_CMD_") if entry is not None else str(command)


def item_problems(mission: Mission, max_alt: float = MAX_ALT_M) -> list[str]:
    """What makes an item unflyable whatever the fences: unknown command, a number that is not finite, a NAV
    command without coordinates, an altitude above ``max_alt`` (m above home) — each naming the item and field."""
    problems: list[str] = []
    for number, item in enumerate(mission.items, start=1):
        if item.command not in KNOWN_COMMANDS:
            problems.append(f"item {number}: command {item.command} is not a known MAV_CMD")
            continue
        where = f"item {number} ({command_name(item.command)})"
        values = [("lat", item.lat), ("lon", item.lon), ("alt", item.alt),
                  *((f"param{k}", v) for k, v in enumerate(item.params, start=1))]
        # param4 (yaw) is NaN on purpose in many plans: "keep the current heading"
        bad = [name for name, value in values if math.isinf(value) or (math.isnan(value) and name != "param4")]
        if bad:
            problems.append(f"{where}: {', '.join(bad)} is not a finite number")
            continue
        if item.command in NEEDS_POSITION and item.lat == 0.0 and item.lon == 0.0:
            problems.append(f"{where}: lat/lon missing (a {command_name(item.command)} needs a position)")
        if item.frame == FRAME_RELATIVE and (item.command in POSITIONAL) and item.alt > max_alt:
            problems.append(f"{where}: alt {item.alt:g} m is above the maximum {max_alt:g} m")
    return problems


def target_problems(lat: float, lon: float, alt: float, max_alt: float = MAX_ALT_M) -> list[str]:
    """Why a guided go-to (lat, lon, alt m above home) must not be sent; [] when it may."""
    problems = [f"{name} {value} is not a finite number" for name, value in (("lat", lat), ("lon", lon),
                                                                               ("alt", alt))
                if not math.isfinite(value)]
    if problems:
        return problems
    if not -90.0 <= lat <= 90.0:
        problems.append(f"lat {lat:g} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        problems.append(f"lon {lon:g} is outside -180..180")
    if lat == 0.0 and lon == 0.0:
        problems.append("lat/lon 0, 0 is no place to fly to")
    problems += altitude_problems(alt, max_alt)
    return problems


def altitude_problems(alt: float, max_alt: float = MAX_ALT_M) -> list[str]:
    """Why ``alt`` (m above home) is no altitude to fly at: not finite, below home, above ``max_alt``."""
    if not math.isfinite(alt):
        return [f"alt {alt} is not a finite number"]
    if alt < 0.0:
        return [f"alt {alt:g} m is below home"]
    if alt > max_alt:
        return [f"alt {alt:g} m is above the maximum {max_alt:g} m"]
    return []


def mission_problems(mission: Mission, fence: Geofence | None = None,
                     no_fly: Iterable[NoFlyZone] = DEFAULT_NO_FLY_ZONES, home: LatLon | None = None,
                     leg_step_m: float = 10.0, max_alt: float = MAX_ALT_M) -> list[str]:
    """Every rule the mission breaks, each naming the waypoint (1-based, as the pilot sees it) or leg.

    Items that cannot be flown at all (see :func:`item_problems`) are reported alone: the geometry checks
    need finite positions.
    """
    fence = fence or Geofence()
    zones = list(no_fly)
    points = mission.waypoints()
    if not mission.items:
        return ["the mission has no items"]
    problems = item_problems(mission, max_alt)
    if problems:
        return problems
    for number, item in points:
        where = f"waypoint {number} ({item.lat:.6f}, {item.lon:.6f})"
        p = (item.lat, item.lon)
        if not (-90 <= item.lat <= 90 and -180 <= item.lon <= 180):
            problems.append(f"{where} is not a valid WGS-84 position")
            continue
        for zone in zones:
            if zone.forbids(p, item.alt):
                kind = "no-fly zone" if zone.max_alt_m is None else "height-limited zone"
                problems.append(f"{where} is inside the {kind} {zone.name} ({zone.description})")
        if fence.has_inclusion and not fence.inside_inclusion(p):
            problems.append(f"{where} is outside the inclusion fence")
        hit = fence.exclusion_hit(p)
        if hit is not None:
            problems.append(f"{where} is inside exclusion zone {hit}")
        if fence.max_alt is not None and item.frame == FRAME_RELATIVE and item.alt > fence.max_alt:
            problems.append(f"{where} altitude {item.alt:.0f} m is above the fence ceiling {fence.max_alt:.0f} m")
        if item.alt < 0 and item.command != CMD_LAND:
            problems.append(f"{where} altitude {item.alt:.0f} m is below home")
    path: list[tuple[str, LatLon, float]] = [("home", home, 0.0)] if home else []
    path += [(f"waypoint {n}", (it.lat, it.lon), it.alt) for n, it in points]
    for (name_a, a, alt_a), (name_b, b, alt_b) in itertools.pairwise(path):
        leg_alt = max(alt_a, alt_b)  # a leg climbs or descends between its ends: its highest point counts
        for q in _interpolate(a, b, leg_step_m):
            reason = None
            for zone in zones:
                if zone.forbids(q, leg_alt):
                    kind = "no-fly zone" if zone.max_alt_m is None else "height-limited zone"
                    reason = f"crosses the {kind} {zone.name}"
            if reason is None and fence.exclusion_hit(q) is not None:
                reason = f"crosses exclusion zone {fence.exclusion_hit(q)}"
            if reason is None and fence.has_inclusion and not fence.inside_inclusion(q):
                reason = "leaves the inclusion fence"
            if reason:
                problems.append(f"leg {name_a} → {name_b} {reason}")
                break
    return problems


def validate_mission(mission: Mission, fence: Geofence | None = None,
                     no_fly: Iterable[NoFlyZone] = DEFAULT_NO_FLY_ZONES, home: LatLon | None = None,
                     max_alt: float = MAX_ALT_M) -> None:
    """Raise :class:`MissionRejected` with the first problems if the mission must not be uploaded."""
    problems = mission_problems(mission, fence, no_fly, home, max_alt=max_alt)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise MissionRejected("; ".join(problems[:3]) + more)


# ---------------------------------------------------------------------------------------------------------------
# Estimates
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissionEstimate:
    distance_m: float
    flight_time_s: float
    battery_pct: float


def estimate(mission: Mission, home: LatLon | None = None, *, climb_rate: float = 2.5,
             battery_pct_per_min: float = 3.0, reserve_return: bool = True) -> MissionEstimate:
    """Horizontal path length, time at cruise speed plus climbs/descents, and battery at a per-minute draw."""
    points = [(it.lat, it.lon, it.alt) for _, it in mission.waypoints()]
    if home:
        points = [(home[0], home[1], 0.0), *points]
        if reserve_return and points:
            points.append((home[0], home[1], 0.0))
    dist = 0.0
    vertical = 0.0
    for a, b in itertools.pairwise(points):
        dist += distance_m(a[:2], b[:2])
        vertical += abs(b[2] - a[2])
    hold = sum(it.params[0] for it in mission.items if it.command == CMD_LOITER_TIME)
    seconds = dist / max(mission.cruise_speed, 0.1) + vertical / climb_rate + hold
    return MissionEstimate(dist, seconds, seconds / 60.0 * battery_pct_per_min)


# ---------------------------------------------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------------------------------------------


def lawnmower(polygon: Sequence[LatLon], spacing_m: float, angle_deg: float, alt: float, *,
              takeoff: bool = False, rtl: bool = False, inset_m: float = 2.0) -> Mission:
    """A boustrophedon survey: parallel lines ``spacing_m`` apart at ``angle_deg`` (0 = east-west lines).

    Lines are clipped to the polygon (concave shapes give several segments per line, flown in order), and
    consecutive lines alternate direction so the turns are short. Line ends stay ``inset_m`` inside the edge:
    the area is often also the inclusion fence, and a waypoint exactly on the fence is a breach waiting to
    happen with GPS noise.
    """
    if len(polygon) < 3:
        raise ValueError("a survey area needs at least 3 corners")
    if spacing_m <= 0:
        raise ValueError("line spacing must be positive")
    frame = LocalFrame(centroid(polygon))
    theta = math.radians(angle_deg)
    cos_t, sin_t = math.cos(theta), math.sin(theta)

    def rotate(x: float, y: float, sign: float) -> tuple[float, float]:
        return x * cos_t + sign * y * sin_t, -sign * x * sin_t + y * cos_t

    pts = [rotate(*frame.to_xy(p), 1.0) for p in polygon]  # into the frame where lines are horizontal
    ys = [p[1] for p in pts]
    items: list[MissionItem] = []
    if takeoff:
        items.append(MissionItem(CMD_TAKEOFF, 0.0, 0.0, alt))
    y = min(ys) + spacing_m / 2
    forward = True
    while y < max(ys):
        xs: list[float] = []
        for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
            if (y1 <= y < y2) or (y2 <= y < y1):
                xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
        xs.sort()
        segments = [(xs[i] + inset_m, xs[i + 1] - inset_m) for i in range(0, len(xs) - 1, 2)
                    if xs[i + 1] - xs[i] > 2 * inset_m]
        if not forward:
            segments = [(b, a) for a, b in reversed(segments)]
        for a, b in segments:
            for x in (a, b):
                lat, lon = frame.to_latlon(*rotate(x, y, -1.0))
                items.append(MissionItem(CMD_WAYPOINT, lat, lon, alt))
        forward = not forward
        y += spacing_m
    if rtl:
        items.append(MissionItem(CMD_RTL))
    return Mission(items)


def orbit(center: LatLon, radius_m: float, alt: float, points: int = 12) -> Mission:
    """A closed circle of waypoints around a point of interest."""
    frame = LocalFrame(center)
    items = []
    for k in range(points + 1):
        a = 2 * math.pi * k / points
        lat, lon = frame.to_latlon(radius_m * math.sin(a), radius_m * math.cos(a))
        items.append(MissionItem(CMD_WAYPOINT, lat, lon, alt))
    return Mission(items)


def perimeter_orbit(zone: Sequence[LatLon], margin_m: float, alt: float, laps: int = 1) -> Mission:
    """Fly around a zone (an enforcement area, a construction site) ``margin_m`` outside its corners."""
    if len(zone) < 3:
        raise ValueError("a zone needs at least 3 corners")
    frame = LocalFrame(centroid(zone))
    ring: list[LatLon] = []
    for p in zone:
        x, y = frame.to_xy(p)
        r = math.hypot(x, y) or 1.0
        ring.append(frame.to_latlon(x * (r + margin_m) / r, y * (r + margin_m) / r))
    loop = ring * laps + ring[:1]
    return Mission([MissionItem(CMD_WAYPOINT, lat, lon, alt) for lat, lon in loop])


# ---------------------------------------------------------------------------------------------------------------
# Wire conversion (MISSION_ITEM_INT lists for devices.mavlink upload/download)
# ---------------------------------------------------------------------------------------------------------------


def _item_to_wire(seq: int, it: MissionItem) -> MissionWireItem:
    return MissionWireItem(seq=seq, frame=it.frame, command=it.command, param1=it.params[0],
                           param2=it.params[1], param3=it.params[2], param4=it.params[3],
                           x=round(it.lat * 1e7), y=round(it.lon * 1e7), z=float(it.alt),
                           autocontinue=int(it.autocontinue))


def _item_from_wire(w: MissionWireItem) -> MissionItem:
    return MissionItem(command=w.command, lat=w.x / 1e7, lon=w.y / 1e7, alt=w.z, frame=w.frame,
                       params=(w.param1, w.param2, w.param3, w.param4), autocontinue=bool(w.autocontinue))


def mission_to_wire(mission: Mission, home: tuple[float, float, float] | None = None,
                    ardupilot: bool = True) -> list[MissionWireItem]:
    """ArduPilot's mission list starts with the home position as item 0; PX4's does not."""
    items = list(mission.items)
    if ardupilot:
        first = next((it for _, it in mission.waypoints()), None)
        h = home or ((first.lat, first.lon, 0.0) if first else (0.0, 0.0, 0.0))
        items.insert(0, MissionItem(CMD_WAYPOINT, h[0], h[1], h[2], frame=FRAME_GLOBAL))
    return [_item_to_wire(seq, it) for seq, it in enumerate(items)]


def mission_from_wire(items: Sequence[MissionWireItem], ardupilot: bool = True
                      ) -> tuple[Mission, tuple[float, float, float] | None]:
    """The mission and (for ArduPilot) the home stored in item 0."""
    converted = [_item_from_wire(w) for w in items]
    home = None
    if ardupilot and converted:
        first = converted.pop(0)
        home = (first.lat, first.lon, first.alt)
    return Mission(converted), home


def fence_to_wire(fence: Geofence) -> list[MissionWireItem]:
    """Polygons as runs of vertex items (param1 = vertex count), circles as one item (param1 = radius)."""
    items: list[MissionItem] = []
    for poly in fence.polygons:
        cmd = CMD_FENCE_INCLUSION if poly.inclusion else CMD_FENCE_EXCLUSION
        items += [MissionItem(cmd, lat, lon, 0.0, FRAME_GLOBAL, (float(len(poly.points)), 0.0, 0.0, 0.0))
                  for lat, lon in poly.points]
    for c in fence.circles:
        cmd = CMD_FENCE_CIRCLE_INCLUSION if c.inclusion else CMD_FENCE_CIRCLE_EXCLUSION
        items.append(MissionItem(cmd, c.lat, c.lon, 0.0, FRAME_GLOBAL, (c.radius, 0.0, 0.0, 0.0)))
    return [_item_to_wire(seq, it) for seq, it in enumerate(items)]


def fence_from_wire(items: Sequence[MissionWireItem], max_alt: float | None = None) -> Geofence:
    fence = Geofence(max_alt=max_alt)
    i = 0
    while i < len(items):
        w = items[i]
        if w.command in (CMD_FENCE_INCLUSION, CMD_FENCE_EXCLUSION):
            count = max(1, round(w.param1))
            run = items[i:i + count]
            fence.polygons.append(Polygon([(v.x / 1e7, v.y / 1e7) for v in run], w.command == CMD_FENCE_INCLUSION))
            i += count
            continue
        if w.command in (CMD_FENCE_CIRCLE_INCLUSION, CMD_FENCE_CIRCLE_EXCLUSION):
            fence.circles.append(Circle(w.x / 1e7, w.y / 1e7, w.param1, w.command == CMD_FENCE_CIRCLE_INCLUSION))
        i += 1
    return fence


def rally_to_wire(points: Sequence[RallyPoint]) -> list[MissionWireItem]:
    return [_item_to_wire(seq, MissionItem(CMD_RALLY, p.lat, p.lon, p.alt)) for seq, p in enumerate(points)]


def rally_from_wire(items: Sequence[MissionWireItem]) -> list[RallyPoint]:
    return [RallyPoint(w.x / 1e7, w.y / 1e7, w.z) for w in items if w.command == CMD_RALLY]
