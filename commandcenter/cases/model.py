"""Plain data the cases package hands to views, reports and adapters (never live ORM objects).

Also the SLA arithmetic on a case: remaining working time of the current step, and the escalation level the
queue colours by (green ok, amber when less than ``warn_fraction`` of the step's time is left, red overdue).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commandcenter import labels
from commandcenter.cases.calendar import NATURAL, NATURAL_HOURS, WorkCalendar
from commandcenter.cases.workflow import CLOSED_STATUSES, status_label
from commandcenter.domain import CASE_SOURCE_ZH

__all__ = ["CaseView", "EvidenceRef", "NewCase", "Sla", "TaskView", "officer_label", "sla_at", "sla_of"]


@dataclass(frozen=True, slots=True)
class TaskView:
    """One department's task in a joint enforcement (联合执法)."""

    id: int
    department: str
    task: str
    status: str  # summoned | reported | done | refused
    updated_at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case as views see it."""

    id: int
    code: str
    source: str
    external_id: str | None
    category: str
    category_name: str
    description: str
    address: str
    lat: float | None
    lon: float | None
    grid_code: str
    area_code: str
    status: str
    urgency: int
    assigned_officer: str | None
    reporter: str
    created_at: datetime
    registered_at: datetime | None
    dispatched_at: datetime | None
    arrived_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    deadline_at: datetime | None
    updated_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    tasks: tuple[TaskView, ...] = ()
    officer_name: str = ""  # of assigned_officer, read with the case: people read names, not ids
    officer_badge: str = ""

    @property
    def officer_display(self) -> str:
        """The assigned officer as a person reads it: 彭海雪 (B0069); the id only if the officer is unknown."""
        return officer_label(self.assigned_officer, self.officer_name, self.officer_badge)

    @property
    def assignee_kind(self) -> str:
        """Who or what the case is assigned to: officer (执法队员), worker (环卫工人) or vehicle (环卫车 …); ""
        when nobody. Recorded at dispatch; cases dispatched before it was recorded had officers."""
        if not self.assigned_officer:
            return ""
        return str(self.extra.get("assignee_kind") or "officer")

    @property
    def assignee_plate(self) -> str:
        """The number plate when a vehicle was sent, else ""."""
        return str(self.extra.get("assignee_plate") or "") if self.assignee_kind == "vehicle" else ""

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def category_label(self) -> str:
        """The category in the user's language (English name from the category table in English mode)."""
        return labels.category_label(self.category, self.category_name)

    @property
    def source_label(self) -> str:
        return CASE_SOURCE_ZH.get(self.source, self.source)  # type: ignore[call-overload]

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def possible_duplicates(self) -> list[str]:
        return list(self.extra.get("possible_duplicates", []))  # type: ignore[arg-type]


def officer_label(officer_id: str | None, name: str, badge: str) -> str:
    """``name (badge)``, or the name alone, or the id when the name is unknown; "" when nobody."""
    if not officer_id:
        return ""
    if not name:
        return officer_id
    return f"{name} ({badge})" if badge else name


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """An attachment to store with a case: a file path or a URL (Open311 media_url, a camera snapshot)."""

    path: str
    sha256: str = ""
    mime: str = ""
    size: int = 0
    captured_at: datetime | None = None
    device: str = ""
    lat: float | None = None
    lon: float | None = None
    note: str = ""


@dataclass(slots=True)
class NewCase:
    """What intake knows about a new report before it is a case."""

    source: str
    category: str  # code or 小类 name
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    grid_code: str = ""
    reporter: str = ""
    external_id: str | None = None
    urgency: int | None = None
    created_at: datetime | None = None
    deadline_at: datetime | None = None  # an external limit (12345 办理时限); the step deadline never exceeds it
    evidence: list[EvidenceRef] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sla:
    """Where a case stands against its current step's time limit."""

    level: str  # "none" | "ok" | "warning" | "overdue" | "paused"
    remaining_hours: float | None  # working hours; negative when overdue
    fraction_left: float | None

    @property
    def escalated(self) -> bool:
        return self.level in ("warning", "overdue")


def sla_of(case: CaseView, calendar: WorkCalendar, now: datetime, warn_fraction: float = 0.2) -> Sla:
    """SLA state of a case at ``now``: counted in working hours on the calendar (clock hours for a case of a
    自然时 category)."""
    if not case.is_open or case.deadline_at is None:
        return Sla("none", None, None)
    if case.status == "suspended":
        return Sla("paused", None, None)
    limits = NATURAL_HOURS if case.extra.get("timing") == NATURAL else calendar  # 自然时 categories
    return sla_at(case, limits.working_time_between(now, case.deadline_at), now, warn_fraction)


def sla_at(case: CaseView, remaining: float, now: datetime, warn_fraction: float = 0.2) -> Sla:
    """The SLA of an open case with a deadline, not suspended, given its ``remaining`` hours at ``now`` (how
    :func:`sla_of` grades them; the dispatch feed computes ``remaining`` incrementally)."""
    assert case.deadline_at is not None
    step = float(case.extra.get("step_hours") or 0.0)  # type: ignore[arg-type]
    fraction = remaining / step if step > 0 else None
    if remaining < 0 or (remaining == 0 and now >= case.deadline_at):
        level = "overdue"
    elif fraction is not None and fraction < warn_fraction:
        level = "warning"
    else:
        level = "ok"
    return Sla(level, remaining, fraction)
