"""Views of lawful enforcement: login, case timeline, decision panel. Thin: the logic is in
``commandcenter.enforcement``; blocking service calls run on a worker thread, results come back as signals."""

from widgets.enforcement.decision_panel import DecisionPanel
from widgets.enforcement.login import LoginDialog
from widgets.enforcement.timeline import CaseTimeline

__all__ = ["CaseTimeline", "DecisionPanel", "LoginDialog"]
