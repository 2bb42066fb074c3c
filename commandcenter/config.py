"""The one TOML configuration file: parsing, strict validation, typed result.

Every key is documented in ``resources/config.example.toml``. Unknown keys and bad values are
rejected at start with a :class:`ConfigError` that names the file, the line (where it can be found), the key
path and what was expected — a command center that silently ignores a misspelt camera key shows a black tile
on the wall next month.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from devices.handler_slots import DEFAULT_RUNNING_HANDLERS


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
    briefing_big_screen: bool = False  # the hall display: the briefing opens in big-screen mode, pages cycling
    briefing_cycle_s: float = 20.0  # seconds each briefing page shows on the big screen
    briefing_idle_s: float = 60.0  # after any touch, the cycle waits this long without input before resuming
    park_hidden_video_s: float = 20.0  # a camera stream no screen shows is disconnected after this long; 0 = never


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
    # Recording (commandcenter.recording): continuous | schedule | alarm | off; windows "HH:MM-HH:MM" local time
    record: str = "off"
    record_schedule: list[str] = field(default_factory=list)
    pre_s: float = 10.0  # alarm mode: seconds kept before the alarm
    post_s: float = 30.0  # alarm mode: seconds recorded after the last alarm
    retention_days: float | None = None  # this camera's days kept; None: [recording] retention_days
    # PTZ over ONVIF (issue 17, commandcenter/ptz/): the device service, its login, where the camera looks at pan 0
    # (degrees from north; needed for "look at this point"), its height above the street, and the preset an alarm
    # or a case turns it to before it pops on the wall.
    onvif_url: str = ""
    onvif_user: str = ""
    onvif_password: str = ""
    heading: float | None = None
    mount_height_m: float = 6.0
    alarm_preset: str = ""
    # Cases ([ptz] case_turn, commandcenter/ptz/cases.py): a case reported within case_range_m (None: [ptz]
    # case_range_m) turns this camera toward it — to the preset of the first case_presets circle holding the case
    # ("preset@lat,lon,radius_m"), else by "look at" — before the wall pops it.
    case_turn: bool = True
    case_range_m: float | None = None
    case_presets: list[str] = field(default_factory=list)


@dataclass
class PtzConfig:
    """``[ptz]``: what a new case does to the PTZ cameras near it (commandcenter/ptz/cases.py)."""

    case_turn: bool = True  # a case created/registered within reach turns the nearest suitable PTZ camera to it
    case_range_m: float = 250.0  # reach of a PTZ camera for cases (per camera: [[cameras]] case_range_m)
    # Sources whose cases turn a camera; camera cases are left out: their camera alarm already turns it.
    case_sources: list[str] = field(default_factory=lambda: ["citizen", "hotline", "patrol", "sensor", "dispatcher"])
    case_hold_s: float = 60.0  # after a case turned it, alarms do not pull the camera to its alarm_preset


@dataclass
class DroneConfig:
    id: str
    name: str = ""
    url: str = ""  # udpin:/udpout:/tcp:/serial "/dev/ttyUSB0,57600"/file.tlog
    video: str = ""
    sysid: int = 0  # 0 = the first vehicle seen on the link
    firmware: str = "ardupilot"  # ardupilot | px4
    # Recording of the video downlink, as [[cameras]] record (commandcenter.recording), indexed with the drone id
    # for 复盘; "airborne" records while the drone flies (armed, off the ground) and post_s after it lands.
    record: str = "off"  # continuous | schedule | alarm | airborne | off
    record_schedule: list[str] = field(default_factory=list)
    pre_s: float = 10.0
    post_s: float = 30.0
    retention_days: float | None = None


@dataclass
class Jt808Config:
    port: int = 6808
    host: str = "127.0.0.1"
    accept_unknown: bool = False


@dataclass
class OsmAndConfig:
    port: int = 5055
    host: str = "127.0.0.1"
    key: str = ""  # the `key` every phone without its own [[officers]] device_secret must send ("" = none)
    allow_from: list[str] = field(default_factory=list)  # source networks (CIDRs) allowed; empty = any


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
    max_clock_skew_s: float = 300.0  # a fix dated later than now + this is refused ("future")
    max_fix_age_h: float = 168.0  # a fix older than this (or before 2000) is refused ("too_old")


@dataclass
class VehicleConfig:
    id: str
    plate: str = ""
    kind: str = "环卫车"
    terminal: str = ""  # JT/T 808 terminal phone number
    team: str = ""
    # What the terminal must send in its 0x0100 registration ("" = not checked): plate as the terminal sends it,
    # maker id, terminal model and terminal id. A mismatch is refused (0x8100 result 2 or 4).
    terminal_plate: str = ""
    terminal_maker: str = ""
    terminal_model: str = ""
    terminal_id: str = ""


@dataclass
class OfficerConfig:
    id: str
    name: str = ""
    badge: str = ""
    device: str = ""  # OsmAnd device id
    device_secret: str = ""  # the `key` this officer's phone must send with every report ("" = none of its own)
    team: str = ""
    skills: list[str] = field(default_factory=list)
    grid: str = ""  # responsibility grid / 责任区


@dataclass
class ShiftConfig:
    """One 班次 of a team ([[shifts]]): its officers are recommended only while one of the team's shifts runs.

    ``start``/``end`` are the bureau's wall-clock times "HH:MM"; an end not after the start runs past midnight.
    A team without shifts is on shift around the clock.
    """

    team: str
    name: str = ""
    start: str = "00:00"
    end: str = "00:00"


@dataclass
class RegisterConfig:
    """One value of a Modbus sensor's register map: where it is, how it is encoded, what it measures."""

    measure: str  # what it measures: fill (%), nh3 / h2s (ppm), occupancy, noise (dB(A)), battery (V) …
    address: int  # holding register address (0-based, as on the wire)
    type: str = "uint16"  # uint16 | int16 | uint32 | int32 | float32 (32-bit values: high word first)
    scale: float = 1.0  # value = raw × scale
    unit: str = ""  # shown with the value: "%", "ppm", "dB(A)", "V"


