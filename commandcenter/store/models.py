"""ORM tables of the core domain (SQLAlchemy 2.x declarative).

These classes stay inside the store: readers get plain dataclasses or DataFrames (see ``store.py``), never live
ORM objects, so a view can never trigger lazy loading (I/O) on the GUI thread. Other core packages add their
tables to the same ``Base`` in their own modules (e.g. ``commandcenter.cases.tables``); Alembic migrations in
``store/migrations/versions`` are the schema's source of truth for real databases.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names so migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BigInteger primary keys autoincrement on PostgreSQL; on SQLite they must be INTEGER to alias the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zones: without this, a value written aware comes back naive and comparisons across
    the two raise. Naive input is refused, because guessing the zone of a case's deadline is how SLAs break.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Setting(Base):
    """One fact about the database itself, e.g. ``purpose = demo`` on a database the demo made (see
    ``commandcenter.store.settings``)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Officer(Base):
    __tablename__ = "officers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    badge: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(64), default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    duty_grid: Mapped[str] = mapped_column(String(64), default="")  # 责任区 / 单元网格 code of the post
    device: Mapped[str] = mapped_column(String(64), default="")  # OsmAnd device id
    status: Mapped[str] = mapped_column(String(16), default="idle")
    status_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    phone: Mapped[str] = mapped_column(String(32), default="")  # 手机 (from `data import officers`)


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plate: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    team: Mapped[str] = mapped_column(String(64), default="")
    terminal: Mapped[str] = mapped_column(String(32), default="", index=True)  # JT/T 808 phone number
    status: Mapped[str] = mapped_column(String(16), default="idle")
    status_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Camera(Base):
    __tablename__ = "cameras"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(Text)
    sub_url: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    group: Mapped[str] = mapped_column("group_name", String(64), default="")
    ptz: Mapped[bool] = mapped_column(Boolean, default=False)
    record_mode: Mapped[str] = mapped_column(String(16), default="")  # continuous | alarm | schedule | off | ""
    record_schedule: Mapped[str] = mapped_column(String(200), default="")  # "07:00-12:00;14:00-22:00" (schedule)


class Drone(Base):
    __tablename__ = "drones"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    video: Mapped[str] = mapped_column(Text, default="")
    sysid: Mapped[int] = mapped_column(Integer, default=0)


class Sensor(Base):
    __tablename__ = "sensors"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    camera_id: Mapped[str] = mapped_column(String(64), default="")
    # What the poller needs (``data import sensors``; a [[sensors]] entry of the config keeps its own values).
    name: Mapped[str] = mapped_column(String(128), default="")
    protocol: Mapped[str] = mapped_column(String(16), default="modbus-rtu")
    baudrate: Mapped[int] = mapped_column(Integer, default=9600)
    unit: Mapped[int] = mapped_column(Integer, default=1)
    period_s: Mapped[float] = mapped_column(Float, default=60.0)
    timeout_s: Mapped[float] = mapped_column(Float, default=1.0)
    # [{"measure", "address", "type", "scale", "unit"}, …] as RegisterConfig
    registers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    topic: Mapped[str] = mapped_column(String(256), default="")


class Zone(Base):
    """A polygon of the bureau's geography: 疏导点, 管控点, 特色点, 禁止设摊区, 单元网格, 责任区."""

    __tablename__ = "zones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    polygon: Mapped[list[list[float]]] = mapped_column(JSON)  # [[lat, lon], …] WGS-84, ring not repeated
    parent_code: Mapped[str] = mapped_column(String(32), default="")  # a grid cell's 责任区


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. AJ20261121000123
    source: Mapped[str] = mapped_column(String(16), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 工单编号 / Open311 token
    category: Mapped[str] = mapped_column(String(32), default="")  # 小类 code
    category_name: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(256), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    grid_code: Mapped[str] = mapped_column(String(32), default="", index=True)  # 单元网格
    area_code: Mapped[str] = mapped_column(String(32), default="")  # 责任区
    status: Mapped[str] = mapped_column(String(24), index=True)
    urgency: Mapped[int] = mapped_column(Integer, default=2)  # 1 紧急 … 3 一般
    assigned_officer: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    reporter: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # 立案
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # 派遣
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # 处置完成
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)  # 结案
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    extra: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_cases_source_external", "source", "external_id", unique=True),
        Index("ix_cases_status_created", "status", "created_at"),
    )


class CaseEvent(Base):
    """Who did what to a case, when and why. Appended, never updated."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(24), default="")
    to_status: Mapped[str] = mapped_column(String(24), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class PositionFix(Base):
    __tablename__ = "position_fixes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float, nullable=True)
    heading: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_position_fixes_unit_time", "unit_id", "time"),)


class Evidence(Base):
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), nullable=True, index=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    device: Mapped[str] = mapped_column(String(64), default="")
    officer: Mapped[str] = mapped_column(String(64), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class TerminalRegistration(Base):
    """A JT/T 808 terminal's registration (``commandcenter.runtime.registrations``): kept so it survives a
    restart, ended (``revoked_at``) by the terminal's logout or an operator's ``tracker deregister``.

    Only the SHA-256 of the auth code is stored. A new registration of the phone replaces the row.
    """

    __tablename__ = "jt808_registrations"
    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    plate: Mapped[str] = mapped_column(String(32), default="")
    plate_colour: Mapped[int] = mapped_column(Integer, default=0)
    maker_id: Mapped[str] = mapped_column(String(16), default="")
    model: Mapped[str] = mapped_column(String(32), default="")
    terminal_id: Mapped[str] = mapped_column(String(32), default="")
    peer: Mapped[str] = mapped_column(String(64), default="")
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(64), default="")  # "logout", "operator" or the CLI user
