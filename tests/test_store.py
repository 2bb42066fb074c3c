"""The store: migrations, round trips, aware UTC times, one writer serving many producers without loss."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, select, text

from commandcenter.store import FixRow, Store, StoreError, models, utcnow


def test_upgrade_creates_every_domain_table(store: Store) -> None:
    names = set(store.table_names())
    for table in ("officers", "vehicles", "cameras", "drones", "sensors", "zones", "cases", "case_events",
                  "position_fixes", "evidence"):
        assert table in names


def test_heads_read_from_the_migration_files_are_alembics_heads() -> None:
    from alembic.script import ScriptDirectory

    from commandcenter.store.migrate import alembic_config, head_revisions

    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    assert head_revisions() == frozenset(script.get_heads())


def test_an_upgraded_database_is_current_and_one_behind_is_upgraded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.store.migrate import head_revisions, schema_is_current

    store = Store(f"sqlite:///{tmp_path / 'cc.db'}")
    try:
        assert not schema_is_current(store.engine)  # a new file: Alembic creates the schema
        store.upgrade()
        assert schema_is_current(store.engine)
        # A database one migration behind on a branch (``kpi_cache``, the head after ``kpi_facts``: a table and
        # its triggers): the cheap check sees that it is behind, and the upgrade runs that migration again.
        assert "kpi_cache" in head_revisions()
        with store.engine.begin() as conn:
            for (trigger,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                "AND name LIKE 'kpi_changes_%'")).all():
                conn.execute(text(f"DROP TRIGGER {trigger}"))
            conn.execute(text("DROP TABLE kpi_period_cache"))
            conn.execute(text("DROP TABLE kpi_changes"))
            conn.execute(text("UPDATE alembic_version SET version_num = 'kpi_facts' WHERE version_num = 'kpi_cache'"))
        assert not schema_is_current(store.engine)
        store.upgrade()
        assert schema_is_current(store.engine)
        with store.engine.connect() as conn:
            tables = {row[0] for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        assert {"kpi_period_cache", "kpi_changes"} <= tables
    finally:
        store.close()


def _schema_of(database) -> set[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    import sqlite3

    with sqlite3.connect(database) as conn:
        schema = set(conn.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master").fetchall())
        statistics = {("stat", *map(str, row)) for row in conn.execute("SELECT * FROM sqlite_stat1")}
        return schema | statistics


def test_the_recorded_sqlite_schema_is_what_the_migrations_make() -> None:
    """``sqlite_schema.sql`` is regenerated with every migration (``python -m commandcenter.store.sqlite_image
    --write``); a migration added without it would give new databases yesterday's schema."""
    from commandcenter.store.sqlite_image import IMAGE, migrated_image

    assert IMAGE.read_text(encoding="utf-8") == migrated_image(), \
        "run: python -m commandcenter.store.sqlite_image --write"


def test_a_new_sqlite_database_gets_the_migrated_schema_without_alembic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from commandcenter.store.sqlite_image import migrated_image

    new = tmp_path / "new.db"
    # A fresh interpreter: Alembic never imported, the schema identical to the migrations' (every table, index and
    # trigger, with the append-only audit log and the KPI change marks), and the database at the heads.
    probe = ("import sys; from commandcenter.store import Store; from commandcenter.store.migrate import "
             f"schema_is_current; s = Store('sqlite:///{new}'); s.upgrade(); "
             "print('alembic' in sys.modules, schema_is_current(s.engine)); s.close()")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]
    migrated = tmp_path / "migrated.db"
    engine = create_engine(f"sqlite:///{migrated}")
    from alembic import command

    from commandcenter.store.migrate import alembic_config

    command.upgrade(alembic_config(engine), "heads")  # the Alembic path, for comparison
    engine.dispose()
    assert _schema_of(new) == _schema_of(migrated)
    assert migrated_image().count("CREATE TRIGGER") >= 2
    store = Store(f"sqlite:///{new}")
    try:
        store.write(lambda session: session.execute(text(
            "INSERT INTO audit_log (seq, time, actor, action, subject, data, prev_hash, hash) "
            "VALUES (1, '2026-12-03', 'a', 'b', 'c', '{}', '', 'h')")))
        with pytest.raises(Exception, match="append-only"):
            store.write(lambda session: session.execute(text("DELETE FROM audit_log")))
    finally:
        store.close()


