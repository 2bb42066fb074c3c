"""Leadership figures (issue 18): KPIs for any period and breakdown, 考核, exports and scheduled reports.

Public entry points: :mod:`commandcenter.kpi.figures` (``Period``, ``compute_kpis``, ``cases_behind``).
"""
