"""The store: one database (SQLite file by default, any SQLAlchemy URL otherwise), one writer thread.

Why one writer: SQLite allows one writer at a time, and even on PostgreSQL a single ordered writer makes the
order of case events the order they were acknowledged. Every write is a job submitted to the writer thread and
answered with a ``concurrent.futures.Future``; the GUI thread never waits on the database. Position fixes, the
one high-rate write, are coalesced: all fix batches queued while the writer was busy go in as one
``executemany`` in one transaction.

That coalescing is the group commit that makes "acknowledged means stored" affordable: a fix batch's future
resolves only after its transaction has committed, and devices are answered then (JT/T 808 0x8001, OsmAnd 200,
see ``runtime.units.UnitTracker.ingest``). With WAL and ``synchronous=FULL`` every commit waits for an fsync of
the WAL (milliseconds on an SSD, tens on a busy disk), so committing fix by fix would cap ingest at a few hundred
fixes a second; the device manager hands over one batch per 50 ms and the writer folds every batch that queued
behind a commit into the next transaction (up to ``MAX_FIXES_PER_TRANSACTION``), so one fsync acknowledges
thousands of fixes from hundreds of devices, and the slower the disk, the larger the group.

Readers run on the caller's thread with their own connection (WAL lets them read while the writer writes) and
get plain dataclasses, dicts or DataFrames, never live ORM objects.

Other processes write to the same database (a second console, the CLI's ``user add``, later the server), so what
must be unique across processes (the audit chain head, case codes, document numbers) is read from the database
inside the writing transaction, under a lock the database holds for that transaction: SQLite transactions of the
writer start with ``BEGIN IMMEDIATE`` (the file's write lock, taken before the first read), PostgreSQL jobs take
``pg_advisory_xact_lock(WRITER_LOCK_KEY)``. Two writers therefore never read the same head. Schema upgrades are
serialised across processes the same way (a lock file beside an SQLite database, an advisory lock on PostgreSQL),
so two processes starting on a new database at once upgrade it once.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from commandcenter import paths
from commandcenter.store import models
from commandcenter.store.write_queue import FixBatch, WriteQueue

if TYPE_CHECKING:
    import pandas as pd

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


MAX_FIXES_PER_TRANSACTION = 5000  # a case queued behind a flood of positions waits for at most one such batch
# PostgreSQL advisory lock keys (any 64-bit numbers no other application on the database uses): "CCWRITER"/"CCSCHEMA".
WRITER_LOCK_KEY = 0x4343575249544552 & 0x7FFFFFFFFFFFFFFF
SCHEMA_LOCK_KEY = 0x4343534348454D41 & 0x7FFFFFFFFFFFFFFF
# How long a writer waits for another process's write transaction before it reports the database as locked.
WRITE_LOCK_WAIT_S = 30.0


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
        self._write_engine = self._make_write_engine(parsed.database or "", echo)
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)
        # Case work before positions, positions within 200 ms (commandcenter/store/write_queue.py).
        self._queue = WriteQueue()
        self._writer = threading.Thread(target=self._write_loop, name="store-writer", daemon=True)
        self._writer.start()
        self.writes_done = 0
        self.write_errors = 0
        self.fixes_written = 0

    def _make_write_engine(self, database: str, echo: bool) -> Engine:
        """The writer thread's own engine. On SQLite its transactions begin with ``BEGIN IMMEDIATE``: the write
        lock is taken before the transaction's first read, so a head or a serial read inside it is still the
        head when the transaction commits, whichever other process writes to the file. (An in-memory database
        exists once per engine, so there the writer shares the readers' engine.)"""
        if not self.is_sqlite:
            return self.engine
        if not database or database == ":memory:":
            return self.engine
        engine = create_engine(self.url, echo=echo)
        event.listen(engine, "connect", _sqlite_writer_connection)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine

    @contextlib.contextmanager
    def _write_transaction(self, *, exclusive: bool = True) -> Iterator[Session]:
        """One writer transaction; with ``exclusive`` it holds the cross-process writer lock until commit."""
        with self._write_sessions.begin() as session:
            if exclusive and self._write_engine.dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})
            yield session

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
            with self._schema_lock():
                upgrade(self.engine, revision)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"schema upgrade of {_describe(self.url)} failed: {exc}") from exc

    @contextlib.contextmanager
    def _schema_lock(self) -> Iterator[None]:
        """Held while the schema is upgraded, across processes: the first process upgrades, the others wait and
        then find the schema current. SQLite: an flock on ``<database>.schema-lock`` beside the file;
        PostgreSQL: a session advisory lock on a connection of its own."""
        database = make_url(self.url).database or ""
        if self.is_sqlite and database and database != ":memory:":
            lock_path = Path(database).expanduser().with_name(Path(database).name + ".schema-lock")
            with lock_path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            return
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
                    conn.commit()
            return
        yield

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    # ----------------------------------------------------------------------------------------------- writes
    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        """Run ``job(session)`` on the writer thread inside one transaction; the future holds its result.

        A job that raises is rolled back alone; the exception is set on its future (with the job's name) and
        the writer goes on with the next job.
        """
        fut: Future[T] = Future()
        self._queue.put_job((job, fut))
        return fut

    def write(self, job: Callable[[Session], T], timeout: float | None = 30.0) -> T:
        """Submit and wait: for the CLI, tests and worker threads. Never call this on the GUI thread."""
        return self.submit(job).result(timeout)

    def add_fixes(self, rows: Sequence[FixRow]) -> Future[int]:
        """Queue position fixes for a coalesced bulk insert; the future holds how many were written."""
        fut: Future[int] = Future()
        self._queue.put_fixes((FixBatch(rows), fut))
        return fut

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every job and fix batch queued so far is written."""
        deadline = time.monotonic() + timeout
        self.submit(lambda _s: None).result(timeout)  # jobs run in order: those before it are done
        fut: Future[None] = Future()
        self._queue.put_fixes((lambda _s: None, fut))  # the fix lane in order: the batches before it are written
        fut.result(max(0.0, deadline - time.monotonic()))

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:  # stopped, everything written
                return
            job, fut = item
            if isinstance(job, FixBatch):
                self._write_fixes([(job, fut), *self._queue.take_fixes(MAX_FIXES_PER_TRANSACTION - len(job.rows))])
                continue
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                with self._write_transaction() as session:
                    result = job(session)
                self.writes_done += 1
                fut.set_result(result)
            except BaseException as exc:
                self.write_errors += 1
                name = getattr(job, "__qualname__", repr(job))
                log.warning("store write %s failed: %s", name, exc)
                fut.set_exception(exc)

    def _write_fixes(self, batches: list[tuple[FixBatch, Future[Any]]]) -> None:
        """The fix batches queued meanwhile, in one transaction: one commit acknowledges them all."""
        fixes = [r for batch, _ in batches for r in batch.rows]
        try:
            if fixes:
                # Fixes touch nothing unique: no advisory lock on PostgreSQL (SQLite's file lock is implied).
                with self._write_transaction(exclusive=False) as session:
                    self._insert_fixes(session, fixes)
            self.fixes_written += len(fixes)
            for batch, fut in batches:
                fut.set_result(len(batch.rows))
        except Exception as exc:
            self.write_errors += 1
            log.warning("store: writing %d position fixes failed: %s", len(fixes), exc)
            for _, fut in batches:
                fut.set_exception(exc)

    def _insert_fixes(self, session: Session, fixes: list[FixRow]) -> None:
        """Bulk insert. On SQLite straight through the driver's executemany: the ORM's per-row processing
        costs more than the insert itself, and positions are the one write that comes in tens of thousands."""
        if self.is_sqlite:
            # SQLAlchemy's DATETIME text on SQLite (naive UTC, microseconds); isoformat, because strftime imports
            # the time module on every call, which costs microseconds per fix with PySide6's import hook.
            # Fix times have one-second resolution and a batch's fixes share a few seconds (a round of
            # terminals, a JT/T 808 0x0704 batch): each distinct time is converted once.
            texts: dict[datetime, str] = {}
            rows = []
            for f in fixes:
                when = texts.get(f.time)
                if when is None:
                    when = texts[f.time] = f.time.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
                rows.append((f.unit_id, when, f.lat, f.lon, f.speed, f.heading, f.source))
            # Closed here, on the writer thread: an unclosed cursor resets the connection's cached INSERT when it
            # is freed, and a frame of this function kept alive elsewhere (a stack sampler, a traceback held by a
            # future) frees it on another thread, in the middle of the next batch's insert: SQLite then refuses
            # that batch ("bad parameter or other API misuse") and its devices have to send it again.
            cursor = session.connection().connection.cursor()
            try:
                cursor.executemany("INSERT INTO position_fixes (unit_id, time, lat, lon, speed, heading, source) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            finally:
                cursor.close()
            return
        if self._write_engine.dialect.driver == "psycopg2":
            # PostgreSQL: one COPY per transaction. The ORM's bulk insert spent ~25 µs of Python per row
            # building parameter dicts and multi-row VALUES; COPY's text format costs a few, and the server
            # parses it faster than INSERT too (10,000 units at 1 Hz on a 2-core server, bench_hall).
            cursor = session.connection().connection.cursor()
            try:
                cursor.copy_expert("COPY position_fixes (unit_id, time, lat, lon, speed, heading, source) FROM STDIN",
                                   io.StringIO(_copy_text(fixes)))
            finally:
                cursor.close()
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
        import pandas as pd  # a quarter second to import: paid by the first report, not by every start-up

        with self.engine.connect() as conn:
            return pd.read_sql_query(text(sql), conn, params=params or {})

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params or {}).scalar()

    # ----------------------------------------------------------------------------------------------- life
    def close(self, timeout: float = 30.0) -> None:
        """Finish queued writes, stop the writer, close connections."""
        if self._writer.is_alive():
            self._queue.stop()
            self._writer.join(timeout)
        if self._write_engine is not self.engine:
            self._write_engine.dispose()
        self.engine.dispose()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(fixes: Sequence[FixRow]) -> str:
    """Rows in PostgreSQL's COPY text format: tab-separated, ``\\N`` for NULL, backslash escapes in text;
    times as ISO 8601 in UTC (the column is ``timestamptz``)."""
    lines = []
    texts: dict[object, str] = {}  # unit ids, sources and times repeat within a batch: each converted once
    for f in fixes:
        unit = texts.get(f.unit_id)
        if unit is None:
            unit = texts[f.unit_id] = f.unit_id.translate(_COPY_ESCAPES)
        source = texts.get(f.source)
        if source is None:
            source = texts[f.source] = f.source.translate(_COPY_ESCAPES)
        when = texts.get(f.time)
        if when is None:
            when = texts[f.time] = f.time.astimezone(UTC).isoformat()
        speed = "\\N" if f.speed is None else repr(float(f.speed))
        heading = "\\N" if f.heading is None else repr(float(f.heading))
        lines.append(f"{unit}\t{when}\t{float(f.lat)!r}\t{float(f.lon)!r}\t{speed}\t{heading}\t{source}\n")
    return "".join(lines)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, foreign keys on, FULL sync so an acknowledged case survives a power cut."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_writer_connection(dbapi_connection: Any, record: Any) -> None:
    """The writer's SQLite connections: the driver's own transaction handling off (the engine's ``begin`` event
    issues ``BEGIN IMMEDIATE`` instead), the same pragmas as readers, and a longer wait for another process's
    write lock than a reader needs."""
    dbapi_connection.isolation_level = None
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(WRITE_LOCK_WAIT_S * 1000)}")
    cursor.close()


def utcnow() -> datetime:
    """Timezone-aware now; the one clock the core uses for stored times."""
    return datetime.now(UTC)

