"""Decision support: 首违不罚 (the 不予处罚/减轻处罚 lists), 裁量基准 (penalty ranges per circumstance level)
and the 法制审核 guard.

The lists and tables are data the bureau edits (``resources/enforcement/first_violation.toml`` and
``discretion.toml``); this module only evaluates them. Everything here is pure except ``party_history`` and
``can_issue_decision``, which read the store. The officer decides; the system proposes, explains why, and
requires a written reason for any deviation (recorded by ``decisions.DecisionService``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.enforcement.tables import CaseParty, Decision
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

RULES_DIR = paths.RESOURCES / "enforcement"
LEVELS: tuple[str, ...] = ("轻微", "一般", "较重", "严重")

# Conditions the lists may require: computed from history, or found by the officer on the spot.
COMPUTED_CONDITIONS = {"first_violation", "no_prior_leniency"}
FINDING_CONDITIONS = {"harm_minor", "no_harm", "corrected_promptly", "not_obstructive"}
CONDITION_ZH: dict[str, str] = {
    "first_violation": "初次违法",
    "no_prior_leniency": "未曾适用首违不罚或减轻处罚",
    "harm_minor": "危害后果轻微",
    "no_harm": "没有造成危害后果",
    "corrected_promptly": "及时改正",
    "not_obstructive": "未阻碍执法",
}
OUTCOME_ZH: dict[str, str] = {
    "no_penalty": "不予行政处罚",
    "mitigated": "减轻行政处罚",
    "penalty": "行政处罚",
    "correction": "责令改正",
}


class RulesError(ValueError):
    """A rules file is invalid, or a request does not fit the rules (unknown violation, circumstance …)."""


# ----------------------------------------------------------------------------------------------- loading
@dataclass(frozen=True, slots=True)
class ListEntry:
    """One entry of the 不予处罚清单 or 减轻处罚清单."""

    kind: str  # no_penalty | mitigated
    code: str
    description: str
    conditions: tuple[str, ...]
    legal_basis: str


@dataclass(frozen=True, slots=True)
class FirstViolationRules:
    lookback_months: int
    education: str
    entries: tuple[ListEntry, ...]

    def for_code(self, code: str, kind: str) -> ListEntry | None:
        return next((e for e in self.entries if e.code == code and e.kind == kind), None)


@dataclass(frozen=True, slots=True)
class Level:
    level: str
    min: float
    max: float
    measure: str
    description: str


@dataclass(frozen=True, slots=True)
class Circumstance:
    id: str
    label: str
    level: str


@dataclass(frozen=True, slots=True)
class Factor:
    id: str
    label: str
    adjust: str  # lighter | heavier


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    name: str
    description: str
    legal_basis: str
    penalty_basis: str
    rounding: float
    levels: tuple[Level, ...]
    circumstances: tuple[Circumstance, ...]
    factors: tuple[Factor, ...]

    def level(self, name: str) -> Level:
        for lv in self.levels:
            if lv.level == name:
                return lv
        raise RulesError(f"violation {self.code}: no level {name!r}")


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    major_amount: float
    major_outcomes: tuple[str, ...]
    out_of_range_is_major: bool


@dataclass(frozen=True, slots=True)
class DiscretionTable:
    violations: Mapping[str, Violation]
    review: ReviewPolicy

    def violation(self, code: str) -> Violation:
        try:
            return self.violations[code]
        except KeyError:
            raise RulesError(f"no 裁量基准 for violation {code!r}; known: {sorted(self.violations)}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: cannot read: {exc}") from exc


def parse_first_violation(raw: Mapping[str, Any], source: str = "<first_violation>") -> FirstViolationRules:
    entries: list[ListEntry] = []
    known = COMPUTED_CONDITIONS | FINDING_CONDITIONS
    for kind in ("no_penalty", "mitigated"):
        for i, item in enumerate(raw.get(kind, [])):
            where = f"{source}: {kind}[{i}]"
            try:
                conditions = tuple(item["conditions"])
                entry = ListEntry(kind, str(item["code"]), str(item.get("description", "")), conditions,
                                  str(item["legal_basis"]))
            except KeyError as exc:
                raise RulesError(f"{where}: missing key {exc}") from None
            unknown = sorted(set(conditions) - known)
            if unknown:
                raise RulesError(f"{where}: unknown condition(s) {unknown}; expected some of {sorted(known)}")
            entries.append(entry)
    return FirstViolationRules(int(raw.get("lookback_months", 12)), str(raw.get("education", "批评教育")),
                               tuple(entries))


def parse_discretion(raw: Mapping[str, Any], source: str = "<discretion>") -> DiscretionTable:
    violations: dict[str, Violation] = {}
    for i, item in enumerate(raw.get("violation", [])):
        where = f"{source}: violation[{i}]"
        try:
            levels = tuple(Level(str(lv["level"]), float(lv["min"]), float(lv["max"]), str(lv.get("measure", "")),
                                 str(lv.get("description", ""))) for lv in item["levels"])
            circumstances = tuple(Circumstance(str(c["id"]), str(c["label"]), str(c["level"]))
                                  for c in item.get("circumstances", []))
            factors = tuple(Factor(str(f["id"]), str(f["label"]), str(f["adjust"])) for f in item.get("factors", []))
            violation = Violation(str(item["code"]), str(item["name"]), str(item.get("description", "")),
                                  str(item["legal_basis"]), str(item.get("penalty_basis", item["legal_basis"])),
                                  float(item.get("rounding", 10)), levels, circumstances, factors)
        except (KeyError, TypeError, ValueError) as exc:
            raise RulesError(f"{where}: invalid entry: {exc!r}") from None
        for lv in levels:
            if lv.level not in LEVELS or lv.min < 0 or lv.max < lv.min:
                raise RulesError(f"{where} ({violation.code}): bad level {lv.level!r} range {lv.min}–{lv.max}")
        for c in circumstances:
            if c.level not in {lv.level for lv in levels}:
                raise RulesError(f"{where} ({violation.code}): circumstance {c.id!r} names unknown level {c.level!r}")
        for f in factors:
            if f.adjust not in ("lighter", "heavier"):
                raise RulesError(f"{where} ({violation.code}): factor {f.id!r} adjust must be lighter or heavier")
        if violation.code in violations:
            raise RulesError(f"{where}: duplicate violation code {violation.code!r}")
        violations[violation.code] = violation
    review_raw = raw.get("legal_review", {})
    review = ReviewPolicy(float(review_raw.get("major_amount", 10000)), tuple(review_raw.get("major_outcomes", [])),
                          bool(review_raw.get("out_of_range_is_major", True)))
    return DiscretionTable(violations, review)


@lru_cache(maxsize=4)
def load_first_violation(path: Path | None = None) -> FirstViolationRules:
    path = path or RULES_DIR / "first_violation.toml"
    return parse_first_violation(_read_toml(path), str(path))


@lru_cache(maxsize=4)
def load_discretion(path: Path | None = None) -> DiscretionTable:
    path = path or RULES_DIR / "discretion.toml"
    return parse_discretion(_read_toml(path), str(path))


# ----------------------------------------------------------------------------------------------- history
@dataclass(frozen=True, slots=True)
class PriorDecision:
    case_id: int
    case_code: str
    violation_code: str
    outcome: str
    first_violation: bool
    amount: float
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PriorCase:
    case_id: int
    code: str
    category_name: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PartyHistory:
    """A party's earlier cases and decisions (the current case excluded)."""

    party_id: int
    cases: tuple[PriorCase, ...] = ()
    decisions: tuple[PriorDecision, ...] = ()

    def prior_same_violation(self, code: str, since: datetime) -> list[PriorDecision]:
        return [d for d in self.decisions if d.violation_code == code and d.created_at >= since]

    def prior_leniency(self, since: datetime) -> list[PriorDecision]:
        return [d for d in self.decisions if d.first_violation and d.created_at >= since]


