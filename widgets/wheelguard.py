"""No value changes under a mouse wheel that merely passes over a control.

An operator scrolling a panel with the wheel must not change the takeoff altitude, a combo box's choice or a
slider because the pointer happened to cross one (issue 15: 20 m became 16 m while scrolling the drone command
panel). One application-wide event filter covers every screen, present and future: a wheel event over a spin box,
combo box or slider that does not have keyboard focus is handed on to its parent (the scroll area scrolls)
instead. Click or tab into the control first and the wheel works on it as before. Scroll bars keep their wheel.

The filter sits on the guarded controls themselves, not on the application: an application-wide Python filter is
called for every event of every widget (each paint and timer of the GUI thread then waits for the interpreter
lock, which the demo's decoder and listener threads hold; in a 2,000-unit demo a third of the GUI thread's
samples were in it). A proxy style's ``polish`` — Qt polishes every widget once, before it is first shown —
installs the filter on each spin box, combo box and slider, present and future.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF
from PySide6.QtGui import QPalette, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QProxyStyle,
    QScrollBar,
    QWidget,
)

_GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)


def _guarded_control(watched: QObject) -> QWidget | None:
    """The spin box, combo box or slider the event is for (a spin box's line edit counts as the spin box)."""
    if isinstance(watched, QScrollBar) or not isinstance(watched, QWidget):
        return None
    if isinstance(watched, _GUARDED):
        return watched
    parent = watched.parentWidget()
    if isinstance(parent, (QAbstractSpinBox, QComboBox)) and not isinstance(parent, QScrollBar):
        return parent
    return None


def _scroll_area_around(control: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area holding ``control`` (the panel the user meant to scroll), if any."""
    parent = control.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


class WheelGuard(QObject):
    """The filter: returning True with the event ignored lets Qt propagate it to the parent widget."""

    style: QProxyStyle | None = None  # the guarding style install_wheel_guard gave the application

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel:
            return False
        control = _guarded_control(watched)
        focused = QApplication.focusWidget()
        if control is None or control.hasFocus() or (focused is not None and control.isAncestorOf(focused)):
            return False
        scroll = _scroll_area_around(control)
        if scroll is not None and isinstance(event, QWheelEvent):
            # Hand the wheel to the panel's scroll area explicitly: Qt propagates an ignored wheel event to the
            # parent only when it came from the window system, not when sent by code (a synthesized one).
            viewport = scroll.viewport()
            position = viewport.mapFromGlobal(event.globalPosition().toPoint())
            forwarded = QWheelEvent(QPointF(position), event.globalPosition(), event.pixelDelta(),
                                    event.angleDelta(), event.buttons(), event.modifiers(), event.phase(),
                                    event.inverted())
            QApplication.sendEvent(viewport, forwarded)
            event.accept()
            return True
        event.ignore()  # no scroll area: Qt hands it on to the parent widget
        return True


class _GuardingStyle(QProxyStyle):
    """The application's style as it was, plus: every guarded control gets the filter when Qt polishes it."""

    def __init__(self, guard: WheelGuard) -> None:
        super().__init__()  # on the platform's default style, the one the application has without setStyle
        self.guard = guard

    def polish(self, target: QWidget | QPalette | QApplication) -> QPalette | None:  # type: ignore[override]
        polished = super().polish(target)  # type: ignore[arg-type]
        if isinstance(target, _GUARDED) and shiboken6.isValid(self.guard):
            target.installEventFilter(self.guard)  # installing twice keeps one (Qt moves it to the front)
        return polished


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard once on ``app`` (idempotent; widgets that exist already are polished again); returns it."""
    existing = app.findChild(WheelGuard)
    if isinstance(existing, WheelGuard):
        return existing
    guard = WheelGuard(app)
    guard.style = _GuardingStyle(guard)  # the application owns the style; the guard keeps its Python side
    app.setStyle(guard.style)
    return guard


def remove_wheel_guard(app: QApplication) -> None:
    """Undo :func:`install_wheel_guard` (tests): the plain style back, the filters gone with the guard."""
    guard = app.findChild(WheelGuard)
    if isinstance(guard, WheelGuard):
        app.setStyle(QProxyStyle())  # the default style again; the guarding one (and its filters' owner) goes
        guard.setParent(None)
        guard.deleteLater()
