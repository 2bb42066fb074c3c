"""``commandcenter drone`` against the simulated vehicle: exit codes and the reasons printed."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
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
PILOT_TOKEN = "pilot-bot-token-for-tests"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim() -> Iterator[SimVehicle]:
    vehicle = SimVehicle(4, *HOME, listen="tcp:127.0.0.1:0", time_scale=4.0).start()
    yield vehicle
    vehicle.stop()


@pytest.fixture
def config(sim: SimVehicle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The drone, a dead one, the database of the audit chain and a pilot service account acting by default."""
    path = tmp_path / "cc.toml"
    digest = hashlib.sha256(PILOT_TOKEN.encode()).hexdigest()
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cc.db"}"\n\n'
                    f'[[drones]]\nid = "uav-1"\nname = "秦淮一号"\nurl = "{sim.url}"\nsysid = 4\n\n'
                    f'[[drones]]\nid = "ghost"\nurl = "tcp:127.0.0.1:{_closed_port()}"\n\n'
                    f'[[users]]\nusername = "pilot-bot"\nrole = "pilot"\ntoken_sha256 = "{digest}"\n\n'
                    f'[[users]]\nusername = "watcher"\nrole = "observer"\n', encoding="utf-8")
    monkeypatch.setenv("CC_USER", "pilot-bot")
    monkeypatch.setenv("CC_TOKEN", PILOT_TOKEN)
    monkeypatch.delenv("CC_PASSWORD", raising=False)
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


def audit_entries(tmp_path: Path) -> list[tuple[str, str, str]]:
    from commandcenter.enforcement.audit import AuditLog
    from commandcenter.store import Store

    store = Store(f"sqlite:///{tmp_path / 'cc.db'}")
    try:
        return [(e.actor, e.action, e.subject) for e in AuditLog(store).entries()]
    finally:
        store.close()


def test_commands_are_audited_under_the_acting_user(config: Path, sim: SimVehicle, tmp_path: Path) -> None:
    assert run(config, "mode", "GUIDED") == EXIT_OK
    assert run(config, "arm") == EXIT_OK
    entries = audit_entries(tmp_path)
    assert ("pilot-bot", "drone.set_mode", "drone:uav-1") in entries
    assert ("pilot-bot", "drone.arm", "drone:uav-1") in entries
    assert ("pilot-bot", "login.success", "user:pilot-bot") in entries


