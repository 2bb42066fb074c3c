"""Imported devices as configured ones: the composition's config gains the cameras and drones that
``data import cameras|drones`` stored (``marks``) and the TOML does not name, so the wall, the drone links and the
device tables treat them exactly alike (vehicles and officers join the tracker through ``roster``)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.config import CameraConfig, Config, DroneConfig
from commandcenter.golive.marks import imported_ids
from commandcenter.store import Store
from commandcenter.store.models import Camera, Drone

__all__ = ["with_stored_devices"]


def with_stored_devices(config: Config, store: Store) -> Config:
    """A copy of ``config`` with the stored cameras and drones it lacks appended (the config's own win)."""
    cam_ids = {c.id for c in config.cameras}
    drone_ids = {d.id for d in config.drones}

    def read(session: Session) -> tuple[list[CameraConfig], list[DroneConfig]]:
        want_cams = imported_ids(session, "cameras") - cam_ids
        want_drones = imported_ids(session, "drones") - drone_ids
        cameras = [CameraConfig(id=c.id, name=c.name, url=c.url, sub_url=c.sub_url, lat=c.lat, lon=c.lon,
                                group=c.group, ptz=c.ptz, record=c.record_mode or "off",
                                record_schedule=[w for w in c.record_schedule.split(";") if w])
                   for c in session.scalars(select(Camera).where(Camera.id.in_(want_cams)).order_by(Camera.id))]
        drones = [DroneConfig(id=d.id, name=d.name, url=d.url, video=d.video, sysid=d.sysid)
                  for d in session.scalars(select(Drone).where(Drone.id.in_(want_drones)).order_by(Drone.id))]
        return cameras, drones

    if "settings" not in store.table_names():
        return config
    cameras, drones = store.read(read)
    if not cameras and not drones:
        return config
    return dataclasses.replace(config, cameras=[*config.cameras, *cameras], drones=[*config.drones, *drones])
