"""``data import sensors`` with register maps and topics: the server polls an imported sensor exactly like a
``[[sensors]]`` one (Modbus RTU over a socat pty pair to pymodbus slaves), and a config entry of the same id wins."""

from __future__ import annotations

from pathlib import Path

from commandcenter.config import parse_config
from commandcenter.demo.serial_slaves import PtyPair, SerialSlaves, SimulatedSlave
from commandcenter.runtime.compose import build
from devices.sensor import RegisterSpec
from tests.golive.support import import_file, snapshot, write_csv

BIN_MAP = (RegisterSpec("fill", 0, "uint16", 1.0), RegisterSpec("battery", 1, "uint16", 0.01))


def _sensors_csv(line: str) -> str:
    return ("编号,名称,类型,协议,地址,从站地址,波特率,周期,超时,寄存器,主题,纬度,经度\n"
            f"bin-101,春熙路1号桶,垃圾桶,modbus-rtu,{line},1,9600,0.3,0.2,fill=0:uint16:1:%; battery=1:uint16:0.01:V"
            ",,30.654,104.081\n"
            f"bin-102,春熙路2号桶,垃圾桶,,{line},2,9600,0.3,0.2,fill=0,,30.655,104.082\n"
            "wc-101,太古里公厕,公厕,,mqtt://10.0.0.9:1883,,,30,,,city/sensors/+/up,30.652,104.083\n")


def test_imported_modbus_sensors_are_polled_and_raise_an_alarm(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'sensors.db'}"
    line = PtyPair(tmp_path / "ttys", "rs485")
    level = {"fill": 40.0, "battery": 3.6}
    slaves = SerialSlaves(line.slave_end, [SimulatedSlave(1, BIN_MAP, lambda: dict(level)),
                                           SimulatedSlave(2, BIN_MAP[:1], lambda: {"fill": 55.0})])
    try:
        result = import_file("sensors", write_csv(tmp_path / "sensors.csv", _sensors_csv(line.app_end)), db)
        assert result.returncode == 0, result.stderr
        assert "3 added" in result.stdout or "added 3" in result.stdout, result.stdout
        # bin-102 is also a [[sensors]] entry: its kind and name come from the config, not the sheet
        config = parse_config(f'''
[database]
url = "{db}"

[[sensors]]
id = "bin-102"
name = "配置里的桶"
kind = "智能桶"
url = "{line.app_end}"
unit = 2
period_s = 0.3
timeout_s = 0.2
registers = [{{ measure = "fill", address = 0 }}]

[[sensor_rules]]
measure = "fill"
above = 80
clear_below = 60
for_s = 1
category = "BJ0302"
kinds = ["垃圾桶"]
''', "sensors.toml")
        services = build(config)
        services.start()
        try:
            def section() -> dict[str, dict[str, object]]:
                return {s["id"]: s for s in services.report()["sensors"]}

            qtbot.waitUntil(lambda: section()["bin-101"]["values"] == {"fill": 40.0, "battery": 3.6},
                            timeout=10_000)
            qtbot.waitUntil(lambda: section()["bin-102"]["values"] == {"fill": 55.0}, timeout=10_000)
            assert section()["bin-102"]["kind"] == "智能桶"  # the config's entry of the same id wins
            assert section()["wc-101"]["kind"] == "公厕"  # the MQTT sensor is subscribed (waiting for reports)
            assert [s.id for s in services.config.sensors].count("bin-102") == 1
            level["fill"] = 93.0
            qtbot.waitUntil(lambda: section()["bin-101"]["alarm"] is True, timeout=10_000)
            services.store.flush()
            rows = services.store.frame("SELECT source, category FROM cases")
            assert rows.to_dict("records") == [{"source": "sensor", "category": "BJ0302"}]
            modbus = [d for d in services.report()["devices"] if d["kind"] == "modbus-rtu"]
            assert len(modbus) == 1 and modbus[0]["state"] == "online"  # one line, one poller for both slaves
        finally:
            services.stop()
    finally:
        slaves.close()
        line.close()


def test_bad_sensor_rows_name_the_row_and_field_and_nothing_is_taken(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    good = write_csv(tmp_path / "good.csv", _sensors_csv("/dev/ttyUSB0"))
    assert import_file("sensors", good, db).returncode == 0
    before = snapshot(db)
    bad = write_csv(tmp_path / "bad.csv", "编号,类型,协议,地址,从站地址,波特率,寄存器,主题\n"
                    "b-1,垃圾桶,,/dev/ttyUSB1,1,9600,,\n"
                    "b-2,垃圾桶,modbus-rtu,/dev/ttyUSB1,300,9600,fill=0:int64,\n"
                    "b-3,垃圾桶,modbus-rtu,/dev/ttyUSB1,3,19200,fill=0,\n"
                    "b-4,公厕,mqtt,tcp://h,,,,\n"
                    "b-5,噪声,lora,x,,,,\n"
                    "b-6,垃圾桶,,/dev/ttyUSB1,4,,fill,\n")
    result = import_file("sensors", bad, db)
    assert result.returncode != 0
    for where in ("row 2, 寄存器", "row 3, 从站地址", "row 3, 寄存器", "row 4, 波特率", "row 5, 地址",
                  "row 5, 主题", "row 6, 协议", "row 7, 寄存器"):
        assert where in result.stderr, (where, result.stderr)
    assert "int64" in result.stderr and "measure=address" in result.stderr
    assert snapshot(db) == before
