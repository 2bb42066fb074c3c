"""Table columns that fit the view's width without a horizontal scroll bar.

Every column gets the width of its content; when they do not all fit, the columns marked shrinkable give up
width (down to their minimum, elided, the whole text in the tooltip) and one fill column takes what is left.
Used where a panel is narrower than its content in some language or at some size (the dispatch queue and unit
board): the user sees every column, never half of one behind a scroll bar.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QHeaderView, QTableView


class ColumnFitter(QObject):
    """Refits ``view``'s columns on resize and whenever its model's rows change."""

    def __init__(self, view: QTableView, fill: int, shrinkable: dict[int, int]) -> None:
        super().__init__(view)
        self.view = view
        self.fill = fill
        self.shrinkable = dict(shrinkable)  # column → minimum width in px
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setWordWrap(False)
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.dataChanged):
            signal.connect(self.fit)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self, *_args: object) -> None:
        view, header = self.view, self.view.horizontalHeader()
        columns = [c for c in range(header.count()) if not view.isColumnHidden(c)]
        if not columns:
            return
        wanted = {c: max(view.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in columns}
        available = view.viewport().width()
        excess = sum(wanted.values()) - available
        shrink = [c for c in columns if c in self.shrinkable and c != self.fill]
        widths = dict(wanted)
        if excess > 0:  # take the excess from the fill column first, then evenly from the shrinkable ones
            give = min(excess, wanted.get(self.fill, 0) - self.shrinkable.get(self.fill, 40))
            if self.fill in widths and give > 0:
                widths[self.fill] -= give
                excess -= give
            while excess > 0 and shrink:
                share = max(1, excess // len(shrink))
                for c in list(shrink):
                    cut = min(share, widths[c] - self.shrinkable[c], excess)
                    widths[c] -= cut
                    excess -= cut
                    if widths[c] <= self.shrinkable[c]:
                        shrink.remove(c)
        elif self.fill in widths:
            widths[self.fill] -= excess  # the room left over goes to the fill column
        for c in columns:
            view.setColumnWidth(c, max(20, widths[c]))
