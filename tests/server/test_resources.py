"""What ships for running the server: the systemd unit and the commented server and seat configs."""

from __future__ import annotations

import configparser
from pathlib import Path

from commandcenter.config import load_config

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def test_the_example_server_and_seat_configs_load_and_split_the_roles() -> None:
    server = load_config(RESOURCES / "server.example.toml")
    seat = load_config(RESOURCES / "seat.example.toml")
    assert server.bus is not None and server.bus.url.startswith("mqtt://") and server.bus.username
    assert server.trackers.jt808 is not None and server.trackers.osmand is not None and server.open311 is not None
    # a seat holds [database] url and [bus], and nothing that listens or links
    assert seat.database.url and seat.bus is not None and seat.bus.username
    assert (seat.trackers.jt808, seat.trackers.osmand, seat.trackers.nmea, seat.open311, seat.drones) == (
        None, None, [], None, [])
    text = (RESOURCES / "seat.example.toml").read_text(encoding="utf-8")
    assert not [line for line in text.splitlines() if line.startswith(("[trackers", "[open311", "[[drones"))]
    assert text.count("#") > 10  # commented


def test_the_systemd_unit_runs_serve_as_a_hardened_notify_service() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(RESOURCES / "systemd" / "commandcenter.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Type"] in ("notify", "simple") and service["Restart"] == "on-failure"
    assert service["User"] == "commandcenter" and "serve --config /etc/commandcenter/server.toml" in service["ExecStart"]
    for setting in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "RestrictAddressFamilies",
                    "SystemCallFilter", "CapabilityBoundingSet"):
        assert setting in service, setting
    assert service["KillSignal"] == "SIGTERM" and unit["Install"]["WantedBy"] == "multi-user.target"
