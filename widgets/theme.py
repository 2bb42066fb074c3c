"""The command center's theme: colours by role and the application style sheet, selected by ``ui.theme``.

One place for colours, so a screen never carries its own hex codes: widgets ask for a role
(``colour("error")``) or set a style-sheet role property (``set_role(label, "error")``), and the application
style sheet (``resources/themes/base.qss`` with ``@role`` tokens) is filled from the selected palette
(``resources/themes/<name>.toml``). "dark" is the night theme of the control room, "light" the day theme of
the leaders' room.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget

from commandcenter.config import THEMES
from commandcenter.paths import RESOURCES

THEME_DIR = RESOURCES / "themes"
DEFAULT_THEME = "dark"
_active = DEFAULT_THEME
_TOKEN = re.compile(r"@([a-z_]+)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@cache
def palette(name: str) -> dict[str, str]:
    """The colours of a theme by role (raises with the file's name for an unknown theme or a bad file)."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}: expected one of {sorted(THEMES)}")
    path = THEME_DIR / f"{name}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"theme {name!r} cannot be read from {path}: {exc}") from exc
    bad = [key for key, value in raw.items() if not isinstance(value, str)]
    if bad:
        raise ValueError(f"{path}: colours must be strings, not {', '.join(bad)}")
    return dict(raw)


def style_sheet(name: str) -> str:
    """The application style sheet of a theme: base.qss with every @role replaced by its colour."""
    colours = palette(name)
    template = _COMMENT.sub("", (THEME_DIR / "base.qss").read_text(encoding="utf-8"))

    def fill(match: re.Match[str]) -> str:
        role = match.group(1)
        if role not in colours:
            raise ValueError(f"{THEME_DIR / 'base.qss'} uses @{role}, which theme {name!r} does not define")
        return colours[role]

    return _TOKEN.sub(fill, template)


def apply(app: QApplication, name: str = DEFAULT_THEME) -> None:
    """Make ``name`` the application's theme (style sheet and the colours widgets ask for)."""
    global _active
    sheet = style_sheet(name)
    _active = name
    app.setStyleSheet(sheet)


def active() -> str:
    return _active


def colour(role: str) -> str:
    """A colour of the active theme by role (e.g. "error", "muted", "map_land")."""
    return palette(_active)[role]


def qcolour(role: str, alpha: int | None = None) -> QColor:
    result = QColor(colour(role))
    if alpha is not None:
        result.setAlpha(alpha)
    return result


def set_role(widget: QWidget, role: str) -> None:
    """Give a widget a style-sheet role (hint, ok, warn, error, alarm, title, overlay, video) and restyle it."""
    if widget.property("role") == role:
        return
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
