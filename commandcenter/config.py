"""The one TOML configuration file: parsing, strict validation, typed result.

Every key is documented in ``resources/config.example.toml``. Unknown keys and bad values are
rejected at start with a :class:`ConfigError` that names the file, the line (where it can be found), the key
path and what was expected — a command center that silently ignores a misspelt camera key shows a black tile
on the wall next month.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration problem, with where it is and what is expected."""


# ---------------------------------------------------------------------------------------------------------------
# Typed sections. Field names are the TOML keys (a contract: later checks rely on them; extend, never rename).
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class DatabaseConfig:
    url: str = ""  # empty: an SQLite file in the user's data dir


@dataclass
class UiConfig:
    language: str = "zh"  # zh | en
    theme: str = "dark"
    layout: str = ""  # wall layout name or RxC
    user: str = ""  # user shown in the status bar before a login


@dataclass
class MapConfig:
    basemap: str = ""  # "" = bundled district; a path to GeoJSON / OSM XML imported with `basemap import`
    tile_url: str = ""  # XYZ template, e.g. https://…/{z}/{x}/{y}.png
    tile_crs: str = "wgs84"  # wgs84 | gcj02 | bd09 — the datum of the raster tiles
    tile_cache: str = ""  # directory; "" = <data dir>/tiles
    mbtiles: str = ""  # path of an MBTiles file
    center_lat: float = 0.0
    center_lon: float = 0.0
    zoom: float = 15.0
    stale_minutes: float = 5.0  # a unit with no fix for this long turns grey
    trail_minutes: float = 10.0


@dataclass
class CameraConfig:
    id: str
    name: str = ""
    url: str = ""
    sub_url: str = ""
    lat: float | None = None
    lon: float | None = None
    group: str = ""
    transport: str = "tcp"  # rtsp transport: tcp | udp
    ptz: bool = False


@dataclass
class DroneConfig:
    id: str
    name: str = ""
    url: str = ""  # udpin:/udpout:/tcp:/serial "/dev/ttyUSB0,57600"/file.tlog
    video: str = ""
    sysid: int = 0  # 0 = the first vehicle seen on the link
    firmware: str = "ardupilot"  # ardupilot | px4


@dataclass
class Jt808Config:
    port: int = 6808
    host: str = "127.0.0.1"
    accept_unknown: bool = False


@dataclass
class OsmAndConfig:
    port: int = 5055
    host: str = "127.0.0.1"


@dataclass
class NmeaConfig:
    url: str
    baud: int = 9600
    unit: str = ""


@dataclass
class TrackersConfig:
    jt808: Jt808Config | None = None
    osmand: OsmAndConfig | None = None
    nmea: list[NmeaConfig] = field(default_factory=list)


@dataclass
class VehicleConfig:
    id: str
    plate: str = ""
    kind: str = "环卫车"
    terminal: str = ""  # JT/T 808 terminal phone number
    team: str = ""


@dataclass
class OfficerConfig:
    id: str
    name: str = ""
    badge: str = ""
    device: str = ""  # OsmAnd device id
    team: str = ""
    skills: list[str] = field(default_factory=list)
    grid: str = ""  # responsibility grid / 责任区


@dataclass
class SensorConfig:
    id: str
    kind: str = ""
    url: str = ""
    lat: float | None = None
    lon: float | None = None
    camera: str = ""  # camera that shows this sensor's place


@dataclass
class UserConfig:
    username: str
    name: str = ""
    role: str = "dispatcher"
    # A service account's credential for scripted CLI runs (imports): the SHA-256 (hex) of its token; the token
    # itself is handed to the CLI in a file or $CC_TOKEN and never stored here.
    token_sha256: str = ""


@dataclass
class Open311Config:
    port: int = 8311
    host: str = "127.0.0.1"
    api_keys: list[str] = field(default_factory=list)
    jurisdiction: str = ""


@dataclass
class SimulatorConfig:
    enabled: bool = False
    units: int = 200  # officers
    vehicles: int = 50  # sanitation and enforcement vehicles
    cameras: int = 9
    drones: int = 3
    reports_per_hour: float = 120.0
    seed: int = 20261121
    speedup: float = 1.0


@dataclass
class Config:
    """The whole configuration. ``source`` is the file it came from ("" for built-in defaults)."""

    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    map: MapConfig = field(default_factory=MapConfig)
    cameras: list[CameraConfig] = field(default_factory=list)
    drones: list[DroneConfig] = field(default_factory=list)
    trackers: TrackersConfig = field(default_factory=TrackersConfig)
    vehicles: list[VehicleConfig] = field(default_factory=list)
    officers: list[OfficerConfig] = field(default_factory=list)
    sensors: list[SensorConfig] = field(default_factory=list)
    users: list[UserConfig] = field(default_factory=list)
    open311: Open311Config | None = None
    simulator: SimulatorConfig = field(default_factory=SimulatorConfig)
    source: str = ""


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------

