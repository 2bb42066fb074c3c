"""The new-case form (立案): category, description, address or grid cell or a map click, attachments.

Attachments are hashed and the case is written on the feed's worker, never on the GUI thread.
"""

from __future__ import annotations

import hashlib
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.model import CaseView, EvidenceRef, NewCase
from commandcenter.cases.service import CaseService

CREATE = "create"  # the feed's background label of a case made from this form


class IntakeForm(QWidget):
    """``message(text, error)`` when the form cannot be sent; the result arrives as the feed's ``done("create")``."""

    message = Signal(str, bool)

    def __init__(self, service: CaseService, feed: DispatchFeed, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.feed = feed
        self.actor = actor
        self._attachments: list[str] = []
        form = QFormLayout(self)
        self.category_combo = QComboBox()
        for cat in service.categories:
            self.category_combo.addItem(f"{cat.code} {cat.label}", cat.code)
        form.addRow(self.tr("Category"), self.category_combo)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setMaximumHeight(80)
        form.addRow(self.tr("Description"), self.description_edit)
        self.address_edit = QLineEdit()
        form.addRow(self.tr("Address"), self.address_edit)
        self.grid_edit = QLineEdit()
        self.grid_edit.setPlaceholderText(self.tr("grid cell code, filled from the location"))
        form.addRow(self.tr("Grid cell"), self.grid_edit)
        self.lat_spin = QDoubleSpinBox()
        self.lon_spin = QDoubleSpinBox()
        for spin, limit in ((self.lat_spin, 90.0), (self.lon_spin, 180.0)):
            spin.setDecimals(6)
            spin.setRange(-limit, limit)
        self.has_location = QCheckBox(self.tr("Use coordinates (click the map)"))
        form.addRow(self.tr("Latitude"), self.lat_spin)
        form.addRow(self.tr("Longitude"), self.lon_spin)
        form.addRow("", self.has_location)
        self.register_check = QCheckBox(self.tr("Register at once"))
        self.register_check.setChecked(True)
        form.addRow("", self.register_check)
        attach = QPushButton(self.tr("Attach photo or file…"))
        attach.clicked.connect(self._attach_clicked)
        self.attach_label = QLabel("")
        form.addRow(attach, self.attach_label)
        self.create_button = QPushButton(self.tr("Create case"))
        self.create_button.clicked.connect(self.create_case)
        form.addRow("", self.create_button)

    def set_location(self, lat: float, lon: float) -> None:
        """A map click: the coordinates (the grid cell is looked up when the case is made)."""
        self.lat_spin.setValue(lat)
        self.lon_spin.setValue(lon)
        self.has_location.setChecked(True)
        self.grid_edit.clear()

    def prefill(self, data: dict[str, Any]) -> None:
        """Start a case from an alarm: its location, category and text."""
        if data.get("lat") is not None and data.get("lon") is not None:
            self.set_location(float(data["lat"]), float(data["lon"]))
        category = self.service.categories.get(str(data.get("category", "")))
        if category is not None:
            index = self.category_combo.findData(category.code)
            if index >= 0:
                self.category_combo.setCurrentIndex(index)
        self.description_edit.setPlainText(str(data.get("text", "")))

    def create_case(self) -> None:
        """Create a case from the form on the feed's worker."""
        use_location = self.has_location.isChecked()
        spec = NewCase(source="dispatcher", category=str(self.category_combo.currentData()),
                       description=self.description_edit.toPlainText().strip(),
                       lat=self.lat_spin.value() if use_location else None,
                       lon=self.lon_spin.value() if use_location else None,
                       address=self.address_edit.text().strip(), grid_code=self.grid_edit.text().strip(),
                       reporter=self.actor)
        if not use_location and not spec.address and not spec.grid_code:
            self.message.emit(self.tr("Give a location: click the map, type an address or a grid cell."), True)
            return
        files = list(self._attachments)
        register = self.register_check.isChecked()
        service, actor = self.service, self.actor

        def work() -> CaseView:
            spec.evidence = [_evidence_for(path) for path in files]
            return service.create_case(spec, actor, register=register).result(30)

        self.feed.run_in_background(CREATE, work)

    def created(self) -> None:
        """The case was made: empty what belonged to it."""
        self._attachments.clear()
        self.attach_label.clear()
        self.description_edit.clear()

    def _attach_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach files"))
        self._attachments.extend(paths)
        self.attach_label.setText(self.tr("%1 file(s)").replace("%1", str(len(self._attachments))))


def _evidence_for(path: str) -> EvidenceRef:
    """Hash an attachment (runs on a worker thread)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return EvidenceRef(path=str(path), sha256=digest.hexdigest(), size=size)
