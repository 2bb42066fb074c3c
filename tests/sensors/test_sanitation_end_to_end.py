"""A full bin reported over MQTT auto-dispatches, through the whole application, to the sanitation unit nearest
by travel time: the 环卫车 whose JT/T 808 terminal reports nearby (not the enforcement officer standing at the
bin), and, with that truck busy, the sanitation worker whose paired phone then receives the task.

config → build(config) → mosquitto → SensorService → CaseService (auto-dispatch by the category's 自动派遣 flag)
→ the SQLite file; vehicle positions over a real JT/T 808 connection, officers' over the field API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from commandcenter.config import parse_config
from commandcenter.runtime.compose import Services, build
from devices.jt808 import Jt808Server, Jt808Terminal
from tests.field.conftest import Phone, pair_phone

BIN_1 = (32.0200, 118.7830)
BIN_2 = (32.0150, 118.7750)


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / 111_195.0, point[1]


def _config(tmp_path: Path, broker: str) -> str:
    return f'''
[database]
url = "sqlite:///{tmp_path / "cc.db"}"

[trackers.jt808]
host = "127.0.0.1"
port = 0

[field]
host = "127.0.0.1"
port = 0

[[officers]]
id = "o1"
name = "张三"
badge = "B001"
team = "执法中队"
skills = ["市容执法"]

[[officers]]
id = "w1"
name = "李四"
badge = "H001"
team = "环卫一队"
skills = ["环卫保洁"]

[[vehicles]]
id = "hw-001"
plate = "苏A·H0001"
kind = "环卫车"
terminal = "013900000001"
team = "环卫一队"

[[vehicles]]
id = "hw-002"
plate = "苏A·H0002"
kind = "环卫车"
terminal = "013900000002"
team = "环卫一队"

[[sensors]]
id = "bin-001"
kind = "垃圾桶"
protocol = "mqtt"
url = "{broker}"
topic = "city/bins/+/up"
period_s = 60
lat = {BIN_1[0]}
lon = {BIN_1[1]}

[[sensors]]
id = "bin-002"
kind = "垃圾桶"
protocol = "mqtt"
url = "{broker}"
topic = "city/bins/+/up"
period_s = 60
lat = {BIN_2[0]}
lon = {BIN_2[1]}

[[sensor_rules]]
measure = "fill"
above = 80
clear_below = 60
for_s = 0
category = "BJ0303"   # 垃圾满溢: 环卫队, 自动派遣
kinds = ["垃圾桶"]
'''


def _publish(broker: str, topic: str, payload: dict[str, float]) -> None:
    host, port = broker.removeprefix("mqtt://").split(":")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bin-publisher")
    client.connect(host, int(port))
    client.loop_start()
    try:
        client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()


def _jt808_port(services: Services) -> int:
    server = next(h.adapter for h in services.devices.handles() if isinstance(h.adapter, Jt808Server))
    assert server.ready.wait(10) and server.bound_port
    return int(server.bound_port)


def _stand(phone: Phone, at: tuple[float, float]) -> None:
    reply = phone.call("POST", "/field/v1/position", {"lat": at[0], "lon": at[1],
                                                      "time": datetime.now(UTC).isoformat(), "accuracy": 5})
    assert reply.status == 200, reply.body


def _cases(services: Services) -> list[dict[str, Any]]:
    services.store.flush()
    frame = services.store.frame("SELECT code, reporter, status, assigned_officer FROM cases ORDER BY id")
    return list(frame.to_dict("records"))


def test_full_bins_go_to_the_nearest_sanitation_vehicle_then_to_the_worker_s_phone(
        qtbot: Any, tmp_path: Path, mosquitto: str) -> None:
    services = build(parse_config(_config(tmp_path, mosquitto), "sanitation.toml"))
    services.start()
    terminals: list[Jt808Terminal] = []
    try:
        api = services.field_api
        assert api is not None and api.ready.wait(10)
        base = f"http://127.0.0.1:{api.bound_port}"
        officer, worker = pair_phone(services, base, "o1"), pair_phone(services, base, "w1")
        _stand(officer, north_of(BIN_1, 20))  # the enforcement officer is nearest to bin 1 as the crow flies
        _stand(worker, north_of(BIN_2, 100))
        port = _jt808_port(services)
        for phone, at in (("013900000001", north_of(BIN_1, 350)), ("013900000002", (32.0270, 118.7950))):
            term = Jt808Terminal(phone, "127.0.0.1", port, timeout=5.0)
            term.connect()
            terminals.append(term)
            term.register(plate="苏A·H000" + phone[-1], province=32, city=100)
            term.authenticate()
            assert term.report(*at, speed_kmh=0.0, time=datetime.now(UTC).replace(microsecond=0)) == 0
        qtbot.waitUntil(lambda: all(services.tracker.get(u) is not None for u in ("o1", "w1", "hw-001", "hw-002")),
                        timeout=10_000)
        seen = worker.call("GET", "/field/v1/tasks").body["version"]

        _publish(mosquitto, "city/bins/bin-001/up", {"fill": 93.0})
        qtbot.waitUntil(lambda: len(_cases(services)) == 1 and _cases(services)[0]["status"] == "dispatched",
                        timeout=10_000)
        first = _cases(services)[0]
        assert first["assigned_officer"] == "hw-001"  # the truck 350 m off, not the officer 20 m off
        case = services.cases.get(str(first["code"]))
        assert (case.assignee_kind, case.assignee_plate, case.officer_display) == \
            ("vehicle", "苏A·H0001", "苏A·H0001 (环卫车)")
        note = next(e["note"] for e in services.cases.events(case.code) if e["action"] == "dispatch")
        # timed along the district's streets (the car network), not a straight-line guess
        assert note.startswith("自动派遣: 环卫车 苏A·H0001: 距离 3") and "约" in note and "直线估算" not in note
        board = {u.id: (u.status, u.current_case) for u in services.cases.unit_board()}
        assert board["hw-001"] == ("dispatched", case.code) and board["o1"][0] == "idle"

        # bin 2: the nearer truck is busy, the other one 2 km off; the worker 100 m away gets it on the phone
        _publish(mosquitto, "city/bins/bin-002/up", {"fill": 88.0})
        qtbot.waitUntil(lambda: len(_cases(services)) == 2 and _cases(services)[1]["status"] == "dispatched",
                        timeout=10_000)
        second = _cases(services)[1]
        assert second["assigned_officer"] == "w1"
        assert services.cases.get(str(second["code"])).assignee_kind == "worker"
        got = worker.call("GET", f"/field/v1/tasks?wait=10&since={seen}")
        assert got.status == 200 and [t["code"] for t in got.body["tasks"]] == [second["code"]]
        assert officer.call("GET", "/field/v1/tasks").body["tasks"] == []
        accepted = worker.call("POST", f"/field/v1/tasks/{second['code']}/accept", {})
        assert accepted.status == 200
        assert services.cases.get(str(second["code"])).extra["field"]["state"] == "accepted"
        assert services.report()["cases"]["by_source"] == {"sensor": 2}
    finally:
        for term in terminals:
            term.close()
        services.stop()
