"""departments: the directory of departments summoned by 吹哨报到, with contacts and seat accounts (issue 16)

Revision ID: procedure_joint
Revises: procedure_steps
Create Date: 2026-12-02 07:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = "procedure_joint"
down_revision = "procedure_steps"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Aware = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("response_hours", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", Aware, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("name", name=op.f("uq_departments_name")),
    )
    op.create_index(op.f("ix_departments_username"), "departments", ["username"])


def downgrade() -> None:
    op.drop_index(op.f("ix_departments_username"), table_name="departments")
    op.drop_table("departments")
