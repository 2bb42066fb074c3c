"""What the map draws while it replays history: the units and the cases at the replayed moment."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.replay import HistoryService
from commandcenter.runtime.units import UnitInfo
from widgets.map import style
from widgets.map.points import CaseLayer
from widgets.map.units import DRONE, OFFICER, VEHICLE, UnitLayer, group_of


class ReplayLayers:
    """A unit layer and a case layer fed from the :class:`HistoryService` (hidden while the map is live)."""

    def __init__(self, plot: pg.PlotItem, proj: DisplayProjection, *, stale_s: float, trail_s: float,
                 parent: QObject | None = None) -> None:
        self.units = UnitLayer(plot, proj, stale_s=stale_s, trail_window_s=trail_s, z=55.0, parent=parent)
        self.cases = CaseLayer(plot, z=66, outline=style.SELECTION_COLOUR)
        self.set_visible(False, cases=False)

    def set_visible(self, on: bool, *, cases: bool) -> None:
        self.units.set_visible(on)
        self.cases.item.setVisible(on and cases)

    def set_projection(self, proj: DisplayProjection) -> None:
        self.units.set_projection(proj)
        self.cases.place(proj)

    def draw(self, history: HistoryService, t: float, infos: dict[str, UnitInfo], proj: DisplayProjection) -> None:
        """Everything as it was at ``t`` (units the tracker does not know are drawn as available officers)."""
        frame = history.positions_at(t)
        groups = np.fromiter((group_of(infos[u].kind, infos[u].status, infos[u].sub_kind) if u in infos
                              else group_of("officer", "idle", "") for u in frame.ids), np.int16, len(frame.ids))
        kinds = np.fromiter(({"vehicle": VEHICLE, "drone": DRONE}.get(infos[u].kind, OFFICER) if u in infos
                             else OFFICER for u in frame.ids), np.int8, len(frame.ids))
        self.units.clock = lambda: t
        self.units.set_frame(frame.ids, frame.lat, frame.lon, t - frame.age_s, frame.heading, groups, kinds)
        self.cases.set_cases(history.cases_at(t), proj)
        self.units.flush()
