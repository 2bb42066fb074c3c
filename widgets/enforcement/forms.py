"""The few layout pieces the enforcement panels repeat: a row of an edit and its buttons, the panel's message
line and its column of parts, and how a panel shows an outcome or a refusal in that line."""

from __future__ import annotations

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QVBoxLayout, QWidget

from widgets.enforcement.style import set_role

__all__ = ["PanelMessages", "action_row", "message_label", "panel_column"]


def action_row(*widgets: QWidget, stretch: QWidget | None = None, parent: QWidget | None = None) -> QHBoxLayout:
    """Widgets side by side (a combo, the text to type, its button …); ``stretch`` takes the spare width.
    With ``parent`` the row is that widget's own layout, edge to edge."""
    row = QHBoxLayout(parent) if parent is not None else QHBoxLayout()
    if parent is not None:
        row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget, 1 if widget is stretch else 0)
    return row


def message_label() -> QLabel:
    """The panel's one line of outcome or refusal (coloured by :meth:`PanelMessages._say`)."""
    label = QLabel("")
    label.setWordWrap(True)
    return label


def panel_column(panel: QWidget, *parts: QWidget | QLayout) -> QVBoxLayout:
    """The panel's layout: its parts top to bottom."""
    layout = QVBoxLayout(panel)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    return layout


class PanelMessages:
    """``_say`` and ``_failed`` of a panel with a ``message`` label and a ``loaded`` signal: the core's refusal
    (in Chinese when it has one) in red, and ``loaded`` so a waiting test or view knows the round trip ended."""

    message: QLabel
    loaded: SignalInstance

    def _failed(self, exc: BaseException) -> None:
        self._say(getattr(exc, "message_zh", None) or str(exc), "error")
        self.loaded.emit()

    def _say(self, text: str, role: str) -> None:
        self.message.setText(text)
        set_role(self.message, role)
