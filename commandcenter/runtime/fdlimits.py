"""Open-file descriptors: raise the soft limit at start, and share what there is between the listeners.

At the usual desktop limit (``ulimit -n 1024``) 1,100 idle JT/T 808 sockets used to take every descriptor: the
other listeners could not accept, the snapshot PNG could not be written. So at start the soft limit goes up to
the hard limit (allowed without privileges), and the listeners' connection caps are fitted into what the
process may open minus a reserve for everything else (database, files, video, Qt). Each listener then closes
its idlest connection at its cap (see ``devices.jt808`` and ``devices.httpserve``) instead of starving the rest.
"""

from __future__ import annotations

import logging
import os
import resource
from dataclasses import dataclass

from commandcenter.config import Config
from devices.httpserve import HttpLimits

__all__ = ["ListenerLimits", "listener_limits", "open_descriptors", "raise_open_files_limit"]

log = logging.getLogger(__name__)
_UNLIMITED_TARGET = 1 << 20  # what "unlimited" hard limits are taken as (the kernel's usual nr_open)
MIN_SHARE = 16
"""A listener keeps at least this many connections however tight the limit is."""


def raise_open_files_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force (logged)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = _UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("open files limit stays at %d (hard %s): raising it failed: %s", soft, hard, exc)
            return soft
        log.info("open files limit raised from %d to %d (the hard limit)", soft, target)
        return target
    log.info("open files limit %s (hard %s)", soft, hard)
    return _UNLIMITED_TARGET if soft == resource.RLIM_INFINITY else soft


def open_descriptors() -> int:
    """Descriptors this process has open now (0 where the platform cannot tell)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


@dataclass(frozen=True, slots=True)
class ListenerLimits:
    """Per-listener caps and timeouts after fitting them into the descriptor budget."""

    jt808_max_connections: int
    jt808_idle_timeout_s: float
    jt808_auth_timeout_s: float
    http: HttpLimits
    field_max_connections: int = 0
    """The field API's cap ([field] max_connections: each waiting phone holds one connection); 0 = no [field]."""


def listener_limits(config: Config, soft_limit: int | None = None, in_use: int | None = None) -> ListenerLimits:
    """The configured ``[listeners]`` caps, scaled down proportionally when they and ``reserve_fds`` (plus the
    ``in_use`` descriptors already open) do not fit in ``soft_limit``; every listener keeps at least MIN_SHARE.

    ``soft_limit`` and ``in_use`` default to the process's current soft limit and open descriptors.
    """
    if soft_limit is None:
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        soft_limit = _UNLIMITED_TARGET if soft == resource.RLIM_INFINITY else soft
    if in_use is None:
        in_use = open_descriptors()
    cfg = config.listeners
    jt808_count = 1 if config.trackers.jt808 is not None else 0
    http_count = (1 if config.trackers.osmand is not None else 0) + (1 if config.open311 is not None else 0)
    field_cap = config.field.max_connections if config.field is not None else 0
    wanted = jt808_count * cfg.jt808_max_connections + http_count * cfg.http_max_connections + field_cap
    budget = max(soft_limit - cfg.reserve_fds - in_use, 0)
    jt808_cap, http_cap = cfg.jt808_max_connections, cfg.http_max_connections
    if wanted > budget:
        scale = budget / wanted
        jt808_cap = max(MIN_SHARE, int(jt808_cap * scale))
        http_cap = max(MIN_SHARE, int(http_cap * scale))
        field_cap = max(MIN_SHARE, int(field_cap * scale)) if field_cap else 0
        log.warning("open files limit %d leaves %d descriptors for listeners after the reserve of %d and %d in "
                    "use: connection caps lowered to JT/T 808 %d, HTTP %d per listener (configured %d, %d)",
                    soft_limit, budget, cfg.reserve_fds, in_use, jt808_cap, http_cap, cfg.jt808_max_connections,
                    cfg.http_max_connections)
    http = HttpLimits(backlog=cfg.http_backlog, workers=cfg.http_workers, max_connections=http_cap,
                      header_timeout=cfg.http_header_timeout_s, body_timeout=cfg.http_body_timeout_s,
                      keepalive_timeout=cfg.http_keepalive_timeout_s)
    if field_cap and config.field is not None and field_cap < config.field.max_connections:
        log.warning("field API: connection cap lowered to %d (configured %d) by the open files limit",
                    field_cap, config.field.max_connections)
    return ListenerLimits(jt808_cap, cfg.jt808_idle_timeout_s, cfg.jt808_auth_timeout_s, http, field_cap)
