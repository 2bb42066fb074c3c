"""Dispatch screen: case queue with SLA countdowns, case detail with workflow actions, smart dispatch, unit board."""

from widgets.dispatch.dispatch_screen import OFFICER_MIME, DispatchScreen
from widgets.dispatch.models import CaseQueueModel, UnitBoardModel

__all__ = ["OFFICER_MIME", "CaseQueueModel", "DispatchScreen", "UnitBoardModel"]
