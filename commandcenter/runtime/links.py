"""The link factory: the only code that turns configuration into device adapters.

Like QGroundControl's LinkManager, one place knows every protocol's constructor; the DeviceManager then runs
whatever it is given. Adding a protocol means one function here and one module in ``devices/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from commandcenter import paths
from commandcenter.config import Config
from commandcenter.runtime.fdlimits import ListenerLimits, listener_limits
from devices.base import Adapter
from devices.jt808 import Jt808Server, RegistrationStore, TerminalPin
from devices.mavlink import MavlinkLink
from devices.nmea import NmeaSerialReader
from devices.osmand import OsmAndServer


@dataclass
class BuiltLink:
    adapter: Adapter
    listener: bool
    stale_after: float


def tracker_links(config: Config, knows_device: Callable[[str], bool],
                  limits: ListenerLimits | None = None, *,
                  registrations: RegistrationStore | None = None) -> list[BuiltLink]:
    """Listeners and serial readers for the configured trackers (JT/T 808, OsmAnd, NMEA).

    ``limits``: connection caps and timeouts fitted to the open-files limit (default: computed here).
    ``registrations``: where the JT/T 808 listener keeps registrations across restarts (None: in memory only).
    """
    limits = limits or listener_limits(config)
    links: list[BuiltLink] = []
    trackers = config.trackers
    if trackers.jt808 is not None:
        jt = trackers.jt808
        links.append(BuiltLink(Jt808Server("jt808", jt.host, jt.port, jt.accept_unknown, knows_device,
                                           idle_timeout=limits.jt808_idle_timeout_s,
                                           max_clients=limits.jt808_max_connections,
                                           auth_timeout=limits.jt808_auth_timeout_s,
                                           pins=terminal_pins(config), ack_after_store=True,
                                           registrations=registrations),
                               listener=True, stale_after=60.0))
    if trackers.osmand is not None:
        osm = trackers.osmand
        secrets = {o.device: o.device_secret for o in config.officers if o.device and o.device_secret}
        links.append(BuiltLink(OsmAndServer("osmand", osm.host, osm.port, knows_device, limits=limits.http,
                                            secrets=secrets, shared_secret=osm.key, allow_from=osm.allow_from,
                                            ack_after_store=True),
                               listener=True, stale_after=60.0))
    for i, nmea in enumerate(trackers.nmea):
        links.append(BuiltLink(NmeaSerialReader(f"nmea-{i + 1}-{nmea.unit}", nmea.url, nmea.baud, nmea.unit),
                               listener=False, stale_after=5.0))
    return links


def terminal_pins(config: Config) -> dict[str, TerminalPin]:
    """The registration data each vehicle's JT/T 808 terminal must send ([[vehicles]] terminal_* keys)."""
    return {v.terminal: TerminalPin(v.terminal_plate, v.terminal_maker, v.terminal_model, v.terminal_id)
            for v in config.vehicles
            if v.terminal and (v.terminal_plate or v.terminal_maker or v.terminal_model or v.terminal_id)}


def drone_links(config: Config) -> dict[str, MavlinkLink]:
    """One MAVLink link per configured drone, each recorded to a .tlog flight log in the data dir."""
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    tlogs = paths.data_dir() / "tlogs"
    tlogs.mkdir(parents=True, exist_ok=True)
    return {d.id: MavlinkLink(d.id, d.url, sysid=d.sysid, firmware=d.firmware, tlog=tlogs / f"{d.id}-{stamp}.tlog")
            for d in config.drones}
