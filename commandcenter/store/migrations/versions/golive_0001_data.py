"""go-live data: officers' phones, cameras' record mode, the bureau's category table and no-fly zones in the database (issue 16)

Revision ID: golive_0001_data
Revises: 0002_cases
Create Date: 2026-12-02 07:20:00

``commandcenter data import`` writes these (commandcenter/golive/); the 单元网格/责任区 go to the existing
``zones`` table and calendar days to ``work_calendar_days``.
"""
import sqlalchemy as sa
from alembic import op

revision = "golive_0001_data"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=32), nullable=False, server_default=""))
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("record_mode", sa.String(length=16), nullable=False, server_default=""))
    op.create_table(
        "case_categories",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("major", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("register_hours", sa.Float(), nullable=False),
        sa.Column("dispatch_hours", sa.Float(), nullable=False),
        sa.Column("handle_hours", sa.Float(), nullable=False),
        sa.Column("verify_hours", sa.Float(), nullable=False),
        sa.Column("close_condition", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("auto_dispatch", sa.Boolean(), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_case_categories")),
    )
    op.create_table(
        "nofly_zones",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("max_alt_m", sa.Float(), nullable=True),
        sa.Column("polygon", sa.JSON(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nofly_zones")),
    )


def downgrade() -> None:
    op.drop_table("nofly_zones")
    op.drop_table("case_categories")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_column("record_mode")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("phone")
