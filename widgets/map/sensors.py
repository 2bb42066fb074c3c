"""The map's 环卫设施 layer: bins and public toilets with their live level, and a sensor's history chart.

Each facility is a symbol coloured by its level (a bin's fill %, a toilet's NH3 ppm: green, amber from 75 % of
the alarm threshold, red in alarm) with the number beside it; an offline or never-heard sensor is grey. The
layer repaints from the SensorService's snapshot, at most once a second (``changed`` only marks it dirty): a
thousand bins polled every 2 s must not repaint the map 500 times a second.

Clicking a facility shows :class:`SensorDetails`: its state, values and a small chart of the last 24 hours of
its main measure, read from the store on the task manager (never on the GUI thread).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from commandcenter.mapdata.projection import DisplayProjection
from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer
from commandcenter.runtime.tasks import GuiBridge, TaskManager
from commandcenter.sensors.service import SensorService, SensorSnapshot
from widgets import theme
from widgets.map import style
from widgets.map.vector import Label, LabelsItem

SANITATION_KINDS = ("垃圾桶", "公厕")  # what the 环卫设施 layer shows
PRIMARY_MEASURE = {"垃圾桶": "fill", "公厕": "nh3"}  # the level a facility is coloured by
DEFAULT_ALARM = {"fill": 80.0, "nh3": 5.0}  # when no rule watches the measure
SYMBOLS = {"垃圾桶": "s", "公厕": "d"}
LEVEL_COLOURS = {"ok": "#2ecc71", "high": "#f39c12", "alarm": "#e74c3c", "offline": "#7f8c8d"}
HISTORY_HOURS = 24.0
NUMBER_PRIORITY = {"alarm": 3, "high": 2, "ok": 1, "offline": 0}  # which number stays when two would overlap


def level_of(sensor: SensorSnapshot, alarm_at: float | None) -> tuple[str, str]:
    """(colour key, number text) of a facility: offline/unknown grey, alarm red, high amber, else green."""
    measure = PRIMARY_MEASURE.get(sensor.kind, "")
    value = sensor.values.get(measure)
    if sensor.state != "online" or value is None:
        return "offline", "—" if value is None else _number(value, sensor.units.get(measure, ""))
    limit = alarm_at if alarm_at is not None else DEFAULT_ALARM.get(measure)
    if sensor.alarm:
        key = "alarm"
    elif limit is not None and value >= 0.75 * limit:
        key = "high"
    else:
        key = "ok"
    return key, _number(value, sensor.units.get(measure, "") or ("%" if measure == "fill" else ""))


def _number(value: float, unit: str) -> str:
    return f"{value:.0f}{unit}" if abs(value) >= 10 else f"{value:.1f}{unit}"


def _text_colour(key: str) -> str:
    return LEVEL_COLOURS[key] if key != "ok" else style.TEXT


def _brush(key: str) -> QBrush:
    return pg.mkBrush(LEVEL_COLOURS[key])


class SensorLayer:
    """Bins and toilets on the map (see the module docstring)."""

    def __init__(self, plot: pg.PlotItem, service: SensorService, proj: DisplayProjection) -> None:
        self.service = service
        self.plot = plot
        self.proj = proj
        self.sensors: list[SensorSnapshot] = []
        self.levels: dict[str, tuple[str, str]] = {}  # id → (colour key, number) as drawn
        self.item = pg.ScatterPlotItem(size=13, pen=pg.mkPen(style.BACKGROUND, width=1.5))
        self.item.setZValue(62)
        plot.addItem(self.item)
        # The numbers: one item painting them all. Why not a ``pg.TextItem`` each: every TextItem is asked for
        # its bounding rectangle and re-transformed (``sigPrepareForPaint``) in Python on every map frame, which
        # made 44 facilities a large share of each frame's GUI-thread time with thousands of units moving.
        self.numbers = LabelsItem()
        self.numbers.setZValue(63)
        plot.addItem(self.numbers)
        self._drawn_ids: list[str] = []  # what the texts and symbols show, to touch only what changed
        self._drawn_levels: list[tuple[str, str]] = []
        self._font = QFont()
        self._font.setPointSize(8)
        self._font.setBold(True)
        self._xy = np.zeros((0, 2))
        self._visible = True
        self._dirty = True
        self._timer = PhasedTimer(1000, PHASES_MS["map.sensors"], self.refresh_if_changed)
        service.changed.connect(self._mark)
        self.refresh()
        self._timer.start()

    def _mark(self) -> None:
        self._dirty = True

    def refresh_if_changed(self) -> None:
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        """Read the service's snapshot and redraw (GUI thread; the snapshot is in memory)."""
        self._dirty = False
        self.sensors = [s for s in self.service.snapshot() if s.kind in SANITATION_KINDS
                        and s.lat is not None and s.lon is not None]
        self.levels = {s.id: level_of(s, self.service.threshold(s.id, PRIMARY_MEASURE.get(s.kind, "")))
                       for s in self.sensors}
        self.place(self.proj)

    def place(self, proj: DisplayProjection) -> None:
        """Draw the facilities. Only what changed is touched: with the same facilities in the same places and the
        same levels (the common case every second) nothing is redrawn; the symbols are re-set only when a colour
        changed, the numbers (one item, :attr:`numbers`) only when a number or colour changed."""
        moved = proj is not self.proj or [s.id for s in self.sensors] != self._drawn_ids
        self.proj = proj
        if not self.sensors:
            self.numbers.set_labels([])
            self.item.setData(x=[], y=[])
            self._xy = np.zeros((0, 2))
            self._drawn_ids, self._drawn_levels = [], []
            return
        levels = [self.levels[s.id] for s in self.sensors]
        if moved or len(self._xy) != len(self.sensors):
            x, y = proj.to_xy([float(s.lat or 0.0) for s in self.sensors],
                              [float(s.lon or 0.0) for s in self.sensors])
            self._xy = np.column_stack([x, y])
        if moved or levels != self._drawn_levels:
            self.numbers.set_labels([
                Label(number, float(sx), float(sy), _text_colour(key), self._font, anchor=(-0.25, 0.5),
                      priority=NUMBER_PRIORITY[key])
                for (key, number), (sx, sy) in zip(levels, self._xy, strict=True)])
        if moved or [key for key, _n in levels] != [key for key, _n in self._drawn_levels]:
            self.item.setData(x=self._xy[:, 0], y=self._xy[:, 1], data=[s.id for s in self.sensors],
                              symbol=[SYMBOLS.get(s.kind, "o") for s in self.sensors],
                              brush=[_brush(key) for key, _n in levels])
        self._drawn_ids = [s.id for s in self.sensors]
        self._drawn_levels = levels

    def number_labels(self) -> list[tuple[str, str]]:
        """The numbers drawn beside the facilities, as (text, colour), in the layer's order."""
        return [(label.text, label.colour) for label in self.numbers.labels]

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self.item.setVisible(visible)
        self.numbers.setVisible(visible)

    def nearest(self, x: float, y: float, tolerance: float) -> str | None:
        """The id of the facility drawn within ``tolerance`` display metres of (x, y), if any."""
        if not self._visible or len(self._xy) == 0:
            return None
        d2 = ((self._xy - (x, y)) ** 2).sum(axis=1)
        i = int(np.argmin(d2))
        return self.sensors[i].id if d2[i] <= tolerance * tolerance else None

    def stop(self) -> None:
        self._timer.stop()


