"""The whole history of one case as plain data, for the case timeline view and exports.

Merges three sources, ordered by time: ``case_events`` (the workflow's status changes and assignments), the
audit records whose subject is the case (``case:<id>`` or its code: decisions, evidence, documents, parties,
refused actions) and the evidence rows (for thumbnails). The cases package writes both a case event and an
audit record for one action; they are shown as two lines because they are two records (the event says
what changed, the audit record proves it was not altered since).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from commandcenter import paths
from commandcenter.cases.core import officer_names
from commandcenter.cases.model import officer_label
from commandcenter.enforcement.audit import is_url
from commandcenter.enforcement.tables import AuditRecord
from commandcenter.labels import status_label
from commandcenter.store import Store
from commandcenter.store.models import Case, CaseEvent, Evidence


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One line of a case's history."""

    time: datetime
    actor: str
    action: str
    source: str  # event | audit
    summary: str
    data: dict[str, object] = field(default_factory=dict)
    seq: int | None = None  # audit seq, for "verify this record"
    evidence_path: Path | None = None
    evidence_mime: str = ""


@dataclass(frozen=True, slots=True)
class CaseTimelineData:
    case_id: int
    code: str
    status: str
    title: str
    items: tuple[TimelineItem, ...]


def _summary(action: str, data: dict[str, object]) -> str:
    """A short human line from an audit payload (Chinese labels; the view adds translations around it)."""
    if action == "evidence.add":
        return f"证据 {data.get('mime', '')} {str(data.get('sha256', ''))[:12]}…"
    if action == "decision.record":
        amount = data.get("amount")
        text = f"处理决定 {data.get('outcome', '')} {data.get('level', '')} 罚款 {amount} 元"
        if data.get("deviation_reason"):
            text += f"（偏离建议：{data['deviation_reason']}）"
        return text
    if action == "decision.legal_review":
        return "法制审核" + ("通过" if data.get("approved") else f"不通过：{data.get('note', '')}")
    if action == "document.issue":
        return f"文书 {data.get('doc_no', '')}"
    if action == "case.party":
        return f"当事人 {data.get('name', '')}"
    if action == "permission.denied":
        return f"拒绝：缺少权限 {data.get('permission', '')}"
    keys = ("note", "reason", "to", "to_status")
    parts = [f"{k}={data[k]}" for k in keys if k in data]
    if data.get("officer"):  # people read officers by name: 彭海雪 (B0069), the id only when unknown
        name, badge = str(data.get("officer_name") or ""), str(data.get("officer_badge") or "")
        parts.append(f"officer={officer_label(str(data['officer']), name, badge)}")
    return " ".join(parts)


def _officer_of(raw: str) -> str:
    """The officer id an audit record's JSON data names (\"\" when none)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    return str(data.get("officer") or "") if isinstance(data, dict) else ""


def case_timeline(store: Store, case_id: int, *, evidence_root: Path | None = None) -> CaseTimelineData:
    """Everything that happened to the case, oldest first."""
    root = evidence_root or paths.evidence_dir()

    def query(session) -> CaseTimelineData:  # type: ignore[no-untyped-def]
        case = session.get(Case, case_id)
        if case is None:
            raise LookupError(f"no case {case_id}")
        items: list[TimelineItem] = []
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
        who = officer_names(session, [str((ev.data or {}).get("officer") or "") for ev in events])
        for ev in events:
            moved = ev.to_status and ev.to_status != ev.from_status
            move = f"{status_label(ev.from_status)} → {status_label(ev.to_status)}".strip() if moved else ""
            officer_id = str((ev.data or {}).get("officer") or "")
            officer = officer_label(officer_id, *who.get(officer_id, ("", "")))
            summary = " ".join(part for part in (move, officer, ev.note) if part)
            items.append(TimelineItem(ev.time, ev.actor, ev.action, "event", summary, dict(ev.data or {})))
        evidence = {e.id: e for e in session.scalars(select(Evidence).where(Evidence.case_id == case_id))}
        subjects = [f"case:{case_id}", case.code]
        records = list(session.scalars(select(AuditRecord).where(AuditRecord.subject.in_(subjects))
                                       .order_by(AuditRecord.seq)))
        names = officer_names(session, [_officer_of(rec.data) for rec in records])
        for rec in records:
            try:
                payload = json.loads(rec.data)
            except ValueError:
                payload = {}
            data = payload if isinstance(payload, dict) else {"value": payload}
            path, mime = None, ""
            if rec.action == "evidence.add":
                ref = data.get("evidence_id", data.get("evidence"))  # EvidenceStore / CaseService key
                ev_row = evidence.get(int(ref)) if isinstance(ref, int | str) and str(ref).isdigit() else None
                if ev_row is not None and not is_url(ev_row.path):  # a URL reference has no file to show
                    stored = Path(ev_row.path)
                    path, mime = (stored if stored.is_absolute() else root / stored), ev_row.mime
            known = names.get(str(data.get("officer") or ""))
            if known is not None:
                data = {**data, "officer_name": known[0], "officer_badge": known[1]}
            items.append(TimelineItem(rec.time, rec.actor, rec.action, "audit", _summary(rec.action, data), data,
                                      rec.seq, path, mime))
        items.sort(key=lambda item: (item.time, 0 if item.source == "event" else 1, item.seq or 0))
        title = f"{case.code} {case.category_name} {case.address}".strip()
        return CaseTimelineData(case_id, case.code, case.status, title, tuple(items))

    return store.read(query)
