"""Drones' video downlinks as recorded cameras: ``[[drones]] record`` (docs/recording.md "Drones").

A downlink is the wall's camera ``<drone id>-video``; :func:`drone_camera` gives it the drone's record keys, and
its segments carry the drone id in the index (the Recorder's ``drones`` map) so 复盘 finds a drone's video.
``record = "airborne"`` is the alarm mode kept armed while the drone flies (:func:`record_while_flying`).
"""

from __future__ import annotations

from collections.abc import Sequence

from commandcenter.config import CameraConfig, DroneConfig
from commandcenter.drones.fleet import DroneFleet
from commandcenter.recording.recorder import Recorder
from commandcenter.video.service import DRONE_VIDEO_GROUP


def drone_camera_id(drone_id: str) -> str:
    return f"{drone_id}-video"


def drone_camera(drone: DroneConfig) -> CameraConfig:
    """A drone's video downlink as a camera of the wall and the recorder. ``record = "airborne"`` is the alarm
    mode kept armed by :func:`record_while_flying` (pre-roll before take-off, ``post_s`` after landing)."""
    return CameraConfig(id=drone_camera_id(drone.id), name=f"{drone.name or drone.id} 视频", url=drone.video,
                        group=DRONE_VIDEO_GROUP, record="alarm" if drone.record == "airborne" else drone.record,
                        record_schedule=list(drone.record_schedule), pre_s=drone.pre_s, post_s=drone.post_s,
                        retention_days=drone.retention_days)


def record_while_flying(drones: Sequence[DroneConfig], fleet: DroneFleet, recorder: Recorder) -> None:
    """``record = "airborne"``: every state change of a flying drone (telemetry arrives several times a second)
    re-arms its downlink's alarm-mode recording, which then runs until ``post_s`` after the last one."""
    airborne = {d.id for d in drones if d.record == "airborne" and d.video}
    if not airborne:
        return

    def changed(ids: list[str]) -> None:
        for drone_id in ids:
            if drone_id in airborne and fleet.flying(drone_id):
                recorder.alarm(drone_camera_id(drone_id), "airborne")

    fleet.changed.connect(changed)


def drone_cameras(drones: Sequence[DroneConfig]) -> dict[str, str]:
    """Camera id of each drone's downlink → the drone id (the Recorder's ``drones``)."""
    return {drone_camera_id(d.id): d.id for d in drones if d.video}
