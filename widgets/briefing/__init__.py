"""领导驾驶舱: the leadership briefing — today's board, figures for any period with drill-down, 考核, hot spots
by time, and the hall's big screen. The figures are computed in the core on workers; these are views."""

from widgets.briefing.screen import BriefingScreen, KpiCard, source_label

__all__ = ["BriefingScreen", "KpiCard", "source_label"]
