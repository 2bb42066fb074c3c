"""The fleet on the pilot's map: every vehicle (health colour, heading, trail, home) and the mission each one
actually holds, downloaded from the vehicle off the GUI thread when it is selected and whenever the mission
count it reports changes — only for a user who may download missions (an observer's screen sends nothing)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Signal

from commandcenter.drones.fleet import DroneFleet
from commandcenter.drones.missions import MissionPlan
from widgets.drones.map_panel import DroneMapPanel
from widgets.drones.runner import may_send
from widgets.drones.status import health_colour


class FleetOnMap(QObject):
    """Draws the fleet into ``map``; ``active_plans[drone id]`` is what that vehicle reported it will fly."""

    _downloaded = Signal(str, object, int)  # drone id, (CommandResult, MissionPlan) or exception, mission count

    def __init__(self, fleet: DroneFleet, commands: Any, map_panel: DroneMapPanel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fleet = fleet
        self.commands = commands
        self.map = map_panel
        self.selected: str | None = None
        self.active_plans: dict[str, MissionPlan] = {}
        self._counts: dict[str, int] = {}
        self._loading: set[str] = set()
        self._again: set[str] = set()
        self._drawn: dict[str, tuple[int, int, bool]] = {}
        self._downloaded.connect(self._on_downloaded)

    def vehicles_changed(self, ids: list[str]) -> None:
        """Fetch the missions whose count changed, then redraw."""
        for drone_id in ids:
            state = self.fleet.state(drone_id)
            if state is not None and state.mission_total != self._counts.get(drone_id, 0):
                self.refresh_active(drone_id)
        self.draw()

    def select(self, drone_id: str | None) -> None:
        self.selected = drone_id
        if drone_id is not None:
            self.refresh_active(drone_id, force=True)
        self.draw()

    def draw(self) -> None:
        vehicles = []
        trails = {}
        homes = []
        for drone_id in self.fleet.ids():
            state = self.fleet.state(drone_id)
            if state is None or state.lat is None or state.lon is None:
                continue
            colour = health_colour(self.fleet.link(drone_id), state)
            heading = state.heading if state.heading is not None else state.yaw
            vehicles.append((drone_id, state.lat, state.lon, heading, colour, drone_id == self.selected))
            trails[drone_id] = self.fleet.trail(drone_id)
            if state.home_lat is not None and state.home_lon is not None:
                homes.append((state.home_lat, state.home_lon))
        if vehicles:
            self.map.show_vehicles(vehicles, trails, homes)
        for drone_id, plan in self.active_plans.items():
            state = self.fleet.state(drone_id)
            key = (id(plan), state.mission_seq if state else 0, drone_id == self.selected)
            if self._drawn.get(drone_id) != key:  # redraw on a new plan, target or selection only
                self._drawn[drone_id] = key
                self.map.show_active(drone_id, plan, key[1], key[2])

    def refresh_active(self, drone_id: str, force: bool = False) -> None:
        """Download what ``drone_id`` will fly, unless already known for its current mission count."""
        state = self.fleet.state(drone_id)
        if state is None or not hasattr(self.commands, "download_plan") or not may_send(self.commands,
                                                                                          "download_plan"):
            return  # a watcher without drone.command sees the vehicles, not what they will fly
        count = state.mission_total
        if not force and self._counts.get(drone_id) == count and drone_id in self.active_plans:
            return
        if drone_id in self._loading:
            self._again.add(drone_id)  # changed while downloading: fetch again when this one is done
            return
        self._counts[drone_id] = count
        self._loading.add(drone_id)

        def done(f: Future[Any]) -> None:
            try:
                payload: Any = f.result()
            except Exception as exc:  # reported like a refused download
                payload = exc
            try:
                self._downloaded.emit(drone_id, payload, count)  # queued to the GUI thread
            except RuntimeError:  # the screen was closed meanwhile
                pass

        self.commands.download_plan(drone_id).add_done_callback(done)

    def _on_downloaded(self, drone_id: str, payload: Any, _count: int) -> None:
        self._loading.discard(drone_id)
        if isinstance(payload, tuple) and payload[0].ok:
            self.active_plans[drone_id] = payload[1]
            self._drawn.pop(drone_id, None)
            self.draw()
        else:
            self._counts.pop(drone_id, None)  # try again on the next change
        if drone_id in self._again:
            self._again.discard(drone_id)
            self.refresh_active(drone_id, force=True)
