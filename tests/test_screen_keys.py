"""F1–F5 switch screens on a real key press, in the main window and after a screen had its own window."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from widgets.main_window import SCREEN_ORDER, MainWindow


def _press(qtbot, widget: QWidget, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    QTest.keyClick(widget, key)


def test_function_keys_switch_screens_also_after_a_screen_had_its_own_window(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    screens: dict[str, QWidget] = {key: QLabel(key) for key in SCREEN_ORDER}
    window = MainWindow(screens, lambda: {}, settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    keys = [Qt.Key.Key_F1, Qt.Key.Key_F2, Qt.Key.Key_F3, Qt.Key.Key_F4, Qt.Key.Key_F5, Qt.Key.Key_F6]
    for key, screen in zip(reversed(keys), reversed(SCREEN_ORDER), strict=True):
        _press(qtbot, window, key)
        assert window.current_key() == screen
    # A screen moved to its own window and back: the keys still switch, once per press.
    win = window.detach("map")
    assert win is not None
    qtbot.waitExposed(win)
    _press(qtbot, win, Qt.Key.Key_F3)  # pressed while the map's own window is in front
    assert window.current_key() == "dispatch"
    _press(qtbot, window, Qt.Key.Key_F2)  # the map is detached: F2 brings its window to the front
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    assert window.current_key() == "dispatch"
    win.close()
    assert "map" not in window.detached
    _press(qtbot, window, Qt.Key.Key_F1)
    assert window.current_key() == "wall"
    _press(qtbot, window, Qt.Key.Key_F2)
    assert window.current_key() == "map"
