"""The selected drone's video downlink in a wall tile, with 上墙 (put it on the video wall).

The stream is held from the :class:`~commandcenter.video.service.VideoService` only while the pilot screen is
shown and a drone with a downlink is selected; it is given back on switching drones, hiding and closing.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from commandcenter.drones.fleet import DroneFleet
from commandcenter.drones.tasking import drone_camera
from commandcenter.video.service import SUB, VideoService
from commandcenter.video.stream import StreamStatus
from widgets import theme
from widgets.wall.tile import VideoTile

VIDEO_HZ = 25


class DroneVideoPanel(QGroupBox):
    """``status(text)`` reports 上墙 and snapshot requests to the pilot."""

    status = Signal(str)

    def __init__(self, fleet: DroneFleet, video: VideoService | None, wall: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fleet = fleet
        self.video = video
        self.wall = wall
        self.drone: str | None = None
        self.video_camera: str | None = None
        self._video_size = (0, 0)
        self._holder = ("drones-screen", id(self))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.video_tile = VideoTile(0, f"drones-{id(self)}")
        self.video_tile.setAcceptDrops(False)
        self.video_tile.setMinimumSize(320, 180)
        self.video_tile.snapshotRequested.connect(lambda _cell: self._snapshot())
        layout.addWidget(self.video_tile)
        row = QHBoxLayout()
        self.video_note = QLabel()
        theme.set_role(self.video_note, "name")
        self.wall_button = QPushButton()
        self.wall_button.clicked.connect(self._put_on_wall)
        row.addWidget(self.video_note, 1)
        row.addWidget(self.wall_button)
        layout.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // VIDEO_HZ)
        self._timer.timeout.connect(self._poll)
        if video is not None:
            video.statusChanged.connect(self._on_video_status)
        if video is None:
            self.hide()  # no video service: no video box (hidden before it has a parent, so never a window)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Video"))
        self.wall_button.setText(self.tr("Put on wall"))
        self.wall_button.setToolTip(self.tr("Show this drone's video on the video wall"))
        self.update_note()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_drone(self, drone_id: str | None, shown: bool) -> None:
        """Hold ``drone_id``'s stream while ``shown`` (the screen is visible); else give it back."""
        self.drone = drone_id
        wanted = drone_camera(self.video, drone_id) if drone_id and shown else None
        if wanted != self.video_camera:
            self.release()
            if wanted is not None and self.video is not None:
                self._video_size = self.video_tile.decode_size()
                self.video.acquire(wanted, SUB, self._holder, self._video_size)
                self.video_camera = wanted
                self.video_tile.set_camera(wanted, self.video.cameras[wanted].name, False)
                status = self.video.status(wanted, SUB)
                if status is not None:
                    self.video_tile.set_state(status.state, status.reason)
                self._timer.start()
        self.update_note()

    def release(self) -> None:
        """Give the tile's stream back to the VideoService (switching drones, hiding, closing, app exit)."""
        self._timer.stop()
        if self.video_camera is not None and self.video is not None:
            self.video.release(self.video_camera, SUB, self._holder)
        self.video_camera = None
        self.video_tile.set_camera(None, "", False)

    def update_note(self) -> None:
        camera = drone_camera(self.video, self.drone) if self.drone else None
        self.wall_button.setEnabled(camera is not None and self.wall is not None)
        if self.drone is None:
            self.video_note.setText("")
        elif camera is None:
            self.video_note.setText(self.tr("No video downlink configured for this drone"))
        else:
            cell = self.wall.cell_of(camera) if self.wall is not None else None
            self.video_note.setText(self.tr("On the wall, cell {0}").format(cell + 1) if cell is not None
                                    else camera)

    def _poll(self) -> None:
        if self.video is None or self.video_camera is None:
            return
        size = self.video_tile.decode_size()
        if size != self._video_size:
            self._video_size = size
            self.video.resize(self.video_camera, SUB, self._holder, size)
        self.video_tile.show_frame(self.video.latest_frame(self.video_camera, SUB))

    def _on_video_status(self, camera_id: str, quality: str, status: StreamStatus) -> None:
        if camera_id == self.video_camera and quality == SUB:
            self.video_tile.set_state(status.state, status.reason)

    def _put_on_wall(self) -> None:
        """上墙: pop the selected drone's video into the wall's alarm cell, named, until acknowledged there."""
        camera = drone_camera(self.video, self.drone) if self.drone else None
        if camera is None or self.wall is None or self.drone is None:
            return
        name = self.fleet.name(self.drone)
        cell = self.wall.raise_alarm(camera, self.tr("Drone {0}").format(name))
        self.status.emit(self.tr("{0}: video on the wall (cell {1})").format(name, cell + 1))
        self.update_note()

    def _snapshot(self) -> None:
        if self.video is not None and self.video_camera is not None:
            self.video.snapshot(self.video_camera)
            self.status.emit(self.tr("Snapshot of {0} requested").format(self.video_camera))
