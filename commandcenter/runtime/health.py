"""The health report: one JSON document describing every device, tile, unit, case and drone.

It is what ``commandcenter snapshot --report`` writes and what the status bar summarises. Each core service
registers the section it owns (``tiles`` from the wall, ``units`` from the tracker, ``cases`` from the case
service, ``drones`` from the fleet), so this module knows no service and no service knows the report's shape
beyond its own section.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commandcenter import __version__

log = logging.getLogger(__name__)
Section = Callable[[], Any]


class HealthReport:
    """Collects sections from their providers and writes them as one JSON document."""

    def __init__(self) -> None:
        self._sections: dict[str, Section] = {}

    def register(self, name: str, provider: Section) -> None:
        if name in self._sections:
            raise ValueError(f"report section {name!r} registered twice")
        self._sections[name] = provider

    def replace(self, name: str, provider: Section) -> None:
        """Put another provider in place of a registered section (a seat reports the server's devices)."""
        if name not in self._sections:
            raise ValueError(f"report section {name!r} is not registered: nothing to replace")
        self._sections[name] = provider

    def build(self, **meta: Any) -> dict[str, Any]:
        report: dict[str, Any] = {
            "generated_at": datetime.now(UTC).isoformat(),
            "version": __version__,
            "host": platform.node(),
            **meta,
        }
        for name, provider in self._sections.items():
            try:
                report[name] = provider()
            except Exception as exc:  # one broken section must not hide the others
                log.exception("report section %s failed", name)
                report[name] = {"error": f"{type(exc).__name__}: {exc}"}
        return report

    def write(self, path: str | Path, **meta: Any) -> dict[str, Any]:
        report = self.build(**meta)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return report
