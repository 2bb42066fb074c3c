"""seat sessions: the hashed tokens seats send with their commands to the server (issue 12)

Revision ID: 0012_seat_sessions
Revises: 0003_enforcement
Create Date: 2026-12-02 04:00:00

A seat's user logs in against ``users``; the seat then holds a random token whose SHA-256 is stored here with
the user, the seat, when it was made, when it expires and whether it was revoked.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_seat_sessions"
down_revision = "0003_enforcement"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "seat_sessions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("seat_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
        sa.Column("expires_at", Aware, nullable=False),
        sa.Column("revoked_at", Aware, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_seat_sessions_token_sha256")),
    )
    with op.batch_alter_table("seat_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seat_sessions_username"), ["username"], unique=False)


def downgrade() -> None:
    op.drop_table("seat_sessions")
