"""Pairing a phone to an officer: one-time codes, bearer tokens, revocation — all stored as SHA-256 only.

``commandcenter field pair OFFICER_ID`` (another process) writes a code's hash with its expiry; the running
server honours it at once because it looks the hash up in the database when the phone redeems it. Redeeming is
one writer transaction that marks the code used with a conditional UPDATE (``used_at IS NULL AND expires_at >
now``), so a code works once even when two phones (or two server processes) race for it. The token handed back
is 256 random bits; requests carry it as ``Authorization: Bearer``. :class:`TokenBook` answers "whose token is
this" with a two-second cache, so ``field revoke`` from another process takes effect within two seconds.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commandcenter.field.tables import FieldPairing, FieldToken
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Officer

__all__ = ["CODE_ALPHABET", "CODE_TTL", "OfficerCard", "PairingError", "TokenBook", "hash_secret", "issue_code",
           "issue_codes", "normalize_code", "redeem", "revoke"]

# No 0/O, 1/I/L: a code is read off a screen and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 codes; a code lives 10 minutes and works once
CODE_TTL = timedelta(minutes=10)
TOKEN_CACHE_S = 2.0

Audit = Callable[[Session, str, str, str, dict[str, Any]], Any]


class PairingError(ValueError):
    """A pairing that cannot be made or a code that does not work (unknown officer, wrong/used/expired code)."""


@dataclass(frozen=True, slots=True)
class OfficerCard:
    """What a paired phone learns about its officer."""

    id: str
    name: str
    badge: str
    team: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "badge": self.badge, "team": self.team}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalize_code(code: str) -> str:
    """What a person typed → the code as issued (case, spaces and dashes do not matter)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def issue_code(store: Store, officer_id: str, *, actor: str = "system", audit: Audit | None = None,
               ttl: timedelta = CODE_TTL, now: datetime | None = None) -> str:
    """A new one-time code for ``officer_id`` (PairingError when there is no such officer)."""
    return issue_codes(store, [officer_id], actor=actor, audit=audit, ttl=ttl, now=now)[officer_id]


def issue_codes(store: Store, officer_ids: Sequence[str], *, actor: str = "system", audit: Audit | None = None,
                ttl: timedelta = CODE_TTL, now: datetime | None = None) -> dict[str, str]:
    """A new one-time code for each officer, all in one transaction (a whole team's phones handed out at once);
    PairingError naming the first unknown officer, and then no code is issued."""
    codes = {o: "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for o in officer_ids}
    issued = now or utcnow()

    def job(session: Session) -> None:
        known = set(session.scalars(select(Officer.id).where(Officer.id.in_(list(codes))))) if codes else set()
        for officer_id, code in codes.items():
            if officer_id not in known:
                raise PairingError(f"officer {officer_id!r} not found (officers come from the config's [[officers]] "
                                   "or the demo; check the id)")
            session.add(FieldPairing(officer_id=officer_id, code_sha256=hash_secret(code), created_at=issued,
                                     expires_at=issued + ttl, used_at=None, created_by=actor))
            if audit is not None:
                audit(session, actor, "field.pair_code", f"officer:{officer_id}",
                      {"officer": officer_id, "expires_at": (issued + ttl).isoformat()})

    store.write(job)
    return codes


def redeem(store: Store, code: str, device: str, *, audit: Audit | None = None,
           now: datetime | None = None) -> tuple[str, OfficerCard]:
    """Use a code once: a new bearer token (returned in clear, stored hashed) and the officer it belongs to."""
    digest = hash_secret(normalize_code(code))
    token = secrets.token_urlsafe(32)
    at = now or utcnow()

    def job(session: Session) -> OfficerCard:
        claimed = session.execute(
            update(FieldPairing)
            .where(FieldPairing.code_sha256 == digest, FieldPairing.used_at.is_(None), FieldPairing.expires_at > at)
            .values(used_at=at)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise PairingError("pairing code wrong, already used or expired")
        officer_id = session.scalar(select(FieldPairing.officer_id).where(FieldPairing.code_sha256 == digest))
        officer = session.get(Officer, officer_id) if officer_id else None
        if officer is None:
            raise PairingError(f"officer {officer_id!r} of this pairing code no longer exists")
        session.add(FieldToken(officer_id=officer.id, token_sha256=hash_secret(token), device=device[:128],
                               created_at=at, revoked_at=None))
        if audit is not None:
            audit(session, officer.id, "field.paired", f"officer:{officer.id}", {"device": device[:128]})
        return OfficerCard(officer.id, officer.name, officer.badge, officer.team)

    card = store.write(job)
    return token, card


def revoke(store: Store, officer_id: str, *, actor: str = "system", audit: Audit | None = None,
           now: datetime | None = None) -> int:
    """End every token of ``officer_id``; how many were still valid."""
    at = now or utcnow()

    def job(session: Session) -> int:
        ended = session.execute(update(FieldToken).where(FieldToken.officer_id == officer_id,
                                                         FieldToken.revoked_at.is_(None)).values(revoked_at=at))
        count = int(ended.rowcount)  # type: ignore[attr-defined]
        if audit is not None:
            audit(session, actor, "field.revoke", f"officer:{officer_id}", {"officer": officer_id, "tokens": count})
        return count

    return int(store.write(job))


class TokenBook:
    """Bearer token → officer id, read from the database and cached for ``TOKEN_CACHE_S`` seconds.

    Thread-safe (HTTP workers ask concurrently). Unknown tokens are cached too, so a phone hammering with a
    revoked token costs one query per two seconds.
    """

    def __init__(self, store: Store, cache_s: float = TOKEN_CACHE_S) -> None:
        self.store = store
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, str | None]] = {}

    def officer_of(self, token: str) -> str | None:
        if not token:
            return None
        digest = hash_secret(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < self.cache_s:
            return hit[1]
        officer = self.store.read(lambda s: s.scalar(select(FieldToken.officer_id).where(
            FieldToken.token_sha256 == digest, FieldToken.revoked_at.is_(None))))
        with self._lock:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[digest] = (now, str(officer) if officer else None)
        return str(officer) if officer else None
