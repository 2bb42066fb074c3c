"""Signed checkpoints of the audit chain, kept outside the database.

A hash chain alone proves order, not completeness: whoever owns the database can cut its tail, empty it or
re-hash a suffix and the chain still links. A *checkpoint* is the chain head (seq, hash) signed with an
Ed25519 key that is not in the database and written to a file the database's owner cannot rewrite: an
append-only JSON-lines file, one checkpoint a line. Each line is signed and names the SHA-256 of the line
before it, so a line removed, edited or inserted in the file is itself detected. ``audit verify`` then proves
the chain still reaches every checkpoint with the same hash (see ``commandcenter.enforcement.audit``).

Put the file where the database's owner cannot rewrite it: another host's share, a file with the
append-only attribute (``chattr +a``), or a directory owned by another account; keep the private key
readable by the signing process only (``commandcenter audit keygen`` writes it with mode 0600).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHECKPOINT_FORMAT = "commandcenter-audit-checkpoint/1"
GENESIS_LINE_HASH = "0" * 64
_TAIL_BYTES = 8192  # the last line is read from the file's tail (lines are a few hundred bytes)


class CheckpointError(RuntimeError):
    """A key or checkpoint-file problem, naming the file."""


# ----------------------------------------------------------------------------------------------------- keys
def public_key_path(private_key: Path) -> Path:
    """Where ``keygen`` puts the public key of ``private_key``: next to it, ``.pub`` appended."""
    return private_key.with_name(private_key.name + ".pub")


def generate_key(path: Path) -> tuple[Path, str]:
    """Create a new Ed25519 signing key at ``path`` (PEM, mode 0600, never overwriting) and its public key
    (hex) at ``<path>.pub``. Returns the public key file and the key's id."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CheckpointError(f"{path}: a signing key already exists; refusing to overwrite it") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = key.public_key()
    pub_path = public_key_path(path)
    pub_path.write_text(public_hex(public) + "\n", encoding="ascii")
    return pub_path, key_id(public)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The private key of ``path``; refuses a key file that others may read (as ssh does)."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read the audit signing key: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CheckpointError(f"{path}: the audit signing key is accessible by others (mode {mode & 0o777:o}); "
                              "chmod 600 it")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path}: not a PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path}: not an Ed25519 key ({type(key).__name__})")
    return key


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_id(key: Ed25519PublicKey) -> str:
    """Short id of a public key (first 16 hex digits of the SHA-256 of its raw bytes)."""
    return hashlib.sha256(bytes.fromhex(public_hex(key))).hexdigest()[:16]


def load_public_key(spec: str) -> Ed25519PublicKey:
    """A public key given as 64 hex digits, or as a file holding those digits (``.pub``) or a PEM key."""
    text = spec.strip()
    source = "the given public key"
    if not _is_hex_key(text):
        path = Path(text)
        source = str(path)
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"{path}: cannot read the audit public key: {exc}") from exc
    try:
        if _is_hex_key(text):
            return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        key = serialization.load_pem_public_key(text.encode("ascii"))
    except ValueError as exc:
        raise CheckpointError(f"{source}: not an Ed25519 public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{source}: not an Ed25519 public key ({type(key).__name__})")
    return key


