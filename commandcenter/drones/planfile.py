"""QGroundControl ``.plan`` (JSON) and ``QGC WPL 110`` (text) import/export.

Pilots plan in QGroundControl and Mission Planner at their desks and bring the files to the command center, so
both formats are read and written faithfully. A malformed file is refused as a whole with a
:class:`PlanFileError` naming the file and the element at fault ("mission.items[3].params: expected 7 numbers")
— half-importing a mission is worse than importing nothing.

``.plan`` notes: survey/corridor "ComplexItem"s are flattened to the simple items QGroundControl stored in
``TransectStyleComplexItem.Items``; a complex item without them is refused. The fence ceiling, which the format
does not carry, is kept in the optional ``geoFence.maxAltitude`` key (QGroundControl ignores unknown keys).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from commandcenter.drones.missions import (
    CMD_WAYPOINT,
    FRAME_GLOBAL,
    KNOWN_COMMANDS,
    NEEDS_POSITION,
    Circle,
    Geofence,
    Mission,
    MissionItem,
    MissionPlan,
    Polygon,
    RallyPoint,
)

WPL_HEADER = "QGC WPL 110"
FIRMWARE_ARDUPILOT = 3  # MAV_AUTOPILOT_ARDUPILOTMEGA, QGC's "firmwareType"
VEHICLE_QUADROTOR = 2


class PlanFileError(ValueError):
    """A plan file that cannot be used, with the file and the element at fault."""


def _num(value: Any, where: str, *, allow_null: bool = False) -> float:
    if value is None and allow_null:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanFileError(f"{where}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):  # json reads Infinity/NaN: no vehicle flies to them
        raise PlanFileError(f"{where}: {value!r} is not a finite number")
    return number


def _latlon(value: Any, where: str, size: int = 2) -> list[float]:
    if not isinstance(value, list) or len(value) < size:
        raise PlanFileError(f"{where}: expected [lat, lon{', alt' if size == 3 else ''}], got {value!r}")
    numbers = [_num(v, f"{where}[{i}]") for i, v in enumerate(value[:size])]
    if not (-90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180):
        raise PlanFileError(f"{where}: {numbers[0]}, {numbers[1]} is not a WGS-84 position")
    return numbers


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PlanFileError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise PlanFileError(f"{where}: expected a list, got {type(value).__name__}")
    return value


# ---------------------------------------------------------------------------------------------------------------
# .plan
# ---------------------------------------------------------------------------------------------------------------


def parse_plan(text: str, source: str = "<plan>") -> MissionPlan:
    """Parse .plan JSON text; raises PlanFileError('<source>: <element>: <problem>')."""
    try:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanFileError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
        doc = _table(doc, "document")
        if doc.get("fileType") != "Plan":
            raise PlanFileError(f"fileType: expected \"Plan\", got {doc.get('fileType')!r}")
        plan = MissionPlan()
        if "mission" in doc:
            _parse_mission(_table(doc["mission"], "mission"), plan)
        if "geoFence" in doc:
            plan.fence = _parse_fence(_table(doc["geoFence"], "geoFence"))
        if "rallyPoints" in doc:
            rally = _table(doc["rallyPoints"], "rallyPoints")
            plan.rally = [RallyPoint(*_latlon(p, f"rallyPoints.points[{i}]", 3))
                          for i, p in enumerate(_list(rally.get("points", []), "rallyPoints.points"))]
        return plan
    except PlanFileError as exc:
        raise PlanFileError(f"{source}: {exc}") from None


def _parse_mission(mission: dict[str, Any], plan: MissionPlan) -> None:
    if "plannedHomePosition" in mission and mission["plannedHomePosition"] is not None:
        lat, lon, alt = _latlon(mission["plannedHomePosition"], "mission.plannedHomePosition", 3)
        plan.home = (lat, lon, alt)
    if "cruiseSpeed" in mission:
        plan.mission.cruise_speed = _num(mission["cruiseSpeed"], "mission.cruiseSpeed")
    if "hoverSpeed" in mission:
        plan.mission.hover_speed = _num(mission["hoverSpeed"], "mission.hoverSpeed")
    for i, raw in enumerate(_list(mission.get("items", []), "mission.items")):
        plan.mission.items += _parse_item(raw, f"mission.items[{i}]")


def _parse_item(raw: Any, where: str) -> list[MissionItem]:
    item = _table(raw, where)
    kind = item.get("type")
    if kind == "ComplexItem":
        inner = item.get("TransectStyleComplexItem", {}).get("Items") if isinstance(
            item.get("TransectStyleComplexItem"), dict) else None
        if not isinstance(inner, list):
            raise PlanFileError(f"{where}: complex item {item.get('complexItemType', '?')!r} has no stored "
                                "waypoints; convert it to simple waypoints in QGroundControl")
        out: list[MissionItem] = []
        for j, sub in enumerate(inner):
            out += _parse_item(sub, f"{where}.TransectStyleComplexItem.Items[{j}]")
        return out
    if kind != "SimpleItem":
        raise PlanFileError(f"{where}.type: expected \"SimpleItem\" or \"ComplexItem\", got {kind!r}")
    for key in ("command", "frame", "params"):
        if key not in item:
            raise PlanFileError(f"{where}: missing {key!r}")
    params = _list(item["params"], f"{where}.params")
    if len(params) != 7:
        raise PlanFileError(f"{where}.params: expected 7 numbers, got {len(params)}")
    p = [_num(v, f"{where}.params[{k}]", allow_null=True) for k, v in enumerate(params)]
    command = int(_num(item["command"], f"{where}.command"))
    frame = int(_num(item["frame"], f"{where}.frame"))
    if command not in KNOWN_COMMANDS:
        raise PlanFileError(f"{where}.command: {command} is not a known MAV_CMD")
    if command in NEEDS_POSITION:
        missing = [f"params[{k}] ({name})" for k, name in ((4, "lat"), (5, "lon"), (6, "alt")) if math.isnan(p[k])]
        if missing:  # a null here used to be sent as 0, 0: the far side of the world
            raise PlanFileError(f"{where}: {', '.join(missing)} is null; command {command} needs a position")
    lat, lon, alt = (0.0 if math.isnan(v) else v for v in p[4:7])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlanFileError(f"{where}.params: {lat}, {lon} is not a WGS-84 position")
    return [MissionItem(command, lat, lon, alt, frame, (p[0], p[1], p[2], p[3]),
                        bool(item.get("autoContinue", True)))]


def _parse_fence(fence: dict[str, Any]) -> Geofence:
    result = Geofence()
    if fence.get("maxAltitude") is not None:
        result.max_alt = _num(fence["maxAltitude"], "geoFence.maxAltitude")
    for i, raw in enumerate(_list(fence.get("polygons", []), "geoFence.polygons")):
        where = f"geoFence.polygons[{i}]"
        poly = _table(raw, where)
        vertices = [tuple(_latlon(v, f"{where}.polygon[{k}]"))
                    for k, v in enumerate(_list(poly.get("polygon"), f"{where}.polygon"))]
        if len(vertices) < 3:
            raise PlanFileError(f"{where}.polygon: a fence polygon needs at least 3 vertices, got {len(vertices)}")
        result.polygons.append(Polygon([(v[0], v[1]) for v in vertices], bool(poly.get("inclusion", True))))
    for i, raw in enumerate(_list(fence.get("circles", []), "geoFence.circles")):
        where = f"geoFence.circles[{i}]"
        entry = _table(raw, where)
        circle = _table(entry.get("circle"), f"{where}.circle")
        lat, lon = _latlon(circle.get("center"), f"{where}.circle.center")
        radius = _num(circle.get("radius"), f"{where}.circle.radius")
        if radius <= 0:
            raise PlanFileError(f"{where}.circle.radius: must be positive, got {radius}")
        result.circles.append(Circle(lat, lon, radius, bool(entry.get("inclusion", True))))
    return result


def _nan_to_none(v: float) -> float | None:
    return None if math.isnan(v) else v


def plan_to_dict(plan: MissionPlan) -> dict[str, Any]:
    """The .plan document (QGroundControl 4.x layout)."""
    home = plan.home
    if home is None:
        first = next((it for _, it in plan.mission.waypoints()), None)
        home = (first.lat, first.lon, 0.0) if first else (0.0, 0.0, 0.0)
    items = []
    for n, it in enumerate(plan.mission.items, start=1):
        items.append({
            "type": "SimpleItem", "autoContinue": it.autocontinue, "command": it.command, "doJumpId": n,
            "frame": it.frame, "params": [_nan_to_none(v) for v in (*it.params, it.lat, it.lon, it.alt)],
            "Altitude": it.alt, "AltitudeMode": 1 if it.frame != FRAME_GLOBAL else 2, "AMSLAltAboveTerrain": None,
        })
    fence: dict[str, Any] = {
        "version": 2,
        "polygons": [{"version": 1, "inclusion": p.inclusion, "polygon": [[lat, lon] for lat, lon in p.points]}
                     for p in plan.fence.polygons],
        "circles": [{"version": 1, "inclusion": c.inclusion,
                     "circle": {"center": [c.lat, c.lon], "radius": c.radius}} for c in plan.fence.circles],
    }
    if plan.fence.max_alt is not None:
        fence["maxAltitude"] = plan.fence.max_alt
    return {
        "fileType": "Plan", "version": 1, "groundStation": "智慧城管指挥中心",
        "mission": {"version": 2, "firmwareType": FIRMWARE_ARDUPILOT, "vehicleType": VEHICLE_QUADROTOR,
                    "cruiseSpeed": plan.mission.cruise_speed, "hoverSpeed": plan.mission.hover_speed,
                    "plannedHomePosition": list(home), "items": items},
        "geoFence": fence,
        "rallyPoints": {"version": 2, "points": [[p.lat, p.lon, p.alt] for p in plan.rally]},
    }


def load_plan(path: str | Path) -> MissionPlan:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(f"{p}: file not found") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{p}: not UTF-8 text") from None
    if text.lstrip().startswith("QGC WPL"):
        return MissionPlan(*_wpl_parts(text, str(p)))
    return parse_plan(text, str(p))


def save_plan(plan: MissionPlan, path: str | Path) -> None:
    Path(path).write_text(json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# QGC WPL 110
# ---------------------------------------------------------------------------------------------------------------


def _wpl_parts(text: str, source: str) -> tuple[Mission, Geofence, list[RallyPoint], tuple[float, float, float]
                                                  | None]:
    mission, home = parse_wpl(text, source)
    return mission, Geofence(), [], home


def parse_wpl(text: str, source: str = "<wpl>") -> tuple[Mission, tuple[float, float, float] | None]:
    """Parse a waypoint file; line 1 (seq 0) is the home position, as Mission Planner writes it."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or lines[0].strip() != WPL_HEADER:
        got = lines[0].strip()[:40] if lines else "an empty file"
        raise PlanFileError(f"{source}: line 1: expected {WPL_HEADER!r}, got {got!r}")
    mission = Mission()
    home: tuple[float, float, float] | None = None
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) != 12:
            raise PlanFileError(f"{source}: line {number}: expected 12 tab-separated fields, got {len(fields)}")
        try:
            seq, _current, frame, command = (int(f) for f in fields[:4])
            p1, p2, p3, p4, lat, lon, alt = (float(f) for f in fields[4:11])
            autocontinue = int(fields[11])
        except ValueError:
            raise PlanFileError(f"{source}: line {number}: a field is not a number: {line.strip()!r}") from None
        if seq != number - 2:
            raise PlanFileError(f"{source}: line {number}: sequence {seq}, expected {number - 2}")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlanFileError(f"{source}: line {number}: {lat}, {lon} is not a WGS-84 position")
        if seq == 0 and command == CMD_WAYPOINT:
            home = (lat, lon, alt)
            continue
        mission.items.append(MissionItem(command, lat, lon, alt, frame, (p1, p2, p3, p4), bool(autocontinue)))
    return mission, home


