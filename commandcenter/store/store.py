"""The store: one database (SQLite file by default, any SQLAlchemy URL otherwise), one writer thread.

Why one writer: SQLite allows one writer at a time, and even on PostgreSQL a single ordered writer makes the
order of case events the order they were acknowledged. Every write is a job submitted to the writer thread and
answered with a ``concurrent.futures.Future``; the GUI thread never waits on the database. Position fixes, the
one high-rate write, are coalesced: all fix batches queued while the writer was busy go in as one
``executemany`` in one transaction.

Readers run on the caller's thread with their own connection (WAL lets them read while the writer writes) and
get plain dataclasses, dicts or DataFrames, never live ORM objects.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Engine, create_engine, event, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from commandcenter import paths
from commandcenter.store import models

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreError(RuntimeError):
    """A database problem with context: which URL, which operation."""


@dataclass(frozen=True, slots=True)
class FixRow:
    """A position fix ready for the store (unit already resolved from the device key)."""

    unit_id: str
    time: datetime
    lat: float
    lon: float
    speed: float | None
    heading: float | None
    source: str


def default_url() -> str:
    """The embedded default: an SQLite file in the user's data dir (XDG; ``CC_DATA_DIR`` overrides)."""
    return f"sqlite:///{paths.data_dir() / 'commandcenter.db'}"


