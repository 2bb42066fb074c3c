"""Finding a unit on the map by name, badge, plate or terminal: the search box with its completer."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from commandcenter.runtime.units import UnitTracker


def find_units(tracker: UnitTracker, text: str) -> list[str]:
    """Units whose id, name, device key (badge/plate/terminal) or team contain ``text``; exact matches first.

    A completer entry "name keys (id)" finds exactly that id.
    """
    needle = text.strip().lower()
    if not needle:
        return []
    if "(" in needle and needle.endswith(")"):
        needle = needle[needle.rfind("(") + 1:-1]
    hits: list[str] = []
    for info in tracker.units():
        fields = [info.id, info.name, info.sub_kind, *info.device_keys]
        if any(needle == f.lower() for f in fields if f):
            hits.insert(0, info.id)
        elif any(needle in f.lower() for f in fields if f):
            hits.append(info.id)
    return hits


class UnitSearchBox(QLineEdit):
    """The search field; ``submitted(text)`` on Enter or when a completion is picked."""

    submitted = Signal(str)

    def __init__(self, tracker: UnitTracker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tracker = tracker
        self.setPlaceholderText(self.tr("Search name, badge or plate"))
        self.setClearButtonEnabled(True)
        self._model = QStringListModel(self)
        self._count = -1
        self._stale = True
        completer = QCompleter(self._model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self.submitted)
        self.setCompleter(completer)
        self.returnPressed.connect(lambda: self.submitted.emit(self.text()))
        self.refresh(len(tracker.units()))

    def refresh(self, unit_count: int) -> None:
        """Note that the units changed (cheap to call on every update); the completions are rebuilt when the
        dispatcher comes to the field, not on every update: while a city's units report in, their number changes
        at every 50 ms emission, and sorting 2,000 entries into the completer each time stalled the map."""
        if unit_count == self._count:
            return
        self._count = unit_count
        self._stale = True
        if self.hasFocus():  # someone is searching right now: their list follows the city
            self._rebuild()

    def focusInEvent(self, event: QFocusEvent) -> None:
        if self._stale:
            self._rebuild()
        super().focusInEvent(event)

    def _rebuild(self) -> None:
        entries = []
        for info in self.tracker.units():
            keys = " ".join(k for k in info.device_keys if k)
            entries.append(f"{info.name} {keys} ({info.id})" if keys else f"{info.name} ({info.id})")
        self._model.setStringList(sorted(entries))
        self._stale = False

    def completions(self) -> list[str]:
        """What the completer offers (brought up to date first, as when the field takes focus)."""
        if self._stale:
            self._rebuild()
        return self._model.stringList()
