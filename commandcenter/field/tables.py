"""Tables of the field API (migration ``0005_field``): pairing codes and device tokens, both stored hashed.

Why hashed: a copy of the database (a backup, a PostgreSQL replica) must not let anyone act as an officer. The
code and the token are shown once (the code by ``commandcenter field pair``, the token to the phone that
redeemed the code); the tables keep only their SHA-256. Rows are never deleted: a used code keeps ``used_at``,
a revoked token keeps ``revoked_at`` — who paired which phone when is part of the record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from commandcenter.store.models import Base, UtcDateTime


class FieldPairing(Base):
    """A one-time pairing code of one officer: valid until ``expires_at``, used at most once."""

    __tablename__ = "field_pairings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    officer_id: Mapped[str] = mapped_column(String(64), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class FieldToken(Base):
    """A bearer token of one officer's phone; ``revoked_at`` set by ``commandcenter field revoke``."""

    __tablename__ = "field_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    officer_id: Mapped[str] = mapped_column(String(64), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
