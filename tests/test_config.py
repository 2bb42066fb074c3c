"""The TOML config: the example documents every key and loads; bad files are refused with file, line and key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from commandcenter import config as cfg
from commandcenter.config import ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parent.parent / "resources" / "config.example.toml"


def test_example_config_loads_with_every_section() -> None:
    config = load_config(EXAMPLE)
    assert config.cameras[0].id == "xjk-01" and config.cameras[0].group == "新街口"
    assert config.drones[0].url == "tcp:127.0.0.1:5760"
    assert config.trackers.jt808 is not None and config.trackers.jt808.accept_unknown is False
    assert config.trackers.nmea[0].unit == "officer-017"
    assert config.vehicles[0].terminal == "013912345678"
    assert config.open311 is not None and config.open311.port == 8311
    assert [(s.team, s.name, s.start, s.end) for s in config.shifts] == [("一中队", "白班", "08:00", "20:00"),
                                                                      ("一中队", "夜班", "20:00", "08:00")]
    assert config.ai.frigate is not None and config.ai.frigate.cameras == {"front_door": "xjk-01"}
    assert config.ai.isapi is not None and config.ai.isapi.rules[0].event == "fielddetection"


def _keys(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls) if f.name != "source"}


@pytest.mark.parametrize("cls", [cfg.DatabaseConfig, cfg.UiConfig, cfg.MapConfig, cfg.CameraConfig, cfg.DroneConfig,
                                 cfg.Jt808Config, cfg.OsmAndConfig, cfg.NmeaConfig, cfg.VehicleConfig,
                                 cfg.OfficerConfig, cfg.SensorConfig, cfg.UserConfig, cfg.Open311Config,
                                 cfg.SimulatorConfig, cfg.ListenersConfig, cfg.FrigateConfig, cfg.IsapiConfig,
                                 cfg.ShiftConfig])
def test_every_key_is_documented_in_the_example(cls: type) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    missing = [k for k in _keys(cls) if f"\n{k} =" not in text]
    assert not missing, f"{cls.__name__} keys missing from config.example.toml: {missing}"


@pytest.mark.parametrize(("text", "where", "what"), [
    ('[ui]\nlanguag = "zh"\n', "bad.toml:2", "unknown key"),
    ('[ui]\nlanguage = "fr"\n', "bad.toml:2", "expected one of"),
    ('[map]\nzoom = "near"\n', "bad.toml:2", "expected a number"),
    ('[[cameras]]\nid = "a"\nurl = "rtsp://h/a"\n[[cameras]]\nid = "b"\nurl = "ftp://h/b"\n', "bad.toml:6",
     "unsupported URL scheme"),
    ('[[cameras]]\nname = "x"\nurl = "rtsp://h/a"\n', "bad.toml:1", "cameras[0].id: is required"),
    ('[[cameras]]\nid = "a"\nurl = "rtsp://h/a"\n[[cameras]]\nid = "a"\nurl = "rtsp://h/b"\n', "bad.toml",
     "duplicate id"),
    ('[trackers.jt808]\nport = 99999\n', "bad.toml:2", "out of range"),
    ('[[drones]]\nid = "u"\nurl = "tcp:h:1"\nfirmware = "dji"\n', "bad.toml:4", "ardupilot or px4"),
    ('[[users]]\nusername = "a"\nrole = "boss"\n', "bad.toml:3", "expected one of"),
    ('[map]\ntile_url = "http://t/{z}/{x}.png"\n', "bad.toml:2", "{y}"),
    ('cameras = 3\n', "bad.toml:1", "array of tables"),
    ('[ui\n', "bad.toml", "not valid TOML"),
    ('[[shifts]]\nteam = "一中队"\nstart = "8:00"\n', "bad.toml:3", "shifts[0].start: '8:00' is not a time of day"),
    ('[[shifts]]\nteam = "一中队"\nend = "24:00"\n', "bad.toml:3", "shifts[0].end: '24:00' is not a time of day"),
    ('[[shifts]]\nteam = " "\nstart = "08:00"\n', "bad.toml:2", "shifts[0].team: a shift needs the team"),
    ('[ai.frigate]\nmqtt_url = "http://h:1"\n', "bad.toml:2", "ai.frigate.mqtt_url: expected mqtt://"),
    ('[ai.frigate]\nmqtt_url = "mqtt://h:1"\ncameras = { a = "nope" }\n', "bad.toml:3",
     "ai.frigate.cameras: 'a' maps to 'nope', which is not a [[cameras]] id"),
    ('[ai.frigate]\nmqtt_url = "mqtt://h:1"\nrules = [{ label = "person", category = "SJ0101", min_score = 2 }]\n',
     "bad.toml", "ai.frigate.rules[0].min_score: 2.0 is out of range"),
    ('[ai.frigate]\nmqtt_url = "mqtt://h:1"\nrules = [{ label = "person" }]\n', "bad.toml",
     "ai.frigate.rules[0].category: is required"),
    ('[ai.isapi]\ncameras = { "192.168.1.64" = "c" }\n', "bad.toml:2", "is not \"ipAddress/channelID\""),
    ('[ai.isapi]\nrules = [{ event = "fielddetection", category = "SJ0101", colour = "red" }]\n', "bad.toml",
     "ai.isapi.rules[0].colour: unknown key"),
])
def test_bad_config_is_refused_with_location_and_expectation(text: str, where: str, what: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "bad.toml")
    message = str(err.value)
    assert message.startswith(where), message
    assert what in message


def test_missing_and_non_utf8_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("[ui]\nuser = '张三'\n".encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_vehicles_pin_their_terminal_registration_data() -> None:
    from commandcenter.runtime.links import terminal_pins
    from devices.jt808 import TerminalPin

    config = parse_config('[[vehicles]]\nid = "hw-1"\nterminal = "013912345678"\nterminal_plate = "苏AH0001"\n'
                          'terminal_maker = "CCTST"\n\n[[vehicles]]\nid = "hw-2"\nterminal = "013912345679"\n')
    assert terminal_pins(config) == {"013912345678": TerminalPin("苏AH0001", "CCTST", "", "")}
    with pytest.raises(ConfigError, match=r"vehicles\[0\].terminal: vehicle 'hw-3' pins terminal registration"):
        parse_config('[[vehicles]]\nid = "hw-3"\nterminal_id = "1234567"\n')
