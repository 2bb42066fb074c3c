"""The demo's drones fly in a process of their own, reached only over their MAVLink sockets."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

from pymavlink import mavutil

from commandcenter.demo.vehicle_process import VehicleProcess

PADS = [(32.0412, 118.7801), (32.0455, 118.7902)]


def test_each_drone_answers_on_its_url_at_its_pad_and_the_process_ends_with_stop() -> None:
    vehicles = VehicleProcess(PADS)
    try:
        assert len(vehicles.urls) == 2 and all(u.startswith("tcp:127.0.0.1:") for u in vehicles.urls)
        for sysid, (url, (lat, lon)) in enumerate(zip(vehicles.urls, PADS, strict=True), start=1):
            link = mavutil.mavlink_connection(url, source_system=255)
            try:
                heartbeat = link.recv_match(type="HEARTBEAT", blocking=True, timeout=20)
                assert heartbeat is not None, f"no heartbeat from {url}"
                assert heartbeat.get_srcSystem() == sysid
                position = link.recv_match(type="GLOBAL_POSITION_INT", blocking=True, timeout=20)
                assert position is not None
                assert abs(position.lat / 1e7 - lat) < 1e-4 and abs(position.lon / 1e7 - lon) < 1e-4
            finally:
                link.close()
        assert vehicles.running()
    finally:
        vehicles.stop()
    assert not vehicles.running()
