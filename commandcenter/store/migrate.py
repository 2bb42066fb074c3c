"""Alembic driven from code: ``commandcenter db upgrade`` and ``Store.upgrade`` need no alembic.ini on disk.

A database already at the migrations' heads is left alone without importing Alembic (a second of imports and
script reading on every start): one query of ``alembic_version`` against the heads read from the migration files.
A new SQLite database is created from the migrations' recorded result (``commandcenter.store.sqlite_image``).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions no migration builds on, read from the files' ``revision``/``down_revision`` literals."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name):
                continue
            if target.id == "revision":
                revisions.add(str(ast.literal_eval(value)))
            elif target.id == "down_revision":
                down = ast.literal_eval(value)
                parents.update([down] if isinstance(down, str) else list(down or ()))
    return frozenset(revisions - parents)


def schema_is_current(engine: Engine) -> bool:
    """True when the database's ``alembic_version`` holds exactly the migrations' heads (nothing to upgrade)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stored = {str(row[0]) for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    return stored == head_revisions()


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision``: nothing when it is there, a new SQLite database from the migrated image
    (``commandcenter.store.sqlite_image``), anything else through Alembic."""
    if revision == "heads" and schema_is_current(engine):
        return
    if revision == "heads" and _is_new_sqlite(engine):
        from commandcenter.store.sqlite_image import create_from_image

        if create_from_image(engine, head_revisions()):
            return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def _is_new_sqlite(engine: Engine) -> bool:
    """An SQLite database without a single table or index (a new file, or one nothing was created in)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one() == 0


def current(engine: Engine) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return list(MigrationContext.configure(conn).get_current_heads())
