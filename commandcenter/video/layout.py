"""Wall layouts (uniform and merged-cell), their JSON files, and the WallModel that drives a wall.

Layout files are human-editable JSON so a bureau can draw its own wall without a programmer::

    {"version": 1, "name": "1+5", "rows": 3, "cols": 3, "alarm_cell": 0,
     "cells": [{"row": 0, "col": 0, "rowspan": 2, "colspan": 2, "camera": "cam01"}, ...]}

``camera`` may be null (filled with cameras in config order when loaded onto a wall) or an id that no longer
exists (kept, shown as missing: a renamed camera must not make a saved wall unloadable). Anything else wrong —
overlapping or out-of-range cells, holes, a wrong version — is rejected with a :class:`LayoutError` naming the
file and the problem. Built-ins ship in ``layouts/wall/*.json``; "save as" writes to the user layouts dir,
which wins over a built-in of the same name.

:class:`WallModel` holds the current layout and cell→camera assignment, tours (轮巡), alarm pops and the
single-view toggle, and produces the snapshot report's ``"tiles"`` section. It is Qt-core only (signals and
timers); widgets observe it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from commandcenter.config import CameraConfig
from commandcenter.enforcement.permissions import OPEN_GATE, PermissionGate
from commandcenter.paths import LAYOUTS, config_dir

LAYOUT_VERSION = 1
MAX_GRID = 8
BUILTIN_DIR = LAYOUTS / "wall"
_RXC = re.compile(r"^\s*(\d+)\s*[x×X*]\s*(\d+)\s*$")
_SAFE_NAME = re.compile(r"[^\w+\-.()\u4e00-\u9fff]+")


class LayoutError(ValueError):
    """A layout file or spec that cannot be used; the message says which and why."""


@dataclass
class Cell:
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    camera: str | None = None


@dataclass
class WallLayout:
    """A grid of ``rows``×``cols`` slots covered exactly once by ``cells`` (merged cells span several)."""

    name: str
    rows: int
    cols: int
    cells: list[Cell] = field(default_factory=list)
    alarm_cell: int | None = None

    @classmethod
    def uniform(cls, rows: int, cols: int | None = None, name: str = "") -> WallLayout:
        cols = rows if cols is None else cols
        cells = [Cell(r, c) for r in range(rows) for c in range(cols)]
        return cls(name or f"{rows}x{cols}", rows, cols, cells, alarm_cell=None)

    def to_dict(self) -> dict[str, Any]:
        return {"version": LAYOUT_VERSION, "name": self.name, "rows": self.rows, "cols": self.cols,
                "cells": [{"row": c.row, "col": c.col, "rowspan": c.rowspan, "colspan": c.colspan,
                           "camera": c.camera} for c in self.cells],
                "alarm_cell": self.alarm_cell}

    def to_json(self) -> str:
        """Indented JSON with one cell per line, so a person can edit a layout in any text editor."""
        data = self.to_dict()
        cells = ",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in data.pop("cells"))
        head = json.dumps(data, ensure_ascii=False, indent=2)[:-2]
        return f'{head},\n  "cells": [\n{cells}\n  ]\n}}\n'

    def copy(self) -> WallLayout:
        return layout_from_dict(self.to_dict())


def _int(data: dict[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayoutError(f"{where}: {key!r} must be an integer, got {value!r}")
    return value


def layout_from_dict(data: Any, source: str = "<layout>") -> WallLayout:
    """Validate parsed JSON and build a layout; raises LayoutError with the reason."""
    if not isinstance(data, dict):
        raise LayoutError(f"{source}: expected a JSON object")
    unknown = set(data) - {"version", "name", "rows", "cols", "cells", "alarm_cell"}
    if unknown:
        raise LayoutError(f"{source}: unknown key(s) {sorted(unknown)}")
    if data.get("version") != LAYOUT_VERSION:
        raise LayoutError(f"{source}: unsupported version {data.get('version')!r} (expected {LAYOUT_VERSION})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise LayoutError(f"{source}: 'name' must be a non-empty string")
    rows, cols = _int(data, "rows", source), _int(data, "cols", source)
    if not (1 <= rows <= MAX_GRID and 1 <= cols <= MAX_GRID):
        raise LayoutError(f"{source}: rows and cols must be between 1 and {MAX_GRID}, got {rows}x{cols}")
    raw_cells = data.get("cells")
    if not isinstance(raw_cells, list) or not raw_cells:
        raise LayoutError(f"{source}: 'cells' must be a non-empty list")
    owner: dict[tuple[int, int], int] = {}
    cells = []
    for i, raw in enumerate(raw_cells):
        where = f"{source}: cells[{i}]"
        if not isinstance(raw, dict):
            raise LayoutError(f"{where}: expected an object")
        extra = set(raw) - {"row", "col", "rowspan", "colspan", "camera"}
        if extra:
            raise LayoutError(f"{where}: unknown key(s) {sorted(extra)}")
        cell = Cell(_int(raw, "row", where), _int(raw, "col", where), _int(raw, "rowspan", where, 1),
                    _int(raw, "colspan", where, 1), raw.get("camera"))
        if cell.camera is not None and not isinstance(cell.camera, str):
            raise LayoutError(f"{where}: 'camera' must be a camera id string or null")
        if cell.rowspan < 1 or cell.colspan < 1:
            raise LayoutError(f"{where}: rowspan and colspan must be at least 1")
        if cell.row < 0 or cell.col < 0 or cell.row + cell.rowspan > rows or cell.col + cell.colspan > cols:
            raise LayoutError(f"{where}: spans rows {cell.row}..{cell.row + cell.rowspan - 1}, cols "
                              f"{cell.col}..{cell.col + cell.colspan - 1}, outside the {rows}x{cols} grid")
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                if (r, c) in owner:
                    raise LayoutError(f"{where}: overlaps cells[{owner[(r, c)]}] at row {r}, col {c}")
                owner[(r, c)] = i
        cells.append(cell)
    holes = [(r, c) for r in range(rows) for c in range(cols) if (r, c) not in owner]
    if holes:
        raise LayoutError(f"{source}: no cell covers row {holes[0][0]}, col {holes[0][1]}")
    alarm = data.get("alarm_cell")
    if alarm is not None and (isinstance(alarm, bool) or not isinstance(alarm, int)
                              or not 0 <= alarm < len(cells)):
        raise LayoutError(f"{source}: 'alarm_cell' must be null or a cell index 0..{len(cells) - 1}")
    return WallLayout(name.strip(), rows, cols, cells, alarm)


def load_layout(path: str | Path) -> WallLayout:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LayoutError(f"{p}: layout file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LayoutError(f"{p}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayoutError(f"{p}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    return layout_from_dict(data, str(p))


def user_layouts_dir() -> Path:
    """User layouts ("save as"): ``<config dir>/layouts/wall`` (``CC_CONFIG_DIR`` overrides the config dir)."""
    return config_dir() / "layouts" / "wall"


def layout_filename(name: str) -> str:
    """File name for a layout name (keeps Chinese, digits, + and x; replaces path separators and the like)."""
    safe = _SAFE_NAME.sub("_", name.strip()).strip("._") or "layout"
    return f"{safe}.json"


def save_layout(layout: WallLayout, directory: Path | None = None) -> Path:
    folder = directory or user_layouts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / layout_filename(layout.name)
    tmp = path.with_suffix(".json.part")
    tmp.write_text(layout.to_json(), encoding="utf-8")
    tmp.replace(path)
    return path


def list_layouts(user_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR) -> dict[str, Path]:
    """Layout name → file; a user layout hides a built-in with the same name. Unreadable files are skipped
    here (``load_layout`` explains them when one is chosen)."""
    found: dict[str, Path] = {}
    for folder in (builtin_dir, user_dir or user_layouts_dir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                found[load_layout(path).name] = path
            except LayoutError:
                continue
    return found


def resolve_layout(spec: str, user_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR) -> WallLayout:
    """``--layout`` argument: a saved/built-in layout name, a path to a JSON file, or ``RxC`` (e.g. 3x4)."""
    spec = spec.strip()
    match = _RXC.match(spec)
    layouts = list_layouts(user_dir, builtin_dir)
    if spec in layouts:
        return load_layout(layouts[spec])
    if match:
        rows, cols = int(match.group(1)), int(match.group(2))
        if not (1 <= rows <= MAX_GRID and 1 <= cols <= MAX_GRID):
            raise LayoutError(f"layout {spec!r}: rows and cols must be between 1 and {MAX_GRID}")
        return WallLayout.uniform(rows, cols)
    if spec.endswith(".json") or "/" in spec:
        return load_layout(spec)
    known = ", ".join(sorted(layouts)) or "none"
    raise LayoutError(f"unknown layout {spec!r}; use RxC (e.g. 3x3) or one of: {known}")


# ---------------------------------------------------------------------------------------------------------------
# WallModel
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Tour:
    """轮巡: ``cell`` (or the whole wall when None) cycles through ``cameras`` every ``interval`` seconds."""

    cameras: list[str]
    interval: float
    cell: int | None = None
    position: int = 0
    group: str = ""


@dataclass
class Alarm:
    camera: str
    text: str
    cell: int
    previous_camera: str | None
    time: float


class WallModel(QObject):
    """Current layout and what each cell shows; tours, alarm pops, single view; the ``tiles`` report.

    ``video`` (a VideoService, optional) is only used by :meth:`tiles_report` to read stream health. ``gate``
    is the seat user's permission check: saving a layout needs ``wall.layout_edit`` (an observer only watches).
    """

    layoutChanged = Signal()
    cellChanged = Signal(int)  # cell index whose camera changed
    singleChanged = Signal(object)  # cell index or None
    alarmChanged = Signal()  # raised or acknowledged
    tourChanged = Signal()

    def __init__(self, cameras: list[CameraConfig], video: Any = None, layout: WallLayout | None = None,
                 parent: QObject | None = None, *, gate: PermissionGate = OPEN_GATE) -> None:
        super().__init__(parent)
        self.gate = gate
        self.cameras = list(cameras)
        self._by_id = {c.id: c for c in cameras}
        self.video = video
        self.layout = WallLayout.uniform(2)
        self.assignment: list[str | None] = []
        self._remembered: list[str | None] = []  # the last assignment of every cell ever shown (set_layout)
        self.single_cell: int | None = None
        self.alarm: Alarm | None = None
        self.tour: Tour | None = None
        self._tour_timer = QTimer(self)
        self._tour_timer.timeout.connect(self._advance_tour)
        self.set_layout(layout or WallLayout.uniform(2))

    # -- cameras & layout -----------------------------------------------------------------------------------------
    def camera(self, camera_id: str | None) -> CameraConfig | None:
        return self._by_id.get(camera_id) if camera_id else None

    def is_missing(self, camera_id: str | None) -> bool:
        """A cell names a camera that is not in the configuration (shown as missing, never an error)."""
        return bool(camera_id) and camera_id not in self._by_id

    def groups(self) -> dict[str, list[CameraConfig]]:
        groups: dict[str, list[CameraConfig]] = {}
        for camera in self.cameras:
            groups.setdefault(camera.group or "", []).append(camera)
        return groups

    def set_layout(self, layout: WallLayout) -> None:
        """Show ``layout``: its named cameras where given; the other cells keep what the wall showed, cell by
        cell in order (a camera dropped on cell 3 of a 3×3 is still in cell 3 of a 4×4, and comes back when a
        2×2 goes back to 3×3); what is left is filled with the cameras not on the wall, in config order."""
        self.stop_tour()
        if self.assignment:  # remember the cells a smaller layout drops, for when a larger one comes back
            self._remembered = [*self.assignment, *self._remembered[len(self.assignment):]]
        self.layout = layout.copy()
        named = {c.camera for c in self.layout.cells if c.camera}
        kept: list[str | None] = []
        for index, cell in enumerate(self.layout.cells):
            previous = self._remembered[index] if index < len(self._remembered) else None
            keep = previous if previous and previous not in named and previous not in kept else None
            kept.append(cell.camera or keep)
        on_wall = {c for c in kept if c}
        spare = iter([c.id for c in self.cameras if c.id not in on_wall])
        self.assignment = [camera if camera else next(spare, None) for camera in kept]
        self.single_cell = None
        if self.alarm is not None and self.alarm.cell >= len(self.assignment):
            self.alarm = None
        self.layoutChanged.emit()

    def camera_at(self, cell: int) -> str | None:
        return self.assignment[cell] if 0 <= cell < len(self.assignment) else None

    def cell_of(self, camera_id: str) -> int | None:
        return self.assignment.index(camera_id) if camera_id in self.assignment else None

    def assign(self, cell: int, camera_id: str | None) -> None:
        if not 0 <= cell < len(self.assignment) or self.assignment[cell] == camera_id:
            return
        self.assignment[cell] = camera_id
        self.cellChanged.emit(cell)

    def swap(self, a: int, b: int) -> None:
        if a == b or not (0 <= a < len(self.assignment) and 0 <= b < len(self.assignment)):
            return
        self.assignment[a], self.assignment[b] = self.assignment[b], self.assignment[a]
        self.cellChanged.emit(a)
        self.cellChanged.emit(b)

    def toggle_single(self, cell: int | None) -> None:
        """Double-click: one cell fills the wall with the main stream, or back to the grid."""
        self.single_cell = None if cell is None or self.single_cell == cell else cell
        self.singleChanged.emit(self.single_cell)

    def current_layout(self, name: str | None = None) -> WallLayout:
        """The layout with the current assignment written into its cells (what "save as" stores)."""
        layout = self.layout.copy()
        if name:
            layout.name = name
        for cell, camera_id in zip(layout.cells, self.assignment, strict=True):
            cell.camera = camera_id
        return layout

    def save_as(self, name: str, directory: Path | None = None) -> Path:
        """Store the current arrangement as a user layout; PermissionDenied (audited) without wall.layout_edit."""
        self.gate.require("wall.layout_edit")
        layout = self.current_layout(name)
        path = save_layout(layout, directory)
        self.layout.name = layout.name
        return path

    # -- tours ----------------------------------------------------------------------------------------------------
    def start_tour(self, group: str | None, interval: float, cell: int | None = None) -> None:
        """Cycle ``cell`` (or every cell, page by page) through the cameras of ``group`` (None: all)."""
        cameras = [c.id for c in self.cameras if group is None or c.group == group]
        if not cameras:
            raise ValueError(f"no cameras in group {group!r}")
        self.tour = Tour(cameras, max(1.0, interval), cell, 0, group or "")
        self._advance_tour()
        self._tour_timer.start(int(self.tour.interval * 1000))
        self.tourChanged.emit()

    def stop_tour(self) -> None:
        if self.tour is not None:
            self.tour = None
            self._tour_timer.stop()
            self.tourChanged.emit()

    def _advance_tour(self) -> None:
        tour = self.tour
        if tour is None:
            return
        if tour.cell is not None:
            self.assign(tour.cell, tour.cameras[tour.position % len(tour.cameras)])
            tour.position += 1
            return
        cells = [i for i in range(len(self.assignment)) if self.alarm is None or i != self.alarm.cell]
        for i in cells:
            self.assign(i, tour.cameras[(tour.position + cells.index(i)) % len(tour.cameras)])
        tour.position += len(cells)

    # -- alarms ---------------------------------------------------------------------------------------------------
    def alarm_cell_index(self) -> int:
        return self.layout.alarm_cell if self.layout.alarm_cell is not None else 0

    def raise_alarm(self, camera_id: str, text: str, when: float | None = None) -> int:
        """Pop ``camera_id`` into the alarm cell (red frame + text) until acknowledged; returns the cell."""
        import time

        cell = self.alarm_cell_index()
        previous = self.alarm.previous_camera if self.alarm is not None else self.camera_at(cell)
        self.alarm = Alarm(camera_id, text, cell, previous, time.time() if when is None else when)
        self.assign(cell, camera_id)
        self.alarmChanged.emit()
        return cell

    def acknowledge_alarm(self) -> None:
        """Clear the red frame and put back what the cell showed before."""
        alarm, self.alarm = self.alarm, None
        if alarm is None:
            return
        self.assign(alarm.cell, alarm.previous_camera)
        self.alarmChanged.emit()

    # -- report ---------------------------------------------------------------------------------------------------
    def quality_of(self, cell: int) -> str:
        return "main" if self.single_cell == cell else "sub"

    def tiles_report(self) -> list[dict[str, Any]]:
        """The snapshot report's ``"tiles"`` section, one entry per cell of the current layout."""
        report = []
        for index, camera_id in enumerate(self.assignment):
            entry: dict[str, Any] = {"cell": index, "camera": camera_id, "state": "offline", "fps": 0.0,
                                     "frames": 0, "reconnects": 0, "backend": "", "last_error": ""}
            if camera_id is None:
                entry["last_error"] = "no camera assigned"
            elif self.is_missing(camera_id):
                entry["last_error"] = f"camera {camera_id!r} is not in the configuration"
            else:
                status = self.video.status(camera_id, self.quality_of(index)) if self.video is not None else None
                if status is None and self.video is not None:
                    status = self.video.status(camera_id, "sub" if self.quality_of(index) == "main" else "main")
                if status is None:
                    entry["state"] = "connecting"
                else:
                    entry.update(state=status.state, fps=status.fps, frames=status.frames,
                                 reconnects=status.reconnects, backend=status.backend,
                                 last_error=status.last_error)
            report.append(entry)
        return report
