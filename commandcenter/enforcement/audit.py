"""执法全过程记录: the append-only, SHA-256 hash-chained audit log, its verification and anchors.

Each record holds ``seq, time, actor, action, subject, data, prev_hash, hash`` where ``data`` is canonical
JSON (sorted keys, UTF-8, no whitespace) and ``hash = SHA-256(canonical JSON of
[seq, time, actor, action, subject, data, prev_hash])``. Editing a record breaks its hash; deleting one
leaves a gap in ``seq``; reordering or re-inserting breaks ``prev_hash``.

A chain alone cannot show that its tail was cut, that it was emptied, or that a suffix was re-hashed. The
running application therefore signs the head with an Ed25519 key kept outside the database, on a timer and at
exit (:class:`CheckpointService`, ``[audit]`` in the config), into an append-only file of signed, chained lines
(``commandcenter.enforcement.checkpoints``); ``verify`` reports truncation, wipe, re-hash and back-dated appends
against it. An *anchor* (``commandcenter audit anchor [--sign]``) is the same head exported for a leader's
signature or an external timestamp.

Creation records name their rows: ``case.create`` holds the case's id and fingerprint, ``evidence.add`` the
evidence id and hash, ``decision.record`` the decision id, outcome and amount; ``verify`` finds each row still
there and unchanged, and reports deleted ones by id. Evidence given as an http(s) URL (a citizen's photo) is
counted as remote, not as a missing file.

Appends run inside the caller's writer transaction, so a case action and its audit record commit or roll back
together. The head (last seq and hash) is read from the database in that transaction, which holds the
database's write lock (see ``commandcenter.store.store``): any number of processes append to one chain.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import logging
import sys
import threading
import time as _time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.config import AuditConfig, ConfigError
from commandcenter.enforcement.checkpoints import (
    CheckpointError,
    CheckpointFile,
    CheckpointReport,
    generate_key,
    key_id,
    line_bytes,
    load_public_key,
    load_signing_key,
    public_key_path,
    sign_document,
    signature_valid,
)
from commandcenter.enforcement.tables import AuditRecord
from commandcenter.enforcement.timestamps import (
    Timestamper,
    TimestampError,
    append_token,
    check_tokens,
    line_digest,
    load_trusted,
    timestamp_path,
)
from commandcenter.store import Store, default_url, utcnow

GENESIS_HASH = "0" * 64
ANCHOR_FORMAT = "commandcenter-audit-anchor/1"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
log = logging.getLogger(__name__)


class AuditError(RuntimeError):
    """An audit problem with context (which database, which record)."""


def _json_default(value: Any) -> Any:
    """Make the common non-JSON values of case data deterministic instead of failing mid-transaction."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError(f"naive datetime {value!r} in audit data; use timezone-aware UTC")
        return value.astimezone(UTC).strftime(_TIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"value {value!r} of type {type(value).__name__} cannot go into the audit log")


def canonical_json(value: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 characters kept (not \\u-escaped), no NaN."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      default=_json_default)


def format_time(moment: datetime) -> str:
    """The time as hashed: UTC, microseconds, 'Z' (2026-11-21T22:10:00.000000Z) — what every backend
    round-trips exactly. Same text as ``strftime(_TIME_FORMAT)``, at a fraction of its cost (verify calls
    this once per record)."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_encode_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for a str (C version)


def record_hash(seq: int, time: datetime, actor: str, action: str, subject: str, data: str,
                prev_hash: str) -> str:
    """SHA-256 hex of the canonical encoding of all fields of a record, ``prev_hash`` included.

    The encoding is ``canonical_json([seq, time, actor, action, subject, data, prev_hash])``; it is
    assembled directly here because this runs once per record when a million records are verified.
    """
    payload = (f"[{int(seq)},{_encode_str(format_time(time))},{_encode_str(actor)},{_encode_str(action)},"
               f"{_encode_str(subject)},{_encode_str(data)},{_encode_str(prev_hash)}]")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def case_fingerprint(code: str, source: str, external_id: str | None, created_at: datetime) -> str:
    """SHA-256 of what a case is at its creation and never changes afterwards (code, source, external id,
    creation time): ``case.create`` records hold it, so ``verify`` finds a case row deleted or swapped."""
    payload = canonical_json([code, source, external_id or "", format_time(created_at)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def is_url(path: str) -> bool:
    """Evidence given as an http(s) URL (an Open311 photo) rather than a file in the evidence tree."""
    return path.lower().startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A record as plain data (what readers and the timeline get)."""

    seq: int
    time: datetime
    actor: str
    action: str
    subject: str
    data: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> dict[str, Any]:
        """``data`` decoded."""
        value = json.loads(self.data)
        return value if isinstance(value, dict) else {"value": value}


def _current_head(session: Session) -> tuple[int, str]:
    """The head as this transaction sees it, read from the database (its own appends included).

    Never cached in the process: other processes append to the same chain. The store's writer transactions
    hold the database's write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock) from their start,
    so no other writer can append between this read and the commit.
    """
    row = session.connection().exec_driver_sql(_HEAD_SQL).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS_HASH)