def party_history(store: Store, party_id: int, *, exclude_case_id: int | None = None) -> PartyHistory:
    """Earlier cases of the party and the (current, non-superseded) decisions taken in them."""

    def query(session: Any) -> PartyHistory:
        case_rows = session.execute(
            select(Case.id, Case.code, Case.category_name, Case.status, Case.created_at)
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(CaseParty.party_id == party_id).order_by(Case.created_at.desc())).all()
        decision_rows = session.execute(
            select(Decision.case_id, Case.code, Decision.violation_code, Decision.outcome, Decision.first_violation,
                   Decision.amount, Decision.created_at)
            .join(Case, Case.id == Decision.case_id)
            .where(Decision.party_id == party_id, Decision.superseded.is_(False))
            .order_by(Decision.created_at.desc())).all()
        cases = tuple(PriorCase(*r) for r in case_rows if r[0] != exclude_case_id)
        decisions = tuple(PriorDecision(*r) for r in decision_rows if r[0] != exclude_case_id)
        return PartyHistory(party_id, cases, decisions)

    return store.read(query)


# ----------------------------------------------------------------------------------------------- 首违不罚
@dataclass(frozen=True, slots=True)
class ConditionCheck:
    name: str
    met: bool
    detail: str

    @property
    def label_zh(self) -> str:
        return CONDITION_ZH.get(self.name, self.name)


