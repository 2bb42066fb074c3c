"""Evidence: photos, video clips, audio, body-camera files and wall snapshots, stored content-addressed.

A file is stored once under ``evidence_dir()/ab/cd/<sha256>.<ext>`` and never overwritten: the name *is*
the hash, so identical content (the same body-camera clip attached to two cases) shares one file, and any
later change to the bytes is detectable by re-hashing. The ``evidence`` row (capture time, device, officer,
location, mime, size) and its ``evidence.add`` audit record (holding the hash) commit in one writer
transaction. Hashing and copying happen before that, off the writer and off the GUI thread.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.enforcement.audit import AuditLog, file_sha256, is_url
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case, Evidence

AuthorizeFn = Callable[[str, str], None]

# Kinds of evidence the bureau distinguishes, by MIME prefix (a body-camera clip is video with its device).
KIND_BY_MIME = {"image/": "photo", "video/": "video", "audio/": "audio"}


class EvidenceError(RuntimeError):
    """An evidence problem with context (which file, which case)."""


class EvidenceIntegrityError(EvidenceError):
    """The stored file no longer has the hash recorded when it was added."""

    def __init__(self, evidence_id: int, path: Path, expected: str, actual: str) -> None:
        self.evidence_id, self.path, self.expected, self.actual = evidence_id, path, expected, actual
        super().__init__(f"evidence {evidence_id} ({path}) fails its integrity check: recorded sha256 "
                         f"{expected[:16]}…, file now {actual[:16] + '…' if actual else 'missing'}")


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    """An evidence row as plain data. ``path`` is absolute; for a reference kept as given (an Open311
    ``media_url``) ``url`` is that address and ``path`` is empty: nothing of it lies in the evidence tree."""

    id: int
    case_id: int | None
    path: Path
    sha256: str
    mime: str
    size: int
    captured_at: datetime | None
    device: str
    officer: str
    lat: float | None
    lon: float | None
    added_at: datetime
    added_by: str
    note: str
    url: str = ""

    @property
    def kind(self) -> str:
        """photo | video | audio | file."""
        return next((k for prefix, k in KIND_BY_MIME.items() if self.mime.startswith(prefix)), "file")

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


@dataclass(frozen=True, slots=True)
class OpenedEvidence:
    """The result of ``open_evidence``: the file to show and whether it still matches its hash."""

    info: EvidenceInfo
    intact: bool
    actual_sha256: str


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file in the content-addressed evidence tree."""

    sha256: str
    relative_path: str  # what the evidence row stores (resolved against the evidence root)
    path: Path
    size: int
    mime: str


def _relative_path(sha: str, suffix: str) -> str:
    return f"{sha[:2]}/{sha[2:4]}/{sha}{suffix}"


def _suffix_for(source_name: str, mime: str) -> str:
    suffix = Path(source_name).suffix.lower()
    if suffix and len(suffix) <= 8 and suffix[1:].isalnum():
        return suffix
    return mimetypes.guess_extension(mime) or ".bin"


