"""The bundled simulated district: 南京 秦淮区 夫子庙—老门东, about 2.5 × 2 km, in WGS-84.

The demo, the simulator and the tests need a believable city area that the project may redistribute freely, so
the district is *generated* rather than taken from a map provider: the real street names and landmarks of the
area (中华路, 建康路, 长乐路, 瞻园路, 平江府路, 贡院街, 乌衣巷, 秦淮河, 白鹭洲公园 ...) laid out on a simplified,
deterministic plan at the right place on Earth.  It is not a survey: positions are approximate and minor lanes
are invented.  Because it is project-generated, it carries no third-party attribution.

``python -m commandcenter.geo.district`` regenerates ``resources/basemap/district.geojson``; the generator is
seeded, so regenerating without code changes reproduces the file byte for byte.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from commandcenter.geo.basemap import Basemap, LatLon, MapFeature, load_geojson
from commandcenter.geo.coords import LocalProjection
from commandcenter.geo.zones import GridIndex, Zone, ZoneIndex, make_unit_grid
from commandcenter.paths import RESOURCES

__all__ = [
    "DISTRICT_CODE",
    "DISTRICT_NAME",
    "DISTRICT_PATH",
    "ORIGIN",
    "SEED",
    "default_unit_grid",
    "default_zone_index",
    "default_zones",
    "generate_district",
    "load_default_basemap",
    "main",
]

DISTRICT_PATH: Final = RESOURCES / "basemap" / "district.geojson"
DISTRICT_NAME: Final = "秦淮区 夫子庙—老门东片区（模拟辖区）"
DISTRICT_CODE: Final = "320104"  # 南京市秦淮区 (GB/T 2260)
ORIGIN: Final[LatLon] = (32.0105, 118.7700)  # south-west corner of the plan, WGS-84
WIDTH_M: Final = 2500.0
HEIGHT_M: Final = 2000.0
SEED: Final = 20240601

Pt = tuple[float, float]  # plan coordinates: metres east, metres north of ORIGIN

_GRADE: Final = {
    "primary": "主干道",
    "secondary": "次干道",
    "residential": "支路",
    "pedestrian": "步行街",
    "footway": "步行桥",
}
_CLASS_RANK: Final = {"primary": 0, "secondary": 1, "pedestrian": 2, "residential": 3, "footway": 4}

# (name, class, plan polyline, extra properties).  Ends that stop at another street are snapped onto it.
_STREETS: Final[list[tuple[str, str, list[Pt], dict[str, object]]]] = [
    # north-south
    ("中华路", "primary", [(300, 0), (300, 2000)], {"bridge_name": "镇淮桥"}),
    ("钓鱼台", "residential", [(120, 300), (120, 860)], {}),
    ("南捕厅", "residential", [(120, 1180), (120, 1880)], {}),
    ("剪子巷", "residential", [(560, 0), (560, 860)], {}),
    ("大板巷", "residential", [(560, 1180), (560, 1880)], {}),
    ("箍桶巷", "residential", [(820, 0), (820, 860)], {}),
    ("来燕路", "residential", [(820, 1180), (820, 1880)], {}),
    ("平江府路", "secondary", [(1150, 0), (1150, 2000)], {"bridge_name": "平江桥"}),
    ("钞库街", "residential", [(1450, 150), (1450, 860)], {}),
    ("琵琶街", "residential", [(1450, 1180), (1450, 1880)], {}),
    ("乌衣巷", "pedestrian", [(1750, 560), (1750, 860)], {}),
    ("东牌楼", "residential", [(1750, 1500), (1750, 1880)], {}),
    ("龙蟠中路", "primary", [(2200, 0), (2200, 2000)], {"bridge_name": "武定桥"}),
    ("大光路", "residential", [(2380, 300), (2380, 860)], {}),
    # east-west
    ("饮马巷", "residential", [(300, 150), (2200, 150)], {}),
    ("长乐路", "secondary", [(0, 300), (2500, 300)], {}),
    ("三条营", "pedestrian", [(300, 560), (1150, 560)], {"alias": "老门东历史街区"}),
    ("马道街", "residential", [(1150, 560), (2500, 560)], {}),
    ("边营", "residential", [(120, 860), (1150, 860)], {}),
    ("大石坝街", "pedestrian", [(1150, 860), (2380, 860)], {}),
    ("瞻园路", "secondary", [(0, 1180), (820, 1180)], {}),
    ("贡院街", "pedestrian", [(820, 1180), (1750, 1180)], {"alias": "夫子庙步行街", "market": True}),
    ("东关头", "residential", [(1750, 1180), (2500, 1180)], {}),
    ("四福街", "residential", [(300, 1340), (1150, 1340)], {}),
    ("状元境", "residential", [(1150, 1340), (1750, 1340)], {}),
    ("建康路", "secondary", [(0, 1500), (2500, 1500)], {}),
    ("马府街", "residential", [(120, 1700), (2200, 1700)], {}),
    ("白下路", "primary", [(0, 1880), (2500, 1880)], {}),
    # footbridges over the river
    ("来燕桥", "footway", [(990, 860), (990, 1180)], {"bridge": "yes"}),
    ("文德桥", "footway", [(1300, 860), (1300, 1180)], {"bridge": "yes"}),
]

# Rectangles (x0, y0, x1, y1) in plan metres.
_PARKS: Final = [
    ("白鹭洲公园", (1765, 1195, 2185, 1485)),
    ("瞻园", (835, 1355, 1135, 1485)),
    ("箍桶巷小游园", (575, 165, 805, 285)),
]
_PLAZAS: Final = [
    ("夫子庙广场", (1160, 1190, 1440, 1330)),
    ("老门东广场", (310, 310, 450, 420)),
    ("长乐路市民广场", (1460, 310, 1600, 420)),
]
_LANDMARKS: Final = [  # named buildings; their compounds stay free of generic buildings
    ("江南贡院", "historic", (840, 1195, 1135, 1325), (835, 1190, 1140, 1330)),
    ("夫子庙大成殿", "historic", (1255, 1385, 1345, 1445), (1160, 1350, 1440, 1490)),
    ("李香君故居", "historic", (1620, 1200, 1660, 1240), (1610, 1190, 1670, 1250)),
    ("王导谢安纪念馆", "historic", (1770, 700, 1830, 760), (1760, 690, 1840, 770)),
]
_POIS: Final = [
    ("夫子庙", "tourism=attraction", (1300, 1360)),
    ("中华门城堡", "historic=city_gate", (300, 40)),
    ("老门东", "tourism=attraction", (440, 470)),
    ("乌衣巷", "tourism=attraction", (1750, 720)),
    ("夫子庙站", "public_transport=station", (1165, 1515)),
    ("武定门站", "public_transport=station", (2215, 315)),
    ("夫子庙城管执法中队", "office=government", (1600, 1620)),
    ("老门东城管执法中队", "office=government", (700, 420)),
    ("白鹭洲公园南门", "tourism=viewpoint", (1975, 1195)),
]
_ZONES: Final = [
    # no-vending areas: main streets and the temple square
    ("中华路禁止设摊区", "禁止设摊区", (275, 20, 325, 1980)),
    ("龙蟠中路禁止设摊区", "禁止设摊区", (2175, 20, 2225, 1980)),
    ("白下路禁止设摊区", "禁止设摊区", (20, 1855, 2480, 1905)),
    ("建康路禁止设摊区", "禁止设摊区", (20, 1480, 2480, 1520)),
    ("长乐路禁止设摊区", "禁止设摊区", (20, 280, 2480, 320)),
    ("夫子庙广场禁止设摊区", "禁止设摊区", (1130, 1160, 1470, 1360)),
    # designated vending areas (疏导点)
    ("马道街便民疏导点", "疏导点", (1500, 568, 1580, 582)),
    ("边营早市疏导点", "疏导点", (620, 868, 700, 882)),
    ("饮马巷夜市疏导点", "疏导点", (820, 158, 940, 172)),
    ("四福街便民疏导点", "疏导点", (400, 1348, 470, 1362)),
    ("东关头夜市疏导点", "疏导点", (1900, 1188, 2020, 1202)),
    # controlled spots (管控点)
    ("贡院街管控点", "管控点", (1460, 1168, 1560, 1192)),
    ("中华门地铁口管控点", "管控点", (270, 270, 330, 330)),
    ("乌衣巷口管控点", "管控点", (1725, 835, 1775, 885)),
    ("三条营管控点", "管控点", (600, 545, 700, 575)),
    ("文德桥管控点", "管控点", (1280, 930, 1320, 1110)),
    # feature spots (特色点)
    ("老门东特色小吃点", "特色点", (460, 568, 540, 582)),
    ("夫子庙夜市特色点", "特色点", (870, 1168, 990, 1178)),
    ("白鹭洲文创特色点", "特色点", (1930, 1205, 2010, 1235)),
]
_BOUNDARY: Final[list[Pt]] = [
    (20, 20), (1150, 15), (2480, 20), (2490, 1000), (2480, 1980), (1150, 1990), (20, 1980), (10, 1000), (20, 20),
]  # fmt: skip


def _river_y(x: float) -> float:
    """Centre line of the 秦淮河 (inner Qinhuai river) across the plan: a gentle west-flowing meander."""
    return 1020.0 + 55.0 * math.sin(2.0 * math.pi * x / 1100.0 + 0.6)


_RIVER_HALF_WIDTH: Final = 22.0


@dataclass
class _Street:
    name: str
    cls: str
    pts: list[Pt]
    props: dict[str, object]


def _rect_ring(x0: float, y0: float, x1: float, y1: float) -> list[Pt]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def _rects_overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _closest_on_segment(p: Pt, a: Pt, b: Pt) -> tuple[Pt, float]:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    seg2 = dx * dx + dy * dy
    t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / seg2))
    q = (ax + t * dx, ay + t * dy)
    return q, math.hypot(p[0] - q[0], p[1] - q[1])


def _segment_intersection(p1: Pt, p2: Pt, q1: Pt, q2: Pt) -> tuple[float, float] | None:
    """Parameters ``(t, u)`` where segments p1p2 and q1q2 cross (inclusive ends), or None."""
    rx, ry = p2[0] - p1[0], p2[1] - p1[1]
    sx, sy = q2[0] - q1[0], q2[1] - q1[1]
    den = rx * sy - ry * sx
    if abs(den) < 1e-12:
        return None
    qpx, qpy = q1[0] - p1[0], q1[1] - p1[1]
    t = (qpx * sy - qpy * sx) / den
    u = (qpx * ry - qpy * rx) / den
    eps = 1e-9
    if -eps <= t <= 1 + eps and -eps <= u <= 1 + eps:
        return min(1.0, max(0.0, t)), min(1.0, max(0.0, u))
    return None


def _layout_streets(rng: random.Random) -> tuple[list[_Street], list[tuple[Pt, str, str]]]:
    """Wobble the plan streets a little, snap dead ends onto the street they meet and split at every crossing.

    Returns the streets and the junctions ``(point, street a, street b)`` between differently named streets.
    Junction vertices are computed once and inserted into both streets, so the street graph joins them exactly.
    """
    streets: list[_Street] = []
    for name, cls, pts, props in _STREETS:
        (x0, y0), (x1, y1) = pts
        length = math.hypot(x1 - x0, y1 - y0)
        pieces = max(1, round(length / 260.0))
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        out: list[Pt] = [(x0, y0)]
        for k in range(1, pieces):
            f = k / pieces
            wobble = rng.uniform(-3.5, 3.5)
            out.append((x0 + (x1 - x0) * f + nx * wobble, y0 + (y1 - y0) * f + ny * wobble))
        out.append((x1, y1))
        streets.append(_Street(name, cls, out, dict(props)))

    # Snap ends that stop within 12 m of another street onto it (T-junctions survive the wobble).
    for i, st in enumerate(streets):
        for end in (0, -1):
            p = st.pts[end]
            best: tuple[float, Pt] | None = None
            for j, other in enumerate(streets):
                if j == i:
                    continue
                for s0, s1 in itertools.pairwise(other.pts):
                    q, d = _closest_on_segment(p, s0, s1)
                    if d <= 12.0 and (best is None or d < best[0]):
                        best = (d, q)
            if best is not None:
                st.pts[end] = best[1]

    inserts: list[list[list[tuple[float, Pt]]]] = [[[] for _ in range(len(s.pts) - 1)] for s in streets]
    junctions: dict[tuple[float, float], tuple[Pt, str, str]] = {}
    for i, a in enumerate(streets):
        for j in range(i + 1, len(streets)):
            b = streets[j]
            for si in range(len(a.pts) - 1):
                for sj in range(len(b.pts) - 1):
                    hit = _segment_intersection(a.pts[si], a.pts[si + 1], b.pts[sj], b.pts[sj + 1])
                    if hit is None:
                        continue
                    t, u = hit
                    p = (
                        a.pts[si][0] + t * (a.pts[si + 1][0] - a.pts[si][0]),
                        a.pts[si][1] + t * (a.pts[si + 1][1] - a.pts[si][1]),
                    )
                    inserts[i][si].append((t, p))
                    inserts[j][sj].append((u, p))
                    if a.name != b.name:
                        junctions.setdefault((round(p[0], 1), round(p[1], 1)), (p, a.name, b.name))
    for i, st in enumerate(streets):
        merged: list[Pt] = [st.pts[0]]
        for si in range(len(st.pts) - 1):
            for _, p in sorted(inserts[i][si]):
                merged.append(p)
            merged.append(st.pts[si + 1])
        dedup: list[Pt] = [merged[0]]
        for p in merged[1:]:
            if math.hypot(p[0] - dedup[-1][0], p[1] - dedup[-1][1]) > 0.05:
                dedup.append(p)
        st.pts = dedup
    return streets, list(junctions.values())


def _river_polygon() -> tuple[list[Pt], list[Pt]]:
    xs = [x * 25.0 for x in range(0, 101)]
    centre = [(x, _river_y(x)) for x in xs]
    north = [(x, y + _RIVER_HALF_WIDTH) for x, y in centre]
    south = [(x, y - _RIVER_HALF_WIDTH) for x, y in centre]
    ring = [*south, *reversed(north), south[0]]
    return list(reversed(centre)), ring  # the river flows west


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> list[Pt]:
    ring = [
        (cx + rx * math.cos(2 * math.pi * k / n), cy + ry * math.sin(2 * math.pi * k / n)) for k in range(n)
    ]
    return [*ring, ring[0]]


def _buildings(rng: random.Random, streets: list[_Street]) -> list[tuple[list[Pt], str, int]]:
    """Footprints filling the blocks between streets: a ring of houses along each block edge, sparse inside."""
    xs = sorted({20.0, 2480.0, *(s.pts[0][0] for s in streets if abs(s.pts[0][0] - s.pts[-1][0]) < 20)})
    ys = sorted({20.0, 1980.0, *(s.pts[0][1] for s in streets if abs(s.pts[0][1] - s.pts[-1][1]) < 20)})
    xs = [x for x in xs if 20.0 <= x <= 2480.0]
    ys = [y for y in ys if 20.0 <= y <= 1980.0]
    blocked = [r for _, r in _PARKS] + [r for _, r in _PLAZAS] + [c for *_, c in _LANDMARKS]
    primary_x = {300.0, 2200.0}
    out: list[tuple[list[Pt], str, int]] = []
    for bx0, bx1 in itertools.pairwise(xs):
        for by0, by1 in itertools.pairwise(ys):
            ix0 = bx0 + (22.0 if bx0 in primary_x else 14.0)
            ix1 = bx1 - (22.0 if bx1 in primary_x else 14.0)
            iy0 = by0 + 14.0
            iy1 = by1 - (22.0 if by1 == 1880.0 else 14.0)
            if ix1 - ix0 < 20 or iy1 - iy0 < 15:
                continue
            x_cuts = _cuts(rng, ix0, ix1, 24.0, 44.0)
            y_cuts = _cuts(rng, iy0, iy1, 20.0, 36.0)
            for ci, (lx0, lx1) in enumerate(itertools.pairwise(x_cuts)):
                for cj, (ly0, ly1) in enumerate(itertools.pairwise(y_cuts)):
                    edge = ci in (0, len(x_cuts) - 2) or cj in (0, len(y_cuts) - 2)
                    if rng.random() < (0.1 if edge else 0.65):
                        continue  # courtyards and gaps
                    m = rng.uniform(1.5, 3.5)
                    rect = (lx0 + m, ly0 + m, lx1 - m, ly1 - m)
                    if rect[2] - rect[0] < 8 or rect[3] - rect[1] < 8:
                        continue
                    if any(_rects_overlap(rect, b) for b in blocked):
                        continue
                    cx = (rect[0] + rect[2]) / 2.0
                    river_gap = min(
                        abs(y - _river_y(x)) for x in (rect[0], cx, rect[2]) for y in (rect[1], rect[3])
                    )
                    straddles = rect[1] < _river_y(cx) < rect[3]
                    if straddles or river_gap < _RIVER_HALF_WIDTH + 30.0:
                        continue
                    main_street = bx0 in primary_x or bx1 in primary_x or by1 == 1880.0
                    if main_street and edge:
                        cls, levels = "commercial", rng.randint(4, 16)
                    elif 1160 <= cx <= 1760 and 860 <= rect[1] <= 1350:
                        cls, levels = "retail", rng.randint(2, 3)
                    else:
                        cls, levels = "residential", rng.randint(2, 6)
                    out.append((_rect_ring(*rect), cls, levels))
    return out


def _cuts(rng: random.Random, a: float, b: float, lo: float, hi: float) -> list[float]:
    """Split [a, b] into pieces between ``lo`` and ``hi`` long (the last piece absorbs the remainder)."""
    cuts = [a]
    while b - cuts[-1] > hi:
        cuts.append(cuts[-1] + rng.uniform(lo, hi))
    if b - cuts[-1] < lo * 0.6 and len(cuts) > 1:
        cuts[-1] = b
    else:
        cuts.append(b)
    return cuts


def generate_district(seed: int = SEED) -> Basemap:
    """Generate the simulated district (deterministic for a given ``seed``)."""
    rng = random.Random(seed)
    proj = LocalProjection(*ORIGIN)

    def ll(pts: Sequence[Pt]) -> list[LatLon]:
        return [
            (round(lat, 7), round(lon, 7))
            for lat, lon in (proj.to_latlon(float(x), float(y)) for x, y in pts)
        ]

    bm = Basemap(name=DISTRICT_NAME, crs="wgs84", attribution=None)
    bm.add(
        MapFeature(
            "boundary", "polygon", ll(_BOUNDARY), DISTRICT_NAME, "administrative",
            props={"admin_level": 8, "district_code": DISTRICT_CODE, "complete": True},
        )
    )  # fmt: skip

    centre, river_ring = _river_polygon()
    bm.add(MapFeature("water", "polygon", ll(river_ring), "秦淮河", "river", props={"water": "river"}))
    bm.add(MapFeature("water", "line", ll(centre), "秦淮河", "river"))
    bm.add(MapFeature("water", "polygon", ll(_ellipse(1990, 1360, 110, 55)), "白鹭洲湖", "lake"))

    for name, rect in _PARKS:
        bm.add(MapFeature("park", "polygon", ll(_rect_ring(*rect)), name, "park"))
    # Riverside green strips (秦淮河风光带) where no bank street runs close to the water.
    for k, (x0, x1) in enumerate(((20.0, 290.0), (570.0, 810.0), (1760.0, 2190.0))):
        xs = [x0 + (x1 - x0) * f / 12 for f in range(13)]
        north = [(x, _river_y(x) + _RIVER_HALF_WIDTH + 4) for x in xs]
        top = [(x, _river_y(x) + _RIVER_HALF_WIDTH + 26) for x in reversed(xs)]
        bm.add(MapFeature("park", "polygon", ll([*north, *top, north[0]]), f"秦淮河风光带{k + 1}段", "grass"))
    for name, rect in _PLAZAS:
        bm.add(MapFeature("plaza", "polygon", ll(_rect_ring(*rect)), name, "square"))

    streets, junctions = _layout_streets(rng)
    for st in streets:
        props: dict[str, object] = {"grade": _GRADE[st.cls], **st.props}
        bm.add(MapFeature("road", "line", ll(st.pts), st.name, st.cls, props=props))

    for name, cls, rect, _ in _LANDMARKS:
        bm.add(MapFeature("building", "polygon", ll(_rect_ring(*rect)), name, cls, props={"levels": 2}))
    for ring, cls, levels in _buildings(rng, streets):
        bm.add(MapFeature("building", "polygon", ll(ring), None, cls, props={"levels": levels}))

    for name, cls, (x, y) in _POIS:
        bm.add(MapFeature("poi", "point", ll([(x, y)]), name, cls))

    for name, kind, rect in _ZONES:
        bm.add(MapFeature("zone", "polygon", ll(_rect_ring(*rect)), name, kind, props={"kind": kind}))

    rank = {st.name: _CLASS_RANK[st.cls] for st in streets}
    sites: list[tuple[str, Pt, str, str]] = []
    for p, a, b in junctions:
        if min(rank[a], rank[b]) > 1 or max(rank[a], rank[b]) > 2:
            continue  # cameras watch where main roads meet main roads or the pedestrian streets
        major, minor = sorted((a, b), key=lambda n: (rank[n], n))
        sites.append((f"{major}-{minor}路口", p, major, minor))
    for name, p, major, minor in sorted(sites, key=lambda s: (-s[1][1], s[1][0])):
        bm.add(
            MapFeature(
                "camera_site", "point", ll([p]), name, "intersection", props={"streets": [major, minor]}
            )
        )
    return bm


def load_default_basemap() -> Basemap:
    """The bundled district (a fresh, mutable copy on every call)."""
    return load_geojson(DISTRICT_PATH)


def default_zones(basemap: Basemap | None = None) -> list[Zone]:
    """The management zones (疏导点/管控点/特色点/禁止设摊区) of the bundled district."""
    bm = basemap if basemap is not None else load_default_basemap()
    return [Zone.from_feature(f) for f in bm.zones]


def default_zone_index(basemap: Basemap | None = None) -> ZoneIndex:
    """:class:`ZoneIndex` over :func:`default_zones`, for "which zone is this vendor in" checks."""
    return ZoneIndex(default_zones(basemap))


def default_unit_grid(basemap: Basemap | None = None, cell_size_m: float = 250.0,
                      district_code: str = DISTRICT_CODE) -> GridIndex:
    """单元网格 of the bundled district (or a basemap with a closed boundary): 250 m cells inside its boundary,
    3 × 3 cells per 责任区, coded under ``district_code`` (the bureau's GB/T 2260 county code)."""
    bm = basemap if basemap is not None else load_default_basemap()
    border = next(f for f in bm.boundaries if f.geometry == "polygon")
    lats = [p[0] for p in border.coords]
    lons = [p[1] for p in border.coords]
    bbox = (min(lats), min(lons), max(lats), max(lons))
    return make_unit_grid(bbox, cell_size_m, district_code, boundary=border.coords)


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the bundled district GeoJSON (``python -m commandcenter.geo.district [--out PATH]``)."""
    parser = argparse.ArgumentParser(description="Regenerate the simulated district basemap (GeoJSON).")
    parser.add_argument(
        "--out", type=Path, default=DISTRICT_PATH, help=f"output file (default: {DISTRICT_PATH})"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="generator seed")
    args = parser.parse_args(argv)
    bm = generate_district(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    bm.save_geojson(args.out)
    counts = ", ".join(f"{k}={v}" for k, v in bm.counts().items())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB): {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
