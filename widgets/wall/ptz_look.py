""""Look at this point" from the map: right-click a place → turn a nearby PTZ camera there and show it.

Offered for PTZ cameras that know their position and heading (``lat``, ``lon``, ``heading`` in ``[[cameras]]``)
within ``LOOK_RANGE_M`` of the point, nearest first. The turn itself is an intent to the PTZ service (pan from the
bearing, tilt from the distance, off the GUI thread); ``looked(camera_id)`` then asks for the camera on the wall.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Signal
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QMenu, QWidget

from commandcenter.geo.coords import haversine_m
from commandcenter.ptz.service import PtzCommandError, PtzService
from widgets.map.canvas import MapCanvas

LOOK_RANGE_M = 1500.0


class PtzLookAt(QObject):
    looked = Signal(str)  # camera id that was turned (show it on the wall)
    failed = Signal(str)  # why not

    def __init__(self, canvas: MapCanvas, service: PtzService) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.service = service
        canvas.viewport().installEventFilter(self)

    def choices(self, lat: float, lon: float) -> list[tuple[str, str, float]]:
        """(camera id, name, distance) of the PTZ cameras that can look at the point, nearest first."""
        found = []
        for camera_id in self.service.camera_ids():
            camera = self.service.camera(camera_id)
            if camera is None or not camera.can_look_at or camera.lat is None or camera.lon is None:
                continue
            distance = haversine_m(camera.lat, camera.lon, lat, lon)
            if distance <= LOOK_RANGE_M:
                found.append((camera_id, camera.name, distance))
        return sorted(found, key=lambda c: c[2])

    def look(self, camera_id: str, lat: float, lon: float) -> None:
        try:
            self.service.look_at(camera_id, lat, lon)
        except PtzCommandError as exc:
            self.failed.emit(str(exc))
            return
        self.looked.emit(camera_id)

    def point_at(self, pos: QPoint) -> tuple[float, float] | None:
        """WGS-84 of a viewport position, or None outside the map."""
        view = self.canvas.to_view(self.canvas.mapToScene(pos))
        if view is None:
            return None
        lat, lon = self.canvas.proj.to_latlon([view.x()], [view.y()])
        return float(lat[0]), float(lon[0])

    def menu_at(self, pos: QPoint, parent: QWidget | None = None) -> QMenu | None:
        point = self.point_at(pos)
        if point is None:
            return None
        options = self.choices(*point)
        if not options:
            return None
        menu = QMenu(parent or self.canvas)
        for camera_id, name, distance in options:
            action = menu.addAction(self.tr("%1: look here (%2 m)").replace("%1", name)
                                    .replace("%2", f"{distance:.0f}"))
            action.triggered.connect(lambda _checked=False, c=camera_id, p=point: self.look(c, *p))
        return menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            menu = self.menu_at(event.pos())
            if menu is not None:
                menu.exec(event.globalPos())
                menu.deleteLater()
                return True
        return False
