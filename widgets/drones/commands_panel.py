"""The pilot's flight commands: arm, disarm, take off, mode, mission start/pause/continue — each confirmed."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QGridLayout, QGroupBox, QPushButton, QWidget

from widgets.drones.runner import CommandRunner

MODES = ["GUIDED", "LOITER", "AUTO", "RTL", "LAND", "STABILIZE", "ALT_HOLD", "POSHOLD"]


def spin(low: float, high: float, value: float, suffix: str) -> QDoubleSpinBox:
    """A whole-number spin box with a unit suffix."""
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(0)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


class CommandsPanel(QGroupBox):
    """Buttons sending commands to the runner's selected drone (those that make it move ask first)."""

    def __init__(self, runner: CommandRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        commands = runner.commands
        grid = QGridLayout(self)
        self.arm_button, self.disarm_button = QPushButton(), QPushButton()
        self.takeoff_button = QPushButton()
        self.takeoff_alt = spin(2, 120, 20, " m")
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(MODES)
        self.mode_button = QPushButton()
        self.start_button, self.pause_button, self.continue_button = QPushButton(), QPushButton(), QPushButton()
        grid.addWidget(self.arm_button, 0, 0)
        grid.addWidget(self.disarm_button, 0, 1)
        grid.addWidget(self.takeoff_alt, 1, 0)
        grid.addWidget(self.takeoff_button, 1, 1)
        grid.addWidget(self.mode_combo, 2, 0)
        grid.addWidget(self.mode_button, 2, 1)
        # 执行航线 / 暂停 / 继续 are placed by the screen in its always-visible header (flight_buttons()).
        self.arm_button.clicked.connect(
            lambda: runner.send(self.tr("Arm"), commands.arm, self.tr("Arm the motors of {name}?")))
        self.disarm_button.clicked.connect(
            lambda: runner.send(self.tr("Disarm"), commands.disarm, self.tr("Disarm {name}? A flying drone will fall.")))
        self.takeoff_button.clicked.connect(self._takeoff)
        self.mode_button.clicked.connect(self._set_mode)
        self.start_button.clicked.connect(
            lambda: runner.send(self.tr("Start mission"), commands.start_mission,
                                self.tr("Start the uploaded mission on {name}?")))
        self.pause_button.clicked.connect(lambda: runner.send(self.tr("Pause"), commands.pause_mission))
        self.continue_button.clicked.connect(lambda: runner.send(self.tr("Continue"), commands.continue_mission))
        self.retranslate()

    def flight_buttons(self) -> list[QPushButton]:
        """The mission buttons a pilot needs in flight: the screen shows them where no scrolling hides them."""
        return [self.start_button, self.pause_button, self.continue_button]

    def buttons(self) -> list[QPushButton]:
        return [button for button, _action in self.command_buttons()]

    def command_buttons(self) -> list[tuple[QPushButton, str]]:
        """Each button with the commander action it sends (the screen enables only those the user may send)."""
        return [(self.arm_button, "arm"), (self.disarm_button, "disarm"), (self.takeoff_button, "takeoff"),
                (self.mode_button, "set_mode"), (self.start_button, "start_mission"),
                (self.pause_button, "pause_mission"), (self.continue_button, "continue_mission")]

    def retranslate(self) -> None:
        self.setTitle(self.tr("Commands"))
        self.arm_button.setText(self.tr("Arm"))
        self.disarm_button.setText(self.tr("Disarm"))
        self.takeoff_button.setText(self.tr("Take off"))
        self.mode_button.setText(self.tr("Set mode"))
        self.start_button.setText(self.tr("Start mission"))
        self.pause_button.setText(self.tr("Pause"))
        self.continue_button.setText(self.tr("Continue"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _takeoff(self) -> None:
        alt = self.takeoff_alt.value()
        self.runner.send(self.tr("Take off"), lambda d: self.runner.commands.takeoff(d, alt),
                         self.tr("Take off {name} to {alt} m?"), alt=f"{alt:.0f}")

    def _set_mode(self) -> None:
        mode = self.mode_combo.currentText()
        self.runner.send(self.tr("Mode {0}").format(mode), lambda d: self.runner.commands.set_mode(d, mode),
                         self.tr("Switch {name} to {mode}?"), mode=mode)