def _is_hex_key(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


# ----------------------------------------------------------------------------------------------- documents
def _canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def line_bytes(document: dict[str, Any]) -> bytes:
    """A checkpoint line exactly as :meth:`CheckpointFile.append` writes it (without the newline): what an
    RFC 3161 timestamp of the checkpoint covers (``commandcenter.enforcement.timestamps``)."""
    return _canonical(document)


def sign_document(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``document`` with ``key_id``, ``public_key`` and ``signature`` (hex Ed25519 over the canonical JSON of
    every other field) added. Also used for signed anchors."""
    public = key.public_key()
    body = {k: v for k, v in document.items() if k != "signature"}
    body["key_id"], body["public_key"] = key_id(public), public_hex(public)
    return {**body, "signature": key.sign(_canonical(body)).hex()}


def signature_valid(document: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """True when ``document['signature']`` is ``key``'s signature of the rest of the document."""
    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        key.verify(bytes.fromhex(str(document.get("signature", ""))), _canonical(body))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One signed line of the checkpoint file (``line`` counts from 1)."""

    line: int
    seq: int
    hash: str
    signed_at: str
    database: str


@dataclass
class CheckpointReport:
    """What reading a checkpoint file found: the usable checkpoints and every problem with a line number."""

    path: Path
    checkpoints: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signatures_checked: bool = False

    @property
    def latest(self) -> Checkpoint | None:
        return max(self.checkpoints, key=lambda c: c.seq) if self.checkpoints else None


# ----------------------------------------------------------------------------------------------- the file
class CheckpointFile:
    """The append-only JSON-lines file of signed checkpoints.

    Several processes may append (the server's timer, ``audit checkpoint`` from cron): each append holds an
    exclusive ``flock`` while it reads the last line and writes the next, and is fsynced before it returns.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, key: Ed25519PrivateKey, *, seq: int, head_hash: str, record_time: str,
               database: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> dict[str, Any]:
        """Sign and append the checkpoint of head (seq, head_hash); returns the document written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CheckpointError(f"{self.path}: cannot open the checkpoint file: {exc}") from exc
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                last = _last_line(handle)
                if _ends_cut(handle):
                    handle.write(b"\n")  # a line cut off by a crash stays a (reported) line of its own
                previous = _parse(last) if last else None
                if previous is not None and isinstance(previous.get("line"), int):
                    number = int(previous["line"]) + 1
                else:  # empty file, or a damaged last line: count (rare, and the file stays small)
                    handle.seek(0)
                    number = handle.read().count(b"\n") + 1
                document = sign_document({
                    "format": CHECKPOINT_FORMAT, "line": number, "seq": int(seq), "hash": head_hash,
                    "record_time": record_time, "signed_at": now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "database": database,
                    "prev_line": hashlib.sha256(last).hexdigest() if last else GENESIS_LINE_HASH,
                }, key)
                handle.write(_canonical(document) + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise CheckpointError(f"{self.path}: cannot append a checkpoint: {exc}") from exc
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return document

    def last(self) -> dict[str, Any] | None:
        """The last checkpoint written (unverified), None when there is none yet."""
        try:
            with self.path.open("rb") as handle:
                last = _last_line(handle)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CheckpointError(f"{self.path}: cannot read the checkpoint file: {exc}") from exc
        return _parse(last) if last else None

    def check(self, public_key: Ed25519PublicKey | None, *, required: bool = False) -> CheckpointReport:
        """Read every line: format, line chain (``prev_line``) and, given the public key, each signature.

        A line that fails is reported with its number and not used; the lines around it still are. A missing
        file is a problem when checkpoints are ``required`` (a key is configured: someone deleted it)."""
        report = CheckpointReport(self.path, signatures_checked=public_key is not None)
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            if required:
                report.problems.append(f"checkpoint file {self.path} is missing although checkpoints are "
                                       "configured (deleted?)")
            return report
        except OSError as exc:
            raise CheckpointError(f"{self.path}: cannot read the checkpoint file: {exc}") from exc
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        elif lines:
            report.problems.append(f"checkpoint file {self.path}: the last line is incomplete (cut off)")
        prev_line = GENESIS_LINE_HASH
        for number, line in enumerate(lines, start=1):
            where = f"checkpoint file {self.path} line {number}"
            document = _parse(line)
            expected_prev, prev_line = prev_line, hashlib.sha256(line).hexdigest()
            if document is None or document.get("format") != CHECKPOINT_FORMAT:
                report.problems.append(f"{where}: not a checkpoint (the file was edited)")
                continue
            if document.get("prev_line") != expected_prev or document.get("line") != number:
                report.problems.append(f"{where}: does not follow line {number - 1} (a checkpoint line was "
                                       "removed, inserted or edited)")
            if public_key is not None and not signature_valid(document, public_key):
                report.problems.append(f"{where}: the signature does not verify with the configured public key "
                                       f"{key_id(public_key)} (the checkpoint was edited or forged)")
                continue
            try:
                report.checkpoints.append(Checkpoint(number, int(document["seq"]), str(document["hash"]),
                                                     str(document.get("signed_at", "")),
                                                     str(document.get("database", ""))))
            except (KeyError, TypeError, ValueError):
                report.problems.append(f"{where}: missing or bad 'seq'/'hash'")
        return report


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _ends_cut(handle: Any) -> bool:
    """True when the file is not empty and its last byte is not a newline."""
    end = handle.seek(0, os.SEEK_END)
    if end == 0:
        return False
    handle.seek(end - 1)
    return bool(handle.read(1) != b"\n")


def _last_line(handle: Any) -> bytes:
    """The last complete line of an open binary file (without its newline); b"" for an empty file."""
    end = handle.seek(0, os.SEEK_END)
    size = min(end, _TAIL_BYTES)
    while True:
        handle.seek(end - size)
        tail = handle.read(size).rstrip(b"\n")
        cut = tail.rfind(b"\n")
        if cut >= 0 or size == end:
            return tail[cut + 1:]
        size = min(end, size * 4)
