"""Tables of the departments' phones (migration ``golive_0004_department_tokens``): pairing codes and tokens of
a 吹哨报到 department's contact, stored hashed like the officers' (:mod:`commandcenter.field.tables`).

Separate from the officers' tables on purpose: a department's token must never pass for an officer's (an
officer's phone reports positions, files cases and acts with the ``field`` role); it only reads and answers that
department's joint tasks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from commandcenter.store.models import Base, UtcDateTime


class DepartmentPairing(Base):
    """A one-time pairing code of one department (``departments.id``): valid until ``expires_at``, used once."""

    __tablename__ = "department_pairings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class DepartmentToken(Base):
    """A bearer token of a department contact's phone; ``revoked_at`` set by ``field revoke --department``."""

    __tablename__ = "department_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
