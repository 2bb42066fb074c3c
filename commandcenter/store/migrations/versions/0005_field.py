"""field: pairing codes and device tokens of the officers' phones (城管通), stored hashed

Revision ID: 0005_field
Revises: 0001_core
Create Date: 2026-12-02 04:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_field"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "field_pairings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_pairings")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_field_pairings_code_sha256")),
    )
    op.create_index(op.f("ix_field_pairings_officer_id"), "field_pairings", ["officer_id"])
    op.create_table(
        "field_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_field_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_field_tokens_officer_id"), "field_tokens", ["officer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_field_tokens_officer_id"), table_name="field_tokens")
    op.drop_table("field_tokens")
    op.drop_index(op.f("ix_field_pairings_officer_id"), table_name="field_pairings")
    op.drop_table("field_pairings")
