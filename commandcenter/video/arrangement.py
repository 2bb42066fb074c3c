"""Multi-monitor wall arrangement: which screen shows which layout, restored at the next start.

Screens are identified by what Qt reports (name, plus geometry as a fallback when names repeat, e.g. two
identical monitors); the core stores plain strings so it stays free of QtGui. The file lives in the user config
dir as human-readable JSON: ``{"version": 1, "screens": [{"screen": "HDMI-1", "layout": "3x3",
"cameras": ["cam01", ...]}]}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commandcenter.paths import config_dir

ARRANGEMENT_VERSION = 1


@dataclass
class ScreenWall:
    """One monitor's wall: the screen key, the layout name (or RxC) and optionally its cell assignment."""

    screen: str
    layout: str
    cameras: list[str | None] = field(default_factory=list)


def arrangement_path() -> Path:
    return config_dir() / "wall_screens.json"


def save_arrangement(walls: list[ScreenWall], path: Path | None = None) -> Path:
    target = path or arrangement_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": ARRANGEMENT_VERSION,
            "screens": [{"screen": w.screen, "layout": w.layout, "cameras": w.cameras} for w in walls]}
    tmp = target.with_suffix(".json.part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(target)
    return target


def load_arrangement(path: Path | None = None) -> list[ScreenWall]:
    """The saved arrangement, or [] when there is none or it is unreadable (a broken file must not stop the
    application from starting; the walls then open with the default layout)."""
    source = path or arrangement_path()
    try:
        data: Any = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("version") != ARRANGEMENT_VERSION:
        return []
    walls = []
    for item in data.get("screens", []):
        if isinstance(item, dict) and isinstance(item.get("screen"), str) and isinstance(item.get("layout"), str):
            cameras = item.get("cameras") or []
            walls.append(ScreenWall(item["screen"], item["layout"],
                                    [c if isinstance(c, str) else None for c in cameras]))
    return walls
