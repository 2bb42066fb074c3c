"""Tables of the go-live data that the core had no place for: the bureau's category table and its no-fly zones.

Both used to live inside the installation (``resources/cases/categories.csv``, a hard-coded airport); a
bureau's own rows now live in its database, so an upgrade of the program never overwrites them and every
process (server, seats, CLI) reads the same ones.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commandcenter.store.models import Base

__all__ = ["CategoryRow", "NoFlyRow"]


class CategoryRow(Base):
    """One 小类 of the bureau's GB/T 30428.2 部件/事件 table; overrides the bundled row of the same 编码."""

    __tablename__ = "case_categories"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # 部件 | 事件
    major: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[int] = mapped_column(Integer, default=2)
    register_hours: Mapped[float] = mapped_column(Float, default=0.0)
    dispatch_hours: Mapped[float] = mapped_column(Float, default=0.0)
    handle_hours: Mapped[float] = mapped_column(Float, default=0.0)
    verify_hours: Mapped[float] = mapped_column(Float, default=0.0)
    close_condition: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    team: Mapped[str] = mapped_column(String(64), default="")
    auto_dispatch: Mapped[bool] = mapped_column(Boolean, default=False)
    name_en: Mapped[str] = mapped_column(String(128), default="")
    natural_hours: Mapped[bool] = mapped_column(Boolean, default=False)  # 计时方式 自然时: clock hours


class NoFlyRow(Base):
    """A no-fly (禁飞区) or height-limited (限高区) zone: a polygon, or a circle (centre and radius)."""

    __tablename__ = "nofly_zones"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # 禁飞区 | 限高区
    max_alt_m: Mapped[float | None] = mapped_column(Float, nullable=True)  # 限高区: ceiling above ground
    polygon: Mapped[list[list[float]]] = mapped_column(JSON, default=list)  # [[lat, lon], …] WGS-84
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)  # circle centre
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    radius_m: Mapped[float | None] = mapped_column(Float, nullable=True)
