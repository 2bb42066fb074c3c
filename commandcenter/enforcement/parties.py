"""当事人: record or pick the party of a case, validated, encrypted at rest, found again across cases.

Why encrypted: a 身份证号 and a phone number are personal information (个人信息保护法); a copied database file
must not hand them out. They are stored as Fernet tokens (AES-128-CBC + HMAC) under a key kept *outside* the
database, plus a *blind index* (HMAC-SHA-256 of the normalised value under a second derived key) so a party can
still be found by exact ID number or phone without decrypting every row. The ``id_number``/``phone`` columns
keep only the masked form (110101********1234, 138****5678) for readers without the key.

The key: ``CC_DATA_KEY`` (urlsafe base64 of 32 bytes) for containers, else the file named by ``[security]
data_key``, else ``<data dir>/data.key`` created on first use (mode 0600). Server and seats must share it.

A business (kind ``shop``: 个体工商户/单位) is identified by its 统一社会信用代码, which is public (国家企业信用信息
公示系统) and stored in clear. Validation follows GB 11643-1999 (ID check digit and birth date) and GB 32100-2015
(credit-code check character): a mistyped digit is refused before it can split one party into two.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from commandcenter import paths
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.disclosure import mask_id_number, mask_phone
from commandcenter.enforcement.tables import CaseParty, Decision, Party
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case, Setting

AuthorizeFn = Callable[[str, str], None]
AllowedFn = Callable[[str, str], bool]
PARTY_KINDS = ("person", "shop", "vehicle")
KIND_ZH = {"person": "自然人", "shop": "个体工商户/单位", "vehicle": "车辆"}
IDENTITY_PERMISSION = "party.identity"  # see the unmasked ID number and phone
KEY_ENV = "CC_DATA_KEY"
KEY_SETTING = "party_data_key"  # settings row: the fingerprint of the key the parties are encrypted with
CHINA = timezone(timedelta(hours=8), "CST")


class PartyError(ValueError):
    """A party that cannot be recorded (bad ID number, credit code, phone …), naming the field."""


class DataKeyError(RuntimeError):
    """The data key is missing, unreadable or malformed (names the file or the variable)."""


# ----------------------------------------------------------------------------------------------- validation
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a 居民身份证号码."""
    if not re.fullmatch(r"\d{17}", first17):
        raise PartyError(f"身份证号码前17位须为数字：{first17!r}")
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    """A valid 18-digit ID number in canonical form (upper-case X), or PartyError saying what is wrong."""
    text = value.strip().upper().replace(" ", "")
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise PartyError(f"身份证号码须为18位（最后一位可为X）：{value!r}")
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise PartyError(f"身份证号码中的出生日期 {text[6:14]} 不存在：{value!r}") from None
    if id_check_digit(text[:17]) != text[17]:
        raise PartyError(f"身份证号码校验位错误（应为 {id_check_digit(text[:17])}）：{value!r}")
    return text


