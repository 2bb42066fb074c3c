"""``data import vehicles|cameras|drones``: the bureau's device lists from Excel or CSV.

Each row is upserted by its 编号 (id); the rows land in the ``vehicles``/``cameras``/``drones`` tables (sensors:
:mod:`commandcenter.golive.kinds.sensors`), and the composition treats every stored device the config does not
name like a configured one (:func:`commandcenter.golive.devices.with_stored_devices`: cameras on the wall, drones'
links, vehicles on the map). A device typed into the TOML keeps the TOML's values: the config wins, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session

from commandcenter.config import TIME_WINDOW
from commandcenter.golive.framework import ImportCounts, RowProblems, upsert
from commandcenter.golive.kinds.common import parse_coordinate, parse_flag, parse_number
from commandcenter.golive.marks import mark_imported
from commandcenter.golive.sheets import Column, SheetRow
from commandcenter.store import utcnow
from commandcenter.store.models import Camera, Drone, Vehicle

__all__ = ["CAMERA_COLUMNS", "DRONE_COLUMNS", "RECORD_MODES", "VEHICLE_COLUMNS", "import_by_id", "import_cameras", "import_drones",
           "import_vehicles"]

VEHICLE_COLUMNS = (
    Column("plate", ("车牌", "plate", "车牌号"), required=True),
    Column("id", ("编号", "id")),
    Column("kind", ("类型", "kind", "车型")),
    Column("team", ("中队", "team", "所属单位")),
    Column("terminal", ("终端手机号", "terminal", "终端号", "SIM卡号")),
)
CAMERA_COLUMNS = (
    Column("id", ("编号", "id", "通道编号"), required=True),
    Column("name", ("名称", "name", "点位名称")),
    Column("url", ("主码流", "url", "rtsp", "main_url"), required=True),
    Column("sub_url", ("子码流", "sub_url")),
    Column("lat", ("纬度", "lat", "latitude")),
    Column("lon", ("经度", "lon", "longitude")),
    Column("group", ("分组", "group")),
    Column("ptz", ("云台", "ptz")),
    Column("record_mode", ("录像模式", "record_mode", "录像")),
    Column("record_schedule", ("录像时段", "record_schedule")),
)
DRONE_COLUMNS = (
    Column("id", ("编号", "id"), required=True),
    Column("name", ("名称", "name")),
    Column("url", ("链路", "url", "mavlink"), required=True),
    Column("video", ("视频", "video")),
    Column("sysid", ("系统编号", "sysid")),
)
RECORD_MODES = {"连续": "continuous", "continuous": "continuous", "报警": "alarm", "alarm": "alarm",
                "计划": "schedule", "schedule": "schedule", "不录": "off", "off": "off", "": ""}
_VEHICLE_KINDS = ("环卫车", "执法车", "渣土车", "洒水车", "清扫车", "垃圾车")
_TERMINAL = re.compile(r"^\d{11,20}$")
_STREAM = re.compile(r"^(rtsp|rtsps|rtmp|http|https|srt|udp|file)://", re.IGNORECASE)
_LINK = re.compile(r"^(udpin|udpout|udp|tcp|tcpin|serial|/dev/|[A-Za-z]:)|\.tlog$")


class _Unique:
    """A value that must not repeat within the file (ids, plates, terminals), naming the earlier row."""

    def __init__(self, problems: RowProblems, label: str) -> None:
        self.problems, self.label, self.seen = problems, label, dict[str, int]()

    def fresh(self, value: str, row: int) -> bool:
        if value and value in self.seen:
            self.problems.add(row, self.label, f"{value} is already on row {self.seen[value]}")
            return False
        self.seen[value] = row
        return True


def import_vehicles(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    counts = ImportCounts()
    taken: list[str] = []
    ids, plates, terminals = _Unique(problems, "编号"), _Unique(problems, "车牌"), _Unique(problems, "终端手机号")
    plate_owner = {plate: vid for vid, plate in session.execute(select(Vehicle.id, Vehicle.plate))}
    for row in rows:
        n, plate = row.number, row.get("plate")
        if not plate:
            problems.add(n, "车牌", "empty (every vehicle needs its plate)")
            continue
        vehicle_id = row.get("id") or plate_owner.get(plate) or plate
        if plate_owner.get(plate, vehicle_id) != vehicle_id:
            problems.add(n, "车牌", f"{plate} is the plate of vehicle {plate_owner[plate]}, not of {vehicle_id}")
            continue
        terminal = row.get("terminal")
        if not (ids.fresh(vehicle_id, n) and plates.fresh(plate, n) and terminals.fresh(terminal, n)):
            continue
        if terminal and not _TERMINAL.match(terminal):
            problems.add(n, "终端手机号", f"{terminal!r} is not a JT/T 808 terminal phone number (11-20 digits)")
        kind = row.get("kind") or "环卫车"
        if kind not in _VEHICLE_KINDS:
            problems.add(n, "类型", f"{kind!r} is not one of {'、'.join(_VEHICLE_KINDS)}")
        values: dict[str, object] = {"id": vehicle_id, "plate": plate, "kind": kind, "team": row.get("team"),
                                     "terminal": terminal}
        if session.get(Vehicle, vehicle_id) is None:
            values |= {"status": "idle", "status_since": utcnow()}
        counts.count(upsert(session, Vehicle, vehicle_id, values))
        taken.append(vehicle_id)
    mark_imported(session, "vehicles", taken)
    return counts


def import_by_id(session: Session, rows: Sequence[SheetRow], problems: RowProblems, kind: str,
                 model: type[DeclarativeBase], values_of: Callable[[SheetRow, str], dict[str, object]]) -> ImportCounts:
    """The loop the device sheets share: 编号 required and unique within the file, each row's values (checked by
    ``values_of``, which reports its own problems) upserted by it, and the ids marked imported so the composition
    brings them back as configured devices (:func:`commandcenter.golive.devices.with_stored_devices`)."""
    counts = ImportCounts()
    taken: list[str] = []
    ids = _Unique(problems, "编号")
    for row in rows:
        n, item_id = row.number, row.get("id")
        if not item_id:
            problems.add(n, "编号", "empty")
            continue
        if not ids.fresh(item_id, n):
            continue
        counts.count(upsert(session, model, item_id, values_of(row, item_id)))
        taken.append(item_id)
    mark_imported(session, kind, taken)
    return counts


def import_cameras(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    def values(row: SheetRow, camera_id: str) -> dict[str, object]:
        n = row.number
        url, sub_url = row.get("url"), row.get("sub_url")
        if not _STREAM.match(url):
            problems.add(n, "主码流", f"{url!r} is not a stream URL (rtsp://…)" if url else "empty")
        if sub_url and not _STREAM.match(sub_url):
            problems.add(n, "子码流", f"{sub_url!r} is not a stream URL (rtsp://…)")
        lat, lon = parse_coordinate(row.get("lat"), row.get("lon"), n, problems)
        mode = RECORD_MODES.get(row.get("record_mode").lower())
        if mode is None:
            problems.add(n, "录像模式", f"{row.get('record_mode')!r} is not 连续, 报警, 计划 or 不录")
        windows = [w.strip() for w in re.split(r"[;；,，、]", row.get("record_schedule")) if w.strip()]
        for window in windows:
            if not TIME_WINDOW.fullmatch(window):
                problems.add(n, "录像时段", f"{window!r} is not a time window HH:MM-HH:MM (e.g. 07:00-22:00)")
        if mode == "schedule" and not windows:
            problems.add(n, "录像时段", "计划录像 needs its time windows, e.g. 07:00-22:00")
        return {"id": camera_id, "name": row.get("name") or camera_id, "url": url, "sub_url": sub_url, "lat": lat,
                "lon": lon, "group": row.get("group"), "ptz": parse_flag(row.get("ptz"), n, "云台", problems),
                "record_mode": mode or "", "record_schedule": ";".join(windows)}

    return import_by_id(session, rows, problems, "cameras", Camera, values)


def import_drones(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    def values(row: SheetRow, drone_id: str) -> dict[str, object]:
        n = row.number
        url, video = row.get("url"), row.get("video")
        if not _LINK.search(url):
            problems.add(n, "链路", f"{url!r} is not a MAVLink link (udpin:0.0.0.0:14550, tcp:HOST:PORT, "
                         "/dev/ttyUSB0,57600)" if url else "empty")
        if video and not _STREAM.match(video):
            problems.add(n, "视频", f"{video!r} is not a stream URL (rtsp://…)")
        sysid = parse_number(row.get("sysid"), n, "系统编号", problems, minimum=0, maximum=255)
        return {"id": drone_id, "name": row.get("name") or drone_id, "url": url, "video": video,
                "sysid": int(sysid or 0)}

    return import_by_id(session, rows, problems, "drones", Drone, values)
