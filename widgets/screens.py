"""The GUI's part of the composition: one view per screen over the core services of ``compose.build``.

This is the one place that knows which core service feeds which view. It holds no logic of its own and builds
no service: screens get their models (heatmap, history, dispatch feed, walls, briefing) from :class:`Services`.

Screens are built when first shown (:class:`LazyScreen`): the window paints the screen in front as soon as that
one exists, and the others (with their imports: pyqtgraph, the video decoders, the PDF writer) cost nothing until
someone opens them. Screens that work together (a map click is the dispatcher's case location; a camera on the map
opens on the wall) are wired when both exist, through :meth:`Gui.when_built` and :meth:`Gui.screen`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from commandcenter.cli import GuiOptions
from commandcenter.drones.guarded import AuthorizedTasking
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.runtime.compose import Services
from widgets.app import screen_error
from widgets.docks import EventsDock, HealthDock

log = logging.getLogger(__name__)


class LazyScreen(QWidget):
    """A screen's place in the window (a tab, or its own window when detached), built the first time it shows.

    ``build`` returns the screen, or a tab saying why it may not or could not be built (the seat's user lacks the
    view permission, which the core records when the screen is first opened; a screen that fails to build takes
    only its own tab down)."""

    built = Signal(QWidget)  # the real screen, once

    def __init__(self, key: str, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self.key = key
        self._build = build
        self._screen: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def content(self) -> QWidget | None:
        """The real screen, None until it was first shown (or asked for with :meth:`ensure_built`)."""
        return self._screen

    def ensure_built(self) -> QWidget:
        if self._screen is None:
            screen = self._build()
            self._screen = screen
            layout = self.layout()
            if layout is not None:
                layout.addWidget(screen)
            screen.setVisible(True)  # painted with this show, not one event-loop turn later
            self.built.emit(screen)
        return self._screen

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_built()
        super().showEvent(event)


@dataclass
class Gui:
    """The screens' places (by key, each a :class:`LazyScreen`), the docks, and the video wall screen once built
    (it reopens the extra monitors' walls)."""

    screens: dict[str, QWidget] = field(default_factory=dict)
    docks: dict[str, QWidget] = field(default_factory=dict)
    wall: Any = None  # widgets.wall.WallScreen, once it was built
    feed_started: bool = False  # the dispatch queue is read once a screen shows it

    def screen(self, key: str) -> QWidget | None:
        """The real screen of ``key``, built now if it was not yet (None: no such screen)."""
        place = self.screens.get(key)
        return place.ensure_built() if isinstance(place, LazyScreen) else place

    def built_screen(self, key: str) -> QWidget | None:
        """The real screen of ``key`` if it was built, without building it."""
        place = self.screens.get(key)
        return place.content if isinstance(place, LazyScreen) else place

    def when_built(self, key: str, connect: Callable[[QWidget], None]) -> None:
        """Call ``connect(screen)`` now if ``key`` is built, else once it is (wiring between two screens)."""
        place = self.screens.get(key)
        if not isinstance(place, LazyScreen):
            return
        if place.content is not None:
            connect(place.content)
        else:
            place.built.connect(connect)

    def restore_monitor_walls(self) -> None:
        """Reopen the walls saved for the extra monitors; the wall screen is built only when there are some."""
        from commandcenter.video.arrangement import load_arrangement

        if self.wall is None and not load_arrangement():
            return
        self.screen("wall")
        if self.wall is not None:
            self.wall.restore_screen_walls()


def screen_refused(exc: PermissionDenied) -> QWidget:
    """The tab of a screen the seat's user may not view: says which permission is missing."""
    label = QLabel(QCoreApplication.translate("Screens", "You may not view this screen (missing permission %1).")
                   .replace("%1", exc.permission))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


Builder = Callable[[Services, Gui, GuiOptions], QWidget]


def build_screens(services: Services, options: GuiOptions) -> Gui:
    """Every screen's place and the docks; each screen is built when first shown, and one that fails to build
    shows why in its tab. The screens' shutdowns join the services' lifecycle when they are built (so they stop
    before the services)."""
    gui = Gui()
    builders: dict[str, Builder] = {
        "wall": _wall,
        "map": _map,
        "dispatch": _dispatch,
        "drones": _drones,
        "briefing": _briefing,
        "replay": _replay,
    }
    for key, builder in builders.items():
        gui.screens[key] = LazyScreen(key, lambda key=key, builder=builder: _build_one(  # type: ignore[misc]
            key, builder, services, gui, options))
    events = EventsDock()
    for severity, text in services.events.backlog():  # what was logged before the dock existed
        events.add_event(severity, text)
    services.events.event_logged.connect(events.add_event)
    from commandcenter.bus.bridge import ATTACHED, SeatSubscriber

    seat = services.extra.get(ATTACHED)  # a seat shows the server's devices (its own DeviceManager has none)
    devices = seat.devices_report if isinstance(seat, SeatSubscriber) else services.devices.report
    # Cameras and drone downlinks are devices too: the seat's own streams, with their state.
    health = HealthDock(lambda: [*devices(), *services.video.devices_report()])
    gui.docks = {"events": events, "health": health}
    return gui


def _build_one(key: str, builder: Builder, services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    try:
        services.gate.require_screen(key)  # view permissions are the core's rule; a refusal is audited there
        return builder(services, gui, options)
    except PermissionDenied as exc:
        return screen_refused(exc)
    except Exception as exc:
        log.exception("screen %s could not be built", key)
        return screen_error(key, exc)


def _wall(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from widgets.wall.wall_screen import WallScreen

    screen = WallScreen(services.video, services.wall, services.cameras, walls=services.walls)
    screen.grid.set_extras(services.ptz, services.playback)  # PTZ pad and playback on the tiles (issue 17)
    gui.wall = screen
    services.on_stop("wall screen", screen.release_all)
    return screen


def _map(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from widgets.map.screen import MapScreen

    screen = MapScreen(services.tracker, services.basemap, services.config.map, services.cameras,
                       heatmap=services.heatmap, history=services.history, tasks=services.tasks,
                       sensors=services.sensors, zones=services.zones)
    services.on_stop("map screen", screen.shutdown)
    # A camera clicked on the map opens on the wall (in the cell it already has, or the alarm cell).
    screen.camera_activated.connect(lambda camera: _show_on_wall(gui, camera))
    if services.ptz is not None and services.ptz.camera_ids():  # right-click → a PTZ camera looks there
        from widgets.wall.ptz_look import PtzLookAt

        look = PtzLookAt(screen.canvas, services.ptz)
        look.looked.connect(lambda camera: _show_on_wall(gui, camera))
        look.failed.connect(lambda text: services.events.event_logged.emit("warning", text))
    # The queue's cases are pins on the map, whether or not the dispatch screen was opened.
    pins = ViewRelay(screen, lambda snap: screen.set_cases(case_pins(snap.queue)))
    services.dispatch_feed.snapshot.connect(pins.one)
    _start_feed(services, gui)
    return screen


def _show_on_wall(gui: Gui, camera: str) -> None:
    gui.screen("wall")  # built now if the wall was never opened
    if gui.wall is not None:
        gui.wall.show_camera(camera)


def _start_feed(services: Services, gui: Gui) -> None:
    """The dispatch queue is read once a screen shows it (the map's pins or the dispatch screen; stopped with
    the services)."""
    if not gui.feed_started:
        gui.feed_started = True
        services.dispatch_feed.start()


def _dispatch(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from widgets.dispatch import DispatchScreen
    from widgets.dispatch.unit_status_menu import UnitStatusMenu
    from widgets.enforcement.decision_panel import DecisionPanel
    from widgets.enforcement.timeline import CaseTimeline
    from widgets.map.screen import MapScreen

    actor = services.operator.user or "dispatcher"
    enforcement = services.enforcement
    timeline = CaseTimeline(services.store, services.tasks)
    decision = DecisionPanel(enforcement.decisions, enforcement.documents, services.tasks, actor=actor,
                             allowed=lambda permission: enforcement.authorizer.allowed(actor, permission))
    panels: list[tuple[str, QWidget]] = [
        (QCoreApplication.translate("Screens", "Full-process record"), timeline),
        (QCoreApplication.translate("Screens", "Penalty decision"), ScrollingCasePanel(decision))]
    from widgets.enforcement.procedure_tabs import ProcedureTabs  # 执法程序: 当事人 …, one grouped tab

    procedure = ProcedureTabs(enforcement, services.tasks, actor=actor)
    procedure.changed.connect(lambda: decision.set_case(decision.case_id) if decision.case_id else None)
    decision.decision_recorded.connect(lambda _decision: procedure.refresh())
    panels.append((procedure.title, procedure))
    tasking = AuthorizedTasking(services.tasking, enforcement.authorize)
    screen = DispatchScreen(services.cases, feed=services.dispatch_feed, actor=actor, tasking=tasking,
                            fleet=services.fleet, attach_snapshot=services.snapshots.attach_latest,
                            case_panels=panels, resolve_evidence=services.enforcement.evidence.resolve,
                            basemap=lambda: services.basemap, hotline_datum=services.config.hotline.datum)
    services.on_stop("dispatch screen", screen.shutdown)
    _start_feed(services, gui)
    UnitStatusMenu(screen.unit_view, services.unit_status, actor, status_line=screen.status_line,
                   refresh=services.dispatch_feed.refresh)  # right-click a unit: 空闲 / 休息 / 离线
    warnings = ViewRelay(screen, lambda severity, text: screen.add_event(text, source="system")
                         if severity == "warning" else None)
    services.events.event_logged.connect(warnings.pair)

    def connect_map(map_screen: QWidget) -> None:
        if isinstance(map_screen, MapScreen):  # a click on the map is where a new case is
            map_screen.location_clicked.connect(screen.set_location)

    gui.when_built("map", connect_map)
    return screen


class ViewRelay(QObject):
    """Hands a long-lived service's signal to a view only while the view exists.

    The services outlive the screens (a test, a closed window, a seat that rebuilds its screens): a lambda
    connected to a service signal would still call into a deleted view. The relay is a child of the view, so
    Qt disconnects its slots when the view is destroyed."""

    def __init__(self, view: QWidget, deliver: Callable[..., None]) -> None:
        super().__init__(view)
        self._deliver = deliver

    @Slot(object)
    def one(self, value: object) -> None:
        self._deliver(value)

    @Slot(str, str)
    def pair(self, first: str, second: str) -> None:
        self._deliver(first, second)


class ScrollingCasePanel(QScrollArea):
    """A per-case panel that scrolls (the decision form is longer than a 1080-line wall screen)."""

    def __init__(self, panel: Any) -> None:
        super().__init__()
        self.panel = panel
        self.setWidgetResizable(True)
        self.setWidget(panel)

    @property
    def case_id(self) -> int | None:
        return getattr(self.panel, "case_id", None)  # type: ignore[no-any-return]

    def set_case(self, case_id: int) -> None:
        self.panel.set_case(case_id)

    def refresh(self) -> None:
        refresh = getattr(self.panel, "refresh", None)
        if refresh is not None:
            refresh()


def case_pins(queue: list[Any]) -> list[dict[str, Any]]:
    """Queue rows as the map's case pins."""
    return [{"code": row.code, "lat": row.lat, "lon": row.lon, "status": row.status, "urgency": row.urgency,
             "category_name": row.category, "assigned_officer": row.assigned, "level": row.level,
             "assigned_unit": row.assigned_id, "assignee_kind": row.assignee_kind}
            for row in queue if row.lat is not None and row.lon is not None]


def _drones(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from widgets.drones import DronesScreen

    operator = services.operator
    # Every command is authorized for the operator at the console in the core, before it reaches a link.
    commander = services.drone_commands.for_actor(lambda: operator.user or "pilot")
    screen = DronesScreen(services.fleet, commander, basemap=services.basemap, video=services.video,
                          wall=services.wall, scheduler=services.patrols, operator=operator.user or "pilot")
    services.on_stop("drones screen", screen.release_video)
    return screen


def _replay(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from widgets.map.screen import _centre
    from widgets.replay.screen import IncidentReplayScreen

    config = services.config.map
    screen = IncidentReplayScreen(services.store, services.tasks, services.tracker, services.basemap, config,
                                  services.cameras, _centre(services.basemap, config))
    services.on_stop("replay screen", screen.close_replay)
    return screen


def _briefing(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from commandcenter.kpi.cli import bureau_name
    from widgets.briefing.export import ReportSettings
    from widgets.briefing.pages import build_briefing

    settings = ReportSettings(bureau=bureau_name(services.config), prepared_by=services.operator.user,
                              kpi=services.config.kpi, gate=services.gate)
    screen = build_briefing(services.store, services.tasks, gate=services.gate, settings=settings,
                            roster=services.cases.recommender.shifts,  # [[shifts]] + `data import roster`
                            basemap=services.basemap,
                            big_screen=services.config.ui.briefing_big_screen,
                            cycle_s=services.config.ui.briefing_cycle_s, idle_s=services.config.ui.briefing_idle_s)
    services.briefing.updated.connect(screen.show_data)
    services.briefing.refresh()
    return screen
