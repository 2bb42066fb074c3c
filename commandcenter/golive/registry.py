"""Every kind ``commandcenter data import KIND FILE`` knows: one line per kind.

Another package adds its kind here with one line (e.g. the enforcement procedure's ``powers``:
``"powers": sheet_kind("powers", "权力清单 …", POWER_COLUMNS, import_powers)``).
"""

from __future__ import annotations

from commandcenter.enforcement.powers import POWER_COLUMNS, import_powers
from commandcenter.enforcement.powers import SUMMARY as POWERS_SUMMARY
from commandcenter.golive.framework import DataKind, sheet_kind
from commandcenter.golive.kinds.calendar import CALENDAR_COLUMNS, import_calendar
from commandcenter.golive.kinds.categories import CATEGORY_COLUMNS, import_categories
from commandcenter.golive.kinds.devices import (
    CAMERA_COLUMNS,
    DRONE_COLUMNS,
    VEHICLE_COLUMNS,
    import_cameras,
    import_drones,
    import_vehicles,
)
from commandcenter.golive.kinds.geo import geo_kind
from commandcenter.golive.kinds.grid import import_grid
from commandcenter.golive.kinds.nofly import import_nofly
from commandcenter.golive.kinds.officers import OFFICER_COLUMNS, import_officers
from commandcenter.golive.kinds.roster import ROSTER_COLUMNS, import_roster
from commandcenter.golive.kinds.sensors import SENSOR_COLUMNS, import_sensors
from commandcenter.golive.kinds.zones import import_zones

__all__ = ["KINDS"]

KINDS: dict[str, DataKind] = {
    "officers": sheet_kind("officers", "执法队员名册 (Excel/CSV): 警号, 姓名, 中队, 技能, 责任网格, 终端编号, 手机",
                           OFFICER_COLUMNS, import_officers),
    "vehicles": sheet_kind("vehicles", "车辆 (Excel/CSV): 车牌, 编号, 类型, 中队, 终端手机号 (JT/T 808)",
                           VEHICLE_COLUMNS, import_vehicles),
    "cameras": sheet_kind("cameras", "摄像机 (Excel/CSV): 编号, 名称, 主码流, 子码流, 纬度, 经度, 分组, 云台, 录像模式",
                          CAMERA_COLUMNS, import_cameras),
    "sensors": sheet_kind("sensors", "传感器 (Excel/CSV): 编号, 类型, 地址, 纬度, 经度, 摄像机, 协议, 从站地址, 波特率, 周期, 寄存器, 主题",
                          SENSOR_COLUMNS, import_sensors),
    "drones": sheet_kind("drones", "无人机 (Excel/CSV): 编号, 名称, 链路 (MAVLink), 视频, 系统编号",
                         DRONE_COLUMNS, import_drones),
    "categories": sheet_kind("categories", "部件/事件分类 (Excel/CSV): the columns of resources/cases/categories.csv",
                             CATEGORY_COLUMNS, import_categories),
    "calendar": sheet_kind("calendar", "节假日与调休 (Excel/CSV): 日期 (or A..B), 类型 (放假/调休), 名称",
                           CALENDAR_COLUMNS, import_calendar),
    "grid": geo_kind("grid", "单元网格/责任区 (GeoJSON/Shapefile/KML): code, name, kind [, area_code]", import_grid),
    "zones": geo_kind("zones", "疏导点/管控点/特色点/禁止设摊区 polygons (name, kind, code); points with camera = camera sites",
                      import_zones),
    "nofly": geo_kind("nofly", "禁飞区/限高区 (GeoJSON/KML/Shapefile): name, kind, max_alt; points need radius",
                      import_nofly),
    "powers": sheet_kind("powers", POWERS_SUMMARY, POWER_COLUMNS, import_powers),  # 权力清单 (enforcement)
    "roster": sheet_kind("roster", "班次 (Excel/CSV): 中队, 班次, 开始, 结束 (HH:MM; 结束 ≤ 开始 runs past midnight)",
                         ROSTER_COLUMNS, import_roster),
}
