"""The reading history of the sensors (migration ``0014_sensor_readings``), downsampled so it stays bounded.

A sensor polled every 2 s would write 43,200 rows a day per measure; the history a dispatcher reads (a bin's
level over the day, a toilet's NH3 over the week) needs far less. So readings are kept in buckets of
``BUCKET_S`` seconds (mean, min, max and count of the readings that fell in it) and buckets older than
``RETENTION_DAYS`` are deleted: at most sensors × measures × 2,016 rows whatever the polling period.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from commandcenter.store.models import Base, BigId, UtcDateTime

BUCKET_S = 300
RETENTION_DAYS = 7


class SensorReadingRow(Base):
    """One bucket of one measure of one sensor: ``at`` is the bucket's start."""

    __tablename__ = "sensor_readings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sensor_id: Mapped[str] = mapped_column(String(64))
    measure: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    mean: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_sensor_readings_sensor_at", "sensor_id", "at"),
                      Index("ix_sensor_readings_at", "at"))  # the retention sweep
