"""The enforcement hooks wired into the real CaseService: permissions, audit in the same transaction, the
法制审核 guard on leaving 处理决定, and the case timeline over both."""

from __future__ import annotations

from pathlib import Path

import pytest

import commandcenter.cases.service as cases
from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import NewCase
from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import create_demo_users
from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.enforcement.rules import DecisionNotIssuable
from commandcenter.enforcement.services import EnforcementServices
from commandcenter.enforcement.timeline import case_timeline


def test_enforcement_path_with_case_service(store, tasks, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    services = EnforcementServices.create(store, tasks=tasks, evidence_root=tmp_path / "ev", documents_dir=tmp_path / "docs")
    svc = cases.CaseService(store, load_calendar(), load_categories(), authorize=services.authorize,
                            audit=services.audit_hook, guard=services.guard)
    try:
        view = svc.create_case(NewCase(source="dispatcher", category="占道经营", address="江东中路201号",
                                       description="早市摊贩占道"), "dispatcher").result(30)
        code, case_id = view.code, view.id
        with pytest.raises(PermissionDenied, match=r"case\.register"):
            svc.register(code, "observer").result(30)
        svc.register(code, "dispatcher").result(30)
        svc.investigate(code, "dispatcher").result(30)
        services.evidence.add(case_id, b"\xff\xd8 photo of the stall", actor="dispatcher", name="stall.jpg")
        svc.decide(code, "leader", "拟罚款").result(30)
        with pytest.raises(DecisionNotIssuable, match="尚未形成处理决定"):
            svc.execute(code, "dispatcher").result(30)
        party = services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="张三",
                                                  id_number="320105199001011231")
        decision = services.decisions.record_decision(
            case_id, actor="leader", violation_code="ZDJY", party_id=party.id, circumstances=["refused"],
            flagged_major=True)
        with pytest.raises(DecisionNotIssuable, match="法制审核"):
            svc.execute(code, "dispatcher").result(30)
        services.decisions.legal_review(decision.id, actor="legal", approve=True, note="同意")
        doc = services.documents.issue(case_id, "penalty_decision", actor="leader")
        assert svc.execute(code, "dispatcher").result(30).status == "executing"
        assert svc.archive(code, "leader").result(30).status == "archived"

        timeline = case_timeline(store, case_id, evidence_root=tmp_path / "ev")
        actions = [item.action for item in timeline.items if item.source == "audit"]
        for expected in ("case.create", "case.register", "case.investigate", "evidence.add", "case.decide",
                         "case.party", "decision.record", "decision.legal_review", "document.issue",
                         "case.execute", "case.archive"):
            assert expected in actions, expected
        assert any(item.source == "event" for item in timeline.items)
        assert doc.doc_no.endswith("第0001号")
        assert verify(store, evidence_root=tmp_path / "ev").ok
    finally:
        services.close()