# ``seq`` is the primary key, so this is one descent of its index on any backend, whatever the chain's length.
# Sent as plain SQL through the connection: the same read through the ORM costs ten times as long in Python,
# which was most of a one-record job's time besides its commit.
_HEAD_SQL = f"SELECT seq, hash FROM {AuditRecord.__tablename__} ORDER BY seq DESC LIMIT 1"
_INSERT = insert(cast(Table, AuditRecord.__table__))  # Core, not the ORM's bulk path: no per-job ORM setup


class AuditLog:
    """Appends to and reads the audit chain of one store.

    ``append(session, actor, action, subject, data)`` is the ``audit`` hook of ``CaseService``: call it inside
    a writer job. ``record(...)`` appends in a transaction of its own (for logins, refusals).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------------------------------- appending
    def append(self, session: Session, actor: str, action: str, subject: str,
               data: Mapping[str, Any] | None = None) -> AuditEntry:
        """Append one record in the caller's writer transaction; returns it (with its seq and hash)."""
        return self.append_many(session, [(actor, action, subject, data)])[0]

    def append_many(self, session: Session,
                    entries: Iterable[tuple[str, str, str, Mapping[str, Any] | None]]) -> list[AuditEntry]:
        """Append several records in one INSERT (bulk imports, the benchmark). Same transaction rules."""
        seq, prev = _current_head(session)
        now = utcnow()
        out: list[AuditEntry] = []
        for actor, action, subject, data in entries:
            seq += 1
            text = canonical_json(dict(data or {}))
            digest = record_hash(seq, now, actor, action, subject, text, prev)
            out.append(AuditEntry(seq, now, actor, action, subject, text, prev, digest))
            prev = digest
        if not out:
            return out
        session.connection().execute(_INSERT, [
            {"seq": e.seq, "time": e.time, "actor": e.actor, "action": e.action, "subject": e.subject,
             "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash} for e in out])
        return out

    def record(self, actor: str, action: str, subject: str,
               data: Mapping[str, Any] | None = None) -> Future[AuditEntry]:
        """Append in a transaction of its own on the writer; returns the future without waiting."""
        payload = dict(data or {})
        return self.store.submit(lambda s: self.append(s, actor, action, subject, payload))

    # ------------------------------------------------------------------------------------------- reading
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last committed record; (0, GENESIS_HASH) for an empty log."""
        row = self.store.read(lambda s: s.execute(
            select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).first())
        return (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS_HASH)

    def count(self) -> int:
        return int(self.store.read(lambda s: s.execute(select(func.count()).select_from(AuditRecord)).scalar_one()))

    def entries(self, *, subjects: Sequence[str] | None = None, actor: str | None = None,
                action_prefix: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        """Records filtered by subject(s), actor or action prefix, oldest first."""
        query = select(AuditRecord).order_by(AuditRecord.seq)
        if subjects is not None:
            query = query.where(AuditRecord.subject.in_(list(subjects)))
        if actor is not None:
            query = query.where(AuditRecord.actor == actor)
        if action_prefix is not None:
            query = query.where(AuditRecord.action.startswith(action_prefix))
        query = query.limit(limit)
        return self.store.read(lambda s: [_entry(r) for r in s.scalars(query)])


def _entry(r: AuditRecord) -> AuditEntry:
    return AuditEntry(int(r.seq), r.time, r.actor, r.action, r.subject, r.data, r.prev_hash, r.hash)


# ----------------------------------------------------------------------------------------------- verifying
# A record appended after a checkpoint was committed after the checkpoint read the head; its time may precede
# the signature by the length of its transaction and the clock skew between processes, not by more.
BACKDATE_TOLERANCE_S = 300.0


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first record where the chain is broken, with the kind of break and a sentence saying why."""

    seq: int
    kind: str  # start | gap | prev_hash | hash | anchor
    reason: str


@dataclass(frozen=True, slots=True)
class EvidenceProblem:
    evidence_id: int
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the chain proves that the database or the checkpoints contradict.

    ``kind``: wipe | truncated | rehash | backdated | checkpoint | anchor_signature | case_deleted |
    case_changed | evidence_deleted | decision_deleted | decision_changed (an edited evidence row is an
    :class:`EvidenceProblem`)."""

    kind: str
    reason: str


@dataclass
class VerifyResult:
    """Outcome of ``verify``. ``ok`` is False on any chain break, evidence problem, anchor mismatch or problem
    (checkpoints contradicted, chained rows deleted)."""

    records: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    head_time: datetime | None = None
    first_break: ChainBreak | None = None
    evidence_checked: int = 0
    evidence_remote: int = 0
    evidence_problems: list[EvidenceProblem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_checked: int = 0  # cases, evidence and decisions whose creation record was matched against the row
    anchor_checked: bool = False
    checkpoints_checked: int = 0
    checkpoint_seq: int = 0  # the latest checkpoint's seq (0: none)
    signatures_checked: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.first_break is None and not self.evidence_problems and not self.problems

    def summary(self) -> str:
        lines = []
        if self.first_break is not None:
            lines.append(f"BROKEN at seq {self.first_break.seq}: {self.first_break.reason}")
        for problem in self.problems:
            lines.append(f"{problem.kind.upper()}: {problem.reason}")
        for ev in self.evidence_problems:
            lines.append(f"EVIDENCE {ev.evidence_id} ({ev.path}): {ev.reason}")
        if not lines:
            anchor = ", anchor matches" if self.anchor_checked else ""
            remote = (f", {self.evidence_remote} remote (URL) evidence not checked" if self.evidence_remote else "")
            lines.append(f"OK: {self.records} records, head seq {self.head_seq} hash {self.head_hash}, "
                         f"{self.evidence_checked - self.evidence_remote} evidence files intact{remote}, "
                         f"{self.rows_checked} chained case/evidence/decision rows present{anchor}")
        if self.checkpoints_checked:
            signed = "signatures verified" if self.signatures_checked else "signatures NOT checked (no public key)"
            uncovered = max(0, self.head_seq - self.checkpoint_seq)
            lines.append(f"checkpoints: {self.checkpoints_checked} ({signed}), latest at seq {self.checkpoint_seq}; "
                         f"{uncovered} record(s) after it, chained but not yet signed")
        else:
            lines.append("checkpoints: none (truncation and re-hashing of the tail cannot be detected)")
        lines.append(f"verified in {self.seconds:.2f} s")
        return "\n".join(lines)


@dataclass
class _Chained:
    """What the chain says was created (rows ``verify`` then finds in the database, one chunk of records at a
    time so that memory stays flat), and what it saw at the checkpoints."""

    cases: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # id -> (seq, code, fingerprint)
    evidence: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> (seq, sha256)
    decisions: dict[int, tuple[int, str, float]] = field(default_factory=dict)  # id -> (seq, outcome, amount)
    at_seq: dict[int, str] = field(default_factory=dict)  # checkpointed seq -> the chain's hash there
    backdated: tuple[int, datetime] | None = None  # first record after the latest checkpoint dated before it
    edited_evidence: set[int] = field(default_factory=set)  # rows whose hash differs from the audited one

    def clear_rows(self) -> None:
        self.cases.clear()
        self.evidence.clear()
        self.decisions.clear()


def _chunks(store: Store, chunk: int) -> Iterator[Sequence[Any]]:
    """All records in seq order, ``chunk`` at a time, by keyset pagination (constant memory, any size)."""
    cols = select(AuditRecord.seq, AuditRecord.time, AuditRecord.actor, AuditRecord.action, AuditRecord.subject,
                  AuditRecord.data, AuditRecord.prev_hash, AuditRecord.hash).order_by(AuditRecord.seq)
    last: int | None = None
    with store.engine.connect() as conn:
        while True:
            query = cols if last is None else cols.where(AuditRecord.seq > last)
            rows = conn.execute(query.limit(chunk)).all()
            if not rows:
                return
            yield rows
            last = int(rows[-1][0])


def _note_creation(chained: _Chained, seq: int, action: str, data: str) -> None:
    """Remember the row a creation record names (case.create, evidence.add, decision.record)."""
    try:
        payload = json.loads(data)
        if action == "evidence.add":
            # "evidence_id" from EvidenceStore, "evidence" from CaseService.add_evidence
            evidence_id = payload.get("evidence_id", payload.get("evidence"))
            chained.evidence[int(evidence_id)] = (seq, str(payload.get("sha256") or ""))
        elif action == "case.create" and "case_id" in payload:
            chained.cases[int(payload["case_id"])] = (seq, str(payload["code"]), str(payload["content"]))
        elif action == "decision.record":
            chained.decisions[int(payload["decision_id"])] = (seq, str(payload["outcome"]),
                                                              float(payload["amount"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        pass  # a malformed payload is already a hash mismatch if it was edited


def _check_chain(store: Store, result: VerifyResult, chunk: int, watch: Mapping[int, str],
                 after: tuple[int, datetime] | None) -> _Chained:
    """Walk the chain, setting ``result.first_break``; check the rows it says were created (after each chunk),
    note the hash at each checkpointed seq (``watch``) and the first record after the latest checkpoint
    ``after`` (seq, signed at) that is dated before that signature."""
    chained = _Chained()
    expected_seq, prev = 1, GENESIS_HASH
    for rows in _chunks(store, chunk):
        for seq, moment, actor, action, subject, data, prev_hash, digest in rows:
            result.records += 1
            if result.first_break is None:
                if seq != expected_seq:
                    if expected_seq == 1:
                        why = f"the chain starts at seq {seq} instead of 1 (the first record(s) were deleted)"
                        result.first_break = ChainBreak(1, "start", why)
                    else:
                        why = (f"record missing: seq jumps from {expected_seq - 1} to {seq} "
                               "(record(s) deleted)")
                        result.first_break = ChainBreak(expected_seq, "gap", why)
                elif prev_hash != prev:
                    why = (f"prev_hash {prev_hash[:12]}… does not match the hash {prev[:12]}… of seq {seq - 1} "
                           "(records reordered, replaced or re-inserted)")
                    result.first_break = ChainBreak(seq, "prev_hash", why)
                else:
                    computed = record_hash(seq, moment, actor, action, subject, data, prev_hash)
                    if computed != digest:
                        why = (f"hash mismatch: stored {digest[:12]}…, computed {computed[:12]}… "
                               f"(the content of record {seq} was edited)")
                        result.first_break = ChainBreak(seq, "hash", why)
            if action in ("evidence.add", "case.create", "decision.record"):
                _note_creation(chained, seq, action, data)
            if seq in watch:
                chained.at_seq[seq] = digest
            if (after is not None and chained.backdated is None and seq > after[0]
                    and (after[1] - moment).total_seconds() > BACKDATE_TOLERANCE_S):
                chained.backdated = (seq, moment)
            expected_seq, prev = seq + 1, digest
            result.head_seq, result.head_hash, result.head_time = seq, digest, moment
        _check_rows(store, result, chained)
        chained.clear_rows()
    return chained


def _check_checkpoints(result: VerifyResult, report: CheckpointReport, chained: _Chained) -> None:
    """The chain against the signed checkpoints: wipe, truncation, re-hash, back-dated appends."""
    result.signatures_checked = report.signatures_checked
    result.problems.extend(Problem("checkpoint", text) for text in report.problems)
    latest = report.latest
    if latest is None:
        return
    result.checkpoints_checked, result.checkpoint_seq = len(report.checkpoints), latest.seq
    if result.records == 0:
        result.problems.append(Problem("wipe", (
            f"the audit log is empty but {len(report.checkpoints)} signed checkpoint(s) exist, the latest at seq "
            f"{latest.seq} (signed {latest.signed_at}, line {latest.line}): every record was deleted")))
        return
    if latest.seq > result.head_seq:
        result.problems.append(Problem("truncated", (
            f"the chain ends at seq {result.head_seq} but the checkpoint signed {latest.signed_at} (line "
            f"{latest.line}) covers seq {latest.seq}: records {result.head_seq + 1}…{latest.seq} were deleted")))
    for checkpoint in sorted(report.checkpoints, key=lambda c: c.seq):
        found = chained.at_seq.get(checkpoint.seq)
        if found is not None and found != checkpoint.hash:
            result.problems.append(Problem("rehash", (
                f"at seq {checkpoint.seq} the chain's hash {found[:12]}… differs from {checkpoint.hash[:12]}… "
                f"signed {checkpoint.signed_at} (line {checkpoint.line}): the records up to seq {checkpoint.seq} "
                "were rewritten and re-hashed")))
            break
    if chained.backdated is not None:
        seq, moment = chained.backdated
        result.problems.append(Problem("backdated", (
            f"record {seq} is dated {format_time(moment)}, before the checkpoint of seq {latest.seq} signed "
            f"{latest.signed_at}, yet it was appended after it (a forged record)")))


def _all_rows(query: Any, session: Session) -> Sequence[Any]:
    return session.execute(query).all()


def _check_rows(store: Store, result: VerifyResult, chained: _Chained, batch: int = 2000) -> None:
    """Every case, evidence and decision the chain says was created must still exist, unchanged."""
    from commandcenter.enforcement.tables import Decision
    from commandcenter.store.models import Case, Evidence

    def rows(columns: Sequence[Any], key: Any, ids: Sequence[int]) -> dict[int, Any]:
        found: dict[int, Any] = {}
        for start in range(0, len(ids), batch):
            query = select(*columns).where(key.in_(list(ids[start:start + batch])))
            found.update({int(r[0]): r for r in store.read(partial(_all_rows, query))})
        return found

    cases = rows((Case.id, Case.code, Case.source, Case.external_id, Case.created_at), Case.id, list(chained.cases))
    for case_id, (seq, code, content) in chained.cases.items():
        row = cases.get(case_id)
        if row is None:
            result.problems.append(Problem("case_deleted", f"case {code} (id {case_id}, created in record {seq}) "
                                                           "is no longer in the database"))
        elif row.code != code or case_fingerprint(row.code, row.source, row.external_id, row.created_at) != content:
            result.problems.append(Problem("case_changed", (
                f"case id {case_id} (created in record {seq} as {code}) is now {row.code}: its code, source, "
                "external id or creation time was changed")))
        else:
            result.rows_checked += 1
    evidence = rows((Evidence.id, Evidence.sha256, Evidence.path), Evidence.id, list(chained.evidence))
    for evidence_id, (seq, sha) in chained.evidence.items():
        row = evidence.get(evidence_id)
        if row is None:
            result.problems.append(Problem("evidence_deleted", f"evidence {evidence_id} (added in record {seq}) is "
                                                               "no longer in the database"))
        elif sha and row.sha256 != sha:
            chained.edited_evidence.add(evidence_id)
            result.evidence_problems.append(EvidenceProblem(evidence_id, row.path, (
                f"the evidence row's hash {row.sha256[:12]}… differs from the audited {sha[:12]}… of record {seq} "
                "(the row was edited)")))
        else:
            result.rows_checked += 1
    decisions = rows((Decision.id, Decision.outcome, Decision.amount), Decision.id, list(chained.decisions))
    for decision_id, (seq, outcome, amount) in chained.decisions.items():
        row = decisions.get(decision_id)
        if row is None:
            result.problems.append(Problem("decision_deleted", f"decision {decision_id} (recorded in record {seq}) "
                                                               "is no longer in the database"))
        elif row.outcome != outcome or abs(float(row.amount) - amount) > 0.005:
            result.problems.append(Problem("decision_changed", (
                f"decision {decision_id}: now {row.outcome} {row.amount}, recorded in record {seq} as {outcome} "
                f"{amount}")))
        else:
            result.rows_checked += 1


def _check_anchor(store: Store, result: VerifyResult, anchor: Mapping[str, Any],
                  public_key: Ed25519PublicKey | None) -> None:
    try:
        seq, digest = int(anchor["seq"]), str(anchor["hash"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AuditError(f"the anchor is not valid: missing or bad 'seq'/'hash' ({exc})") from exc
    result.anchor_checked = True
    if "signature" in anchor and public_key is not None and not signature_valid(dict(anchor), public_key):
        result.problems.append(Problem("anchor_signature", (
            f"the anchor's signature does not verify with the public key {key_id(public_key)} "
            "(the anchor was edited or signed by another key)")))
    if result.first_break is not None and result.first_break.seq <= seq:
        return  # the chain is already broken before the anchor: that is the first break to report
    row = store.read(lambda s: s.execute(select(AuditRecord.hash).where(AuditRecord.seq == seq)).first())
    if row is None:
        why = f"the anchored record seq {seq} is no longer in the chain (head is seq {result.head_seq}: truncated)"
        result.first_break = ChainBreak(seq, "anchor", why)
    elif row.hash != digest:
        why = (f"the anchored hash {digest[:12]}… differs from the chain's {row.hash[:12]}… at seq {seq} "
               "(the chain was rewritten after the anchor)")
        result.first_break = ChainBreak(seq, "anchor", why)


def file_sha256(path: Path, block: int = 1 << 20) -> str:
    """SHA-256 hex of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def _check_evidence(store: Store, result: VerifyResult, chained: _Chained, root: Path) -> None:
    """Re-hash every evidence file against its row. A URL (an Open311 photo) is not a file: what was hashed
    when it was fetched is compared with the audit record above (``_check_rows``); it is counted as remote and
    never fails for being absent from the evidence tree."""
    from commandcenter.store.models import Evidence

    rows = store.read(lambda s: s.execute(select(Evidence.id, Evidence.path, Evidence.sha256)
                                          .order_by(Evidence.id)).all())
    for evidence_id, stored_path, sha in rows:
        result.evidence_checked += 1
        if is_url(stored_path):
            result.evidence_remote += 1
            continue
        path = Path(stored_path)
        path = path if path.is_absolute() else root / path
        if int(evidence_id) in chained.edited_evidence:
            continue  # reported by _check_rows: the row was edited
        try:
            actual = file_sha256(path)
        except FileNotFoundError:
            result.evidence_problems.append(EvidenceProblem(evidence_id, str(path), "the file is missing"))
            continue
        except OSError as exc:
            result.evidence_problems.append(EvidenceProblem(evidence_id, str(path), f"unreadable: {exc}"))
            continue
        if actual != sha:
            result.evidence_problems.append(EvidenceProblem(
                evidence_id, str(path), f"file hash {actual[:12]}… differs from the recorded {sha[:12]}… "
                                        "(the file was modified or replaced)"))


def verify(store: Store, *, anchor: Mapping[str, Any] | None = None, check_evidence: bool = True,
           evidence_root: Path | None = None, chunk: int = 20_000, checkpoints: CheckpointReport | None = None,
           public_key: Ed25519PublicKey | None = None) -> VerifyResult:
    """Check the whole chain (streaming), the signed checkpoints (read with ``CheckpointFile.check``), an
    optional anchor (its signature with ``public_key``), that every chained case/evidence/decision row still
    exists unchanged, and every evidence file against its hash."""
    started = _time.perf_counter()
    result = VerifyResult()
    latest = checkpoints.latest if checkpoints is not None else None
    watch = {c.seq: c.hash for c in checkpoints.checkpoints} if checkpoints is not None else {}
    after = (latest.seq, signed_at) if latest is not None and (signed_at := _parse_time(latest.signed_at)) else None
    chained = _check_chain(store, result, chunk, watch, after)
    if checkpoints is not None:
        _check_checkpoints(result, checkpoints, chained)
    if anchor is not None:
        _check_anchor(store, result, anchor, public_key)
    if check_evidence:
        _check_evidence(store, result, chained, evidence_root or paths.evidence_dir())
    result.seconds = _time.perf_counter() - started
    return result


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None  # an unsigned or damaged line: the back-dating check is skipped, the rest still runs


def make_anchor(store: Store, key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """The head of the chain as a small document to sign or timestamp outside the system; signed with ``key``
    (the checkpoint key) when one is given, so a rewritten anchor file no longer matches its signature."""
    row = store.read(lambda s: s.execute(select(AuditRecord.seq, AuditRecord.hash, AuditRecord.time)
                                         .order_by(AuditRecord.seq.desc()).limit(1)).first())
    if row is None:
        raise AuditError(f"the audit log of {store.description} is empty: nothing to anchor")
    document = {"format": ANCHOR_FORMAT, "seq": int(row.seq), "hash": row.hash,
                "record_time": format_time(row.time), "anchored_at": format_time(utcnow()),
                "database": store.description}
    return sign_document(document, key) if key is not None else document


def load_anchor(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditError(f"{path}: cannot read the anchor: {exc}") from exc
    if not isinstance(value, dict) or value.get("format") != ANCHOR_FORMAT:
        raise AuditError(f"{path}: not an audit anchor (expected format {ANCHOR_FORMAT!r})")
    return value


# ----------------------------------------------------------------------------------------------- checkpoints
def write_checkpoint(store: Store, checkpoints: CheckpointFile, key: Ed25519PrivateKey, *,
                     only_if_changed: bool = False) -> dict[str, Any] | None:
    """Sign the chain head and append it to the checkpoint file; returns the line written.

    None when the log is empty (nothing to protect yet) or, with ``only_if_changed``, when the head is the
    one the last checkpoint already signed (an idle system does not grow the file)."""
    row = store.read(lambda s: s.execute(select(AuditRecord.seq, AuditRecord.hash, AuditRecord.time)
                                         .order_by(AuditRecord.seq.desc()).limit(1)).first())
    if row is None:
        return None
    if only_if_changed:
        last = checkpoints.last()
        if last is not None and last.get("seq") == int(row.seq) and last.get("hash") == row.hash:
            return None
    return checkpoints.append(key, seq=int(row.seq), head_hash=str(row.hash), record_time=format_time(row.time),
                              database=store.description)


class CheckpointService:
    """Signs the chain head every ``interval_s`` and once more at stop, on a thread of its own.

    A core service of the composition root (started after the store, stopped before it). A failure to sign
    (the file's share gone, a full disk) is logged and reported in ``last_error``; the next round tries again.
    """

    def __init__(self, store: Store, checkpoints: CheckpointFile, key: Ed25519PrivateKey,
                 interval_s: float, timestamper: Timestamper | None = None) -> None:
        if interval_s <= 0:
            raise AuditError(f"checkpoint interval must be positive, got {interval_s} s")
        self.store, self.file, self.key, self.interval_s = store, checkpoints, key, interval_s
        self.timestamper = timestamper
        """Each checkpoint written is timestamped by this TSA ([audit] tsa_url); None: not timestamped."""
        self.written = 0
        self.stamped = 0
        self.last_error = ""
        self.timestamp_error = ""
        self.last_stamp_at: datetime | None = None
        self.last: dict[str, Any] | None = None  # the last checkpoint this process wrote
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the timer and sign the head one last time (the store must still be open)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
        self.checkpoint()

    def checkpoint(self) -> dict[str, Any] | None:
        try:
            document = write_checkpoint(self.store, self.file, self.key, only_if_changed=True)
        except (CheckpointError, SQLAlchemyError, OSError) as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.error("audit checkpoint to %s failed: %s", self.file.path, self.last_error)
            return None
        self.last_error = ""
        if document is not None:
            self.written += 1
            self.last = document
            if self.timestamper is not None:
                self.timestamp(document)
        return document

    def timestamp(self, document: dict[str, Any]) -> bool:
        """Have the TSA timestamp one checkpoint line and keep the verified token beside the checkpoint file.
        A TSA that is away or answers wrongly costs the timestamp, never the checkpoint (logged, reported)."""
        assert self.timestamper is not None
        try:
            stamp_checkpoint(self.file, document, self.timestamper)
        except (TimestampError, OSError) as exc:
            self.timestamp_error = str(exc)
            log.error("timestamp of audit checkpoint line %s failed: %s", document.get("line"), exc)
            return False
        self.timestamp_error = ""
        self.stamped += 1
        self.last_stamp_at = datetime.now(UTC)
        return True

    def report(self) -> dict[str, Any]:
        """The health section 'audit' (from memory: the report is built on the GUI thread)."""
        last = self.last
        return {"checkpoint_file": str(self.file.path), "checkpoints_written": self.written,
                "last_checkpoint_seq": last.get("seq") if last else None,
                "last_checkpoint_at": last.get("signed_at") if last else None, "last_error": self.last_error,
                "timestamps_written": self.stamped,
                "last_timestamp_at": self.last_stamp_at.isoformat() if self.last_stamp_at else None,
                "timestamp_error": self.timestamp_error}

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.checkpoint()


def stamp_checkpoint(checkpoints: CheckpointFile, document: dict[str, Any], timestamper: Timestamper) -> None:
    """RFC 3161: the TSA's verified token over the checkpoint line, appended to ``<file>.tsr.jsonl``."""
    digest = line_digest(line_bytes(document))
    stamp = timestamper.stamp(digest)
    append_token(timestamp_path(checkpoints.path), int(document["line"]), digest, stamp, timestamper.url)


def configured_timestamper(settings: AuditConfig) -> Timestamper | None:
    """The TSA of ``[audit] tsa_url`` (verified against ``tsa_cert``), None when none is configured."""
    if not settings.tsa_url:
        return None
    try:
        return Timestamper(settings.tsa_url, load_trusted(settings.tsa_cert), settings.tsa_timeout_s)
    except TimestampError as exc:
        raise AuditError(str(exc)) from exc


def checkpoint_path(settings: AuditConfig) -> Path:
    """The checkpoint file of ``[audit] checkpoint_file`` (default: the data dir's audit-checkpoints.jsonl)."""
    return Path(settings.checkpoint_file).expanduser() if settings.checkpoint_file else (
        paths.data_dir() / "audit-checkpoints.jsonl")


def configured_public_key(settings: AuditConfig, override: str = "") -> Ed25519PublicKey | None:
    """The verifying key: ``override`` (``--pubkey``), else ``[audit] public_key``, else the ``.pub`` next
    to ``[audit] signing_key``; None when there is none."""
    spec = override or settings.public_key
    if not spec and settings.signing_key:
        candidate = public_key_path(Path(settings.signing_key).expanduser())
        spec = str(candidate) if candidate.exists() else ""
    try:
        return load_public_key(spec) if spec else None
    except CheckpointError as exc:
        raise AuditError(str(exc)) from exc


def checkpoint_service(settings: AuditConfig, store: Store) -> CheckpointService | None:
    """The running application's checkpoint signer, None when ``[audit] signing_key`` is not set.
    A configured key that cannot be read stops the start (an unsigned record would be silently unprovable)."""
    if not settings.signing_key:
        return None
    try:
        key = load_signing_key(Path(settings.signing_key).expanduser())
    except CheckpointError as exc:
        raise AuditError(f"[audit] signing_key: {exc}") from exc
    return CheckpointService(store, CheckpointFile(checkpoint_path(settings)), key,
                             settings.checkpoint_minutes * 60.0, configured_timestamper(settings))


# ----------------------------------------------------------------------------------------------- CLI
def _cli_settings(args: argparse.Namespace) -> tuple[str, AuditConfig]:
    """(database URL, [audit] settings) from ``--config`` and ``--db``."""
    from commandcenter.config import Config, load_config

    config = load_config(args.config) if args.config else Config()
    return getattr(args, "db", "") or config.database.url or default_url(), config.audit


def _trusted_tsa(settings: AuditConfig) -> list[x509.Certificate]:
    try:
        return load_trusted(settings.tsa_cert)
    except TimestampError as exc:
        raise AuditError(str(exc)) from exc


def _cli_signing_key(args: argparse.Namespace, settings: AuditConfig) -> Ed25519PrivateKey:
    spec = args.key or settings.signing_key
    if not spec:
        raise AuditError("no signing key: give --key FILE or set [audit] signing_key (create one with "
                         "`commandcenter audit keygen --out FILE`)")
    return load_signing_key(Path(spec).expanduser())


def _keygen(args: argparse.Namespace) -> int:
    _url, settings = _cli_settings(args)
    target = args.out or (Path(settings.signing_key).expanduser() if settings.signing_key else None)
    if target is None:
        raise AuditError("where should the key go? give --out FILE or set [audit] signing_key")
    pub_path, ident = generate_key(target)
    print(f"signing key written to {target} (mode 600); public key {ident} in {pub_path}\n"
          "keep the private key away from the database's owner; give the .pub to whoever verifies")
    return 0


def audit_main(argv: list[str]) -> int:
    """``commandcenter audit verify|anchor|checkpoint|keygen`` (see ``--help``). Exit 0 when intact, 1 on any
    break, 2 on errors."""
    parser = argparse.ArgumentParser(prog="commandcenter audit",
                                     description="执法全过程记录: verify, anchor and sign checkpoints")
    sub = parser.add_subparsers(dest="command", required=True)
    p_verify = sub.add_parser("verify", help="check the hash chain, the signed checkpoints, the chained rows "
                                             "and the evidence files")
    p_anchor = sub.add_parser("anchor", help="export the head hash for a signature or an external timestamp")
    p_check = sub.add_parser("checkpoint", help="sign the chain head now and append it to the checkpoint file")
    p_keygen = sub.add_parser("keygen", help="create the Ed25519 checkpoint signing key (mode 600) and its .pub")
    for p in (p_verify, p_anchor, p_check, p_keygen):
        p.add_argument("--config", default="", help="TOML configuration file ([database] url, [audit] keys)")
    for p in (p_verify, p_anchor, p_check):
        p.add_argument("--db", default="", help="database URL (default: the config's, else the local SQLite store)")
    for p in (p_verify, p_check):
        p.add_argument("--checkpoints", type=Path, help="checkpoint file (default: [audit] checkpoint_file)")
    for p in (p_anchor, p_check):
        p.add_argument("--key", default="", help="signing key file (default: [audit] signing_key)")
    p_verify.add_argument("--anchor", type=Path, help="anchor file the chain must still contain")
    p_verify.add_argument("--pubkey", default="", help="public key (.pub file or hex) the checkpoints and a signed "
                                                       "anchor must verify with (default: [audit] public_key)")
    p_verify.add_argument("--no-evidence", action="store_true", help="skip re-hashing evidence files")
    p_verify.add_argument("--evidence-dir", type=Path, help="evidence root (default: the data dir's evidence/)")
    p_anchor.add_argument("--out", type=Path, help="write the anchor here (default: stdout)")
    p_anchor.add_argument("--sign", action="store_true", help="sign the anchor with the checkpoint key")
    p_keygen.add_argument("--out", type=Path, help="private key file (default: [audit] signing_key)")
    args = parser.parse_args(argv)

    try:
        if args.command == "keygen":
            return _keygen(args)
        url, settings = _cli_settings(args)
    except (AuditError, CheckpointError, ConfigError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    store = Store(url)
    try:
        if args.command == "verify":
            anchor = load_anchor(args.anchor) if args.anchor else None
            public_key = configured_public_key(settings, args.pubkey)
            file = CheckpointFile(args.checkpoints or checkpoint_path(settings))
            expected = args.checkpoints is not None or public_key is not None or bool(settings.signing_key)
            report = file.check(public_key, required=expected)
            result = verify(store, anchor=anchor, check_evidence=not args.no_evidence,
                            evidence_root=args.evidence_dir, checkpoints=report, public_key=public_key)
            print(result.summary())
            stamps_ok = True
            if settings.tsa_cert:  # RFC 3161 tokens of the checkpoint lines, against the TSA's certificate
                stamps = check_tokens(file.path, _trusted_tsa(settings))
                print(stamps.summary())
                for problem in stamps.problems:
                    print(f"  timestamp: {problem}")
                stamps_ok = not stamps.problems
            return 0 if result.ok and stamps_ok else 1
        if args.command == "checkpoint":
            checkpoints = CheckpointFile(args.checkpoints or checkpoint_path(settings))
            document = write_checkpoint(store, checkpoints, _cli_signing_key(args, settings))
            if document is None:
                raise AuditError(f"the audit log of {store.description} is empty: nothing to sign")
            print(f"checkpoint of seq {document['seq']} signed by key {document['key_id']}, line "
                  f"{document['line']} of {checkpoints.path}")
            timestamper = configured_timestamper(settings)
            if timestamper is not None:
                try:
                    stamp_checkpoint(checkpoints, document, timestamper)
                except TimestampError as exc:
                    print(f"audit: the checkpoint is written but not timestamped: {exc}", file=sys.stderr)
                    return 1
                print(f"timestamped by {timestamper.url} ({timestamp_path(checkpoints.path)})")
            return 0
        document = make_anchor(store, _cli_signing_key(args, settings) if args.sign else None)
        actor = f"cli:{getpass.getuser()}"
        AuditLog(store).record(actor, "audit.anchor", "audit", {"seq": document["seq"], "hash": document["hash"]}
                               ).result(30)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"anchor of seq {document['seq']} written to {args.out}")
        else:
            sys.stdout.write(text)
        return 0
    except (AuditError, CheckpointError) as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"audit: cannot read the audit log of {store.description} (run `commandcenter db upgrade`?): "
              f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        store.close()