class EvidenceStore:
    """Adds evidence to cases and opens it with an integrity check.

    ``authorize`` is the ``Authorizer.authorize`` of the application (``evidence.add`` is required).
    """

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, tasks: TaskManager, *,
                 root: Path | None = None) -> None:
        self.store = store
        self.audit = audit
        self.authorize = authorize
        self._root = root
        # Hashing and copying on the task manager, two files at a time (a burst of body-camera clips must not
        # take every worker from the screens' reads).
        self._lane = tasks.lane("evidence", 2)
        self._staging: set[Future[EvidenceInfo]] = set()

    @property
    def root(self) -> Path:
        return self._root or paths.evidence_dir()

    def resolve(self, stored_path: str) -> Path:
        path = Path(stored_path)
        return path if path.is_absolute() else self.root / path

    # ------------------------------------------------------------------------------------------- adding
    def submit_add(self, case_id: int | None, source: Path | bytes, *, actor: str, name: str = "",
                   mime: str = "", captured_at: datetime | None = None, device: str = "", officer: str = "",
                   lat: float | None = None, lon: float | None = None, note: str = "") -> Future[EvidenceInfo]:
        """Add evidence without blocking: hashing/copying on a worker, the row on the writer.

        ``source`` is a file path or the bytes of e.g. a wall snapshot (then give ``name`` or ``mime``).
        Raises PermissionDenied at once (not on the future) when the actor may not add evidence.
        """
        self.authorize(actor, "evidence.add")
        if captured_at is not None and captured_at.tzinfo is None:
            raise EvidenceError(f"captured_at {captured_at!r} must be timezone-aware")
        outer: Future[EvidenceInfo] = Future()

        def stage() -> None:
            try:
                stored = self.store_file(source, name=name, mime=mime)
            except BaseException as exc:
                outer.set_exception(exc)
                return

            def job(session: Session) -> EvidenceInfo:
                return self._insert(session, case_id, stored.relative_path, stored.sha256, stored.mime,
                                    stored.size, captured_at, device, officer, lat, lon, actor, note)

            inner = self.store.submit(job)
            inner.add_done_callback(lambda f: outer.set_exception(f.exception()) if f.exception() is not None
                                    else outer.set_result(f.result()))

        self._staging.add(outer)
        outer.add_done_callback(self._staging.discard)
        self._lane.run(stage)
        return outer

    def add(self, case_id: int | None, source: Path | bytes, *, actor: str, name: str = "", mime: str = "",
            captured_at: datetime | None = None, device: str = "", officer: str = "", lat: float | None = None,
            lon: float | None = None, note: str = "", timeout: float = 120.0) -> EvidenceInfo:
        """Blocking ``submit_add`` (CLI, tests, worker threads — never the GUI thread)."""
        return self.submit_add(case_id, source, actor=actor, name=name, mime=mime, captured_at=captured_at,
                               device=device, officer=officer, lat=lat, lon=lon, note=note).result(timeout)

    def store_file(self, source: Path | bytes, *, name: str = "", mime: str = "") -> StoredFile:
        """Copy into the content-addressed tree (once) without touching the database.

        For callers that record the evidence row themselves (``CaseService.add_evidence`` with an
        ``EvidenceRef`` built from the result). Blocking I/O: call it off the GUI thread.
        """
        root = self.root
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".incoming-", delete=False) as tmp:
            tmp_path = Path(tmp.name)
            try:
                if isinstance(source, bytes):
                    tmp.write(source)
                    source_name = name
                else:
                    source = Path(source)
                    try:
                        with source.open("rb") as handle:
                            shutil.copyfileobj(handle, tmp, 1 << 20)
                    except OSError as exc:
                        raise EvidenceError(f"cannot read evidence file {source}: {exc}") from exc
                    source_name = name or source.name
                tmp.flush()
                os.fsync(tmp.fileno())
            except BaseException:
                tmp_path.unlink(missing_ok=True)
                raise
        try:
            sha = file_sha256(tmp_path)
            size = tmp_path.stat().st_size
            mime_type = mime or mimetypes.guess_type(source_name)[0] or "application/octet-stream"
            existing = self._existing(sha)
            if existing is not None:
                return StoredFile(sha, existing, root / existing, size, mime_type)
            rel = _relative_path(sha, _suffix_for(source_name, mime_type))
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(tmp_path, target)  # fails if the name exists: never overwrite
            except FileExistsError:
                pass
            except OSError:
                if not target.exists():
                    shutil.copy2(tmp_path, target)
            target.chmod(0o444)
            return StoredFile(sha, rel, target, size, mime_type)
        finally:
            tmp_path.unlink(missing_ok=True)

    def _existing(self, sha: str) -> str | None:
        folder = self.root / sha[:2] / sha[2:4]
        for candidate in folder.glob(f"{sha}*") if folder.is_dir() else ():
            return f"{sha[:2]}/{sha[2:4]}/{candidate.name}"
        return None

    def _insert(self, session: Session, case_id: int | None, rel: str, sha: str, mime: str, size: int,
                captured_at: datetime | None, device: str, officer: str, lat: float | None, lon: float | None,
                actor: str, note: str) -> EvidenceInfo:
        if case_id is not None and session.get(Case, case_id) is None:
            raise EvidenceError(f"cannot attach evidence {sha[:12]}… to case {case_id}: no such case")
        row = Evidence(case_id=case_id, path=rel, sha256=sha, mime=mime, size=size, captured_at=captured_at,
                       device=device, officer=officer, lat=lat, lon=lon, added_at=utcnow(), added_by=actor,
                       note=note)
        session.add(row)
        session.flush()
        subject = f"case:{case_id}" if case_id is not None else f"evidence:{row.id}"
        self.audit.append(session, actor, "evidence.add", subject, {
            "evidence_id": row.id, "case_id": case_id, "sha256": sha, "mime": mime, "size": size, "path": rel,
            "device": device, "officer": officer, "captured_at": captured_at, "lat": lat, "lon": lon})
        return self._info(row)

    # ------------------------------------------------------------------------------------------- reading
    def _info(self, r: Evidence) -> EvidenceInfo:
        url = r.path if is_url(r.path) else ""
        return EvidenceInfo(r.id, r.case_id, Path() if url else self.resolve(r.path), r.sha256, r.mime, r.size,
                            r.captured_at, r.device, r.officer, r.lat, r.lon, r.added_at, r.added_by, r.note, url)

    def get(self, evidence_id: int) -> EvidenceInfo:
        def query(session: Session) -> EvidenceInfo | None:
            row = session.get(Evidence, evidence_id)
            return None if row is None else self._info(row)

        info = self.store.read(query)
        if info is None:
            raise EvidenceError(f"no evidence with id {evidence_id}")
        return info

    def for_case(self, case_id: int) -> list[EvidenceInfo]:
        return self.store.read(lambda s: [self._info(r) for r in s.scalars(
            select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id))])

    def open_evidence(self, evidence_id: int, *, strict: bool = True) -> OpenedEvidence:
        """Re-hash the file before it is shown or exported.

        ``strict`` raises EvidenceIntegrityError on a mismatch or a missing file; otherwise the result is
        flagged ``intact=False`` (the view shows it with a warning). Either way a failure is audited.
        """
        info = self.get(evidence_id)
        if info.url:  # a reference, not a file: nothing was hashed, so nothing can fail a check
            raise EvidenceError(f"evidence {evidence_id} is a reference to {info.url}, not a stored file "
                                "(the fetched copy, if any, is a row of its own)")
        try:
            actual = file_sha256(info.path)
        except FileNotFoundError:
            actual = ""
        intact = actual == info.sha256
        if not intact:
            self.audit.record("system", "evidence.integrity_failed", f"evidence:{evidence_id}",
                              {"evidence_id": evidence_id, "expected": info.sha256, "actual": actual,
                               "path": str(info.path)})
            if strict:
                raise EvidenceIntegrityError(evidence_id, info.path, info.sha256, actual)
        return OpenedEvidence(info, intact, actual)

    def close(self, timeout: float = 60.0) -> None:
        """Wait for evidence being staged (hashed, copied, recorded) so none is lost at shutdown."""
        wait(list(self._staging), timeout)
