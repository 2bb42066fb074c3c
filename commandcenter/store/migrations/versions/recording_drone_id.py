"""recording_drone_id: recorded segments of a drone's video downlink carry the drone id (issue 17, 复盘)

Revision ID: recording_drone_id
Revises: recording_segments
Create Date: 2026-12-02 11:15:00

A nullable column (fixed cameras leave it empty) and an index by (drone_id, start): the incident replay asks
"which drones have video in this span" and then reads each drone's segments in time order.
"""
import sqlalchemy as sa
from alembic import op

revision = "recording_drone_id"
down_revision = "recording_segments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recording_segments") as batch:
        batch.add_column(sa.Column("drone_id", sa.String(length=64), nullable=True))
    op.create_index("ix_recording_segments_drone_start", "recording_segments", ["drone_id", "start"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_recording_segments_drone_start", table_name="recording_segments")
    with op.batch_alter_table("recording_segments") as batch:
        batch.drop_column("drone_id")
