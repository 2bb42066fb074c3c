"""Facts added to a case without moving it through the workflow: evidence, a place on the map for a case that
had none, and the outcome of fetching a citizen's photo.

Why apart from :class:`~commandcenter.cases.commands.CaseCommands`: none of these checks or changes the case's
status; each is its own writer job with its ``case_events`` row and audit entry, announced after the commit
like every command.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from commandcenter.cases.changes import Operation
from commandcenter.cases.commands import CaseCommands, changed
from commandcenter.cases.core import case_row, view_of
from commandcenter.cases.model import CaseView, EvidenceRef
from commandcenter.cases.workflow import TransitionError
from commandcenter.store.models import CaseEvent

__all__ = ["CaseRecords"]


class CaseRecords:
    """``add_evidence``, ``locate`` and ``record_media``: each one writer job, authorised first."""

    def __init__(self, workflow: CaseCommands) -> None:
        self.workflow = workflow
        self.core = workflow.core

    def add_evidence(self, code: str, evidence: EvidenceRef, actor: str) -> Operation[CaseView]:
        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            ev_id = self.core.add_evidence_row(session, row.id, evidence, actor)
            session.add(CaseEvent(case_id=row.id, time=self.core.clock(), actor=actor, action="evidence",
                                  from_status=row.status, to_status=row.status, note=evidence.note,
                                  data={"evidence": ev_id, "path": evidence.path}))
            self.core.audit(session, actor, "evidence.add", row.code, {"evidence": ev_id, "sha256": evidence.sha256})
            changed(session, row)
            return view_of(session, row)

        return self.workflow.submit_as(actor, "evidence.add", "evidence", job)

    def locate(self, code: str, lat: float, lon: float, actor: str) -> Operation[CaseView]:
        """Place a case that has no coordinates (an imported 12345 ticket with only an address): the dispatcher
        clicks the map. The grid cell and 责任区 follow from the point; recorded in the history and audited.
        A case that already has coordinates keeps them (moving a located case is not this)."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"case {code}: ({lat}, {lon}) is not a WGS-84 latitude/longitude")

        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            if row.lat is not None and row.lon is not None:
                raise TransitionError(f"案件 {code} 已有位置（{row.lat:.6f}, {row.lon:.6f}），不能再在地图上放置",
                                      code=code, status=row.status, action="locate")
            cell = self.core.grid(session).unit_cell_at(lat, lon)
            row.lat, row.lon = lat, lon
            if cell is not None:
                row.grid_code, row.area_code = cell.code, cell.area_code
            data = {"lat": round(lat, 6), "lon": round(lon, 6), "grid": row.grid_code}
            session.add(CaseEvent(case_id=row.id, time=self.core.clock(), actor=actor, action="locate",
                                  from_status=row.status, to_status=row.status,
                                  note=f"地图定位 {lat:.6f}, {lon:.6f}", data=data))
            self.core.audit(session, actor, "case.locate", row.code, data)
            row.updated_at = self.core.clock()
            changed(session, row)
            return view_of(session, row)

        return self.workflow.submit_as(actor, "case.dispatch", "locate", job)

    def record_media(self, code: str, url: str, evidence: EvidenceRef | None, error: str,
                     actor: str) -> Operation[CaseView]:
        """The outcome of fetching a citizen's ``media_url``, kept on the case in one transaction.

        Fetched: the hashed copy becomes an evidence row (audited with its hash, so ``audit verify`` re-hashes
        it) and ``extra["media_fetch"]`` names the URL and the hash. Failed: the case stays as it is and
        ``extra["media_fetch"]`` says why, for the dispatcher to ask the citizen again.
        """
        def job(session: Session) -> CaseView:
            row = case_row(session, code)
            outcome: dict[str, Any] = {"url": url}
            if evidence is not None:
                ev_id = self.core.add_evidence_row(session, row.id, evidence, actor)
                self.core.audit(session, actor, "evidence.add", row.code,
                                {"evidence": ev_id, "sha256": evidence.sha256, "path": evidence.path, "url": url})
                outcome.update(evidence=ev_id, sha256=evidence.sha256, size=evidence.size)
                note = f"市民照片已取回 {url}"
            else:
                outcome["error"] = error
                note = f"市民照片取回失败：{error}"
            row.extra = {**(row.extra or {}), "media_fetch": outcome}
            session.add(CaseEvent(case_id=row.id, time=self.core.clock(), actor=actor, action="evidence",
                                  from_status=row.status, to_status=row.status, note=note[:200], data=outcome))
            changed(session, row)
            return view_of(session, row)

        return self.workflow.submit_as(actor, "evidence.add", "evidence", job)
