"""``commandcenter drone`` against the simulated vehicle: exit codes and the reasons printed."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.cli import EXIT_NO_LINK, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, drone_main
from commandcenter.drones.missions import CMD_WAYPOINT, Geofence, Mission, MissionItem, MissionPlan, Polygon
from commandcenter.drones.planfile import load_plan, save_plan
from devices.mavlink import mav

HOME = (32.0603, 118.7969)


@pytest.fixture
def sim() -> Iterator[SimVehicle]:
    vehicle = SimVehicle(4, *HOME, listen="tcp:127.0.0.1:0", time_scale=4.0).start()
    yield vehicle
    vehicle.stop()


@pytest.fixture
def config(sim: SimVehicle, tmp_path: Path) -> Path:
    path = tmp_path / "cc.toml"
    path.write_text(f'[[drones]]\nid = "uav-1"\nname = "秦淮一号"\nurl = "{sim.url}"\nsysid = 4\n\n'
                    f'[[drones]]\nid = "ghost"\nurl = "tcp:127.0.0.1:{_closed_port()}"\n', encoding="utf-8")
    return path


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(config: Path, *action: str, drone: str = "uav-1") -> int:
    return drone_main(["--config", str(config), "--drone", drone, "--timeout", "5", *action])


def test_status_prints_json(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "status") == EXIT_OK
    state = json.loads(capsys.readouterr().out)
    assert state["sysid"] == 4 and state["mode"] == "STABILIZE"
    assert state["lat"] == pytest.approx(HOME[0], abs=1e-6) and state["battery_pct"] == 100


def test_flight_commands_exit_zero_on_ack(config: Path, sim: SimVehicle, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "mode", "GUIDED") == EXIT_OK
    assert run(config, "arm") == EXIT_OK
    assert "arm: MAV_RESULT_ACCEPTED" in capsys.readouterr().out
    assert run(config, "takeoff", "10") == EXIT_OK
    deadline = time.monotonic() + 5
    while sim.alt < 2 and time.monotonic() < deadline:  # goto is refused on the ground, as on ArduCopter
        time.sleep(0.02)
    assert run(config, "goto", "32.0608", "118.7972", "15") == EXIT_OK
    assert run(config, "rtl") == EXIT_OK
    assert run(config, "land") == EXIT_OK
    assert sim.mode == "LAND"


def test_nack_exits_nonzero_with_reason(config: Path, sim: SimVehicle, capsys: pytest.CaptureFixture[str]) -> None:
    sim.faults.nack_commands = {mav.MAV_CMD_NAV_RETURN_TO_LAUNCH}
    assert run(config, "rtl") == EXIT_REFUSED
    assert "rtl refused: MAV_RESULT_DENIED" in capsys.readouterr().err
    sim.faults.prearm_fail = "Compass not calibrated"
    assert run(config, "mode", "GUIDED") == EXIT_OK
    assert run(config, "arm") == EXIT_REFUSED
    assert "MAV_RESULT_FAILED: PreArm: Compass not calibrated" in capsys.readouterr().err
    assert run(config, "mode", "BOGUS") == EXIT_REFUSED


def test_upload_download_fence(config: Path, sim: SimVehicle, tmp_path: Path) -> None:
    area = [(32.0600, 118.7960), (32.0600, 118.7990), (32.0625, 118.7990), (32.0625, 118.7960)]
    plan = MissionPlan(Mission([MissionItem(CMD_WAYPOINT, 32.0605, 118.7965, 20),
                                MissionItem(CMD_WAYPOINT, 32.0620, 118.7985, 25)]), Geofence([Polygon(area)]))
    save_plan(plan, tmp_path / "in.plan")
    assert run(config, "upload", str(tmp_path / "in.plan")) == EXIT_OK
    assert len(sim.missions[mav.MAV_MISSION_TYPE_MISSION]) == 3  # home + 2
    assert run(config, "fence", str(tmp_path / "in.plan")) == EXIT_OK
    assert len(sim.missions[mav.MAV_MISSION_TYPE_FENCE]) == 4
    assert run(config, "download", str(tmp_path / "out.plan")) == EXIT_OK
    back = load_plan(tmp_path / "out.plan")
    assert len(back.mission.items) == 2 and len(back.fence.polygons) == 1


def test_fence_refusal_happens_before_upload(config: Path, sim: SimVehicle, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    area = [(32.0600, 118.7960), (32.0600, 118.7990), (32.0625, 118.7990), (32.0625, 118.7960)]
    plan = MissionPlan(Mission([MissionItem(CMD_WAYPOINT, 32.0605, 118.7965, 20),
                                MissionItem(CMD_WAYPOINT, 32.0700, 118.7965, 20)]), Geofence([Polygon(area)]))
    save_plan(plan, tmp_path / "bad.plan")
    packets_before = sim.packets_in
    assert run(config, "upload", str(tmp_path / "bad.plan")) == EXIT_REFUSED
    assert "waypoint 2 (32.070000, 118.796500) is outside the inclusion fence" in capsys.readouterr().err
    assert sim.packets_in == packets_before and sim.missions[mav.MAV_MISSION_TYPE_MISSION] == []


def test_usage_and_link_errors(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "status", drone="nope") == EXIT_USAGE
    assert "no [[drones]] entry with id 'nope'" in capsys.readouterr().err
    assert run(config, "takeoff") == EXIT_USAGE
    (tmp_path / "broken.plan").write_text("{", encoding="utf-8")
    assert run(config, "upload", str(tmp_path / "broken.plan")) == EXIT_USAGE
    assert "not valid JSON" in capsys.readouterr().err
    assert run(config, "status", drone="ghost") == EXIT_NO_LINK
    assert "cannot open tcp:127.0.0.1:" in capsys.readouterr().err


def test_no_heartbeat_times_out(config: Path, sim: SimVehicle, capsys: pytest.CaptureFixture[str]) -> None:
    sim.faults.no_heartbeat = True
    code = drone_main(["--config", str(config), "--drone", "uav-1", "--timeout", "0.5", "status"])
    assert code == EXIT_NO_LINK
    assert "no heartbeat from system 4" in capsys.readouterr().err
