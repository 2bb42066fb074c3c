"""The map's scatter items paint their spots themselves (widgets/map/scatter.py): the picture must be pyqtgraph's."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage

from widgets.map.scatter import CachedBoundsScatter


def _picture(plot: pg.PlotWidget) -> QImage:
    plot.repaint()
    return plot.grab().toImage()


def test_the_lean_paint_draws_exactly_what_pyqtgraph_draws(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Spots inside, straddling the edges of and outside the view, hidden (NaN) templates, three symbols, two
    sizes and several colours: the same pixels whichever paint draws them, and the lean one did draw them."""
    rng = np.random.default_rng(7)
    n = 600
    x = rng.uniform(-20, 120, n)  # the view shows 0…100: some spots outside, some across its edges
    y = rng.uniform(-20, 120, n)
    x[:5] = np.nan  # hidden style templates, as the unit layer keeps them
    symbols = rng.choice(["o", "s", "t"], n).tolist()
    sizes = rng.choice([9, 14], n)
    brushes = [pg.mkBrush(c) for c in rng.choice(["#2e7d32", "#c62828", "#1565c0", "#f9a825"], n)]
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(640, 480)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    item = CachedBoundsScatter(x=x, y=y, symbol=symbols, size=sizes, brush=brushes, pen=pg.mkPen("#0b1220"),
                               pxMode=True, antialias=True)
    plot.addItem(item)
    plot.setRange(xRange=(0, 100), yRange=(0, 100), padding=0)
    plot.show()
    qtbot.waitExposed(plot)

    lean_calls: list[bool] = []
    lean = CachedBoundsScatter._paint_atlas_spots

    def counted(self, painter, widget):  # type: ignore[no-untyped-def]
        drew = lean(self, painter, widget)
        lean_calls.append(drew)
        return drew

    monkeypatch.setattr(CachedBoundsScatter, "_paint_atlas_spots", counted)
    ours = _picture(plot)
    assert lean_calls and all(lean_calls), "the lean paint drew the spots"
    monkeypatch.setattr(CachedBoundsScatter, "_paint_atlas_spots", lambda self, painter, widget: False)
    theirs = _picture(plot)
    item.setVisible(False)
    empty = _picture(plot)
    assert theirs != empty, "there are spots to compare"
    assert ours == theirs
