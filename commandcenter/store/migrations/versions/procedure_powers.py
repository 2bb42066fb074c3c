"""enforcement_powers: the bureau's 权力清单 (事项, legal basis, 裁量基准), linked to violation codes and
categories; imported by `data import powers` (issue 16)

Revision ID: procedure_powers
Revises: procedure_joint
Create Date: 2026-12-02 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "procedure_powers"
down_revision = "procedure_joint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enforcement_powers",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("penalty_basis", sa.Text(), nullable=False),
        sa.Column("discretion", sa.Text(), nullable=False),
        sa.Column("violation_codes", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_enforcement_powers")),
    )


def downgrade() -> None:
    op.drop_table("enforcement_powers")
