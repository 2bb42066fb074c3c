"""One place that wires the enforcement services on a store, so the application and the CLI agree on it.

    services = EnforcementServices.create(store, tasks=tasks, config_users=config.users)
    case_service = CaseService(store, calendar, categories, authorize=services.authorize,
                               audit=services.audit_hook, guard=services.guard, …)

``authorize``, ``audit_hook`` and ``guard`` are the callables of the contract with ``commandcenter.cases``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from commandcenter.cases.service import CaseService
from commandcenter.enforcement.audit import AuditEntry, AuditLog
from commandcenter.enforcement.auth import AuthService
from commandcenter.enforcement.decisions import DecisionService
from commandcenter.enforcement.documents import DocumentService
from commandcenter.enforcement.evidence import EvidenceStore
from commandcenter.enforcement.inspections import InspectionService
from commandcenter.enforcement.joint import JointService
from commandcenter.enforcement.parties import DataVault, PartyService
from commandcenter.enforcement.permissions import Authorizer
from commandcenter.enforcement.procedure import ProcedureService
from commandcenter.enforcement.rules import workflow_guard
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store


@dataclass
class EnforcementServices:
    store: Store
    audit: AuditLog
    authorizer: Authorizer
    auth: AuthService
    evidence: EvidenceStore
    decisions: DecisionService
    documents: DocumentService
    parties: PartyService
    # Parts that drive case status moves: attached once the CaseService exists (``attach_cases``).
    procedure: ProcedureService | None = None
    joint: JointService | None = None
    inspections: InspectionService | None = None

    @classmethod
    def create(cls, store: Store, *, tasks: TaskManager, config_users: Iterable[Any] = (),
               evidence_root: Path | None = None, documents_dir: Path | None = None,
               bureau: Mapping[str, str] | None = None, data_key: Path | None = None) -> EnforcementServices:
        """Build every service on one AuditLog and one Authorizer. ``config_users`` are the ``[[users]]`` of
        the config file (objects with ``username`` and ``role``): they act with their role even without a row
        in the users table (they cannot log in with a password until ``commandcenter user add``)."""
        audit = AuditLog(store)
        authorizer = Authorizer(store, audit, extra_roles={u.username: u.role for u in config_users})
        vault = DataVault.from_file(data_key)
        parties = PartyService(store, audit, authorizer.authorize, vault, allowed=authorizer.allowed)
        return cls(
            store=store,
            audit=audit,
            authorizer=authorizer,
            auth=AuthService(store, audit, authorize=authorizer.authorize),
            evidence=EvidenceStore(store, audit, authorizer.authorize, tasks, root=evidence_root),
            decisions=DecisionService(store, audit, authorizer.authorize, parties=parties),
            documents=DocumentService(store, audit, authorizer.authorize, out_dir=documents_dir, bureau=bureau,
                                      vault=vault),
            parties=parties,
        )

    def attach_cases(self, cases: CaseService) -> None:
        """Build the parts that move cases on the CaseService: the procedure (告知 → 决定 → 执行 → 结案,
        当场处罚) and 吹哨报到 (departments' tasks; the case leaves 联合执法 when all are done)."""
        self.procedure = ProcedureService(self.store, self.audit, self.authorizer.authorize, self.decisions,
                                          self.documents, cases)
        self.joint = JointService(self.store, self.audit, self.authorizer.authorize, self.authorizer.allowed, cases)
        self.inspections = InspectionService(self.store, self.audit, self.authorizer.authorize)  # 综合查一次

    def authorize(self, actor: str, permission: str) -> None:
        """The ``authorize`` hook of CaseService: raises PermissionDenied (audited) when not allowed."""
        self.authorizer.authorize(actor, permission)

    def audit_hook(self, session: Session, actor: str, action: str, subject: str,
                   data: dict[str, Any] | None) -> AuditEntry:
        """The ``audit`` hook of CaseService: appends inside the caller's writer transaction."""
        return self.audit.append(session, actor, action, subject, data)

    def guard(self, session: Session, case: Any, action: str, data: dict[str, Any]) -> None:
        """The ``guard`` hook of CaseService: no 执行/结案归档 out of 处理决定 without an issuable decision."""
        workflow_guard(session, case, action, data)

    def close(self) -> None:
        self.evidence.close()
