"""ui.theme selects the colours of the whole console: a known name is applied, an unknown one refused at start."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit

from commandcenter.config import THEMES, ConfigError, parse_config
from widgets import theme


def test_an_unknown_theme_is_refused_with_its_location_and_the_choices() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config('[ui]\nlanguage = "zh"\ntheme = "sepia"\n', "console.toml")
    message = str(err.value)
    assert message.startswith("console.toml:3") and "ui.theme" in message and "'light'" in message
    assert parse_config('[ui]\ntheme = "light"\n', "console.toml").ui.theme == "light"


@pytest.mark.parametrize("name", THEMES)
def test_every_theme_fills_every_role_of_the_style_sheet(name: str) -> None:
    sheet = theme.style_sheet(name)
    assert "@" not in sheet and "QTabBar::tab:selected" in sheet
    assert set(theme.palette(name)) == set(theme.palette("dark"))


def test_the_day_theme_paints_the_console_light_and_the_night_theme_dark(qtbot) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    label = QLineEdit("值班")
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    try:
        theme.apply(app, "light")
        day = label.grab().toImage().pixelColor(60, 3)
        assert theme.colour("error") == theme.palette("light")["error"]
        theme.apply(app, "dark")
        night = label.grab().toImage().pixelColor(60, 3)
    finally:
        app.setStyleSheet("")
    assert day.lightness() > 200 and night.lightness() < 60
