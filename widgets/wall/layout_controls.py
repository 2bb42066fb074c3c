"""The wall's controls: layout choice and save-as, the camera tour (group, interval, start/stop), the walls on
the other monitors — and the bar that names an alarm until it is acknowledged."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from commandcenter.video.layout import WallModel, list_layouts


def layout_sort_key(name: str) -> tuple[int, int, str]:
    """Uniform grids first by size, then merged layouts by cell count, then user layouts by name."""
    if "x" in name and name.replace("x", "").isdigit():
        return (0, int(name.split("x")[0]), name)
    if "+" in name and name.replace("+", "").isdigit():
        return (1, sum(int(p) for p in name.split("+")), name)
    return (2, 0, name)


class LayoutControls(QWidget):
    """``layout_chosen(name)``, ``save_requested()``, ``screens_requested()``; the tour runs on the model."""

    layout_chosen = Signal(str)
    save_requested = Signal()
    screens_requested = Signal()
    sync_requested = Signal()  # 同步回放 on/off

    def __init__(self, wall: WallModel, *, screens: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wall = wall
        bar = QHBoxLayout(self)
        bar.setContentsMargins(4, 4, 4, 4)
        bar.addWidget(QLabel(self.tr("Layout"), self))
        self.layout_combo = QComboBox(self)
        self.layout_combo.setToolTip(self.tr("Wall layout (Ctrl+1 … Ctrl+6: uniform grids)"))
        self.layout_combo.activated.connect(lambda _i: self.layout_chosen.emit(str(self.layout_combo.currentData())))
        bar.addWidget(self.layout_combo)
        self.save_button = QPushButton(self.tr("Save as…"), self)
        self.save_button.setToolTip(self.tr("Save this layout and its cameras under a new name"))
        self.save_button.clicked.connect(self.save_requested)
        bar.addWidget(self.save_button)
        bar.addSpacing(16)
        bar.addWidget(QLabel(self.tr("Tour"), self))
        self.tour_group = QComboBox(self)
        self.tour_group.addItem(self.tr("All cameras"), None)
        for group in wall.groups():
            if group:
                self.tour_group.addItem(group, group)
        bar.addWidget(self.tour_group)
        self.tour_interval = QSpinBox(self)
        self.tour_interval.setRange(3, 600)
        self.tour_interval.setValue(15)
        self.tour_interval.setSuffix(self.tr(" s"))
        bar.addWidget(self.tour_interval)
        self.tour_button = QPushButton(self.tr("Start tour"), self)
        self.tour_button.setCheckable(True)
        self.tour_button.setToolTip(self.tr("Cycle the whole wall through the chosen camera group"))
        self.tour_button.clicked.connect(self._toggle_tour)
        bar.addWidget(self.tour_button)
        bar.addStretch(1)
        self.sync_button = QPushButton(self.tr("Synchronised playback"), self)
        self.sync_button.setCheckable(True)
        self.sync_button.setToolTip(self.tr(
            "Play the recordings of every recording camera on the wall in step under one timeline (Ctrl+R); "
            "again: back to live"))
        self.sync_button.clicked.connect(lambda _checked: self.sync_requested.emit())
        self.sync_button.hide()  # shown when the seat can read recordings
        bar.addWidget(self.sync_button)
        self.screens_button = QPushButton(self.tr("Screens"), self)
        self.screens_button.setToolTip(self.tr("Open a full-screen wall on every other monitor"))
        self.screens_button.clicked.connect(self.screens_requested)
        bar.addWidget(self.screens_button)
        if not screens:
            self.screens_button.hide()
        wall.tourChanged.connect(self._tour_changed)
        wall.layoutChanged.connect(self.fill_layouts)
        self.fill_layouts()

    def fill_layouts(self) -> None:
        """The saved layouts, and the current one selected (added when it is not saved)."""
        self.layout_combo.clear()
        for name in sorted(list_layouts(), key=layout_sort_key):
            self.layout_combo.addItem(name, name)
        index = self.layout_combo.findData(self.wall.layout.name)
        if index < 0:
            self.layout_combo.addItem(self.wall.layout.name, self.wall.layout.name)
            index = self.layout_combo.count() - 1
        self.layout_combo.setCurrentIndex(index)

    def tour_group_id(self) -> str | None:
        group = self.tour_group.currentData()
        return str(group) if group is not None else None

    def start_cell_tour(self, cell: int) -> None:
        """Tour one cell through the chosen group."""
        self.wall.start_tour(self.tour_group_id(), float(self.tour_interval.value()), cell)

    def _toggle_tour(self) -> None:
        if self.wall.tour is not None:
            self.wall.stop_tour()
            return
        self.wall.start_tour(self.tour_group_id(), float(self.tour_interval.value()))

    def _tour_changed(self) -> None:
        running = self.wall.tour is not None
        self.tour_button.setChecked(running)
        self.tour_button.setText(self.tr("Stop tour") if running else self.tr("Start tour"))


class AlarmBar(QWidget):
    """"Alarm: camera — text" with an acknowledge button; hidden while there is no alarm."""

    def __init__(self, wall: WallModel, names: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.wall = wall
        self.names = names
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        self.label = QLabel(self)
        self.label.setProperty("role", "alarm")
        row.addWidget(self.label, 1)
        self.ack_button = QPushButton(self.tr("Acknowledge alarm"), self)
        self.ack_button.clicked.connect(wall.acknowledge_alarm)
        row.addWidget(self.ack_button)
        wall.alarmChanged.connect(self.refresh)
        self.hide()

    def refresh(self) -> None:
        alarm = self.wall.alarm
        if alarm is None:
            self.hide()
            return
        name = self.names.get(alarm.camera, alarm.camera)
        self.label.setText(self.tr("Alarm: %1 — %2").replace("%1", name).replace("%2", alarm.text))
        self.show()
