"""Scrolling a panel never changes a value: a wheel over an unfocused spin box, combo box or slider scrolls the
panel instead (issue 15: the takeoff altitude went from 20 m to 16 m while the pilot scrolled the commands)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tests.drones.flight_support import FlyingHarness
from widgets.drones import DronesScreen
from widgets.wheelguard import install_wheel_guard, remove_wheel_guard

ROOT = Path(__file__).resolve().parents[1]


def wheel(widget: QWidget, notches: int = -3) -> None:
    """A wheel event under the mouse at the middle of ``widget``, through the application's event filters."""
    centre = widget.rect().center()
    event = QWheelEvent(QPointF(centre), QPointF(widget.mapToGlobal(centre)), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def guarded(qtbot: Any) -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_wheel_guard(app)
    yield
    remove_wheel_guard(app)


def test_the_application_installs_the_guard() -> None:
    # In a child process: the application's theme and fonts stay out of this test session.
    script = ("from widgets.app import make_application\n"
              "from widgets.wheelguard import WheelGuard, install_wheel_guard\n"
              "app = make_application('en')\n"
              "guard = app.findChild(WheelGuard)\n"
              "assert guard is not None and install_wheel_guard(app) is guard\n"
              # under the real theme (a style sheet), a control made after start-up is guarded too
              "from PySide6.QtCore import QPoint, QPointF, Qt\n"
              "from PySide6.QtGui import QWheelEvent\n"
              "from PySide6.QtWidgets import QApplication, QScrollArea, QSpinBox, QVBoxLayout, QWidget\n"
              "area, inner = QScrollArea(), QWidget()\n"
              "layout = QVBoxLayout(inner)\n"
              "spins = [QSpinBox() for _ in range(30)]\n"
              "for spin in spins: spin.setValue(20); layout.addWidget(spin)\n"
              "area.setWidget(inner); area.resize(300, 200); area.show(); app.processEvents()\n"
              "c = spins[1].rect().center()\n"
              "QApplication.sendEvent(spins[1], QWheelEvent(QPointF(c), QPointF(spins[1].mapToGlobal(c)), QPoint(),"
              " QPoint(0, -360), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,"
              " Qt.ScrollPhase.NoScrollPhase, False))\n"
              "assert spins[1].value() == 20 and area.verticalScrollBar().value() > 0\n"
              "print('guarded')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and "guarded" in done.stdout, done.stderr


def test_a_wheel_over_controls_scrolls_the_panel_until_one_is_clicked(qtbot: Any, guarded: None) -> None:
    panel = QWidget()
    layout = QVBoxLayout(panel)
    spin, combo, slider = QSpinBox(), QComboBox(), QSlider(Qt.Orientation.Horizontal)
    spin.setRange(0, 100)
    spin.setValue(20)
    combo.addItems(["GUIDED", "LOITER", "AUTO"])
    slider.setRange(0, 100)
    slider.setValue(50)
    for control in (spin, combo, slider):
        layout.addWidget(control)
        layout.addSpacing(400)
    scroll = QScrollArea()
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.resize(300, 300)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    bar = scroll.verticalScrollBar()
    for control in (spin, combo, slider):
        scroll.ensureWidgetVisible(control)
        before = bar.value()
        wheel(control, -1)
        assert (spin.value(), combo.currentText(), slider.value()) == (20, "GUIDED", 50)
        assert bar.value() != before or before == bar.maximum(), "the panel scrolls instead"
    editor = spin.findChild(QWidget)  # the spin box's text field, where a click lands
    assert editor is not None
    QTest.mouseClick(editor, Qt.MouseButton.LeftButton, pos=QPoint(8, editor.height() // 2))
    qtbot.waitUntil(spin.hasFocus, timeout=2000)
    wheel(spin, 1)
    assert spin.value() == 21, "a focused control still takes the wheel"


@pytest.fixture
def pilot(qtbot: Any) -> Iterator[DronesScreen]:
    harness = FlyingHarness("uav-1", time_scale=3.0)
    screen = DronesScreen(harness.fleet, harness.commander)
    qtbot.addWidget(screen)
    screen.resize(1920, 1080)
    screen.show()
    yield screen
    screen.close()
    harness.close()


def test_scrolling_the_pilot_commands_keeps_the_takeoff_altitude(qtbot: Any, guarded: None,
                                                                 pilot: DronesScreen) -> None:
    altitude: QDoubleSpinBox = pilot.commands_panel.takeoff_alt
    mode = pilot.commands_panel.mode_combo
    assert altitude.value() == 20
    for _ in range(4):
        wheel(altitude, -1)
        wheel(mode, -1)
    assert altitude.value() == 20 and mode.currentText() == "GUIDED"
