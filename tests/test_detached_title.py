"""A screen in its own window (on a second monitor) is titled in the user's language, wholly."""

from __future__ import annotations

import re

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from commandcenter.i18n import install_language
from widgets.main_window import SCREEN_ORDER, MainWindow


def test_the_detached_window_title_is_all_chinese(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    install_language(QApplication.instance(), "zh")
    try:
        screens: dict[str, QWidget] = {key: QLabel(key) for key in SCREEN_ORDER}
        window = MainWindow(screens, lambda: {},
                            settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.show()
        win = window.detach("drones")
        assert win is not None
        assert win.windowTitle() == "无人机 — 智慧城管指挥中心"
        assert not re.search(r"[A-Za-z]", win.windowTitle())
        win.close()
    finally:
        install_language(QApplication.instance(), "en")
