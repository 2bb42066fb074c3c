"""Threads that do heavy native work (video decoding, recording) give the CPU to the GUI thread first.

Why: on a small machine (2 cores, a video wall of 8–16 streams, the demo's simulated city beside it) the GUI
thread competes for a core with the decoders' threads, which run FFmpeg code outside the interpreter lock. At
equal priority the scheduler shares a core between them evenly, and a repaint that needs 5 ms of CPU waits
behind a decoder's time slice: the probe saw the GUI thread runnable (running or waiting for a CPU) in about
half of its late moments. Linux lets a thread lower its own priority (its nice value) without privileges, and the
threads it starts afterwards (FFmpeg's codec threads) inherit it. A decoder at a lower priority still gets
every idle cycle; it only yields when the GUI thread (or the store's writer) wants the CPU. Elsewhere
``setpriority`` on a thread id would change the whole process, so this does nothing there.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

__all__ = ["BACKGROUND_NICE_STEP", "run_at_background_priority"]

log = logging.getLogger(__name__)

BACKGROUND_NICE_STEP = 5  # above the GUI thread (nice 0), below nothing the bureau runs beside it


def run_at_background_priority(step: int = BACKGROUND_NICE_STEP) -> bool:
    """Lower the calling thread's priority by ``step`` nice levels (Linux only). True if it was lowered."""
    if sys.platform != "linux" or step <= 0:
        return False
    thread_id = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(19, current + step))
    except OSError as exc:  # a sandbox that forbids it: the thread runs at the usual priority
        log.debug("thread %s keeps its priority: %s", threading.current_thread().name, exc)
        return False
    return True
