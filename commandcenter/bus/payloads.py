"""The JSON payloads of bus protocol v1 (``docs/bus.md``): built from the core's plain data, read back into it.

Readers raise :class:`PayloadError` (naming the field) for a payload that does not fit; the bridges count and log
it with the topic and carry on. Adding a field is compatible (readers ignore what they do not know); renaming or
removing one, or changing its meaning or unit, is a new protocol version (``cc/v2``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields
from datetime import UTC, datetime

from commandcenter.bus.api import JsonObject, JsonValue
from commandcenter.domain import UnitPosition
from commandcenter.drones.state import VehicleState
from commandcenter.sensors.service import RemoteSensor, SensorSnapshot


class PayloadError(ValueError):
    """A payload that does not fit its topic's shape."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def json_list(values: Iterable[str | int]) -> list[JsonValue]:
    """A sorted JSON array of ids (a list is invariant: list[str] is not list[JsonValue] to the type checker)."""
    return list(sorted(values))


def json_safe(value: object) -> JsonValue:
    """Plain JSON from report dicts (a stray datetime or Path becomes its string)."""
    decoded: JsonValue = json.loads(json.dumps(value, ensure_ascii=False, default=str))
    return decoded


# -- readers' helpers ----------------------------------------------------------------------------------------
def text(payload: Mapping[str, JsonValue], key: str, default: str | None = None) -> str:
    value = payload.get(key, default)
    if not isinstance(value, str):
        raise PayloadError(f"field {key!r}: expected a string, got {value!r}")
    return value


def number(payload: Mapping[str, JsonValue], key: str) -> float:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"field {key!r}: expected a number, got {value!r}")
    return float(value)


def optional_number(payload: Mapping[str, JsonValue], key: str) -> float | None:
    return None if payload.get(key) is None else number(payload, key)


def strings(payload: Mapping[str, JsonValue], key: str) -> list[str]:
    value = payload.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PayloadError(f"field {key!r}: expected a list of strings, got {value!r}")
    return [str(v) for v in value]


def integers(payload: Mapping[str, JsonValue], key: str) -> list[int]:
    value = payload.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise PayloadError(f"field {key!r}: expected a list of integers, got {value!r}")
    return [int(v) for v in value if isinstance(v, int)]


def timestamp(payload: Mapping[str, JsonValue], key: str) -> datetime:
    raw = text(payload, key)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise PayloadError(f"field {key!r}: not an ISO 8601 time: {raw!r}") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# -- cc/v1/units/{id}/position -------------------------------------------------------------------------------
def position_payload(pos: UnitPosition) -> JsonObject:
    extra: JsonObject = {k: v for k, v in pos.extra.items() if isinstance(v, str | int | float | bool) or v is None}
    return {"id": pos.id, "kind": pos.kind, "name": pos.name, "lat": pos.lat, "lon": pos.lon,
            "fix_time": pos.fix_time.isoformat(), "speed": pos.speed, "heading": pos.heading, "source": pos.source,
            "status": pos.status, "sub_kind": pos.sub_kind, "extra": extra}


def position_from(payload: Mapping[str, JsonValue]) -> UnitPosition:
    """A position object read back; a seat reads 10,000 a second, so a well-formed one takes a short road
    (the same checks, inline) and only a payload that fails them goes through the field-naming checks."""
    get = payload.get
    ident, kind, name, lat, lon, when = (get("id"), get("kind"), get("name", ""), get("lat"), get("lon"),
                                         get("fix_time"))
    speed, heading, source, status, sub_kind = (get("speed"), get("heading"), get("source", ""),
                                                get("status", ""), get("sub_kind", ""))
    if type(ident) is str and type(kind) is str and type(name) is str and type(lat) in _NUMBER \
            and type(lon) in _NUMBER and type(when) is str and (speed is None or type(speed) in _NUMBER) \
            and (heading is None or type(heading) in _NUMBER) and type(source) is str and type(status) is str \
            and type(sub_kind) is str:
        try:
            fix_time = datetime.fromisoformat(when)
        except ValueError:
            fix_time = None
        if fix_time is not None:
            extra = get("extra")
            return UnitPosition(
                id=ident, kind=kind, name=name, lat=float(lat), lon=float(lon),  # type: ignore[arg-type]
                fix_time=fix_time if fix_time.tzinfo is not None else fix_time.replace(tzinfo=UTC),
                speed=None if speed is None else float(speed),  # type: ignore[arg-type]
                heading=None if heading is None else float(heading),  # type: ignore[arg-type]
                source=source, status=status, sub_kind=sub_kind, extra=dict(extra) if isinstance(extra, dict) else {})
    return _checked_position_from(payload)


_NUMBER = (float, int)  # exact types: a bool is not a coordinate


