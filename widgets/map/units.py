"""Officers, vehicles and drones on the map: columnar arrays, one scatter item per style, in-place updates.

Why columnar: 10,000 units reporting once a second must cost a few milliseconds per second, not per frame.
Positions live in numpy arrays indexed by a stable row per unit; the tracker's coalesced ``changed`` batches
write into them, and at most 5 times a second (only if something changed) each style group's scatter gets
``setData(x, y)`` with a uniform pen/brush/symbol — pyqtgraph's fastest path, a single pixmap atlas entry.

Groups are officer statuses, vehicle kinds, drones (per-spot heading arrows), and "stale" (no fix for
``stale_s``: grey, with the age printed next to the marker when few enough are on screen).

Trails and the stale-age labels are drawn by collaborators in :mod:`widgets.map.unit_overlays` (derived
views of these arrays with their own timing); this class keeps the rows, the marker groups and the queries.

An officer's SOS (a position whose ``extra`` carries ``sos: true``, from ``POST /field/v1/sos`` locally or over
the bus on a seat) puts a pulsing red ring around his marker (:mod:`widgets.map.sos`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QObject

from commandcenter.domain import UnitPosition
from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.mapdata.trails import TrailBuffer
from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer
from widgets.map import style
from widgets.map.scatter import CachedBoundsScatter
from widgets.map.sos import SOS_FLASH_S as SOS_FLASH_S  # re-exported: where callers look for it
from widgets.map.sos import SosRings
from widgets.map.unit_overlays import STALE_LABEL_LIMIT as STALE_LABEL_LIMIT  # re-exported
from widgets.map.unit_overlays import StaleAgeLabels, UnitTrails
from widgets.map.unit_queries import DRONE, OFFICER, VEHICLE, UnitQueries

KIND_CODES = {"officer": OFFICER, "vehicle": VEHICLE, "drone": DRONE}

# (layer, key) → (symbol, size px, colour); layer is the toggle that shows it.
_GROUPS: list[tuple[str, str, str, int, str]] = (
    [("officers", f"officer:{s}", "o", 9, c) for s, c in style.OFFICER_STATUS_COLOURS.items()]
    + [("officers", "officer:stale", "o", 9, style.STALE_COLOUR)]
    + [("vehicles", f"vehicle:{k}", "s", 11, c) for k, c in style.VEHICLE_COLOURS.items()]
    + [("vehicles", "vehicle:other", "s", 11, style.VEHICLE_OTHER),
       ("vehicles", "vehicle:stale", "s", 11, style.STALE_COLOUR)]
)
GROUP_INDEX = {key: i for i, (_l, key, *_rest) in enumerate(_GROUPS)}
DRONE_GROUP = len(_GROUPS)
DRONE_STALE_GROUP = len(_GROUPS) + 1
# Markers move at most 5 times a second: each device reports every few seconds, so a marker jumps once per report
# whatever the rate, while every flush repaints the whole map on the GUI thread (with thousands of units moving,
# a flush at 20 Hz kept that thread busy a fifth of the time and made it late for everything else).
FLUSH_INTERVAL_MS = 200


def group_of(kind: str, status: str, sub_kind: str) -> int:
    """The fresh style group of a unit (stale is decided later, vectorised)."""
    if kind == "vehicle":
        return GROUP_INDEX.get(f"vehicle:{sub_kind}", GROUP_INDEX["vehicle:other"])
    if kind == "drone":
        return DRONE_GROUP
    return GROUP_INDEX.get(f"officer:{status or 'idle'}", GROUP_INDEX["officer:idle"])


class UnitLayer(QObject, UnitQueries):
    """All tracked units of one map (live, or a replay frame), drawn into ``plot``."""

    def __init__(self, plot: pg.PlotItem, proj: DisplayProjection, *, stale_s: float = 300.0,
                 trail_window_s: float = 600.0, trail_capacity: int = 20, z: float = 50.0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plot = plot
        self.proj = proj
        self.stale_s = stale_s
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.positions: dict[str, UnitPosition] = {}
        cap = 256
        self.lat = np.zeros(cap)
        self.lon = np.zeros(cap)
        self.x = np.zeros(cap)
        self.y = np.zeros(cap)
        self.fix_t = np.full(cap, -np.inf)
        self.heading = np.zeros(cap)
        self.kind = np.zeros(cap, dtype=np.int8)
        self.group = np.zeros(cap, dtype=np.int16)
        self.has_fix = np.zeros(cap, dtype=bool)
        self.stale = np.zeros(cap, dtype=bool)
        self.trails = TrailBuffer(trail_window_s, trail_capacity)
        self.clock: Callable[[], float] = time.time  # replaced by the replay clock in replay mode
        self.age_format: Callable[[float], str] = format_age  # the screen passes a translated one
        self._dirty = False
        self._group_cache: dict[tuple[str, str, str], int] = {}
        self.visible_layers = {"officers": True, "vehicles": True, "drones": True, "trails": True}
        self.flushes = 0
        self._shown = True

        # One scatter per layer (officers, vehicles) holding every style group of it, plus the drones' two (their
        # arrows turn per spot). Why not one per style group: pyqtgraph paints each scatter in Python (culling,
        # transforms) and Qt asks each for its bounds, several times a frame; fifteen of them were most of a
        # frame's time, while the spots of one scatter cost one ``drawPixmapFragments`` whatever their style.
        self._items: list[pg.ScatterPlotItem] = []
        self._counts: list[int] = []  # spots drawn per item (a layer scatter also holds its hidden templates)
        self._layer_groups: dict[int, NDArray[np.int64]] = {}  # item index → its style groups, template order
        self._local = np.full(DRONE_STALE_GROUP + 1, -1, dtype=np.int64)  # group → its template in its scatter
        # group + 1 → the scatter drawing it (-1: none; group -1 is "no fix"): one gather sorts all units per flush
        self._item_of = np.full(DRONE_STALE_GROUP + 2, -1, dtype=np.int64)
        for layer, symbol, size in (("officers", "o", 9), ("vehicles", "s", 11)):
            members = [g for g, (lyr, *_rest) in enumerate(_GROUPS) if lyr == layer]
            item = CachedBoundsScatter(pen=pg.mkPen("#0b1220", width=1), pxMode=True, antialias=True)
            # the templates: one hidden spot per style group, first in the data, so their atlas entries are
            # rendered (and re-rendered with the atlas) by pyqtgraph itself; spots are copies of them
            item.setData(x=np.full(len(members), np.nan), y=np.full(len(members), np.nan), symbol=symbol,
                         size=size, brush=[pg.mkBrush(_GROUPS[g][4]) for g in members])
            item.setZValue(z + (1 if layer == "vehicles" else 0))
            item.setProperty("map_layer", layer)
            item.setVisible(False)  # until it has spots (the first flush decides)
            self._layer_groups[len(self._items)] = np.asarray(members, dtype=np.int64)
            self._local[members] = np.arange(len(members))
            self._item_of[np.asarray(members) + 1] = len(self._items)
            self._items.append(item)
            self._counts.append(0)
        for colour in (style.DRONE_COLOUR, style.STALE_COLOUR):
            item = CachedBoundsScatter(size=18, pen=pg.mkPen("#0b1220", width=1), brush=pg.mkBrush(colour),
                                       pxMode=True, antialias=True)
            item.setZValue(z + 2)
            item.setProperty("map_layer", "drones")
            self._items.append(item)
            self._counts.append(0)
        self._drone_items = {DRONE_GROUP: len(self._items) - 2, DRONE_STALE_GROUP: len(self._items) - 1}
        for group, index in self._drone_items.items():
            self._item_of[group + 1] = index
        self._shown_groups = np.zeros(0, dtype=np.int16)
        self.trail_drawing = UnitTrails(self, plot, z)
        self.trail_item = self.trail_drawing.item
        self.selection_item = CachedBoundsScatter(symbol="o", size=24, pen=pg.mkPen(style.SELECTION_COLOUR, width=2),
                                                 brush=None, pxMode=True)
        self.selection_item.setZValue(z + 5)
        self.selected: str | None = None
        self.stale_ages = StaleAgeLabels(self, plot, z)
        self.stale_labels = self.stale_ages.item
        self.sos = SosRings(self, z)
        self.sos_item = self.sos.item
        for item in [self.trail_item, *self._items, self.selection_item, self.sos_item, self.stale_labels]:
            plot.addItem(item)

        plot.getViewBox().sigRangeChanged.connect(lambda *_a: self.view_changed())
        self._flush_timer = PhasedTimer(FLUSH_INTERVAL_MS, PHASES_MS["map.flush"], self.flush, self)  # (cadence)
        self._flush_timer.start()
        self._stale_timer = PhasedTimer(1000, PHASES_MS["map.stale"], self.refresh_stale, self)
        self._stale_timer.start()

    # ------------------------------------------------------------------------------------------- rows
    def _grow(self, n: int) -> None:
        cap = len(self.lat)
        if n <= cap:
            return
        new = max(n, 2 * cap)
        for name in ("lat", "lon", "x", "y", "fix_t", "heading", "kind", "group", "has_fix", "stale"):
            old = getattr(self, name)
            fill = -np.inf if name == "fix_t" else 0
            grown = np.full(new, fill, dtype=old.dtype)
            grown[:cap] = old
            setattr(self, name, grown)

    def row_for(self, unit_id: str) -> int:
        row = self.index.get(unit_id)
        if row is None:
            row = len(self.ids)
            self._grow(row + 1)
            self.ids.append(unit_id)
            self.index[unit_id] = row
        return row

    # ------------------------------------------------------------------------------------------- updates
    def update_positions(self, positions: Iterable[UnitPosition]) -> None:
        """Take the tracker's moved units (GUI thread, cheap: arrays only; drawing happens in :meth:`flush`)."""
        batch = list(positions)
        if not batch:
            return
        # Column-wise comprehensions: ~10x cheaper than one loop doing everything (10,000 fixes ≈ 10 ms).
        ids = [p.id for p in batch]
        rows_l = [self.index.get(u) for u in ids]
        if None in rows_l:
            rows_l = [self.row_for(u) if r is None else r for u, r in zip(ids, rows_l, strict=True)]
        groups = self._group_cache
        keys = [(p.kind, p.status, p.sub_kind) for p in batch]
        for key in set(keys) - groups.keys():
            groups[key] = group_of(*key)
        rows = np.asarray(rows_l, dtype=np.int64)
        lat = np.asarray([p.lat for p in batch], dtype=np.float64)
        lon = np.asarray([p.lon for p in batch], dtype=np.float64)
        t = np.asarray([p.fix_time.timestamp() for p in batch], dtype=np.float64)
        self.heading[rows] = [0.0 if p.heading is None else p.heading for p in batch]
        self.kind[rows] = [KIND_CODES.get(k[0], OFFICER) for k in keys]
        self.group[rows] = [groups[k] for k in keys]
        self.positions.update(zip(ids, batch, strict=True))
        self._set_rows(rows, lat, lon, t)
        sos = [(p.id, float(ts)) for p, ts in zip(batch, t, strict=True) if p.extra and p.extra.get("sos")]
        if sos:
            self.sos.take(sos)

    @property
    def shown(self) -> bool:
        """Is the layer shown at all (live units are hidden during a replay)?"""
        return self._shown

    def set_frame(self, ids: Sequence[str], lat: NDArray[np.float64], lon: NDArray[np.float64],
                  t: NDArray[np.float64], heading: NDArray[np.float64],
                  groups: NDArray[np.int16], kinds: NDArray[np.int8]) -> None:
        """Replace all positions at once (a replay frame); units absent from ``ids`` are hidden."""
        rows = np.fromiter((self.row_for(u) for u in ids), np.int64, len(ids))
        self.has_fix[: len(self.ids)] = False
        self.heading[rows] = heading
        self.group[rows] = groups
        self.kind[rows] = kinds
        self._set_rows(rows, lat, lon, t)

    def _set_rows(self, rows: NDArray[np.int64], lat: NDArray[np.float64], lon: NDArray[np.float64],
                  t: NDArray[np.float64]) -> None:
        self.lat[rows] = lat
        self.lon[rows] = lon
        x, y = self.proj.to_xy(lat, lon)
        self.x[rows] = x
        self.y[rows] = y
        self.fix_t[rows] = t
        self.has_fix[rows] = True
        self.stale[rows] = (self.clock() - t) > self.stale_s
        self.trails.push(rows, t, x, y)
        self._dirty = True
        self.trail_drawing.dirty = True

    def set_projection(self, proj: DisplayProjection) -> None:
        old = self.proj
        self.proj = proj
        n = len(self.ids)
        self.x[:n], self.y[:n] = proj.to_xy(self.lat[:n], self.lon[:n])

        def convert(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64],
                                                                              NDArray[np.float64]]:
            return proj.to_xy(*old.to_latlon(x, y))

        self.trails.remap(convert)
        self._dirty = self.trail_drawing.dirty = True
        self.flush()

    def clear(self) -> None:
        """Forget every unit (used when a replay ends)."""
        self.has_fix[:] = False
        self.trails = TrailBuffer(self.trails.window_s, self.trails.capacity)
        self._dirty = self.trail_drawing.dirty = True
        self.flush()

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        self.visible_layers[layer] = visible
        for item, count in zip(self._items, self._counts, strict=True):
            if item.property("map_layer") == layer:
                item.setVisible(visible and self._shown and count > 0)
        if layer == "trails":
            self.trail_item.setVisible(visible)
            self.trail_drawing.dirty = True
        self._dirty = True

    def set_visible(self, visible: bool) -> None:
        """Show or hide the whole layer (live units are hidden during a replay)."""
        self._shown = visible
        self._dirty = True
        for item, count in zip(self._items, self._counts, strict=True):
            item.setVisible(visible and count > 0
                            and self.visible_layers.get(str(item.property("map_layer")), True))
        for other in (self.trail_item, self.selection_item, self.stale_labels, self.sos_item):
            other.setVisible(visible)
        if visible:
            self.trail_item.setVisible(self.visible_layers["trails"])
            self.selection_item.setVisible(True)

    def refresh_stale(self) -> None:
        """Re-evaluate staleness with the clock (a silent unit sends no update that could trigger it)."""
        n = len(self.ids)
        stale = (self.clock() - self.fix_t[:n]) > self.stale_s
        if not np.array_equal(stale, self.stale[:n]) or np.any(stale & self.has_fix[:n]):
            self.stale[:n] = stale
            self._dirty = True

    # ------------------------------------------------------------------------------------------- drawing
    def flush(self) -> None:
        """Push changed arrays into the scatter items (every ``FLUSH_INTERVAL_MS``, only when something changed)."""
        if self._dirty:
            self._dirty = False
            self.flushes += 1
            n = len(self.ids)
            groups = self.group[:n].copy()
            stale = self.stale[:n]
            kinds = self.kind[:n]
            groups[stale & (kinds == OFFICER)] = GROUP_INDEX["officer:stale"]
            groups[stale & (kinds == VEHICLE)] = GROUP_INDEX["vehicle:stale"]
            groups[stale & (kinds == DRONE)] = DRONE_STALE_GROUP
            groups[~self.has_fix[:n]] = -1
            self._shown_groups = groups
            owner = self._item_of[groups + 1]
            for index, members in self._layer_groups.items():
                rows = np.flatnonzero(owner == index)
                self._counts[index] = len(rows)
                set_styled_positions(self._items[index], len(members), self._local[groups[rows]],
                                     self.x[rows], self.y[rows])
            for index in self._drone_items.values():
                rows = np.flatnonzero(owner == index)
                self._counts[index] = len(rows)
                symbols = [style.arrow_symbol(style.heading_bucket(h)) for h in self.heading[rows]]
                self._items[index].setData(x=self.x[rows], y=self.y[rows], symbol=symbols)
            for item, count in zip(self._items, self._counts, strict=True):
                # an empty scatter still costs Python paint overhead every frame: take it off the scene
                item.setVisible(count > 0 and self.visible_layers[str(item.property("map_layer"))]
                                and self._shown)
            self._update_selection()
            self.stale_ages.update()
        self.trail_drawing.rebuild_if_due(self.visible_layers["trails"])

    def rebuild_trails(self) -> None:
        """One curve for the trails of the units in (and around) the view, within the point budget."""
        self.trail_drawing.rebuild()

    def view_changed(self) -> None:
        """The visible area moved: trails are clipped to it, so rebuild them soon."""
        self.trail_drawing.view_changed()

    def _update_selection(self) -> None:
        row = self.index.get(self.selected) if self.selected else None
        if row is None or not self.has_fix[row]:
            self.selection_item.setData(x=[], y=[])
        else:
            self.selection_item.setData(x=[self.x[row]], y=[self.y[row]])

    def select(self, unit_id: str | None) -> None:
        self.selected = unit_id
        self._update_selection()

    # ------------------------------------------------------------------------------------------- queries
    def group_items(self) -> list[pg.ScatterPlotItem]:
        return list(self._items)

    def shown_count(self, group_key: str) -> int:
        """How many units are drawn in a style group (``"officer:stale"``, ``"vehicle:环卫车"`` …)."""
        g = DRONE_GROUP if group_key == "drone" else GROUP_INDEX[group_key]
        return int(np.count_nonzero(self._shown_groups == g))

    def drawn_count(self) -> int:
        """How many markers the scatters hold (every shown unit once; hidden templates not counted)."""
        return sum(self._counts)

    def drawn_spots(self, item: pg.ScatterPlotItem) -> NDArray[np.void]:
        """The spots ``item`` draws (a layer scatter's hidden style templates left out)."""
        index = self._items.index(item)
        templates = len(self._layer_groups.get(index, ()))
        return item.data[templates:]


