"""kpi_indexes: cases by 立案 time and case events by action and time, for the period figures (issue 18)

Revision ID: kpi_indexes
Revises: 0001_core
Create Date: 2026-12-02 07:10:00

See commandcenter/kpi/tables.py for why.
"""
from alembic import op

revision = "kpi_indexes"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_registered_at", "cases", ["registered_at"])
    op.create_index("ix_case_events_action_time", "case_events", ["action", "time"])


def downgrade() -> None:
    op.drop_index("ix_case_events_action_time", table_name="case_events")
    op.drop_index("ix_cases_registered_at", table_name="cases")
