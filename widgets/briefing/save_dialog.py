"""Where a leader's report goes: a save dialog that opens in the user's documents folder with a dated name.

Qt's own file dialog (not the desktop's) is used so every word in it comes from Qt's translations — the
native GTK/portal dialog of a Chinese seat may still speak English when the desktop's locale is not Chinese —
and the few labels Qt leaves to the caller are set from our catalogue.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget


def documents_folder() -> Path:
    """The user's documents folder (QStandardPaths), made if a fresh account has none yet (a dialog pointed at
    a missing folder would fall back to the program's folder); the home folder if it cannot be made."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if not found:
        return Path.home()
    folder = Path(found)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return folder


def dated_name(stem: str, suffix: str, day: date | None = None) -> str:
    """``领导驾驶舱-2026-12-02.pdf``: a file a leader can find again by the day it was made."""
    return f"{stem}-{(day or date.today()).isoformat()}{suffix}"


def report_save_dialog(parent: QWidget | None, title: str, stem: str, suffix: str, name_filter: str, *,
                       dated: bool = True) -> QFileDialog:
    """A Qt (non-native) save dialog in the documents folder, the (dated) name filled in, its labels translated.

    ``dated`` False: the stem already says which period the file holds (``考核-2026-11``)."""
    dialog = QFileDialog(parent, title, str(documents_folder()), name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix(suffix.lstrip("."))
    dialog.selectFile(dated_name(stem, suffix) if dated else f"{stem}{suffix}")
    dialog.setLabelText(QFileDialog.DialogLabel.LookIn, QCoreApplication.translate("ReportSaveDialog", "Save in:"))
    dialog.setLabelText(QFileDialog.DialogLabel.FileName, QCoreApplication.translate("ReportSaveDialog", "File name:"))
    dialog.setLabelText(QFileDialog.DialogLabel.FileType, QCoreApplication.translate("ReportSaveDialog", "File type:"))
    dialog.setLabelText(QFileDialog.DialogLabel.Accept, QCoreApplication.translate("ReportSaveDialog", "Save"))
    dialog.setLabelText(QFileDialog.DialogLabel.Reject, QCoreApplication.translate("ReportSaveDialog", "Cancel"))
    return dialog


def ask_save_path(parent: QWidget | None, title: str, stem: str, suffix: str, name_filter: str, *,
                  dated: bool = True) -> str:
    """The chosen path, or "" when the leader cancelled."""
    dialog = report_save_dialog(parent, title, stem, suffix, name_filter, dated=dated)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return ""
    files = dialog.selectedFiles()
    return files[0] if files else ""
