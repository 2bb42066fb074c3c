"""What the GUI thread was doing while it was late: a watchdog thread sampling its Python stack.

Why: the stall benchmark says *how* late a 10 ms GUI timer fires, not *why*. This watchdog runs beside the GUI
thread; while the timer is overdue it samples the GUI thread's stack (``sys._current_frames()``) every couple of
milliseconds, so each late stretch is attributed to the code it was spent in. Garbage collections are timed
separately (``gc.callbacks``, in the GUI thread's CPU time), since a collection shows in a stack only as the
frame that happened to allocate.

Used by :mod:`bench.startup_probe`; the report goes into the benchmark's JSON (``stall_causes``).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = str(Path(__file__).resolve().parent.parent)


def _where(frame: FrameType) -> str:
    code = frame.f_code
    name = code.co_filename
    short = name[len(ROOT) + 1:] if name.startswith(ROOT) else Path(name).name
    return f"{short}:{frame.f_lineno} {code.co_name}"


def stack_key(frame: FrameType | None, depth: int = 6) -> str:
    """The innermost frame, then the project's own frames outward (at most ``depth``), joined by `` < ``."""
    parts: list[str] = []
    first = True
    while frame is not None and len(parts) < depth:
        if first or frame.f_code.co_filename.startswith(ROOT):
            parts.append(_where(frame))
        first = False
        frame = frame.f_back
    return " < ".join(parts) if parts else "(not in Python: Qt/C++ work)"


def thread_cpu_s() -> dict[str, float]:
    """CPU seconds (user + system) of each live thread of this process, by thread name (Linux ``/proc``)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            comm = (task / "comm").read_text().strip()
        except OSError:
            continue
        name = names.get(int(task.name)) or f"native:{comm}"
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


class StallWatch:
    """Call :meth:`beat` from the GUI timer; while a beat is more than ``threshold_ms`` overdue, sample."""

    def __init__(self, period_ms: float = 10.0, threshold_ms: float = 10.0, interval_s: float = 0.002) -> None:
        self.gui_ident = threading.get_ident()  # constructed on the GUI thread
        self.gui_native_id = threading.get_native_id()
        self.gui_states: Counter[str] = Counter()  # the GUI thread's scheduler state while late (R: on/for a CPU)
        self.busy_others: Counter[str] = Counter()  # other threads runnable while the GUI thread is late
        self.period_s = period_ms / 1000.0
        self.threshold_s = threshold_ms / 1000.0
        self.interval_s = interval_s
        self.last_beat = 0.0
        self.samples: Counter[str] = Counter()
        self.episodes: list[tuple[float, Counter[str]]] = []
        self._current: Counter[str] | None = None
        self.gc_ms: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._gc_start = 0.0
        self._threads_at_start: dict[str, float] = {}
        self.thread_cpu: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-watch", daemon=True)

    def start(self) -> None:
        self.last_beat = time.perf_counter()
        self._threads_at_start = thread_cpu_s()
        gc.callbacks.append(self._on_gc)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1.0)
        end = thread_cpu_s()
        self.thread_cpu = {name: round(cpu - self._threads_at_start.get(name, 0.0), 2) for name, cpu in end.items()}
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def beat(self) -> None:
        now = time.perf_counter()
        current = self._current
        if current is not None:
            self.episodes.append(((now - self.last_beat - self.period_s) * 1000.0, current))
            self._current = None
        self.last_beat = now

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if threading.get_ident() != self.gui_ident:
            return
        if phase == "start":
            self._gc_start = time.thread_time()
        else:
            self.gc_ms[int(info["generation"])].append((time.thread_time() - self._gc_start) * 1000.0)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            overdue = time.perf_counter() - self.last_beat - self.period_s
            if overdue <= self.threshold_s:
                continue
            frames = sys._current_frames()
            key = stack_key(frames.get(self.gui_ident))
            self.samples[key] += 1
            self._sample_states(frames)
            if self._current is None:
                self._current = Counter()
            self._current[key] += 1
            del frames  # other threads' frames are not kept alive (and later freed here) until the next sample

    def _sample_states(self, frames: dict[int, FrameType]) -> None:
        """Which threads are runnable (R) while the GUI thread is late: the GIL's holder is among them."""
        names = {t.native_id: (t.name, t.ident) for t in threading.enumerate()}
        for task in Path("/proc/self/task").iterdir():
            try:
                state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            tid = int(task.name)
            if tid == self.gui_native_id:
                self.gui_states[state] += 1
            elif state == "R" and tid != threading.get_native_id():
                name, ident = names.get(tid, (f"native:{tid}", None))
                frame = frames.get(ident) if ident is not None else None
                self.busy_others[f"{name}: {stack_key(frame).split(' < ')[0]}"] += 1

    def report(self, top: int = 12) -> dict[str, object]:
        """The stacks seen most while late (samples ≈ ``interval_s`` each), the worst stretches, the collections."""
        worst = sorted(self.episodes, key=lambda e: -e[0])[:top]
        return {
            "sample_interval_ms": self.interval_s * 1000.0,
            "late_samples": sum(self.samples.values()),
            "top_stacks": [{"samples": n, "stack": key} for key, n in self.samples.most_common(top)],
            "worst": [{"late_ms": round(ms, 1), "stacks": [f"{n}× {key}" for key, n in c.most_common(3)]}
                      for ms, c in worst],
            "gui_states_while_late": dict(self.gui_states),
            "runnable_others_while_late": dict(self.busy_others.most_common(top)),
            "thread_cpu_s": dict(sorted(self.thread_cpu.items(), key=lambda kv: -kv[1])[:top * 4]),
            "gc_gui_cpu_ms": {str(g): {"count": len(v), "max": round(max(v), 1) if v else 0.0,
                                       "total": round(sum(v), 1)} for g, v in self.gc_ms.items()},
        }
