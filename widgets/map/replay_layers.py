"""What the map draws while it replays history: the units and the cases at the replayed moment."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject

from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.replay import HistoryService
from commandcenter.mapdata.trails import TrailBuffer
from commandcenter.mapdata.trips import TripSummary
from commandcenter.runtime.units import UnitInfo
from widgets.map import style
from widgets.map.points import CaseLayer
from widgets.map.units import DRONE, OFFICER, VEHICLE, UnitLayer, group_of

ROUTE_COLOUR = "#f0883e"
STOP_COLOUR = "#ffd33d"


def _minutes(seconds: float) -> str:
    return QCoreApplication.translate("ReplayPanel", "{0} min").format(max(1, round(seconds / 60)))


class ReplayLayers:
    """A unit layer and a case layer fed from the :class:`HistoryService` (hidden while the map is live)."""

    def __init__(self, plot: pg.PlotItem, proj: DisplayProjection, *, stale_s: float, trail_s: float,
                 parent: QObject | None = None) -> None:
        self.units = UnitLayer(plot, proj, stale_s=stale_s, trail_window_s=trail_s, z=55.0, parent=parent)
        self.cases = CaseLayer(plot, z=66, outline=style.SELECTION_COLOUR)
        self.plot = plot
        # The selected unit's whole route over the period (broken at gaps) and its stops, as in Traccar.
        self.route = pg.PlotCurveItem(pen=pg.mkPen(ROUTE_COLOUR, width=3))
        self.route.setZValue(54)
        self.stops = pg.ScatterPlotItem(size=14, symbol="s", brush=pg.mkBrush(STOP_COLOUR),
                                        pen=pg.mkPen("#0b1118", width=1))
        self.stops.setZValue(56)
        plot.addItem(self.route)
        plot.addItem(self.stops)
        self._stop_labels: list[pg.TextItem] = []
        self.trip: TripSummary | None = None
        self._last_t: float | None = None
        self.set_visible(False, cases=False)

    def set_visible(self, on: bool, *, cases: bool) -> None:
        self.units.set_visible(on)
        self.cases.item.setVisible(on and cases)
        for item in (self.route, self.stops, *self._stop_labels):
            item.setVisible(on)
        if not on:
            self._last_t = None

    def set_projection(self, proj: DisplayProjection) -> None:
        self.units.set_projection(proj)
        self.cases.place(proj)
        self.show_trip(self.trip, proj)

    def show_trip(self, trip: TripSummary | None, proj: DisplayProjection) -> None:
        """Draw ``trip``'s route (one piece per stretch between gaps) and its stops labelled with their
        durations; None clears it."""
        self.trip = trip
        for label in self._stop_labels:
            self.plot.removeItem(label)
        self._stop_labels = []
        if trip is None:
            self.route.setData([], [])
            self.stops.setData([], [])
            return
        xs, ys, connect = [], [], []
        for lat, lon in trip.segments:
            x, y = proj.to_xy(lat, lon)
            join = np.ones(len(x), dtype=np.int32)
            join[-1] = 0  # no line from the end of one stretch to the start of the next
            xs.append(x)
            ys.append(y)
            connect.append(join)
        if xs:
            self.route.setData(np.concatenate(xs), np.concatenate(ys), connect=np.concatenate(connect))
        stop_x, stop_y = proj.to_xy(np.asarray([s.lat for s in trip.stops]), np.asarray([s.lon for s in trip.stops]))
        self.stops.setData(stop_x, stop_y)
        for number, (stop, x, y) in enumerate(zip(trip.stops, stop_x, stop_y, strict=True), start=1):
            label = pg.TextItem(f"{number} · {_minutes(stop.duration_s)}", color=STOP_COLOUR, anchor=(-0.15, 0.5))
            label.setPos(float(x), float(y))
            label.setZValue(57)
            self.plot.addItem(label)
            self._stop_labels.append(label)

    def draw(self, history: HistoryService, t: float, infos: dict[str, UnitInfo], proj: DisplayProjection) -> None:
        """Everything as it was at ``t`` (units the tracker does not know are drawn as available officers)."""
        if self._last_t is not None and (t < self._last_t or t - self._last_t > self.units.trails.max_gap_s):
            # A seek: the trails restart at the new moment instead of joining two far-apart ones
            self.units.trails = TrailBuffer(self.units.trails.window_s, self.units.trails.capacity)
        self._last_t = t
        frame = history.positions_at(t)
        groups = np.fromiter((group_of(infos[u].kind, infos[u].status, infos[u].sub_kind) if u in infos
                              else group_of("officer", "idle", "") for u in frame.ids), np.int16, len(frame.ids))
        kinds = np.fromiter(({"vehicle": VEHICLE, "drone": DRONE}.get(infos[u].kind, OFFICER) if u in infos
                             else OFFICER for u in frame.ids), np.int8, len(frame.ids))
        self.units.clock = lambda: t
        self.units.set_frame(frame.ids, frame.lat, frame.lon, t - frame.age_s, frame.heading, groups, kinds)
        self.cases.set_cases(history.cases_at(t), proj)
        self.units.flush()
