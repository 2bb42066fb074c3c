"""Table columns that fit the view's width without a horizontal scroll bar.

Every column gets the width of its content; when they do not all fit, the columns marked shrinkable give up
width (down to their minimum, elided, the whole text in the tooltip) and one fill column takes what is left.
Used where a panel is narrower than its content in some language or at some size (the dispatch queue and unit
board): the user sees every column, never half of one behind a scroll bar.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QTableView


class ColumnFitter(QObject):
    """Refits ``view``'s columns on resize and whenever its model's rows change.

    A fit measures the cells (Python ``data()`` calls per cell and role; on a hidden view Qt measures up to 1,000
    rows, not only the visible ones), so it must not run for every model signal: a refresh of the unit board at
    2,000 officers cost the GUI thread ~100 ms per burst. Model changes schedule one fit for the next turn of the
    event loop (a burst of signals costs one fit), and a view that is not shown is fitted when it is shown.
    """

    def __init__(self, view: QTableView, fill: int, shrinkable: dict[int, int],
                 drop: Sequence[int] = ()) -> None:
        super().__init__(view)
        self.view = view
        self.fill = fill
        self.shrinkable = dict(shrinkable)  # column → minimum width in px
        self.drop = list(drop)  # columns to hide, in this order, when even the minimum widths do not fit
        self._dropped: set[int] = set()
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setWordWrap(False)
        view.viewport().installEventFilter(self)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self._fit_if_shown)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.dataChanged):
            signal.connect(self.schedule)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit()
        return False

    def schedule(self, *_args: object) -> None:
        """The model changed: fit once, on the next turn of the event loop (or when the view is shown)."""
        if not self._pending.isActive():
            self._pending.start()

    def _fit_if_shown(self) -> None:
        if self.view.isVisible():  # a hidden view is fitted by the Show event of its viewport
            self.fit()

    def fit(self, *_args: object) -> None:
        view, header = self.view, self.view.horizontalHeader()
        for column in self._dropped:
            view.setColumnHidden(column, False)
        self._dropped.clear()
        columns = [c for c in range(header.count()) if not view.isColumnHidden(c)]
        if not columns:
            return
        wanted = {c: max(view.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in columns}
        available = view.viewport().width()
        for column in self.drop:  # too narrow even at the minimums: the least needed columns go
            if sum(min(wanted[c], self.shrinkable.get(c, wanted[c])) for c in columns) <= available:
                break
            if column in columns:
                columns.remove(column)
                view.setColumnHidden(column, True)
                self._dropped.add(column)
        widths = {c: wanted[c] for c in columns}
        excess = sum(widths.values()) - available
        shrink = [c for c in columns if c in self.shrinkable and c != self.fill]
        if excess > 0:  # the excess comes from the fill column first, then from the shrinkable ones
            give = min(excess, wanted.get(self.fill, 0) - self.shrinkable.get(self.fill, 40))
            if self.fill in widths and give > 0:
                widths[self.fill] -= give
                excess -= give
            room = sum(max(0, widths[c] - self.shrinkable[c]) for c in shrink)
            if room > 0:  # each shrinkable column gives in proportion to what it has above its minimum
                take = min(excess, room)
                for c in shrink:
                    widths[c] -= take * max(0, widths[c] - self.shrinkable[c]) // room
                excess = sum(widths.values()) - available
                for c in shrink:  # the few pixels the integer division left over
                    give = min(excess, widths[c] - self.shrinkable[c])
                    if give > 0:
                        widths[c] -= give
                        excess -= give
        if excess < 0 and self.fill in widths:
            widths[self.fill] -= excess  # the room left over goes to the fill column
        for c in columns:
            view.setColumnWidth(c, max(20, widths[c]))
