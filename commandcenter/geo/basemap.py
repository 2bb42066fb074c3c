"""In-memory basemap: the vector layers the command-center map draws and the street graph is built from.

A :class:`Basemap` is deliberately simple - lists of :class:`MapFeature` per layer, every coordinate an
``(lat, lon)`` tuple in WGS-84.  Sources in GCJ-02 or BD-09 are converted once, on load, so that GPS positions,
OSM data and generated data can be overlaid without anyone having to remember which datum a list is in.

Two sources are supported:

* GeoJSON (``load_geojson`` / ``import_geojson``): the project's own format (a ``layer`` property per feature,
  metadata with name/crs/attribution) and plain GeoJSON carrying OSM-style tags (``highway``, ``building`` ...).
* OSM XML extracts (``import_osm_xml``), streamed with ``iterparse`` so that a city-sized extract stays fast.

Malformed input raises :class:`BasemapError` whose message names the file and the offending element, because
the person importing a basemap needs to know what to fix, not a bare ``KeyError``.
"""

from __future__ import annotations

import json
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np

from commandcenter.geo.coords import from_wgs84_array, haversine_m, normalize_crs, to_wgs84_array

__all__ = [
    "GEOMETRY_KINDS",
    "LAYERS",
    "OSM_ATTRIBUTION",
    "Basemap",
    "BasemapError",
    "LatLon",
    "MapFeature",
    "assemble_rings",
    "basemap_from_geojson",
    "import_geojson",
    "import_osm_xml",
    "load_geojson",
    "save_geojson",
    "validate_basemap",
]

LatLon = tuple[float, float]

OSM_ATTRIBUTION: Final = "地图数据 © OpenStreetMap 贡献者 (ODbL)"

LAYERS: Final = ("road", "water", "park", "building", "boundary", "plaza", "poi", "zone", "camera_site")
"""Feature layers, in drawing order (bottom to top, roughly)."""

GEOMETRY_KINDS: Final = ("point", "line", "polygon")

_LAYER_ATTR: Final = {
    "road": "roads",
    "water": "water",
    "park": "parks",
    "building": "buildings",
    "boundary": "boundaries",
    "plaza": "plazas",
    "poi": "pois",
    "zone": "zones",
    "camera_site": "camera_sites",
}

_COORD_DECIMALS: Final = 7  # 1e-7 deg ≈ 1 cm: lossless for any map source, keeps files small.


class BasemapError(ValueError):
    """A basemap file is unreadable or malformed; the message names the file and what is wrong."""


@dataclass(slots=True)
class MapFeature:
    """One map element.

    ``coords`` is a list of ``(lat, lon)``: one point for ``point``, the vertices for ``line`` and the closed
    outer ring (first == last) for ``polygon``; ``holes`` holds the closed inner rings of a polygon.
    ``cls`` is the element class (``primary``, ``footway``, ``river`` ...), serialised as ``class``.
    ``node_ids`` keeps OSM node ids of roads so that the street graph can join ways exactly where OSM does.
    """

    layer: str
    geometry: str
    coords: list[LatLon]
    name: str | None = None
    cls: str | None = None
    holes: list[list[LatLon]] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)
    node_ids: list[int] | None = None

    def __post_init__(self) -> None:
        if self.layer not in _LAYER_ATTR:
            raise ValueError(f"unknown layer {self.layer!r}; expected one of {LAYERS}")
        if self.geometry not in GEOMETRY_KINDS:
            raise ValueError(f"unknown geometry {self.geometry!r}; expected one of {GEOMETRY_KINDS}")

    def bounds(self) -> tuple[float, float, float, float]:
        """``(south, west, north, east)`` of the feature's outer geometry."""
        lats = [c[0] for c in self.coords]
        lons = [c[1] for c in self.coords]
        return min(lats), min(lons), max(lats), max(lons)


