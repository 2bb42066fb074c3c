"""The hall display's page cycle: the briefing's pages take turns on a timer while nobody touches the screen.

Any key, click, wheel or touch anywhere in the application pauses the cycle — a leader reading a table must
not have it swapped away under his finger — and the cycle resumes after a quiet spell.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QTabWidget

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


class PanelCycler(QObject):
    """Advances ``tabs`` every ``interval_ms`` while running; input pauses it for ``idle_resume_ms``."""

    paused_changed = Signal(bool)

    def __init__(self, tabs: QTabWidget, *, interval_ms: int = 20_000, idle_resume_ms: int = 60_000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tabs = tabs
        self.running = False
        self.paused = False
        self._advance = QTimer(self)
        self._advance.setInterval(interval_ms)
        self._advance.timeout.connect(self.next_page)
        self._resume = QTimer(self)
        self._resume.setSingleShot(True)
        self._resume.setInterval(idle_resume_ms)
        self._resume.timeout.connect(self._on_quiet)

    @property
    def interval_ms(self) -> int:
        """How long each page shows."""
        return self._advance.interval()

    def set_running(self, on: bool) -> None:
        """Start or stop cycling (the big-screen switch); input is watched only while cycling."""
        if on == self.running:
            return
        self.running = on
        app = QCoreApplication.instance()
        if on:
            if app is not None:
                app.installEventFilter(self)
            self._set_paused(False)
            self._advance.start()
        else:
            if app is not None:
                app.removeEventFilter(self)
            self._advance.stop()
            self._resume.stop()
            self._set_paused(False)

    def next_page(self) -> None:
        count = self.tabs.count()
        if count > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % count)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.running and event.type() in INPUT_EVENTS:
            self._advance.stop()
            self._resume.start()  # every touch restarts the quiet spell
            self._set_paused(True)
        return False

    def _on_quiet(self) -> None:
        if self.running:
            self._set_paused(False)
            self._advance.start()

    def _set_paused(self, paused: bool) -> None:
        if paused != self.paused:
            self.paused = paused
            self.paused_changed.emit(paused)