@dataclass(frozen=True, slots=True)
class FirstViolationProposal:
    """What the lists say for this party and violation, and why."""

    outcome: str | None  # no_penalty | mitigated | None (the lists do not apply)
    entry: ListEntry | None
    checks: tuple[ConditionCheck, ...]
    measures: str
    reason: str

    @property
    def applies(self) -> bool:
        return self.outcome is not None


def _months_ago(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * 365.25 / 12))


def _check(name: str, violation_code: str, history: PartyHistory, findings: Mapping[str, bool],
           since: datetime, months: int) -> ConditionCheck:
    if name == "first_violation":
        prior = history.prior_same_violation(violation_code, since)
        if prior:
            cases = "、".join(sorted({p.case_code for p in prior}))
            return ConditionCheck(name, False, f"{months}个月内已有同类违法案件：{cases}")
        return ConditionCheck(name, True, f"{months}个月内无同类违法记录")
    if name == "no_prior_leniency":
        prior = history.prior_leniency(since)
        if prior:
            cases = "、".join(sorted({p.case_code for p in prior}))
            return ConditionCheck(name, False, f"{months}个月内已适用过首违不罚/减轻处罚：{cases}")
        return ConditionCheck(name, True, f"{months}个月内未适用过首违不罚/减轻处罚")
    met = bool(findings.get(name, False))
    return ConditionCheck(name, met, "执法人员认定" + ("属实" if met else "不成立或未认定"))


def evaluate_first_violation(violation_code: str, history: PartyHistory, findings: Mapping[str, bool], *,
                             rules: FirstViolationRules | None = None,
                             now: datetime | None = None) -> FirstViolationProposal:
    """Propose 不予处罚 + 教育 (or 减轻处罚) when every condition of a list entry holds, else say which failed."""
    rules = rules or load_first_violation()
    now = now or utcnow()
    since = _months_ago(now, rules.lookback_months)
    failed_reasons: list[str] = []
    all_checks: list[ConditionCheck] = []
    for kind in ("no_penalty", "mitigated"):
        entry = rules.for_code(violation_code, kind)
        if entry is None:
            continue
        checks = tuple(_check(c, violation_code, history, findings, since, rules.lookback_months)
                       for c in entry.conditions)
        all_checks.extend(c for c in checks if c.name not in {x.name for x in all_checks})
        if all(c.met for c in checks):
            measures = rules.education if kind == "no_penalty" else "依法减轻处罚，并责令改正"
            reason = (f"符合{'不予处罚' if kind == 'no_penalty' else '减轻处罚'}清单：{entry.description}；"
                      f"依据{entry.legal_basis}")
            return FirstViolationProposal(kind, entry, checks, measures, reason)
        failed = "、".join(f"{c.label_zh}（{c.detail}）" for c in checks if not c.met)
        failed_reasons.append(f"{'不予处罚' if kind == 'no_penalty' else '减轻处罚'}清单条件不满足：{failed}")
    if not failed_reasons:
        return FirstViolationProposal(None, None, (), "", f"违法行为 {violation_code} 不在不予处罚或减轻处罚清单内")
    return FirstViolationProposal(None, None, tuple(all_checks), "", "；".join(failed_reasons))


