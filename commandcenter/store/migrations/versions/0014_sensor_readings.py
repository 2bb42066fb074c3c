"""sensor_readings: the downsampled reading history of the IoT sensors (issue 14)

Revision ID: 0014_sensor_readings
Revises: 0001_core
Create Date: 2026-12-02 04:30:00

One row per sensor, measure and 5-minute bucket (mean/min/max/count), kept 7 days (commandcenter.sensors.tables).
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_sensor_readings"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sensor_readings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor_readings")),
    )
    op.create_index("ix_sensor_readings_sensor_at", "sensor_readings", ["sensor_id", "at"], unique=False)
    op.create_index("ix_sensor_readings_at", "sensor_readings", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_sensor_readings_at", table_name="sensor_readings")
    op.drop_index("ix_sensor_readings_sensor_at", table_name="sensor_readings")
    op.drop_table("sensor_readings")
