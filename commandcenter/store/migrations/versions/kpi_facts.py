"""kpi_facts: a narrow, time-ordered table of every case's KPI inputs, kept by database triggers (issue 18)

Revision ID: kpi_facts
Revises: kpi_indexes
Create Date: 2026-12-02 19:45:00

Why and how it is read: commandcenter/kpi/facts.py. One row per case, written by triggers on ``cases`` in the
case's own transaction (so every writer — the store, bulk imports, a DBA's UPDATE — keeps it), timestamps as
integer microseconds since the epoch, the three ``extra`` values the figures use already extracted. The upgrade
backfills every existing case (a million cases: see docs/kpis.md "Benchmark" for the time it takes).
"""
from alembic import op

revision = "kpi_facts"
down_revision = "kpi_indexes"
branch_labels = None
depends_on = None

_TEXT = ("code", "source", "category", "category_name", "grid_code", "area_code", "assigned_officer", "status")
_TIMES = ("created", "registered", "dispatched", "arrived", "handled", "closed")
_COLUMNS = ", ".join(["id", *(f"{t}_us" for t in _TIMES), *_TEXT, "rating", "extended_hours", "field_state"])
# cases columns whose change changes a fact row (an UPDATE of updated_at alone does not fire the trigger)
_WATCHED = ", ".join(["id", *_TEXT, *(f"{t}_at" for t in _TIMES), "extra"])


def _sqlite_values(row: str) -> str:
    # Stored as naive-UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'; SQLite's date functions keep only milliseconds,
    # so the microseconds are added from the text (the same expression as commandcenter/kpi/fastread.py).
    times = [f"(unixepoch(substr({row}.{t}_at, 1, 19)) * 1000000 + CAST(substr({row}.{t}_at, 21, 6) AS INTEGER))"
             for t in _TIMES]
    extras = [f"CASE WHEN json_valid({row}.extra) THEN json_extract({row}.extra, '{path}') END"
              for path in ("$.rating", "$.extended_hours", "$.field.state")]
    return ", ".join([f"{row}.id", *times, *(f"{row}.{c}" for c in _TEXT), *extras])


def _pg_values(row: str) -> str:
    times = [f"CAST(round(extract(epoch FROM {row}.{t}_at) * 1000000) AS BIGINT)" for t in _TIMES]
    extras = [f"({row}.extra ->> 'rating')", f"({row}.extra ->> 'extended_hours')",
              f"({row}.extra -> 'field' ->> 'state')"]
    return ", ".join([f"{row}.id", *times, *(f"{row}.{c}" for c in _TEXT), *extras])


def _upgrade_sqlite() -> None:
    # Clustered by 上报 time (WITHOUT ROWID, primary key created_us, id): a month's cases are one range of pages.
    op.execute(f"""CREATE TABLE case_facts (
        id INTEGER NOT NULL, created_us INTEGER NOT NULL, registered_us INTEGER, dispatched_us INTEGER,
        arrived_us INTEGER, handled_us INTEGER, closed_us INTEGER,
        {', '.join(f'{c} TEXT' for c in _TEXT)},
        rating, extended_hours, field_state,
        PRIMARY KEY (created_us, id)) WITHOUT ROWID""")  # the three extras keep their JSON type (no affinity)
    op.execute(f"INSERT INTO case_facts ({_COLUMNS}) SELECT {_sqlite_values('c')} FROM cases c "
               "ORDER BY c.created_at, c.id")
    op.execute("CREATE UNIQUE INDEX ux_case_facts_id ON case_facts (id)")
    op.execute("CREATE INDEX ix_case_facts_registered ON case_facts (registered_us)")
    insert = f"INSERT INTO case_facts ({_COLUMNS}) VALUES ({_sqlite_values('NEW')});"
    op.execute(f"CREATE TRIGGER case_facts_insert AFTER INSERT ON cases BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER case_facts_update AFTER UPDATE OF {_WATCHED} ON cases BEGIN "
               f"DELETE FROM case_facts WHERE id = OLD.id; {insert} END")
    op.execute("CREATE TRIGGER case_facts_delete AFTER DELETE ON cases BEGIN "
               "DELETE FROM case_facts WHERE id = OLD.id; END")
    op.execute("ANALYZE case_facts")


def _upgrade_pg() -> None:
    op.execute(f"""CREATE TABLE case_facts (
        id BIGINT PRIMARY KEY, created_us BIGINT NOT NULL, registered_us BIGINT, dispatched_us BIGINT,
        arrived_us BIGINT, handled_us BIGINT, closed_us BIGINT,
        {', '.join(f'{c} TEXT' for c in _TEXT)},
        rating TEXT, extended_hours TEXT, field_state TEXT)""")
    op.execute(f"INSERT INTO case_facts ({_COLUMNS}) SELECT {_pg_values('c')} FROM cases c "
               "ORDER BY c.created_at, c.id")  # the heap in 上报 order, as later inserts append it
    op.execute("CREATE INDEX ix_case_facts_created ON case_facts (created_us)")
    op.execute("CREATE INDEX ix_case_facts_registered ON case_facts (registered_us)")
    op.execute(f"""CREATE FUNCTION case_facts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN DELETE FROM case_facts WHERE id = OLD.id; END IF;
            IF TG_OP <> 'DELETE' THEN
                INSERT INTO case_facts ({_COLUMNS}) VALUES ({_pg_values('NEW')});
            END IF;
            RETURN NULL;
        END $$""")
    op.execute(f"CREATE TRIGGER case_facts_keep AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED} ON cases "
               "FOR EACH ROW EXECUTE FUNCTION case_facts_keep()")
    op.execute("ANALYZE case_facts")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        _upgrade_pg()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("case_facts_insert", "case_facts_update", "case_facts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_facts_keep ON cases")
        op.execute("DROP FUNCTION IF EXISTS case_facts_keep()")
    op.execute("DROP TABLE IF EXISTS case_facts")
