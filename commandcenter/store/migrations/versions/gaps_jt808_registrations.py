"""jt808_registrations: JT/T 808 registrations that survive a restart and can be ended by an operator

Revision ID: gaps_jt808_registrations
Revises: 0001_core
Create Date: 2026-12-02 04:00:00

One row per terminal phone number: the SHA-256 of its auth code, what it said about itself in 0x0100, and
when (and by whom) the registration ended. See commandcenter/runtime/registrations.py.
"""
import sqlalchemy as sa
from alembic import op

revision = "gaps_jt808_registrations"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jt808_registrations",
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("plate", sa.String(length=32), nullable=False),
        sa.Column("plate_colour", sa.Integer(), nullable=False),
        sa.Column("maker_id", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_jt808_registrations")),
    )


def downgrade() -> None:
    op.drop_table("jt808_registrations")
