"""The demo's simulated drones in a process of their own, the way real drones are outside the command center.

Each simulated multicopter runs a 50 Hz loop in Python (kinematics, MAVLink telemetry at the rates the ground
station asked for). Inside the command center those loops held the interpreter lock about a sixth of the time
it was held at all (py-spy, demo at 2,000 units), and the GUI thread, which re-acquires the lock around nearly
every Qt call, queued behind them. In a process of their own, at the simulated world's lower CPU priority,
they cost the command center only the MAVLink sockets, exactly as a radio link to a real drone does.

    command center (parent)                             vehicle process
      VehicleProcess(pads)  binds one TCP listening socket per drone here (its URL is known at once), then
        spawns  ── the sockets (inherited descriptors) and [sysid, lat, lon] ──▶  SimVehicle per socket
      the drone links connect (queued by the kernel until the vehicle accepts)
      stop()  ── stdin closed ────────────────────────────────────────────▶  stops its vehicles and exits
                                                                              (also when the parent dies)
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

from commandcenter.demo.niceness import await_exit, niced

__all__ = ["VehicleProcess"]

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]  # the checkout holding commandcenter/ and devices/


class VehicleProcess:
    """Simulated drones at ``pads`` (lat, lon), system ids 1, 2, …, each at :attr:`urls` [i] (``tcp:`` MAVLink)."""

    def __init__(self, pads: list[tuple[float, float]], *, niceness: int = 0) -> None:
        listening = []
        try:
            for _ in pads:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listening.append(sock)
                sock.bind(("127.0.0.1", 0))
                sock.listen(4)
            self.urls = [f"tcp:127.0.0.1:{sock.getsockname()[1]}" for sock in listening]
            vehicles = [[i + 1, lat, lon, sock.fileno()] for i, ((lat, lon), sock) in enumerate(zip(pads, listening,
                                                                                                  strict=True))]
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(
                p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
            self._process = subprocess.Popen(
                niced([sys.executable, "-m", "commandcenter.demo.vehicle_process", json.dumps(vehicles)], niceness),
                cwd=ROOT, env=env, stdin=subprocess.PIPE, pass_fds=[sock.fileno() for sock in listening])
        finally:
            for sock in listening:  # the child has its own copies; the parent never accepts
                sock.close()

    @property
    def pid(self) -> int:
        return self._process.pid

    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        """Close the child's stdin: it stops its vehicles and exits (killed if it does not within 5 s)."""
        if self._process.stdin is not None:
            try:
                self._process.stdin.close()
            except OSError:
                pass
        await_exit(self._process, "vehicle process")


# ---------------------------------------------------------------------------------------------------- the child
def main(argv: list[str]) -> int:
    """Run a SimVehicle on each inherited listening socket until stdin ends."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="drones: %(levelname)s %(message)s")
    from commandcenter.demo.mav_vehicle import SimVehicle

    vehicles = []
    try:
        for sysid, lat, lon, fd in json.loads(argv[0]):
            listening = socket.socket(fileno=int(fd))
            vehicles.append(SimVehicle(int(sysid), float(lat), float(lon), listen="tcp:127.0.0.1:0")
                            .start(listening))
        sys.stdin.read()  # until the command center closes it (or dies)
    finally:
        for vehicle in vehicles:
            vehicle.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
