"""``data import vehicles|cameras|sensors|drones``: device lists from Excel/CSV become the command center's."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from commandcenter.config import parse_config
from commandcenter.runtime.compose import build
from tests.golive.support import import_file, snapshot, write_csv

VEHICLES = "车牌,编号,类型,中队,终端手机号\n川A12345,v-1,环卫车,锦江环卫,013800001111\n川A67890,,执法车,锦江中队,\n"
CAMERAS = ("编号,名称,主码流,子码流,纬度,经度,分组,云台,录像模式,录像时段\n"
           "cam-chunxi,春熙路口,rtsp://10.0.0.5/main,rtsp://10.0.0.5/sub,30.655,104.080,春熙路,是,连续,\n"
           "cam-taikoo,太古里,rtsp://10.0.0.6/main,,30.652,104.083,春熙路,否,报警,\n"
           "cam-market,夜市入口,rtsp://10.0.0.8/main,,30.651,104.084,春熙路,否,计划,07:00-12:00；18:00-23:30\n")
SENSORS = "编号,类型,地址,主题,纬度,经度,摄像机\nbin-1,垃圾桶,mqtt://10.0.0.9:1883,city/+/up,30.654,104.081,cam-chunxi\n"
DRONES = "编号,名称,链路,视频,系统编号\nuav-cd,锦江一号,udpin:0.0.0.0:14560,rtsp://10.0.0.7/uav,1\n"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'devices.db'}"


def test_imported_devices_are_on_the_wall_the_map_and_the_drone_list(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                    db: str) -> None:
    for kind, text in (("vehicles", VEHICLES), ("cameras", CAMERAS), ("sensors", SENSORS), ("drones", DRONES)):
        result = import_file(kind, write_csv(tmp_path / f"{kind}.csv", text), db)
        assert result.returncode == 0, (kind, result.stderr)
    assert "continuous" in snapshot(db)["cameras"][0]  # 录像模式 kept for the recorder
    services = build(parse_config(f'[database]\nurl = "{db}"\n', "test.toml"))
    try:
        services.start()
        cams = {c.id: c for c in services.cameras}
        # The recorder reads the imported 录像模式 and 录像时段 like a [[cameras]] entry's record keys.
        assert (cams["cam-chunxi"].record, cams["cam-taikoo"].record) == ("continuous", "alarm")
        assert cams["cam-market"].record == "schedule"
        assert cams["cam-market"].record_schedule == ["07:00-12:00", "18:00-23:30"]
        assert cams["cam-chunxi"].ptz and cams["cam-chunxi"].sub_url == "rtsp://10.0.0.5/sub"
        assert "uav-cd-video" in cams  # the imported drone's downlink is a camera of the wall
        assert "uav-cd" in services.fleet.ids()
        units = {u.id: u for u in services.tracker.units()}
        assert units["v-1"].kind == "vehicle" and "013800001111" in units["v-1"].device_keys
        assert units["川A67890"].sub_kind == "执法车"
    finally:
        services.stop()


def test_bad_device_rows_are_named_and_nothing_is_taken(tmp_path: Path, db: str) -> None:
    assert import_file("cameras", write_csv(tmp_path / "c.csv", CAMERAS), db).returncode == 0
    before = snapshot(db)
    bad_cams = (CAMERAS + "cam-x,坏点,http//oops,,104.08,30.65,,也许,,\n"
                + "cam-y,无时段,rtsp://10.0.0.9/main,,30.65,104.08,,否,计划,\n"
                + "cam-z,坏时段,rtsp://10.0.0.9/main,,30.65,104.08,,否,计划,7点到9点\n")
    result = import_file("cameras", write_csv(tmp_path / "bad.csv", bad_cams), db)
    assert result.returncode != 0
    for where in ("row 5, 主码流", "row 5, 纬度", "row 5, 云台", "row 6, 录像时段", "row 7, 录像时段"):
        assert where in result.stderr
    bad_vehicles = VEHICLES + "川A12345,v-3,环卫车,,\n,v-4,环卫车,,\n"
    result = import_file("vehicles", write_csv(tmp_path / "v.csv", bad_vehicles), db)
    assert result.returncode != 0 and "row 4, 车牌" in result.stderr and "row 5, 车牌" in result.stderr
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "名称", "链路"])
    sheet.append(["uav-1", "一号", "udpin:0.0.0.0:14550"])
    sheet.append(["uav-2", "二号", "somewhere"])
    book.save(tmp_path / "drones.xlsx")
    result = import_file("drones", tmp_path / "drones.xlsx", db)
    assert result.returncode != 0 and "row 3, 链路" in result.stderr
    assert snapshot(db) == before
    dry = import_file("sensors", write_csv(tmp_path / "s.csv", SENSORS), db, "--dry-run")
    assert dry.returncode == 0 and "would add 1" in dry.stdout
    assert snapshot(db) == before
