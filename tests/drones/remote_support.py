"""A hall for the remote-command tests: a server built by ``compose.build`` with a simulated vehicle on its drone
link, and seats reaching it over a bus (in-process, or MqttBus through a real Mosquitto)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commandcenter.bus.api import Bus
from commandcenter.config import parse_config
from commandcenter.demo.mav_vehicle import SimVehicle
from commandcenter.drones.remote import RemoteCommander, attach_command_server, seat_sessions
from commandcenter.enforcement.published import PUBLISHED_PASSWORDS
from commandcenter.enforcement.seats import SeatSession
from commandcenter.runtime.compose import Services, build

SEAT = "pilot-seat"


@dataclass
class Hall:
    """A server's services with a vehicle on its drone link; seats reach it through ``seat_bus``."""

    services: Services
    sim: SimVehicle
    bus: Bus  # the server's
    seat_bus: Bus

    def session(self, user: str, seat: str = SEAT) -> SeatSession:
        """``user`` logs in at ``seat`` (the seat shares the server's database)."""
        return seat_sessions(self.services).open(user, PUBLISHED_PASSWORDS[user], seat)

    def seat(self, session: SeatSession, seat: str = SEAT) -> RemoteCommander:
        """A seat's commander as such (its permission hints from the shared database), used directly: the
        server's refusals are what these tests look at."""
        enforcement = self.services.enforcement
        return RemoteCommander(self.seat_bus, seat, session, allowed=enforcement.authorizer.allowed,
                               authorize=enforcement.authorize)

    def records(self, actor: str) -> list[tuple[str, str]]:
        self.services.store.flush()
        return [(e.action, e.subject) for e in self.services.enforcement.audit.entries(actor=actor)
                if e.action.startswith(("drone.", "permission.", "seat.session.refused"))]


def demo_accounts(services: Services) -> None:
    from commandcenter.demo.database import mark_demo_database
    from commandcenter.demo.users import create_demo_users

    mark_demo_database(services.store)  # the demo's pilot / observer accounts only go into a demo database
    create_demo_users(services.store)


def server_services(tmp_path: Path, sim: SimVehicle) -> Services:
    """A server as compose.build makes it: the vehicle is a configured drone on its own MAVLink link."""
    config = parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "hall.db"}"\n\n'
                          f'[[drones]]\nid = "uav-1"\nname = "巡查1号"\nurl = "{sim.url}"\n', "server.toml")
    services = build(config)
    demo_accounts(services)
    return services


def start_hall(qtbot: Any, tmp_path: Path, sim: SimVehicle, bus: Bus, seat_bus: Bus, *,
               as_server: bool = False) -> Hall:
    """Build the server on ``bus``, attach its command service, start it and wait until it sees the vehicle.

    ``as_server``: wired as ``commandcenter serve`` does, the bus bridge (which connects the bus on start) first.
    """
    services = server_services(tmp_path, sim)
    try:
        if as_server:
            from commandcenter.bus.bridge import attach_server

            attach_server(services, bus)
        attach_command_server(services, bus)
        services.start()
        qtbot.waitUntil(lambda: (s := services.fleet.state("uav-1")) is not None and s.gps_fix == 3
                        and s.home_lat is not None and services.fleet.route("uav-1") is not None, timeout=10000)
    except BaseException:
        services.stop()
        raise
    return Hall(services, sim, bus, seat_bus)


def answer(qtbot: Any, future: Future[Any], timeout_ms: int = 15000) -> Any:
    """The seat's answer to a command, waiting with the Qt loop running (replies arrive on the bus's thread)."""
    qtbot.waitUntil(future.done, timeout=timeout_ms)
    return future.result()