@dataclass
class SensorConfig:
    id: str
    kind: str = ""  # 垃圾桶 | 公厕 | 噪声 | 渣土 | …: what the map shows and which rules apply
    url: str = ""  # modbus-rtu: any pyserial URL (/dev/ttyUSB0, rfc2217://…); mqtt: mqtt://HOST:PORT of the broker
    lat: float | None = None
    lon: float | None = None
    camera: str = ""  # camera that shows this sensor's place
    name: str = ""  # what a dispatcher reads ("" = the id)
    protocol: str = "modbus-rtu"  # modbus-rtu | mqtt
    baudrate: int = 9600  # modbus-rtu: the RS-485 line's speed (8N1)
    unit: int = 1  # modbus-rtu: the slave id (1..247) on its line
    period_s: float = 60.0  # how often it is polled (modbus) or reports (mqtt); silent for 3 periods → offline
    timeout_s: float = 1.0  # modbus-rtu: how long to wait for an answer before the read counts as bad
    registers: list[RegisterConfig] = field(default_factory=list)  # modbus-rtu: the register map
    topic: str = ""  # mqtt: the sensor's topic, or a wildcard whose "+" level is the sensor id ("sensors/+/up")


@dataclass
class SensorRuleConfig:
    """An alarm on one measure: raised when the value stays beyond the threshold for ``for_s`` seconds, cleared
    (hysteresis) only once it is back beyond the clear threshold, so a value wobbling at the line is one alarm."""

    measure: str
    category: str  # case category the alarm opens (a code or name from the categories table)
    above: float | None = None  # alarm when the value is above this …
    clear_below: float | None = None  # … and clear it when below this ("" = the same as above)
    below: float | None = None  # or: alarm when the value is below this (a battery running flat) …
    clear_above: float | None = None  # … and clear it when above this
    for_s: float = 0.0  # the condition must hold this long (a bin read at 81 % once is not full)
    kinds: list[str] = field(default_factory=list)  # only sensors of these kinds (empty: every sensor)
    zone_kinds: list[str] = field(default_factory=list)  # only sensors inside a zone of these kinds (empty: anywhere)


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
    max_description: int = 4000  # characters; a longer description is refused with 400 naming the limit
    max_body_bytes: int = 1 << 20  # a larger Content-Length is refused with 413 before reading
    media_max_mb: float = 10.0  # a citizen's photo behind media_url, fetched once into the evidence store
    media_timeout_s: float = 10.0  # the whole fetch; slower or larger → the case records why, keeps no photo
    media_allow_private: bool = False  # also fetch from loopback/private addresses (a closed network's image host)
    datum: str = "wgs84"  # wgs84 | gcj02 | bd09: citizens' apps (WeChat/Amap: gcj02, Baidu: bd09), converted on entry


@dataclass
class BureauConfig:
    """[bureau]: the issuing bureau on every 执法文书 (over the sample values of the templates' _bureau.toml)."""

    name: str = ""  # 执法机关, e.g. 成都市锦江区城市管理和综合执法局
    address: str = ""
    doc_prefix: str = ""  # 文书 number prefix: "蓉锦城管" → 蓉锦城管罚决字〔2027〕第0001号
    review_authority: str = ""  # 行政复议机关 named on decisions
    court: str = ""  # 行政诉讼 court named on decisions
    contact_phone: str = ""
    district_code: str = ""  # GB/T 2260 county code of generated grid cells until `data import grid` ("" = demo's)

    def document_fields(self) -> dict[str, str]:
        """The templates' placeholders these values fill (empty ones leave the template's value)."""
        return {"authority": self.name, "authority_address": self.address, "doc_prefix": self.doc_prefix,
                "review_authority": self.review_authority, "court": self.court, "contact_phone": self.contact_phone}


@dataclass
class HotlineConfig:
    """[hotline]: the 12345 hotline's exports (``commandcenter cases import``)."""

    datum: str = "wgs84"  # wgs84 | gcj02 | bd09: the datum of the export's coordinates, converted on entry


