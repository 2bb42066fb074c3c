"""The selected case: code, category, status, source, grid, address, SLA countdown, officer, duplicates, pending
request, joint tasks, attachments — and its history, newest first."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from commandcenter import labels
from commandcenter.cases.feed import CaseDetail, field_state_of
from commandcenter.geo.basemap import Basemap
from commandcenter.runtime.tasks import GuiBridge
from widgets import theme
from widgets.assignees import assignee_kind_label
from widgets.dispatch.case_map import CaseMap
from widgets.dispatch.models import countdown, field_state_label, urgency_label

SLA_ROLES = {"ok": "ok", "warning": "warn", "overdue": "error"}


class CaseDetailView(QLabel):
    """The rich-text summary of one case."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(self.tr("Select a case in the queue."))
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignTop)

    def show_detail(self, detail: CaseDetail) -> None:
        case, sla = detail.case, detail.sla
        colour = theme.colour(SLA_ROLES.get(sla.level, "disabled"))
        accent, warn = theme.colour("accent"), theme.colour("warn")
        deadline = case.deadline_at.astimezone().strftime("%m-%d %H:%M") if case.deadline_at else "—"
        t_source, t_grid, t_urgency = self.tr("Source"), self.tr("Grid"), self.tr("Urgency")
        t_address, t_deadline, t_officer = self.tr("Address"), self.tr("Deadline"), self.tr("Assigned to")
        t_duplicates, t_pending = self.tr("Possible duplicates"), self.tr("Pending request")
        lines = [
            f"<b style='font-size:16px'>{case.code}</b> &nbsp; {case.category_label} &nbsp; "
            f"<span style='color:{accent}'>{case.status_label}</span>",
            f"{t_source}: {case.source_label} &nbsp; {t_grid}: {case.grid_code or '—'} / "
            f"{case.area_code or '—'} &nbsp; {t_urgency}: {urgency_html(case.urgency)}",
            f"{t_address}: {case.address or '—'} ({coordinates(case.lat, case.lon, self.tr('no location'))})",
            f"{case.description}",
            f"{t_deadline}: {deadline} &nbsp; <span style='color:{colour}'>"
            f"{countdown(sla.remaining_hours, sla.level)}</span> &nbsp; {t_officer}: "
            f"{assignee_text(case.assignee_kind, case.officer_display)}",
        ]
        if case.possible_duplicates:
            lines.append(f"<span style='color:{warn}'>{t_duplicates}: {'、'.join(case.possible_duplicates)}</span>")
        pending = case.extra.get("pending_request")
        if isinstance(pending, dict):
            lines.append(f"<span style='color:{warn}'>{t_pending}: {pending.get('kind')} "
                         f"{pending.get('hours', '')} — {pending.get('reason', '')} ({pending.get('by', '')})</span>")
        for task in case.tasks:
            lines.append(f"• {task.department}: {task.task} [{labels.task_status_label(task.status)}]")
        state, note = field_state_of(case)
        if state:
            t_phone = self.tr("Officer's phone")
            shown = field_state_label(state)  # the same words as the queue's status column
            style = f" style='color:{theme.colour('alarm')}'" if state == "refused" else ""
            lines.append(f"<span{style}>{t_phone}: {shown}{' — ' + note if note else ''}</span>")
        if detail.evidence:
            t_attachments = self.tr("Attachments")
            lines.append(f"{t_attachments}: {len(detail.evidence)}")
        self.setText("<br>".join(lines))


def coordinates(lat: float | None, lon: float | None, missing: str) -> str:
    """Latitude, longitude to 6 decimals (about 0.1 m: what a phone's fix means; 14 digits mean nothing)."""
    if lat is None or lon is None:
        return missing
    return f"{lat:.6f}, {lon:.6f}"


def urgency_html(urgency: int) -> str:
    """紧急程度 as a word; 紧急 in the alarm colour."""
    word = urgency_label(urgency)
    return f"<span style='color:{theme.colour('alarm')}'>{word}</span>" if urgency == 1 else word


THUMB_PX = 96
MAX_THUMBS = 6


def _thumbnail(path: Path) -> QImage:
    """Decode and scale one photo (on a worker thread: QImage, unlike QPixmap, may be made off the GUI thread)."""
    image = QImage(str(path))
    if image.isNull():
        return image
    return image.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


