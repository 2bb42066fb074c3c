"""A simulated ArduCopter quadrotor that speaks real MAVLink 2 (pymavlink) over TCP or UDP.

It exists so that the drone link, the mission protocol, the pilot CLI and the 无人机 screen can be exercised end
to end without hardware or SITL: it is a *server* (``tcp:127.0.0.1:0`` listens, ``udp:127.0.0.1:0`` binds and
answers whoever talks to it) or a client (``udpout:host:port`` sends to a ground station's ``udpin:`` port, so
several simulated vehicles can share one link). One thread per vehicle runs a 50 Hz loop: read packets, step
simple speed-limited kinematics in local metres, send telemetry at the configured rates.

Faults are switched at run time through :attr:`SimVehicle.faults` (see :class:`SimFaults`) to test the unhappy
paths a real field day produces: a vehicle refusing to arm, denying a command, a lossy radio, a link that dies.
"""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import contextlib
import select
import socket
import threading
import time
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mav

from commandcenter.demo.mavsim.base import DEFAULT_RATES, MISSION_PROTOCOL, SimFaults
from commandcenter.demo.mavsim.flight import SimFlight
from devices.mavlink import ArduCopterModes

__all__ = ["DEFAULT_RATES", "SimFaults", "SimVehicle"]


class SimVehicle(SimFlight):
    """A simulated multicopter. ``start()`` it, point a :class:`devices.mavlink.MavlinkLink` at ``bound_port``.

    The state lives in :class:`~commandcenter.demo.mavsim.base.VehicleBase`, telemetry, commands, the mission
    protocol and the flight model in the layers of :mod:`commandcenter.demo.mavsim`; this class adds the
    transport (TCP server, UDP server or client) and the 50 Hz loop.
    """

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self, listening: socket.socket | None = None) -> SimVehicle:
        """Open the socket (so ``bound_port`` is known on return) and start the vehicle thread.

        ``listening``: a TCP socket already bound and listening (for ``tcp:`` vehicles), e.g. one the command
        center opened and handed to the process the vehicle runs in (:mod:`commandcenter.demo.vehicle_process`).
        """
        scheme, _, rest = self.listen.partition(":")
        host, _, port = rest.rpartition(":")
        if listening is not None:
            if scheme != "tcp":
                raise ValueError(f"SimVehicle {self.sysid}: a listening socket is for tcp: vehicles, not {scheme}:")
            sock = listening
        elif scheme == "tcp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, int(port)))
            sock.listen(4)
        elif scheme in ("udp", "udpin"):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((host, int(port)))
        elif scheme == "udpout":
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            self._udp_dest = (host, int(port))
            self._udp_peers[self._udp_dest] = self._parser()
        else:
            raise ValueError(f"SimVehicle listen must be tcp:, udp: or udpout:host:port, got {self.listen!r}")
        sock.setblocking(False)
        self._sock = sock
        self.bound_port = sock.getsockname()[1]
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"sim-vehicle-{self.sysid}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for client in list(self._clients):
                with contextlib.suppress(OSError):
                    client.close()
            self._clients.clear()
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def disconnect_clients(self) -> None:
        """Close every TCP client connection (the listening socket stays), as a radio bridge reboot would."""
        with self._lock:
            for client in list(self._clients):
                with contextlib.suppress(OSError):
                    client.close()
            self._clients.clear()

    @property
    def url(self) -> str:
        """The URL a ground station uses to reach this vehicle (for server modes)."""
        scheme = "tcp" if self.listen.startswith("tcp") else "udpout"
        return f"{scheme}:127.0.0.1:{self.bound_port}"

    # -- transport -----------------------------------------------------------------------------------------------

    @staticmethod
    def _parser() -> Any:
        parser = mav.MAVLink(None)
        parser.robust_parsing = True
        return parser

    def _transmit(self, buf: bytes) -> None:
        if self.faults.link_loss:
            return
        with self._lock:
            sock = self._sock
            if sock is None:
                return
            if self.listen.startswith("tcp"):
                for client in list(self._clients):
                    try:
                        client.sendall(buf)
                    except OSError:
                        self._clients.pop(client, None)
                        with contextlib.suppress(OSError):
                            client.close()
            else:
                for peer in list(self._udp_peers):
                    with contextlib.suppress(OSError):
                        sock.sendto(buf, peer)

    def _receive(self, timeout: float) -> list[Any]:
        """Wait up to ``timeout`` for input; return decoded messages (empty while the link is 'lost')."""
        with self._lock:
            sock = self._sock
            readable = [sock, *self._clients] if sock is not None else []
        if not readable:
            time.sleep(timeout)
            return []
        try:
            ready, _, _ = select.select(readable, [], [], timeout)
        except (OSError, ValueError):
            return []
        messages: list[Any] = []
        for s in ready:
            if s is sock and self.listen.startswith("tcp"):
                with contextlib.suppress(OSError):
                    client, _ = sock.accept()
                    client.setblocking(False)
                    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    with self._lock:
                        self._clients[client] = self._parser()
                    self._greet = True
                continue
            try:
                if s is sock:
                    data, peer = sock.recvfrom(65535)
                    parser = self._udp_peers.get(peer)
                    if parser is None:
                        parser = self._udp_peers[peer] = self._parser()
                        self._greet = True
                else:
                    data = s.recv(65535)
                    parser = self._clients.get(s)
                    if not data:
                        raise ConnectionResetError("closed")
            except BlockingIOError:
                continue
            except OSError:
                with self._lock:
                    self._clients.pop(s, None)
                with contextlib.suppress(OSError):
                    s.close()
                continue
            if self.faults.link_loss or parser is None:
                continue
            messages.extend(parser.parse_buffer(data) or [])
        return messages

    # -- main loop -----------------------------------------------------------------------------------------------

    def _run(self) -> None:
        last = time.monotonic()
        next_heartbeat = last
        while not self._stop.is_set():
            now = time.monotonic()
            wait = max(0.0, last + self.tick - now)
            for msg in self._receive(wait):
                self._dispatch(msg)
            now = time.monotonic()
            if now - last >= self.tick:
                with self._lock:
                    self._step((now - last) * self.time_scale)
                last = now
                self._telemetry(now)
                self._mission_timers(now)
            if now >= next_heartbeat or self._greet:
                self._greet = False
                next_heartbeat = now + 1.0
                if not self.faults.no_heartbeat:
                    self._heartbeat()

    def _dispatch(self, msg: Any) -> None:
        mtype = msg.get_type()
        if mtype == "BAD_DATA":
            return
        self.packets_in += 1
        target = getattr(msg, "target_system", None)
        if target not in (None, 0, self.sysid):
            return
        if mtype in MISSION_PROTOCOL:
            copies = 2 if self.faults.duplicate_mission else 1
            for _ in range(copies):
                if self.rng.random() >= self.faults.drop_mission_ratio:
                    with self._lock:
                        self._on_mission(msg, mtype)
            return
        with self._lock:
            if mtype == "COMMAND_LONG":
                self._on_command(msg, msg.command, [msg.param1, msg.param2, msg.param3, msg.param4, msg.param5,
                                                    msg.param6, msg.param7], None)
            elif mtype == "COMMAND_INT":
                self._on_command(msg, msg.command, [msg.param1, msg.param2, msg.param3, msg.param4, 0, 0, msg.z],
                                 (msg.x / 1e7, msg.y / 1e7, float(msg.z)))
            elif mtype == "SET_MODE":
                self._change_mode(ArduCopterModes.MODES.get(msg.custom_mode, ""))
