"""The dispatch screen (调度台): case queue with SLA countdowns, case detail with the legal workflow actions,
the top-3 officer recommendation with reasons and one-click (or drag-and-drop) assignment, the unit status
board, the new-case form, the hotline import and the geofence/alarm event list.

A thin view: data arrives from :class:`commandcenter.cases.feed.DispatchFeed` (read on the task manager when a change is announced)
and every intent goes to the :class:`commandcenter.cases.service.CaseService`, whose writes run on the store's
writer thread and answer with futures; their outcome comes back to the GUI thread through a queued signal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMimeData, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from commandcenter import labels
from commandcenter.cases import workflow
from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.dispatch import Recommendation
from commandcenter.cases.feed import CaseDetail, DispatchFeed, DispatchSnapshot
from commandcenter.cases.intake import import_hotline
from commandcenter.cases.model import CaseView, EvidenceRef, NewCase
from commandcenter.cases.service import CaseService
from widgets.dispatch.models import CaseQueueModel, UnitBoardModel, countdown

__all__ = ["OFFICER_MIME", "DispatchScreen"]

OFFICER_MIME = "application/x-cc-officer-id"

# Button labels of the workflow actions (English source strings; Chinese in dispatch_zh_CN.ts).
ACTION_TEXT = {
    "register": QT_TRANSLATE_NOOP("DispatchScreen", "Register"),
    "reject": QT_TRANSLATE_NOOP("DispatchScreen", "Reject"),
    "dispatch": QT_TRANSLATE_NOOP("DispatchScreen", "Dispatch"),
    "arrive": QT_TRANSLATE_NOOP("DispatchScreen", "On scene"),
    "feedback": QT_TRANSLATE_NOOP("DispatchScreen", "Report handled"),
    "verify": QT_TRANSLATE_NOOP("DispatchScreen", "Verify"),
    "close": QT_TRANSLATE_NOOP("DispatchScreen", "Close case"),
    "rework": QT_TRANSLATE_NOOP("DispatchScreen", "Rework"),
    "suspend": QT_TRANSLATE_NOOP("DispatchScreen", "Request suspension"),
    "resume": QT_TRANSLATE_NOOP("DispatchScreen", "Resume"),
    "extend": QT_TRANSLATE_NOOP("DispatchScreen", "Request extension"),
    "return": QT_TRANSLATE_NOOP("DispatchScreen", "Return"),
    "transfer": QT_TRANSLATE_NOOP("DispatchScreen", "Transfer"),
    "summon": QT_TRANSLATE_NOOP("DispatchScreen", "Joint enforcement"),
    "investigate": QT_TRANSLATE_NOOP("DispatchScreen", "Investigate"),
    "decide": QT_TRANSLATE_NOOP("DispatchScreen", "Decision"),
    "legal_review": QT_TRANSLATE_NOOP("DispatchScreen", "Legal review"),
    "execute": QT_TRANSLATE_NOOP("DispatchScreen", "Execute"),
    "archive": QT_TRANSLATE_NOOP("DispatchScreen", "Archive"),
    "merge": QT_TRANSLATE_NOOP("DispatchScreen", "Merge into duplicate"),
}
_RECOMMENDABLE = {"registered", "returned", "dispatched"}


def _tr(text: object) -> str:
    return QCoreApplication.translate("DispatchScreen", str(text))


class _QueueView(QTableView):
    """The case queue; an officer dropped on a row is dispatched to that case."""

    officerDropped = Signal(str, str)  # case code, officer id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(OFFICER_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(OFFICER_MIME) and self.indexAt(event.position().toPoint()).isValid():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        officer = bytes(event.mimeData().data(OFFICER_MIME).data()).decode()
        code = index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None
        if code and officer:
            self.officerDropped.emit(str(code), officer)
            event.acceptProposedAction()
        else:
            event.ignore()


class _OfficerList(QListWidget):
    """Recommended officers; items drag with the officer MIME type onto the queue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)

    def mimeTypes(self) -> list[str]:
        return [OFFICER_MIME, "text/plain"]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        ids = [str(item.data(Qt.ItemDataRole.UserRole)) for item in items if item.data(Qt.ItemDataRole.UserRole)]
        if ids:
            mime.setData(OFFICER_MIME, ids[0].encode())
            mime.setText(ids[0])
        return mime


