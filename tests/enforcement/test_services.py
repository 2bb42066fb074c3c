"""The wiring the application uses, exercised the way CaseService will call it."""

from __future__ import annotations

import pytest

from commandcenter.config import UserConfig
from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import create_demo_users
from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.enforcement.services import EnforcementServices


def test_case_service_contract(store, tasks, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    services = EnforcementServices.create(store, tasks=tasks, config_users=[UserConfig("zhao", "赵", "leader")],
                                          evidence_root=tmp_path / "ev", documents_dir=tmp_path / "docs")
    try:
        # What CaseService does for one action: authorize, then in the writer job change the case and audit it.
        services.authorize("dispatcher", "case.dispatch")
        store.write(lambda s: services.audit_hook(s, "dispatcher", "case.dispatch", "case:1",
                                                  {"from": "registered", "to": "dispatched", "officer": "O-1"}))
        services.authorize("zhao", "case.decide")  # a config-file user acts with their role
        with pytest.raises(PermissionDenied) as info:
            services.authorize("observer", "case.dispatch")
        assert info.value.permission == "case.dispatch"
        store.flush()
        actions = [e.action for e in services.audit.entries()]
        assert actions[-2:] == ["case.dispatch", "permission.denied"]
        assert verify(store, evidence_root=tmp_path / "ev").ok
        with pytest.raises(PermissionDenied, match=r"user\.manage"):
            services.auth.add_user("new1", "observer", "long-password", actor="dispatcher")
        services.auth.add_user("new1", "observer", "long-password", actor="admin")
    finally:
        services.close()