def wpl_text(mission: Mission, home: tuple[float, float, float] | None = None) -> str:
    """Mission Planner's text format; seq 0 is home (the planned home or the first waypoint)."""
    if home is None:
        first = next((it for _, it in mission.waypoints()), None)
        home = (first.lat, first.lon, 0.0) if first else (0.0, 0.0, 0.0)
    rows = [WPL_HEADER, _wpl_row(0, 1, FRAME_GLOBAL, CMD_WAYPOINT, (0, 0, 0, 0), home, True)]
    for seq, it in enumerate(mission.items, start=1):
        rows.append(_wpl_row(seq, 0, it.frame, it.command, it.params, (it.lat, it.lon, it.alt), it.autocontinue))
    return "\n".join(rows) + "\n"


def _wpl_row(seq: int, current: int, frame: int, command: int, params: tuple[float, ...],
             pos: tuple[float, float, float], autocontinue: bool) -> str:
    values = [f"{0.0 if math.isnan(v) else v:.8f}" for v in params] + [f"{pos[0]:.8f}", f"{pos[1]:.8f}",
                                                                         f"{pos[2]:.6f}"]
    return "\t".join([str(seq), str(current), str(frame), str(command), *values, str(int(autocontinue))])


def load_wpl(path: str | Path) -> tuple[Mission, tuple[float, float, float] | None]:
    p = Path(path)
    try:
        return parse_wpl(p.read_text(encoding="utf-8"), str(p))
    except FileNotFoundError:
        raise PlanFileError(f"{p}: file not found") from None


def save_wpl(mission: Mission, path: str | Path, home: tuple[float, float, float] | None = None) -> None:
    Path(path).write_text(wpl_text(mission, home), encoding="utf-8")
