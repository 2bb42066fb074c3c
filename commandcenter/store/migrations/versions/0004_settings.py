"""settings: facts about the database itself (e.g. that the demo made it)

Revision ID: 0004_settings
Revises: 0001_core
Create Date: 2026-12-02 01:00:00

``purpose = demo`` marks a database the demo created: only such a database gets the demo accounts (whose
passwords are published), and ``commandcenter run`` refuses it.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_settings"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )


def downgrade() -> None:
    op.drop_table("settings")
