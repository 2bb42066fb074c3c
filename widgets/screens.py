"""The GUI's part of the composition: one view per screen over the core services of ``compose.build``.

This is the one place that knows which core service feeds which view. It holds no logic of its own and builds
no service: screens get their models (heatmap, history, dispatch feed, walls, briefing) from :class:`Services`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from commandcenter.cli import GuiOptions
from commandcenter.drones.guarded import AuthorizedTasking
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.runtime.compose import Services
from widgets.app import screen_error
from widgets.briefing import BriefingScreen
from widgets.docks import EventsDock, HealthDock

log = logging.getLogger(__name__)


@dataclass
class Gui:
    """The screens (by key), the docks and the video wall screen (which reopens the extra monitors' walls)."""

    screens: dict[str, QWidget] = field(default_factory=dict)
    docks: dict[str, QWidget] = field(default_factory=dict)
    wall: Any = None  # widgets.wall.WallScreen, when it could be built


def screen_refused(exc: PermissionDenied) -> QWidget:
    """The tab of a screen the seat's user may not view: says which permission is missing."""
    label = QLabel(QCoreApplication.translate("Screens", "You may not view this screen (missing permission %1).")
                   .replace("%1", exc.permission))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


Builder = Callable[[Services, Gui, GuiOptions], QWidget]


def build_screens(services: Services, options: GuiOptions) -> Gui:
    """Every screen and dock; a screen that fails to build shows why in its tab. The screens' shutdowns join
    the services' lifecycle (registered last, so they stop first)."""
    gui = Gui()
    builders: dict[str, Builder] = {
        "wall": _wall,
        "map": _map,
        "dispatch": _dispatch,
        "drones": _drones,
        "briefing": _briefing,
    }
    for key, builder in builders.items():
        try:
            services.gate.require_screen(key)  # view permissions are the core's rule; a refusal is audited there
            gui.screens[key] = builder(services, gui, options)
        except PermissionDenied as exc:
            gui.screens[key] = screen_refused(exc)
        except Exception as exc:
            log.exception("screen %s could not be built", key)
            gui.screens[key] = screen_error(key, exc)
    events = EventsDock()
    for severity, text in services.events.backlog():  # what was logged before the dock existed
        events.add_event(severity, text)
    services.events.event_logged.connect(events.add_event)
    from commandcenter.bus.bridge import ATTACHED, SeatSubscriber

    seat = services.extra.get(ATTACHED)  # a seat shows the server's devices (its own DeviceManager has none)
    health = HealthDock(seat.devices_report if isinstance(seat, SeatSubscriber) else services.devices.report)
    gui.docks = {"events": events, "health": health}
    return gui


def _wall(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from widgets.wall.wall_screen import WallScreen

    screen = WallScreen(services.video, services.wall, services.cameras, walls=services.walls)
    gui.wall = screen
    services.on_stop("wall screen", screen.release_all)
    return screen


def _map(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    from widgets.map.screen import MapScreen

    screen = MapScreen(services.tracker, services.basemap, services.config.map, services.cameras,
                       heatmap=services.heatmap, history=services.history, tasks=services.tasks,
                       sensors=services.sensors)
    screen.set_zones(services.zones)
    services.on_stop("map screen", screen.shutdown)
    if gui.wall is not None:
        # A camera clicked on the map opens on the wall (in the cell it already has, or the alarm cell).
        screen.camera_activated.connect(gui.wall.show_camera)
    return screen


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
    tasking = AuthorizedTasking(services.tasking, enforcement.authorize)
    screen = DispatchScreen(services.cases, feed=services.dispatch_feed, actor=actor, tasking=tasking,
                            fleet=services.fleet, attach_snapshot=services.snapshots.attach_latest,
                            case_panels=panels, resolve_evidence=services.enforcement.evidence.resolve)
    services.on_stop("dispatch screen", screen.shutdown)
    services.dispatch_feed.start()  # the queue is read while a dispatch screen shows it (stopped with the services)
    UnitStatusMenu(screen.unit_view, services.unit_status, actor, status_line=screen.status_line,
                   refresh=services.dispatch_feed.refresh)  # right-click a unit: 空闲 / 休息 / 离线
    warnings = ViewRelay(screen, lambda severity, text: screen.add_event(text, source="system")
                         if severity == "warning" else None)
    services.events.event_logged.connect(warnings.pair)
    map_screen = gui.screens.get("map")
    if isinstance(map_screen, MapScreen):
        # A click on the map is where a new case is; the queue's cases are pins on the map.
        map_screen.location_clicked.connect(screen.set_location)
        pins = ViewRelay(map_screen, lambda snap: map_screen.set_cases(case_pins(snap.queue)))
        services.dispatch_feed.snapshot.connect(pins.one)
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
             "category_name": row.category, "assigned_officer": row.assigned, "level": row.level}
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


def _briefing(services: Services, gui: Gui, options: GuiOptions) -> QWidget:
    screen = BriefingScreen(gate=services.gate)
    services.briefing.updated.connect(screen.show_data)
    services.briefing.refresh()
    return screen
