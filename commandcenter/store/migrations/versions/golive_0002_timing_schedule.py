"""go-live data: a category's 计时方式 (自然时 for urgent safety categories) and an imported camera's 录像时段

Revision ID: golive_0002_timing_schedule
Revises: golive_0001_data
Create Date: 2026-12-02 08:20:00

``data import categories`` keeps the 计时方式 column of the bundled table (natural clock hours instead of the
work calendar), and ``data import cameras`` the time windows of a camera recorded on a schedule.
"""
import sqlalchemy as sa
from alembic import op

revision = "golive_0002_timing_schedule"
down_revision = "golive_0001_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_categories") as batch:
        batch.add_column(sa.Column("natural_hours", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("record_schedule", sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("record_schedule")
    with op.batch_alter_table("case_categories") as batch:
        batch.drop_column("natural_hours")
