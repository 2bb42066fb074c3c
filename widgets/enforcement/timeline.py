"""The case timeline: the whole history of a case — workflow events and audit records — who did what when,
with thumbnails of image evidence and an icon for other evidence.

The GUI thread neither reads the database nor decodes images: the history and the scaled thumbnails are
made on the task manager (``QImage`` is safe off the GUI thread) and shown when they arrive; only the
cheap QImage → QPixmap step happens here. A reply for a case no longer shown is dropped.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QLabel, QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from commandcenter.enforcement.timeline import CaseTimelineData, TimelineItem, case_timeline
from commandcenter.labels import action_label as case_action_label
from commandcenter.labels import status_label
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.store import Store
from widgets.enforcement.style import PANEL_QSS, set_role

THUMB = 64


class CaseTimeline(QWidget):
    """Shows ``case_timeline(store, case_id)``; call ``set_case`` to load, ``refresh`` after changes."""

    loaded = Signal()  # the shown history was replaced (or the case was not found)

    def __init__(self, store: Store, tasks: TaskManager, parent: QWidget | None = None, *,
                 evidence_root: Path | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.evidence_root = evidence_root
        self.case_id: int | None = None
        self.data: CaseTimelineData | None = None
        self._thumbs: dict[Path, QIcon] = {}
        self._bridge = GuiBridge(tasks, self)
        self._asked = 0
        self.setObjectName("enforcementPanel")
        self.setStyleSheet(PANEL_QSS)

        self.header = QLabel(self.tr("No case selected"))
        self.header.setProperty("role", "title")
        self.status = QLabel("")
        self.status.setProperty("role", "hint")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([self.tr("Time"), self.tr("Who"), self.tr("What"), self.tr("Details")])
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setColumnWidth(0, 170)
        self.tree.setColumnWidth(1, 110)
        self.tree.setColumnWidth(2, 200)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)

    # ------------------------------------------------------------------------------------------- labels
    def action_label(self, action: str) -> str:
        """Translated name of an audit action code; workflow event codes (``register``, ``escalate`` …) take
        their verb from :mod:`commandcenter.labels`; unknown codes are shown as they are."""
        labels = {
            "case.create": self.tr("Case created"),
            "case.register": self.tr("Registered"),
            "case.reject": self.tr("Rejected"),
            "case.dispatch": self.tr("Dispatched"),
            "case.handle": self.tr("Handled"),
            "case.feedback": self.tr("Feedback"),
            "case.verify": self.tr("Verified"),
            "case.close": self.tr("Closed"),
            "case.suspend": self.tr("Suspended"),
            "case.return": self.tr("Returned"),
            "case.transfer": self.tr("Transferred"),
            "case.investigate": self.tr("Investigation"),
            "case.decide": self.tr("Decision"),
            "case.execute": self.tr("Execution"),
            "case.archive": self.tr("Archived"),
            "case.party": self.tr("Party identified"),
            "evidence.add": self.tr("Evidence added"),
            "evidence.integrity_failed": self.tr("Evidence integrity check failed"),
            "decision.record": self.tr("Decision recorded"),
            "decision.legal_review": self.tr("Legal review"),
            "document.issue": self.tr("Document issued"),
            "permission.denied": self.tr("Action refused"),
        }
        return labels.get(action) or case_action_label(action)

    # ------------------------------------------------------------------------------------------- loading
    def set_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.refresh()

    def refresh(self) -> None:
        """Reload the case's history and thumbnails on the task manager; shown when they arrive."""
        if self.case_id is None:
            return
        self._asked += 1
        asked, case_id, root, known = self._asked, self.case_id, self.evidence_root, set(self._thumbs)

        def load() -> tuple[CaseTimelineData, dict[Path, QImage]]:
            data = case_timeline(self.store, case_id, evidence_root=root)
            images = {}
            for entry in data.items:
                path = entry.evidence_path
                if (entry.action == "evidence.add" and path is not None and path not in known
                        and entry.evidence_mime.startswith("image/")):
                    images[path] = _thumbnail(path)
            return data, images

        self._bridge.run(load, lambda result: self._show(asked, *result), lambda exc: self._not_found(asked, exc))

    def _not_found(self, asked: int, exc: BaseException) -> None:
        if asked != self._asked:
            return
        self.data = None
        if isinstance(exc, LookupError):
            self.header.setText(self.tr("Case %1 not found").replace("%1", str(self.case_id)))
        else:
            self.header.setText(str(exc))
        self.tree.clear()
        self.loaded.emit()

    def _show(self, asked: int, data: CaseTimelineData, images: dict[Path, QImage]) -> None:
        if asked != self._asked:  # a newer request (another case) is on its way
            return
        for path, image in images.items():
            if not image.isNull():
                self._thumbs[path] = QIcon(QPixmap.fromImage(image))
        self.data = data
        self.header.setText(self.data.title)
        self.status.setText(self.tr("%1 entries · status %2").replace("%1", str(len(self.data.items)))
                            .replace("%2", status_label(self.data.status)))
        set_role(self.status, "hint")
        self.tree.clear()
        for entry in self.data.items:
            self.tree.addTopLevelItem(self._row(entry))
        self.loaded.emit()

    def _row(self, entry: TimelineItem) -> QTreeWidgetItem:
        when = f"{entry.time.astimezone():%Y-%m-%d %H:%M:%S}"  # the machine's zone: the bureau's local time
        what = self.action_label(entry.action)
        if entry.source == "audit" and entry.seq is not None:
            what += f"  #{entry.seq}"
        item = QTreeWidgetItem([when, entry.actor, what, entry.summary])
        item.setToolTip(3, entry.summary)
        if entry.action == "permission.denied":
            for col in range(4):
                item.setForeground(col, Qt.GlobalColor.red)
        if entry.action == "evidence.add":
            item.setIcon(2, self._evidence_icon(entry))
            item.setSizeHint(2, QSize(THUMB + 8, THUMB + 8))
        return item

    def _evidence_icon(self, entry: TimelineItem) -> QIcon:
        path = entry.evidence_path
        if path is not None and path in self._thumbs:
            return self._thumbs[path]
        style = self.style()
        kind = entry.evidence_mime.split("/")[0]
        pixmap = {"video": QStyle.StandardPixmap.SP_MediaPlay, "audio": QStyle.StandardPixmap.SP_MediaVolume}.get(
            kind, QStyle.StandardPixmap.SP_FileIcon)
        return style.standardIcon(pixmap)


def _thumbnail(path: Path) -> QImage:
    """The image decoded at thumbnail size (on a worker: QImage, unlike QPixmap, may be made off the GUI thread)."""
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and size.width() > 0:
        reader.setScaledSize(size.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()
