"""The bar above the map: basemap choice, unit search, follow the selected unit, show the whole district."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from commandcenter.config import MapConfig
from commandcenter.runtime.units import UnitTracker
from widgets.map.search import UnitSearchBox


class MapToolbar(QWidget):
    """``basemap_chosen(kind)``, ``search_submitted(text)``, ``follow_toggled(on)``, ``fit_requested()``."""

    basemap_chosen = Signal(str)
    fit_requested = Signal()

    def __init__(self, tracker: UnitTracker, config: MapConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        self.basemap_combo = QComboBox()
        self.basemap_combo.addItem(self.tr("Vector map"), "vector")
        if config.tile_url:
            self.basemap_combo.addItem(self.tr("Online tiles"), "tiles")
        if config.mbtiles:
            self.basemap_combo.addItem(self.tr("Offline tiles (MBTiles)"), "mbtiles")
        self.basemap_combo.currentIndexChanged.connect(
            lambda _i: self.basemap_chosen.emit(str(self.basemap_combo.currentData())))
        bar.addWidget(QLabel(self.tr("Basemap")))
        bar.addWidget(self.basemap_combo)
        self.search_edit = UnitSearchBox(tracker)
        bar.addWidget(self.search_edit, 1)
        self.follow_button = QToolButton()
        self.follow_button.setText(self.tr("Follow"))
        self.follow_button.setCheckable(True)
        bar.addWidget(self.follow_button)
        fit = QToolButton()
        fit.setText(self.tr("Whole district"))
        fit.clicked.connect(self.fit_requested)
        bar.addWidget(fit)

    def show_basemap(self, kind: str) -> None:
        """Reflect a basemap chosen elsewhere (without announcing it again)."""
        index = self.basemap_combo.findData(kind)
        if index >= 0 and index != self.basemap_combo.currentIndex():
            self.basemap_combo.blockSignals(True)
            self.basemap_combo.setCurrentIndex(index)
            self.basemap_combo.blockSignals(False)
