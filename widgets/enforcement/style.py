"""Colours of the enforcement views (dark, matching resources/themes/dark.qss; state colours for state)."""

PANEL_QSS = """
QWidget#enforcementPanel { background-color: #0f1720; color: #e6edf3; }
QLabel[role="hint"] { color: #9fb3c8; }
QLabel[role="ok"] { color: #3fb950; }
QLabel[role="warn"] { color: #d29922; }
QLabel[role="error"] { color: #f85149; }
QLabel[role="title"] { font-size: 18px; font-weight: bold; color: #ffffff; }
QGroupBox { border: 1px solid #1f2a36; border-radius: 4px; margin-top: 14px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; color: #9fb3c8; }
QTreeWidget, QListWidget { background: #0b1118; alternate-background-color: #111b25; color: #e6edf3; }
"""


def set_role(label, role: str) -> None:  # type: ignore[no-untyped-def]
    """Switch a label's colour role and make the style sheet re-evaluate it."""
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)
