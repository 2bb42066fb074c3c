"""Bringing 当事人 at rest under the data key: ``commandcenter data encrypt-parties``.

Parties recorded before the encryption arrived (revision ``procedure_parties``) keep their ID number and phone in
the clear ``id_number``/``phone`` columns, with no cipher and no blind index: a copied database hands them out, and
a search by ID number or phone does not find them. :func:`encrypt_parties` encrypts every such field in one
transaction of the store's writer, fills the blind indexes, leaves only the masked form in the clear columns and
writes one ``party.encrypt`` record to the audit chain (counts and party ids, never a value). It is idempotent: a
second run finds nothing to do. A 统一社会信用代码 kept in ``id_number`` by the old form moves to ``credit_code``
(it is public, 国家企业信用信息公示系统).

Key rotation is the same pass over the encrypted rows: with ``old`` (the vault of the key the rows are encrypted
with, which the database's fingerprint must name) every cipher is decrypted and encrypted again under the new
key, the blind indexes are recomputed and the fingerprint is replaced, all in the one transaction, so the
database is never half under one key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.disclosure import mask_id_number, mask_phone
from commandcenter.enforcement.parties import (
    KEY_ENV,
    KEY_SETTING,
    DataKeyError,
    DataVault,
    PartyError,
    normalize_credit_code,
    normalize_id_number,
    normalize_phone,
)
from commandcenter.enforcement.tables import Party
from commandcenter.store import Store
from commandcenter.store.models import Setting

__all__ = ["PartyEncryption", "encrypt_parties"]


@dataclass
class PartyEncryption:
    """What a pass did (or, in a dry run, would do)."""

    id_numbers: int = 0  # clear ID numbers encrypted
    phones: int = 0  # clear phones encrypted
    credit_codes: int = 0  # credit codes moved from id_number to credit_code
    rekeyed: int = 0  # parties re-encrypted under the new key (rotation)
    party_ids: list[int] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> int:
        return len(self.party_ids)


def _is_clear(value: str) -> bool:
    return bool(value) and "*" not in value


def _normalized(normalize: Callable[[str], str], value: str) -> str:
    """The canonical form when the old value is valid, else the value as typed (never refused: it is data
    already recorded, and losing it would be worse than indexing it as it stands)."""
    try:
        return normalize(value)
    except PartyError:
        return value.strip().upper().replace(" ", "")


def _encrypt_clear(party: Party, vault: DataVault, report: PartyEncryption) -> bool:
    changed = False
    if not party.id_cipher and _is_clear(party.id_number):
        value = party.id_number.strip().upper().replace(" ", "")
        credit = _normalized(normalize_credit_code, value) if party.kind == "shop" else ""
        if party.kind == "shop" and _credit_ok(credit) and not party.credit_code:
            party.credit_code, party.id_number = credit, ""
            report.credit_codes += 1
        else:
            value = _normalized(normalize_id_number, value)
            party.id_cipher, party.id_index = vault.encrypt(value), vault.index("id", value)
            party.id_number = mask_id_number(value)
            report.id_numbers += 1
        changed = True
    if not party.phone_cipher and _is_clear(party.phone):
        value = _normalized(normalize_phone, party.phone)
        party.phone_cipher, party.phone_index = vault.encrypt(value), vault.index("phone", value)
        party.phone = mask_phone(value)
        report.phones += 1
        changed = True
    return changed


def _credit_ok(value: str) -> bool:
    try:
        normalize_credit_code(value)
    except PartyError:
        return False
    return True


def _rekey(party: Party, old: DataVault, new: DataVault) -> bool:
    changed = False
    if party.id_cipher:
        value = old.decrypt(party.id_cipher)
        party.id_cipher, party.id_index = new.encrypt(value), new.index("id", value)
        changed = True
    if party.phone_cipher:
        value = old.decrypt(party.phone_cipher)
        party.phone_cipher, party.phone_index = new.encrypt(value), new.index("phone", value)
        changed = True
    return changed


def encrypt_parties(store: Store, vault: DataVault, *, actor: str, dry_run: bool = False,
                    old: DataVault | None = None) -> PartyEncryption:
    """Encrypt every clear ID number and phone under ``vault`` (and, with ``old``, re-encrypt the rows that
    key encrypted), in one writer transaction with one audit record. A dry run counts and writes nothing."""
    report = PartyEncryption(dry_run=dry_run)

    def job(session: Session) -> PartyEncryption:
        row = session.get(Setting, KEY_SETTING)
        expected = (old or vault).fingerprint
        if row is not None and row.value != expected:
            which = "the old key given" if old is not None else f"this key ([security] data_key or {KEY_ENV})"
            raise DataKeyError(f"{which} (fingerprint {expected}) is not the key the parties in "
                               f"{store.description} are encrypted with ({row.value}); nothing changed")
        query = select(Party).order_by(Party.id)
        if old is None:
            query = query.where(or_(Party.id_cipher == "", Party.phone_cipher == ""))
        for party in session.scalars(query):
            rekeyed = _rekey(party, old, vault) if old is not None else False
            report.rekeyed += int(rekeyed)
            if _encrypt_clear(party, vault, report) or rekeyed:
                report.party_ids.append(party.id)
        if dry_run:
            raise _DryRun()  # the writer rolls the transaction back
        if row is None:
            session.add(Setting(key=KEY_SETTING, value=vault.fingerprint))
        else:
            row.value = vault.fingerprint
        if report.changed or old is not None:
            AuditLog(store).append(session, actor, "party.encrypt", "parties", {
                "id_numbers": report.id_numbers, "phones": report.phones, "credit_codes": report.credit_codes,
                "rekeyed": report.rekeyed, "party_ids": report.party_ids, "key": vault.fingerprint,
                **({"old_key": old.fingerprint} if old is not None else {})})
        return report

    quiet = _QuietDryRun()
    store_log = logging.getLogger("commandcenter.store.store")
    store_log.addFilter(quiet)
    try:
        return store.write(job, timeout=600.0)
    except _DryRun:
        return report
    finally:
        store_log.removeFilter(quiet)


class _DryRun(Exception):
    """Ends a dry run's transaction so the writer rolls it back."""


class _QuietDryRun(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the store's "write failed" warning for the planned rollback of a dry run."""
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(a, _DryRun) for a in args)
