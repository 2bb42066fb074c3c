"""``data import sensors``: the bureau's sensors with everything the poller needs.

A row names the sensor, its place and its link: ``协议`` (modbus-rtu or mqtt; default mqtt for an ``mqtt://``
地址, else modbus-rtu), the serial line or broker (``地址``), a Modbus sensor's 从站地址/波特率/超时 and its
register map (``寄存器``), an MQTT sensor's 主题. The server polls a stored sensor exactly like a ``[[sensors]]``
entry (:func:`commandcenter.golive.devices.with_stored_devices`); an entry of the config with the same id wins.

The register map is one cell, entries separated by ``;`` (or ``；``), each ``measure=address[:type[:scale[:unit]]]``,
e.g. ``fill=0:uint16:1:%; battery=1:uint16:0.01:V`` (type uint16 when left out, scale 1, no unit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from commandcenter.config import REGISTER_TYPES, SENSOR_PROTOCOLS
from commandcenter.golive.framework import ImportCounts, RowProblems
from commandcenter.golive.kinds.common import parse_coordinate, parse_number
from commandcenter.golive.kinds.devices import import_by_id
from commandcenter.golive.sheets import Column, SheetRow
from commandcenter.store.models import Sensor

__all__ = ["SENSOR_COLUMNS", "import_sensors", "parse_registers"]

SENSOR_COLUMNS = (
    Column("id", ("编号", "id"), required=True),
    Column("kind", ("类型", "kind"), required=True),
    Column("url", ("地址", "url")),
    Column("lat", ("纬度", "lat")),
    Column("lon", ("经度", "lon")),
    Column("camera", ("摄像机", "camera")),
    Column("name", ("名称", "name")),
    Column("protocol", ("协议", "protocol")),
    Column("unit", ("从站地址", "unit", "slave")),
    Column("baudrate", ("波特率", "baudrate")),
    Column("period_s", ("周期", "period_s", "采集周期")),
    Column("timeout_s", ("超时", "timeout_s")),
    Column("registers", ("寄存器", "registers")),
    Column("topic", ("主题", "topic")),
)
_BROKER = re.compile(r"^mqtts?://[^/:]+(:\d{1,5})?/?$")
_ENTRY = re.compile(r"^(?P<measure>[^=:\s]+)\s*=\s*(?P<address>\d+)(?::(?P<type>[a-z0-9]*))?"
                    r"(?::(?P<scale>[-+0-9.eE]*))?(?::(?P<unit>.*))?$")


def parse_registers(text: str) -> tuple[list[dict[str, object]], list[str]]:
    """``fill=0:uint16:1:%; battery=1::0.01:V`` → RegisterConfig-shaped dicts, and what is wrong with the cell."""
    registers: list[dict[str, object]] = []
    errors: list[str] = []
    for entry in (e.strip() for e in re.split(r"[;；]", text)):
        if not entry:
            continue
        match = _ENTRY.match(entry)
        if match is None:
            errors.append(f"{entry!r} is not measure=address[:type[:scale[:unit]]] (e.g. fill=0:uint16:1:%)")
            continue
        kind = match["type"] or "uint16"
        address = int(match["address"])
        if kind not in REGISTER_TYPES:
            errors.append(f"{entry!r}: type {kind!r} is not one of {', '.join(REGISTER_TYPES)}")
        if address > 65535:
            errors.append(f"{entry!r}: address {address} is beyond 65535")
        try:
            scale = float(match["scale"]) if match["scale"] else 1.0
        except ValueError:
            errors.append(f"{entry!r}: scale {match['scale']!r} is not a number")
            scale = 1.0
        registers.append({"measure": match["measure"], "address": address, "type": kind, "scale": scale,
                          "unit": (match["unit"] or "").strip()})
    return registers, errors


def _link(row: SheetRow, problems: RowProblems) -> dict[str, object]:
    """The row's protocol settings, checked as the config checks a ``[[sensors]]`` entry."""
    n, url = row.number, row.get("url")
    protocol = row.get("protocol").lower() or ("mqtt" if url.lower().startswith("mqtt") else "modbus-rtu")
    if protocol not in SENSOR_PROTOCOLS:
        problems.add(n, "协议", f"{row.get('protocol')!r} is not one of {', '.join(SENSOR_PROTOCOLS)}")
    period = parse_number(row.get("period_s"), n, "周期", problems, minimum=0.1, maximum=86_400)
    values: dict[str, object] = {"protocol": protocol, "period_s": period or 60.0, "registers": [], "topic": "",
                                 "unit": 1, "baudrate": 9600, "timeout_s": 1.0}
    if protocol == "mqtt":
        topic = row.get("topic")
        if not _BROKER.match(url):
            problems.add(n, "地址", f"an mqtt sensor's 地址 is its broker, mqtt://HOST:PORT, got {url!r}")
        if not topic or "#" in topic or topic.count("+") > 1:
            problems.add(n, "主题", f"expected the sensor's topic or a wildcard with one '+' level standing for "
                         f"the sensor id (city/sensors/+/up), got {topic!r}")
        values["topic"] = topic
    elif protocol == "modbus-rtu":
        if not url:
            problems.add(n, "地址", "empty: a modbus-rtu sensor needs its serial port (/dev/ttyUSB0, rfc2217://…)")
        unit = parse_number(row.get("unit"), n, "从站地址", problems, minimum=1, maximum=247)
        baud = parse_number(row.get("baudrate"), n, "波特率", problems, minimum=300, maximum=4_000_000)
        timeout = parse_number(row.get("timeout_s"), n, "超时", problems, minimum=0.01, maximum=60)
        registers, errors = parse_registers(row.get("registers"))
        for error in errors:
            problems.add(n, "寄存器", error)
        if not registers and not errors:
            problems.add(n, "寄存器", "empty: a modbus-rtu sensor needs its register map, e.g. fill=0:uint16:1:%")
        values |= {"unit": int(unit or 1), "baudrate": int(baud or 9600), "timeout_s": timeout or 1.0,
                   "registers": registers}
    return values


def import_sensors(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    line_speed: dict[str, tuple[int, int]] = {}

    def values(row: SheetRow, sensor_id: str) -> dict[str, object]:
        n = row.number
        if not row.get("kind"):
            problems.add(n, "类型", "empty (垃圾桶, 公厕, 噪声 …)")
        lat, lon = parse_coordinate(row.get("lat"), row.get("lon"), n, problems)
        link = _link(row, problems)
        if link["protocol"] == "modbus-rtu":
            speed, first = line_speed.setdefault(row.get("url"), (int(str(link["baudrate"])), n))
            if speed != link["baudrate"]:
                problems.add(n, "波特率", f"{link['baudrate']} differs from {speed} on row {first}, the same "
                             f"RS-485 line {row.get('url')!r} (one line, one speed)")
        return {"id": sensor_id, "kind": row.get("kind"), "url": row.get("url"), "lat": lat, "lon": lon,
                "camera_id": row.get("camera"), "name": row.get("name"), **link}

    return import_by_id(session, rows, problems, "sensors", Sensor, values)
