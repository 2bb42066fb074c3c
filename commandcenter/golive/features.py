"""Reading areas and points of go-live data: GeoJSON, ESRI Shapefile (pyshp) and KML, into WGS-84 features.

Every feature keeps its number in the file (1-based, in file order), which is how an error names it ("feature 7,
code: …"): GIS tools list features in that order. Coordinates are converted from the file's datum (``--crs``:
GCJ-02 for Amap exports, BD-09 for Baidu's) to WGS-84, the one datum inside the application. KML is WGS-84 by
definition, but Chinese tools often write GCJ-02 into it anyway, so ``--crs`` applies to it too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from commandcenter.geo.coords import to_wgs84_array
from commandcenter.golive.sheets import SheetError

__all__ = ["GeoFeature", "read_features"]

LatLon = tuple[float, float]


@dataclass(frozen=True, slots=True)
class GeoFeature:
    """One feature: number in the file, properties as text, and either polygons (outer rings, WGS-84
    ``(lat, lon)``, not closed) or a point. ``problem`` says why the geometry is unusable ("" when usable)."""

    number: int
    properties: dict[str, str]
    polygons: list[list[LatLon]] = field(default_factory=list)
    point: LatLon | None = None
    problem: str = ""

    def prop(self, *names: str) -> str:
        """The first non-empty property among ``names`` (aliases: ``code``, ``编码`` …)."""
        lowered = {k.lower(): v for k, v in self.properties.items()}
        for name in names:
            value = lowered.get(name.lower(), "")
            if value:
                return value
        return ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()


def _convert(ring: Sequence[Sequence[float]], crs: str) -> list[LatLon]:
    """``[[lon, lat], …]`` in ``crs`` → ``[(lat, lon), …]`` WGS-84, closing vertex dropped."""
    pts = [(float(p[1]), float(p[0])) for p in ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if not pts:
        return []
    arr = np.asarray(pts, dtype=np.float64)
    if crs != "wgs84":
        lat, lon = to_wgs84_array(arr[:, 0], arr[:, 1], crs)
        return [(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
    return pts


def _vertex_problem(p: Sequence[float]) -> str:
    if len(p) < 2 or not all(isinstance(v, int | float) for v in p[:2]):
        return "a vertex is not a [longitude, latitude] pair of numbers"
    if not (-180.0 <= p[0] <= 180.0 and -90.0 <= p[1] <= 90.0):
        return f"vertex {list(p[:2])} is not a longitude/latitude (projected coordinates? use EPSG:4326)"
    return ""


def _ring_problem(ring: Sequence[Sequence[float]]) -> str:
    for p in ring:
        problem = _vertex_problem(p)
        if problem:
            return problem
    if len({(p[0], p[1]) for p in ring}) < 3:
        return "a polygon needs at least three distinct vertices"
    return ""


def _from_geometry(number: int, props: dict[str, str], geometry: object, crs: str) -> GeoFeature:
    if not isinstance(geometry, dict):
        return GeoFeature(number, props, problem="no geometry")
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    try:
        if kind == "Point":
            if not (isinstance(coords, list) and len(coords) >= 2 and not _vertex_problem(coords)):
                return GeoFeature(number, props, problem="the point is not [longitude, latitude]")
            return GeoFeature(number, props, point=_convert([coords], crs)[0])
        parts = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else None
        if not isinstance(parts, list) or not parts:
            return GeoFeature(number, props, problem=f"geometry {kind!r} is not a Polygon, MultiPolygon or Point")
        rings = []
        for part in parts:
            outer = part[0] if isinstance(part, list) and part else []
            problem = _ring_problem(outer) if isinstance(outer, list) else "bad ring"
            if problem:
                return GeoFeature(number, props, problem=problem)
            rings.append(_convert(outer, crs))
        return GeoFeature(number, props, polygons=rings)
    except (TypeError, IndexError, ValueError) as exc:
        return GeoFeature(number, props, problem=f"unreadable coordinates ({exc})")


def _geojson(path: Path, crs: str) -> list[GeoFeature]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SheetError(f"{path}: not a readable GeoJSON file ({exc})") from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if doc.get("type") == "Feature" if isinstance(doc, dict) else False:
        features = [doc]
    if not isinstance(features, list):
        raise SheetError(f"{path}: a GeoJSON FeatureCollection is expected")
    out = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            out.append(GeoFeature(number, {}, problem="not a GeoJSON Feature"))
            continue
        raw = feature.get("properties") or {}
        props = {str(k): _text(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        out.append(_from_geometry(number, props, feature.get("geometry"), crs))
    return out


def _shapefile(path: Path, crs: str) -> list[GeoFeature]:
    import shapefile  # pyshp

    cpg = path.with_suffix(".cpg")
    encodings = [cpg.read_text().strip()] if cpg.is_file() else []
    for encoding in [*encodings, "utf-8", "gbk"]:
        try:
            with shapefile.Reader(str(path), encoding=encoding) as reader:
                names = [f[0] for f in reader.fields[1:]]
                out = []
                for number, item in enumerate(reader.iterShapeRecords(), start=1):
                    props = {n: _text(v) for n, v in zip(names, list(item.record), strict=False)}
                    geo = item.shape.__geo_interface__
                    out.append(_from_geometry(number, props, geo, crs))
                return out
        except UnicodeDecodeError:
            continue
        except shapefile.ShapefileException as exc:
            raise SheetError(f"{path}: not a readable Shapefile ({exc})") from None
    raise SheetError(f"{path}: the attribute table is neither UTF-8 nor GBK (add a .cpg file)")


_KML = "{http://www.opengis.net/kml/2.2}"


def _kml(path: Path, crs: str) -> list[GeoFeature]:
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise SheetError(f"{path}: not a readable KML file ({exc})") from None
    ns = _KML if root.tag.startswith(_KML) else ""

    def coords(text: str | None) -> list[list[float]]:
        out = []
        for token in (text or "").split():
            parts = token.split(",")
            try:
                out.append([float(parts[0]), float(parts[1])])
            except (IndexError, ValueError):
                out.append([])
        return out

    features = []
    for number, mark in enumerate(root.iter(f"{ns}Placemark"), start=1):
        props = {"name": (mark.findtext(f"{ns}name") or "").strip(),
                 "description": (mark.findtext(f"{ns}description") or "").strip()}
        for data in mark.iter(f"{ns}Data"):
            props[data.get("name", "")] = (data.findtext(f"{ns}value") or "").strip()
        for data in mark.iter(f"{ns}SimpleData"):
            props[data.get("name", "")] = (data.text or "").strip()
        polygons = [coords(p.findtext(f"{ns}outerBoundaryIs/{ns}LinearRing/{ns}coordinates"))
                    for p in mark.iter(f"{ns}Polygon")]
        point = mark.find(f".//{ns}Point/{ns}coordinates")
        if polygons:
            geometry: dict[str, object] = {"type": "MultiPolygon", "coordinates": [[r] for r in polygons]}
        elif point is not None:
            geometry = {"type": "Point", "coordinates": (coords(point.text) or [[]])[0]}
        else:
            geometry = {"type": "none"}
        features.append(_from_geometry(number, props, geometry, crs))
    return features


def read_features(path: str | Path, crs: str = "wgs84") -> list[GeoFeature]:
    """Features of a ``.geojson``/``.json``, ``.shp`` or ``.kml`` file, in WGS-84 (converted from ``crs``)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        return _geojson(p, crs)
    if suffix == ".shp":
        return _shapefile(p, crs)
    if suffix == ".kml":
        return _kml(p, crs)
    raise SheetError(f"{p}: expected a .geojson, .shp or .kml file, not {suffix or 'no extension'}")