class DispatchScreen(QWidget):
    """The dispatcher's screen. ``DispatchScreen(service, feed=DispatchFeed(service))``; ``set_location(lat, lon)`` from a map click."""

    def __init__(self, service: CaseService, parent: QWidget | None = None, *, actor: str = "dispatcher",
                 feed: DispatchFeed, start: bool = True, tasking: Any = None, fleet: Any = None,
                 attach_snapshot: Callable[[CaseView, str], Future[Any] | None] | None = None,
                 case_panels: Sequence[tuple[str, QWidget]] = ()) -> None:
        super().__init__(parent)
        self.service = service
        self.actor = actor
        self.tasking = tasking  # commandcenter.drones.tasking.DroneTasking: 派无人机 (None: no drones)
        self.fleet = fleet
        # Attaches the latest video-wall snapshot to a case as evidence (None: no wall in this build).
        self.attach_snapshot = attach_snapshot
        # Extra per-case tabs (e.g. the 全过程记录 timeline and the 处罚决定 panel): widgets with set_case(case_id).
        self.case_panels = list(case_panels)
        self.feed = feed  # from the composition: reads on the task manager, refreshes on announced changes
        self._current: CaseView | None = None
        self._recommendations: list[Recommendation] = []
        self._attachments: list[str] = []
        self._flash_left = 0
        self.action_buttons: dict[str, QPushButton] = {}
        self.setObjectName("DispatchScreen")
        self._build()
        self.feed.snapshot.connect(self._on_snapshot)
        self.feed.detail.connect(self._on_detail)
        self.feed.recommendations.connect(self._on_recommendations)
        self.feed.failed.connect(lambda message: self._say(message, error=True))
        self.feed.done.connect(self._on_background_done)
        self.feed.changed.connect(self._on_cases_changed)
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(400)
        self._flash_timer.timeout.connect(self._flash_step)
        if start:
            self.feed.start()

    # =========================================================================================== layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        title = QLabel(self.tr("Dispatch"))
        title.setStyleSheet("font-size: 20px; font-weight: bold; color: #ffffff;")
        self.banner = QLabel("")
        self.banner.setStyleSheet("color: #ff7b72; font-weight: bold;")
        self.import_button = QPushButton(self.tr("Import hotline tickets…"))
        self.import_button.clicked.connect(self._import_clicked)
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        top.addWidget(title)
        top.addWidget(self.banner, 1)
        top.addWidget(self.import_button)
        top.addWidget(refresh)
        root.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(split, 1)
        self.status_line = QLabel("")
        self.status_line.setWordWrap(True)
        root.addWidget(self.status_line)

        # -- queue
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.queue_title = QLabel(self.tr("Case queue"))
        lv.addWidget(self.queue_title)
        self.queue_model = CaseQueueModel(self)
        self.queue_view = _QueueView()
        self.queue_view.setModel(self.queue_model)
        self.queue_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue_view.setAlternatingRowColors(True)
        self.queue_view.verticalHeader().setVisible(False)
        self.queue_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.queue_view.horizontalHeader().setStretchLastSection(True)
        self.queue_view.clicked.connect(self._queue_clicked)
        self.queue_view.officerDropped.connect(self._assign)
        lv.addWidget(self.queue_view, 1)
        split.addWidget(left)

        # -- detail, actions, recommendation
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox(self.tr("Case detail"))
        bv = QVBoxLayout(box)
        self.detail_label = QLabel(self.tr("Select a case in the queue."))
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.RichText)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        bv.addWidget(self.detail_label)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("Reason / note (required for reject, rework, return …)"))
        bv.addWidget(self.reason_edit)
        self.actions_row = QHBoxLayout()
        self.actions_row.setSpacing(4)
        actions_holder = QWidget()
        actions_holder.setLayout(self.actions_row)
        bv.addWidget(actions_holder)
        self.approval_row = QHBoxLayout()
        self.approve_button = QPushButton(self.tr("Approve request"))
        self.deny_button = QPushButton(self.tr("Deny request"))
        self.approve_button.clicked.connect(lambda: self._decide_request(True))
        self.deny_button.clicked.connect(lambda: self._decide_request(False))
        self.approval_row.addWidget(self.approve_button)
        self.approval_row.addWidget(self.deny_button)
        self.approval_row.addStretch(1)
        self.drone_combo = QComboBox()
        self.drone_combo.setToolTip(self.tr("Drone to send to the case location"))
        self.drone_button = QPushButton(self.tr("Send drone"))
        self.drone_button.setToolTip(self.tr("Fly the drone to the case at a safe altitude, put its video on the "
                                             "wall and attach a snapshot as evidence"))
        self.drone_button.clicked.connect(self._send_drone)
        self.approval_row.addWidget(self.drone_combo)
        self.approval_row.addWidget(self.drone_button)
        self.snapshot_button = QPushButton(self.tr("Attach wall snapshot"))
        self.snapshot_button.setToolTip(self.tr("Attach the latest snapshot taken on the video wall to this case "
                                                "as evidence (SHA-256 recorded)"))
        self.snapshot_button.clicked.connect(self._attach_snapshot)
        self.approval_row.addWidget(self.snapshot_button)
        self.snapshot_button.setVisible(self.attach_snapshot is not None)
        if self.tasking is None or self.fleet is None:
            self.drone_combo.hide()
            self.drone_button.hide()
        bv.addLayout(self.approval_row)
        self.history = QListWidget()
        self.history.setMaximumHeight(140)
        bv.addWidget(self.history)
        mv.addWidget(box, 3)
        rec_box = QGroupBox(self.tr("Recommended officers (drag onto a case or click Assign)"))
        rv = QVBoxLayout(rec_box)
        self.rec_list = _OfficerList()
        rv.addWidget(self.rec_list)
        self.assign_button = QPushButton(self.tr("Assign selected officer"))
        self.assign_button.clicked.connect(self._assign_selected)
        rv.addWidget(self.assign_button)
        mv.addWidget(rec_box, 2)
        split.addWidget(middle)

        # -- right tabs
        self.tabs = QTabWidget()
        self.unit_model = UnitBoardModel(self)
        self.unit_view = QTableView()
        self.unit_view.setModel(self.unit_model)
        self.unit_view.verticalHeader().setVisible(False)
        self.unit_view.setAlternatingRowColors(True)
        self.unit_view.horizontalHeader().setStretchLastSection(True)
        self.tabs.addTab(self.unit_view, self.tr("Units"))
        self.tabs.addTab(self._build_form(), self.tr("New case"))
        self.event_list = QListWidget()
        self.event_list.itemDoubleClicked.connect(self._event_activated)
        self.tabs.addTab(self.event_list, self.tr("Alarms"))
        for panel_title, panel in self.case_panels:
            self.tabs.addTab(panel, panel_title)
        self.leader_list = QListWidget()
        self.leader_list.itemClicked.connect(lambda item: self.select_case(str(item.data(Qt.ItemDataRole.UserRole))))
        self.tabs.addTab(self.leader_list, self.tr("Escalated"))
        split.addWidget(self.tabs)
        split.setSizes([560, 420, 420])
        self._show_actions(None)

    def _build_form(self) -> QWidget:
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        self.category_combo = QComboBox()
        for cat in self.service.categories:
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
        self.create_button.clicked.connect(self.create_from_form)
        form.addRow("", self.create_button)
        return form_widget

    # =========================================================================================== public
    def set_actor(self, actor: str) -> None:
        """The logged-in user, passed to every action (the service asks the permission hook)."""
        self.actor = actor

    def set_location(self, lat: float, lon: float) -> None:
        """A map click: fill the new-case form's coordinates (the grid cell is looked up when the case is made)."""
        self.lat_spin.setValue(lat)
        self.lon_spin.setValue(lon)
        self.has_location.setChecked(True)
        self.grid_edit.clear()
        self.tabs.setCurrentIndex(1)

    def add_event(self, text: str, *, source: str = "geofence", category: str = "", lat: float | None = None,
                  lon: float | None = None, urgent: bool = False, time: datetime | None = None) -> None:
        """An alarm (geofence, sensor, camera) for the event list; double-click one to prefill a new case."""
        stamp = (time or datetime.now()).astimezone().strftime("%H:%M:%S")
        item = QListWidgetItem(f"{stamp}  [{source}]  {text}")
        item.setData(Qt.ItemDataRole.UserRole, {"source": source, "category": category, "lat": lat, "lon": lon,
                                                "text": text})
        if urgent:
            item.setForeground(Qt.GlobalColor.red)
            self._flash(self.tr("Alarm: %1").replace("%1", text))
        self.event_list.insertItem(0, item)
        while self.event_list.count() > 500:
            self.event_list.takeItem(self.event_list.count() - 1)

    def select_case(self, code: str) -> None:
        for row, queue_row in enumerate(self.queue_model.rows):
            if queue_row.code == code:
                self.queue_view.selectRow(row)
                break
        self.feed.request_detail(code)

    def refresh(self) -> None:
        self.feed.refresh()
        if self._current is not None:
            self.feed.request_detail(self._current.code)

    def shutdown(self) -> None:
        self.feed.stop()
        self._flash_timer.stop()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    # =========================================================================================== feed data
    def _on_snapshot(self, snap: DispatchSnapshot) -> None:
        selected = self._current.code if self._current else None
        self.queue_model.set_rows(snap.queue)
        if selected:
            for row, r in enumerate(snap.queue):
                if r.code == selected:
                    self.queue_view.selectRow(row)
                    break
        self.unit_model.set_rows(snap.units)
        overdue = sum(1 for r in snap.queue if r.level == "overdue")
        self.queue_title.setText(self.tr("Case queue: %1 open, %2 overdue").replace("%1", str(sum(
            1 for r in snap.queue if r.status not in workflow.CLOSED_STATUSES))).replace("%2", str(overdue)))
        self.leader_list.clear()
        for r in snap.escalated:
            item = QListWidgetItem(f"{r.code}  {r.category}  {r.status_label}  {countdown(r.remaining_hours, r.level)}")
            item.setForeground(Qt.GlobalColor.red if r.level == "overdue" else Qt.GlobalColor.yellow)
            item.setData(Qt.ItemDataRole.UserRole, r.code)
            self.leader_list.addItem(item)
        if snap.new_urgent:
            self._flash(self.tr("New urgent case: %1").replace("%1", "、".join(snap.new_urgent[:3])))
        overdue_now = [code for code, level in snap.newly_escalated if level == "overdue"]
        warning_now = [code for code, level in snap.newly_escalated if level == "warning"]
        if overdue_now:
            self._flash(self.tr("Overdue: %1").replace("%1", "、".join(overdue_now[:3])))
        elif warning_now:
            self._flash(self.tr("About to be overdue: %1").replace("%1", "、".join(warning_now[:3])))

    def _on_cases_changed(self, changes: CaseChanges) -> None:
        """Someone (another seat, the escalation, the desk) changed the case on screen: read it again."""
        if self._current is not None and self._current.code in changes.codes:
            self.feed.request_detail(self._current.code)

    def _on_detail(self, detail: CaseDetail) -> None:
        case = detail.case
        self._current = case
        self._refresh_drones()
        for _title, panel in self.case_panels:
            if getattr(panel, "case_id", None) != case.id:
                panel.set_case(case.id)  # type: ignore[attr-defined]
        sla = detail.sla
        colour = {"ok": "#2ea043", "warning": "#d29922", "overdue": "#f85149"}.get(sla.level, "#8b949e")
        deadline = case.deadline_at.astimezone().strftime("%m-%d %H:%M") if case.deadline_at else "—"
        t_source, t_grid, t_urgency = self.tr("Source"), self.tr("Grid"), self.tr("Urgency")
        t_address, t_deadline, t_officer = self.tr("Address"), self.tr("Deadline"), self.tr("Officer")
        t_duplicates, t_pending = self.tr("Possible duplicates"), self.tr("Pending request")
        lines = [
            f"<b style='font-size:16px'>{case.code}</b> &nbsp; {case.category_label} &nbsp; "
            f"<span style='color:#2f81f7'>{case.status_label}</span>",
            f"{t_source}: {case.source_label} &nbsp; {t_grid}: {case.grid_code or '—'} / "
            f"{case.area_code or '—'} &nbsp; {t_urgency}: {case.urgency}",
            f"{t_address}: {case.address or '—'} ({case.lat or '—'}, {case.lon or '—'})",
            f"{case.description}",
            f"{t_deadline}: {deadline} &nbsp; <span style='color:{colour}'>"
            f"{countdown(sla.remaining_hours, sla.level)}</span> &nbsp; {t_officer}: "
            f"{case.officer_display or '—'}",
        ]
        if case.possible_duplicates:
            lines.append(f"<span style='color:#d29922'>{t_duplicates}: {'、'.join(case.possible_duplicates)}</span>")
        pending = case.extra.get("pending_request")
        if isinstance(pending, dict):
            lines.append(f"<span style='color:#d29922'>{t_pending}: {pending.get('kind')} "
                         f"{pending.get('hours', '')} — {pending.get('reason', '')} ({pending.get('by', '')})</span>")
        for task in case.tasks:
            lines.append(f"• {task.department}: {task.task} [{labels.task_status_label(task.status)}]")
        if detail.evidence:
            t_attachments = self.tr("Attachments")
            lines.append(f"{t_attachments}: {len(detail.evidence)}")
        self.detail_label.setText("<br>".join(lines))
        self.history.clear()
        for ev in reversed(detail.events):
            when = ev["time"].astimezone().strftime("%m-%d %H:%M:%S")
            moved = ev["to"] if ev["to"] and ev["to"] != ev["from"] else ""
            officer = f"  {ev['officer']}" if ev.get("officer") else ""
            self.history.addItem(f"{when}  " + labels.history_text(
                ev["actor"], ev["action"], role=ev.get("actor_role", ""), name=ev.get("actor_name", ""),
                to_status=moved, note=ev["note"], data=ev.get("data")) + officer)
        self._show_actions(case)
        self.approve_button.setVisible(isinstance(pending, dict))
        self.deny_button.setVisible(isinstance(pending, dict))
        if case.status in _RECOMMENDABLE and case.lat is not None:
            self.feed.request_recommendations(case.code)
        else:
            self.rec_list.clear()
            self._recommendations = []

    def _on_recommendations(self, code: str, recs: list[Recommendation]) -> None:
        if self._current is None or self._current.code != code:
            return
        self._recommendations = list(recs)
        self.rec_list.clear()
        for i, rec in enumerate(recs, start=1):
            item = QListWidgetItem(f"{i}. {rec.name} ({rec.team})  —  {rec.summary}")
            item.setData(Qt.ItemDataRole.UserRole, rec.officer_id)
            item.setToolTip(rec.summary)
            self.rec_list.addItem(item)
        if not recs:
            self.rec_list.addItem(self.tr("No available officer with a position."))
        else:
            self.rec_list.setCurrentRow(0)

    def _show_actions(self, case: CaseView | None) -> None:
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.action_buttons = {}
        if case is None:
            self.approve_button.setVisible(False)
            self.deny_button.setVisible(False)
            return
        for action in workflow.allowed_actions(case.status):
            if action == "merge" and not case.possible_duplicates:
                continue
            button = QPushButton(_tr(ACTION_TEXT.get(action, action)))
            button.setToolTip(workflow.ACTIONS[action].label)
            if action in ("reject", "return", "transfer"):
                button.setProperty("danger", True)
            button.clicked.connect(lambda _=False, a=action: self._do_action(a))
            self.actions_row.addWidget(button)
            self.action_buttons[action] = button
        self.actions_row.addStretch(1)

    # =========================================================================================== intents
    def _queue_clicked(self, index: QModelIndex) -> None:
        code = index.data(Qt.ItemDataRole.UserRole)
        if code:
            self.select_case(str(code))

    def _do_action(self, action: str) -> None:
        case = self._current
        if case is None:
            return
        reason = self.reason_edit.text().strip()
        try:
            if action == "dispatch":
                officer = self._selected_officer()
                if officer is None:
                    self._say(self.tr("No officer selected to dispatch."), error=True)
                    return
                self._track(self.tr("Dispatch"), self.service.dispatch(case.code, officer, self.actor, reason))
            elif action == "transfer":
                department, ok = QInputDialog.getText(self, self.tr("Transfer"), self.tr("Department to transfer to:"))
                if ok:
                    self._track(self.tr("Transfer"), self.service.transfer(case.code, department, self.actor, reason))
            elif action == "summon":
                text, ok = QInputDialog.getText(self, self.tr("Joint enforcement"),
                                                self.tr("Departments to summon (separated by commas):"))
                if ok:
                    departments = [d.strip() for d in text.replace("，", ",").split(",") if d.strip()]
                    self._track(self.tr("Joint enforcement"), self.service.summon(case.code, departments, self.actor,
                                                                                   reason))
            elif action == "extend":
                hours, ok = QInputDialog.getDouble(self, self.tr("Request extension"),
                                                   self.tr("Extra working hours:"), 4.0, 0.5, 400.0, 1)
                if ok:
                    self._track(self.tr("Request extension"),
                                self.service.request_extension(case.code, hours, self.actor, reason))
            elif action == "suspend":
                self._track(self.tr("Request suspension"), self.service.request_suspend(case.code, self.actor, reason))
            elif action == "merge":
                self._track(self.tr("Merge"), self.service.merge(case.possible_duplicates[0], case.code, self.actor,
                                                                 reason))
            else:
                self._track(_tr(ACTION_TEXT.get(action, action)),
                            self.service.transition(case.code, action, self.actor, reason=reason))
        except (PermissionError, ValueError, KeyError) as exc:  # refused before anything was queued
            self._say(str(exc), error=True)

    def _decide_request(self, approve: bool) -> None:
        if self._current is None:
            return
        try:
            self._track(self.tr("Approve request") if approve else self.tr("Deny request"),
                        self.service.decide_request(self._current.code, self.actor, approve,
                                                    self.reason_edit.text().strip()))
        except (PermissionError, ValueError) as exc:
            self._say(str(exc), error=True)

    def _selected_officer(self) -> str | None:
        item = self.rec_list.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            return str(item.data(Qt.ItemDataRole.UserRole))
        return self._recommendations[0].officer_id if self._recommendations else None

    def _assign_selected(self) -> None:
        officer = self._selected_officer()
        if self._current is not None and officer:
            self._assign(self._current.code, officer)

    def _assign(self, code: str, officer_id: str) -> None:
        """One-click (or drop) assignment: case → 已派遣, officer → 出警."""
        try:
            self._track(self.tr("Dispatch"), self.service.dispatch(code, officer_id, self.actor,
                                                                   self.reason_edit.text().strip()))
        except (PermissionError, ValueError) as exc:
            self._say(str(exc), error=True)

    def create_from_form(self) -> None:
        """Create a case from the form; attachments are hashed on the feed's worker, never on the GUI thread."""
        code = self.category_combo.currentData()
        use_location = self.has_location.isChecked()
        spec = NewCase(source="dispatcher", category=str(code), description=self.description_edit.toPlainText().strip(),
                       lat=self.lat_spin.value() if use_location else None,
                       lon=self.lon_spin.value() if use_location else None,
                       address=self.address_edit.text().strip(), grid_code=self.grid_edit.text().strip(),
                       reporter=self.actor)
        if not use_location and not spec.address and not spec.grid_code:
            self._say(self.tr("Give a location: click the map, type an address or a grid cell."), error=True)
            return
        files = list(self._attachments)
        register = self.register_check.isChecked()
        service, actor = self.service, self.actor

        def work() -> CaseView:
            spec.evidence = [_evidence_for(path) for path in files]
            return service.create_case(spec, actor, register=register).result(30)

        self.feed.run_in_background("create", work)

    def _attach_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach files"))
        self._attachments.extend(paths)
        self.attach_label.setText(self.tr("%1 file(s)").replace("%1", str(len(self._attachments))))

    def _import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import 12345 hotline tickets"), "",
                                              self.tr("Spreadsheets (*.xlsx *.xls *.csv)"))
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Import a hotline export on the feed's worker; the summary appears in the status line."""
        service, actor = self.service, self.actor
        self._say(self.tr("Importing %1 …").replace("%1", Path(path).name))
        self.feed.run_in_background("import", lambda: import_hotline(service, path, actor=actor))

    def _event_activated(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole) or {}
        if data.get("lat") is not None and data.get("lon") is not None:
            self.set_location(float(data["lat"]), float(data["lon"]))
        category = self.service.categories.get(str(data.get("category", "")))
        if category is not None:
            index = self.category_combo.findData(category.code)
            if index >= 0:
                self.category_combo.setCurrentIndex(index)
        self.description_edit.setPlainText(str(data.get("text", "")))
        self.tabs.setCurrentIndex(1)

    def _send_drone(self) -> None:
        """派无人机: the chosen drone flies to the selected case (checks and flight run off the GUI thread)."""
        case = self._current
        drone_id = self.drone_combo.currentData()
        if case is None or not drone_id or self.tasking is None:
            return
        if case.lat is None or case.lon is None:
            self._say(self.tr("The case has no location to fly to"), error=True)
            return
        future = self.tasking.send_to_case(drone_id, case.id, case.code, case.lat, case.lon, actor=self.actor)
        self._say(self.tr("Drone %1 sent to %2").replace("%1", self.drone_combo.currentText())
                  .replace("%2", case.code))
        self._track(self.tr("Send drone"), future)

    def _attach_snapshot(self) -> None:
        case = self._current
        if case is None or self.attach_snapshot is None:
            return
        try:
            future = self.attach_snapshot(case, self.actor)
        except Exception as exc:  # refused at once (permission) or nothing to attach: say why
            self._say(f"{self.tr('Attach wall snapshot')}: {exc}", error=True)
            return
        if future is None:
            self._say(self.tr("No wall snapshot in the last 10 minutes: take one on the video wall first"),
                      error=True)
            return
        self._track(self.tr("Attach wall snapshot"), future)

    def _refresh_drones(self) -> None:
        if self.fleet is None:
            return
        ids = list(self.fleet.ids())
        if [self.drone_combo.itemData(i) for i in range(self.drone_combo.count())] != ids:
            self.drone_combo.clear()
            for drone_id in ids:
                self.drone_combo.addItem(self.fleet.name(drone_id), drone_id)

    # =========================================================================================== outcomes
    def _track(self, label: str, future: Future[Any]) -> None:
        """The outcome of a command, on the GUI thread through the feed's bridge (the one way back)."""
        self.feed.bridge.watch(future, lambda value: self._on_action_done(label, value),
                               lambda exc: self._on_action_done(label, exc))

    def _on_action_done(self, label: str, outcome: Any) -> None:
        if isinstance(outcome, BaseException):
            self._say(f"{label}: {outcome}", error=True)
            return
        if hasattr(outcome, "sha256") and hasattr(outcome, "case_id"):  # evidence added
            self._say(f"{label}: {outcome.sha256[:16]}…")
            for _title, panel in self.case_panels:
                refresh = getattr(panel, "refresh", None)
                if refresh is not None:
                    refresh()
            return
        if hasattr(outcome, "drone_id") and hasattr(outcome, "ok"):  # a 派无人机 TaskResult
            if outcome.ok:
                self._say(f"{label}: {self.tr('arrived, snapshot attached as evidence')} "
                          f"{outcome.snapshot_path or ''}".strip())
                self.feed.refresh()
            else:
                self._say(f"{label}: {outcome.reason}", error=True)
            return
        if isinstance(outcome, CaseView):
            self._say(f"{label}: {outcome.code} → {outcome.status_label}")
            self.reason_edit.clear()
            self.feed.refresh()
            self.select_case(outcome.code)

    def _on_background_done(self, label: str, result: Any) -> None:
        if isinstance(result, BaseException):
            self._say(f"{label}: {result}", error=True)
        elif label == "import":
            self._say(result.summary().replace("\n", "  "))
            self.feed.refresh()
        elif label == "create" and isinstance(result, CaseView):
            self._attachments.clear()
            self.attach_label.clear()
            self.description_edit.clear()
            self._on_action_done(self.tr("New case"), result)

    def _say(self, message: str, *, error: bool = False) -> None:
        self.status_line.setStyleSheet(f"color: {'#f85149' if error else '#9fb3c8'};")
        self.status_line.setText(message)

    def _flash(self, message: str) -> None:
        """New urgent case or alarm: banner text flashing for a few seconds and the system beep (sound hint)."""
        self.banner.setText(message)
        self._flash_left = 10
        self._flash_timer.start()
        QApplication.beep()

    def _flash_step(self) -> None:
        self._flash_left -= 1
        on = self._flash_left % 2 == 0
        self.banner.setStyleSheet(f"color: {'#ffffff' if on else '#ff7b72'}; font-weight: bold; "
                                  f"background: {'#b62324' if on else 'transparent'}; padding: 2px 8px;")
        if self._flash_left <= 0:
            self._flash_timer.stop()
            self.banner.setStyleSheet("color: #ff7b72; font-weight: bold;")


def _evidence_for(path: str) -> EvidenceRef:
    """Hash an attachment (runs on a worker thread)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return EvidenceRef(path=str(path), sha256=digest.hexdigest(), size=size)
