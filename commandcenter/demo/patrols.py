"""Demo drone patrols: the simulated drones take off and fly perimeter patrols over the district's control zones.

This is what a pilot would do at the start of a shift — through the same commander the pilot screen uses (guided
mode, arm, take-off, upload a validated mission, start it), so the demo exercises the real command path over
MAVLink. It runs on its own thread; a refused command is logged with the vehicle's reason and the patrol of that
drone is abandoned, as a pilot would.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from commandcenter.drones.fleet import DroneCommander, DroneFleet
from commandcenter.drones.missions import MissionPlan, perimeter_orbit

log = logging.getLogger(__name__)
LatLon = tuple[float, float]
VEHICLE_WAIT_S = 120.0  # how long a patrol waits for its drone's first heartbeat before trying anyway
RETRY_PAUSE_S = 2.0  # between attempts at a refused or timed-out step


def fly_demo_patrols(commander: DroneCommander, fleet: DroneFleet, drone_ids: Sequence[str],
                     zones: Sequence[tuple[str, Sequence[LatLon]]], *, alt: float = 60.0,
                     on_event: Callable[[str], None] | None = None, stop: threading.Event | None = None) -> None:
    """Start a thread that sends each drone around one zone (name, ring), laps repeated."""
    stop = stop or threading.Event()

    def say(text: str) -> None:
        log.info(text)
        if on_event is not None:
            on_event(text)

    def fly(drone_id: str, zone_name: str, ring: Sequence[LatLon]) -> None:
        # A pilot starts once the vehicle is on the link: on a loaded machine the simulated vehicles' process
        # takes a while to send its first heartbeat, and a command before it is refused (NO_VEHICLE).
        deadline = time.monotonic() + VEHICLE_WAIT_S
        while ((fleet.route(drone_id) is None or fleet.link(drone_id) != "ok") and time.monotonic() < deadline
               and not stop.is_set()):
            time.sleep(0.2)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("GUIDED", lambda: commander.set_mode(drone_id, "GUIDED")),
            ("解锁", lambda: commander.arm(drone_id)),
            ("起飞", lambda: commander.takeoff(drone_id, alt)),
        ]
        for label, step in steps:
            for attempt in range(3):  # a busy link can time a command out; a pilot simply tries again
                if stop.is_set():
                    return
                result = step().result(30)  # type: ignore[attr-defined]
                if result.ok:
                    break
                log.info("%s %s attempt %d: %s %s", drone_id, label, attempt + 1, result.result_name, result.text)
                stop.wait(RETRY_PAUSE_S)  # … after a moment, not at once
            else:
                say(f"{fleet.name(drone_id)} {label} 被拒绝: {result.result_name} {result.text}".strip())
                return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not stop.is_set():
            state = fleet.state(drone_id)
            if state is not None and (state.alt_rel or 0.0) > alt * 0.8:
                break
            time.sleep(0.3)
        if stop.is_set():
            return
        plan = MissionPlan()
        plan.mission = perimeter_orbit(list(ring), margin_m=40.0, alt=alt, laps=20)
        uploaded = commander.upload_plan(drone_id, plan).result(60)
        if not uploaded.ok:
            say(f"{fleet.name(drone_id)} 航线上传失败: {uploaded.result_name} {uploaded.text}".strip())
            return
        started = commander.start_mission(drone_id).result(20)
        if started.ok:
            say(f"{fleet.name(drone_id)} 开始巡查 {zone_name}")
        else:
            say(f"{fleet.name(drone_id)} 执行航线被拒绝: {started.result_name} {started.text}".strip())

    def fly_safely(drone_id: str, zone_name: str, ring: Sequence[LatLon]) -> None:
        try:
            fly(drone_id, zone_name, ring)
        except Exception as exc:  # a timeout or a lost link: say so, like a pilot would
            if stop.is_set():  # the demo is closing: its links are going away, nothing to report
                return
            say(f"{fleet.name(drone_id)} 巡查中止: {type(exc).__name__} {exc}".strip())

    def run() -> None:
        threads = [threading.Thread(target=fly_safely, args=(d, *zones[i % len(zones)]), daemon=True,
                                    name=f"patrol-{d}") for i, d in enumerate(drone_ids) if zones]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    threading.Thread(target=run, name="demo-patrols", daemon=True).start()
