"""The mission protocol, vehicle side: uploads (MISSION_COUNT → requests → items → ACK, with re-requests),
downloads, clear; missions, fences and rally points; packets go through the loss/duplication faults."""

from __future__ import annotations

import os

os.environ.setdefault("MAVLINK20", "1")

import time
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mav

from commandcenter.demo.mavsim.base import _Upload
from commandcenter.demo.mavsim.commands import SimCommands
from devices.mavlink import MissionWireItem


class SimMission(SimCommands):
    """Serves the ground station's mission transfers (``_on_mission``) and retries what it seems to have lost."""

    def _send_mission(self, msg: Any) -> None:
        """Send a mission-protocol packet through the loss/duplication faults."""
        if self.rng.random() < self.faults.drop_mission_ratio:
            return
        self._mav.send(msg)
        if self.faults.duplicate_mission:
            self._transmit(msg.get_msgbuf())

    def _on_mission(self, msg: Any, mtype: str) -> None:
        mtypeid = int(getattr(msg, "mission_type", 0))
        if mtypeid not in self.missions:
            self._mission_ack(msg, mav.MAV_MISSION_UNSUPPORTED, mtypeid)
            return
        if mtype == "MISSION_COUNT":
            self._upload_done.pop(mtypeid, None)
            if msg.count == 0:
                self._commit(mtypeid, [])
                self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)
                return
            upload = self._uploads.get(mtypeid)
            if upload is None or upload.count != msg.count or upload.items:
                upload = self._uploads[mtypeid] = _Upload(msg.count, (msg.get_srcSystem(), msg.get_srcComponent()))
            self._request_next(mtypeid, upload)
        elif mtype in ("MISSION_ITEM_INT", "MISSION_ITEM"):
            upload = self._uploads.get(mtypeid)
            if upload is None:
                if self._upload_done.get(mtypeid) == msg.seq + 1:  # our final ACK was lost; say it again
                    self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)
                return
            if msg.seq == len(upload.items):
                x, y = msg.x, msg.y
                if mtype == "MISSION_ITEM":
                    x, y = round(x * 1e7), round(y * 1e7)
                upload.items.append(MissionWireItem(
                    seq=msg.seq, frame=msg.frame, command=msg.command, param1=msg.param1, param2=msg.param2,
                    param3=msg.param3, param4=msg.param4, x=int(x), y=int(y), z=float(msg.z),
                    autocontinue=msg.autocontinue, current=msg.current))
                upload.retries = 0
                if len(upload.items) == upload.count:
                    del self._uploads[mtypeid]
                    self._commit(mtypeid, upload.items)
                    self._upload_done[mtypeid] = upload.count
                    self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)
                    return
            self._request_next(mtypeid, upload)
        elif mtype == "MISSION_REQUEST_LIST":
            self._send_mission(self._mav.mission_count_encode(msg.get_srcSystem(), msg.get_srcComponent(),
                                                              len(self.missions[mtypeid]), mtypeid))
        elif mtype in ("MISSION_REQUEST_INT", "MISSION_REQUEST"):
            items = self.missions[mtypeid]
            if msg.seq >= len(items):
                self._mission_ack(msg, mav.MAV_MISSION_INVALID_SEQUENCE, mtypeid)
                return
            it = items[msg.seq]
            self._send_mission(self._mav.mission_item_int_encode(
                msg.get_srcSystem(), msg.get_srcComponent(), it.seq, it.frame, it.command, it.current,
                it.autocontinue, it.param1, it.param2, it.param3, it.param4, it.x, it.y, it.z, mtypeid))
        elif mtype == "MISSION_CLEAR_ALL":
            self._commit(mtypeid, [])
            self._mission_ack(msg, mav.MAV_MISSION_ACCEPTED, mtypeid)

    def _commit(self, mission_type: int, items: list[MissionWireItem]) -> None:
        self.missions[mission_type] = list(items)
        if mission_type == 0:
            # As ArduCopter does: a vehicle flying AUTO keeps its mode and flies the new mission from its first
            # item; an upload never changes the flight mode behind the pilot's back.
            self.mission_seq = 1 if self.mode == "AUTO" and items else 0

    def _mission_ack(self, msg: Any, result: int, mission_type: int) -> None:
        self._send_mission(self._mav.mission_ack_encode(msg.get_srcSystem(), msg.get_srcComponent(), result,
                                                        mission_type))

    def _request_next(self, mission_type: int, upload: _Upload) -> None:
        upload.last_request = time.monotonic()
        self._send_mission(self._mav.mission_request_int_encode(*upload.peer, len(upload.items), mission_type))

    def _mission_timers(self, now: float) -> None:
        """Re-request an item the ground station seems not to have received; give up after 50 tries."""
        with self._lock:
            for mission_type, upload in list(self._uploads.items()):
                if now - upload.last_request < self.mission_retry_s:
                    continue
                upload.retries += 1
                if upload.retries > 50:
                    del self._uploads[mission_type]
                    self._send_mission(self._mav.mission_ack_encode(*upload.peer,
                                                                    mav.MAV_MISSION_OPERATION_CANCELLED, mission_type))
                    continue
                self._request_next(mission_type, upload)
