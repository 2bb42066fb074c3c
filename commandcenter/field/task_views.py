"""How a case looks from the officer's phone: the ownership rule, the task JSON, its photos and field state.

Why apart from :class:`~commandcenter.field.service.FieldService`: these are pure functions of a session and a
case row, used both by the reads (task list, one task, a photo) and by every write job (accept, arrive, report,
evidence); the service keeps the flow (permission, writer job, waiting for the commit) and calls these.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.cases.workflow import STATUS_ZH
from commandcenter.field.inputs import FieldError
from commandcenter.store.models import Case, Evidence


def own_row(session: Session, officer_id: str, code: str) -> Case:
    """The officer's own task ``code`` (FieldError 404 when there is none, 403 when it is someone else's)."""
    row = session.scalar(select(Case).where(Case.code == code))
    if row is None:
        raise FieldError(404, f"案件 {code} 不存在")
    if row.assigned_officer != officer_id:
        raise FieldError(403, f"案件 {code} 不是派给你的任务")
    return row

def photos_of(session: Session, case_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The evidence the phone can show, per case id (stored files only)."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not case_ids:
        return out
    for ev in session.scalars(select(Evidence).where(Evidence.case_id.in_(list(case_ids))).order_by(Evidence.id)):
        if ev.path.startswith(("http://", "https://")):
            continue  # a citizen's media URL not fetched into the store: nothing the phone can show
        out.setdefault(int(ev.case_id or 0), []).append(
            {"sha256": ev.sha256, "mime": ev.mime, "size": ev.size, "note": ev.note,
             "by": ev.added_by, "taken_at": ev.captured_at.isoformat() if ev.captured_at else None})
    return out

def task_json(row: Case, photos: list[dict[str, Any]]) -> dict[str, Any]:
    """A task as the phone shows it (the field API's task fields: keep their names)."""
    field_state = dict((row.extra or {}).get("field") or {})  # type: ignore[call-overload]
    return {
        "code": row.code, "category": row.category, "category_name": row.category_name,
        "status": row.status, "status_label": STATUS_ZH.get(row.status, row.status),
        "field_state": str(field_state.get("state", "")),
        "address": row.address, "lat": row.lat, "lon": row.lon, "description": row.description,
        "urgency": row.urgency, "deadline": row.deadline_at.isoformat() if row.deadline_at else None,
        "dispatched_at": row.dispatched_at.isoformat() if row.dispatched_at else None,
        "photos": photos,
    }


def set_field_state(row: Case, state: str, officer_id: str, at: datetime, **detail: Any) -> None:
    """What the desk shows of the phone's side (已接单, 到场, 已反馈, 退单)."""
    previous = (row.extra or {}).get("field")
    history = list(previous.get("history", [])) if isinstance(previous, dict) else []
    history.append({"state": state, "at": at.isoformat(), **detail})
    row.extra = {**(row.extra or {}), "field": {"state": state, "officer": officer_id, "at": at.isoformat(),
                                                "history": history[-20:], **detail}}
