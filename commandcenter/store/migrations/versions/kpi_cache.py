"""kpi_cache: figures of ended periods kept in the database, with the days a change touches marked by triggers

Revision ID: kpi_cache
Revises: kpi_facts
Create Date: 2026-12-02 20:05:00

Why and how they are used: commandcenter/kpi/stored.py. ``kpi_changes`` holds, per UTC day (microseconds //
86,400,000,000; -1 for "every day"), the last change that touched it: of a case's facts (its 上报 and 立案 days,
before and after), of a clock event (返工/缓办/恢复, its day) or of an officer or vehicle (-1). SQLite numbers the
changes (writes are serialised); PostgreSQL records the changing transaction, so a reader can tell by its
snapshot whether a change is one it saw.
"""
from alembic import op

revision = "kpi_cache"
down_revision = "kpi_facts"
branch_labels = None
depends_on = None

_DAY_US = 86_400_000_000
_CLOCK = "('rework', 'suspend', 'resume')"


def _sqlite_mark(day: str) -> str:
    return (f"INSERT OR REPLACE INTO kpi_changes (day, seq) SELECT d, s FROM (SELECT {day} AS d, "
            "(SELECT coalesce(max(seq), 0) + 1 FROM kpi_changes) AS s) WHERE d IS NOT NULL;")


def _sqlite_day(us: str) -> str:
    return f"({us} / {_DAY_US} - ({us} < 0 AND {us} % {_DAY_US} != 0))"  # floor division


def _sqlite_event_day(row: str) -> str:
    return _sqlite_day(f"(unixepoch(substr({row}.time, 1, 19)) * 1000000)")


def _upgrade_sqlite() -> None:
    op.execute("CREATE TABLE kpi_changes (day INTEGER PRIMARY KEY, seq INTEGER NOT NULL)")
    op.execute("CREATE INDEX ix_kpi_changes_seq ON kpi_changes (seq)")
    for row, when in (("NEW", "INSERT"), ("OLD", "DELETE")):
        op.execute(f"CREATE TRIGGER kpi_changes_facts_{when.lower()} AFTER {when} ON case_facts BEGIN "
                   f"{_sqlite_mark(_sqlite_day(f'{row}.created_us'))} "
                   f"{_sqlite_mark(_sqlite_day(f'{row}.registered_us'))} END")
        op.execute(f"CREATE TRIGGER kpi_changes_events_{when.lower()} AFTER {when} ON case_events "
                   f"WHEN {row}.action IN {_CLOCK} BEGIN {_sqlite_mark(_sqlite_event_day(row))} END")
    op.execute(f"CREATE TRIGGER kpi_changes_events_update AFTER UPDATE ON case_events "
               f"WHEN OLD.action IN {_CLOCK} OR NEW.action IN {_CLOCK} BEGIN "
               f"{_sqlite_mark(_sqlite_event_day('OLD'))} {_sqlite_mark(_sqlite_event_day('NEW'))} END")
    for table in ("officers", "vehicles"):
        for when in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER kpi_changes_{table}_{when.lower()} AFTER {when} ON {table} BEGIN "
                       f"{_sqlite_mark('-1')} END")
    op.execute("""CREATE TABLE kpi_period_cache (
        start_day TEXT NOT NULL, end_day TEXT NOT NULL, context TEXT NOT NULL, stamp TEXT NOT NULL,
        payload TEXT NOT NULL, PRIMARY KEY (start_day, end_day, context))""")


def _upgrade_pg() -> None:
    op.execute("CREATE TABLE kpi_changes (day BIGINT PRIMARY KEY, xact xid8 NOT NULL)")
    op.execute(f"""CREATE FUNCTION kpi_mark(us BIGINT) RETURNS void LANGUAGE sql AS $$
        INSERT INTO kpi_changes (day, xact) SELECT floor(us / {_DAY_US}.0), pg_current_xact_id() WHERE us IS NOT NULL
        ON CONFLICT (day) DO UPDATE SET xact = excluded.xact $$""")
    op.execute("""CREATE FUNCTION kpi_mark_facts() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE r case_facts;
        BEGIN
            IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
            PERFORM kpi_mark(r.created_us);
            PERFORM kpi_mark(r.registered_us);
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER kpi_changes_facts AFTER INSERT OR DELETE ON case_facts "
               "FOR EACH ROW EXECUTE FUNCTION kpi_mark_facts()")
    op.execute(f"""CREATE FUNCTION kpi_mark_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND OLD.action IN {_CLOCK} THEN
                PERFORM kpi_mark(CAST(floor(extract(epoch FROM OLD.time) * 1000000) AS BIGINT));
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.action IN {_CLOCK} THEN
                PERFORM kpi_mark(CAST(floor(extract(epoch FROM NEW.time) * 1000000) AS BIGINT));
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER kpi_changes_events AFTER INSERT OR UPDATE OR DELETE ON case_events "
               "FOR EACH ROW EXECUTE FUNCTION kpi_mark_events()")
    op.execute("""CREATE FUNCTION kpi_mark_all() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM kpi_mark(-1); RETURN NULL; END $$""")
    for table in ("officers", "vehicles"):
        op.execute(f"CREATE TRIGGER kpi_changes_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_all()")
    op.execute("""CREATE TABLE kpi_period_cache (
        start_day TEXT NOT NULL, end_day TEXT NOT NULL, context TEXT NOT NULL, stamp TEXT NOT NULL,
        payload TEXT NOT NULL, PRIMARY KEY (start_day, end_day, context))""")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_pg()


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS kpi_period_cache")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("facts_insert", "facts_delete", "events_insert", "events_delete", "events_update",
                     *(f"{t}_{w}" for t in ("officers", "vehicles") for w in ("insert", "update", "delete"))):
            op.execute(f"DROP TRIGGER IF EXISTS kpi_changes_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS kpi_changes_facts ON case_facts")
        op.execute("DROP TRIGGER IF EXISTS kpi_changes_events ON case_events")
        for table in ("officers", "vehicles"):
            op.execute(f"DROP TRIGGER IF EXISTS kpi_changes_{table} ON {table}")
        for fn in ("kpi_mark_facts()", "kpi_mark_events()", "kpi_mark_all()", "kpi_mark(BIGINT)"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP TABLE IF EXISTS kpi_changes")
