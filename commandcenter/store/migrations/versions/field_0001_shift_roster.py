"""cases: the imported 班次 roster (``data import roster``): shifts per team, day and night

Revision ID: field_0001_shift_roster
Revises: 0002_cases
Create Date: 2026-12-02 11:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "field_0001_shift_roster"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shift_roster",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_roster")),
    )
    op.create_index(op.f("ix_shift_roster_team"), "shift_roster", ["team"])


def downgrade() -> None:
    op.drop_index(op.f("ix_shift_roster_team"), table_name="shift_roster")
    op.drop_table("shift_roster")
