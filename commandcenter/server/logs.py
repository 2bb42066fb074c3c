"""Logging for a service: one line per record on stdout, with its level and logger, in the form journald keeps.

Under systemd (``$JOURNAL_STREAM`` or ``$INVOCATION_ID`` set) the journal stamps the time itself, so a line is
``<PRIORITY>LEVEL logger: message``: the ``<N>`` prefix is the syslog priority journald reads off stdout
(``SyslogLevelPrefix=``, on by default), so ``journalctl -p warning`` works. Elsewhere (a terminal, a test) the
line starts with the time. No colour codes either way; a traceback stays on its record's line (newlines become
`` ⏎ ``), so a log collector never splits one record into several.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

# syslog priorities (sd-daemon.h): what journald files each record under
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def under_systemd(environ: dict[str, str] | None = None) -> bool:
    """stdout goes to the journal (systemd sets these for a service's processes)."""
    env = os.environ if environ is None else environ
    return bool(env.get("JOURNAL_STREAM") or env.get("INVOCATION_ID"))


class OneLineFormatter(logging.Formatter):
    """``[time ]LEVEL logger: message`` on one line; with ``journald`` a ``<priority>`` prefix instead of a time."""

    def __init__(self, *, journald: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s" if journald
                         else "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)  # includes the traceback when there is one
        text = text.replace("\r\n", "\n").rstrip("\n").replace("\n", " ⏎ ")
        if self.journald:
            level = max((lvl for lvl in _PRIORITY if lvl <= record.levelno), default=logging.DEBUG)
            return f"<{_PRIORITY[level]}>{text}"
        return text


def configure_service_logging(verbose: bool = False, stream: TextIO | None = None,
                              environ: dict[str, str] | None = None) -> None:
    """Replace the root logger's handlers with one that writes :class:`OneLineFormatter` lines to stdout."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(OneLineFormatter(journald=under_systemd(environ)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
