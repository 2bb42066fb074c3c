"""Imported devices as configured ones: the composition's config gains the cameras, drones and sensors that
``data import cameras|drones|sensors`` stored (``marks``) and the TOML does not name, so the wall, the drone links,
the sensor pollers and the device tables treat them exactly alike (vehicles and officers join the tracker through
``roster``). An imported Modbus sensor on a serial line a ``[[sensors]]`` entry also uses runs at the config's
speed: the poller opens a line once, at the speed of its first sensor."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.config import CameraConfig, Config, DroneConfig, RegisterConfig, SensorConfig
from commandcenter.golive.marks import imported_ids
from commandcenter.store import Store
from commandcenter.store.models import Camera, Drone, Sensor

__all__ = ["with_stored_devices"]


def _sensor(s: Sensor) -> SensorConfig:
    registers = [RegisterConfig(measure=str(r["measure"]), address=int(r["address"]), type=str(r["type"]),
                                scale=float(r["scale"]), unit=str(r.get("unit", ""))) for r in s.registers]
    return SensorConfig(id=s.id, kind=s.kind, url=s.url, lat=s.lat, lon=s.lon, camera=s.camera_id, name=s.name,
                        protocol=s.protocol, baudrate=s.baudrate, unit=s.unit, period_s=s.period_s,
                        timeout_s=s.timeout_s, registers=registers, topic=s.topic)


def with_stored_devices(config: Config, store: Store) -> Config:
    """A copy of ``config`` with the stored cameras, drones and sensors it lacks appended (the config's own win)."""
    cam_ids = {c.id for c in config.cameras}
    drone_ids = {d.id for d in config.drones}
    sensor_ids = {s.id for s in config.sensors}

    def read(session: Session) -> tuple[list[CameraConfig], list[DroneConfig], list[SensorConfig]]:
        want_cams = imported_ids(session, "cameras") - cam_ids
        want_drones = imported_ids(session, "drones") - drone_ids
        want_sensors = imported_ids(session, "sensors") - sensor_ids
        cameras = [CameraConfig(id=c.id, name=c.name, url=c.url, sub_url=c.sub_url, lat=c.lat, lon=c.lon,
                                group=c.group, ptz=c.ptz, record=c.record_mode or "off",
                                record_schedule=[w for w in c.record_schedule.split(";") if w])
                   for c in session.scalars(select(Camera).where(Camera.id.in_(want_cams)).order_by(Camera.id))]
        drones = [DroneConfig(id=d.id, name=d.name, url=d.url, video=d.video, sysid=d.sysid)
                  for d in session.scalars(select(Drone).where(Drone.id.in_(want_drones)).order_by(Drone.id))]
        sensors = [_sensor(s) for s in
                   session.scalars(select(Sensor).where(Sensor.id.in_(want_sensors)).order_by(Sensor.id))]
        return cameras, drones, sensors

    if "settings" not in store.table_names():
        return config
    cameras, drones, sensors = store.read(read)
    if not cameras and not drones and not sensors:
        return config
    return dataclasses.replace(config, cameras=[*config.cameras, *cameras], drones=[*config.drones, *drones],
                               sensors=[*config.sensors, *sensors])
