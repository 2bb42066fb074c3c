"""Tables the cases package adds to the shared schema (migration ``0002_cases``).

Per-case data that is not one value per case lives in tables of its own rather than new columns on ``cases``:
the tasks of a joint enforcement (联合执法 “吹哨报到”: one task per summoned department), the record of merged
duplicate reports, and the editable overrides of the work calendar. Extra indexes on ``cases`` are declared here
too, because the dispatch queue, the SLA scan and the snapshot report must stay fast with millions of cases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commandcenter.store.models import Base, BigId, Case, UtcDateTime


class CaseTask(Base):
    """One department's part of a joint enforcement case: summoned → reported (报到) → done, or refused."""

    __tablename__ = "case_tasks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    department: Mapped[str] = mapped_column(String(64))
    task: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="summoned")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class CaseMerge(Base):
    """A duplicate report folded into an earlier open case (the duplicate keeps its row, status ``merged``)."""

    __tablename__ = "case_merges"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    merged_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), unique=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class WorkCalendarDay(Base):
    """A calendar override edited in the application: a day off (holiday) or a make-up working day (调休)."""

    __tablename__ = "work_calendar_days"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, local (Asia/Shanghai)
    kind: Mapped[str] = mapped_column(String(16))  # "holiday" | "workday"
    name: Mapped[str] = mapped_column(String(64), default="")
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # reserved: 0 = the whole day


# Indexes on the core ``cases`` table that the cases package needs (created by migration 0002_cases).
Index("ix_cases_status_deadline", Case.status, Case.deadline_at)
Index("ix_cases_status_source", Case.status, Case.source)
Index("ix_cases_category_created", Case.category, Case.created_at)
Index("ix_cases_status_officer", Case.status, Case.assigned_officer)


class ShiftRow(Base):
    """One 班次 of a team's roster, imported with ``data import roster`` (migration ``field_0001_shift_roster``).

    The config's ``[[shifts]]`` and these rows make one roster (:func:`commandcenter.cases.shifts.load_roster`);
    for a team named in both, the config's shifts win. Times are the bureau's wall-clock times as ``HH:MM``.
    """

    __tablename__ = "shift_roster"
    id: Mapped[str] = mapped_column(String(160), primary_key=True)  # "team|name"
    team: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(32))
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))