def set_styled_positions(item: pg.ScatterPlotItem, templates: int, local: NDArray[np.int64],
                         x: NDArray[np.float64], y: NDArray[np.float64]) -> None:
    """Set a layer scatter's spots: spot i is a copy of style template ``local[i]`` moved to (x[i], y[i]).

    The first ``templates`` records of ``item.data`` are hidden spots (NaN position), one per style group, whose
    symbol atlas entry pyqtgraph rendered; copying their records is a numpy gather, where ``setData`` with
    per-spot styles looks every spot up in the atlas in Python (~20 µs a spot: 200 ms for 10,000 units).
    """
    data = item.data
    head = data[:templates]
    if np.any(head["sourceRect"]["w"] == 0):  # the atlas was cleared (a new screen's pixel ratio): re-render
        item.updateSpots()
        data = item.data
        head = data[:templates]
    item.prepareGeometryChange()
    if len(data) == templates + len(x) and np.array_equal(data["sourceRect"][templates:], head["sourceRect"][local]):
        data["x"][templates:] = x  # same units in the same styles as last time (the common case): move them
        data["y"][templates:] = y
    else:
        spots = np.empty(templates + len(x), dtype=data.dtype)
        spots[:templates] = head
        spots[templates:] = head[local]
        spots["x"][templates:] = x
        spots["y"][templates:] = y
        spots["item"][templates:] = None
        spots["data"][templates:] = None
        item.data = spots
    item.bounds = [None, None]
    item.informViewBoundsChanged()
    item.invalidate()


def format_age(seconds: float) -> str:
    """Compact age for the map: 45秒, 12分钟, 3小时, 2天."""
    s = max(0.0, float(seconds))
    if s < 60:
        return f"{int(s)}秒"
    if s < 3600:
        return f"{int(s // 60)}分钟"
    if s < 86400:
        return f"{int(s // 3600)}小时"
    return f"{int(s // 86400)}天"


def drawn_colour(layer: UnitLayer, unit_id: str) -> str:
    """The brush colour a unit is drawn with (``style.STALE_COLOUR`` when stale; "" when not drawn)."""
    row = layer.index.get(unit_id)
    if row is None:
        return ""
    layer.flush()
    for item in layer.group_items():
        spots = layer.drawn_spots(item)
        for spot_x, spot_y, brush in zip(spots["x"], spots["y"], spots["brush"], strict=True):
            if spot_x == layer.x[row] and spot_y == layer.y[row]:
                return str((brush if brush is not None else item.opts["brush"]).color().name())
    return ""
