"""The dispatch screen (调度台): case queue with SLA countdowns, case detail with the legal workflow actions,
the top-3 officer recommendation with reasons and one-click (or drag-and-drop) assignment, the unit status
board, the new-case form, the hotline import and the geofence/alarm event list.

A layout of panels (:mod:`~widgets.dispatch.queue_panel`, :mod:`~widgets.dispatch.case_panel`,
:mod:`~widgets.dispatch.action_bar`, :mod:`~widgets.dispatch.intake_form`, …) over the
:class:`commandcenter.cases.feed.DispatchFeed` it is given (reads on the feed's worker thread) and the
:class:`commandcenter.cases.service.CaseService`, whose writes run on the store's writer thread and answer with
futures; their outcome comes back to the GUI thread through :class:`~widgets.dispatch.outcomes.ActionTracker`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commandcenter.cases.changes import CaseChanges
from commandcenter.cases.dispatch import Recommendation
from commandcenter.cases.feed import CaseDetail, DispatchFeed, DispatchSnapshot
from commandcenter.cases.intake import HotlineMapping, ImportReport, import_hotline, load_mapping, read_table
from commandcenter.cases.model import CaseView
from commandcenter.cases.rating import RatingOutcome
from commandcenter.cases.service import CaseService
from commandcenter.geo.basemap import Basemap
from commandcenter.mapdata.gazetteer import Gazetteer
from widgets import theme
from widgets.columns import ColumnFitter
from widgets.dispatch.action_bar import CaseActions
from widgets.dispatch.alarms import AlarmBanner, EscalationPanel, EventList
from widgets.dispatch.case_panel import CasePanel
from widgets.dispatch.duty_panel import DutyPanel
from widgets.dispatch.hotline_dialog import HotlineMappingDialog
from widgets.dispatch.intake_form import CREATE, IntakeForm
from widgets.dispatch.models import UnitBoardModel
from widgets.dispatch.outcomes import ActionTracker
from widgets.dispatch.queue_panel import OFFICER_MIME, QueuePanel
from widgets.dispatch.recommendations import RecommendationPanel
from widgets.dispatch.side_tabs import SideTabs

__all__ = ["OFFICER_MIME", "DispatchScreen"]
# A new report (待立案) gets recommendations too: the dispatcher decides whom to send while registering it.
_RECOMMENDABLE = {"reported", "registered", "returned", "dispatched"}
FORM_TAB = 1
HEADERS = "import-headers:"  # background label of reading a hotline file's header row (then the mapping dialog)


class DispatchScreen(QWidget):
    """The dispatcher's screen. ``set_location(lat, lon)`` from a map click; the feed is started by its owner."""

    def __init__(self, service: CaseService, feed: DispatchFeed, parent: QWidget | None = None, *,
                 actor: str = "dispatcher", tasking: Any = None, fleet: Any = None,
                 attach_snapshot: Callable[[CaseView, str], Future[Any] | None] | None = None,
                 case_panels: Sequence[tuple[str, QWidget]] = (),
                 resolve_evidence: Callable[[str], Path] | None = None,
                 basemap: Callable[[], Basemap | None] = lambda: None, hotline_datum: str = "wgs84") -> None:
        super().__init__(parent)
        self.setObjectName("DispatchScreen")
        self._basemap = basemap
        self.hotline_datum = hotline_datum  # [hotline] datum: the exports' coordinates unless the dialog says
        self.service = service
        self.feed = feed
        self.actor = actor
        # Extra per-case tabs (e.g. the 全过程记录 timeline and the 处罚决定 panel): widgets with set_case(case_id).
        self.case_panels = list(case_panels)
        self._current: CaseView | None = None
        self.tracker = ActionTracker(feed.bridge, self)
        self.queue = QueuePanel(feed)
        self.case = CasePanel(bridge=feed.bridge, resolve_evidence=resolve_evidence, basemap=basemap)
        self.placing: str = ""  # a case waiting for a map click to place it ("" = a click starts a new case)
        self.recommendations = RecommendationPanel()
        self.action_bar = CaseActions(service, self.tracker, self.recommendations.selected_officer, actor=actor,
                                   tasking=tasking, fleet=fleet, attach_snapshot=attach_snapshot)
        self.form = IntakeForm(service, feed, actor)
        self.events = EventList()
        self.escalation = EscalationPanel()
        self.escalated = self.escalation.list
        self.banner = AlarmBanner()
        self._build()

        self.queue.case_clicked.connect(self.select_case)
        self.queue.officer_dropped.connect(self.action_bar.assign)
        self.recommendations.assign_requested.connect(self._assign_selected)
        self.escalated.case_clicked.connect(self.select_case)
        self.escalation.action_requested.connect(self._escalation_action)
        self.case.place_requested.connect(self._arm_placing)
        self.events.activated_event.connect(self._start_case_from_event)
        for panel in (self.action_bar, self.form):
            panel.message.connect(self._say)
        self.tracker.done.connect(self._on_action_done)
        feed.snapshot.connect(self._on_snapshot)
        feed.detail.connect(self._on_detail)
        feed.recommendations.connect(self._on_recommendations)
        feed.failed.connect(self._say_failure)  # a bound slot: the feed outlives the screen
        feed.done.connect(self._on_background_done)
        feed.changed.connect(self._on_cases_changed)

    # =========================================================================================== layout
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        title = QLabel(self.tr("Dispatch"))
        theme.set_role(title, "title")
        self.import_button = QPushButton(self.tr("Import hotline tickets…"))
        self.import_button.clicked.connect(self._import_clicked)
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        for widget, stretch in ((title, 0), (self.banner, 1), (self.import_button, 0), (refresh, 0)):
            top.addWidget(widget, stretch)
        root.addLayout(top)
        split = self.split = QSplitter(Qt.Orientation.Horizontal)
        self._split_placed = False
        root.addWidget(split, 1)
        self.status_line = QLabel("")
        self.status_line.setWordWrap(True)
        root.addWidget(self.status_line)
        split.addWidget(self.queue)
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        box = QGroupBox(self.tr("Case detail"))
        QVBoxLayout(box).addWidget(self.case)
        self.case.insert_actions(self.action_bar)
        mv.addWidget(box, 3)
        mv.addWidget(self.recommendations, 2)
        split.addWidget(middle)
        self.tabs = SideTabs()
        self.unit_model = UnitBoardModel(self)
        self.unit_view = QTableView()
        self.unit_view.setModel(self.unit_model)
        self.unit_view.verticalHeader().setVisible(False)
        self.unit_view.setAlternatingRowColors(True)
        # The name takes what is left; name, team and case give up width (elided) before anything scrolls.
        # When the column is narrower still, "in status" goes first, then the case (it is in the tooltip of the
        # queue's officer column too).
        self.unit_fitter = ColumnFitter(self.unit_view, 0, {0: 80, 1: 44, 2: 56, 3: 60}, drop=(4, 3))
        self.tabs.addTab(self.unit_view, self.tr("Units"))
        self.tabs.addTab(self.form, self.tr("New case"))
        self.tabs.addTab(self.events, self.tr("Alarms"))
        for panel_title, panel in self.case_panels:
            self.tabs.addTab(panel, panel_title)
        self.tabs.addTab(self.escalation, self.tr("Escalated"))
        self.duty = DutyPanel()  # 在班: who is on shift and on duty now, per team
        self.tabs.addTab(self.duty, self.duty.title())
        split.addWidget(self.tabs)
        split.setSizes([640, 480, 480])
        for index, stretch in enumerate((4, 3, 3)):  # wider screens widen all three, the queue most
            split.setStretchFactor(index, stretch)
        split.splitterMoved.connect(self._split_moved)

    # =========================================================================================== public
    def set_actor(self, actor: str) -> None:
        """The logged-in user, passed to every action (the service asks the permission hook)."""
        self.actor = self.action_bar.actor = self.form.actor = actor

    def set_location(self, lat: float, lon: float) -> None:
        """A map click: places the case waiting for one (Place on map…), else fills the new-case form."""
        if self.placing:
            code, self.placing = self.placing, ""
            self.case.place_button.setChecked(False)
            try:
                self.tracker.track(self.tr("Placed on the map"), self.service.locate(code, lat, lon, self.actor))
            except (PermissionError, ValueError) as exc:
                self._say(str(exc), True)
            return
        self.form.set_location(lat, lon)
        self.tabs.setCurrentIndex(FORM_TAB)

    def add_event(self, text: str, *, source: str = "geofence", category: str = "", lat: float | None = None,
                  lon: float | None = None, urgent: bool = False, time: datetime | None = None) -> None:
        """An alarm (geofence, sensor, camera) for the event list; double-click one to prefill a new case."""
        self.events.add_event(text, source=source, category=category, lat=lat, lon=lon, urgent=urgent, time=time)
        if urgent:
            self.banner.flash(self.tr("Alarm: %1").replace("%1", text))

    def select_case(self, code: str) -> None:
        self.queue.select(code)
        self.feed.request_detail(code)

    def _on_cases_changed(self, changes: CaseChanges) -> None:
        """Someone (another seat, the escalation, the desk) changed the case on screen: read it again."""
        if self._current is not None and self._current.code in changes.codes:
            self.feed.request_detail(self._current.code)

    def refresh(self) -> None:
        self.feed.refresh()
        if self._current is not None:
            self.feed.request_detail(self._current.code)

    def import_file(self, path: str, mapping: HotlineMapping | None = None) -> None:
        """Import a hotline export on the feed's worker; the summary appears in the status line. Rows with an
        address only are placed by the basemap's gazetteer, or flagged for the dispatcher to place on the map."""
        service, actor, datum, basemap = self.service, self.actor, self.hotline_datum, self._basemap()
        self._say(self.tr("Importing %1 …").replace("%1", Path(path).name))

        def run() -> ImportReport:
            geocode = Gazetteer.from_basemap(basemap).locate if basemap is not None else None
            return import_hotline(service, path, mapping, actor=actor, datum=datum, geocode=geocode)

        self.feed.run_in_background("import", run)

    def choose_mapping(self, path: str, headers: Sequence[str]) -> None:
        """The dispatcher matches the file's columns to the case fields, then the import runs."""
        dialog = HotlineMappingDialog(Path(path).name, headers, load_mapping(), self.hotline_datum, self)
        self.mapping_dialog = dialog  # reachable while open (tests, a second click)
        dialog.accepted.connect(lambda: self.import_file(path, dialog.mapping()))
        dialog.open()

    def shutdown(self) -> None:
        """Stop the banner's timer (the feed belongs to whoever gave it)."""
        self.banner.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Until the dispatcher drags the splitter, queue : detail : panels stay 4 : 3 : 3 of the width (the
        screen is built before its window has its final size, so sizes set in the constructor are scaled)."""
        super().resizeEvent(event)
        if not self._split_placed and self.split.width() > 0:
            width = self.split.width()
            self.split.setSizes([width * 4 // 10, width * 3 // 10, width - width * 7 // 10])

    def _split_moved(self, _pos: int, _index: int) -> None:
        self._split_placed = True  # the dispatcher's own arrangement from now on

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    # =========================================================================================== feed data
    def _on_snapshot(self, snap: DispatchSnapshot) -> None:
        self.unit_model.set_rows(snap.units)
        self.duty.show_board(snap.duty)
        self.escalated.show_snapshot(snap)
        if snap.new_urgent:
            self.banner.flash(self.tr("New urgent case: %1").replace("%1", "、".join(snap.new_urgent[:3])))
        overdue_now = [code for code, level in snap.newly_escalated if level == "overdue"]
        warning_now = [code for code, level in snap.newly_escalated if level == "warning"]
        if overdue_now:
            self.banner.flash(self.tr("Overdue: %1").replace("%1", "、".join(overdue_now[:3])))
        elif warning_now:
            self.banner.flash(self.tr("About to be overdue: %1").replace("%1", "、".join(warning_now[:3])))

    def _on_detail(self, detail: CaseDetail) -> None:
        case = detail.case
        self._current = case
        for _title, panel in self.case_panels:
            if getattr(panel, "case_id", None) != case.id:
                panel.set_case(case.id)  # type: ignore[attr-defined]
        self.case.show_detail(detail)
        self.action_bar.show_case(case)
        if case.status in _RECOMMENDABLE and case.lat is not None:
            self.feed.request_recommendations(case.code)
        elif case.lat is None or case.lon is None:
            self.recommendations.show_hint(self.tr(
                "No recommendation: the case has no location. Use Place on map… and click where it is."))
        else:
            self.recommendations.show_hint(self.tr(
                "No recommendation: the case is %1, it needs no officer picked now.").replace("%1", case.status_label))

    def _on_recommendations(self, code: str, recs: list[Recommendation]) -> None:
        if self._current is not None and self._current.code == code:
            self.recommendations.show_recommendations(recs)

    # =========================================================================================== intents
    def _arm_placing(self, code: str) -> None:
        """Place on map… toggled: the next map click places ``code`` ("" cancels)."""
        self.placing = code
        if code:
            self._say(self.tr("Click the map (F2) where case %1 is.").replace("%1", code))

    def _escalation_action(self, code: str, action: str, note: str) -> None:
        """督办 / 催办 from the escalated list: a recorded, audited event on the case."""
        label = self.tr("Supervise") if action == "supervise" else self.tr("Urge")
        try:
            self.tracker.track(f"{label} {code}", self.service.transition(code, action, self.actor, reason=note))
        except (PermissionError, ValueError) as exc:
            self._say(str(exc), True)

    def _assign_selected(self, officer_id: str) -> None:
        if self._current is not None:
            self.action_bar.assign(self._current.code, officer_id)

    def _start_case_from_event(self, data: dict[str, Any]) -> None:
        self.form.prefill(data)
        self.tabs.setCurrentIndex(FORM_TAB)

    def _import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import 12345 hotline tickets"), "",
                                              self.tr("Spreadsheets (*.xlsx *.xls *.csv)"))
        if path:
            self._say(self.tr("Reading %1 …").replace("%1", Path(path).name))
            self.feed.run_in_background(f"{HEADERS}{path}", lambda: list(read_table(path).columns))

    # =========================================================================================== outcomes
    def _on_action_done(self, label: str, outcome: Any) -> None:
        if isinstance(outcome, BaseException):
            self._say(f"{label}: {outcome}", True)
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
                self._say(f"{label}: {outcome.reason}", True)
            return
        if isinstance(outcome, RatingOutcome):  # 回访 recorded (or the same rating already held)
            self._say(f"{label}: {outcome.case.code} {outcome.score}/5")
            self.feed.refresh()
            self.select_case(outcome.case.code)
            return
        if isinstance(outcome, CaseView):
            self._say(f"{label}: {outcome.code} → {outcome.status_label}")
            self.action_bar.reason_edit.clear()
            self.feed.refresh()
            self.select_case(outcome.code)

    def _on_background_done(self, label: str, result: Any) -> None:
        if isinstance(result, BaseException):
            self._say(f"{label}: {result}", True)
        elif label.startswith(HEADERS):
            self.choose_mapping(label[len(HEADERS):], result)
        elif label == "import":
            self._say(result.summary().replace("\n", "  "))
            self.feed.refresh()
        elif label == CREATE and isinstance(result, CaseView):
            self.form.created()
            self._on_action_done(self.tr("New case"), result)

    def _say_failure(self, message: str) -> None:
        self._say(message, True)

    def _say(self, message: str, error: bool = False) -> None:
        theme.set_role(self.status_line, "error" if error else "hint")
        self.status_line.setText(message)