def credit_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a 统一社会信用代码."""
    if len(first17) != 17 or any(c not in _CREDIT_CHARS for c in first17):
        raise PartyError(f"统一社会信用代码含有不允许的字符：{first17!r}")
    remainder = 31 - sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)) % 31
    return _CREDIT_CHARS[0 if remainder == 31 else remainder]


def normalize_credit_code(value: str) -> str:
    text = value.strip().upper().replace(" ", "")
    if len(text) != 18 or any(c not in _CREDIT_CHARS for c in text):
        raise PartyError(f"统一社会信用代码须为18位数字或大写字母（不含 I O S V Z）：{value!r}")
    if credit_check_char(text[:17]) != text[17]:
        raise PartyError(f"统一社会信用代码校验位错误（应为 {credit_check_char(text[:17])}）：{value!r}")
    return text


def normalize_phone(value: str) -> str:
    """Mobile (11 digits starting 1[3-9]) or a landline with area code (digits and one '-')."""
    text = value.strip().replace(" ", "")
    digits = re.sub(r"\D", "", text)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    if re.fullmatch(r"0\d{2,3}-?\d{7,8}", text):
        return text
    raise PartyError(f"联系电话格式不正确（手机11位，座机如 025-12345678）：{value!r}")


# ----------------------------------------------------------------------------------------------- the key
def load_data_key(path: Path | None = None, *, create: bool = True) -> bytes:
    """The 32-byte data key: ``CC_DATA_KEY``, else the key file (created with mode 0600 when missing)."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        try:
            key = base64.urlsafe_b64decode(env)
        except (ValueError, TypeError) as exc:
            raise DataKeyError(f"{KEY_ENV} is not urlsafe base64: {exc}") from None
        if len(key) != 32:
            raise DataKeyError(f"{KEY_ENV} must encode 32 bytes, not {len(key)}")
        return key
    path = path or paths.data_dir() / "data.key"
    if not path.exists():
        if not create:
            raise DataKeyError(f"no data key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
    try:
        key = base64.urlsafe_b64decode(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise DataKeyError(f"cannot read the data key {path}: {exc}") from exc
    if len(key) != 32:
        raise DataKeyError(f"the data key {path} must hold urlsafe base64 of 32 bytes, not {len(key)}")
    return key


class DataVault:
    """Encrypts personal fields and computes their blind indexes, from one 32-byte key (two derived keys)."""

    def __init__(self, key: bytes) -> None:
        def derive(info: bytes) -> bytes:
            return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)

        self._fernet = Fernet(base64.urlsafe_b64encode(derive(b"commandcenter party encryption")))
        self._index_key = derive(b"commandcenter party blind index")

    @classmethod
    def from_file(cls, path: Path | None = None) -> DataVault:
        return cls(load_data_key(path))

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii") if text else ""

    def decrypt(self, token: str) -> str:
        if not token:
            return ""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise DataKeyError("a party field does not decrypt with this data key (was the key replaced?)") from None

    @property
    def fingerprint(self) -> str:
        """Names the key without revealing it: the database keeps the first one's, to refuse a second key."""
        return hmac.new(self._index_key, b"key check", hashlib.sha256).hexdigest()[:16]

    def index(self, field: str, value: str) -> str:
        return hmac.new(self._index_key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest() if value else ""


# ----------------------------------------------------------------------------------------------- reading
@dataclass(frozen=True, slots=True)
class PartyRecord:
    """A party as a seat may show it: ``id_number``/``phone`` in clear only when ``masked`` is False."""

    id: int
    kind: str
    name: str
    id_number: str
    phone: str
    credit_code: str
    licence: str
    plate: str
    shop_name: str
    address: str
    masked: bool
    case_count: int = 0

    @property
    def kind_zh(self) -> str:
        return KIND_ZH.get(self.kind, self.kind)

    @property
    def identifier(self) -> str:
        return self.credit_code or self.id_number or self.plate or self.phone


@dataclass(frozen=True, slots=True)
class PartyCase:
    """One case of a party's history, with the decision taken in it (if any)."""

    case_id: int
    case_code: str
    category_name: str
    status: str
    created_at: datetime
    outcome: str
    amount: float
    first_violation: bool


def clear_identity(vault: DataVault, party: Party) -> tuple[str, str]:
    """The ID number and phone of ``party`` in clear (documents need them; views use PartyService)."""
    id_number = vault.decrypt(party.id_cipher) if party.id_cipher else party.id_number
    phone = vault.decrypt(party.phone_cipher) if party.phone_cipher else party.phone
    return id_number, phone


class PartyService:
    """Record, find and show parties. ``case.investigate`` to record one; seeing the ID number and phone in
    clear needs ``party.identity`` (everyone else gets the masked form)."""

    def __init__(self, store: Store, audit: AuditLog, authorize: AuthorizeFn, vault: DataVault,
                 allowed: AllowedFn | None = None) -> None:
        self.store = store
        self.audit = audit
        self.authorize = authorize
        self.vault = vault
        self.allowed = allowed or (lambda _actor, _perm: False)

    # ------------------------------------------------------------------------------------------- writing
    def record(self, case_id: int, *, actor: str, kind: str, name: str, id_number: str = "", phone: str = "",
               credit_code: str = "", licence: str = "", plate: str = "", shop_name: str = "",
               address: str = "") -> Party:
        """Validate, find the same party (ID number, credit code or plate) or create it, link it to the case.
        Returns the ORM row detached after commit; callers turn it into their own view."""
        self.authorize(actor, "case.investigate")
        if kind not in PARTY_KINDS:
            raise PartyError(f"unknown party kind {kind!r}; expected one of {PARTY_KINDS}")
        name = name.strip()
        if not name:
            raise PartyError("当事人须填写姓名或名称")
        id_norm = normalize_id_number(id_number) if id_number.strip() else ""
        phone_norm = normalize_phone(phone) if phone.strip() else ""
        credit = normalize_credit_code(credit_code) if credit_code.strip() else ""
        if kind == "shop" and not credit and len(id_number.strip()) == 18 and not id_norm:
            credit = normalize_credit_code(id_number)
        plate = plate.strip().upper().replace(" ", "")
        if kind == "person" and not id_norm:
            raise PartyError("自然人须填写身份证号码")
        if kind == "shop" and not credit:
            raise PartyError("个体工商户/单位须填写统一社会信用代码")
        if kind == "vehicle" and not plate:
            raise PartyError("车辆须填写车牌号码")
        id_index, phone_index = self.vault.index("id", id_norm), self.vault.index("phone", phone_norm)

        def job(session: Session) -> Party:
            if session.get(Case, case_id) is None:
                raise PartyError(f"no case {case_id}")
            self._check_key(session)
            party = None
            if id_index:
                party = session.scalars(select(Party).where(Party.id_index == id_index)).first()
            if party is None and credit:
                party = session.scalars(select(Party).where(Party.credit_code == credit)).first()
            if party is None and plate and kind == "vehicle":
                party = session.scalars(select(Party).where(Party.plate == plate, Party.kind == "vehicle")).first()
            now = utcnow()
            if party is None:
                party = Party(kind=kind, name=name, id_number=mask_id_number(id_norm) if id_norm else "",
                              phone=mask_phone(phone_norm) if phone_norm else "", plate=plate,
                              shop_name=shop_name.strip() or (name if kind == "shop" else ""),
                              address=address.strip(), created_at=now, id_cipher=self.vault.encrypt(id_norm),
                              id_index=id_index, phone_cipher=self.vault.encrypt(phone_norm),
                              phone_index=phone_index, credit_code=credit, licence=licence.strip())
                session.add(party)
                session.flush()
            else:  # fill in what was not known; a new phone replaces the old one (people change numbers)
                if phone_norm and phone_index != party.phone_index:
                    party.phone, party.phone_cipher = mask_phone(phone_norm), self.vault.encrypt(phone_norm)
                    party.phone_index = phone_index
                for attr, value in (("plate", plate), ("shop_name", shop_name.strip()),
                                    ("address", address.strip()), ("licence", licence.strip())):
                    if value and not getattr(party, attr):
                        setattr(party, attr, value)
            linked = session.scalars(select(CaseParty).where(CaseParty.case_id == case_id,
                                                             CaseParty.party_id == party.id)).first()
            if linked is None:
                session.add(CaseParty(case_id=case_id, party_id=party.id, added_at=now, added_by=actor))
                # The chain names the party by id and masked identity: the audit log is not encrypted.
                self.audit.append(session, actor, "case.party", f"case:{case_id}", {
                    "party_id": party.id, "kind": party.kind, "name": party.name, "id_number": party.id_number,
                    "credit_code": party.credit_code, "phone": party.phone})
            session.flush()
            session.expunge(party)
            return party

        return self.store.write(job)

    def _check_key(self, session: Session) -> None:
        """A seat with a key of its own would write parties nobody else can read and split identities (another
        blind index): the first key's fingerprint is kept in the database, and any other key is refused."""
        row = session.get(Setting, KEY_SETTING)
        if row is None:
            session.add(Setting(key=KEY_SETTING, value=self.vault.fingerprint))
        elif row.value != self.vault.fingerprint:
            raise DataKeyError(
                f"this process's data key (fingerprint {self.vault.fingerprint}) is not the one the parties in "
                f"{self.store.description} were encrypted with ({row.value}): give every seat the server's key "
                f"([security] data_key or {KEY_ENV})")

    def link(self, case_id: int, party_id: int, *, actor: str) -> None:
        """Pick an already known party for a case."""
        self.authorize(actor, "case.investigate")

        def job(session: Session) -> None:
            party = session.get(Party, party_id)
            if party is None or session.get(Case, case_id) is None:
                raise PartyError(f"no party {party_id} or no case {case_id}")
            if session.scalars(select(CaseParty).where(CaseParty.case_id == case_id,
                                                       CaseParty.party_id == party_id)).first() is None:
                session.add(CaseParty(case_id=case_id, party_id=party_id, added_at=utcnow(), added_by=actor))
                self.audit.append(session, actor, "case.party", f"case:{case_id}",
                                  {"party_id": party_id, "kind": party.kind, "name": party.name, "picked": True})

        self.store.write(job)

    # ------------------------------------------------------------------------------------------- reading
    def view(self, party: Party, actor: str, case_count: int = 0) -> PartyRecord:
        clear = self.allowed(actor, IDENTITY_PERMISSION)
        id_number, phone = clear_identity(self.vault, party) if clear else (party.id_number, party.phone)
        return PartyRecord(party.id, party.kind, party.name, id_number, phone, party.credit_code, party.licence,
                           party.plate, party.shop_name, party.address, not clear, case_count)

    def of_case(self, case_id: int, *, actor: str) -> list[PartyRecord]:
        rows = self.store.read(lambda s: [_detached(s, p) for p in s.scalars(
            select(Party).join(CaseParty, CaseParty.party_id == Party.id).where(CaseParty.case_id == case_id)
            .order_by(CaseParty.id))])
        return [self.view(p, actor) for p in rows]

    def search(self, text: str, *, actor: str, limit: int = 50) -> list[PartyRecord]:
        """Parties by exact ID number, credit code, phone or plate, or by part of the name."""
        text = text.strip()
        if not text:
            return []
        conditions = [Party.name.contains(text), Party.shop_name.contains(text)]
        upper = text.upper().replace(" ", "")
        conditions += [Party.credit_code == upper, Party.plate == upper]
        try:
            conditions.append(Party.id_index == self.vault.index("id", normalize_id_number(text)))
        except PartyError:
            pass
        try:
            conditions.append(Party.phone_index == self.vault.index("phone", normalize_phone(text)))
        except PartyError:
            pass

        def query(session: Session) -> list[tuple[Party, int]]:
            counts = (select(CaseParty.party_id, func.count(CaseParty.id).label("n"))
                      .group_by(CaseParty.party_id).subquery())
            rows = session.execute(select(Party, func.coalesce(counts.c.n, 0))
                                   .outerjoin(counts, counts.c.party_id == Party.id)
                                   .where(or_(*conditions)).order_by(Party.id.desc()).limit(limit)).all()
            return [(_detached(session, p), int(n)) for p, n in rows]

        return [self.view(p, actor, n) for p, n in self.store.read(query)]

    def cases_of(self, party_id: int) -> list[PartyCase]:
        """Every case of the party, newest first, with the current decision of each."""

        def query(session: Session) -> list[PartyCase]:
            rows = session.execute(
                select(Case.id, Case.code, Case.category_name, Case.status, Case.created_at, Decision.outcome,
                       Decision.amount, Decision.first_violation)
                .join(CaseParty, CaseParty.case_id == Case.id)
                .outerjoin(Decision, and_(Decision.case_id == Case.id, Decision.party_id == party_id,
                                          Decision.superseded.is_(False)))
                .where(CaseParty.party_id == party_id).order_by(Case.created_at.desc())).all()
            return [PartyCase(r[0], r[1], r[2], r[3], r[4], r[5] or "", float(r[6] or 0), bool(r[7]))
                    for r in rows]

        return self.store.read(query)


def _detached(session: Session, party: Party) -> Party:
    session.expunge(party)
    return party


# ----------------------------------------------------------------------------------------------- 复发率
@dataclass(frozen=True, slots=True)
class ReoffenceRate:
    """Parties let off (首违不罚/减轻) in a period and how many of them were decided against again later."""

    let_off: int
    reoffended: int
    party_ids: tuple[int, ...]  # the re-offenders (drill-down)

    @property
    def rate(self) -> float:
        return self.reoffended / self.let_off if self.let_off else 0.0


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC times; PostgreSQL aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _bounds(start: date | datetime, end: date | datetime) -> tuple[datetime, datetime]:
    """Dates are whole local (Asia/Shanghai) days with ``end`` inclusive; datetimes are taken as they are."""
    lo = start if isinstance(start, datetime) else datetime.combine(start, time(0), CHINA)
    hi = end if isinstance(end, datetime) else datetime.combine(end, time(0), CHINA) + timedelta(days=1)
    return lo, hi


def reoffence_rate(engine: Engine | Store, start: date | datetime, end: date | datetime) -> ReoffenceRate:
    """Of the parties granted 首违不罚 between ``start`` and ``end`` (a standing decision with
    ``first_violation``), those found in another case after it, before ``end``: the party was recorded on a
    case other than the one they were let off in — the figure 成都 keeps below 5 %. The one definition of the
    re-offence rate: the KPI report and the briefing (commandcenter.kpi) count it through this function."""
    lo, hi = _bounds(start, end)

    def query(session: Session) -> ReoffenceRate:
        granted: dict[int, tuple[datetime, int]] = {}  # party → (first grant, its case)
        for party_id, at, case_id in session.execute(
                select(Decision.party_id, Decision.created_at, Decision.case_id)
                .where(Decision.first_violation.is_(True), Decision.superseded.is_(False),
                       Decision.party_id.is_not(None), Decision.created_at >= lo, Decision.created_at < hi)
                .order_by(Decision.created_at)):
            granted.setdefault(int(party_id or 0), (at, int(case_id)))
        again: set[int] = set()
        ids = sorted(granted)
        for chunk in range(0, len(ids), 500):
            for party_id, case_id, added in session.execute(
                    select(CaseParty.party_id, CaseParty.case_id, CaseParty.added_at)
                    .where(CaseParty.party_id.in_(ids[chunk:chunk + 500]), CaseParty.added_at < hi)):
                first_at, first_case = granted[int(party_id)]
                if int(case_id) != first_case and _aware(added) > _aware(first_at):
                    again.add(int(party_id))
        return ReoffenceRate(len(granted), len(again), tuple(sorted(again)))

    if isinstance(engine, Store):
        return engine.read(query)
    with Session(engine) as session:
        return query(session)
