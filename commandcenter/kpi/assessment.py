"""考核: the monthly assessment of officers and teams, the month's 智慧执法之星, and of the departments that
take transferred (转办) and joint (吹哨报到) work.

Scores are built from the period figures of :mod:`commandcenter.kpi.figures` — the same numbers the briefing
shows — weighted by the bureau's ``[kpi] weight_*`` keys. An indicator that has nothing to measure for someone
(no rated case, no case due yet) drops out and the remaining weights are rescaled: an officer is not marked
down for what did not happen. Formulas: ``docs/kpis.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from commandcenter.cases.tables import CaseTask
from commandcenter.config import KpiConfig
from commandcenter.kpi.figures import (
    KpiContext,
    KpiError,
    KpiFigures,
    Period,
    compute_breakdowns,
    context_for,
    engine_of,
)
from commandcenter.store import Store
from commandcenter.store.models import Case, CaseEvent

__all__ = ["INDICATORS", "Assessment", "AssessmentRow", "DepartmentRow", "assess", "score"]

# Indicator → (config weight attribute, Chinese label); :func:`_indicator` reads each as 0–1, higher is better
INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("closure_rate", "weight_closure", "结案率"),
    ("on_time_rate", "weight_on_time", "按期结案率"),
    ("responded_30min_rate", "weight_response", "30分钟到场率"),
    ("handled_24h_rate", "weight_handling", "24小时处置率"),
    ("rework_rate", "weight_rework", "返工率"),  # scored as 1 − 返工率
    ("field_use_rate", "weight_field_use", "城管通使用率"),
    ("rating_avg", "weight_rating", "群众评价"),
)


def _indicator(figures: KpiFigures, name: str) -> float | None:
    value = figures.value(name)
    if value is None:
        return None
    if name == "rework_rate":
        return 1.0 - float(value)
    if name == "rating_avg":
        return float(value) / 5.0
    return float(value)


def score(figures: KpiFigures, weights: KpiConfig) -> float | None:
    """100 × Σ wᵢ·xᵢ / Σ wᵢ over the indicators that have a value (None when none has, e.g. no case at all)."""
    total = weighted = 0.0
    for name, weight_key, _ in INDICATORS:
        x = _indicator(figures, name)
        w = float(getattr(weights, weight_key))
        if x is not None and w > 0:
            total += w
            weighted += w * x
    return round(100.0 * weighted / total, 2) if total else None


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """One officer or team: rank (1 = best; None when there was nothing to score), score 0–100, the figures."""

    key: str
    label: str
    rank: int | None
    score: float | None
    figures: KpiFigures
    team: str = ""


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    """One department's transferred and joint work in the month."""

    department: str
    tasks: int  # 吹哨报到 tasks summoned in the month
    done: int
    done_on_time: int  # done within the case category's 处置 limit (working hours from the summons)
    refused: int
    transferred: int  # cases handed over to it (转办) in the month; their completion is not reported back
    on_time_rate: float | None  # done_on_time / tasks


@dataclass(frozen=True, slots=True)
class Assessment:
    period: Period
    officers: list[AssessmentRow]
    teams: list[AssessmentRow]
    departments: list[DepartmentRow]
    star: AssessmentRow | None  # 智慧执法之星
    weights: dict[str, float] = field(default_factory=dict)
    computed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_dict(self) -> dict[str, object]:
        def row(r: AssessmentRow) -> dict[str, object]:
            return {"key": r.key, "label": r.label, "team": r.team, "rank": r.rank, "score": r.score,
                    **r.figures.as_dict()}

        return {
            "period": self.period.as_dict(),
            "weights": self.weights,
            "star": row(self.star) if self.star else None,
            "officers": [row(r) for r in self.officers],
            "teams": [row(r) for r in self.teams],
            "departments": [vars_of(d) for d in self.departments],
            "computed_at": self.computed_at.isoformat(),
        }


def vars_of(row: DepartmentRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in DepartmentRow.__slots__}


def _ranked(rows: list[tuple[str, str, float | None, KpiFigures, str]]) -> list[AssessmentRow]:
    """Best score first; ties by more registered cases, then by key. Rows without a score come last, unranked."""
    scored = sorted((r for r in rows if r[2] is not None), key=lambda r: (-(r[2] or 0.0), -r[3].registered, r[0]))
    unscored = sorted((r for r in rows if r[2] is None), key=lambda r: r[0])
    out = [AssessmentRow(k, label, i, s, f, team) for i, (k, label, s, f, team) in enumerate(scored, start=1)]
    out += [AssessmentRow(k, label, None, None, f, team) for k, label, _, f, team in unscored]
    return out