@dataclass
class FieldConfig:
    """The 城管通 field API and the officers' web app (``/field/v1/``, ``/field/``) on a port of their own.

    TLS is a reverse proxy's job: put nginx/caddy in front and give the https address as ``public_url``.
    """

    host: str = "127.0.0.1"
    port: int = 8380
    public_url: str = ""  # what phones open (QR codes of `field pair`); "" = http://HOST:PORT
    max_upload_mb: float = 50.0  # one photo/video/audio upload; a larger one is refused with 413
    max_connections: int = 12000  # every phone waiting for tasks holds one; fitted into the open-files limit

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@dataclass
class ListenersConfig:
    """What the device listeners may take from the process: connections, threads, time per request.

    The connection caps are scaled down at start when they and ``reserve_fds`` do not fit in the process's
    open-files limit, so that a flood on one listener can never starve the others, the database or video.
    """

    jt808_max_connections: int = 5000
    jt808_idle_timeout_s: float = 600.0
    jt808_auth_timeout_s: float = 60.0
    http_max_connections: int = 512
    http_workers: int = 16
    http_running_handlers: int = DEFAULT_RUNNING_HANDLERS
    http_backlog: int = 4096
    http_header_timeout_s: float = 10.0
    http_body_timeout_s: float = 30.0
    http_keepalive_timeout_s: float = 120.0
    reserve_fds: int = 256


@dataclass
class SimulatorConfig:
    enabled: bool = False
    units: int = 200  # officers
    vehicles: int = 50  # sanitation and enforcement vehicles
    cameras: int = 9
    drones: int = 3
    bins: int = 36  # litter bins with fill sensors (RS-485 Modbus and NB-IoT MQTT), along the streets
    toilets: int = 8  # public toilets with NH3/H2S sensors
    reports_per_hour: float = 120.0
    seed: int = 20261121
    speedup: float = 1.0


@dataclass
class AuditConfig:
    """Signed checkpoints of the audit chain (see commandcenter.enforcement.checkpoints)."""

    signing_key: str = ""  # Ed25519 private key file (`audit keygen`); "" = this process signs no checkpoints
    public_key: str = ""  # for `audit verify`: .pub file or 64 hex digits; "" = <signing_key>.pub if it exists
    checkpoint_file: str = ""  # append-only JSON lines; "" = <data dir>/audit-checkpoints.jsonl
    checkpoint_minutes: float = 10.0  # how often the running application signs the chain head (and at exit)
    tsa_url: str = ""  # RFC 3161 time-stamping authority for each checkpoint ("" = none)
    tsa_cert: str = ""  # PEM: the TSA's certificate or its issuing CA, to verify the tokens (needed with tsa_url)
    tsa_timeout_s: float = 10.0  # how long to wait for the TSA's answer


@dataclass
class SecurityConfig:
    """Keys of personal data at rest (see commandcenter.enforcement.parties)."""

    data_key: str = ""  # key file of the parties' ID numbers and phones; "" = <data dir>/data.key (made on first use)


@dataclass
class BusConfig:
    """The MQTT broker that carries live events between the server and the seats (``docs/bus.md``).

    Without a ``[bus]`` section the application runs in one process with an in-process bus (the embedded
    default); with one, ``serve`` publishes on it and ``run``/``snapshot`` are seats that open no listeners.
    """

    url: str = ""  # mqtt://HOST:PORT or mqtts://HOST:PORT (TLS); "" = no broker, one process
    username: str = ""
    password: str = ""
    client_id: str = ""  # "" = made from the host name, the process id and the role (server/seat)
    # MQTT keepalive: the client pings an idle broker after this and gives it up after 2× this without an answer
    # (a silent network: 总线离线 within 3 s at 1 s); the broker publishes a vanished client's last will after 1.5×.
    keepalive_s: int = 1
    protocol: str = "3.1.1"  # MQTT protocol version: "3.1.1" or "5"
    tls_ca: str = ""  # CA file for mqtts:// ("" = the system's CAs)
    tls_cert: str = ""  # client certificate file, when the broker asks for one
    tls_key: str = ""
    tls_insecure: bool = False  # accept a certificate whose name does not match (test brokers only)


@dataclass
class FrigateRuleConfig:
    """A Frigate label (in a zone; "" = anywhere in the picture) at or above ``min_score`` opens ``category``."""

    label: str
    category: str
    zone: str = ""
    min_score: float = 0.5


@dataclass
class FrigateConfig:
    """``[ai.frigate]``: one Frigate NVR, its MQTT event stream and HTTP API (see devices.frigate)."""

    mqtt_url: str
    topic_prefix: str = "frigate"
    api_url: str = ""  # "" = cases without the snapshot
    username: str = ""
    password: str = ""
    cameras: dict[str, str] = field(default_factory=dict)  # Frigate camera name → our camera id
    rules: list[FrigateRuleConfig] = field(default_factory=list)
    snapshot_max_bytes: int = 4 << 20
    snapshot_timeout_s: float = 5.0


@dataclass
class IsapiRuleConfig:
    """A Hikvision eventType (fielddetection, linedetection, regionEntrance, parking, videoloss …) → category."""

    event: str
    category: str


@dataclass
class IsapiConfig:
    """``[ai.isapi]``: the HTTP listener Hikvision cameras and NVRs push their alarms to (see devices.isapi)."""

    host: str = "127.0.0.1"
    port: int = 8090
    cameras: dict[str, str] = field(default_factory=dict)  # "ipAddress/channelID" → our camera id
    rules: list[IsapiRuleConfig] = field(default_factory=list)
    max_body_bytes: int = 4 << 20


@dataclass
class AiConfig:
    """``[ai]``: AI camera boxes whose detections become cases (commandcenter.ai)."""

    dedup_window_s: float = 600.0  # one case per camera, zone and category while events keep coming this often
    frigate: FrigateConfig | None = None
    isapi: IsapiConfig | None = None


