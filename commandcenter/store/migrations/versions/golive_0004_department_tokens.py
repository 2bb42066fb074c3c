"""department phones: pairing codes and bearer tokens of 吹哨报到 departments' contacts (issue 16)

Revision ID: golive_0004_department_tokens
Revises: golive_0003_sensor_links
Create Date: 2026-12-02 11:30:00

``commandcenter field pair --department DEPT`` issues a code; the contact's phone redeems it in the field app
and answers that department's joint tasks (commandcenter.field.departments). Both stored as SHA-256 only.
"""
import sqlalchemy as sa
from alembic import op

revision = "golive_0004_department_tokens"
down_revision = "golive_0003_sensor_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department_pairings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_pairings")),
        sa.UniqueConstraint("code_sha256", name=op.f("uq_department_pairings_code_sha256")),
    )
    op.create_index(op.f("ix_department_pairings_department_id"), "department_pairings", ["department_id"])
    op.create_table(
        "department_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_department_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_department_tokens_department_id"), "department_tokens", ["department_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_department_tokens_department_id"), table_name="department_tokens")
    op.drop_table("department_tokens")
    op.drop_index(op.f("ix_department_pairings_department_id"), table_name="department_pairings")
    op.drop_table("department_pairings")