# ----------------------------------------------------------------------------------------------- 裁量基准
@dataclass(frozen=True, slots=True)
class PenaltyProposal:
    """The proposed penalty for the picked circumstances and factors, with the arithmetic explained."""

    violation: Violation
    level: str
    min: float
    max: float
    amount: float
    measure: str
    circumstances: tuple[str, ...]
    factors: tuple[str, ...]
    explanation: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def _round_to(value: float, step: float) -> float:
    """Half-up to a multiple of ``step`` (Python's round() rounds half to even: 125 would become 120)."""
    return float(math.floor(value / step + 0.5) * step) if step > 0 else value


def propose_penalty(violation_code: str, circumstances: Iterable[str], factors: Iterable[str] = (), *,
                    table: DiscretionTable | None = None) -> PenaltyProposal:
    """The level is the most serious picked circumstance; 从轻/从重 factors move the amount from the middle of
    the level's range by a quarter each, clamped to the range and rounded to the violation's step."""
    table = table or load_discretion()
    violation = table.violation(violation_code)
    picked = list(dict.fromkeys(circumstances))
    if not picked:
        raise RulesError(f"pick at least one circumstance for {violation.name} ({violation_code})")
    by_id = {c.id: c for c in violation.circumstances}
    unknown = [c for c in picked if c not in by_id]
    if unknown:
        raise RulesError(f"{violation.name}: unknown circumstance(s) {unknown}; known: {sorted(by_id)}")
    level_name = max((by_id[c].level for c in picked), key=LEVELS.index)
    level = violation.level(level_name)
    factor_by_id = {f.id: f for f in violation.factors}
    chosen = list(dict.fromkeys(factors))
    bad = [f for f in chosen if f not in factor_by_id]
    if bad:
        raise RulesError(f"{violation.name}: unknown factor(s) {bad}; known: {sorted(factor_by_id)}")
    lighter = sum(1 for f in chosen if factor_by_id[f].adjust == "lighter")
    heavier = len(chosen) - lighter
    position = min(1.0, max(0.0, 0.5 + 0.25 * (heavier - lighter)))
    raw_amount = level.min + position * (level.max - level.min)
    amount = min(level.max, max(level.min, _round_to(raw_amount, violation.rounding)))
    labels = "、".join(by_id[c].label for c in picked)
    if level.max == 0:
        explanation = f"情节{level.level}（{labels}）：{level.measure}，不予罚款"
    else:
        adjust = ""
        if chosen:
            adjust = "；" + "、".join(("从轻：" if factor_by_id[f].adjust == "lighter" else "从重：") +
                                     factor_by_id[f].label for f in chosen)
        explanation = (f"情节{level.level}（{labels}）：罚款幅度 {level.min:g}–{level.max:g} 元{adjust}；"
                       f"建议罚款 {amount:g} 元")
    return PenaltyProposal(violation, level.level, level.min, level.max, amount, level.measure, tuple(picked),
                           tuple(chosen), explanation)


@dataclass(frozen=True, slots=True)
class DeviationCheck:
    """Whether a chosen amount deviates from the proposal, needs a reason, and makes the decision major."""

    deviates: bool
    out_of_range: bool
    needs_reason: bool
    is_major: bool
    major_reason: str