@dataclass
class KpiConfig:
    """[kpi]: leadership reports and the monthly 考核 (commandcenter.kpi, docs/kpis.md)."""

    bureau_name: str = ""  # heading of the PDF reports; "" = a [bureau] name when configured, else a generic title
    report_dir: str = ""  # scheduled reports are written here; "" = <data dir>/reports
    weekly_report: bool = False  # the server writes last week's report every Monday at report_hour
    monthly_report: bool = False  # … and last month's report and 考核 on the 1st at report_hour
    report_hour: int = 7  # local hour (0–23) after which the scheduled reports are due
    report_formats: list[str] = field(default_factory=lambda: ["xlsx", "pdf"])  # of json, xlsx, pdf
    report_breakdowns: list[str] = field(default_factory=lambda: ["team", "grid", "category", "source", "officer"])
    # 考核 weights (relative; an indicator with nothing to measure drops out and the rest are rescaled)
    weight_closure: float = 0.20  # 结案率
    weight_on_time: float = 0.25  # 按期结案率
    weight_response: float = 0.15  # 30 分钟到场率
    weight_handling: float = 0.10  # 24 小时处置率
    weight_rework: float = 0.10  # 1 − 返工率
    weight_field_use: float = 0.10  # 城管通使用率
    weight_rating: float = 0.10  # 群众评价 / 5
    star_min_cases: int = 5  # 智慧执法之星: only officers with at least this many registered cases in the month


