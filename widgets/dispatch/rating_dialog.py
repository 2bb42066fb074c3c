"""回访: the dispatcher phones the reporter after a case is closed and records how satisfied they were.

A small dialog over the action bar: the five answers a 回访 script offers (非常满意 5 … 不满意 1) and what the
citizen said. The rating is recorded by the case service (source ``callback``, audited) like the ratings that
come through Open311 and the 12345 import; the dialog only collects it.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from commandcenter.cases.rating import MAX_COMMENT

# The answers of the 回访 script, best first: (score, wording).
ANSWERS: tuple[tuple[int, object], ...] = (
    (5, QT_TRANSLATE_NOOP("CallbackRatingDialog", "Very satisfied")),
    (4, QT_TRANSLATE_NOOP("CallbackRatingDialog", "Satisfied")),
    (3, QT_TRANSLATE_NOOP("CallbackRatingDialog", "Fairly satisfied")),
    (2, QT_TRANSLATE_NOOP("CallbackRatingDialog", "Not quite satisfied")),
    (1, QT_TRANSLATE_NOOP("CallbackRatingDialog", "Dissatisfied")),
)


class CallbackRatingDialog(QDialog):
    """Asks for the 回访 answer of one case; ``score()`` and ``comment()`` once accepted."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Callback rating"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Case %1: how satisfied was the reporter with the handling?").replace("%1", code))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.answer = QComboBox()
        for score, text in ANSWERS:
            self.answer.addItem(f"{score} — {QCoreApplication.translate('CallbackRatingDialog', str(text))}", score)
        self.answer.setCurrentIndex(1)
        form.addRow(self.tr("Answer"), self.answer)
        self.comment_edit = QLineEdit()
        self.comment_edit.setMaxLength(MAX_COMMENT)
        self.comment_edit.setPlaceholderText(self.tr("What the reporter said (optional)"))
        form.addRow(self.tr("Remark"), self.comment_edit)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Record"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def score(self) -> int:
        return int(self.answer.currentData())

    def comment(self) -> str:
        return self.comment_edit.text().strip()
