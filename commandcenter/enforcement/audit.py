"""执法全过程记录: the append-only, SHA-256 hash-chained audit log, its verification and anchors.

Each record holds ``seq, time, actor, action, subject, data, prev_hash, hash`` where ``data`` is canonical
JSON (sorted keys, UTF-8, no whitespace) and ``hash = SHA-256(canonical JSON of
[seq, time, actor, action, subject, data, prev_hash])``. Editing a record breaks its hash; deleting one
leaves a gap in ``seq``; reordering or re-inserting breaks ``prev_hash``. Re-hashing the whole tail after an
edit is caught by an *anchor*: the head hash exported (``commandcenter audit anchor``) and signed by a leader
or timestamped elsewhere, which a later ``audit verify --anchor`` checks the chain still contains.

Appends run inside the caller's writer transaction, so a case action and its audit record commit or roll back
together. The head (last seq and hash) is read from the database in that transaction, which holds the
database's write lock (see ``commandcenter.store.store``): any number of processes append to one chain.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import sys
import time as _time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.enforcement.tables import AuditRecord
from commandcenter.store import Store, default_url, utcnow

GENESIS_HASH = "0" * 64
ANCHOR_FORMAT = "commandcenter-audit-anchor/1"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


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
    row = session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).first()
    return (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS_HASH)


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
        session.execute(insert(AuditRecord), [
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


@dataclass
class VerifyResult:
    """Outcome of ``verify``. ``ok`` is False on any chain break, evidence problem or anchor mismatch."""

    records: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    first_break: ChainBreak | None = None
    evidence_checked: int = 0
    evidence_problems: list[EvidenceProblem] = field(default_factory=list)
    anchor_checked: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.first_break is None and not self.evidence_problems

    def summary(self) -> str:
        lines = []
        if self.first_break is not None:
            lines.append(f"BROKEN at seq {self.first_break.seq}: {self.first_break.reason}")
        for problem in self.evidence_problems:
            lines.append(f"EVIDENCE {problem.evidence_id} ({problem.path}): {problem.reason}")
        if not lines:
            anchor = ", anchor matches" if self.anchor_checked else ""
            lines.append(f"OK: {self.records} records, head seq {self.head_seq} hash {self.head_hash}, "
                         f"{self.evidence_checked} evidence files intact{anchor}")
        lines.append(f"verified in {self.seconds:.2f} s")
        return "\n".join(lines)


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


def _check_chain(store: Store, result: VerifyResult, chunk: int,
                 evidence_hashes: dict[int, str]) -> dict[int, str]:
    """Walk the chain, setting ``result.first_break``; collect {evidence id: sha256} from evidence.add records
    (the hash as audited, to catch an evidence row edited after the fact)."""
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
            if action == "evidence.add":
                try:
                    payload = json.loads(data)
                    # "evidence_id" from EvidenceStore, "evidence" from CaseService.add_evidence
                    evidence_id = payload.get("evidence_id", payload.get("evidence"))
                    evidence_hashes[int(evidence_id)] = str(payload["sha256"])
                except (ValueError, KeyError, TypeError, AttributeError):
                    pass  # a malformed payload is already a hash mismatch if it was edited
            expected_seq, prev = seq + 1, digest
            result.head_seq, result.head_hash = seq, digest
    return evidence_hashes


def _check_anchor(store: Store, result: VerifyResult, anchor: Mapping[str, Any]) -> None:
    try:
        seq, digest = int(anchor["seq"]), str(anchor["hash"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AuditError(f"the anchor is not valid: missing or bad 'seq'/'hash' ({exc})") from exc
    result.anchor_checked = True
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


def _check_evidence(store: Store, result: VerifyResult, audited: dict[int, str], root: Path) -> None:
    from commandcenter.store.models import Evidence

    rows = store.read(lambda s: s.execute(select(Evidence.id, Evidence.path, Evidence.sha256)
                                          .order_by(Evidence.id)).all())
    for evidence_id, stored_path, sha in rows:
        path = Path(stored_path)
        path = path if path.is_absolute() else root / path
        result.evidence_checked += 1
        recorded = audited.get(int(evidence_id))
        if recorded is not None and recorded != sha:
            result.evidence_problems.append(EvidenceProblem(
                evidence_id, str(path), f"the evidence row's hash {sha[:12]}… differs from the audited "
                                        f"{recorded[:12]}… (the row was edited)"))
            continue
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
           evidence_root: Path | None = None, chunk: int = 20_000) -> VerifyResult:
    """Check the whole chain (streaming), optionally an anchor, and every evidence file against its hash."""
    started = _time.perf_counter()
    result = VerifyResult()
    audited = _check_chain(store, result, chunk, {})
    if anchor is not None:
        _check_anchor(store, result, anchor)
    if check_evidence:
        _check_evidence(store, result, audited, evidence_root or paths.evidence_dir())
    result.seconds = _time.perf_counter() - started
    return result


def make_anchor(store: Store) -> dict[str, Any]:
    """The head of the chain as a small document to sign or timestamp outside the system."""
    row = store.read(lambda s: s.execute(select(AuditRecord.seq, AuditRecord.hash, AuditRecord.time)
                                         .order_by(AuditRecord.seq.desc()).limit(1)).first())
    if row is None:
        raise AuditError(f"the audit log of {store.description} is empty: nothing to anchor")
    return {"format": ANCHOR_FORMAT, "seq": int(row.seq), "hash": row.hash, "record_time": format_time(row.time),
            "anchored_at": format_time(utcnow()), "database": store.description}


def load_anchor(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditError(f"{path}: cannot read the anchor: {exc}") from exc
    if not isinstance(value, dict) or value.get("format") != ANCHOR_FORMAT:
        raise AuditError(f"{path}: not an audit anchor (expected format {ANCHOR_FORMAT!r})")
    return value


# ----------------------------------------------------------------------------------------------- CLI
def audit_main(argv: list[str]) -> int:
    """``commandcenter audit verify [--db URL] [--anchor FILE] [--no-evidence]`` and
    ``commandcenter audit anchor [--db URL] [--out FILE]``. Exit 0 when intact, 1 on any break, 2 on errors."""
    parser = argparse.ArgumentParser(prog="commandcenter audit", description="执法全过程记录: verify and anchor")
    sub = parser.add_subparsers(dest="command", required=True)
    p_verify = sub.add_parser("verify", help="check the hash chain and the evidence files")
    p_verify.add_argument("--db", default="", help="database URL (default: the local SQLite store)")
    p_verify.add_argument("--anchor", type=Path, help="anchor file the chain must still contain")
    p_verify.add_argument("--no-evidence", action="store_true", help="skip re-hashing evidence files")
    p_verify.add_argument("--evidence-dir", type=Path, help="evidence root (default: the data dir's evidence/)")
    p_anchor = sub.add_parser("anchor", help="export the head hash for a signature or an external timestamp")
    p_anchor.add_argument("--db", default="", help="database URL (default: the local SQLite store)")
    p_anchor.add_argument("--out", type=Path, help="write the anchor here (default: stdout)")
    args = parser.parse_args(argv)

    store = Store(args.db or default_url())
    try:
        if args.command == "verify":
            anchor = load_anchor(args.anchor) if args.anchor else None
            result = verify(store, anchor=anchor, check_evidence=not args.no_evidence,
                            evidence_root=args.evidence_dir)
            print(result.summary())
            return 0 if result.ok else 1
        document = make_anchor(store)
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
    except AuditError as exc:
        print(f"audit: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"audit: cannot read the audit log of {store.description} (run `commandcenter db upgrade`?): "
              f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        store.close()
