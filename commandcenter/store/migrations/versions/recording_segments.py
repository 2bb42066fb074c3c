"""recording_segments: the index of recorded MP4 segments by camera and time (issue 17)

Revision ID: recording_segments
Revises: 0001_core
Create Date: 2026-12-02 07:00:00

One row per closed segment file (commandcenter.recording.tables); the recorder adds rows after the file is
renamed to its final name, retention deletes the oldest rows with their files.
"""
import sqlalchemy as sa
from alembic import op

revision = "recording_segments"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_segments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_segments")),
        sa.UniqueConstraint("path", name=op.f("uq_recording_segments_path")),
    )
    op.create_index("ix_recording_segments_camera_start", "recording_segments", ["camera_id", "start"],
                    unique=False)
    op.create_index("ix_recording_segments_start", "recording_segments", ["start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_recording_segments_start", table_name="recording_segments")
    op.drop_index("ix_recording_segments_camera_start", table_name="recording_segments")
    op.drop_table("recording_segments")