@dataclass
class RecordingConfig:
    """``[recording]``: where the server writes segmented MP4 and how long it keeps it (commandcenter.recording)."""

    path: str = ""  # "" = <data dir>/recordings
    retention_days: float = 30.0  # default days kept per camera (a camera's retention_days overrides)
    quota_gb: float = 0.0  # the whole store's size limit; the oldest segments go first; 0 = no quota
    segment_s: float = 60.0  # a new file on the first key frame after this many seconds
    min_free_gb: float = 2.0  # recording stops with an alarm while the disk has less free space than this


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
    shifts: list[ShiftConfig] = field(default_factory=list)  # [[shifts]]: the teams' 班次 roster
    sensors: list[SensorConfig] = field(default_factory=list)
    sensor_rules: list[SensorRuleConfig] = field(default_factory=list)
    users: list[UserConfig] = field(default_factory=list)
    open311: Open311Config | None = None
    simulator: SimulatorConfig = field(default_factory=SimulatorConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    listeners: ListenersConfig = field(default_factory=ListenersConfig)
    bus: BusConfig | None = None  # [bus]: the MQTT broker of a server and its seats
    ai: AiConfig = field(default_factory=AiConfig)  # [ai.frigate], [ai.isapi]: AI camera boxes
    kpi: KpiConfig = field(default_factory=KpiConfig)  # [kpi]: leadership reports and 考核 weights
    recording: RecordingConfig = field(default_factory=RecordingConfig)  # [recording]: segmented MP4 on the server
    ptz: PtzConfig = field(default_factory=PtzConfig)  # [ptz]: cases turn PTZ cameras toward them
    bureau: BureauConfig = field(default_factory=BureauConfig)  # [bureau]: name, 文书 prefix, courts
    hotline: HotlineConfig = field(default_factory=HotlineConfig)  # [hotline]: 12345 exports' datum
    security: SecurityConfig = field(default_factory=SecurityConfig)  # [security]: personal-data key
    # (declared last of the sections: the name ``field`` shadows dataclasses.field in this class body)
    field: FieldConfig | None = None  # [field]: the officers' phones (城管通); None = no field API
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
    for key in ("briefing_cycle_s", "briefing_idle_s"):
        if not 3.0 <= float(getattr(config.ui, key)) <= 3600.0:
            raise checker.fail(f"ui.{key}", f"expected seconds between 3 and 3600, got {getattr(config.ui, key)!r}")
    park = float(config.ui.park_hidden_video_s)
    if park != 0 and not 5.0 <= park <= 3600.0:
        raise checker.fail("ui.park_hidden_video_s", f"expected 0 (never) or seconds between 5 and 3600, got {park!r}")
    if config.map.tile_crs not in _CRS:
        raise checker.fail("map.tile_crs", f"expected one of {sorted(_CRS)}, got {config.map.tile_crs!r}")
    if config.bureau.district_code and not re.fullmatch(r"\d{6}", config.bureau.district_code):
        raise checker.fail("bureau.district_code", f"expected a 6-digit county code, got {config.bureau.district_code!r}")
    for key, datum in (("hotline.datum", config.hotline.datum),
                       ("open311.datum", config.open311.datum if config.open311 else "wgs84")):
        if datum not in _CRS:
            raise checker.fail(key, f"expected one of {sorted(_CRS)}, got {datum!r}")
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
        _check_range(checker, f"cameras[{i}].heading", cam.heading, 0, 360)
        if cam.onvif_url and not cam.onvif_url.startswith(("http://", "https://")):
            raise checker.fail(f"cameras[{i}].onvif_url", f"expected an http(s):// ONVIF device service, got {cam.onvif_url!r}")
        if (cam.onvif_url or cam.alarm_preset) and not cam.ptz:
            raise checker.fail(f"cameras[{i}].ptz", f"camera {cam.id!r} has onvif_url/alarm_preset but ptz = false")
        _check_range(checker, f"cameras[{i}].case_range_m", cam.case_range_m, 1, 5000)
        for text in cam.case_presets:
            if parse_case_preset(text) is None:
                raise checker.fail(f"cameras[{i}].case_presets", f"camera {cam.id!r}: {text!r} is not "
                                   "\"preset@lat,lon,radius_m\" (e.g. \"北门@32.0195,118.7850,80\")")
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
                           ("open311", config.open311), ("field", config.field)):
        if listener is not None:
            _check_range(checker, f"{name}.port", listener.port, 0, 65535)
    for name in ("jt808_max_connections", "http_max_connections", "http_workers", "http_running_handlers",
                 "http_backlog"):
        _check_range(checker, f"listeners.{name}", getattr(config.listeners, name), 1, 1_000_000)
    for name in ("jt808_idle_timeout_s", "jt808_auth_timeout_s", "http_header_timeout_s", "http_body_timeout_s",
                 "http_keepalive_timeout_s"):
        _check_range(checker, f"listeners.{name}", getattr(config.listeners, name), 0.1, 86_400)
    _check_range(checker, "listeners.reserve_fds", config.listeners.reserve_fds, 0, 1_000_000)
    if config.open311 is not None:
        _check_range(checker, "open311.max_description", config.open311.max_description, 1, 1_000_000)
        _check_range(checker, "open311.max_body_bytes", config.open311.max_body_bytes, 1024, 1 << 30)
        _check_range(checker, "open311.media_max_mb", config.open311.media_max_mb, 0.01, 1024)
        _check_range(checker, "open311.media_timeout_s", config.open311.media_timeout_s, 0.1, 600)
    _check_range(checker, "trackers.max_clock_skew_s", config.trackers.max_clock_skew_s, 0, 86400)
    _check_range(checker, "trackers.max_fix_age_h", config.trackers.max_fix_age_h, 0.01, 24 * 3650)
    if config.trackers.osmand is not None:
        for j, cidr in enumerate(config.trackers.osmand.allow_from):
            try:
                ipaddress.ip_network(cidr.strip(), strict=False)
            except ValueError as exc:
                raise checker.fail(f"trackers.osmand.allow_from[{j}]", f"not a network (CIDR): {exc}") from None
    for i, officer in enumerate(config.officers):
        if officer.device_secret and not officer.device:
            raise checker.fail(f"officers[{i}].device_secret", f"officer {officer.id!r} has a secret but no device")
    for i, shift in enumerate(config.shifts):
        if not shift.team.strip():
            raise checker.fail(f"shifts[{i}].team", "a shift needs the team it belongs to")
        for key in ("start", "end"):
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(getattr(shift, key)).strip()):
                raise checker.fail(f"shifts[{i}].{key}",
                                   f"{getattr(shift, key)!r} is not a time of day as HH:MM (e.g. \"08:00\")")
    for i, vehicle in enumerate(config.vehicles):
        pinned = vehicle.terminal_plate or vehicle.terminal_maker or vehicle.terminal_model or vehicle.terminal_id
        if pinned and not vehicle.terminal:
            raise checker.fail(f"vehicles[{i}].terminal", f"vehicle {vehicle.id!r} pins terminal registration data "
                               "but names no terminal phone number")
    for i, nmea in enumerate(config.trackers.nmea):
        if not nmea.unit:
            raise checker.fail(f"trackers.nmea[{i}].unit", "names the unit (officer or vehicle id) this receiver belongs to")
    _validate_sensors(config, checker)
    if config.simulator.units < 0 or config.simulator.vehicles < 0:
        raise checker.fail("simulator.units", "must not be negative")
    _check_range(checker, "audit.checkpoint_minutes", config.audit.checkpoint_minutes, 0.1, 24 * 60)
    _check_range(checker, "audit.tsa_timeout_s", config.audit.tsa_timeout_s, 0.1, 600)
    if config.audit.tsa_url and not config.audit.tsa_cert:
        raise checker.fail("audit.tsa_cert", "tsa_url is set: give the TSA's certificate (or its CA) as a PEM file "
                                             "so its timestamps can be verified")
    if config.field is not None:
        _check_range(checker, "field.max_upload_mb", config.field.max_upload_mb, 0.01, 4096)
        _check_range(checker, "field.max_connections", config.field.max_connections, 16, 1_000_000)
        if config.field.public_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", config.field.public_url):
            raise checker.fail("field.public_url", f"expected http(s)://HOST[:PORT][/PATH], got {config.field.public_url!r}")
    if config.bus is not None:
        if not re.fullmatch(r"mqtts?://[^/:]+(:\d{1,5})?/?", config.bus.url):
            raise checker.fail("bus.url", f"expected mqtt://HOST:PORT or mqtts://HOST:PORT, got {config.bus.url!r}")
        _check_range(checker, "bus.keepalive_s", config.bus.keepalive_s, 1, 3600)
        if config.bus.protocol not in ("3.1.1", "5"):
            raise checker.fail("bus.protocol", f"expected \"3.1.1\" or \"5\", got {config.bus.protocol!r}")