def departments(engine: Engine, period: Period, context: KpiContext) -> list[DepartmentRow]:
    """吹哨报到 tasks summoned in the period and 转办 cases, per department."""
    import pandas as pd  # imported when first used, not at start-up

    start, end = period.start_utc, period.end_utc
    with engine.connect() as conn:
        tasks = [tuple(r) for r in conn.execute(
            select(CaseTask.department, CaseTask.status, CaseTask.created_at, CaseTask.updated_at, Case.category)
            .join(Case, Case.id == CaseTask.case_id)
            .where(CaseTask.created_at >= start, CaseTask.created_at < end))]
        transfers = [tuple(r) for r in conn.execute(
            select(CaseEvent.data, Case.extra).join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.action == "transfer", CaseEvent.time >= start, CaseEvent.time < end))]
    stats: dict[str, list[int]] = {}  # department → [tasks, done, on time, refused, transferred]
    if tasks:
        frame = pd.DataFrame(tasks, columns=["department", "status", "created", "updated", "category"])
        limits = {code: (cat.handle_hours if (cat := context.categories.get(str(code))) else float("nan"))
                  for code in frame["category"].unique()}
        took = context.clock.hours_between(frame["created"], frame["updated"])
        done = (frame["status"] == "done") & (pd.to_datetime(frame["updated"], utc=True) < pd.Timestamp(end))
        on_time = done & (took <= frame["category"].map(limits).astype(float) + 1e-6)
        for dept, is_done, in_time, status in zip(frame["department"], done, on_time, frame["status"], strict=True):
            s = stats.setdefault(str(dept), [0, 0, 0, 0, 0])
            s[0] += 1
            s[1] += int(bool(is_done))
            s[2] += int(bool(in_time))
            s[3] += int(status == "refused")
    for data, extra in transfers:
        dept = str((data or {}).get("department") or (extra or {}).get("transferred_to") or "（未注明）")
        stats.setdefault(dept, [0, 0, 0, 0, 0])[4] += 1
    rows = [DepartmentRow(d, s[0], s[1], s[2], s[3], s[4], round(s[2] / s[0], 4) if s[0] else None)
            for d, s in stats.items()]
    return sorted(rows, key=lambda r: (-(r.on_time_rate if r.on_time_rate is not None else -1.0), -r.tasks,
                                       r.department))


def assess(source: Store | Engine, period: Period, weights: KpiConfig | None = None, *,
           context: KpiContext | None = None, now: datetime | None = None) -> Assessment:
    """The 考核 of ``period`` (normally a month: ``Period.month(y, m)``) with the bureau's weights."""
    weights = weights or KpiConfig()
    engine = engine_of(source)
    context = context or context_for(engine)
    reports = compute_breakdowns(engine, period, ["officer", "team"], compare=False, context=context, now=now)
    officer_team = _officer_teams(engine)
    officers = _ranked([(r.key, r.label, score(r.figures, weights), r.figures, officer_team.get(r.key, ""))
                        for r in reports["officer"].rows if r.key])
    teams = _ranked([(r.key, r.label, score(r.figures, weights), r.figures, r.key)
                     for r in reports["team"].rows if r.key])
    eligible = [r for r in officers if r.rank is not None and r.figures.registered >= weights.star_min_cases]
    star = eligible[0] if eligible else None
    used = {w: float(getattr(weights, w)) for _, w, _ in INDICATORS}
    return Assessment(period, officers, teams, departments(engine, period, context), star, used)


def _officer_teams(engine: Engine) -> dict[str, str]:
    from commandcenter.store.models import Officer

    with engine.connect() as conn:
        return {str(i): str(t or "") for i, t in conn.execute(select(Officer.id, Officer.team))}


def parse_month(text: str) -> Period:
    """``YYYY-MM`` → that calendar month."""
    try:
        year, month = (int(p) for p in text.split("-", 1))
        return Period.month(year, month)
    except ValueError:
        raise KpiError(f"month {text!r}: expected YYYY-MM, e.g. 2026-11") from None
