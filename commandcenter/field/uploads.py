"""The officer's uploads: 拍照取证 (evidence for an own task) and 巡查上报 (a new case with its photo).

Why apart from :class:`~commandcenter.field.service.FieldService`: these two are the only calls that take a
file (type check, copy into the evidence store before the writer job, refusal before anything is copied); the
rest of the service moves small JSON. The service builds one :class:`FieldUploads` and delegates to it, passing
its own permission check, commit and wait so that a refusal is the same :class:`FieldError` everywhere.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from commandcenter.cases.changes import collector_of
from commandcenter.cases.model import EvidenceRef, NewCase
from commandcenter.cases.service import CaseService
from commandcenter.domain import CaseSource
from commandcenter.enforcement.evidence import EvidenceStore
from commandcenter.field.inputs import FieldError, lat_lon, parse_time
from commandcenter.field.task_views import own_row
from commandcenter.store import Store
from commandcenter.store.models import CaseEvent, Evidence

T = TypeVar("T")


class Commit(Protocol):
    """``commit(officer_id, permission, operation, job)``: the job's result once committed, or a FieldError."""

    def __call__(self, officer_id: str, permission: str, operation: str, job: Callable[[Session], T], /) -> T: ...


class Wait(Protocol):
    """The committed result of a writer future, or the refusal as a FieldError."""

    def __call__(self, future: Future[T], /) -> T: ...


class FieldUploads:
    """Evidence and patrol reports from the phone (see the module docstring)."""

    def __init__(self, store: Store, cases: CaseService, evidence: EvidenceStore,
                 authorize: Callable[[str, str], None], commit: Commit, wait: Wait) -> None:
        self.store = store
        self.cases = cases
        self.evidence = evidence
        self._authorize = authorize
        self._commit = commit
        self._wait = wait

    def add_evidence(self, officer_id: str, code: str, upload: Path, *, filename: str, mime: str,
                     fields: Mapping[str, str]) -> dict[str, Any]:
        """拍照取证: a file already received completely (``upload``) copied into the evidence store, hashed, and
        attached to the officer's task with an audit record under the officer. Nothing is stored on a refusal."""
        lat, lon = lat_lon(fields, required=False)
        taken = parse_time(fields.get("taken_at"), "taken_at")
        note = str(fields.get("note") or "")[:2000]
        mime = (mime or mimetypes.guess_type(filename)[0] or "application/octet-stream").lower()
        if not mime.startswith(("image/", "video/", "audio/")):
            raise FieldError(400, f"file must be a photo, video or audio recording, not {mime}")
        self._authorize(officer_id, "evidence.add")
        self.store.read(lambda s: own_row(s, officer_id, code))  # refuse before copying anything
        stored = self.evidence.store_file(upload, name=filename, mime=mime)

        def job(session: Session) -> dict[str, Any]:
            row = own_row(session, officer_id, code)
            ref = EvidenceRef(path=stored.relative_path, sha256=stored.sha256, mime=stored.mime, size=stored.size,
                              captured_at=taken, device="field-app", lat=lat, lon=lon, note=note)
            evidence_id = self.cases.core.add_evidence_row(session, row.id, ref, officer_id)
            ev_row = session.get(Evidence, evidence_id)
            if ev_row is not None:
                ev_row.officer = officer_id
            now = self.cases.clock()
            session.add(CaseEvent(case_id=row.id, time=now, actor=officer_id, action="evidence",
                                  from_status=row.status, to_status=row.status, note=note or "现场取证",
                                  data={"evidence": evidence_id, "sha256": stored.sha256, "field": True}))
            self.cases.core.audit(session, officer_id, "evidence.add", row.code,
                                  {"evidence": evidence_id, "sha256": stored.sha256, "size": stored.size,
                                   "mime": stored.mime, "path": stored.relative_path, "officer": officer_id,
                                   "lat": lat, "lon": lon})
            row.updated_at = now
            collector_of(session).case(row.id, row.code)
            return {"sha256": stored.sha256, "size": stored.size}

        return self._commit(officer_id, "evidence.add", "evidence", job)

    def new_report(self, officer_id: str, fields: Mapping[str, str], upload: Path | None, *, filename: str = "",
                   mime: str = "") -> dict[str, Any]:
        """巡查上报: a new case from the street (source 巡查上报, reporter the officer), with its photo if any."""
        category = str(fields.get("category") or "").strip()
        if not category:
            raise FieldError(400, "category is required")
        if self.cases.categories.get(category) is None:
            raise FieldError(400, f"category {category!r} is not one of the bureau's categories")
        lat, lon = lat_lon(fields, required=True)
        description = str(fields.get("description") or "").strip()[:4000]
        self._authorize(officer_id, "case.create")
        evidence: list[EvidenceRef] = []
        if upload is not None:
            mime = (mime or mimetypes.guess_type(filename)[0] or "application/octet-stream").lower()
            if not mime.startswith(("image/", "video/", "audio/")):
                raise FieldError(400, f"file must be a photo, video or audio recording, not {mime}")
            self._authorize(officer_id, "evidence.add")
            stored = self.evidence.store_file(upload, name=filename, mime=mime)
            evidence.append(EvidenceRef(path=stored.relative_path, sha256=stored.sha256, mime=stored.mime,
                                        size=stored.size, device="field-app", lat=lat, lon=lon, note="巡查上报"))
        spec = NewCase(source=CaseSource.PATROL.value, category=category, description=description, lat=lat, lon=lon,
                       reporter=officer_id, evidence=evidence, extra={"reported_by": officer_id})
        view = self._wait(self.cases.create_case(spec, officer_id))
        return {"code": view.code}
