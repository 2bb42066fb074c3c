"""The segment index table (migration ``recording_segments``): one row per closed MP4 segment on disk.

A row is written only after its file was renamed from the temporary name to its final one, so every row names a
whole, playable file; a segment being written has no row (a crash loses at most that one). Times are wall-clock
UTC of the first and past-the-last frame, so spans of different cameras line up on one timeline. A drone's video
downlink is recorded like a camera and its rows also carry the drone id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from commandcenter.store.models import Base, BigId, UtcDateTime


class RecordingSegmentRow(Base):
    """One closed segment file of one camera."""

    __tablename__ = "recording_segments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column(UtcDateTime())
    end: Mapped[datetime] = mapped_column(UtcDateTime())
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    # The drone whose video downlink this is (migration recording_drone_id); None for a fixed camera. 复盘 finds a
    # drone's recordings by it, whatever camera id its downlink has on the wall.
    drone_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_recording_segments_camera_start", "camera_id", "start"),
                      Index("ix_recording_segments_start", "start"),
                      Index("ix_recording_segments_drone_start", "drone_id", "start"))  # retention: the oldest first