_LANGS = {"zh", "en"}
THEMES = ("dark", "light")  # ui.theme: the night theme of the control room, the day theme of the leaders' room
_CRS = {"wgs84", "gcj02", "bd09"}
_TRANSPORTS = {"tcp", "udp"}
_FIRMWARE = {"ardupilot", "px4"}
_ROLES = {"admin", "dispatcher", "pilot", "leader", "legal", "observer"}
_URL_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "udp://", "rtp://", "file://", "srt://")


class _Checker:
    """Walks the parsed TOML, building typed sections and collecting the first error with its location."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def where(self, key_path: str) -> str:
        """Best-effort line number of the last component of ``key_path`` (tomllib gives none)."""
        # Start the search at the table the key belongs to: the N-th [[cameras]] for "cameras[N].url".
        start = -1
        table = re.match(r"^([\w.]+?)(?:\[(\d+)\])?\.[^.]+$", key_path)
        if table:
            name, index = table[1], int(table[2] or 0)
            header = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*\]\]?\s*(#.*)?$")
            seen = -1
            for number, line in enumerate(self.lines):
                if header.match(line):
                    seen += 1
                    if seen == index:
                        start = number
                        break
        last = key_path.split(".")[-1].split("[")[0]
        pattern = re.compile(rf"^\s*{re.escape(last)}\s*=")
        for number in range(max(start, 0), len(self.lines)):
            if number > start >= 0 and self.lines[number].lstrip().startswith("["):
                break  # the key is not in its table: point at the table header
            if pattern.search(self.lines[number]):
                return f"{self.path}:{number + 1}"
        return f"{self.path}:{start + 1}" if start >= 0 else self.path

    def fail(self, key_path: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where(key_path)}: {key_path}: {message}")

    def build(self, cls: type, raw: Any, key_path: str, nested: dict[str, Callable[[Any, str], Any]] | None = None) -> Any:
        if not isinstance(raw, dict):
            raise self.fail(key_path, f"expected a table, got {type(raw).__name__}")
        nested = nested or {}
        known = {f.name: f for f in fields(cls) if f.name != "source"}
        kwargs: dict[str, Any] = {}
        for key, value in raw.items():
            sub = f"{key_path}.{key}" if key_path else key
            if key not in known:
                raise self.fail(sub, f"unknown key; expected one of: {', '.join(sorted(known))}")
            if key in nested:
                kwargs[key] = nested[key](value, sub)
                continue
            kwargs[key] = self.coerce(value, known[key].type, sub)
        required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING and f.name != "source"]
        for name in required:
            if name not in kwargs:
                raise self.fail(f"{key_path}.{name}", "is required")
        return cls(**kwargs)

    def coerce(self, value: Any, annotation: Any, key_path: str) -> Any:
        text = str(annotation)
        if text.startswith("list[str]"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(key_path, "expected a list of strings")
            return value
        if "float" in text:
            if isinstance(value, bool) or not isinstance(value, int | float):
                if value is None and "None" in text:
                    return None
                raise self.fail(key_path, f"expected a number, got {value!r}")
            return float(value)
        if text == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(key_path, f"expected an integer, got {value!r}")
            return value
        if text == "bool":
            if not isinstance(value, bool):
                raise self.fail(key_path, f"expected true or false, got {value!r}")
            return value
        if text == "str":
            if not isinstance(value, str):
                raise self.fail(key_path, f"expected a string, got {value!r}")
            return value
        raise self.fail(key_path, f"unsupported value {value!r}")

    def table_list(self, cls: type, raw: Any, key_path: str) -> list[Any]:
        if not isinstance(raw, list):
            raise self.fail(key_path, f"expected an array of tables ([[{key_path}]])")
        return [self.build(cls, item, f"{key_path}[{i}]") for i, item in enumerate(raw)]


def _check_range(checker: _Checker, key_path: str, value: float | None, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        raise checker.fail(key_path, f"{value} is out of range [{low}, {high}]")


def _validate(config: Config, checker: _Checker) -> None:
    """Cross-field checks: enumerations, ranges, unique ids, references between sections."""
    if config.ui.language not in _LANGS:
        raise checker.fail("ui.language", f"expected one of {sorted(_LANGS)}, got {config.ui.language!r}")
    if config.ui.theme not in THEMES:
        raise checker.fail("ui.theme", f"expected one of {list(THEMES)}, got {config.ui.theme!r}")
    if config.map.tile_crs not in _CRS:
        raise checker.fail("map.tile_crs", f"expected one of {sorted(_CRS)}, got {config.map.tile_crs!r}")
    if config.map.tile_url and not all(token in config.map.tile_url for token in ("{z}", "{x}", "{y}")):
        raise checker.fail("map.tile_url", "an XYZ template must contain {z}, {x} and {y}")
    tables: list[tuple[str, list[Any]]] = [("cameras", config.cameras), ("drones", config.drones),
                                            ("vehicles", config.vehicles), ("officers", config.officers),
                                            ("sensors", config.sensors)]
    for kind, items in tables:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if not item.id:
                raise checker.fail(f"{kind}[{i}].id", "must not be empty")
            if item.id in seen:
                raise checker.fail(f"{kind}[{i}].id", f"duplicate id {item.id!r}")
            seen.add(item.id)
    for i, cam in enumerate(config.cameras):
        for key in ("url", "sub_url"):
            url = getattr(cam, key)
            if key == "url" and not url:
                raise checker.fail(f"cameras[{i}].url", f"camera {cam.id!r} has no url")
            if url and "://" in url and not url.startswith(_URL_SCHEMES):
                raise checker.fail(f"cameras[{i}].{key}", f"unsupported URL scheme in {url!r}; expected one of "
                                   f"{', '.join(s[:-3] for s in _URL_SCHEMES)} or a local file path")
        if cam.transport not in _TRANSPORTS:
            raise checker.fail(f"cameras[{i}].transport", f"expected tcp or udp, got {cam.transport!r}")
        _check_range(checker, f"cameras[{i}].lat", cam.lat, -90, 90)
        _check_range(checker, f"cameras[{i}].lon", cam.lon, -180, 180)
    for i, drone in enumerate(config.drones):
        if not drone.url:
            raise checker.fail(f"drones[{i}].url", f"drone {drone.id!r} has no url")
        if drone.firmware not in _FIRMWARE:
            raise checker.fail(f"drones[{i}].firmware", f"expected ardupilot or px4, got {drone.firmware!r}")
    for i, user in enumerate(config.users):
        if user.role not in _ROLES:
            raise checker.fail(f"users[{i}].role", f"expected one of {sorted(_ROLES)}, got {user.role!r}")
        if user.token_sha256 and not re.fullmatch(r"[0-9a-f]{64}", user.token_sha256):
            raise checker.fail(f"users[{i}].token_sha256", "expected 64 lowercase hex digits (sha256sum of the token)")
    for name, listener in (("trackers.jt808", config.trackers.jt808), ("trackers.osmand", config.trackers.osmand),
                           ("open311", config.open311)):
        if listener is not None:
            _check_range(checker, f"{name}.port", listener.port, 0, 65535)
    for i, nmea in enumerate(config.trackers.nmea):
        if not nmea.unit:
            raise checker.fail(f"trackers.nmea[{i}].unit", "names the unit (officer or vehicle id) this receiver belongs to")
    for i, sensor in enumerate(config.sensors):
        _check_range(checker, f"sensors[{i}].lat", sensor.lat, -90, 90)
        _check_range(checker, f"sensors[{i}].lon", sensor.lon, -180, 180)
    if config.simulator.units < 0 or config.simulator.vehicles < 0:
        raise checker.fail("simulator.units", "must not be negative")


def parse_config(text: str, path: str = "<config>") -> Config:
    """Parse and validate TOML text. Raises ConfigError naming the file, line, key and what is expected."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    checker = _Checker(path, text)

    def trackers(value: Any, key_path: str) -> TrackersConfig:
        return checker.build(TrackersConfig, value, key_path, nested={
            "jt808": lambda v, k: checker.build(Jt808Config, v, k),
            "osmand": lambda v, k: checker.build(OsmAndConfig, v, k),
            "nmea": lambda v, k: checker.table_list(NmeaConfig, v, k),
        })

    config: Config = checker.build(Config, raw, "", nested={
        "database": lambda v, k: checker.build(DatabaseConfig, v, k),
        "ui": lambda v, k: checker.build(UiConfig, v, k),
        "map": lambda v, k: checker.build(MapConfig, v, k),
        "cameras": lambda v, k: checker.table_list(CameraConfig, v, k),
        "drones": lambda v, k: checker.table_list(DroneConfig, v, k),
        "trackers": trackers,
        "vehicles": lambda v, k: checker.table_list(VehicleConfig, v, k),
        "officers": lambda v, k: checker.table_list(OfficerConfig, v, k),
        "sensors": lambda v, k: checker.table_list(SensorConfig, v, k),
        "users": lambda v, k: checker.table_list(UserConfig, v, k),
        "open311": lambda v, k: checker.build(Open311Config, v, k),
        "simulator": lambda v, k: checker.build(SimulatorConfig, v, k),
    })
    config.source = path
    _validate(config, checker)
    return config


def load_config(path: str | Path) -> Config:
    """Read and validate a config file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_config(text, str(p))