@dataclass
class Basemap:
    """All vector layers of one map area, in WGS-84.

    ``crs`` records the datum the *source* declared (informational, e.g. to re-export in that datum); the
    coordinates held here are always WGS-84.  ``attribution`` must be shown on screen whenever it is not None
    (ODbL requires it for OSM-derived data).  ``warnings`` collects non-fatal import problems (skipped
    unclosed buildings, incomplete boundary relations ...) for the import command to report.
    """

    name: str = ""
    crs: str = "wgs84"
    attribution: str | None = None
    roads: list[MapFeature] = field(default_factory=list)
    water: list[MapFeature] = field(default_factory=list)
    parks: list[MapFeature] = field(default_factory=list)
    buildings: list[MapFeature] = field(default_factory=list)
    boundaries: list[MapFeature] = field(default_factory=list)
    plazas: list[MapFeature] = field(default_factory=list)
    pois: list[MapFeature] = field(default_factory=list)
    zones: list[MapFeature] = field(default_factory=list)
    camera_sites: list[MapFeature] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _bbox_cache: tuple[tuple[int, ...], tuple[float, float, float, float]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    # -- access --------------------------------------------------------------------------------------------

    def layer(self, name: str) -> list[MapFeature]:
        """The (mutable) feature list of layer ``name`` (one of :data:`LAYERS`)."""
        try:
            return getattr(self, _LAYER_ATTR[name])  # type: ignore[no-any-return]
        except KeyError:
            raise ValueError(f"unknown layer {name!r}; expected one of {LAYERS}") from None

    def add(self, feature: MapFeature) -> None:
        """Append a feature to the list of its layer."""
        self.layer(feature.layer).append(feature)

    def features(self) -> Iterator[MapFeature]:
        """Every feature of every layer, in :data:`LAYERS` order."""
        for name in LAYERS:
            yield from self.layer(name)

    def counts(self) -> dict[str, int]:
        """Number of features per layer (handy for logs and the import command)."""
        return {name: len(self.layer(name)) for name in LAYERS}

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(south, west, north, east)`` over all features; raises ``ValueError`` on an empty basemap.

        Cached until a layer changes length, because the map asks for it on every zoom-to-fit.
        """
        key = tuple(len(self.layer(n)) for n in LAYERS)
        if self._bbox_cache is not None and self._bbox_cache[0] == key:
            return self._bbox_cache[1]
        south = west = math.inf
        north = east = -math.inf
        for feat in self.features():
            s, w, n, e = feat.bounds()
            south, west, north, east = min(south, s), min(west, w), max(north, n), max(east, e)
        if south == math.inf:
            raise ValueError(f"basemap {self.name!r} has no features, so it has no bounding box")
        box = (south, west, north, east)
        self._bbox_cache = (key, box)
        return box

    def named_roads(self) -> set[str]:
        """Distinct road names (for search boxes and address look-ups)."""
        return {r.name for r in self.roads if r.name}

    # -- GeoJSON -------------------------------------------------------------------------------------------

    def to_geojson(self, crs: str = "wgs84") -> dict[str, Any]:
        """A GeoJSON FeatureCollection; ``crs`` other than WGS-84 converts coordinates for external tools."""
        target = normalize_crs(crs)
        features = [_feature_to_geojson(f, target) for f in self.features()]
        metadata: dict[str, Any] = {"name": self.name, "crs": target, "attribution": self.attribution}
        return {"type": "FeatureCollection", "name": self.name, "metadata": metadata, "features": features}

    def save_geojson(self, path: str | os.PathLike[str], crs: str = "wgs84") -> None:
        """Write :meth:`to_geojson` to ``path`` (UTF-8, Chinese kept readable, one feature per line)."""
        save_geojson(self, path, crs=crs)


# ------------------------------------------------------------------------------------------------------------
# GeoJSON writing


MIN_STREET_NODES: Final = 20
"""Fewer distinct road vertices than this cannot route a patrol: dispatch and the simulation need a street graph."""
MIN_ROADS: Final = 3
MIN_SPAN_M: Final = 200.0
"""A district narrower than this (either side of the bbox) cannot hold a 250 m 单元网格 cell."""
MAX_SPAN_M: Final = 300_000.0
"""A bbox wider than this is a province or a stray node on another continent, not a district."""


def validate_basemap(basemap: Basemap, source: str = "") -> None:
    """Refuse a basemap the application cannot run on, with the reason (BasemapError naming ``source``).

    Parsing proves a file is well-formed; this proves it is usable: enough streets to build a street graph
    for dispatch and routing, and a bounding box that can carry the 单元网格 grid. ``basemap import`` calls it
    before replacing the current basemap, and start-up calls it before trusting the imported one.
    """
    where = source or basemap.name or "basemap"
    roads = [r for r in basemap.roads if r.geometry == "line" and len(r.coords) >= 2]
    vertices = {(round(lat, 6), round(lon, 6)) for r in roads for lat, lon in r.coords}
    if len(roads) < MIN_ROADS or len(vertices) < MIN_STREET_NODES:
        raise BasemapError(f"{where}: too few streets for a street graph: {len(roads)} roads with "
                           f"{len(vertices)} distinct nodes (need at least {MIN_ROADS} roads and "
                           f"{MIN_STREET_NODES} nodes)")
    south, west, north, east = basemap.bbox
    height = haversine_m(south, west, north, west)
    width = haversine_m(south, west, south, east) if abs(south) > abs(north) else haversine_m(north, west, north, east)
    if min(height, width) < MIN_SPAN_M:
        raise BasemapError(f"{where}: bounding box ({south:.5f}, {west:.5f}, {north:.5f}, {east:.5f}) is only "
                           f"{width:.0f} m × {height:.0f} m; a district needs at least {MIN_SPAN_M:.0f} m each way")
    if max(height, width) > MAX_SPAN_M:
        raise BasemapError(f"{where}: bounding box ({south:.5f}, {west:.5f}, {north:.5f}, {east:.5f}) spans "
                           f"{width / 1000:.0f} km × {height / 1000:.0f} km; a district basemap spans at most "
                           f"{MAX_SPAN_M / 1000:.0f} km (a stray far-away node?)")


def _ring_to_lonlat(ring: list[LatLon], crs: str) -> list[list[float]]:
    if not ring:
        return []
    arr = np.asarray(ring, dtype=np.float64)
    lat, lon = from_wgs84_array(arr[:, 0], arr[:, 1], crs)
    return [
        [round(float(x), _COORD_DECIMALS), round(float(y), _COORD_DECIMALS)]
        for y, x in zip(lat, lon, strict=True)
    ]


def _feature_to_geojson(feat: MapFeature, crs: str) -> dict[str, Any]:
    if feat.geometry == "point":
        geometry: dict[str, Any] = {"type": "Point", "coordinates": _ring_to_lonlat(feat.coords[:1], crs)[0]}
    elif feat.geometry == "line":
        geometry = {"type": "LineString", "coordinates": _ring_to_lonlat(feat.coords, crs)}
    else:
        rings = [feat.coords, *feat.holes]
        geometry = {"type": "Polygon", "coordinates": [_ring_to_lonlat(r, crs) for r in rings]}
    props: dict[str, Any] = {"layer": feat.layer, "name": feat.name, "class": feat.cls}
    for key, value in feat.props.items():
        if key not in props:
            props[key] = value
    return {"type": "Feature", "properties": props, "geometry": geometry}


def save_geojson(basemap: Basemap, path: str | os.PathLike[str], crs: str = "wgs84") -> None:
    """Write ``basemap`` as GeoJSON with one feature per line, so diffs of the bundled data stay reviewable."""
    doc = basemap.to_geojson(crs)
    features = doc.pop("features")
    head = json.dumps(doc, ensure_ascii=False)
    lines = [head[:-1] + ', "features": [']
    for i, feat in enumerate(features):
        sep = "," if i < len(features) - 1 else ""
        lines.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":")) + sep)
    lines.append("]}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------------------------
# Tag → layer classification (shared by OSM XML and tag-carrying GeoJSON)

_ROAD_CLASSES: Final = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
        "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
        "service", "pedestrian", "footway", "path", "cycleway", "steps", "track", "road",
    }
)  # fmt: skip
_WATERWAY_LINES: Final = frozenset({"river", "canal", "stream", "drain", "ditch"})
_PARK_LEISURE: Final = frozenset({"park", "garden"})
_PARK_LANDUSE: Final = frozenset({"grass", "park", "village_green", "recreation_ground"})
_WATER_LANDUSE: Final = frozenset({"reservoir", "basin"})
_POI_KEYS: Final = ("amenity", "tourism", "historic", "shop", "office")


def _pick_name(tags: Mapping[str, Any]) -> str | None:
    """Prefer the Chinese name: ``name:zh`` (or ``name:zh-Hans``) before the default ``name``."""
    for key in ("name:zh", "name:zh-Hans", "name"):
        value = tags.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _classify(tags: Mapping[str, Any], closed: bool) -> tuple[str, str | None, str] | None:
    """Decide ``(layer, class, geometry)`` for a tagged way/feature, or None if the map does not use it.

    ``closed`` says whether the geometry is a ring; areas need rings, lines do not.
    """
    highway = tags.get("highway")
    if highway in _ROAD_CLASSES:
        if closed and tags.get("area") == "yes":
            return ("plaza", str(highway), "polygon")
        return ("road", str(highway), "line")
    building = tags.get("building")
    if building and building != "no":
        return ("building", str(building), "polygon") if closed else None
    natural = tags.get("natural")
    waterway = tags.get("waterway")
    landuse = tags.get("landuse")
    if natural == "water" or waterway == "riverbank" or landuse in _WATER_LANDUSE:
        cls = str(tags.get("water") or waterway or landuse or natural)
        return ("water", cls, "polygon") if closed else None
    if waterway in _WATERWAY_LINES:
        return ("water", str(waterway), "line")
    leisure = tags.get("leisure")
    if leisure in _PARK_LEISURE or landuse in _PARK_LANDUSE:
        return ("park", str(leisure or landuse), "polygon") if closed else None
    if tags.get("place") == "square":
        return ("plaza", "square", "polygon") if closed else ("plaza", "square", "point")
    return None  # includes bare boundary ways: borders come from their relations, which carry the names


# ------------------------------------------------------------------------------------------------------------
# Ring assembly for OSM relations


def assemble_rings(ways: Iterable[list[int]]) -> tuple[list[list[int]], list[list[int]]]:
    """Join way node-id lists end to end (reversing as needed) into closed rings.

    Returns ``(rings, open_chains)``; a ring's first and last id are equal.  Chains stay open when the
    relation is incomplete - typical for district borders cut by the extract's bounding box.
    """
    pending = [list(w) for w in ways if len(w) >= 2]
    rings: list[list[int]] = []
    chains: list[list[int]] = []
    by_end: dict[int, set[int]] = {}

    def index(i: int) -> None:
        by_end.setdefault(pending[i][0], set()).add(i)
        by_end.setdefault(pending[i][-1], set()).add(i)

    def unindex(i: int) -> None:
        for end in (pending[i][0], pending[i][-1]):
            by_end.get(end, set()).discard(i)

    for i in range(len(pending)):
        index(i)
    used = [False] * len(pending)
    for start in range(len(pending)):
        if used[start]:
            continue
        used[start] = True
        unindex(start)
        chain = list(pending[start])
        grown = True
        while chain[0] != chain[-1] and grown:
            grown = False
            for at_tail in (True, False):
                end = chain[-1] if at_tail else chain[0]
                candidates = by_end.get(end, set())
                if not candidates:
                    continue
                j = min(candidates)
                used[j] = True
                unindex(j)
                seg = pending[j]
                if at_tail:
                    chain.extend(seg[1:] if seg[0] == end else list(reversed(seg))[1:])
                else:
                    seg = seg if seg[-1] == end else list(reversed(seg))
                    chain[:0] = seg[:-1]
                grown = True
                break
        (rings if len(chain) >= 4 and chain[0] == chain[-1] else chains).append(chain)
    return rings, chains


# ------------------------------------------------------------------------------------------------------------
# OSM XML import


def _ring_contains(ring: list[LatLon], pt: LatLon) -> bool:
    inside = False
    y, x = pt
    n = len(ring)
    for i in range(n - 1):
        y1, x1 = ring[i]
        y2, x2 = ring[i + 1]
        if (y1 > y) != (y2 > y):
            xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xi:
                inside = not inside
    return inside


def import_osm_xml(path: str | os.PathLike[str], name: str | None = None) -> Basemap:
    """Build a :class:`Basemap` from an OSM XML extract (WGS-84 by definition; attribution set to OSM's).

    Ways whose nodes fall partly outside the extract keep their present nodes; ways left with fewer than two
    nodes are dropped.  Closed ways become polygons; administrative-boundary relations and multipolygon
    relations are assembled from their member ways.  Incomplete boundary relations are kept as open border
    lines (``geometry == "line"``, ``props["complete"] is False``) instead of being closed with a fake edge.
    """
    src = Path(path)
    if not src.is_file():
        raise BasemapError(f"{src}: no such file")
    nodes: dict[int, LatLon] = {}
    node_tags: list[tuple[int, dict[str, str]]] = []
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []
    root_seen = False
    try:
        for event, elem in ET.iterparse(src, events=("start", "end")):
            if event == "start":
                if not root_seen:
                    if elem.tag != "osm":
                        raise BasemapError(
                            f"{src}: not an OSM XML file (root element <{elem.tag}>, expected <osm>)"
                        )
                    root_seen = True
                continue
            tag = elem.tag
            if tag == "node":
                nid = _osm_id(src, elem)
                try:
                    lat = float(elem.attrib["lat"])
                    lon = float(elem.attrib["lon"])
                except (KeyError, ValueError):
                    raise BasemapError(f"{src}: node {nid} has a missing or non-numeric lat/lon") from None
                if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                    raise BasemapError(f"{src}: node {nid} has out-of-range coordinates lat={lat} lon={lon}")
                nodes[nid] = (lat, lon)
                tags = _osm_tags(elem)
                if tags:
                    node_tags.append((nid, tags))
                elem.clear()
            elif tag == "way":
                wid = _osm_id(src, elem)
                refs: list[int] = []
                for nd in elem.iter("nd"):
                    try:
                        refs.append(int(nd.attrib["ref"]))
                    except (KeyError, ValueError):
                        raise BasemapError(f"{src}: way {wid} has an <nd> without a numeric ref") from None
                ways[wid] = (refs, _osm_tags(elem))
                elem.clear()
            elif tag == "relation":
                rid = _osm_id(src, elem)
                members: list[tuple[str, int, str]] = []
                for m in elem.iter("member"):
                    try:
                        members.append((m.attrib["type"], int(m.attrib["ref"]), m.attrib.get("role", "")))
                    except (KeyError, ValueError):
                        raise BasemapError(f"{src}: relation {rid} has a malformed <member>") from None
                relations.append((rid, members, _osm_tags(elem)))
                elem.clear()
    except ET.ParseError as exc:
        raise BasemapError(f"{src}: malformed XML: {exc}") from None
    if not root_seen:
        raise BasemapError(f"{src}: empty file")
    if not nodes:
        raise BasemapError(f"{src}: the OSM file contains no nodes")

    bm = Basemap(name=name or src.stem, crs="wgs84", attribution=OSM_ATTRIBUTION)
    dropped_missing = 0
    skipped_open_areas = 0
    for wid, (refs, tags) in ways.items():
        if not tags:
            continue
        present = [r for r in refs if r in nodes]
        if len(present) < 2:
            dropped_missing += 1
            continue
        closed = len(present) >= 4 and present[0] == present[-1] and len(present) == len(refs)
        kind = _classify(tags, closed)
        if kind is None:
            if not closed and (
                tags.get("building") not in (None, "no") or tags.get("leisure") in _PARK_LEISURE
            ):
                skipped_open_areas += 1
            continue
        layer, cls, geometry = kind
        coords = [nodes[r] for r in present]
        props: dict[str, Any] = {"osm_id": f"way/{wid}"}
        if layer == "road":
            for key in ("oneway", "lanes", "bridge", "tunnel", "maxspeed"):
                if key in tags:
                    props[key] = tags[key]
        bm.add(
            MapFeature(
                layer=layer,
                geometry=geometry,
                coords=coords,
                name=_pick_name(tags),
                cls=cls,
                props=props,
                node_ids=present if layer == "road" else None,
            )
        )

    for rid, members, tags in relations:
        rtype = tags.get("type")
        if tags.get("boundary") == "administrative" and rtype in ("boundary", "multipolygon"):
            _add_boundary_relation(bm, rid, members, tags, nodes, ways)
        elif rtype == "multipolygon":
            kind = _classify(tags, True)
            if kind is not None and kind[2] == "polygon":
                _add_multipolygon(bm, rid, members, tags, nodes, ways, kind[0], kind[1])

    for nid, tags in node_tags:
        if tags.get("place") == "square":
            bm.add(
                MapFeature(
                    "plaza",
                    "point",
                    [nodes[nid]],
                    _pick_name(tags),
                    "square",
                    props={"osm_id": f"node/{nid}"},
                )
            )
            continue
        name_ = _pick_name(tags)
        if not name_:
            continue
        for key in _POI_KEYS:
            if key in tags:
                bm.add(
                    MapFeature(
                        "poi",
                        "point",
                        [nodes[nid]],
                        name_,
                        f"{key}={tags[key]}",
                        props={"osm_id": f"node/{nid}"},
                    )
                )
                break

    if dropped_missing:
        bm.warnings.append(
            f"{dropped_missing} ways dropped: fewer than two of their nodes are in the extract"
        )
    if skipped_open_areas:
        bm.warnings.append(f"{skipped_open_areas} building/park ways skipped: not closed rings")
    if not any(True for _ in bm.features()):
        raise BasemapError(f"{src}: the OSM file contains no roads, water, parks, buildings or boundaries")
    return bm


def _osm_id(src: Path, elem: ET.Element) -> int:
    try:
        return int(elem.attrib["id"])
    except (KeyError, ValueError):
        raise BasemapError(f"{src}: <{elem.tag}> element without a numeric id") from None


def _osm_tags(elem: ET.Element) -> dict[str, str]:
    return {t.attrib["k"]: t.attrib.get("v", "") for t in elem.iter("tag") if "k" in t.attrib}


def _member_ways(
    members: list[tuple[str, int, str]],
    roles: tuple[str, ...],
    ways: dict[int, tuple[list[int], dict[str, str]]],
) -> tuple[list[list[int]], int]:
    found: list[list[int]] = []
    missing = 0
    for mtype, ref, role in members:
        if mtype != "way" or role not in roles:
            continue
        if ref in ways:
            found.append(ways[ref][0])
        else:
            missing += 1
    return found, missing


def _ids_to_coords(ids: list[int], nodes: dict[int, LatLon]) -> list[LatLon] | None:
    coords = [nodes[i] for i in ids if i in nodes]
    return coords if len(coords) == len(ids) else None


def _add_boundary_relation(
    bm: Basemap,
    rid: int,
    members: list[tuple[str, int, str]],
    tags: dict[str, str],
    nodes: dict[int, LatLon],
    ways: dict[int, tuple[list[int], dict[str, str]]],
) -> None:
    outer, missing = _member_ways(members, ("outer", ""), ways)
    inner, _ = _member_ways(members, ("inner",), ways)
    rings, chains = assemble_rings(outer)
    name = _pick_name(tags)
    level_raw = tags.get("admin_level", "")
    props: dict[str, Any] = {
        "osm_id": f"relation/{rid}",
        "admin_level": int(level_raw) if level_raw.isdigit() else None,
    }
    inner_rings = [c for r in assemble_rings(inner)[0] if (c := _ids_to_coords(r, nodes))]
    for ring in rings:
        coords = _ids_to_coords(ring, nodes)
        if coords is None:
            chains.append(ring)
            continue
        holes = [h for h in inner_rings if _ring_contains(coords, h[0])]
        bm.add(
            MapFeature(
                "boundary", "polygon", coords, name, "administrative", holes, {**props, "complete": True}
            )
        )
    for chain in chains:
        # Split at nodes missing from the extract so that no segment jumps across the gap.
        run: list[LatLon] = []
        for nid in [*chain, -1]:
            if nid in nodes:
                run.append(nodes[nid])
                continue
            if len(run) >= 2:
                bm.add(
                    MapFeature(
                        "boundary", "line", run, name, "administrative", props={**props, "complete": False}
                    )
                )
            run = []
    if chains or missing:
        bm.warnings.append(
            f"boundary relation {rid} ({name}): incomplete in this extract "
            f"({missing} member ways missing), kept as open border lines"
        )


def _add_multipolygon(
    bm: Basemap,
    rid: int,
    members: list[tuple[str, int, str]],
    tags: dict[str, str],
    nodes: dict[int, LatLon],
    ways: dict[int, tuple[list[int], dict[str, str]]],
    layer: str,
    cls: str | None,
) -> None:
    outer, _ = _member_ways(members, ("outer", ""), ways)
    inner, _ = _member_ways(members, ("inner",), ways)
    inner_rings = [c for r in assemble_rings(inner)[0] if (c := _ids_to_coords(r, nodes))]
    for ring in assemble_rings(outer)[0]:
        coords = _ids_to_coords(ring, nodes)
        if coords is None:
            continue
        holes = [h for h in inner_rings if _ring_contains(coords, h[0])]
        bm.add(
            MapFeature(layer, "polygon", coords, _pick_name(tags), cls, holes, {"osm_id": f"relation/{rid}"})
        )


# ------------------------------------------------------------------------------------------------------------
# GeoJSON import


def load_geojson(path: str | os.PathLike[str]) -> Basemap:
    """Load a GeoJSON basemap file (the project's format or plain tagged GeoJSON); see :func:`import_geojson`."""
    return import_geojson(path)


def import_geojson(path: str | os.PathLike[str], name: str | None = None, crs: str | None = None) -> Basemap:
    """Read a GeoJSON FeatureCollection into a :class:`Basemap`, converting GCJ-02/BD-09 data to WGS-84.

    The layer of a feature comes from its ``layer`` property, or else from OSM-style tags (``highway``,
    ``building``, ``natural``, ``waterway``, ``leisure``, ``landuse``); untagged points become POIs and other
    unrecognised features are skipped with a warning.  The datum is read from a top-level ``crs`` member
    (``{"type": "name", "properties": {"name": "gcj02"}}``), ``metadata.crs`` or ``properties.crs``; an explicit
    ``crs`` argument overrides the file's declaration (for files from Chinese providers that declare nothing).
    """
    src = Path(path)
    try:
        text = src.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BasemapError(f"{src}: no such file") from None
    except UnicodeDecodeError as exc:
        raise BasemapError(f"{src}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BasemapError(
            f"{src}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    return basemap_from_geojson(doc, source=str(src), name=name, crs=crs)


def basemap_from_geojson(
    doc: Any, source: str = "<geojson>", name: str | None = None, crs: str | None = None
) -> Basemap:
    """Build a :class:`Basemap` from an already-parsed GeoJSON document (see :func:`import_geojson`)."""
    if not isinstance(doc, dict):
        raise BasemapError(f"{source}: top level must be a JSON object, got {type(doc).__name__}")
    if doc.get("type") != "FeatureCollection":
        raise BasemapError(f'{source}: top-level "type" must be "FeatureCollection", got {doc.get("type")!r}')
    features = doc.get("features")
    if not isinstance(features, list):
        raise BasemapError(f'{source}: "features" must be a list')
    meta: dict[str, Any] = {}
    for key in ("properties", "metadata"):
        if isinstance(doc.get(key), dict):
            meta.update(doc[key])
    crs_decl = meta.get("crs")
    top_crs = doc.get("crs")
    if isinstance(top_crs, dict):
        props = top_crs.get("properties")
        if isinstance(props, dict) and isinstance(props.get("name"), str):
            crs_decl = props["name"]
    elif isinstance(top_crs, str):
        crs_decl = top_crs
    if crs is not None:
        crs_decl = crs
    try:
        crs = normalize_crs(crs_decl if isinstance(crs_decl, str) else None)
    except ValueError as exc:
        raise BasemapError(f"{source}: {exc}") from None
    bm = Basemap(
        name=name or str(meta.get("name") or doc.get("name") or Path(source).stem),
        crs=crs,
        attribution=meta.get("attribution") if isinstance(meta.get("attribution"), str) else None,
    )
    skipped = 0
    for i, feat in enumerate(features):
        where = f"{source}: feature #{i}"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise BasemapError(f'{where}: expected an object with "type": "Feature"')
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            raise BasemapError(f'{where}: "properties" must be an object or null')
        geom = feat.get("geometry")
        if geom is None:
            skipped += 1
            continue
        for gtype, coords in _explode_geometry(geom, where):
            added = _geojson_feature(bm, gtype, coords, props, crs, where)
            skipped += 0 if added else 1
    if skipped:
        bm.warnings.append(f"{skipped} features skipped: no geometry or no recognised layer")
    return bm


def _explode_geometry(geom: Any, where: str) -> list[tuple[str, Any]]:
    if not isinstance(geom, dict) or "type" not in geom:
        raise BasemapError(f'{where}: "geometry" must be a GeoJSON geometry object')
    gtype = geom["type"]
    if gtype == "GeometryCollection":
        parts = geom.get("geometries")
        if not isinstance(parts, list):
            raise BasemapError(f'{where}: GeometryCollection without a "geometries" list')
        out: list[tuple[str, Any]] = []
        for part in parts:
            out.extend(_explode_geometry(part, where))
        return out
    coords = geom.get("coordinates")
    if not isinstance(coords, list):
        raise BasemapError(f'{where}: {gtype} geometry without a "coordinates" list')
    if gtype in ("Point", "LineString", "Polygon"):
        return [(gtype, coords)]
    if gtype in ("MultiPoint", "MultiLineString", "MultiPolygon"):
        return [(gtype[5:], part) for part in coords]
    raise BasemapError(f"{where}: unsupported geometry type {gtype!r}")


def _positions(raw: Any, crs: str, where: str) -> list[LatLon]:
    """Validate a list of GeoJSON positions ``[lon, lat]`` and convert them to WGS-84 ``(lat, lon)``."""
    if not isinstance(raw, list) or not raw:
        raise BasemapError(f"{where}: expected a non-empty list of [lon, lat] positions")
    try:
        arr = np.array([[float(p[0]), float(p[1])] for p in raw], dtype=np.float64)
    except (TypeError, ValueError, IndexError, KeyError):
        raise BasemapError(f"{where}: every position must be a [lon, lat] pair of numbers") from None
    if not np.all(np.isfinite(arr)):
        raise BasemapError(f"{where}: coordinates contain NaN or infinity")
    lon, lat = arr[:, 0], arr[:, 1]
    if np.any(np.abs(lat) > 90.0) or np.any(np.abs(lon) > 180.0):
        bad = int(np.argmax((np.abs(lat) > 90.0) | (np.abs(lon) > 180.0)))
        raise BasemapError(
            f"{where}: position {raw[bad]!r} is out of range; GeoJSON positions are [longitude, latitude]"
        )
    wlat, wlon = to_wgs84_array(lat, lon, crs)
    return list(zip(wlat.tolist(), wlon.tolist(), strict=True))


def _geojson_feature(
    bm: Basemap, gtype: str, coords: Any, props: dict[str, Any], crs: str, where: str
) -> bool:
    layer = props.get("layer")
    cls = props.get("class")
    extra = {k: v for k, v in props.items() if k not in ("layer", "name", "class")}
    if gtype == "Point":
        pts = _positions([coords], crs, where)
        geometry = "point"
        rings = [pts]
    elif gtype == "LineString":
        pts = _positions(coords, crs, where)
        if len(pts) < 2:
            raise BasemapError(f"{where}: a LineString needs at least two positions")
        geometry = "line"
        rings = [pts]
    else:
        if not isinstance(coords, list) or not coords:
            raise BasemapError(f"{where}: a Polygon needs at least one ring")
        rings = []
        for ring_raw in coords:
            ring = _positions(ring_raw, crs, where)
            if ring[0] != ring[-1]:
                ring.append(ring[0])
            if len(ring) < 4:
                raise BasemapError(f"{where}: a polygon ring needs at least three distinct positions")
            rings.append(ring)
        geometry = "polygon"
    if layer is None:
        kind = _classify(props, geometry == "polygon")
        if kind is None:
            if geometry != "point":
                return False
            kind = ("poi", None, "point")
        layer, tag_cls, _ = kind
        cls = cls if cls is not None else tag_cls
    if layer not in _LAYER_ATTR:
        raise BasemapError(f"{where}: unknown layer {layer!r}; expected one of {', '.join(LAYERS)}")
    name = props.get("name")
    if name is None:
        name = _pick_name(props)
    bm.add(
        MapFeature(
            layer=str(layer),
            geometry=geometry,
            coords=rings[0],
            name=None if name is None else str(name),
            cls=None if cls is None else str(cls),
            holes=rings[1:],
            props=extra,
        )
    )
    return True
