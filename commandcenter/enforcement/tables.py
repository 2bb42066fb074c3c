"""Tables of lawful enforcement: users, the hash-chained audit log, parties, decisions, issued documents.

They live on the shared ``models.Base`` so ``schema.metadata`` sees them; the Alembic revision
``0003_enforcement`` creates them on real databases. Times are ``UtcDateTime`` (aware UTC only).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commandcenter.store.models import Base, BigId, UtcDateTime


class User(Base):
    """A person who logs in to the command center. The password is only ever stored as an Argon2id hash."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditRecord(Base):
    """One link of the 执法全过程记录 chain. Appended by ``audit.AuditLog`` only; never updated or deleted.

    ``data`` is stored as the exact canonical JSON text that was hashed, so verification re-hashes the bytes
    on disk instead of a re-serialisation that could differ between library versions.
    """

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), index=True)
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Party(Base):
    """当事人: a person, a shop (个体工商户/单位) or a vehicle, identified by ID number, licence or plate."""

    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # person | shop | vehicle
    name: Mapped[str] = mapped_column(String(128))
    id_number: Mapped[str] = mapped_column(String(32), default="", index=True)  # 身份证号 / 统一社会信用代码
    phone: Mapped[str] = mapped_column(String(32), default="")
    plate: Mapped[str] = mapped_column(String(16), default="", index=True)
    shop_name: Mapped[str] = mapped_column(String(128), default="")
    address: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Revision procedure_parties: ``id_number``/``phone`` above hold only the masked form; the values are
    # encrypted here with a blind index for exact lookup (commandcenter.enforcement.parties).
    id_cipher: Mapped[str] = mapped_column(Text, default="")
    id_index: Mapped[str] = mapped_column(String(64), default="", index=True)
    phone_cipher: Mapped[str] = mapped_column(Text, default="")
    phone_index: Mapped[str] = mapped_column(String(64), default="", index=True)
    credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)  # 统一社会信用代码
    licence: Mapped[str] = mapped_column(String(64), default="")  # 营业执照/许可证编号


class CaseParty(Base):
    """Links a party to a case (a case may have several parties, a party many cases)."""

    __tablename__ = "case_parties"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="RESTRICT"), index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (UniqueConstraint("case_id", "party_id", name="uq_case_parties_case_party"),)


class Decision(Base):
    """A 处理决定 on a case: 不予处罚, 减轻处罚, 罚款 or 责令改正, with its discretion trail and 法制审核 state."""

    __tablename__ = "enforcement_decisions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id", ondelete="RESTRICT"), nullable=True)
    violation_code: Mapped[str] = mapped_column(String(32))
    violation_name: Mapped[str] = mapped_column(String(128), default="")
    outcome: Mapped[str] = mapped_column(String(16))  # no_penalty | mitigated | penalty | correction
    level: Mapped[str] = mapped_column(String(8), default="")  # 轻微 一般 较重 严重
    circumstances: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of picked circumstance ids
    proposed_min: Mapped[float] = mapped_column(Float, default=0.0)
    proposed_max: Mapped[float] = mapped_column(Float, default=0.0)
    proposed_amount: Mapped[float] = mapped_column(Float, default=0.0)
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    deviation_reason: Mapped[str] = mapped_column(Text, default="")
    first_violation: Mapped[bool] = mapped_column(Boolean, default=False)  # 首违不罚 applied
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")  # 教育 / 责令改正 …
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)  # 重大执法决定
    major_reason: Mapped[str] = mapped_column(Text, default="")
    review_status: Mapped[str] = mapped_column(String(16), default="not_required")
    reviewer: Mapped[str] = mapped_column(String(64), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)


class DocumentCounter(Base):
    """Last number issued per (document type, year): the row lock makes numbering gapless and unique."""

    __tablename__ = "document_counters"
    doc_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(Base):
    """An issued 执法文书 PDF; its SHA-256 is also in the audit chain."""

    __tablename__ = "enforcement_documents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_decisions.id", ondelete="RESTRICT"), nullable=True)
    doc_type: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    doc_no: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("doc_type", "year", "number", name="uq_enforcement_documents_type_year_number"),
        Index("ix_enforcement_documents_type_year", "doc_type", "year"),
    )


class ProcedureStep(Base):
    """One step of the procedure after the 处理决定 (告知, 陈述申辩, 决定, 执行, 结案归档, 当场处罚) with the document it
    issued; revision ``procedure_steps`` (commandcenter.enforcement.procedure)."""

    __tablename__ = "procedure_steps"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_decisions.id", ondelete="RESTRICT"), nullable=True)
    step: Mapped[str] = mapped_column(String(16))  # notice | statement | decision | execution | archive | summary
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_documents.id", ondelete="RESTRICT"), nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # 陈述申辩 period end
    note: Mapped[str] = mapped_column(Text, default="")


class Department(Base):
    """A department the bureau can summon (吹哨报到): contacts, its seat account and how fast it must report in;
    revision ``procedure_joint`` (commandcenter.enforcement.joint). ``case_tasks.department`` holds its name."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # 公安 市场监管 住建 生态环境 街道 …
    contact: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    username: Mapped[str] = mapped_column(String(64), default="", index=True)  # its seat user ("" = none)
    response_hours: Mapped[float] = mapped_column(Float, default=24.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EnforcementPower(Base):
    """One 事项 of the bureau's 权力清单, imported by ``data import powers``; revision ``procedure_powers``
    (commandcenter.enforcement.powers). ``violation_codes``/``categories`` are comma-separated links."""

    __tablename__ = "enforcement_powers"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)  # 事项编码
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="行政处罚")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    penalty_basis: Mapped[str] = mapped_column(Text, default="")
    discretion: Mapped[str] = mapped_column(Text, default="")  # 裁量基准 as the list states it
    violation_codes: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[str] = mapped_column(Text, default="")


class JointInspection(Base):
    """综合查一次: one planned visit to one business by several departments; revision ``procedure_inspections``
    (commandcenter.enforcement.inspections)."""

    __tablename__ = "joint_inspections"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="RESTRICT"), index=True)
    planned_for: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, local
    place: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | done
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")


class InspectionItem(Base):
    """One department's check item of a joint inspection, with its result once recorded."""

    __tablename__ = "joint_inspection_items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("joint_inspections.id", ondelete="RESTRICT"), index=True)
    department: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(8), default="")  # "" | pass | fail | na
    note: Mapped[str] = mapped_column(Text, default="")


class SeatSession(Base):
    """A seat's login: the server resolves the token a seat sends with each command to the user who logged in.

    Only the token's SHA-256 is stored (a database reader cannot act as a seat); ``seat_id`` binds the token to
    the seat that opened it. Created by ``enforcement.seats.SeatSessions``; revision ``0012_seat_sessions``.
    """

    __tablename__ = "seat_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    seat_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
