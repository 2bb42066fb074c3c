"""Views of lawful enforcement: login, case timeline, decision panel. Thin: the logic is in
``commandcenter.enforcement``; reads, decodes and blocking service calls run on the application's task manager
(``commandcenter.runtime.tasks``) and come back through its GUI bridge."""

from widgets.enforcement.decision_panel import DecisionPanel
from widgets.enforcement.login import LoginDialog
from widgets.enforcement.timeline import CaseTimeline

__all__ = ["CaseTimeline", "DecisionPanel", "LoginDialog"]
