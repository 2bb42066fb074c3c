"""The dispatch screen's right-hand panels as a vertical list beside a stack: every panel's name is visible and
one click away, however many panels there are (a tab bar at 420 px showed five and hid the rest behind arrows).

It answers the part of QTabWidget's interface the screen and its tests use (addTab, count, currentIndex,
setCurrentIndex, tabText, widget, indexOf), so panels added by other modules need no change."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

STACK_MIN_PX = 300
NAMES_MAX_PX = 140


class SideTabs(QWidget):
    """Names on the left (as wide as the longest, no scroll bar sideways), the chosen panel on the right."""

    currentChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names = QListWidget()
        self.names.setObjectName("sideTabs")
        self.names.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.names.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.names.setWordWrap(True)
        self.stack = QStackedWidget()
        # A wide panel (the penalty decision form) must not widen the whole column and squeeze the queue: the
        # stack takes the width the splitter gives it (panels scroll or elide inside).
        self.stack.setMinimumWidth(STACK_MIN_PX)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.names)
        layout.addWidget(self.stack, 1)
        self.names.currentRowChanged.connect(self._chosen)

    def addTab(self, widget: QWidget, title: str) -> int:
        index = self.stack.addWidget(widget)
        item = QListWidgetItem(title)
        item.setToolTip(title)
        self.names.addItem(item)
        self._fit_names()
        if self.names.currentRow() < 0:
            self.names.setCurrentRow(0)
        return index

    def count(self) -> int:
        return self.stack.count()

    def currentIndex(self) -> int:
        return self.stack.currentIndex()

    def setCurrentIndex(self, index: int) -> None:
        self.names.setCurrentRow(index)

    def currentWidget(self) -> QWidget | None:
        return self.stack.currentWidget()

    def widget(self, index: int) -> QWidget | None:
        return self.stack.widget(index)

    def indexOf(self, widget: QWidget) -> int:
        return self.stack.indexOf(widget)

    def tabText(self, index: int) -> str:
        item = self.names.item(index)
        return item.text() if item is not None else ""

    def _chosen(self, row: int) -> None:
        if 0 <= row < self.stack.count():
            self.stack.setCurrentIndex(row)
            self.currentChanged.emit(row)

    def _fit_names(self) -> None:
        """The name column as wide as its longest name (the font's own measure: Chinese or English)."""
        metrics = self.names.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.names.item(i).text()) for i in range(self.names.count())),
                     default=60)
        self.names.setFixedWidth(min(widest + 20, NAMES_MAX_PX))  # a longer name wraps
