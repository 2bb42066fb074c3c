"""吹哨报到 from a department contact's phone: pairing, tokens and the department's task list in the field app.

A summoned department (公安, 市场监管, 街道 …) often has no seat in the command center. Its contact pairs a phone
like an officer does — ``commandcenter field pair --department DEPT`` prints a one-time code (and a QR code) —
and the field app then shows that department's joint tasks with 报到 and 完成 (and 拒绝 with a reason). The acts
go through :meth:`JointService.report_for_department`, the same path as the department's seat: audited as
``joint.report`` by ``field-department:<id>``, the case leaving 联合执法 once every task is done.

Codes and tokens are stored as SHA-256 only, in tables of their own (:mod:`commandcenter.field.department_tables`)
so a department's token can never act as an officer. The routes live under ``/field/v1/department/``:

* ``POST pair`` ``{code, device}`` → ``{token, department}``
* ``GET tasks`` → ``{department, tasks}`` (open tasks first, then the last finished ones)
* ``POST tasks/<id>/report|done|refuse`` ``{note}`` (``refuse`` needs the reason) → the task
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commandcenter.enforcement.joint import OPEN_TASK_STATUSES, JointError, JointService, JointTask
from commandcenter.enforcement.tables import Department
from commandcenter.field.department_tables import DepartmentPairing, DepartmentToken
from commandcenter.field.pairing import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CODE_TTL,
    TOKEN_CACHE_S,
    PairingError,
    hash_secret,
    normalize_code,
)
from commandcenter.field.service import FieldError
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case

__all__ = ["DepartmentCard", "DepartmentDesk", "department_api", "issue_department_code", "redeem_department_code",
           "revoke_department"]

Audit = Callable[[Session, str, str, str, dict[str, Any]], Any]
ACTIONS = {"report": "reported", "done": "done", "refuse": "refused"}
FINISHED_SHOWN = 20


@dataclass(frozen=True, slots=True)
class DepartmentCard:
    """What a paired phone learns about its department."""

    id: int
    name: str
    kind: str
    contact: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "contact": self.contact}


def _card(row: Department) -> DepartmentCard:
    return DepartmentCard(row.id, row.name, row.kind, row.contact)


def _find(session: Session, department: str) -> Department:
    """A department by its id (digits) or its name, active (PairingError naming what was asked for)."""
    key = department.strip()
    row = session.get(Department, int(key)) if key.isdigit() else None
    if row is None:
        row = session.scalars(select(Department).where(Department.name == key)).first()
    if row is None:
        raise PairingError(f"department {department!r} not found (the 部门名录 of 吹哨报到: its id or name)")
    if not row.active:
        raise PairingError(f"department {row.name!r} is inactive in the 部门名录")
    return row


def issue_department_code(store: Store, department: str, *, actor: str = "system", audit: Audit | None = None,
                          ttl: timedelta = CODE_TTL, now: datetime | None = None) -> tuple[str, DepartmentCard]:
    """A new one-time code for a department's contact (by the department's id or name)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    issued = now or utcnow()

    def job(session: Session) -> DepartmentCard:
        row = _find(session, department)
        session.add(DepartmentPairing(department_id=row.id, code_sha256=hash_secret(code), created_at=issued,
                                      expires_at=issued + ttl, used_at=None, created_by=actor))
        if audit is not None:
            audit(session, actor, "field.pair_code", f"department:{row.id}",
                  {"department": row.name, "expires_at": (issued + ttl).isoformat()})
        return _card(row)

    return code, store.write(job)


def redeem_department_code(store: Store, code: str, device: str, *, audit: Audit | None = None,
                           now: datetime | None = None) -> tuple[str, DepartmentCard]:
    """Use a department code once: a bearer token (returned in clear, stored hashed) and its department."""
    digest = hash_secret(normalize_code(code))
    token = secrets.token_urlsafe(32)
    at = now or utcnow()

    def job(session: Session) -> DepartmentCard:
        claimed = session.execute(
            update(DepartmentPairing)
            .where(DepartmentPairing.code_sha256 == digest, DepartmentPairing.used_at.is_(None),
                   DepartmentPairing.expires_at > at).values(used_at=at))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise PairingError("pairing code wrong, already used or expired")
        department_id = session.scalar(select(DepartmentPairing.department_id)
                                       .where(DepartmentPairing.code_sha256 == digest))
        row = _find(session, str(department_id))
        session.add(DepartmentToken(department_id=row.id, token_sha256=hash_secret(token), device=device[:128],
                                    created_at=at, revoked_at=None))
        if audit is not None:
            audit(session, f"field-department:{row.id}", "field.paired", f"department:{row.id}",
                  {"department": row.name, "device": device[:128]})
        return _card(row)

    return token, store.write(job)


def revoke_department(store: Store, department: str, *, actor: str = "system", audit: Audit | None = None,
                      now: datetime | None = None) -> tuple[int, DepartmentCard]:
    """End every token of a department's phones; how many were still valid."""
    at = now or utcnow()

    def job(session: Session) -> tuple[int, DepartmentCard]:
        row = session.get(Department, int(department)) if department.strip().isdigit() else None
        row = row or session.scalars(select(Department).where(Department.name == department.strip())).first()
        if row is None:
            raise PairingError(f"department {department!r} not found")
        ended = session.execute(update(DepartmentToken).where(DepartmentToken.department_id == row.id,
                                                              DepartmentToken.revoked_at.is_(None))
                                .values(revoked_at=at))
        count = int(ended.rowcount)  # type: ignore[attr-defined]
        if audit is not None:
            audit(session, actor, "field.revoke", f"department:{row.id}", {"department": row.name, "tokens": count})
        return count, _card(row)

    return store.write(job)