def check_amount(proposal: PenaltyProposal, outcome: str, amount: float, *, flagged_major: bool = False,
                 table: DiscretionTable | None = None) -> DeviationCheck:
    """Classify the officer's chosen amount against the proposal.

    Above the level's maximum is refused outright (pick the circumstances of a higher level instead); below
    its minimum only under 减轻处罚; 不予处罚 carries no fine. Any amount other than the proposed one is a
    deviation that needs a written reason. 重大 per the review policy requires 法制审核.
    """
    table = table or load_discretion()
    name = f"{proposal.violation.name}（{proposal.level}）"
    if amount < 0:
        raise RulesError(f"a fine cannot be negative ({amount:g} 元)")
    if outcome == "no_penalty" and amount != 0:
        raise RulesError("不予行政处罚 cannot carry a fine")
    if amount > proposal.max:
        raise RulesError(f"{amount:g} 元 exceeds the maximum {proposal.max:g} 元 of {name}; pick the circumstances "
                         "of a more serious level instead")
    below_range = amount < proposal.min
    if below_range and outcome not in ("mitigated", "no_penalty"):
        raise RulesError(f"{amount:g} 元 is below the minimum {proposal.min:g} 元 of {name}; only 减轻处罚 or "
                         "不予处罚 may go below it")
    expected = 0.0 if outcome == "no_penalty" else proposal.amount
    deviates = abs(amount - expected) > 1e-9
    reasons = []
    if table.review.major_amount > 0 and amount >= table.review.major_amount:
        reasons.append(f"罚款 {amount:g} 元 ≥ 重大执法决定标准 {table.review.major_amount:g} 元")
    if outcome in table.review.major_outcomes:
        reasons.append(f"{OUTCOME_ZH.get(outcome, outcome)}属重大执法决定")
    if below_range and outcome == "mitigated" and table.review.out_of_range_is_major:
        reasons.append(f"减轻处罚低于裁量幅度下限 {proposal.min:g} 元")
    if flagged_major:
        reasons.append("承办人标记为重大执法决定")
    return DeviationCheck(deviates, below_range, deviates, bool(reasons), "；".join(reasons))


# ----------------------------------------------------------------------------------------------- 法制审核
def decision_guard(session: Session, case_id: int) -> tuple[bool, str, Decision | None]:
    """``can_issue_decision`` inside a transaction (the document job uses it under the writer's lock)."""
    row = session.scalars(select(Decision).where(Decision.case_id == case_id, Decision.superseded.is_(False))
                          .order_by(Decision.id.desc()).limit(1)).first()
    if row is None:
        return False, f"案件 {case_id} 尚未形成处理决定（no decision recorded for case {case_id}）", None
    if not row.is_major:
        return True, "非重大执法决定，无需法制审核", row
    if row.review_status == "approved":
        return True, f"重大执法决定已经法制审核通过（审核人 {row.reviewer}）", row
    if row.review_status == "rejected":
        return False, f"法制审核未通过（审核人 {row.reviewer}：{row.review_note}），须修改处理决定后重新提交", row
    return False, f"重大执法决定须经法制审核后方可作出（{row.major_reason}），当前状态：待审核", row


def can_issue_decision(store: Store, case_id: int) -> tuple[bool, str]:
    """The guard before a 处理决定 is issued: a current decision exists and, if it is 重大, a legal reviewer
    approved it. Returns (allowed, reason) — the reason is fit to show the user. The case workflow calls this
    before the deciding → executing transition."""
    allowed, reason, _row = store.read(lambda s: decision_guard(s, case_id))
    return allowed, reason


class DecisionNotIssuable(ValueError):
    """A case transition refused because its 处理决定 is missing or awaits (or failed) 法制审核."""


# Transitions out of 处理决定 that need an issuable decision: to 执行, or straight to 结案归档 (不予处罚).
GUARDED_ACTIONS = frozenset({"execute", "archive"})


def workflow_guard(session: Session, case: Any, action: str, data: Mapping[str, Any]) -> None:
    """The ``guard`` hook of ``CaseService``: inside the workflow's transaction, refuse leaving 处理决定
    (deciding) for 执行 or 结案归档 unless ``can_issue_decision`` holds. ``case`` is the cases package's
    CaseView (only ``id``, ``code`` and ``status`` are used)."""
    if action not in GUARDED_ACTIONS or getattr(case, "status", "") != "deciding":
        return
    allowed, reason, _row = decision_guard(session, int(case.id))
    if not allowed:
        raise DecisionNotIssuable(f"案件 {getattr(case, 'code', case.id)} 不能{'执行' if action == 'execute' else '结案归档'}："
                                  f"{reason}")
