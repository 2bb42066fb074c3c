"""Recent tracks of every unit, in memory: a fixed-size ring per unit, all units in one numpy block.

The map draws "where has each unit been in the last N minutes". Asking the database 20 times a second would
be I/O on the GUI thread, and keeping Python lists per unit costs allocations per fix; a ``(units × K)`` array
is updated for a whole batch of moved units with a few fancy-indexing operations and turned into one
polyline with a connect mask for a single curve item.

A unit gets a new sample at most every ``window_s / capacity`` seconds, so ``capacity`` samples span the
whole window whatever the report rate; the live position is appended when drawing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
# A trail is broken, not drawn as a straight line, across a silence longer than MAX_GAP_S or a jump faster than
# MAX_SPEED_MPS (no officer or city vehicle crosses the district at 180 km/h: that is a gap, a replay seek or a
# bad fix). Jumps shorter than MIN_JUMP_M always join (GPS noise between close samples).
MAX_GAP_S = 300.0
MAX_SPEED_MPS = 50.0
MIN_JUMP_M = 150.0


class TrailBuffer:
    """Ring buffers of ``(t, x, y)`` samples for a growing set of units addressed by row index.

    ``x``/``y`` are whatever planar coordinates the caller draws in (the map pushes display metres, so a
    repaint needs no re-projection); :meth:`remap` converts them all when the display projection changes.
    """

    def __init__(self, window_s: float = 600.0, capacity: int = 20, *, max_gap_s: float = MAX_GAP_S,
                 max_speed_mps: float = MAX_SPEED_MPS) -> None:
        self.window_s = float(window_s)
        self.capacity = max(2, int(capacity))
        self.max_gap_s = float(max_gap_s)
        self.max_speed_mps = float(max_speed_mps)
        self.min_interval_s = self.window_s / self.capacity
        self._rows = 0
        self.t = np.full((0, self.capacity), -np.inf)
        self.x = np.zeros((0, self.capacity))
        self.y = np.zeros((0, self.capacity))

    @property
    def rows(self) -> int:
        return self._rows

    def ensure_rows(self, n: int) -> None:
        """Grow to at least ``n`` units (amortised doubling)."""
        if n <= self.t.shape[0]:
            self._rows = max(self._rows, n)
            return
        new = max(n, 2 * self.t.shape[0], 64)
        for name, fill in (("t", -np.inf), ("x", 0.0), ("y", 0.0)):
            old = getattr(self, name)
            grown = np.full((new, self.capacity), fill)
            grown[: old.shape[0]] = old
            setattr(self, name, grown)
        self._rows = n

    def push(self, rows: NDArray[np.int64], t: FloatArray, x: FloatArray, y: FloatArray) -> None:
        """Record positions of ``rows`` at epoch seconds ``t``; rows sampled too recently are skipped.

        The ring is kept in time order by shifting (K is small), so drawing needs no re-ordering.
        """
        if len(rows) == 0:
            return
        self.ensure_rows(int(rows.max()) + 1)
        due = t - self.t[rows, -1] >= self.min_interval_s
        rows, t, x, y = rows[due], t[due], x[due], y[due]
        if len(rows) == 0:
            return
        for arr, new in ((self.t, t), (self.x, x), (self.y, y)):
            arr[rows, :-1] = arr[rows, 1:]
            arr[rows, -1] = new

    def remap(self, convert: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]) -> None:
        """Convert every stored sample with ``convert(x, y) -> (x', y')`` (a change of display projection)."""
        n = self.t.shape[0]
        if n:
            x, y = convert(self.x.ravel(), self.y.ravel())
            self.x = np.asarray(x, dtype=np.float64).reshape(n, self.capacity)
            self.y = np.asarray(y, dtype=np.float64).reshape(n, self.capacity)

    def clear_row(self, row: int) -> None:
        if row < self.t.shape[0]:
            self.t[row] = -np.inf

    def polyline(self, now: float, rows: NDArray[np.int64] | None = None,
                 head_x: FloatArray | None = None, head_y: FloatArray | None = None,
                 max_points: int | None = None) -> tuple[FloatArray, FloatArray, NDArray[np.int32]]:
        """``(x, y, connect)`` of all trails within the window, for one ``connect`` curve.

        ``head_x``/``head_y`` (per row of ``rows``) append the live position so the trail reaches the
        marker. ``connect[i]`` is 1 when point i joins point i+1. ``max_points`` bounds the drawing cost:
        when all trails would exceed it, every n-th sample is kept (the newest always), so 10,000 units
        draw coarser trails instead of a slower frame.
        """
        if rows is None:
            rows = np.arange(self._rows)
        cols = np.arange(self.capacity)
        per_unit = self.capacity + (1 if head_x is not None else 0)
        if max_points is not None and len(rows) * per_unit > max_points:
            head = per_unit - self.capacity
            step = int(np.ceil(self.capacity / max(1, max_points // max(len(rows), 1) - head)))
            cols = np.arange(self.capacity - 1, -1, -step)[::-1]
        t = self.t[np.ix_(rows, cols)]
        x = self.x[np.ix_(rows, cols)]
        y = self.y[np.ix_(rows, cols)]
        if head_x is not None and head_y is not None:
            t = np.concatenate([t, np.full((len(rows), 1), now)], axis=1)
            x = np.concatenate([x, head_x.reshape(-1, 1)], axis=1)
            y = np.concatenate([y, head_y.reshape(-1, 1)], axis=1)
        valid = t >= now - self.window_s
        connect = np.zeros(valid.shape, dtype=np.int32)
        connect[:, :-1] = valid[:, :-1] & valid[:, 1:] & joined(t, x, y, self.max_gap_s, self.max_speed_mps)
        # A lone point (the head with no history) draws nothing: drop rows with < 2 valid points.
        keep = valid & (valid.sum(axis=1, keepdims=True) >= 2)
        return x[keep], y[keep], connect[keep]


def joined(t: FloatArray, x: FloatArray, y: FloatArray, max_gap_s: float = MAX_GAP_S,
           max_speed_mps: float = MAX_SPEED_MPS) -> NDArray[np.bool_]:
    """Whether each consecutive pair of samples (along the last axis) belongs to one track: neither a silence
    longer than ``max_gap_s`` nor a jump faster than ``max_speed_mps`` (``x``/``y`` in metres) between them."""
    with np.errstate(invalid="ignore"):
        dt = np.diff(t, axis=-1)
        dist = np.hypot(np.diff(x, axis=-1), np.diff(y, axis=-1))
        return (dt <= max_gap_s) & ((dist <= MIN_JUMP_M) | (dist <= max_speed_mps * np.maximum(dt, 0.0)))
