"""Following a unit: while the toolbar's Follow button is down the map keeps the selected unit in its middle.

A timer re-centres five times a second, whatever the unit's reporting rate; replay ticks call
:meth:`UnitFollower.step` themselves so a replayed unit is followed at the replay's pace.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QAbstractButton

FOLLOW_INTERVAL_MS = 200


class UnitFollower(QObject):
    """Centres ``centre_on(unit)`` on ``selected()`` while ``button`` is checked."""

    def __init__(self, button: QAbstractButton, selected: Callable[[], str | None],
                 centre_on: Callable[[str], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.button = button
        self.following = False
        self._selected = selected
        self._centre_on = centre_on
        button.toggled.connect(self.set_following)
        self._timer = QTimer(self)
        self._timer.setInterval(FOLLOW_INTERVAL_MS)
        self._timer.timeout.connect(self.step)
        self._timer.start()

    def set_following(self, on: bool) -> None:
        self.following = on
        if self.button.isChecked() != on:
            self.button.setChecked(on)

    def step(self) -> None:
        """Centre on the selected unit now, if following."""
        unit = self._selected()
        if self.following and unit:
            self._centre_on(unit)

    def stop(self) -> None:
        self._timer.stop()
