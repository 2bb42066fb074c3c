"""Camera list by group with a search box; cameras are dragged onto wall cells with the shared camera MIME type."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from commandcenter.config import CameraConfig
from widgets import theme
from widgets.wall.tile import CAMERA_MIME

_ID_ROLE = Qt.ItemDataRole.UserRole


class _DragTree(QTreeWidget):
    """A tree whose drags carry ``application/x-cc-camera-id`` (the same type the map uses)."""

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME, "text/plain"]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        ids = [item.data(0, _ID_ROLE) for item in items if item.data(0, _ID_ROLE)]
        if ids:
            mime.setData(CAMERA_MIME, ids[0].encode())
            mime.setText(ids[0])
        return mime


class CameraTree(QWidget):
    """Groups (districts) with their cameras; typing filters by name, id or group."""

    cameraActivated = Signal(str)  # double-clicked camera id

    def __init__(self, cameras: list[CameraConfig], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search cameras"))
        self.search.setClearButtonEnabled(True)
        self.tree = _DragTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)  # the whole name is in the tooltip
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._items: list[tuple[QTreeWidgetItem, CameraConfig]] = []
        self.on_wall: dict[str, int] = {}  # camera id → cell, as last marked
        groups: dict[str, QTreeWidgetItem] = {}
        for camera in cameras:
            group_name = camera.group or self.tr("Ungrouped")
            parent_item = groups.get(group_name)
            if parent_item is None:
                parent_item = QTreeWidgetItem(self.tree, [group_name])
                parent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                groups[group_name] = parent_item
            item = QTreeWidgetItem(parent_item, [camera.name or camera.id])
            item.setData(0, _ID_ROLE, camera.id)
            item.setToolTip(0, camera.name or camera.id)  # no stream URL: it may carry a password
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            self._items.append((item, camera))
        self.tree.expandAll()
        self.search.textChanged.connect(self.filter)
        self.tree.itemDoubleClicked.connect(self._activated)

    def filter(self, text: str) -> None:
        needle = text.strip().lower()
        for item, camera in self._items:
            haystack = f"{camera.name} {camera.id} {camera.group}".lower()
            item.setHidden(bool(needle) and needle not in haystack)
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group is not None:
                children = [group.child(j) for j in range(group.childCount())]
                group.setHidden(all(child is None or child.isHidden() for child in children))

    def mark_on_wall(self, cells: dict[str, int]) -> None:
        """Mark the cameras the wall shows (camera id → cell index): bold, in the accent colour, with the cell
        number, so the operator sees at a glance which cameras are up and which are not."""
        for item, camera in self._items:
            cell = cells.get(camera.id)
            font = item.font(0)
            font.setBold(cell is not None)
            item.setFont(0, font)
            name = camera.name or camera.id
            if cell is None:
                item.setText(0, name)
                item.setData(0, Qt.ItemDataRole.ForegroundRole, None)
                item.setToolTip(0, name)
            else:
                where = self.tr("on the wall, cell %1").replace("%1", str(cell + 1))
                item.setText(0, f"▣ {name}")
                item.setForeground(0, theme.qcolour("accent"))
                item.setToolTip(0, f"{name}\n{where}")
        self.on_wall = dict(cells)

    def visible_camera_ids(self) -> list[str]:
        return [camera.id for item, camera in self._items if not item.isHidden()]

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        camera_id = item.data(0, _ID_ROLE)
        if camera_id:
            self.cameraActivated.emit(camera_id)