SENSOR_PROTOCOLS = ("modbus-rtu", "mqtt")
REGISTER_TYPES = {"uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2}  # type → registers it spans


def _validate_sensors(config: Config, checker: _Checker) -> None:
    """[[sensors]] and [[sensor_rules]]: protocols, register maps, topics, thresholds that make an alarm."""
    for i, sensor in enumerate(config.sensors):
        at = f"sensors[{i}]"
        _check_range(checker, f"{at}.lat", sensor.lat, -90, 90)
        _check_range(checker, f"{at}.lon", sensor.lon, -180, 180)
        if sensor.protocol not in SENSOR_PROTOCOLS:
            raise checker.fail(f"{at}.protocol", f"sensor {sensor.id!r}: expected one of "
                               f"{', '.join(SENSOR_PROTOCOLS)}, got {sensor.protocol!r}")
        _check_range(checker, f"{at}.period_s", sensor.period_s, 0.1, 86_400)
        if sensor.protocol == "modbus-rtu":
            if not sensor.url:
                raise checker.fail(f"{at}.url", f"sensor {sensor.id!r}: a modbus-rtu sensor needs the serial "
                                   "port's pyserial URL (/dev/ttyUSB0, rfc2217://HOST:PORT, …)")
            _check_range(checker, f"{at}.unit", sensor.unit, 1, 247)
            _check_range(checker, f"{at}.baudrate", sensor.baudrate, 300, 4_000_000)
            _check_range(checker, f"{at}.timeout_s", sensor.timeout_s, 0.01, 60)
            if not sensor.registers:
                raise checker.fail(f"{at}.registers", f"sensor {sensor.id!r}: a modbus-rtu sensor needs a register "
                                   'map, e.g. registers = [{ measure = "fill", address = 0 }]')
            for j, reg in enumerate(sensor.registers):
                if reg.type not in REGISTER_TYPES:
                    raise checker.fail(f"{at}.registers[{j}].type", f"sensor {sensor.id!r}: expected one of "
                                       f"{', '.join(REGISTER_TYPES)}, got {reg.type!r}")
                _check_range(checker, f"{at}.registers[{j}].address", reg.address, 0, 65535)
                if not reg.measure:
                    raise checker.fail(f"{at}.registers[{j}].measure", f"sensor {sensor.id!r}: names what it measures")
        else:
            if not re.fullmatch(r"mqtts?://[^/:]+(:\d{1,5})?/?", sensor.url):
                raise checker.fail(f"{at}.url", f"sensor {sensor.id!r}: an mqtt sensor's url is its broker, "
                                   f"mqtt://HOST:PORT, got {sensor.url!r}")
            if not sensor.topic or "#" in sensor.topic or sensor.topic.count("+") > 1:
                raise checker.fail(f"{at}.topic", f"sensor {sensor.id!r}: expected the sensor's topic or a "
                                   f"wildcard with one '+' level standing for the sensor id, got {sensor.topic!r}")
    line_speeds: dict[str, int] = {}
    for i, sensor in enumerate(config.sensors):
        if sensor.protocol == "modbus-rtu" and line_speeds.setdefault(sensor.url, sensor.baudrate) != sensor.baudrate:
            raise checker.fail(f"sensors[{i}].baudrate", f"sensor {sensor.id!r}: {sensor.baudrate} differs from "
                               f"{line_speeds[sensor.url]}, the speed of other sensors on the line {sensor.url!r}")
    for i, rule in enumerate(config.sensor_rules):
        at = f"sensor_rules[{i}]"
        if not rule.measure:
            raise checker.fail(f"{at}.measure", "names the measure the rule watches (fill, nh3, …)")
        if not rule.category:
            raise checker.fail(f"{at}.category", "names the case category the alarm opens (e.g. SJ0101)")
        if (rule.above is None) == (rule.below is None):
            raise checker.fail(f"{at}.above", "give exactly one of above (alarm when higher) or below (when lower)")
        if rule.above is not None and rule.clear_below is not None and rule.clear_below > rule.above:
            raise checker.fail(f"{at}.clear_below", f"{rule.clear_below} is above the alarm threshold {rule.above}")
        if rule.below is not None and rule.clear_above is not None and rule.clear_above < rule.below:
            raise checker.fail(f"{at}.clear_above", f"{rule.clear_above} is below the alarm threshold {rule.below}")
        if rule.above is not None and rule.clear_above is not None:
            raise checker.fail(f"{at}.clear_above", "an above-rule clears below a value: use clear_below")
        if rule.below is not None and rule.clear_below is not None:
            raise checker.fail(f"{at}.clear_below", "a below-rule clears above a value: use clear_above")
        _check_range(checker, f"{at}.for_s", rule.for_s, 0, 7 * 86_400)


def _string_map(checker: _Checker, raw: Any, key_path: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise checker.fail(key_path, "expected a table of names to camera ids, e.g. { front_door = \"cam1\" }")
    return dict(raw)


def _ai_config(checker: _Checker, raw: Any, key_path: str) -> AiConfig:
    """``[ai]`` with its ``frigate`` and ``isapi`` boxes; rules and camera maps checked key by key."""
    return checker.build(AiConfig, raw, key_path, nested={
        "frigate": lambda v, k: checker.build(FrigateConfig, v, k, nested={
            "cameras": lambda m, km: _string_map(checker, m, km),
            "rules": lambda r, kr: checker.table_list(FrigateRuleConfig, r, kr)}),
        "isapi": lambda v, k: checker.build(IsapiConfig, v, k, nested={
            "cameras": lambda m, km: _string_map(checker, m, km),
            "rules": lambda r, kr: checker.table_list(IsapiRuleConfig, r, kr)}),
    })


def _validate_ai(config: Config, checker: _Checker) -> None:
    """AI boxes name cameras of ``[[cameras]]`` that have a position (a case is opened at the camera)."""
    ai = config.ai
    _check_range(checker, "ai.dedup_window_s", ai.dedup_window_s, 1, 7 * 86400)
    cameras = {c.id: c for c in config.cameras}
    boxes: list[tuple[str, dict[str, str], list[Any]]] = []
    if ai.frigate is not None:
        f = ai.frigate
        if not re.fullmatch(r"mqtts?://[^/:]+(:\d{1,5})?/?", f.mqtt_url):
            raise checker.fail("ai.frigate.mqtt_url", f"expected mqtt://HOST:PORT or mqtts://HOST:PORT, got {f.mqtt_url!r}")
        if f.api_url and not re.match(r"https?://[^/]+", f.api_url):
            raise checker.fail("ai.frigate.api_url", f"expected http://HOST:PORT, got {f.api_url!r}")
        if not f.topic_prefix.strip("/"):
            raise checker.fail("ai.frigate.topic_prefix", "must not be empty")
        _check_range(checker, "ai.frigate.snapshot_max_bytes", f.snapshot_max_bytes, 1024, 64 << 20)
        _check_range(checker, "ai.frigate.snapshot_timeout_s", f.snapshot_timeout_s, 0.1, 120)
        for i, rule in enumerate(f.rules):
            if not rule.label:
                raise checker.fail(f"ai.frigate.rules[{i}].label", "must not be empty")
            _check_range(checker, f"ai.frigate.rules[{i}].min_score", rule.min_score, 0, 1)
        boxes.append(("ai.frigate", f.cameras, f.rules))
    if ai.isapi is not None:
        s = ai.isapi
        _check_range(checker, "ai.isapi.port", s.port, 0, 65535)
        _check_range(checker, "ai.isapi.max_body_bytes", s.max_body_bytes, 1024, 64 << 20)
        for key in s.cameras:
            if not re.fullmatch(r"[^/\s]+/\d+", key):
                raise checker.fail("ai.isapi.cameras", f"key {key!r} is not \"ipAddress/channelID\" (e.g. \"192.168.1.64/1\")")
        for i, irule in enumerate(s.rules):
            if not irule.event:
                raise checker.fail(f"ai.isapi.rules[{i}].event", "must not be empty")
        boxes.append(("ai.isapi", s.cameras, s.rules))
    for section, mapping, rules in boxes:
        for name, camera_id in mapping.items():
            camera = cameras.get(camera_id)
            if camera is None:
                raise checker.fail(f"{section}.cameras", f"{name!r} maps to {camera_id!r}, which is not a [[cameras]] id")
            if camera.lat is None or camera.lon is None:
                raise checker.fail(f"{section}.cameras", f"camera {camera_id!r} has no lat/lon: a case needs its place")
        for i, rule in enumerate(rules):
            if not rule.category:
                raise checker.fail(f"{section}.rules[{i}].category", "must name a case category code")


RECORD_MODES = ("continuous", "schedule", "alarm", "off")
DRONE_RECORD_MODES = (*RECORD_MODES, "airborne")  # a drone's video: also "while it flies"
TIME_WINDOW = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)")  # "07:00-22:00"


# commandcenter.domain.CaseSource's values (config imports nothing of the application; a test keeps them equal).
CASE_SOURCES = ("dispatcher", "hotline", "citizen", "patrol", "camera", "sensor", "geofence", "drone")
CASE_PRESET = re.compile(r"(.+)@(-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)")


def parse_case_preset(text: str) -> tuple[str, float, float, float] | None:
    """``"preset@lat,lon,radius_m"`` → (preset, lat, lon, radius); None when it is not that or out of range."""
    match = CASE_PRESET.fullmatch(text.strip())
    if match is None:
        return None
    preset, lat, lon, radius = match[1].strip(), float(match[2]), float(match[3]), float(match[4])
    if not preset or not -90 <= lat <= 90 or not -180 <= lon <= 180 or not 0 < radius <= 5000:
        return None
    return preset, lat, lon, radius


def _validate_ptz(config: Config, checker: _Checker) -> None:
    ptz = config.ptz
    _check_range(checker, "ptz.case_range_m", ptz.case_range_m, 1, 5000)
    _check_range(checker, "ptz.case_hold_s", ptz.case_hold_s, 0, 3600)
    known = CASE_SOURCES
    for source in ptz.case_sources:
        if source not in known:
            raise checker.fail("ptz.case_sources", f"unknown case source {source!r}; expected some of "
                               f"{', '.join(known)}")


def _validate_recording(config: Config, checker: _Checker) -> None:
    """[recording] limits and each camera's record mode, schedule windows and pre/post roll."""
    rec = config.recording
    _check_range(checker, "recording.retention_days", rec.retention_days, 0.001, 36_500)
    _check_range(checker, "recording.quota_gb", rec.quota_gb, 0, 1_000_000)
    _check_range(checker, "recording.segment_s", rec.segment_s, 1, 3600)
    _check_range(checker, "recording.min_free_gb", rec.min_free_gb, 0, 1_000_000)
    sources: list[tuple[str, str, CameraConfig | DroneConfig, tuple[str, ...]]] = [
        *((f"cameras[{i}]", "camera", cam, RECORD_MODES) for i, cam in enumerate(config.cameras)),
        *((f"drones[{i}]", "drone", drone, DRONE_RECORD_MODES) for i, drone in enumerate(config.drones))]
    for at, kind, cam, modes in sources:
        if cam.record not in modes:
            raise checker.fail(f"{at}.record", f"{kind} {cam.id!r}: expected one of {', '.join(modes)}, "
                               f"got {cam.record!r}")
        if isinstance(cam, DroneConfig) and cam.record != "off" and not cam.video:
            raise checker.fail(f"{at}.record", f"drone {cam.id!r} records its video but has no video URL "
                               "(video = \"rtsp://…\")")
        for window in cam.record_schedule:
            if not TIME_WINDOW.fullmatch(window.strip()):
                raise checker.fail(f"{at}.record_schedule", f"{kind} {cam.id!r}: {window!r} is not a time window "
                                   "HH:MM-HH:MM (e.g. \"07:00-22:00\"; \"22:00-06:00\" runs past midnight)")
        if cam.record == "schedule" and not cam.record_schedule:
            raise checker.fail(f"{at}.record_schedule", f"{kind} {cam.id!r} records on a schedule but has no "
                               "window, e.g. record_schedule = [\"07:00-22:00\"]")
        _check_range(checker, f"{at}.pre_s", cam.pre_s, 0, 120)
        _check_range(checker, f"{at}.post_s", cam.post_s, 0, 3600)
        _check_range(checker, f"{at}.retention_days", cam.retention_days, 0.001, 36_500)


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

    def sensors(value: Any, key_path: str) -> list[SensorConfig]:
        if not isinstance(value, list):
            raise checker.fail(key_path, f"expected an array of tables ([[{key_path}]])")
        return [checker.build(SensorConfig, item, f"{key_path}[{i}]", nested={
            "registers": lambda v, k: checker.table_list(RegisterConfig, v, k)}) for i, item in enumerate(value)]

    config: Config = checker.build(Config, raw, "", nested={
        "database": lambda v, k: checker.build(DatabaseConfig, v, k),
        "ui": lambda v, k: checker.build(UiConfig, v, k),
        "map": lambda v, k: checker.build(MapConfig, v, k),
        "cameras": lambda v, k: checker.table_list(CameraConfig, v, k),
        "drones": lambda v, k: checker.table_list(DroneConfig, v, k),
        "trackers": trackers,
        "vehicles": lambda v, k: checker.table_list(VehicleConfig, v, k),
        "officers": lambda v, k: checker.table_list(OfficerConfig, v, k),
        "shifts": lambda v, k: checker.table_list(ShiftConfig, v, k),
        "sensors": sensors,
        "sensor_rules": lambda v, k: checker.table_list(SensorRuleConfig, v, k),
        "users": lambda v, k: checker.table_list(UserConfig, v, k),
        "open311": lambda v, k: checker.build(Open311Config, v, k),
        "simulator": lambda v, k: checker.build(SimulatorConfig, v, k),
        "audit": lambda v, k: checker.build(AuditConfig, v, k),
        "listeners": lambda v, k: checker.build(ListenersConfig, v, k),
        "bus": lambda v, k: checker.build(BusConfig, v, k),
        "field": lambda v, k: checker.build(FieldConfig, v, k),
        "ai": lambda v, k: _ai_config(checker, v, k),
        "kpi": lambda v, k: _kpi_config(checker, v, k),
        "recording": lambda v, k: checker.build(RecordingConfig, v, k),
        "ptz": lambda v, k: checker.build(PtzConfig, v, k),
        "bureau": lambda v, k: checker.build(BureauConfig, v, k),
        "hotline": lambda v, k: checker.build(HotlineConfig, v, k),
        "security": lambda v, k: checker.build(SecurityConfig, v, k),
    })
    config.source = path
    _validate(config, checker)
    _validate_ai(config, checker)
    _validate_recording(config, checker)
    _validate_ptz(config, checker)
    return config


def _kpi_config(checker: _Checker, value: Any, key_path: str) -> KpiConfig:
    kpi: KpiConfig = checker.build(KpiConfig, value, key_path)
    bad = [f for f in kpi.report_formats if f not in ("json", "xlsx", "pdf")]
    if bad:
        raise checker.fail(f"{key_path}.report_formats", f"unknown format {bad[0]!r}; use json, xlsx or pdf")
    breakdowns = ("team", "grid", "area", "category", "source", "officer")
    bad = [b for b in kpi.report_breakdowns if b not in breakdowns]
    if bad:
        raise checker.fail(f"{key_path}.report_breakdowns", f"unknown breakdown {bad[0]!r}; use {', '.join(breakdowns)}")
    if not 0 <= kpi.report_hour <= 23:
        raise checker.fail(f"{key_path}.report_hour", "must be an hour 0–23")
    weights = {k: v for k, v in vars(kpi).items() if k.startswith("weight_")}
    if any(v < 0 for v in weights.values()) or not sum(weights.values()) > 0:
        raise checker.fail(f"{key_path}.weight_closure", "the weight_* keys must be ≥ 0 and not all 0")
    return kpi


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
