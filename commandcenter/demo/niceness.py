"""The simulated world runs below the command center's CPU priority.

Why: in the bureau the cameras, trackers and phones are other machines. The demo runs them beside the command
center on the dispatcher's own machine (2 cores here): the live camera encoders alone take about half a core,
and the simulated city drives 2,000 devices. At equal priority, the GUI thread, woken by a 10 ms timer, waited
behind them for a CPU (Linux schedstat: a quarter of its wall time during the demo's ramp). Every process of the
simulated world therefore starts at ``WORLD_NICENESS``: it takes what the command center leaves, as it would on
machines of its own, and the command center keeps the machine to itself only when both want it.

Only whole processes are lowered: a Python thread of the command center's own process must not be, since one
that holds the interpreter lock while descheduled would stall the GUI thread instead (priority inversion).
"""

from __future__ import annotations

import logging
import shutil
import subprocess

log = logging.getLogger(__name__)

__all__ = ["WORLD_NICENESS", "await_exit", "niced"]

WORLD_NICENESS = 10  # nice(1)'s default increment: a weight of about a tenth against the command center's


def niced(argv: list[str], niceness: int) -> list[str]:
    """``argv`` run through nice(1) at ``niceness`` (children it starts inherit it); unchanged for 0 or no nice."""
    binary = shutil.which("nice") if niceness else None
    return [binary, "-n", str(niceness), *argv] if binary else list(argv)


def await_exit(process: subprocess.Popen[str] | subprocess.Popen[bytes], what: str, timeout_s: float = 5.0) -> None:
    """Wait for a simulated-world process told to stop (its stdin closed); kill it if it is not gone in time."""
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        log.warning("%s %d did not stop within %g s: killed", what, process.pid, timeout_s)
        process.kill()
        process.wait(timeout_s)