def cli(config: Path, *args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed entry point's code path, in a process of its own (no inherited credentials)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CC_USER", "CC_TOKEN", "CC_PASSWORD")}
    return subprocess.run([sys.executable, "-m", "commandcenter", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env={**clean, "PYTHONPATH": str(ROOT), **env})


def test_cli_without_the_right_is_refused_audited_and_sends_nothing(config: Path, sim: SimVehicle,
                                                                    tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cc.db'}"
    drone = ["drone", "--config", str(config), "--drone", "uav-1", "--timeout", "5"]
    assert cli(config, "user", "add", "boss", "--role", "admin", "--password", "boss-pass-1", "--db", db,
               env={}).returncode == 0  # the first admin of an empty database: no credentials needed
    added = cli(config, "user", "add", "li", "--role", "observer", "--password", "li-pass-12", "--db", db,
                "--as", "boss", "--password-stdin", env={}, stdin="boss-pass-1\n")
    assert added.returncode == 0, added.stderr
    packets = sim.packets_in
    nobody = cli(config, *drone, "arm", env={})
    assert nobody.returncode == EXIT_USAGE and "--as USER" in nobody.stderr
    wrong = cli(config, *drone, "--as", "li", "--password-stdin", "arm", env={}, stdin="not-it\n")
    assert wrong.returncode == EXIT_REFUSED and "wrong username or password" in wrong.stderr
    observer = cli(config, *drone, "--as", "li", "takeoff", "30", env={"CC_PASSWORD": "li-pass-12"})
    assert observer.returncode == EXIT_REFUSED and "drone.arm" in observer.stderr
    forged = cli(config, *drone, "--as", "pilot-bot", "arm", env={"CC_TOKEN": "guessed"})
    assert forged.returncode == EXIT_REFUSED and "wrong service token" in forged.stderr
    assert sim.packets_in == packets and not sim.armed, "nothing reached the vehicle"
    entries = audit_entries(tmp_path)
    assert ("li", "login.failure", "user:li") in entries and ("li", "permission.denied", "user:li") in entries
    assert ("pilot-bot", "login.failure", "user:pilot-bot") in entries
    assert not [e for e in entries if e[1].startswith("drone.")]
    boss = cli(config, *drone, "--as", "boss", "mode", "GUIDED", env={"CC_PASSWORD": "boss-pass-1"})
    assert boss.returncode == EXIT_OK, boss.stderr
    assert ("boss", "drone.set_mode", "drone:uav-1") in audit_entries(tmp_path)


@pytest.mark.parametrize(("args", "reason"), [
    (("goto", "95", "118.79", "30"), "lat 95 is outside -90..90"),
    (("goto", "320200", "118.78", "50"), "lat 320200 is outside -90..90"),  # 1e-1 degrees typed as an integer
    (("goto", "32.06", "1187800", "50"), "lon 1.1878e+06 is outside -180..180"),
    (("goto", "32.06", "118.79", "-20"), "alt -20 m is below home"),
    (("goto", "32.06", "118.79", "inf"), "alt inf is not a finite number"),
    (("goto", "32.06", "118.79", "1000"), "alt 1000 m is above the maximum 120 m"),
    (("takeoff", "nan"), "alt nan is not a finite number"),
])
def test_impossible_targets_are_refused_before_sending(config: Path, sim: SimVehicle, args: tuple[str, ...],
                                                       reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    packets = sim.packets_in
    assert run(config, *args) == EXIT_USAGE
    assert reason in capsys.readouterr().err
    assert sim.packets_in == packets


def _plan_with(item: str) -> str:
    return ('{"fileType": "Plan", "version": 1, "groundStation": "QGroundControl", "geoFence": {"polygons": [], '
            '"circles": [], "version": 2}, "rallyPoints": {"points": [], "version": 2}, "mission": {"version": 2, '
            '"firmwareType": 3, "vehicleType": 2, "cruiseSpeed": 8, "hoverSpeed": 5, '
            '"plannedHomePosition": [32.0603, 118.7969, 10], "items": [' + item + ']}}')


@pytest.mark.parametrize(("item", "code", "reason"), [
    ('{"type": "SimpleItem", "command": 16, "frame": 3, "doJumpId": 1, "autoContinue": true, '
     '"params": [0, 0, 0, null, 32.0605, 118.7965, 1e9]}', EXIT_REFUSED, "item 1 (WAYPOINT): alt 1e+09 m is above"),
    ('{"type": "SimpleItem", "command": 16, "frame": 3, "doJumpId": 1, "autoContinue": true, '
     '"params": [0, 0, 0, null, 32.0605, 118.7965, Infinity]}', EXIT_USAGE,
     "mission.items[0].params[6]: inf is not a finite number"),
    ('{"type": "SimpleItem", "command": 999, "frame": 3, "doJumpId": 1, "autoContinue": true, '
     '"params": [0, 0, 0, null, 32.0605, 118.7965, 20]}', EXIT_USAGE,
     "mission.items[0].command: 999 is not a known MAV_CMD"),
    ('{"type": "SimpleItem", "command": 16, "frame": 3, "doJumpId": 1, "autoContinue": true, '
     '"params": [0, 0, 0, null, null, null, 20]}', EXIT_USAGE,
     "mission.items[0]: params[4] (lat), params[5] (lon) is null"),
])
def test_bad_plans_are_refused_before_upload(config: Path, sim: SimVehicle, tmp_path: Path, item: str, code: int,
                                             reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.plan").write_text(_plan_with(item), encoding="utf-8")
    packets = sim.packets_in
    assert run(config, "upload", str(tmp_path / "bad.plan")) == code
    assert reason in capsys.readouterr().err
    assert sim.packets_in == packets and sim.missions[mav.MAV_MISSION_TYPE_MISSION] == []