class SensorDetails(QGroupBox):
    """One facility's state and values, and the chart of its main measure over the last 24 hours."""

    def __init__(self, service: SensorService, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.bridge = GuiBridge(tasks, self)
        self.sensor_id = ""
        self.setTitle(self.tr("Sanitation facility"))
        layout = QVBoxLayout(self)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.label)
        self.chart = pg.PlotWidget(background=theme.colour("map_background"),
                                   axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.chart.setFixedHeight(130)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.hideButtons()
        self.chart.getPlotItem().showGrid(x=True, y=True, alpha=0.2)
        self.curve = self.chart.plot([], [], pen=pg.mkPen("#4fc3f7", width=2))
        self.limit = pg.InfiniteLine(angle=0, pen=pg.mkPen("#e74c3c", style=Qt.PenStyle.DashLine))
        self.limit.setVisible(False)
        self.chart.addItem(self.limit)
        layout.addWidget(self.chart)
        self.points: list[tuple[float, float]] = []
        self.hide()

    def show_sensor(self, sensor_id: str) -> None:
        """Show a facility's details now and load its history on the task manager (drawn when it arrives)."""
        sensor = next((s for s in self.service.snapshot() if s.id == sensor_id), None)
        if sensor is None:
            return
        self.sensor_id = sensor_id
        measure = PRIMARY_MEASURE.get(sensor.kind, next(iter(sensor.values), ""))
        self.label.setText(self.describe(sensor))
        limit = self.service.threshold(sensor_id, measure)
        self.limit.setVisible(limit is not None)
        if limit is not None:
            self.limit.setPos(limit)
        self.chart.setTitle(self.tr("{0}, last {1} h").format(self.measure_name(measure), int(HISTORY_HOURS)),
                            size="8pt")
        self.show()
        if measure:
            def load() -> list[tuple[float, float]]:
                return self.service.history(sensor_id, measure, HISTORY_HOURS)

            def draw(points: list[tuple[float, float]]) -> None:
                self._draw(sensor_id, points)

            self.bridge.run(load, draw)

    def _draw(self, sensor_id: str, points: Sequence[tuple[float, float]]) -> None:
        if sensor_id != self.sensor_id:
            return  # another facility was clicked meanwhile
        self.points = list(points)
        self.curve.setData([p[0] for p in points], [p[1] for p in points])

    def measure_name(self, measure: str) -> str:
        """What a measure is called on screen (its config name when it has no translation)."""
        names = {"fill": self.tr("Fill level"), "nh3": self.tr("NH3"), "h2s": self.tr("H2S"),
                 "occupancy": self.tr("Occupancy"), "battery": self.tr("Battery"), "noise": self.tr("Noise"),
                 "weight": self.tr("Weight")}
        return names.get(measure, measure)

    def describe(self, sensor: SensorSnapshot) -> str:
        states = {"online": self.tr("online"), "offline": self.tr("offline"), "unknown": self.tr("not heard yet")}
        tr_type = self.tr("Type")
        tr_state = self.tr("State")
        tr_alarm = self.tr("Alarm")
        tr_last_reading = self.tr("Last reading")
        tr_bad_reads = self.tr("Bad reads")
        state = f"{tr_state}: {states.get(sensor.state, sensor.state)}"
        if sensor.state != "online":
            state = f"<span style='color:{theme.colour('error')}'>{state}</span>"
        rows = [f"<b>{html.escape(sensor.name)}</b> ({html.escape(sensor.id)})",
                f"{tr_type}: {html.escape(sensor.kind)}", state]
        for measure, value in sorted(sensor.values.items()):
            name = html.escape(self.measure_name(measure))
            rows.append(f"{name}: {value:g}{html.escape(sensor.units.get(measure, ''))}")
        if sensor.alarms:
            rows.append(f"<span style='color:{theme.colour('error')}'>{tr_alarm}: "
                        f"{html.escape(', '.join(sensor.alarms))}</span>")
        if sensor.last_reading_at is not None:
            rows.append(f"{tr_last_reading}: {datetime.fromtimestamp(sensor.last_reading_at).strftime('%H:%M:%S')}")
        rows.append(f"{tr_bad_reads}: {sensor.bad_reads}")
        return "<br>".join(rows)


def layer_title() -> str:
    """The 环卫设施 layer's name in the layers panel."""
    return QCoreApplication.translate("SensorLayer", "Sanitation facilities")


def layer_legend() -> list[tuple[str, str, str]]:
    """The legend rows of the 环卫设施 layer (colour, shape, text)."""
    return [(LEVEL_COLOURS["ok"], "s", QCoreApplication.translate("SensorLayer", "Bin / toilet: normal")),
            (LEVEL_COLOURS["high"], "s", QCoreApplication.translate("SensorLayer", "Filling up / odour rising")),
            (LEVEL_COLOURS["alarm"], "s", QCoreApplication.translate("SensorLayer", "Full / over the limit (alarm)")),
            (LEVEL_COLOURS["offline"], "s", QCoreApplication.translate("SensorLayer", "Offline"))]