def test_a_database_with_other_tables_is_migrated_by_alembic(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Only an empty SQLite file takes the recorded schema: one with a table of its own goes through Alembic (and
    keeps that table)."""
    database = tmp_path / "other.db"
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    engine.dispose()
    store = Store(f"sqlite:///{database}")
    try:
        store.upgrade()
        assert {"notes", "cases", "audit_log"} <= set(store.table_names())
    finally:
        store.close()


def test_sqlite_runs_wal_with_foreign_keys_and_full_sync(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def _new_case(code: str, when: datetime) -> models.Case:
    return models.Case(code=code, source="dispatcher", status="reported", created_at=when, updated_at=when,
                       category="0101", category_name="暴露垃圾", description="路边垃圾", lat=32.02, lon=118.78)


def test_case_round_trip_keeps_text_and_aware_utc(store: Store) -> None:
    when = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    case_id = store.write(lambda s: (s.add(c := _new_case("AJ1", when)), s.flush(), c.id)[-1])
    got = store.read(lambda s: (lambda c: (c.code, c.category_name, c.created_at))(s.get(models.Case, case_id)))
    assert got == ("AJ1", "暴露垃圾", when)
    assert got[2].tzinfo is not None


def test_naive_datetimes_are_refused_and_nothing_is_written(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        store.write(lambda s: s.add(_new_case("AJ2", datetime(2026, 1, 1))) or s.flush())
    assert store.scalar("SELECT COUNT(*) FROM cases") == 0


def test_foreign_keys_protect_case_events(store: Store) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        store.write(lambda s: s.add(models.CaseEvent(case_id=999, time=utcnow(), actor="x", action="x")) or s.flush())
    # the writer is still alive after the failure
    assert store.write(lambda s: 42) == 42


def test_writer_survives_concurrent_producers_without_losing_anything(store: Store) -> None:
    base = datetime(2026, 11, 21, tzinfo=UTC)
    errors: list[BaseException] = []

    def cases(worker: int) -> None:
        try:
            futs = [store.submit(lambda s, i=i: s.add(_new_case(f"W{worker}-{i}", base)))
                    for i in range(50)]
            for f in futs:
                f.result(30)
        except BaseException as exc:
            errors.append(exc)

    def fixes(worker: int) -> None:
        rows = [FixRow(f"u{worker}", base + timedelta(seconds=i), 32.0, 118.7, 1.0, 0.0, "test") for i in range(500)]
        futs = [store.add_fixes(rows[i:i + 50]) for i in range(0, 500, 50)]
        assert sum(f.result(30) for f in futs) == 500

    threads = [threading.Thread(target=cases, args=(w,)) for w in range(4)]
    threads += [threading.Thread(target=fixes, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    store.flush()
    assert store.read(lambda s: s.scalar(select(func.count()).select_from(models.Case))) == 200
    assert store.scalar("SELECT COUNT(*) FROM position_fixes") == 2000
    assert store.fixes_written == 2000


def test_frame_gives_a_dataframe(store: Store) -> None:
    store.add_fixes([FixRow("u1", utcnow(), 32.0, 118.7, None, None, "osmand")]).result(10)
    df = store.frame("SELECT unit_id, source FROM position_fixes")
    assert list(df["unit_id"]) == ["u1"] and list(df["source"]) == ["osmand"]


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="not a valid SQLAlchemy URL"):
        Store("not a url")


def test_cli_db_upgrade_on_a_fresh_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "upgrade", "--db", url]) == 0
    s = Store(url)
    try:
        assert "cases" in s.table_names()
    finally:
        s.close()


@pytest.mark.postgres
def test_store_on_postgresql(pg_store: Store) -> None:
    pg_store.upgrade()
    when = utcnow()
    pg_store.write(lambda ses: ses.add(_new_case("PG1", when)))
    pg_store.add_fixes([FixRow("u1", when, 32.0, 118.7, 2.0, 90.0, "jt808")] * 10).result(10)
    assert pg_store.scalar("SELECT COUNT(*) FROM position_fixes") == 10
    got = pg_store.read(lambda ses: ses.scalars(select(models.Case.created_at)).one())
    assert abs((got - when).total_seconds()) < 1e-3


@pytest.mark.postgres
def test_fixes_on_postgresql_keep_every_field_as_given(pg_store: Store) -> None:
    """Fixes go to PostgreSQL by COPY: times in any zone, missing speed/heading and odd unit ids come back as sent."""
    pg_store.upgrade()
    east8 = timezone(timedelta(hours=8))
    when = datetime(2026, 12, 2, 19, 30, 15, 123456, tzinfo=east8)
    rows = [FixRow("v-1", when, 32.0412345, 118.7812345, 23.5, 271.0, "jt808"),
            FixRow("odd\tid\\with\nescapes", when + timedelta(seconds=1), -33.5, -70.25, None, None, "osmand")]
    assert pg_store.add_fixes(rows).result(10) == 2
    stored = pg_store.read(lambda ses: [tuple(r) for r in ses.execute(
        select(models.PositionFix.unit_id, models.PositionFix.time, models.PositionFix.lat, models.PositionFix.lon,
               models.PositionFix.speed, models.PositionFix.heading, models.PositionFix.source)
        .order_by(models.PositionFix.time))])
    assert stored == [("v-1", when.astimezone(UTC), 32.0412345, 118.7812345, 23.5, 271.0, "jt808"),
                      ("odd\tid\\with\nescapes", (when + timedelta(seconds=1)).astimezone(UTC), -33.5, -70.25, None,
                       None, "osmand")]


def test_case_work_overtakes_a_flood_of_positions(store: Store) -> None:
    """A dispatcher's case write must not queue behind tens of thousands of position fixes."""
    base = datetime(2026, 11, 21, tzinfo=UTC)
    gate = store.submit(lambda s: time.sleep(0.3))  # the writer is busy while the flood queues up
    floods = [store.add_fixes([FixRow("u", base + timedelta(seconds=i), 32.0, 118.7, None, None, "t")] * 5000)
              for i in range(20)]
    case = store.submit(lambda s: s.add(_new_case("URGENT", base)))
    gate.result(10)
    case.result(30)
    assert not floods[-1].done(), "the case was written before the last of the queued positions"
    store.flush()
    assert all(f.done() for f in floods)
    assert store.scalar("SELECT COUNT(*) FROM position_fixes") == 100_000


def test_positions_are_committed_while_case_work_keeps_coming(store: Store) -> None:
    """Devices are answered only once their fix is committed: a steady stream of jobs (2,000 phones pairing)
    must not hold a queued fix batch back until every job is done (the phones' requests timed out)."""
    gate = threading.Event()
    store.submit(lambda s: gate.wait(10))  # the writer is busy while the backlog queues up
    backlog = [store.submit(lambda s: time.sleep(0.02)) for _ in range(100)]
    fixes = store.add_fixes([FixRow("u1", utcnow(), 32.0, 118.7, None, None, "osmand")])
    gate.set()
    fixes.result(30)
    assert sum(job.done() for job in backlog) < 100, "the fix waited for the whole backlog of jobs"
    store.flush()
    assert all(job.done() for job in backlog)


def test_write_queue_alternates_when_both_lanes_are_backed_up() -> None:
    from commandcenter.store.write_queue import FixBatch, WriteQueue

    def job(name: str) -> tuple[object, Future[object]]:
        return (lambda _s: name), Future()

    fresh = WriteQueue(max_fix_wait_s=3600)  # fixes not yet overdue: jobs first, in order
    fresh.put_fixes((FixBatch([1]), Future()))
    for name in "ab":
        fresh.put_job(job(name))
    taken = [fresh.get() for _ in range(3)]
    assert [isinstance(item[0], FixBatch) for item in taken if item] == [False, False, True]

    overdue = WriteQueue(max_fix_wait_s=0)
    for name in "abc":
        overdue.put_job(job(name))
        overdue.put_fixes((FixBatch([name]), Future()))
    kinds = ["fix" if isinstance(item[0], FixBatch) else "job" for item in (overdue.get() for _ in range(6)) if item]
    assert kinds == ["fix", "job", "fix", "job", "fix", "job"]
    overdue.stop()
    assert overdue.get() is None


def test_positions_are_written_while_a_stack_sampler_holds_the_writers_frames(store: Store) -> None:
    """A stack sampler (the stall watch, a profiler) keeps the writer's frames alive and lets them go later, on
    its own thread. What the writer's last insert left in those frames must not disturb the insert it is doing
    then: before the writer closed its cursor, SQLite refused a batch now and then ("bad parameter or other API
    misuse", in a probe of the demo at 2,000 units one run in four) and its devices were told to send it again."""
    import sys

    base = datetime(2026, 12, 5, tzinfo=UTC)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            held = sys._current_frames()  # every thread's frame, the writer's among them
            time.sleep(0.0005)
            del held  # released here, on the sampler's thread, while the writer goes on

    sampler = threading.Thread(target=sample, name="sampler", daemon=True)
    sampler.start()
    refused: list[str] = []
    batches = rows = 0
    deadline = time.monotonic() + 4.0
    try:
        while time.monotonic() < deadline and not refused:  # without the fix a refusal came within a second or two
            size = batches % 20 + 1
            batch = [FixRow(f"u{i}", base + timedelta(seconds=batches), 32.0, 118.7, 1.0, 0.0, "test")
                     for i in range(size)]
            try:
                store.add_fixes(batch).result(30)  # one small transaction after another
                rows += size
            except Exception as exc:  # what the devices would have been told
                refused.append(f"batch {batches}: {type(exc).__name__}: {exc}")
            batches += 1
    finally:
        stop.set()
        sampler.join(5)
    assert refused == []
    assert store.write_errors == 0
    assert store.scalar("SELECT COUNT(*) FROM position_fixes") == rows
