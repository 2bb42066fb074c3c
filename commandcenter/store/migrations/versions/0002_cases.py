"""cases: joint-enforcement tasks, merged duplicates, work-calendar overrides, queue/SLA/report/board indexes

Revision ID: 0002_cases
Revises: 0001_core
Create Date: 2026-11-21 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_cases"
down_revision = "0001_core"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "case_tasks",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_tasks_case_id_cases", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_case_tasks"),
    )
    op.create_index("ix_case_tasks_case_id", "case_tasks", ["case_id"], unique=False)
    op.create_table(
        "case_merges",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("merged_case_id", _ID, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_merges_case_id_cases", ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["merged_case_id"], ["cases.id"], name="fk_case_merges_merged_case_id_cases",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_case_merges"),
        sa.UniqueConstraint("merged_case_id", name="uq_case_merges_merged_case_id"),
    )
    op.create_index("ix_case_merges_case_id", "case_merges", ["case_id"], unique=False)
    op.create_table(
        "work_calendar_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_work_calendar_days"),
    )
    op.create_index("ix_cases_status_deadline", "cases", ["status", "deadline_at"], unique=False)
    op.create_index("ix_cases_status_source", "cases", ["status", "source"], unique=False)
    op.create_index("ix_cases_category_created", "cases", ["category", "created_at"], unique=False)
    op.create_index("ix_cases_status_officer", "cases", ["status", "assigned_officer"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_status_officer", table_name="cases")
    op.drop_index("ix_cases_category_created", table_name="cases")
    op.drop_index("ix_cases_status_source", table_name="cases")
    op.drop_index("ix_cases_status_deadline", table_name="cases")
    op.drop_table("work_calendar_days")
    op.drop_index("ix_case_merges_case_id", table_name="case_merges")
    op.drop_table("case_merges")
    op.drop_index("ix_case_tasks_case_id", table_name="case_tasks")
    op.drop_table("case_tasks")
