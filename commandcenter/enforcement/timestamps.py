"""RFC 3161 timestamps of the audit checkpoints from a time-stamping authority (``[audit] tsa_url``).

A signed checkpoint proves what the chain head was, but its time is the signer's word: whoever holds the
signing key can sign a back-dated one. A timestamp token from an outside authority (a TSA: the bureau's CA, a
commercial or national service) proves the checkpoint line existed at the TSA's time, with the TSA's signature.

The request (``TimeStampReq``) carries the SHA-256 of the checkpoint line, a random nonce and asks for the TSA's
certificate. The answer is checked before it is kept: granted, the token's message imprint is that hash and its
nonce ours, the CMS signature over the signed attributes verifies with the signer's certificate, the signed
message digest is that of the ``TSTInfo``, the certificate is for time stamping and is (or is issued by) a
certificate of ``[audit] tsa_cert``. Tokens are appended to ``<checkpoint file>.tsr.jsonl``, one JSON line per
stamped checkpoint line, and ``audit verify`` checks them again against the checkpoint file.

The DER here is the handful of ASN.1 types RFC 3161 and CMS (RFC 5652) need; ``cryptography`` verifies the
signature and reads the certificates. The tests use OpenSSL's own TSA (``openssl ts -reply``) as the authority.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

log = logging.getLogger(__name__)

OID_SHA256 = "2.16.840.1.101.3.4.2.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_TST_INFO = "1.2.840.113549.1.9.16.1.4"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_HASHES: dict[str, hashes.HashAlgorithm] = {OID_SHA256: hashes.SHA256(), "2.16.840.1.101.3.4.2.2": hashes.SHA384(),
                                            "2.16.840.1.101.3.4.2.3": hashes.SHA512()}
_GRANTED = (0, 1)  # granted, grantedWithMods
_TAG_INTEGER, _TAG_OCTETS, _TAG_NULL, _TAG_OID, _TAG_BOOLEAN = 0x02, 0x04, 0x05, 0x06, 0x01
_TAG_SEQUENCE, _TAG_SET, _TAG_GENERALIZED_TIME = 0x30, 0x31, 0x18


class TimestampError(RuntimeError):
    """A timestamp that could not be obtained or does not verify, with the reason."""


# ----------------------------------------------------------------------------------------------------- DER
def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def _integer(n: int) -> bytes:
    return _tlv(_TAG_INTEGER, n.to_bytes(n.bit_length() // 8 + 1, "big", signed=True))


def _oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body += bytes(reversed(chunk))
    return _tlv(_TAG_OID, bytes(body))


@dataclass(frozen=True, slots=True)
class _Der:
    """One decoded TLV: its tag byte, its content and its whole encoding."""

    tag: int
    value: bytes
    raw: bytes

    def children(self) -> list[_Der]:
        return list(_read_all(self.value))

    def oid(self) -> str:
        if self.tag != _TAG_OID or not self.value:
            raise TimestampError(f"expected an OBJECT IDENTIFIER, found tag 0x{self.tag:02x}")
        first = self.value[0]
        parts, n = [min(first // 40, 2), first - 40 * min(first // 40, 2)], 0
        for byte in self.value[1:]:
            n = (n << 7) | (byte & 0x7F)
            if not byte & 0x80:
                parts.append(n)
                n = 0
        return ".".join(map(str, parts))

    def integer(self) -> int:
        if self.tag != _TAG_INTEGER:
            raise TimestampError(f"expected an INTEGER, found tag 0x{self.tag:02x}")
        return int.from_bytes(self.value, "big", signed=True)


def _read(data: bytes, at: int = 0) -> tuple[_Der, int]:
    if at + 2 > len(data):
        raise TimestampError("truncated DER")
    tag, first = data[at], data[at + 1]
    if tag & 0x1F == 0x1F:
        raise TimestampError("multi-byte DER tags are not used by RFC 3161")
    start = at + 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise TimestampError("bad DER length")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    else:
        length = first
    end = start + length
    if end > len(data):
        raise TimestampError("DER value longer than its container")
    return _Der(tag, data[start:end], data[at:end]), end


def _read_all(data: bytes) -> Iterator[_Der]:
    at = 0
    while at < len(data):
        item, at = _read(data, at)
        yield item


def _one(data: bytes, what: str) -> _Der:
    try:
        item, end = _read(data)
    except TimestampError as exc:
        raise TimestampError(f"{what}: {exc}") from None
    if end != len(data):
        raise TimestampError(f"{what}: trailing bytes after the DER value")
    return item


# ------------------------------------------------------------------------------------------------- request
def build_request(digest: bytes, nonce: int) -> bytes:
    """``TimeStampReq`` v1 for a SHA-256 ``digest``, with ``nonce`` and certReq TRUE (the token carries the
    TSA's certificate, so it can be verified against the configured CA)."""
    if len(digest) != 32:
        raise ValueError(f"a SHA-256 digest has 32 bytes, not {len(digest)}")
    imprint = _tlv(_TAG_SEQUENCE, _tlv(_TAG_SEQUENCE, _oid(OID_SHA256) + _tlv(_TAG_NULL, b""))
                   + _tlv(_TAG_OCTETS, digest))
    return _tlv(_TAG_SEQUENCE, _integer(1) + imprint + _integer(nonce) + _tlv(_TAG_BOOLEAN, b"\xff"))


# ------------------------------------------------------------------------------------------------- response
@dataclass(frozen=True, slots=True)
class Timestamp:
    """A verified token: when the TSA saw the digest, under which serial, signed by whom."""

    gen_time: datetime
    serial: int
    policy: str
    tsa: str  # the signer certificate's subject
    token: bytes  # the TimeStampToken (CMS ContentInfo), DER


def _status(resp: _Der) -> tuple[int, str]:
    info = resp.children()[0].children()
    status = info[0].integer()
    text = ""
    if len(info) > 1 and info[1].tag == _TAG_SEQUENCE:
        text = "; ".join(s.value.decode("utf-8", "replace") for s in info[1].children())
    return status, text


def parse_response(data: bytes, digest: bytes, nonce: int | None,
                   trusted: list[x509.Certificate]) -> Timestamp:
    """Check a ``TimeStampResp`` for ``digest`` (and ``nonce``) and return its token, or raise TimestampError."""
    resp = _one(data, "time-stamp response")
    parts = resp.children()
    if not parts:
        raise TimestampError("time-stamp response: empty")
    status, text = _status(resp)
    if status not in _GRANTED:
        raise TimestampError(f"the TSA refused the request: status {status}" + (f" ({text})" if text else ""))
    if len(parts) < 2:
        raise TimestampError("the TSA granted the request but sent no token")
    return verify_token(parts[1].raw, digest, nonce, trusted)


def verify_token(token: bytes, digest: bytes, nonce: int | None, trusted: list[x509.Certificate]) -> Timestamp:
    """Check a ``TimeStampToken`` (CMS SignedData over a TSTInfo) for ``digest``; see the module docstring."""
    try:
        content_info = _one(token, "time-stamp token").children()
        if content_info[0].oid() != OID_SIGNED_DATA:
            raise TimestampError("the token is not CMS SignedData")
        signed_data = content_info[1].children()[0].children()
        encap = signed_data[2].children()
        if encap[0].oid() != OID_TST_INFO:
            raise TimestampError(f"the token signs {encap[0].oid()}, not a TSTInfo")
        tst_der = encap[1].children()[0].value  # [0] EXPLICIT OCTET STRING
        certs = [x509.load_der_x509_certificate(c.raw) for c in signed_data[3].children()] \
            if len(signed_data) > 4 and signed_data[3].tag == 0xA0 else []
        signer_infos = signed_data[-1].children()
        if len(signer_infos) != 1:
            raise TimestampError(f"the token has {len(signer_infos)} signers, expected 1")
        info = _check_tst_info(tst_der, digest, nonce)
        signer = _check_signature(signer_infos[0], tst_der, certs)
    except (IndexError, ValueError) as exc:
        raise TimestampError(f"time-stamp token malformed: {exc or type(exc).__name__}") from None
    _check_trust(signer, trusted, info[0])
    return Timestamp(info[0], info[1], info[2], signer.subject.rfc4514_string(), token)


def _check_tst_info(tst_der: bytes, digest: bytes, nonce: int | None) -> tuple[datetime, int, str]:
    fields = _one(tst_der, "TSTInfo").children()
    policy = fields[1].oid()
    imprint = fields[2].children()
    algorithm = imprint[0].children()[0].oid()
    if algorithm != OID_SHA256 or imprint[1].value != digest:
        raise TimestampError(f"the token's message imprint ({algorithm}, {imprint[1].value.hex()[:16]}…) does not "
                             f"match the checkpoint's SHA-256 {digest.hex()[:16]}…")
    serial = fields[3].integer()
    if fields[4].tag != _TAG_GENERALIZED_TIME:
        raise TimestampError("TSTInfo genTime is not a GeneralizedTime")
    gen_time = _generalized_time(fields[4].value.decode("ascii"))
    token_nonce = next((f.integer() for f in fields[5:] if f.tag == _TAG_INTEGER), None)
    if nonce is not None and token_nonce != nonce:
        raise TimestampError(f"the token's nonce {token_nonce} is not the request's {nonce} (a replayed answer?)")
    return gen_time, serial, policy


def _generalized_time(text: str) -> datetime:
    if not text.endswith("Z"):
        raise TimestampError(f"genTime {text!r} is not in UTC")
    main, _, fraction = text[:-1].partition(".")
    moment = datetime.strptime(main, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return moment.replace(microsecond=int((fraction + "000000")[:6])) if fraction else moment


def _check_signature(signer_info: _Der, tst_der: bytes, certs: list[x509.Certificate]) -> x509.Certificate:
    fields = signer_info.children()
    sid = fields[1]
    signed_attrs = fields[3]
    if signed_attrs.tag != 0xA0:
        raise TimestampError("the token's signer has no signed attributes")
    hash_oid = fields[2].children()[0].oid()
    algorithm = _HASHES.get(hash_oid)
    if algorithm is None:
        raise TimestampError(f"unsupported digest algorithm {hash_oid} in the token")
    attributes = {a.children()[0].oid(): a.children()[1].children()[0] for a in signed_attrs.children()}
    if attributes.get(OID_CONTENT_TYPE) is None or attributes[OID_CONTENT_TYPE].oid() != OID_TST_INFO:
        raise TimestampError("the signed content type is not TSTInfo")
    hasher = hashes.Hash(algorithm)
    hasher.update(tst_der)
    signed_digest = attributes.get(OID_MESSAGE_DIGEST)
    if signed_digest is None or signed_digest.value != hasher.finalize():
        raise TimestampError("the signed message digest is not that of the token's TSTInfo (the token was altered)")
    signer = _signer_certificate(sid, certs)
    signature = fields[5].value
    to_verify = bytes([_TAG_SET]) + signed_attrs.raw[1:]  # signed over as SET OF, not [0] IMPLICIT
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, to_verify, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, to_verify, ec.ECDSA(algorithm))
        else:
            raise TimestampError(f"unsupported TSA key type {type(key).__name__}")
    except InvalidSignature:
        raise TimestampError("the token's signature does not verify with the TSA's certificate") from None
    return signer


def _signer_certificate(sid: _Der, certs: list[x509.Certificate]) -> x509.Certificate:
    if sid.tag == _TAG_SEQUENCE:  # IssuerAndSerialNumber
        issuer, serial = sid.children()[0].raw, sid.children()[1].integer()
        found = [c for c in certs if c.serial_number == serial and c.issuer.public_bytes() == issuer]
    else:  # [0] SubjectKeyIdentifier
        found = [c for c in certs if _key_id(c) == sid.value]
    if not found:
        raise TimestampError("the token does not carry the certificate of its signer")
    return found[0]


def _key_id(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def _check_trust(signer: x509.Certificate, trusted: list[x509.Certificate], when: datetime) -> None:
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or ExtendedKeyUsageOID.TIME_STAMPING not in usage:
        raise TimestampError(f"the signer {signer.subject.rfc4514_string()} is not a time-stamping certificate")
    if not signer.not_valid_before_utc <= when <= signer.not_valid_after_utc:
        raise TimestampError(f"the TSA certificate was not valid at the token's time {when.isoformat()}")
    for anchor in trusted:
        if anchor == signer:
            return
        try:
            signer.verify_directly_issued_by(anchor)
            return
        except (ValueError, TypeError, InvalidSignature):
            continue
    raise TimestampError(f"the TSA certificate {signer.subject.rfc4514_string()} is neither in nor issued by a "
                         "certificate of [audit] tsa_cert")


def load_trusted(path: str | Path) -> list[x509.Certificate]:
    """The certificates of ``[audit] tsa_cert`` (PEM, one or more: the TSA's own or its issuing CA)."""
    try:
        certs = x509.load_pem_x509_certificates(Path(path).expanduser().read_bytes())
    except (OSError, ValueError) as exc:
        raise TimestampError(f"[audit] tsa_cert {path}: cannot read the TSA certificate(s): {exc}") from exc
    return certs


# ------------------------------------------------------------------------------------------------- client
class Timestamper:
    """Asks the TSA at ``url`` for a token over a digest and returns it verified."""

    def __init__(self, url: str, trusted: list[x509.Certificate], timeout_s: float = 10.0) -> None:
        if not trusted:
            raise TimestampError("[audit] tsa_url needs [audit] tsa_cert to verify the answers")
        self.url, self.trusted, self.timeout_s = url, trusted, timeout_s

    def stamp(self, digest: bytes) -> Timestamp:
        nonce = secrets.randbits(63)
        request = urllib.request.Request(self.url, data=build_request(digest, nonce), method="POST",
                                         headers={"Content-Type": "application/timestamp-query",
                                                  "Accept": "application/timestamp-reply"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                body = answer.read(1 << 20)
        except (urllib.error.URLError, OSError) as exc:
            raise TimestampError(f"TSA {self.url} did not answer: {exc}") from exc
        try:
            return parse_response(body, digest, nonce, self.trusted)
        except TimestampError as exc:
            raise TimestampError(f"TSA {self.url}: {exc}") from None


# ------------------------------------------------------------------------------------------------- tokens file
def timestamp_path(checkpoint_file: Path) -> Path:
    """Where the tokens of a checkpoint file's lines are kept: beside it, ``.tsr.jsonl`` appended."""
    return checkpoint_file.with_name(checkpoint_file.name + ".tsr.jsonl")


def line_digest(document_line: bytes) -> bytes:
    """What is timestamped: the SHA-256 of one checkpoint line as written (without its newline)."""
    return hashlib.sha256(document_line).digest()


def append_token(path: Path, line: int, digest: bytes, stamp: Timestamp, url: str) -> None:
    """Append one token line (fsynced): which checkpoint line, its SHA-256, the TSA's time and the token."""
    record = {"line": line, "sha256": digest.hex(), "gen_time": stamp.gen_time.isoformat(), "serial": stamp.serial,
              "tsa": stamp.tsa, "url": url, "token": base64.b64encode(stamp.token).decode("ascii")}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "ab") as handle:
        handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


@dataclass
class TimestampReport:
    """What ``audit verify`` found in the tokens file: the verified stamps by checkpoint line, and problems."""

    verified: dict[int, Timestamp]
    problems: list[str]

    def summary(self) -> str:
        if not self.verified:
            return "timestamps: none verified"
        latest = max(self.verified.items(), key=lambda item: (item[1].gen_time, item[0]))
        return (f"timestamps: {len(self.verified)} checkpoint line(s) timestamped by a trusted TSA, the latest "
                f"(line {latest[0]}) at {latest[1].gen_time.isoformat()} by {latest[1].tsa}")


def check_tokens(checkpoint_file: Path, trusted: list[x509.Certificate]) -> TimestampReport:
    """Every token of ``checkpoint_file`` against the line it names: imprint, signature and TSA certificate."""
    report = TimestampReport({}, [])
    try:
        lines = checkpoint_file.read_bytes().split(b"\n")
        tokens = timestamp_path(checkpoint_file).read_bytes().splitlines()
    except FileNotFoundError as exc:
        report.problems.append(f"{exc.filename}: missing")
        return report
    for number, raw in enumerate(tokens, start=1):
        where = f"{timestamp_path(checkpoint_file)} line {number}"
        try:
            record = json.loads(raw)
            line = int(record["line"])
            token = base64.b64decode(record["token"], validate=True)
        except (ValueError, KeyError, TypeError):
            report.problems.append(f"{where}: not a timestamp record (the file was edited)")
            continue
        if not 1 <= line <= len(lines) or not lines[line - 1]:
            report.problems.append(f"{where}: names checkpoint line {line}, which does not exist")
            continue
        try:
            report.verified[line] = verify_token(token, line_digest(lines[line - 1]), None, trusted)
        except TimestampError as exc:
            report.problems.append(f"{where} (checkpoint line {line}): {exc}")
    return report
