"""A new case turns the nearest PTZ camera toward it before the wall pops it: the whole composition (real SQLite
file, case service, Authorizer, audit chain, wall) against the simulated ONVIF camera over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from commandcenter.cases.model import NewCase
from commandcenter.config import CASE_SOURCES, ConfigError, parse_config
from commandcenter.demo.onvif_camera import SimulatedOnvifCamera
from commandcenter.domain import CaseSource
from commandcenter.ptz.cases import CaseAimer, CaseSpot
from commandcenter.ptz.geometry import bearing_deg, pan_for_bearing
from commandcenter.runtime.compose import Services, build

CAM_LAT, CAM_LON = 32.0439, 118.7848
NORTH = (CAM_LAT + 0.001, CAM_LON)  # ~111 m due north of the dome
GATE = (CAM_LAT, CAM_LON - 0.0008)  # ~75 m west: inside the dome's preset circle "西门"
FAR = (CAM_LAT + 0.01, CAM_LON)  # ~1.1 km: out of reach


@pytest.fixture
def sim() -> Iterator[SimulatedOnvifCamera]:
    with SimulatedOnvifCamera() as cam:
        yield cam


def _services(tmp_path: Path, sim: SimulatedOnvifCamera, extra: str = "") -> Services:
    text = f'''
[database]
url = "sqlite:///{tmp_path / "cc.db"}"
[ptz]
case_range_m = 300.0
{extra}
[[cameras]]
id = "dome"
name = "新街口球机"
url = "rtsp://127.0.0.1:1/dome"
ptz = true
onvif_url = "{sim.device_url}"
onvif_user = "admin"
onvif_password = "admin123"
lat = {CAM_LAT}
lon = {CAM_LON}
heading = 90.0
alarm_preset = "报警位"
case_presets = ["西门@{GATE[0]},{GATE[1]},40"]
[[cameras]]
id = "fixed"
url = "rtsp://127.0.0.1:1/fixed"
lat = {CAM_LAT}
lon = {CAM_LON + 0.0001}
[[users]]
username = "watcher"
role = "observer"
[[users]]
username = "desk"
role = "dispatcher"
'''
    return build(parse_config(text, "test.toml"))


def test_a_hotline_case_turns_the_dome_then_pops_it(tmp_path: Path, sim: SimulatedOnvifCamera,
                                                     qtbot: QtBot) -> None:
    services = _services(tmp_path, sim)
    pops: list[tuple[str, str, float]] = []
    services.events.camera_alarm.connect(lambda camera, text: pops.append((camera, text, sim.state.pan)))
    services.start()
    try:
        ptz = services.ptz
        assert ptz is not None
        ptz.nudge("dome", 0.7, 0.0).result(10)
        ptz.save_preset("dome", "报警位").result(10)  # the alarm preset looks elsewhere (pan 0.7)
        ptz.nudge("dome", -0.7, 0.0).result(10)
        ptz.save_preset("dome", "西门").result(10)  # pan 0: the preset of the west gate's circle
        services.cases.create_case(NewCase(source="hotline", category="占道经营", lat=NORTH[0], lon=NORTH[1],
                                           description="早市占道"), "hotline-12345").result(10)
        qtbot.waitUntil(lambda: len(pops) == 1, timeout=15_000)
        expected = pan_for_bearing(bearing_deg(CAM_LAT, CAM_LON, *NORTH), 90.0)
        camera, text, pan_at_pop = pops[0]
        assert camera == "dome" and "对准案发点" in text
        assert pan_at_pop == pytest.approx(expected, abs=1e-3)  # turned before it popped
        qtbot.waitUntil(lambda: services.walls.main.alarm is not None, timeout=5_000)
        assert services.walls.main.alarm is not None and services.walls.main.alarm.camera == "dome"
        assert sim.state.pan == pytest.approx(expected, abs=1e-3)  # the pop did not pull it to its alarm preset
        [record] = services.enforcement.audit.entries(action_prefix="ptz.")
        assert (record.actor, record.action) == ("hotline-12345", "ptz.case_turn")
        data = json.loads(record.data)
        assert record.subject.startswith("case:AJ") and data["camera"] == "dome" and data["ok"] is True
        assert data["look_at"] == [pytest.approx(NORTH[0]), pytest.approx(NORTH[1])]
        assert data["pan"] == pytest.approx(expected, abs=1e-3)

        # A case inside the preset's circle: the dome goes to the preset "西门" (pan 0 where it was saved).
        services.cases.create_case(NewCase(source="citizen", category="占道经营", lat=GATE[0], lon=GATE[1]),
                                   "open311").result(10)
        qtbot.waitUntil(lambda: len(pops) == 2, timeout=15_000)
        assert pops[1][0] == "dome" and "预置位 西门" in pops[1][1] and pops[1][2] == pytest.approx(0.0, abs=1e-3)

        # Out of reach, a camera case (its alarm turns its own camera), and one from an actor without the
        # permission: nothing turns; the refusal is in the audit chain.
        before = len(sim.requests)
        services.cases.create_case(NewCase(source="hotline", category="占道经营", lat=FAR[0], lon=FAR[1]),
                                   "hotline-12345").result(10)
        services.cases.intake_event("camera", "占道经营", NORTH[0], NORTH[1], "视频识别", actor="camera-ai").result(10)
        services.cases.create_case(NewCase(source="dispatcher", category="占道经营", lat=NORTH[0], lon=NORTH[1]),
                                   "desk").result(10)  # a dispatcher holds it: this one turns
        qtbot.waitUntil(lambda: len(pops) == 3, timeout=15_000)
        qtbot.wait(500)
        assert len(pops) == 3
        assert [r.actor for r in services.enforcement.audit.entries(action_prefix="ptz.")] == [
            "hotline-12345", "open311", "desk"]
        assert len(sim.requests) > before
    finally:
        services.stop()


def test_an_actor_without_the_permission_turns_nothing(tmp_path: Path, sim: SimulatedOnvifCamera,
                                                       qtbot: QtBot) -> None:
    services = _services(tmp_path, sim)
    pops: list[str] = []
    services.events.camera_alarm.connect(lambda camera, _text: pops.append(camera))
    services.start()
    try:
        [aimer] = [c for c in services.events.children() if isinstance(c, CaseAimer)]
        assert aimer.active
        refused = aimer.aim(CaseSpot(999, "AJ-X", "hotline", NORTH[0], NORTH[1], "watcher", "AJ-X"))
        assert refused is None and pops == [] and sim.requests == []
        qtbot.waitUntil(lambda: len(services.enforcement.audit.entries(actor="watcher")) == 1, timeout=5_000)
        [denial] = services.enforcement.audit.entries(actor="watcher")  # the refusal, written by the Authorizer
        assert denial.action == "permission.denied"
        assert "ptz.case_turn" in denial.data
    finally:
        services.stop()


def test_case_turn_off_turns_nothing(tmp_path: Path, sim: SimulatedOnvifCamera) -> None:
    services = _services(tmp_path, sim, "case_turn = false")
    try:
        [aimer] = [c for c in services.events.children() if isinstance(c, CaseAimer)]
        assert not aimer.active
    finally:
        services.stop()


def test_config_keys_are_checked() -> None:
    assert set(CASE_SOURCES) == {s.value for s in CaseSource}
    base = '[[cameras]]\nid = "d"\nurl = "rtsp://x/y"\nptz = true\nonvif_url = "http://127.0.0.1:1/onvif"\n'
    with pytest.raises(ConfigError, match=r"cameras\[0\]\.case_presets"):
        parse_config(base + 'case_presets = ["西门 32.0,118.0"]\n')
    with pytest.raises(ConfigError, match=r"ptz\.case_sources.*'radio'"):
        parse_config('[ptz]\ncase_sources = ["hotline", "radio"]\n')
    with pytest.raises(ConfigError, match=r"ptz\.case_range_m"):
        parse_config('[ptz]\ncase_range_m = 0\n')
