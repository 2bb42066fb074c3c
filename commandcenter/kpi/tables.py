"""Indexes the KPI figures need on the core tables (migration ``kpi_indexes``).

The tables the kpi package adds are not ORM models: ``case_facts`` (migration ``kpi_facts``, see
``commandcenter/kpi/facts.py``) and ``kpi_changes`` / ``kpi_period_cache`` (migration ``kpi_cache``, see
``commandcenter/kpi/stored.py``) are written by database triggers and read with plain SQL.

A month's figures read the cases *registered* in the month (``registered_at``) and the few events that move
the SLA clock (返工, 缓办, 恢复) by action and time; without these indexes both reads scan the whole table,
which at a million cases is most of the briefing's time budget.
"""

from __future__ import annotations

from sqlalchemy import Index

from commandcenter.store.models import Case, CaseEvent

Index("ix_cases_registered_at", Case.registered_at)
Index("ix_case_events_action_time", CaseEvent.action, CaseEvent.time)