def _checked_position_from(payload: Mapping[str, JsonValue]) -> UnitPosition:
    extra = payload.get("extra", {})
    return UnitPosition(
        id=text(payload, "id"), kind=text(payload, "kind"), name=text(payload, "name", ""),
        lat=number(payload, "lat"), lon=number(payload, "lon"), fix_time=timestamp(payload, "fix_time"),
        speed=optional_number(payload, "speed"), heading=optional_number(payload, "heading"),
        source=text(payload, "source", ""), status=text(payload, "status", ""),
        sub_kind=text(payload, "sub_kind", ""), extra=dict(extra) if isinstance(extra, dict) else {})


# -- cc/v1/drones/{id}/telemetry -----------------------------------------------------------------------------
_STATE_FIELDS = {f.name for f in fields(VehicleState)}


def drone_payload(drone_id: str, name: str, sysid: int, link: str, state: VehicleState | None) -> JsonObject:
    encoded: JsonValue = None
    if state is not None:
        encoded = json_safe(asdict(state))
    return {"id": drone_id, "name": name, "sysid": sysid, "link": link, "state": encoded, "at": now_iso()}


def drone_from(payload: Mapping[str, JsonValue]) -> tuple[str, str, int, str, VehicleState | None]:
    """(drone id, name, system id, link state, vehicle state or None before the first heartbeat)."""
    sysid = payload.get("sysid", 0)
    if not isinstance(sysid, int):
        raise PayloadError(f"field 'sysid': expected an integer, got {sysid!r}")
    raw = payload.get("state")
    state: VehicleState | None = None
    if isinstance(raw, dict):
        known: dict[str, object] = {k: v for k, v in raw.items() if k in _STATE_FIELDS}
        messages = known.get("messages", [])
        known["messages"] = tuple(tuple(m) for m in messages if isinstance(m, list)) if isinstance(messages, list) else ()
        try:
            state = VehicleState(**known)  # type: ignore[arg-type]  # field types are the sender's VehicleState's
        except TypeError as exc:
            raise PayloadError(f"field 'state': {exc}") from None
    elif raw is not None:
        raise PayloadError(f"field 'state': expected an object or null, got {raw!r}")
    return text(payload, "id"), text(payload, "name", ""), sysid, text(payload, "link", "offline"), state


def sensor_payload(sensor: SensorSnapshot) -> JsonObject:
    """The sensor's ``sensors`` health entry, with what a seat's map needs and the time of the last reading."""
    values: dict[str, JsonValue] = {measure: value for measure, value in sensor.values.items()}
    units: dict[str, JsonValue] = {measure: unit for measure, unit in sensor.units.items()}
    reading_at = (datetime.fromtimestamp(sensor.last_reading_at, UTC).isoformat()
                  if sensor.last_reading_at is not None else None)
    return {"id": sensor.id, "kind": sensor.kind, "state": sensor.state, "values": values,
            "bad_reads": sensor.bad_reads, "alarm": sensor.alarm, "alarms": list(sensor.alarms),
            "name": sensor.name, "lat": sensor.lat, "lon": sensor.lon, "units": units, "reading_at": reading_at,
            "at": now_iso()}


def _object(payload: Mapping[str, JsonValue], key: str) -> Mapping[str, JsonValue]:
    value = payload.get(key, {})
    if not isinstance(value, dict):
        raise PayloadError(f"field {key!r}: expected an object, got {value!r:.80}")
    return value


def sensor_from(payload: Mapping[str, JsonValue]) -> RemoteSensor:
    """A sensor's published state; values must be numbers, the state one the report knows."""
    state = text(payload, "state")
    if state not in ("unknown", "online", "offline"):
        raise PayloadError(f"field 'state': expected unknown, online or offline, got {state!r}")
    values: dict[str, float] = {}
    for measure, value in _object(payload, "values").items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PayloadError(f"field 'values.{measure}': expected a number, got {value!r:.80}")
        values[measure] = float(value)
    units = {measure: unit for measure, unit in _object(payload, "units").items() if isinstance(unit, str)}
    bad_reads = payload.get("bad_reads", 0)
    if isinstance(bad_reads, bool) or not isinstance(bad_reads, int):
        raise PayloadError(f"field 'bad_reads': expected an integer, got {bad_reads!r}")
    alarms = tuple(strings(payload, "alarms")) if "alarms" in payload else ()
    if payload.get("alarm") is True and not alarms:
        alarms = ("alarm",)
    reading_at = timestamp(payload, "reading_at").timestamp() if payload.get("reading_at") is not None else None
    return RemoteSensor(id=text(payload, "id"), name=text(payload, "name", ""), kind=text(payload, "kind", ""),
                        lat=optional_number(payload, "lat"), lon=optional_number(payload, "lon"), units=units,
                        state=state, values=values, bad_reads=bad_reads, alarms=alarms,
                        last_reading_at=reading_at)
