"""首违不罚 and 裁量基准 on table-driven cases; the decision service and the 法制审核 guard on a real store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commandcenter.enforcement.decisions import DecisionError
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.enforcement.rules import (
    PartyHistory,
    PriorDecision,
    RulesError,
    can_issue_decision,
    check_amount,
    evaluate_first_violation,
    load_discretion,
    load_first_violation,
    propose_penalty,
)
from commandcenter.store import utcnow

NOW = utcnow()
MINOR = {"harm_minor": True, "corrected_promptly": True, "not_obstructive": True}


def _prior(code: str, days: int, *, leniency: bool = False, outcome: str = "penalty") -> PriorDecision:
    return PriorDecision(1, f"AJ-{code}-{days}", code, outcome, leniency, 0.0, NOW - timedelta(days=days))


@pytest.mark.parametrize(("name", "code", "prior", "findings", "outcome", "reason_part"), [
    ("clean record, minor, corrected", "ZDJY", [], MINOR, "no_penalty", "不予处罚清单"),
    ("same violation 3 months ago", "ZDJY", [_prior("ZDJY", 90)], MINOR, "mitigated", "减轻处罚清单"),
    ("same violation 3 months ago, obstructive", "ZDJY", [_prior("ZDJY", 90)],
     {"harm_minor": True, "corrected_promptly": True}, None, "初次违法"),
    ("same violation 14 months ago", "ZDJY", [_prior("ZDJY", 425)], MINOR, "no_penalty", "不予处罚清单"),
    ("leniency used 6 months ago for another violation", "KMJY",
     [_prior("LDLF", 180, leniency=True, outcome="no_penalty")], MINOR, None, "未曾适用首违不罚"),
    ("harm not minor", "KMJY", [], {"corrected_promptly": True}, None, "危害后果轻微"),
    ("not corrected", "LDLF", [], {"harm_minor": True}, None, "及时改正"),
    ("no harm at all (LTSK needs no first violation)", "LTSK", [_prior("LTSK", 30)],
     {"no_harm": True, "corrected_promptly": True}, "no_penalty", "不予处罚清单"),
    ("not on any list", "XXXX", [], MINOR, None, "不在不予处罚或减轻处罚清单内"),
])
def test_first_violation(name: str, code: str, prior: list[PriorDecision], findings: dict[str, bool],
                         outcome: str | None, reason_part: str) -> None:
    proposal = evaluate_first_violation(code, PartyHistory(7, (), tuple(prior)), findings, now=NOW)
    assert proposal.outcome == outcome, name
    assert reason_part in proposal.reason, (name, proposal.reason)


@pytest.mark.parametrize(("code", "prior", "findings"), [
    ("ZDJY", [], MINOR),
    ("ZDJY", [_prior("ZDJY", 425)], MINOR),
    ("LTSK", [_prior("LTSK", 30)], {"no_harm": True, "corrected_promptly": True}),
])
def test_no_penalty_educates_and_cites_article_33(code: str, prior: list[PriorDecision],
                                                  findings: dict[str, bool]) -> None:
    proposal = evaluate_first_violation(code, PartyHistory(7, (), tuple(prior)), findings, now=NOW)
    assert proposal.outcome == "no_penalty"
    assert "教育" in proposal.measures
    assert proposal.entry is not None and "第三十三条" in proposal.entry.legal_basis


@pytest.mark.parametrize(("code", "circumstances", "factors", "level", "low", "high", "amount"), [
    ("ZDJY", ["stopped_at_once"], [], "轻微", 0, 0, 0),
    ("ZDJY", ["small_area"], [], "一般", 50, 200, 130),  # 125 rounded half-up to 10
    ("ZDJY", ["small_area"], ["cooperative"], "一般", 50, 200, 90),
    ("ZDJY", ["small_area"], ["cooperative", "hardship"], "一般", 50, 200, 50),
    ("ZDJY", ["small_area", "blocks_traffic"], [], "较重", 200, 500, 350),
    ("ZDJY", ["refused"], ["obstruct", "night_market"], "严重", 500, 1000, 1000),
    ("ZDJY", ["refused"], ["obstruct", "cooperative"], "严重", 500, 1000, 750),
    ("KMJY", ["corrected_after_order"], [], "一般", 100, 300, 200),
    ("QDLJ", ["under_10m3"], [], "一般", 10000, 30000, 20000),
    ("ZPSZ", ["large_sign"], ["cooperative"], "较重", 2000, 5000, 2750),
])
def test_discretion(code: str, circumstances: list[str], factors: list[str], level: str, low: float,
                    high: float, amount: float) -> None:
    p = propose_penalty(code, circumstances, factors)
    assert (p.level, p.min, p.max, p.amount) == (level, low, high, amount)
    assert p.violation.legal_basis


def test_discretion_refuses_bad_input() -> None:
    with pytest.raises(RulesError, match="at least one circumstance"):
        propose_penalty("ZDJY", [])
    with pytest.raises(RulesError, match="unknown circumstance"):
        propose_penalty("ZDJY", ["moon"])
    with pytest.raises(RulesError, match="no 裁量基准"):
        propose_penalty("NOPE", ["x"])


def test_check_amount() -> None:
    p = propose_penalty("ZDJY", ["small_area"])  # 50–200, proposed 130
    assert not check_amount(p, "penalty", 130).deviates
    dev = check_amount(p, "penalty", 150)
    assert dev.deviates and dev.needs_reason and not dev.is_major
    with pytest.raises(RulesError, match="exceeds the maximum"):
        check_amount(p, "penalty", 300)
    with pytest.raises(RulesError, match="below the minimum"):
        check_amount(p, "penalty", 20)
    mitigated = check_amount(p, "mitigated", 20)
    assert mitigated.out_of_range and mitigated.is_major
    big = check_amount(propose_penalty("QDLJ", ["under_10m3"]), "penalty", 20000)
    assert big.is_major and "重大" in big.major_reason
    assert check_amount(p, "penalty", 130, flagged_major=True).is_major


def test_rule_files_parse() -> None:
    assert load_first_violation().lookback_months == 12
    assert set(load_discretion().violations) >= {"ZDJY", "KMJY", "LDLF", "QDLJ", "ZPSZ", "LTSK"}


# ------------------------------------------------------------------------------------------ with the store
def _party(services, case_id: int, name: str = "张三"):  # type: ignore[no-untyped-def]
    return services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name=name,
                                             id_number="320105199001011231", phone="13812345678")


def test_party_history_and_first_violation_once(services) -> None:  # type: ignore[no-untyped-def]
    first_case = services.make_case()
    party = _party(services, first_case)
    proposal = services.decisions.propose(first_case, party.id, "ZDJY", circumstances=["small_area"], findings=MINOR)
    assert proposal.outcome == "no_penalty" and proposal.amount == 0
    decision = services.decisions.record_decision(first_case, actor="leader", violation_code="ZDJY",
                                                  party_id=party.id, circumstances=["small_area"], findings=MINOR)
    assert decision.first_violation and decision.outcome == "no_penalty" and not decision.is_major
    assert "第三十三条" in decision.legal_basis
    # The same person again a month later: identified by ID number, history shows the earlier case.
    second_case = services.make_case()
    again = _party(services, second_case, name="张三")
    assert again.id == party.id
    history = services.decisions.history(party.id, exclude_case_id=second_case)
    assert [c.case_id for c in history.cases] == [first_case]
    assert history.decisions[0].first_violation
    proposal = services.decisions.propose(second_case, party.id, "ZDJY", circumstances=["small_area"],
                                          findings=MINOR)
    assert proposal.outcome == "mitigated"
    assert "初次违法" in proposal.first_violation.reason or proposal.first_violation.entry is not None


def test_deviation_needs_a_reason_and_is_recorded(services) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    party = _party(services, case_id)
    kwargs = dict(actor="leader", violation_code="ZDJY", party_id=party.id, circumstances=["small_area"],
                  findings={"harm_minor": False})
    with pytest.raises(DecisionError, match="理由"):
        services.decisions.record_decision(case_id, amount=180, **kwargs)
    decision = services.decisions.record_decision(case_id, amount=180, deviation_reason="占道时间较长", **kwargs)
    assert (decision.proposed_amount, decision.amount, decision.deviation_reason) == (130, 180, "占道时间较长")
    record = services.audit.entries(action_prefix="decision.record")[-1]
    assert record.payload["deviation_reason"] == "占道时间较长" and record.payload["deviation"]
    with pytest.raises(PermissionDenied, match=r"case\.decide"):
        services.decisions.record_decision(case_id, **{**kwargs, "actor": "observer"})


def test_major_decision_needs_legal_review(services) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case(category_name="随意倾倒建筑垃圾")
    assert can_issue_decision(services.store, case_id)[0] is False  # nothing decided yet
    party = _party(services, case_id)
    decision = services.decisions.record_decision(case_id, actor="leader", violation_code="QDLJ", party_id=party.id,
                                                  circumstances=["under_10m3"])
    assert decision.is_major and decision.review_status == "pending" and decision.amount == 20000
    allowed, reason = can_issue_decision(services.store, case_id)
    assert not allowed and "法制审核" in reason
    with pytest.raises(PermissionDenied, match=r"case\.legal_review"):
        services.decisions.legal_review(decision.id, actor="dispatcher", approve=True)
    with pytest.raises(DecisionError, match="理由"):
        services.decisions.legal_review(decision.id, actor="legal", approve=False)
    services.decisions.legal_review(decision.id, actor="legal", approve=False, note="证据不足，补充现场笔录")
    assert "未通过" in can_issue_decision(services.store, case_id)[1]
    again = services.decisions.record_decision(case_id, actor="admin", violation_code="QDLJ", party_id=party.id,
                                               circumstances=["under_10m3"])
    with pytest.raises(DecisionError, match="author"):
        services.decisions.legal_review(again.id, actor="admin", approve=True)
    reviewed = services.decisions.legal_review(again.id, actor="legal", approve=True, note="同意")
    assert reviewed.review_status == "approved" and reviewed.reviewer == "legal"
    assert can_issue_decision(services.store, case_id) == (True, "重大执法决定已经法制审核通过（审核人 legal）")


def test_minor_decision_needs_no_review(services) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    services.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=None,
                                       circumstances=["small_area"])
    assert can_issue_decision(services.store, case_id)[0] is True
