"""Fixtures of the enforcement tests: wired services on a migrated store, demo users, a case factory."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import create_demo_users
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.decisions import DecisionService
from commandcenter.enforcement.documents import DocumentService
from commandcenter.enforcement.evidence import EvidenceStore
from commandcenter.enforcement.permissions import Authorizer
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

_codes = itertools.count(1)


@dataclass
class Services:
    store: Store
    audit: AuditLog
    authorizer: Authorizer
    evidence: EvidenceStore
    decisions: DecisionService
    documents: DocumentService
    make_case: Callable[..., int]


def insert_case(store: Store, *, status: str = "investigating", category_name: str = "占道经营",
                address: str = "南京市建邺区江东中路201号", created_at: datetime | None = None,
                description: str = "流动摊贩占用人行道摆卖水果") -> int:
    now = created_at or utcnow()
    code = f"AJ{now:%Y%m%d}{next(_codes):06d}"

    def job(session) -> int:  # type: ignore[no-untyped-def]
        case = Case(code=code, source="patrol", category="ZDJY", category_name=category_name,
                    description=description, address=address, status=status, urgency=2, reporter="巡查",
                    created_at=now, updated_at=now, extra={})
        session.add(case)
        session.flush()
        return case.id

    return store.write(job)


@pytest.fixture
def services(store: Store, tasks: TaskManager, tmp_path: Path) -> Iterator[Services]:
    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    audit = AuditLog(store)
    authorizer = Authorizer(store, audit)
    evidence = EvidenceStore(store, audit, authorizer.authorize, tasks, root=tmp_path / "evidence")
    yield Services(store, audit, authorizer, evidence, DecisionService(store, audit, authorizer.authorize),
                   DocumentService(store, audit, authorizer.authorize, out_dir=tmp_path / "documents"),
                   lambda **kw: insert_case(store, **kw))
    evidence.close()


def days_ago(days: int) -> datetime:
    return utcnow() - timedelta(days=days)
