"""Composition root of the GUI: core services from the context, then one view per screen.

This is the one place that knows which core service feeds which view. It holds no logic of its own.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QScrollArea, QWidget

from commandcenter.analytics import BriefingModel
from commandcenter.cli import GuiOptions
from commandcenter.drones.fleet import DroneCommander
from commandcenter.drones.guarded import AuthorizedCommander, AuthorizedTasking
from commandcenter.runtime.context import AppContext
from widgets.app import screen_error
from widgets.briefing import BriefingScreen
from widgets.docks import EventsDock, HealthDock

log = logging.getLogger(__name__)


def build_services(ctx: AppContext, options: GuiOptions) -> dict[str, Any]:
    """Core services that need the Qt event loop (models with timers) and are shared by several screens."""
    services: dict[str, Any] = {"_stoppers": []}

    def briefing_extra() -> dict[str, Any]:
        return {"units": ctx.tracker.counts(), "devices": ctx.devices.summary(),
                "drones_airborne": services["fleet"].airborne() if "fleet" in services else 0}

    def escalations() -> list[dict[str, Any]]:
        """The leaders' 督办 list (runs on the briefing worker thread)."""
        if ctx.cases is None:
            return []
        return [{"code": case.code, "category": case.category_name, "status": case.status_label,
                 "level": sla.level, "remaining_hours": sla.remaining_hours, "grid": case.grid_code,
                 "officer": case.assigned_officer or ""}
                for case, sla in ctx.cases.leader_list(limit=20)]

    services["briefing"] = BriefingModel(ctx.store, briefing_extra, parent=ctx, escalations=escalations)
    return services


def build_screens(ctx: AppContext, services: dict[str, Any],
                  options: GuiOptions) -> tuple[dict[str, QWidget], dict[str, QWidget]]:
    screens: dict[str, QWidget] = {}
    builders = {
        "wall": _wall,
        "map": _map,
        "dispatch": _dispatch,
        "drones": _drones,
        "briefing": _briefing,
    }
    for key, builder in builders.items():
        try:
            screens[key] = builder(ctx, services, options)
        except Exception as exc:
            log.exception("screen %s could not be built", key)
            screens[key] = screen_error(key, exc)
    events = EventsDock()
    ctx.event_logged.connect(events.add_event)
    health = HealthDock(ctx.devices.report)
    return screens, {"events": events, "health": health}


def _wall(ctx: AppContext, services: dict[str, Any], options: GuiOptions) -> QWidget:
    from commandcenter.video.layout import WallLayout, WallModel
    from widgets.wall.wall_screen import WallScreen

    assert ctx.video is not None and ctx.wall is not None
    video = ctx.video

    def monitor_wall(layout: WallLayout) -> WallModel:
        """The model of another monitor's wall: the deployment's cameras on the same video service."""
        return WallModel(ctx.cameras, video, layout)

    screen = WallScreen(ctx.video, ctx.wall, ctx.cameras, monitor_walls=monitor_wall)
    services["wall_screen"] = screen
    services["_stoppers"].append(screen.release_all)
    return screen


def _map(ctx: AppContext, services: dict[str, Any], options: GuiOptions) -> QWidget:
    from commandcenter.mapdata.heatmap import HeatmapService
    from commandcenter.mapdata.replay import HistoryService
    from widgets.map.screen import MapScreen

    heatmap, history = HeatmapService(ctx.store), HistoryService(ctx.store)
    screen = MapScreen(ctx.tracker, ctx.basemap, ctx.config.map, ctx.cameras, heatmap, history)
    screen.set_zones(ctx.zones)
    services["map_screen"] = screen
    services["_stoppers"] += [screen.shutdown, history.close, heatmap.close]
    wall = services.get("wall_screen")
    if wall is not None and ctx.wall is not None:
        # A camera clicked on the map opens on the wall (in the cell it already has, or the alarm cell).
        screen.camera_activated.connect(wall.show_camera)
    return screen


def _dispatch(ctx: AppContext, services: dict[str, Any], options: GuiOptions) -> QWidget:
    from commandcenter.cases.feed import DispatchFeed
    from widgets.dispatch import DispatchScreen
    from widgets.enforcement.decision_panel import DecisionPanel
    from widgets.enforcement.timeline import CaseTimeline

    actor = ctx.user or "dispatcher"
    panels: list[tuple[str, QWidget]] = []
    if ctx.enforcement is not None:
        timeline = CaseTimeline(ctx.store)
        decision = DecisionPanel(ctx.enforcement.decisions, ctx.enforcement.documents, actor=actor,
                                 allowed=lambda permission: ctx.enforcement.authorizer.allowed(actor, permission))
        panels = [(QCoreApplication.translate("Screens", "Full-process record"), timeline),
                  (QCoreApplication.translate("Screens", "Penalty decision"), ScrollingCasePanel(decision))]
    tasking = AuthorizedTasking(ctx.tasking, ctx.enforcement.authorize) if ctx.tasking is not None else None
    feed = DispatchFeed(ctx.cases)
    screen = DispatchScreen(ctx.cases, feed, actor=actor, tasking=tasking, fleet=ctx.fleet,
                            attach_snapshot=ctx.attach_latest_snapshot if ctx.video is not None else None,
                            case_panels=panels)
    feed.start()
    services["_stoppers"] += [screen.shutdown, feed.stop]
    ctx.event_logged.connect(lambda severity, text: screen.add_event(text, source="system")
                             if severity == "warning" else None)
    map_screen = services.get("map_screen")
    if map_screen is not None:
        # A click on the map is where a new case is; the queue's cases are pins on the map.
        map_screen.location_clicked.connect(screen.set_location)
        screen.feed.snapshot.connect(lambda snap: map_screen.set_cases(case_pins(snap.queue)))
    return screen


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


def _drones(ctx: AppContext, services: dict[str, Any], options: GuiOptions) -> QWidget:
    from widgets.drones import DronesScreen

    assert ctx.fleet is not None and ctx.commander is not None
    services["fleet"] = ctx.fleet
    # Every command is authorized for the operator at the console in the core, before it reaches a link.
    commander = cast(DroneCommander, AuthorizedCommander(ctx.commander, ctx.enforcement.authorize,
                                                         lambda: ctx.user or "pilot"))
    screen = DronesScreen(ctx.fleet, commander, basemap=ctx.basemap, video=ctx.video, wall=ctx.wall,
                          scheduler=ctx.patrols, operator=ctx.user or "pilot")
    services["_stoppers"].append(screen.release_video)
    return screen


def _briefing(ctx: AppContext, services: dict[str, Any], options: GuiOptions) -> QWidget:
    screen = BriefingScreen()
    model: BriefingModel = services["briefing"]
    model.updated.connect(screen.show_data)
    model.refresh()
    return screen
