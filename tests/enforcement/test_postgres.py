"""The enforcement migration, the append-only trigger and the audit chain on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import DEMO_USERS, create_demo_users
from commandcenter.enforcement.audit import AuditLog, verify
from commandcenter.enforcement.auth import AuthService
from commandcenter.store import Store

pytestmark = pytest.mark.postgres



def test_audit_chain_on_postgresql(pg_store: Store) -> None:
    pg_store.upgrade()
    assert {"users", "audit_log", "parties", "enforcement_decisions", "enforcement_documents"} <= set(
        pg_store.table_names())
    mark_demo_database(pg_store)  # demo accounts only go into a demo database
    create_demo_users(pg_store)
    log = AuditLog(pg_store)
    AuthService(pg_store, log).login("admin", "admin-2026")
    pg_store.write(lambda s: log.append_many(s, [("d", "case.dispatch", f"case:{i}", {"i": i, "名": "张三"})
                                                 for i in range(500)]))
    result = verify(pg_store, check_evidence=False, chunk=100)
    assert result.ok and result.records == len(DEMO_USERS) + 1 + 500  # each account created, one login
    with pytest.raises(DBAPIError, match="append-only"), pg_store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 3"))
    with pg_store.engine.begin() as conn:  # an attacker with DDL rights
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("UPDATE audit_log SET data = '{}' WHERE seq = 42"))
    broken = verify(pg_store, check_evidence=False, chunk=100)
    assert broken.first_break is not None and (broken.first_break.seq, broken.first_break.kind) == (42, "hash")