class DepartmentDesk:
    """The department side of the field API: pair, who is this token, the task list and the three acts."""

    def __init__(self, store: Store, joint: JointService, *, audit: Audit | None = None,
                 cache_s: float = TOKEN_CACHE_S) -> None:
        self.store = store
        self.joint = joint
        self.audit = audit
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, DepartmentCard | None]] = {}

    def pair(self, code: str, device: str) -> dict[str, Any]:
        if not code.strip():
            raise FieldError(400, "code is required")
        try:
            token, card = redeem_department_code(self.store, code, device, audit=self.audit)
        except PairingError as exc:
            raise FieldError(401, str(exc)) from None
        return {"token": token, "department": card.as_json()}

    def authenticate(self, token: str) -> DepartmentCard:
        """The department of a bearer token, cached two seconds like the officers' (a revoke from another
        process takes effect within that); FieldError 401 when none."""
        card = self._lookup(token) if token else None
        if card is None:
            raise FieldError(401, "a valid department token is required (pair the phone first)")
        return card

    def _lookup(self, token: str) -> DepartmentCard | None:
        digest = hash_secret(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < self.cache_s:
            return hit[1]

        def query(session: Session) -> DepartmentCard | None:
            row = session.execute(select(Department).join(DepartmentToken,
                                                          DepartmentToken.department_id == Department.id)
                                  .where(DepartmentToken.token_sha256 == digest,
                                         DepartmentToken.revoked_at.is_(None), Department.active.is_(True))
                                  ).scalars().first()
            return _card(row) if row is not None else None

        card = self.store.read(query)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, card)
        return card

    def tasks(self, card: DepartmentCard) -> dict[str, Any]:
        tasks = self.joint.tasks(department=card.name)
        open_ = [t for t in tasks if t.status in OPEN_TASK_STATUSES and t.case_status == "joint"]
        finished = [t for t in reversed(tasks) if t not in open_][:FINISHED_SHOWN]
        places = self._cases([t.case_id for t in (*open_, *finished)])
        return {"department": card.as_json(), "tasks": [self._json(t, places) for t in (*open_, *finished)]}

    def act(self, card: DepartmentCard, task_id: int, action: str, body: dict[str, Any]) -> dict[str, Any]:
        status = ACTIONS.get(action)
        if status is None:
            raise FieldError(404, f"no such action {action!r} (report, done or refuse)")
        note = str(body.get("note") or body.get("reason") or "")[:500]
        try:
            task = self.joint.report_for_department(task_id, status, department=card.name,
                                                    actor=f"field-department:{card.id}", note=note)
        except JointError as exc:
            raise FieldError(409 if "已" in str(exc) else 400, str(exc)) from None
        return {"task": self._json(task, self._cases([task.case_id]))}

    def _cases(self, ids: list[int]) -> dict[int, tuple[str, str, str]]:
        if not ids:
            return {}
        rows = self.store.read(lambda s: s.execute(select(Case.id, Case.category_name, Case.address,
                                                          Case.description).where(Case.id.in_(set(ids)))).all())
        return {int(r[0]): (r[1] or "", r[2] or "", r[3] or "") for r in rows}

    @staticmethod
    def _json(task: JointTask, places: dict[int, tuple[str, str, str]]) -> dict[str, Any]:
        category, address, description = places.get(task.case_id, ("", "", ""))
        return {"id": task.id, "case_code": task.case_code, "case_status": task.case_status,
                "category": category, "address": address, "description": description, "task": task.task,
                "status": task.status, "status_zh": task.status_zh, "note": task.note,
                "summoned_at": task.summoned_at.isoformat(),
                "due_at": task.due_at.isoformat() if task.due_at else None, "overdue": task.overdue,
                "open": task.status in OPEN_TASK_STATUSES and task.case_status == "joint"}


class _Handler(Protocol):
    """The parts of the field API's request handler the department routes use."""

    def _need(self, method: str, expected: str) -> None: ...

    def _bearer(self) -> str: ...

    def _json_body(self) -> dict[str, Any]: ...

    def _json(self, status: int, payload: Any, *, close: bool = False) -> None: ...


def department_api(handler: _Handler, desk: DepartmentDesk | None, method: str, parts: list[str]) -> None:
    """Route ``/field/v1/department/...`` (``parts`` after ``department``)."""
    if desk is None:
        raise FieldError(404, "department phones are not served by this field API")
    if parts == ["pair"]:
        handler._need(method, "POST")
        body = handler._json_body()
        handler._json(200, desk.pair(str(body.get("code") or ""), str(body.get("device") or "")[:128]))
        return
    card = desk.authenticate(handler._bearer())
    if parts == ["tasks"]:
        handler._need(method, "GET")
        handler._json(200, desk.tasks(card))
    elif len(parts) == 3 and parts[0] == "tasks" and parts[1].isdigit():
        handler._need(method, "POST")
        handler._json(200, desk.act(card, int(parts[1]), parts[2], handler._json_body()))
    else:
        raise FieldError(404, f"no such resource /field/v1/department/{'/'.join(parts)}")
