"""go-live data: an imported sensor's protocol, line settings, register map and topic

Revision ID: golive_0003_sensor_links
Revises: golive_0002_timing_schedule
Create Date: 2026-12-02 11:10:00

``data import sensors`` keeps what the poller needs (protocol, serial speed, slave id, period, timeout, the
Modbus register map, the MQTT topic), so the server polls an imported sensor exactly like a ``[[sensors]]`` one.
"""
import sqlalchemy as sa
from alembic import op

revision = "golive_0003_sensor_links"
down_revision = "golive_0002_timing_schedule"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sensors") as batch:
        batch.add_column(sa.Column("name", sa.String(length=128), nullable=False, server_default=""))
        batch.add_column(sa.Column("protocol", sa.String(length=16), nullable=False, server_default="modbus-rtu"))
        batch.add_column(sa.Column("baudrate", sa.Integer(), nullable=False, server_default="9600"))
        batch.add_column(sa.Column("unit", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("period_s", sa.Float(), nullable=False, server_default="60"))
        batch.add_column(sa.Column("timeout_s", sa.Float(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("registers", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("topic", sa.String(length=256), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sensors") as batch:
        for column in ("topic", "registers", "timeout_s", "period_s", "unit", "baudrate", "protocol", "name"):
            batch.drop_column(column)
