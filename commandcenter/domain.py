"""Domain vocabulary shared by every part of the core: unit statuses, unit kinds, zone kinds, case sources.

Stored values are stable ASCII codes (they survive a language switch and are safe in URLs and CSV); the
Chinese words of the bureau's practice are the display labels (``label_zh``), and the English ones come from
the Qt translation layer in the views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OfficerStatus(StrEnum):
    IDLE = "idle"  # 空闲
    DISPATCHED = "dispatched"  # 出警 (en route)
    HANDLING = "handling"  # 处置中 (on scene)
    RESTING = "resting"  # 休息
    OFFLINE = "offline"  # 离线


class UnitKind(StrEnum):
    OFFICER = "officer"
    VEHICLE = "vehicle"
    DRONE = "drone"
    CAMERA = "camera"


VEHICLE_KINDS = ("环卫车", "执法车", "洒水车", "清扫车", "垃圾转运车", "巡逻电动车")


class ZoneKind(StrEnum):
    GUIDANCE = "疏导点"  # designated vending areas
    CONTROL = "管控点"
    FEATURE = "特色点"
    NO_VENDING = "禁止设摊区"
    GRID_CELL = "单元网格"
    RESPONSIBILITY = "责任区"


class CaseSource(StrEnum):
    DISPATCHER = "dispatcher"  # 坐席录入
    HOTLINE = "hotline"  # 12345 热线工单
    CITIZEN = "citizen"  # 全民城管 (Open311)
    PATROL = "patrol"  # 巡查上报
    CAMERA = "camera"  # 视频智能识别
    SENSOR = "sensor"  # 物联感知
    GEOFENCE = "geofence"  # 电子围栏
    DRONE = "drone"  # 无人机巡查


CASE_SOURCE_ZH = {
    CaseSource.DISPATCHER: "坐席录入",
    CaseSource.HOTLINE: "12345热线",
    CaseSource.CITIZEN: "全民城管",
    CaseSource.PATROL: "巡查上报",
    CaseSource.CAMERA: "视频识别",
    CaseSource.SENSOR: "物联感知",
    CaseSource.GEOFENCE: "电子围栏",
    CaseSource.DRONE: "无人机",
}


@dataclass(frozen=True, slots=True)
class UnitPosition:
    """The latest known position of a unit, as views and reports see it (plain data, never an ORM object)."""

    id: str
    kind: str  # UnitKind value
    name: str
    lat: float
    lon: float
    fix_time: datetime
    speed: float | None = None  # km/h
    heading: float | None = None  # degrees
    source: str = ""
    status: str = ""
    sub_kind: str = ""  # vehicle kind (环卫车 …) or officer team
    extra: dict[str, object] = field(default_factory=dict)