class CasePhotos(QWidget):
    """The case's photos (from the street, citizens, the wall) as thumbnails, decoded off the GUI thread."""

    def __init__(self, bridge: GuiBridge | None, resolve: Callable[[str], Path] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._resolve = resolve
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        self._showing: tuple[str, ...] = ()
        self.setVisible(False)

    def show_detail(self, detail: CaseDetail) -> None:
        photos = [e for e in detail.evidence if str(e.get("mime", "")).startswith("image/")
                  and not str(e.get("path", "")).startswith(("http://", "https://"))][:MAX_THUMBS]
        wanted = tuple(str(e["sha256"]) for e in photos)
        if wanted == self._showing:
            return
        self._showing = wanted
        while self._row.count() > 1:
            item = self._row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.setVisible(bool(photos) and self._bridge is not None and self._resolve is not None)
        if not photos or self._bridge is None or self._resolve is None:
            return
        for i, photo in enumerate(photos):
            label = QLabel(self.tr("loading…"))
            label.setFixedSize(THUMB_PX, THUMB_PX)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            citizen = str(photo.get("device", "")) == "open311" or "市民" in str(photo.get("note", ""))
            label.setProperty("citizen", citizen)
            label.setToolTip(f"{self.tr('Citizen photo') + ': ' if citizen else ''}{photo.get('note') or ''}\n"
                             f"SHA-256 {str(photo.get('sha256', ''))[:16]}…".strip())
            self._row.insertWidget(i, label)
            path = self._resolve(str(photo["path"]))
            self._bridge.run(partial(_thumbnail, path), partial(self._set, label))

    def _set(self, label: QLabel, image: QImage) -> None:
        try:
            if image.isNull():
                label.setText(self.tr("unreadable"))
            else:
                label.setPixmap(QPixmap.fromImage(image))
        except RuntimeError:  # the label went with a newer case meanwhile
            pass


class CaseHistory(QListWidget):
    """What happened to the case, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumHeight(140)
        self.setWordWrap(True)  # a long note wraps; the history never scrolls sideways
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def show_detail(self, detail: CaseDetail) -> None:
        self.clear()
        for ev in reversed(detail.events):
            when = ev["time"].astimezone().strftime("%m-%d %H:%M:%S")
            moved = ev["to"] if ev["to"] and ev["to"] != ev["from"] else ""
            officer = f"  {ev['officer']}" if ev.get("officer") else ""
            self.addItem(f"{when}  " + labels.history_text(
                ev["actor"], ev["action"], role=ev.get("actor_role", ""), name=ev.get("actor_name", ""),
                to_status=moved, note=ev["note"], data=ev.get("data")) + officer)


class CasePanel(QWidget):
    """Detail above, history below; the action bar goes between them (``insert_actions``)."""

    place_requested = Signal(str)  # case code: the next map click places this case

    def __init__(self, parent: QWidget | None = None, *, bridge: GuiBridge | None = None,
                 resolve_evidence: Callable[[str], Path] | None = None,
                 basemap: Callable[[], Basemap | None] = lambda: None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.detail = CaseDetailView()
        self.map = CaseMap(basemap, bridge)
        self.place_button = QPushButton(self.tr("Place on map…"))
        self.place_button.setToolTip(self.tr("The case has no coordinates: click this, then click the map (F2) "
                                             "where the case is"))
        self.place_button.setCheckable(True)
        self.place_button.hide()
        self.place_button.clicked.connect(self._place_clicked)
        self.photos = CasePhotos(bridge, resolve_evidence)
        self.history = CaseHistory()
        self._layout.addWidget(self.detail)
        # Where and what: the map of the case beside its photos (the citizen's, the street's, the wall's).
        pictures = QHBoxLayout()
        pictures.setContentsMargins(0, 0, 0, 0)
        pictures.addWidget(self.map)
        pictures.addWidget(self.place_button, 0, Qt.AlignmentFlag.AlignTop)
        pictures.addWidget(self.photos)
        pictures.addStretch(1)  # left-aligned, whether or not there are photos
        self._layout.addLayout(pictures)
        self._layout.addWidget(self.history)
        self._layout.addStretch(1)  # a tall screen leaves the room below, not between the lines of the detail
        self.detail.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._code = ""

    def insert_actions(self, actions: QWidget) -> None:
        self._layout.insertWidget(2, actions)

    def show_detail(self, detail: CaseDetail) -> None:
        case = detail.case
        self._code = case.code
        self.detail.show_detail(detail)
        self.map.show_location(case.lat, case.lon)
        unplaced = case.lat is None or case.lon is None
        self.place_button.setVisible(unplaced and case.is_open)
        if not unplaced:
            self.place_button.setChecked(False)
        self.photos.show_detail(detail)
        self.history.show_detail(detail)

    def _place_clicked(self, checked: bool) -> None:
        self.place_requested.emit(self._code if checked else "")


def assignee_text(kind: str, display: str) -> str:
    """``[车辆] 苏A·H0002 (环卫车)``, ``[执法队员] 张三 (B1)``: the kind, then who or what; — for nobody."""
    if not display:
        return "—"
    return f"[{assignee_kind_label(kind)}] {display}" if kind else display