def _describe(url: str) -> str:
    """The URL with any password masked, for messages and the status bar."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


_STOP = object()
PRIORITY_JOB, PRIORITY_FIXES, PRIORITY_STOP = 0, 1, 2
MAX_FIXES_PER_TRANSACTION = 5000  # a case queued behind a flood of positions waits for at most one such batch


class Store:
    """Database access for the whole application. Thread-safe; see the module docstring for the rules."""

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = url or default_url()
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise StoreError(f"database URL {self.url!r} is not a valid SQLAlchemy URL: {exc}") from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(self.url, echo=echo, pool_pre_ping=not self.is_sqlite)
        except Exception as exc:  # missing driver, bad options
            raise StoreError(f"cannot open database {_describe(self.url)}: {exc}") from exc
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Case work before positions: jobs (priority 0) overtake queued fix batches (priority 1), so a case a
        # dispatcher just acknowledged never waits behind a flood of positions. Within a priority, FIFO.
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._writer = threading.Thread(target=self._write_loop, name="store-writer", daemon=True)
        self._writer.start()
        self.writes_done = 0
        self.write_errors = 0
        self.fixes_written = 0

    @property
    def description(self) -> str:
        """Human-readable database in use (for the status bar): 'SQLite …/commandcenter.db' or the masked URL."""
        if self.is_sqlite:
            return f"SQLite {make_url(self.url).database}"
        return _describe(self.url)

    # ----------------------------------------------------------------------------------------------- schema
    def upgrade(self, revision: str = "heads") -> None:
        """Bring the schema up to date with the Alembic migrations (what ``commandcenter db upgrade`` runs)."""
        from commandcenter.store.migrate import upgrade

        try:
            upgrade(self.engine, revision)
        except Exception as exc:
            raise StoreError(f"schema upgrade of {_describe(self.url)} failed: {exc}") from exc

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    # ----------------------------------------------------------------------------------------------- writes
    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        """Run ``job(session)`` on the writer thread inside one transaction; the future holds its result.

        A job that raises is rolled back alone; the exception is set on its future (with the job's name) and
        the writer goes on with the next job.
        """
        fut: Future[T] = Future()
        self._put(PRIORITY_JOB, (job, fut))
        return fut

    def write(self, job: Callable[[Session], T], timeout: float | None = 30.0) -> T:
        """Submit and wait: for the CLI, tests and worker threads. Never call this on the GUI thread."""
        return self.submit(job).result(timeout)

    def add_fixes(self, rows: Sequence[FixRow]) -> Future[int]:
        """Queue position fixes for a coalesced bulk insert; the future holds how many were written."""
        fut: Future[int] = Future()
        self._put(PRIORITY_FIXES, (_FixBatch(list(rows)), fut))
        return fut

    def _put(self, priority: int, item: Any) -> None:
        self._queue.put((priority, next(self._seq), item))

    def _get(self, block: bool = True) -> Any:
        return self._queue.get(block)[2]

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every job and fix batch queued so far is written."""
        fut: Future[None] = Future()
        self._put(PRIORITY_FIXES, (lambda _s: None, fut))  # queued behind the fixes already waiting
        fut.result(timeout)

    def _write_loop(self) -> None:
        pending: Any = None
        while True:
            item, pending = (pending if pending is not None else self._get()), None
            if item is _STOP:
                return
            job, fut = item
            if isinstance(job, _FixBatch):
                pending = self._write_fixes(job, fut)
                continue
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                with self._sessions.begin() as session:
                    result = job(session)
                self.writes_done += 1
                fut.set_result(result)
            except BaseException as exc:
                self.write_errors += 1
                name = getattr(job, "__qualname__", repr(job))
                log.warning("store write %s failed: %s", name, exc)
                fut.set_exception(exc)

    def _write_fixes(self, first: _FixBatch, first_fut: Future[int]) -> Any:
        """Drain the fix batches queued right behind ``first`` into one transaction.

        Returns the first non-fix item met (or None): it is handled next, so jobs keep their queue order.
        """
        batches: list[tuple[_FixBatch, Future[int]]] = [(first, first_fut)]
        rows_taken = len(first.rows)
        following: Any = None
        while True:
            try:
                item = self._get(block=False)
            except queue.Empty:
                break
            if item is not _STOP and isinstance(item[0], _FixBatch) and rows_taken < MAX_FIXES_PER_TRANSACTION:
                batches.append(item)
                rows_taken += len(item[0].rows)
            else:
                following = item
                break
        fixes = [r for batch, _ in batches for r in batch.rows]
        try:
            if fixes:
                with self._sessions.begin() as session:
                    self._insert_fixes(session, fixes)
            self.fixes_written += len(fixes)
            for batch, fut in batches:
                fut.set_result(len(batch.rows))
        except Exception as exc:
            self.write_errors += 1
            log.warning("store: writing %d position fixes failed: %s", len(fixes), exc)
            for _, fut in batches:
                fut.set_exception(exc)
        return following

    def _insert_fixes(self, session: Session, fixes: list[FixRow]) -> None:
        """Bulk insert. On SQLite straight through the driver's executemany: the ORM's per-row processing
        costs more than the insert itself, and positions are the one write that comes in tens of thousands."""
        if self.is_sqlite:
            rows = [(f.unit_id, f.time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), f.lat, f.lon, f.speed,
                     f.heading, f.source) for f in fixes]
            cursor = session.connection().connection.cursor()
            cursor.executemany("INSERT INTO position_fixes (unit_id, time, lat, lon, speed, heading, source) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            return
        session.execute(insert(models.PositionFix), [
            {"unit_id": f.unit_id, "time": f.time, "lat": f.lat, "lon": f.lon, "speed": f.speed,
             "heading": f.heading, "source": f.source} for f in fixes])

    # ----------------------------------------------------------------------------------------------- reads
    def read(self, query: Callable[[Session], T]) -> T:
        """Run a read-only ``query(session)`` on the caller's thread. Return plain data from it, not ORM rows."""
        with self._sessions() as session:
            return query(session)

    def frame(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """A DataFrame from SQL text (analytics, reports)."""
        with self.engine.connect() as conn:
            return pd.read_sql_query(text(sql), conn, params=params or {})

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params or {}).scalar()

    # ----------------------------------------------------------------------------------------------- life
    def close(self, timeout: float = 30.0) -> None:
        """Finish queued writes, stop the writer, close connections."""
        if self._writer.is_alive():
            self._put(PRIORITY_STOP, _STOP)
            self._writer.join(timeout)
        self.engine.dispose()


class _FixBatch:
    __slots__ = ("rows",)

    def __init__(self, rows: list[FixRow]) -> None:
        self.rows = rows


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, foreign keys on, FULL sync so an acknowledged case survives a power cut."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def utcnow() -> datetime:
    """Timezone-aware now; the one clock the core uses for stored times."""
    return datetime.now(UTC)

