"""Parties and 处理决定: identify the party of a case, propose (首违不罚 + 裁量基准), record the decision with
its deviation reason, and the 法制审核 of 重大 decisions.

The proposal is recomputed inside the writer job when a decision is recorded, from the same rules and the
same history, so what is stored as "proposed" is what the rules said, not what a view claimed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.parties import DataVault, PartyError, PartyService
from commandcenter.enforcement.rules import (
    OUTCOME_ZH,
    DiscretionTable,
    FirstViolationProposal,
    FirstViolationRules,
    PartyHistory,
    PenaltyProposal,
    RulesError,
    check_amount,
    evaluate_first_violation,
    load_discretion,
    load_first_violation,
    party_history,
    propose_penalty,
)
from commandcenter.enforcement.tables import CaseParty, Decision, Party
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

AuthorizeFn = Callable[[str, str], None]
PARTY_KINDS = ("person", "shop", "vehicle")
OUTCOMES = ("no_penalty", "mitigated", "penalty", "correction")


class DecisionError(ValueError):
    """A decision request that cannot be accepted, with the reason (shown to the officer)."""


@dataclass(frozen=True, slots=True)
class PartyInfo:
    id: int
    kind: str
    name: str
    id_number: str
    phone: str
    plate: str
    shop_name: str
    address: str
    credit_code: str = ""
    licence: str = ""


def _party(p: Party) -> PartyInfo:
    """The party with its ID number and phone masked (the clear values are PartyService's to reveal)."""
    return PartyInfo(p.id, p.kind, p.name, p.id_number, p.phone, p.plate, p.shop_name, p.address, p.credit_code,
                     p.licence)


@dataclass(frozen=True, slots=True)
class DecisionInfo:
    id: int
    case_id: int
    party_id: int | None
    violation_code: str
    violation_name: str
    outcome: str
    level: str
    circumstances: tuple[str, ...]
    proposed_min: float
    proposed_max: float
    proposed_amount: float
    amount: float
    deviation_reason: str
    first_violation: bool
    legal_basis: str
    measures: str
    is_major: bool
    major_reason: str
    review_status: str  # not_required | pending | approved | rejected
    reviewer: str
    reviewed_at: datetime | None
    review_note: str
    created_by: str
    created_at: datetime

    @property
    def outcome_zh(self) -> str:
        return OUTCOME_ZH.get(self.outcome, self.outcome)


def _decision(d: Decision) -> DecisionInfo:
    return DecisionInfo(d.id, d.case_id, d.party_id, d.violation_code, d.violation_name, d.outcome, d.level,
                        tuple(json.loads(d.circumstances or "[]")), d.proposed_min, d.proposed_max,
                        d.proposed_amount, d.amount, d.deviation_reason, d.first_violation, d.legal_basis,
                        d.measures, d.is_major, d.major_reason, d.review_status, d.reviewer, d.reviewed_at,
                        d.review_note, d.created_by, d.created_at)


@dataclass(frozen=True, slots=True)
class DecisionProposal:
    """What the system proposes for a case: 首违不罚 result and the 裁量基准 penalty."""

    history: PartyHistory | None
    first_violation: FirstViolationProposal
    penalty: PenaltyProposal

    @property
    def outcome(self) -> str:
        if self.first_violation.outcome is not None:
            return self.first_violation.outcome
        return "correction" if self.penalty.max == 0 else "penalty"

    @property
    def amount(self) -> float:
        return 0.0 if self.outcome == "no_penalty" else self.penalty.amount


class DecisionService:
    """Parties, proposals, decisions and 法制审核. Permissions: ``case.investigate`` to identify a party,
    ``case.decide`` to record a decision, ``case.legal_review`` to review one."""

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, *,
                 first_violation_rules: FirstViolationRules | None = None,
                 discretion: DiscretionTable | None = None, parties: PartyService | None = None) -> None:
        self.store = store
        self.party_service = parties or PartyService(store, audit, authorize, DataVault.from_file())
        self.audit = audit
        self.authorize = authorize
        self.fv_rules = first_violation_rules or load_first_violation()
        self.discretion = discretion or load_discretion()

    # ------------------------------------------------------------------------------------------- parties
    def identify_party(self, case_id: int, *, actor: str, kind: str, name: str, id_number: str = "",
                       phone: str = "", plate: str = "", shop_name: str = "", address: str = "",
                       credit_code: str = "", licence: str = "") -> PartyInfo:
        """Find the party (ID number, 统一社会信用代码 or plate) or create it, validated and with its ID number
        and phone encrypted, and link it to the case (``PartyService.record``)."""
        try:
            row = self.party_service.record(case_id, actor=actor, kind=kind, name=name, id_number=id_number,
                                            phone=phone, plate=plate, shop_name=shop_name, address=address,
                                            credit_code=credit_code, licence=licence)
        except PartyError as exc:
            raise DecisionError(str(exc)) from exc
        return _party(row)

    def parties(self, case_id: int) -> list[PartyInfo]:
        return self.store.read(lambda s: [_party(p) for p in s.scalars(
            select(Party).join(CaseParty, CaseParty.party_id == Party.id).where(CaseParty.case_id == case_id)
            .order_by(CaseParty.id))])

    def party(self, party_id: int) -> PartyInfo | None:
        def query(session: Session) -> PartyInfo | None:
            row = session.get(Party, party_id)
            return None if row is None else _party(row)

        return self.store.read(query)

    def history(self, party_id: int, *, exclude_case_id: int | None = None) -> PartyHistory:
        return party_history(self.store, party_id, exclude_case_id=exclude_case_id)

    # ------------------------------------------------------------------------------------------- proposals
    def propose(self, case_id: int, party_id: int | None, violation_code: str, *, circumstances: Iterable[str],
                factors: Iterable[str] = (), findings: Mapping[str, bool] | None = None) -> DecisionProposal:
        """What the rules propose for this party and violation (read-only; nothing is recorded)."""
        history = self.history(party_id, exclude_case_id=case_id) if party_id is not None else None
        return self._propose(history, party_id, violation_code, circumstances, factors, findings or {})

    def _propose(self, history: PartyHistory | None, party_id: int | None, violation_code: str,
                 circumstances: Iterable[str], factors: Iterable[str],
                 findings: Mapping[str, bool]) -> DecisionProposal:
        penalty = propose_penalty(violation_code, circumstances, factors, table=self.discretion)
        hist = history if history is not None else PartyHistory(party_id or 0)
        if party_id is None:
            fv = FirstViolationProposal(None, None, (), "", "当事人未确认，无法判断是否初次违法")
        else:
            fv = evaluate_first_violation(violation_code, hist, findings, rules=self.fv_rules)
        return DecisionProposal(history, fv, penalty)

    # ------------------------------------------------------------------------------------------- decisions
    def record_decision(self, case_id: int, *, actor: str, violation_code: str, party_id: int | None,
                        circumstances: Iterable[str], factors: Iterable[str] = (),
                        findings: Mapping[str, bool] | None = None, outcome: str | None = None,
                        amount: float | None = None, deviation_reason: str = "", flagged_major: bool = False,
                        note: str = "") -> DecisionInfo:
        """Record the 处理决定. ``outcome``/``amount`` default to the proposal; anything else is a deviation
        that requires ``deviation_reason`` (recorded with the decision and in the audit chain). A 重大
        decision starts with review_status ``pending``."""
        self.authorize(actor, "case.decide")
        circumstances, factors = list(circumstances), list(factors)
        findings = dict(findings or {})
        history = self.history(party_id, exclude_case_id=case_id) if party_id is not None else None
        try:
            proposal = self._propose(history, party_id, violation_code, circumstances, factors, findings)
        except RulesError as exc:
            raise DecisionError(str(exc)) from exc
        chosen_outcome = outcome or proposal.outcome
        if chosen_outcome not in OUTCOMES:
            raise DecisionError(f"unknown outcome {chosen_outcome!r}; expected one of {OUTCOMES}")
        chosen_amount = amount
        if chosen_amount is None and chosen_outcome == proposal.outcome:
            chosen_amount = proposal.amount
        elif chosen_amount is None and chosen_outcome in ("no_penalty", "correction"):
            chosen_amount = 0.0
        if chosen_amount is None:
            raise DecisionError(f"give the amount for outcome {OUTCOME_ZH[chosen_outcome]}")
        if chosen_outcome == "correction" and chosen_amount:
            raise DecisionError("责令改正 carries no fine; choose outcome 'penalty'")
        try:
            check = check_amount(proposal.penalty, chosen_outcome, chosen_amount, flagged_major=flagged_major,
                                 table=self.discretion)
        except RulesError as exc:
            raise DecisionError(str(exc)) from exc
        deviations: list[str] = []
        if chosen_outcome != proposal.outcome:
            deviations.append(f"outcome {chosen_outcome} instead of proposed {proposal.outcome}")
        if check.deviates and chosen_outcome == proposal.outcome:
            deviations.append(f"amount {chosen_amount:g} instead of proposed {proposal.amount:g}")
        if deviations and not deviation_reason.strip():
            raise DecisionError("偏离系统建议须填写理由（a deviation from the proposal needs a reason: "
                                + "; ".join(deviations) + ")")
        fv = proposal.first_violation
        first_violation = chosen_outcome in ("no_penalty", "mitigated") and fv.outcome == chosen_outcome
        legal_basis = proposal.penalty.violation.penalty_basis
        if first_violation and fv.entry is not None:
            legal_basis = f"{fv.entry.legal_basis}；{proposal.penalty.violation.legal_basis}"
        measures = fv.measures if first_violation else proposal.penalty.measure
        violation = proposal.penalty.violation
        # 复发: an earlier leniency for this party makes this decision a re-offence (reoffence_rate counts it).
        reoffence_of = sorted({d.case_code for d in history.decisions if d.first_violation}) if history else []

        def job(session: Session) -> DecisionInfo:
            if session.get(Case, case_id) is None:
                raise DecisionError(f"no case {case_id}")
            session.execute(update(Decision).where(Decision.case_id == case_id, Decision.superseded.is_(False))
                            .values(superseded=True))
            row = Decision(
                case_id=case_id, party_id=party_id, violation_code=violation.code, violation_name=violation.name,
                outcome=chosen_outcome, level=proposal.penalty.level, circumstances=json.dumps(circumstances),
                proposed_min=proposal.penalty.min, proposed_max=proposal.penalty.max,
                proposed_amount=proposal.amount, amount=float(chosen_amount),
                deviation_reason=deviation_reason.strip(), first_violation=first_violation,
                legal_basis=legal_basis, measures=measures, is_major=check.is_major,
                major_reason=check.major_reason, review_status="pending" if check.is_major else "not_required",
                reviewer="", review_note="", created_by=actor, created_at=utcnow(), superseded=False)
            session.add(row)
            session.flush()
            self.audit.append(session, actor, "decision.record", f"case:{case_id}", {
                "decision_id": row.id, "party_id": party_id, "violation": violation.code, "outcome": chosen_outcome,
                "level": row.level, "circumstances": circumstances, "factors": factors, "findings": findings,
                "proposed_outcome": proposal.outcome, "proposed_amount": proposal.amount,
                "range": [row.proposed_min, row.proposed_max], "amount": row.amount,
                "deviation": deviations, "deviation_reason": row.deviation_reason,
                "first_violation": first_violation, "first_violation_reason": fv.reason,
                "reoffence_of": reoffence_of,
                "is_major": row.is_major, "major_reason": row.major_reason, "note": note})
            return _decision(row)

        return self.store.write(job)

    def current_decision(self, case_id: int) -> DecisionInfo | None:
        return self.store.read(lambda s: next((_decision(d) for d in s.scalars(
            select(Decision).where(Decision.case_id == case_id, Decision.superseded.is_(False))
            .order_by(Decision.id.desc()).limit(1))), None))

    def legal_review(self, decision_id: int, *, actor: str, approve: bool, note: str = "") -> DecisionInfo:
        """法制审核 of a 重大 decision by a legal reviewer (not its author); a rejection needs a note."""
        self.authorize(actor, "case.legal_review")
        if not approve and not note.strip():
            raise DecisionError("审核不通过须说明理由（a rejection needs a note）")

        def job(session: Session) -> DecisionInfo:
            row = session.get(Decision, decision_id)
            if row is None:
                raise DecisionError(f"no decision {decision_id}")
            if row.superseded:
                raise DecisionError(f"decision {decision_id} was superseded by a newer one")
            if row.review_status != "pending":
                raise DecisionError(f"decision {decision_id} is not awaiting 法制审核 (status {row.review_status})")
            if row.created_by == actor:
                raise DecisionError("法制审核须由决定承办人以外的人员进行（the author cannot review their own decision)")
            row.review_status = "approved" if approve else "rejected"
            row.reviewer, row.reviewed_at, row.review_note = actor, utcnow(), note.strip()
            self.audit.append(session, actor, "decision.legal_review", f"case:{row.case_id}",
                              {"decision_id": row.id, "approved": approve, "note": row.review_note})
            return _decision(row)

        return self.store.write(job)
