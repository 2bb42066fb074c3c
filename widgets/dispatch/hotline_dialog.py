"""The 12345 import's column mapping, chosen by the dispatcher: each field of a case against a column of the file.

Hotline platforms export the same tickets under different headers (诉求内容 / 来电内容 / 内容 …). The dialog
preselects the column the configured mapping recognises for every field, lets the dispatcher change any of them
and the datum of the file's coordinates (WeChat/Amap exports are GCJ-02, Baidu's BD-09), and refuses to start
while a required field has no column — the same rule as ``commandcenter cases import``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from commandcenter.cases.intake import FIELDS, REQUIRED_FIELDS, HotlineMapping

NONE = ""  # the combo entry "no column"
DATUMS = ("wgs84", "gcj02", "bd09")


class HotlineMappingDialog(QDialog):
    """``mapping()`` after ``exec()`` is the configured mapping with the dispatcher's choices first."""

    def __init__(self, file_name: str, headers: Sequence[str], base: HotlineMapping, datum: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import 12345 hotline tickets"))
        self.base = base
        found = base.resolve(list(headers))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("File %1: choose the column holding each field (* required).").replace(
            "%1", file_name))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for name in FIELDS:
            if name == "coords":
                continue  # "lat,lon" in one cell: kept from the configured mapping, rare in real exports
            combo = QComboBox()
            combo.addItem(self.tr("(none)"), NONE)
            for header in headers:
                combo.addItem(header, header)
            chosen = found.get(name, NONE)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.currentIndexChanged.connect(self._check)
            self.combos[name] = combo
            label = self._field_label(name) + (" *" if name in REQUIRED_FIELDS else "")
            form.addRow(label, combo)
        self.datum = QComboBox()
        for code, text in zip(DATUMS, (self.tr("WGS-84 (GPS)"), self.tr("GCJ-02 (WeChat, Amap, Tencent)"),
                                       self.tr("BD-09 (Baidu)")), strict=True):
            self.datum.addItem(text, code)
        self.datum.setCurrentIndex(max(0, self.datum.findData(base.datum or datum)))
        form.addRow(self.tr("Coordinates are in"), self.datum)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setProperty("role", "alarm")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._check()

    def _field_label(self, name: str) -> str:
        labels = {"external_id": self.tr("Ticket number"), "category": self.tr("Request type"),
                  "description": self.tr("Request content"), "address": self.tr("Address"),
                  "lat": self.tr("Latitude"), "lon": self.tr("Longitude"), "time_limit": self.tr("Time limit"),
                  "reporter": self.tr("Contact"), "phone": self.tr("Contact phone"),
                  "created_at": self.tr("Call time"), "rating": self.tr("Callback satisfaction")}
        return labels.get(name, name)

    def missing(self) -> list[str]:
        return [self._field_label(n) for n in REQUIRED_FIELDS if self.combos[n].currentData() == NONE]

    def _check(self) -> None:
        missing = self.missing()
        self.problem.setText(self.tr("No column chosen for: %1").replace("%1", "、".join(missing)) if missing else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not missing)

    def mapping(self) -> HotlineMapping:
        """The chosen columns (a field set to none is left out) on top of the configured categories."""
        columns = {name: str(combo.currentData()) for name, combo in self.combos.items()
                   if combo.currentData() != NONE}
        if "coords" in self.base.columns and not ({"lat", "lon"} & set(columns)):
            columns["coords"] = self.base.columns["coords"]
        return dataclasses.replace(self.base, columns=columns, alternatives={}, datum=str(self.datum.currentData()))
