"""The role × permission matrix, table-driven from roles.toml, plus explicit spot checks and audited refusals."""

from __future__ import annotations

import pytest

from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import DEMO_USERS, create_demo_users
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.permissions import (
    PERMISSIONS,
    PERSON_ROLES,
    Authorizer,
    PermissionDenied,
    load_matrix,
)

MATRIX = load_matrix()


@pytest.fixture
def authorizer(store):  # type: ignore[no-untyped-def]
    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    return Authorizer(store, AuditLog(store))


def test_every_role_has_a_demo_user() -> None:
    assert {role for _u, role, _n, _p in DEMO_USERS} == set(PERSON_ROLES)  # intake channels are not people


def test_matrix_every_role_and_permission(authorizer: Authorizer) -> None:
    """Each demo user (one per role) is allowed exactly what the matrix grants, refused everything else."""
    refused: dict[tuple[str, str], PermissionDenied] = {}
    for username, role, _name, _pw in DEMO_USERS:
        for permission in PERMISSIONS:
            try:
                authorizer.authorize(username, permission)
            except PermissionDenied as exc:
                refused[(role, permission)] = exc
    assert set(refused) == {(role, p) for _u, role, _n, _pw in DEMO_USERS for p in PERMISSIONS
                            if not MATRIX.allows(role, p)}
    assert all(exc.permission == p and p in str(exc) for (_r, p), exc in refused.items())


@pytest.mark.parametrize(("role", "permission", "allowed"), [
    ("observer", "case.dispatch", False),
    ("observer", "wall.view", True),
    ("observer", "wall.layout_edit", False),
    ("legal", "case.legal_review", True),
    ("dispatcher", "case.legal_review", False),
    ("dispatcher", "case.dispatch", True),
    ("pilot", "drone.arm", True),
    ("dispatcher", "drone.arm", False),
    ("leader", "case.decide", True),
    ("leader", "user.manage", False),
    ("admin", "user.manage", True),
    ("admin", "drone.arm", True),
    ("legal", "audit.verify", True),
    ("observer", "audit.verify", False),
])
def test_spot_checks(role: str, permission: str, allowed: bool) -> None:
    assert MATRIX.allows(role, permission) is allowed


def test_admin_holds_everything_observer_is_read_only() -> None:
    assert MATRIX.permissions_of("admin") == frozenset(PERMISSIONS)
    assert all(p.endswith(".view") for p in MATRIX.permissions_of("observer"))


def test_refusal_is_audited(store, authorizer: Authorizer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match=r"missing permission 'case\.dispatch'"):
        authorizer.authorize("observer", "case.dispatch")
    store.flush()
    entries = AuditLog(store).entries(action_prefix="permission.denied")
    assert len(entries) == 1
    assert entries[0].actor == "observer"
    assert entries[0].payload["permission"] == "case.dispatch"
    assert entries[0].payload["role"] == "observer"


def test_unknown_and_disabled_users_are_refused(store, authorizer: Authorizer) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.enforcement.auth import AuthService

    with pytest.raises(PermissionDenied, match="unknown or disabled"):
        authorizer.authorize("nobody", "map.view")
    AuthService(store, AuditLog(store)).set_disabled("dispatcher")
    with pytest.raises(PermissionDenied):
        authorizer.authorize("dispatcher", "case.dispatch")
    assert not authorizer.allowed("dispatcher", "case.dispatch")


def test_config_users_via_extra_roles(store) -> None:  # type: ignore[no-untyped-def]
    auth = Authorizer(store, AuditLog(store), extra_roles={"zhang": "dispatcher"})
    auth.authorize("zhang", "case.create")
    with pytest.raises(PermissionDenied):
        auth.authorize("zhang", "user.manage")


def test_refusal_inside_a_writer_job_survives_the_rollback(store, authorizer: Authorizer) -> None:  # type: ignore[no-untyped-def]
    """The CaseService may call authorize inside its writer job: the refusal record must still commit."""
    with pytest.raises(PermissionDenied):
        store.write(lambda s: authorizer.authorize("pilot", "case.close"))
    store.flush()
    assert [e.payload["permission"] for e in AuditLog(store).entries(action_prefix="permission.")] == ["case.close"]
