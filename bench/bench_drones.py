"""Drone operations: MAVLink decode rate, mission upload time, GUI responsiveness under a 10-drone fleet.

* ``parse``: MAVLink messages/s decoded by :class:`devices.mavlink.MavlinkLink` (receive thread, state update,
  snapshot emission) from a TCP peer streaming a realistic telemetry mix as fast as the link reads; plus the
  bare pymavlink parser rate for context;
* ``mission_upload``: seconds to upload 100 waypoints to the simulated vehicle on loopback UDP, median of a few
  runs, without loss and with 20% of mission packets dropped each way;
* ``gui``: lateness of a 10 ms QTimer on the GUI thread (max and p99) while a DroneFleet and the DronesScreen
  receive 10 simulated vehicles streaming position/attitude/VFR_HUD at 50 Hz (vehicles in a child process, so
  the GUI process holds only what the real application holds: the link thread, the batcher and the GUI).

``python -m bench.bench_drones [--quick]`` prints the JSON; ``python -m bench`` includes it.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MAVLINK20", "1")

HOME = (32.0603, 118.7969)


def _free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _telemetry_frames(count: int = 256) -> bytes:
    """``count`` consecutive frames (seq 0..count-1) of a typical ArduCopter telemetry mix."""
    from pymavlink.dialects.v20 import ardupilotmega as mav

    class Sink:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, buf: bytes) -> None:
            self.data += buf

    sink = Sink()
    m = mav.MAVLink(sink, srcSystem=1, srcComponent=1)
    for i in range(count):
        kind = i % 8
        if kind == 0:
            m.heartbeat_send(mav.MAV_TYPE_QUADROTOR, mav.MAV_AUTOPILOT_ARDUPILOTMEGA, 209, 4, 4)
        elif kind in (1, 5):
            m.global_position_int_send(i, 320603000 + i, 1187969000 + i, 32000, 20000, 100, 50, 0, 9000)
        elif kind in (2, 6):
            m.attitude_send(i, 0.05, -0.02, 1.5, 0.0, 0.0, 0.0)
        elif kind == 3:
            m.vfr_hud_send(5.0, 5.2, 90, 50, 32.0, 0.1)
        elif kind == 4:
            m.sys_status_send(0, 0, 0, 250, 15800, 1800, 76, 0, 0, 0, 0, 0, 0)
        else:
            m.gps_raw_int_send(i * 1000, 3, 320603000, 1187969000, 32000, 80, 120, 500, 9000, 14)
    return bytes(sink.data)


def bench_parse(quick: bool) -> dict[str, Any]:
    from pymavlink.dialects.v20 import ardupilotmega as mav

    from devices.mavlink import MavlinkLink

    block = _telemetry_frames()
    repeats = 60 if quick else 250
    total = 256 * repeats
    parser = mav.MAVLink(None)
    started = time.perf_counter()
    parsed = 0
    for _ in range(repeats // 5 or 1):
        parsed += len(parser.parse_buffer(block) or [])
    parser_rate = parsed / (time.perf_counter() - started)

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    link = MavlinkLink("bench", f"tcp:127.0.0.1:{port}", rates={})
    events = [0]

    def sink(_event: Any) -> None:
        events[0] += 1

    stop = threading.Event()
    thread = threading.Thread(target=link.serve, args=(sink, stop), daemon=True)
    thread.start()
    client, _ = server.accept()
    started = time.perf_counter()
    for _ in range(repeats):
        client.sendall(block)
    deadline = time.monotonic() + 120
    while link.stats.messages < total and time.monotonic() < deadline:
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    stop.set()
    client.close()
    thread.join(timeout=5)
    server.close()
    return {"messages": link.stats.messages, "seconds": round(elapsed, 3),
            "adapter_msgs_per_s": round(link.stats.messages / elapsed),
            "pymavlink_parser_only_msgs_per_s": round(parser_rate),
            "events_emitted": events[0]}


def bench_mission(quick: bool) -> dict[str, Any]:
    from commandcenter.demo.mav_vehicle import SimVehicle
    from devices.mavlink import MavlinkLink, MissionWireItem

    items = [MissionWireItem(seq=i, frame=3, command=16, x=320600000 + 100 * i, y=1187960000 + 70 * i, z=30.0)
             for i in range(100)]
    runs = 3 if quick else 5
    lossy_runs = 2 if quick else 3
    sim = SimVehicle(1, *HOME, listen="udp:127.0.0.1:0", mission_retry_s=0.1, seed=11).start()
    link = MavlinkLink("bench", sim.url, mission_timeout=0.3, mission_retries=20)
    stop = threading.Event()
    thread = threading.Thread(target=link.serve, args=(lambda e: None, stop), daemon=True)
    thread.start()
    try:
        if link.wait_vehicle(1, 5) is None:
            raise RuntimeError("simulated vehicle did not answer")
        result: dict[str, Any] = {"waypoints": len(items)}
        for name, loss, count in (("no_loss", 0.0, runs), ("loss_20pct", 0.2, lossy_runs)):
            sim.faults.drop_mission_ratio = loss
            times = []
            for _ in range(count):
                started = time.perf_counter()
                outcome = link.upload_items(1, items)
                times.append(time.perf_counter() - started)
                if not outcome.ok:
                    raise RuntimeError(f"upload failed: {outcome.describe()}")
            result[f"{name}_median_s"] = round(statistics.median(times), 3)
            result[f"{name}_runs_s"] = [round(t, 3) for t in times]
        return result
    finally:
        stop.set()
        thread.join(timeout=5)
        sim.stop()


def _fleet_main(port: int, vehicles: int) -> None:
    """Child process: ``vehicles`` flying simulated copters streaming to ``udpin`` ``port`` until stdin closes."""
    import math

    from commandcenter.demo.mav_vehicle import SimVehicle

    fast = {"GLOBAL_POSITION_INT": 50.0, "ATTITUDE": 50.0, "VFR_HUD": 50.0, "SYS_STATUS": 2.0,
            "BATTERY_STATUS": 1.0, "GPS_RAW_INT": 5.0, "HOME_POSITION": 0.5, "EXTENDED_SYS_STATE": 1.0,
            "MISSION_CURRENT": 1.0}
    sims = []
    for k in range(vehicles):
        sim = SimVehicle(k + 1, HOME[0] + 0.001 * math.cos(k), HOME[1] + 0.001 * math.sin(k),
                         listen=f"udpout:127.0.0.1:{port}", rates=dict(fast), tick_hz=50.0)
        # a bench shortcut: every vehicle in the air flying a 300 m leg (the link asks for no rate changes)
        sim.armed, sim.mode, sim.alt = True, "GUIDED", 30.0
        sim.target = (300.0 * math.cos(k), 300.0 * math.sin(k), 40.0)
        sims.append(sim.start())
    print("ready", flush=True)
    sys.stdin.read()
    for sim in sims:
        sim.stop()


def bench_gui(quick: bool) -> dict[str, Any]:
    from PySide6.QtCore import QObject, QTimer, Signal
    from PySide6.QtWidgets import QApplication

    from commandcenter.drones.fleet import DroneFleet, LinkCommander
    from commandcenter.runtime.tasks import TaskManager
    from devices.mavlink import MavlinkLink
    from widgets.drones import DronesScreen

    vehicles = 10
    duration = 4.0 if quick else 10.0
    app = QApplication.instance() or QApplication([])
    port = _free_port()
    link = MavlinkLink("fleet", f"udpin:127.0.0.1:{port}", rates={})
    fleet = DroneFleet()
    tasks = TaskManager(name="bench-drones")
    commander = LinkCommander.for_fleet(fleet, {"fleet": link}, tasks=tasks)
    screen = DronesScreen(fleet, commander)
    screen.resize(1920, 1080)
    screen.show()

    class Batcher(QObject):
        """What the runtime's DeviceManager does: swap the buffer every 50 ms, one queued signal per batch."""

        events = Signal(list)

    batcher = Batcher()
    batcher.events.connect(fleet.apply)
    buffer: list[Any] = []
    lock = threading.Lock()
    stop = threading.Event()
    delivered = [0, 0]  # events, batches

    def sink(event: Any) -> None:
        with lock:
            buffer.append(event)

    def batch_loop() -> None:
        nonlocal buffer
        while not stop.wait(0.05):
            with lock:
                batch, buffer = buffer, []
            if batch:
                delivered[0] += len(batch)
                delivered[1] += 1
                batcher.events.emit(batch)

    link_thread = threading.Thread(target=link.serve, args=(sink, stop), daemon=True)
    link_thread.start()
    batch_thread = threading.Thread(target=batch_loop, daemon=True)
    batch_thread.start()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen([sys.executable, "-c", f"from bench.bench_drones import _fleet_main; "
                              f"_fleet_main({port}, {vehicles})"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env, cwd=root)
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("simulated fleet did not start")
        changed = [0]
        fleet.changed.connect(lambda ids: changed.__setitem__(0, changed[0] + 1))
        warmup_until = time.monotonic() + 2.0
        while time.monotonic() < warmup_until:  # let all vehicles appear and the screen settle
            app.processEvents()
            time.sleep(0.005)
        lateness: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            lateness.append(max(0.0, (now - last[0]) * 1000.0 - 10.0))
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        messages_before = link.stats.messages
        changed[0] = 0
        started = time.monotonic()
        last[0] = time.perf_counter()
        timer.start()
        while time.monotonic() - started < duration:
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        elapsed = time.monotonic() - started
        ordered = sorted(lateness)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
        return {
            "vehicles_seen": len(fleet.ids()),
            "seconds": round(elapsed, 1),
            "mavlink_msgs_per_s": round((link.stats.messages - messages_before) / elapsed),
            "fleet_change_notifications_per_s": round(changed[0] / elapsed, 1),
            "timer_ticks": len(lateness),
            "timer_lateness_max_ms": round(max(lateness, default=0.0), 2),
            "timer_lateness_p99_ms": round(p99, 2),
            "timer_lateness_median_ms": round(statistics.median(lateness), 2) if lateness else 0.0,
        }
    finally:
        tasks.stop()
        if child.stdin is not None:
            child.stdin.close()  # the child's signal to stop
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        stop.set()
        link_thread.join(timeout=5)
        batch_thread.join(timeout=5)
        commander.shutdown()
        screen.close()
        screen.deleteLater()


def run(quick: bool = False) -> dict[str, Any]:
    return {"parse": bench_parse(quick), "mission_upload": bench_mission(quick), "gui": bench_gui(quick)}


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
